//! Failure classification for errors raised outside the provider (e.g. by a provider written in
//! PowerShell), so the step sorts every error with the same rules.

use super::errors::text_export;
use super::status::idle_ec_status;
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
    text_export(errors_json, "errors_json", out_failure_json, |text| {
        match read_errors(&text) {
            Some((errors, secrets)) if !errors.is_empty() => (
                idle_ec_status::Ok,
                classify_with(&errors, &secrets).to_json().to_string(),
            ),
            _ => (
                idle_ec_status::InvalidArgument,
                Failure::new(
                    FailureClass::InvalidInput,
                    "The argument 'errors_json' must be a non-empty JSON array of error objects, or an object {\"errors\":[...],\"redact\":[...]}.",
                )
                .to_json()
                .to_string(),
            ),
        }
    })
}
