//! The C ABI, in the style of rustls-ffi.
//!
//! Rules every export here keeps:
//! * one prefix, `idle_ec_`, for functions and types; functions are `idle_ec_<object>_<verb>`;
//! * every export runs inside [`guard::status_boundary`] (or a sibling), so a panic becomes
//!   [`status::idle_ec_status::IDLE_EC_STATUS_PANIC`], never an unwind into the caller;
//! * every pointer is NULL-checked and every input string validated as UTF-8 and copied;
//! * output Rust allocates is freed only by Rust ([`strings::idle_ec_string_free`]).
//!
//! No domain logic lives here: these functions translate between C and the crate's modules.

pub mod classify;
pub mod computer_name;
mod errors;
pub mod failure_classes;
pub mod guard;
pub mod interop;
pub mod provider;
pub mod session;
pub mod status;
pub mod strings;
pub mod text;
pub mod version;
pub mod wait;

#[cfg(feature = "fault-injection")]
pub mod fault;
