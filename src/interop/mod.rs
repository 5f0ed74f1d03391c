//! Decisions the interop layer asks for. The C# layer gathers facts (a .NET type, whether a
//! value was given, a module's version) and converts; what those facts mean — which AuthSession
//! kind to use, which options are valid, what a failure says — is decided here, once:
//!
//! * [`auth_session`]: which of the three AuthSession kinds a provider call uses, and the
//!   AuthSessionInvalid / ComputerName failures when it can use none;
//! * [`remote_options`]: the rules and messages of the provider's `-RemoteSessionOptions`;
//! * [`describe`]: the failures the interop layer and the step detect by themselves (a disposed
//!   object, a NUL in an argument, a silent core, a step pack conflict).

pub mod auth_session;
pub mod describe;
pub mod remote_options;

use crate::redact::{scrub, Secrets};

/// Longest echo of one value the user gave (a type name, a key), as elsewhere (docs/redaction.md).
pub const ECHO_CHARS: usize = 80;

/// A value from outside as a message shows it: credential patterns masked, one line, bounded.
pub(crate) fn echo(text: &str, max_chars: usize) -> String {
    scrub(text, &Secrets::default(), max_chars)
}
