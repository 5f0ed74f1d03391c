//! Failure classification for errors raised outside the provider (e.g. by a provider written in
//! PowerShell), so the step sorts every error with the same rules.

use super::errors::{argument_failure, panic_failure_json};
use super::guard::status_boundary_reporting;
use super::status::idle_ec_status;
use super::strings::{read_str, write_out};
use crate::adsync::classify_with;
use crate::failure::{Failure, FailureClass};
use crate::redact::Secrets;
use crate::session::RemoteError;
use serde::Deserialize;
use std::os::raw::c_char;

/// The errors of `text` and the secrets it lists: either a bare array of errors or
/// `{"errors":[...],"redact":["..."]}`.
fn read_errors(text: &str) -> Option<(Vec<RemoteError>, Secrets)> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Bare(Vec<RemoteError>),
        WithSecrets {
            errors: Vec<RemoteError>,
            #[serde(default)]
            redact: Vec<String>,
        },
    }
    Some(match serde_json::from_str::<Input>(text).ok()? {
        Input::Bare(errors) => (errors, Secrets::default()),
        Input::WithSecrets { errors, redact } => (errors, Secrets::new(redact.iter())),
    })
}

/// Classifies errors into one failure.
///
/// `errors_json` is a JSON array of error objects
/// `{"message","exceptionType","fullyQualifiedErrorId","category","terminating"}` (every field
/// optional), or an object `{"errors":[...],"redact":["..."]}` whose `redact` lists strings that
/// are secret (e.g. the AuthSession's string values): they and credential patterns
/// (`password=…`, `Bearer …`, see `docs/redaction.md`) are masked before the text is cut, and
/// never reach the failure. `*out_failure_json` receives the failure JSON
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
            match read_errors(&text) {
                Some((errors, secrets)) if !errors.is_empty() => {
                    write_out(
                        out_failure_json,
                        classify_with(&errors, &secrets).to_json().to_string(),
                    );
                    idle_ec_status::Ok
                }
                _ => {
                    write_out(out_failure_json, Failure::new(
                        FailureClass::InvalidInput,
                        "The argument 'errors_json' must be a non-empty JSON array of error objects, or an object {\"errors\":[...],\"redact\":[...]}.",
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
