//! Provider operations, written against [`crate::session::RemoteSession`].
