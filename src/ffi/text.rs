//! Making any text fit for a message: secrets masked, one line, bounded. The interop layer and
//! the step pass every echo of user input and every foreign error text through here, so that the
//! rules of [`crate::redact`] and [`crate::adsync::text::one_line`] are written once.

use super::errors::text_export;
use super::status::idle_ec_status;
use crate::adsync::text::one_line;
use crate::failure::{Failure, FailureClass};
use crate::redact::{scrub, Secrets};
use serde::Deserialize;
use std::os::raw::c_char;

/// Default `maxChars`.
pub const DEFAULT_SCRUB_CHARS: usize = 1000;
/// Largest accepted `maxChars`.
pub const MAX_SCRUB_CHARS: usize = 100_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScrubRequest {
    text: String,
    #[serde(default)]
    max_chars: Option<usize>,
    #[serde(default)]
    redact: Vec<String>,
}

/// Masks secrets in a text and flattens it to one bounded line.
///
/// `request_json` is `{"text":"...","maxChars":<1..100000, default 1000>,"redact":["..."]}`:
/// every string in `redact` (e.g. the AuthSession's and the AuthSessionOptions' string values)
/// and every credential pattern (`password=…`, `Authorization: …`, `Bearer …`; see
/// `docs/redaction.md`) is masked as `[redacted]` *before* the text is flattened to one line
/// (whitespace and control characters collapse into single spaces) and cut to `maxChars`
/// characters (an ellipsis marks a cut). On `IDLE_EC_STATUS_OK`, `*out_text` receives the
/// resulting text (plain UTF-8, not JSON); on any other status a failure JSON. Free it with
/// [`idle_ec_string_free`](super::strings::idle_ec_string_free). Neither pointer may be NULL.
/// Thread-safe.
///
/// # Safety
/// `request_json` must be NULL or a NUL-terminated string; `out_text` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_text_scrub(
    request_json: *const c_char,
    out_text: *mut *mut c_char,
) -> idle_ec_status {
    text_export(request_json, "request_json", out_text, |text| {
        let invalid = |why: String| {
            let failure = Failure::new(
                FailureClass::InvalidInput,
                format!("The text scrub request is not valid: {why}."),
            );
            (
                idle_ec_status::InvalidArgument,
                failure.to_json().to_string(),
            )
        };
        let request = match serde_json::from_str::<ScrubRequest>(&text) {
            Ok(r) => r,
            // serde names an unknown key in its message: bounded.
            Err(e) => return invalid(one_line(&e.to_string(), 200)),
        };
        let max_chars = request.max_chars.unwrap_or(DEFAULT_SCRUB_CHARS);
        if !(1..=MAX_SCRUB_CHARS).contains(&max_chars) {
            return invalid(format!(
                "'maxChars' must be from 1 to {MAX_SCRUB_CHARS}, not {max_chars}"
            ));
        }
        let secrets = Secrets::new(request.redact.iter());
        (
            idle_ec_status::Ok,
            scrub(&request.text, &secrets, max_chars),
        )
    })
}
