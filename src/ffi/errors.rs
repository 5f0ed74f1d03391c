//! The failure JSON every export writes for a caught panic or a bad argument, and the NULL-safe
//! way to hand it out.

use super::status::idle_ec_status;
use super::strings::write_out;
use crate::failure::{Failure, FailureClass};
use std::os::raw::c_char;

/// The failure JSON written when a panic was caught.
pub(crate) fn panic_failure_json(message: &str) -> String {
    Failure::new(
        FailureClass::Internal,
        format!("Internal error in the IdLE Entra Connect native core ({message}). Please report this as a bug."),
    )
    .to_json()
    .to_string()
}

/// The failure JSON for an input-checking status, naming the argument.
pub(crate) fn argument_failure(status: idle_ec_status, argument: &str) -> String {
    let message = match status {
        idle_ec_status::NullArgument => format!("The argument '{argument}' was NULL."),
        idle_ec_status::InvalidUtf8 => format!("The argument '{argument}' is not valid UTF-8."),
        idle_ec_status::CallbackFailed => {
            format!("The session table '{argument}' has no 'invoke' callback.")
        }
        _ => format!("The argument '{argument}' is invalid."),
    };
    Failure::new(FailureClass::InvalidInput, message)
        .to_json()
        .to_string()
}

/// Writes `json` through `out` when `out` is not NULL.
///
/// # Safety
/// `out` must be NULL or valid for one pointer write.
pub(crate) unsafe fn emit(out: *mut *mut c_char, json: String) {
    if !out.is_null() {
        write_out(out, json);
    }
}

/// The body of every export that takes one string and answers one string, inside the panic
/// boundary: `out` is checked and cleared, `input` read as UTF-8 (a failure names `argument`),
/// and `body`'s status and answer (a result or a failure JSON) handed out through `*out`.
///
/// # Safety
/// `input` must be NULL or a NUL-terminated string; `out` NULL or valid for one pointer write.
pub(crate) unsafe fn text_export<F>(
    input: *const c_char,
    argument: &str,
    out: *mut *mut c_char,
    body: F,
) -> idle_ec_status
where
    F: FnOnce(String) -> (idle_ec_status, String),
{
    super::guard::status_boundary_reporting(
        || {
            if out.is_null() {
                return idle_ec_status::NullArgument;
            }
            *out = std::ptr::null_mut();
            let text = match super::strings::read_str(input) {
                Ok(t) => t,
                Err(status) => {
                    write_out(out, argument_failure(status, argument));
                    return status;
                }
            };
            let (status, answer) = body(text);
            write_out(out, answer);
            status
        },
        |message| emit(out, panic_failure_json(&message)),
    )
}
