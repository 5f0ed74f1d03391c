//! Failure classification for errors raised outside the provider (e.g. by a provider written in
//! PowerShell), so the step sorts every error with the same rules.

use super::errors::{argument_failure, panic_failure_json};
use super::guard::status_boundary_reporting;
use super::status::idle_ec_status;
use super::strings::{read_str, write_out};
use crate::adsync::classify;
use crate::failure::{Failure, FailureClass};
use crate::session::RemoteError;
use std::os::raw::c_char;

/// Classifies errors into one failure.
///
/// `errors_json` is a JSON array of error objects
/// `{"message","exceptionType","fullyQualifiedErrorId","category","terminating"}` (every field
/// optional). `*out_failure_json` receives the failure JSON
/// `{"class","errorId","category","transient","message","remoteMessage"}` — or, for a non-OK
/// status, a failure describing the bad argument — to free with [`idle_ec_string_free`].
/// Neither pointer may be NULL. Thread-safe.
///
/// # Safety
/// `errors_json` must be NULL or a NUL-terminated string; `out_failure_json` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_classify_errors(
    errors_json: *const c_char,
    out_failure_json: *mut *mut c_char,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if out_failure_json.is_null() {
                return idle_ec_status::NullArgument;
            }
            *out_failure_json = std::ptr::null_mut();
            let text = match read_str(errors_json) {
                Ok(t) => t,
                Err(status) => {
                    write_out(out_failure_json, argument_failure(status, "errors_json"));
                    return status;
                }
            };
            match serde_json::from_str::<Vec<RemoteError>>(&text) {
                Ok(errors) if !errors.is_empty() => {
                    write_out(out_failure_json, classify(&errors).to_json().to_string());
                    idle_ec_status::Ok
                }
                _ => {
                    write_out(out_failure_json, Failure::new(
                        FailureClass::InvalidInput,
                        "The argument 'errors_json' must be a non-empty JSON array of error objects.",
                    )
                    .to_json()
                    .to_string());
                    idle_ec_status::InvalidArgument
                }
            }
        },
        |message| {
            if !out_failure_json.is_null() {
                write_out(out_failure_json, panic_failure_json(&message));
            }
        },
    )
}
