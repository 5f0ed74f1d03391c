//! Decisions for the interop layer ([`crate::interop`]): it hands over facts and converts the
//! answer; the rules and the messages are the core's.

use super::errors::{argument_failure, emit, panic_failure_json, text_export};
use super::guard::status_boundary_reporting;
use super::status::idle_ec_status;
use super::strings::{read_optional_str, read_str, write_out};
use crate::adsync::text::one_line;
use crate::failure::{Failure, FailureClass};
use crate::interop::{auth_session, describe, remote_options};
use std::os::raw::c_char;

/// The answer for a request that could not be read: `InvalidArgument` and an InvalidInput failure.
fn unreadable(what: &str, why: &str) -> (idle_ec_status, String) {
    (
        idle_ec_status::InvalidArgument,
        Failure::new(
            FailureClass::InvalidInput,
            format!("The {what} is not valid: {}.", one_line(why, 300)),
        )
        .to_json()
        .to_string(),
    )
}

/// Describes a failure the interop layer or the step detected by itself: the core picks its
/// class and writes its message from the facts given.
///
/// `kind` names what happened; `facts_json` is a JSON object with its facts, or NULL when the
/// kind needs none:
///
/// | `kind` | facts |
/// |---|---|
/// | `providerUsedAfterDispose` | `{"method":"StartSyncCycle"}` |
/// | `waitMachineUsedAfterDispose` | none |
/// | `nulInArgument` | `{"argument":"PolicyType"}` |
/// | `coreSilent` | none (the core answered a failure status without text) |
/// | `coreUnreadable` | none (the core's failure text could not be read) |
/// | `waitMachineNotCreated` | `{"status":"Panic"}` |
/// | `unknownClass` | `{"class":"...","message":"..."}` (a failure named a class not in the table) |
/// | `idleStepPackLoaded` | `{"versions":["0.9.0"]}` (IdLE's own step pack, loaded at these versions) |
///
/// On `IDLE_EC_STATUS_OK`, `*out_failure_json` receives the failure JSON
/// `{"class","errorId","category","transient","message","remoteMessage"}`. An unknown kind or
/// facts that do not fit it give `IDLE_EC_STATUS_INVALID_ARGUMENT` and an InvalidInput failure
/// saying why. Free the text with [`idle_ec_string_free`](super::strings::idle_ec_string_free).
/// `kind` and `out_failure_json` may not be NULL. Thread-safe.
///
/// # Safety
/// `kind` and `facts_json` must be NULL or NUL-terminated strings; `out_failure_json` NULL or
/// valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_failure_describe(
    kind: *const c_char,
    facts_json: *const c_char,
    out_failure_json: *mut *mut c_char,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if out_failure_json.is_null() {
                return idle_ec_status::NullArgument;
            }
            *out_failure_json = std::ptr::null_mut();
            let kind = match read_str(kind) {
                Ok(k) => k,
                Err(status) => {
                    write_out(out_failure_json, argument_failure(status, "kind"));
                    return status;
                }
            };
            let facts = match read_optional_str(facts_json) {
                Ok(f) => f,
                Err(status) => {
                    write_out(out_failure_json, argument_failure(status, "facts_json"));
                    return status;
                }
            };
            let (status, answer) = match describe::facts_from_json(&kind, facts.as_deref()) {
                Ok(facts) => (
                    idle_ec_status::Ok,
                    describe::describe(&facts).to_json().to_string(),
                ),
                Err(why) => unreadable("failure description request", &why),
            };
            write_out(out_failure_json, answer);
            status
        },
        |message| emit(out_failure_json, panic_failure_json(&message)),
    )
}

/// Decides which AuthSession a provider call uses, from what the interop layer saw of it.
///
/// `facts_json` is `{"method","next","computerName","session","typeName","isString"}`:
/// `method` is `StartSyncCycle`, `GetSyncCycleState` or `GetSyncCycleRuns`; `next` true for
/// IdLE's next contract's shape (with a ComputerName); `computerName` (next shape only) `null`
/// when nothing was given, `{"text":"..."}` for a string, `{"typeName":"..."}` for anything
/// else; `session` one of `none`, `psSession`, `credential`, `invokeCommand` (an object with an
/// `InvokeCommand` method), `other`; `typeName` the session's type name and `isString` whether
/// it is a string (for the message when it is `other`).
///
/// On `IDLE_EC_STATUS_OK`, `*out_json` receives `{"kind":"invokeCommand"}`,
/// `{"kind":"psSession"}` or `{"kind":"credential","computerName":"<checked, trimmed>"}`. When no
/// session can be used the status is `IDLE_EC_STATUS_INVALID_ARGUMENT` and `*out_json` receives
/// the failure JSON (AuthSessionInvalid; InvalidInput for a ComputerName that is no host name;
/// both name the call's shape). Free it with
/// [`idle_ec_string_free`](super::strings::idle_ec_string_free). Neither pointer may be NULL.
/// Thread-safe.
///
/// # Safety
/// `facts_json` must be NULL or a NUL-terminated string; `out_json` NULL or valid for one
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_auth_session_resolve(
    facts_json: *const c_char,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    text_export(facts_json, "facts_json", out_json, |text| {
        let facts = match serde_json::from_str::<auth_session::SessionFacts>(&text) {
            Ok(f) => f,
            Err(e) => return unreadable("AuthSession facts", &e.to_string()),
        };
        match auth_session::resolve(&facts) {
            Ok(resolved) => match serde_json::to_string(&resolved) {
                Ok(json) => (idle_ec_status::Ok, json),
                Err(e) => unreadable("AuthSession answer", &e.to_string()),
            },
            Err(failure) => (
                idle_ec_status::InvalidArgument,
                failure.to_json().to_string(),
            ),
        }
    })
}

/// Checks the provider's `-RemoteSessionOptions` and answers them normalized.
///
/// `options_json` is `null` (no options) or the options as facts: `{"type":"table","entries":
/// [{"key":<fact>,"value":<fact>}, ...]}` in the table's order, where a fact is
/// `{"type":"string","text":"..."}`, `{"type":"int32"|"int64"|"int16"|"byte","value":n}`,
/// `{"type":"bool"|"switch","value":true}`, `{"type":"null"}`, a nested `table`, or
/// `{"type":"other","text":"<display text, for a key>"}` for anything else.
///
/// On `IDLE_EC_STATUS_OK`, `*out_json` receives the normalized options: `Transport` (`WinRM` or
/// `SSH`), `UseSSL`, `SkipCACheck`, `SkipCNCheck`, `SkipRevocationCheck`, `CommandsOnly`, and
/// where set `Port`, `Authentication` (the mechanism's name), `ConfigurationName`,
/// `ApplicationName`, `OpenTimeoutSeconds` (always for SSH), `OperationTimeoutSeconds`,
/// `UserName`, `KeyFilePath`, `Subsystem` and `SshOptions` (SSH: the ssh client options as text,
/// the unattended defaults included). A key or value that is not allowed gives
/// `IDLE_EC_STATUS_INVALID_ARGUMENT` and an InvalidInput failure JSON naming it. Free the text
/// with [`idle_ec_string_free`](super::strings::idle_ec_string_free). Neither pointer may be
/// NULL. Thread-safe.
///
/// # Safety
/// `options_json` must be NULL or a NUL-terminated string; `out_json` NULL or valid for one
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_remote_session_options_check(
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    text_export(options_json, "options_json", out_json, |text| {
        let facts = match serde_json::from_str::<Option<remote_options::Fact>>(&text) {
            Ok(f) => f,
            Err(e) => return unreadable("RemoteSessionOptions facts", &e.to_string()),
        };
        match remote_options::check(facts.as_ref()) {
            Ok(options) => match serde_json::to_string(&options) {
                Ok(json) => (idle_ec_status::Ok, json),
                Err(e) => unreadable("RemoteSessionOptions answer", &e.to_string()),
            },
            Err(failure) => (
                idle_ec_status::InvalidArgument,
                failure.to_json().to_string(),
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::strings::idle_ec_string_free;
    use serde_json::Value;
    use std::ffi::{CStr, CString};

    unsafe fn take(out: *mut c_char) -> Value {
        assert!(!out.is_null());
        let text = CStr::from_ptr(out).to_str().unwrap().to_owned();
        idle_ec_string_free(out);
        serde_json::from_str(&text).unwrap()
    }

    fn describe_call(kind: Option<&str>, facts: Option<&str>) -> (idle_ec_status, Value) {
        let kind = kind.map(|k| CString::new(k).unwrap());
        let facts = facts.map(|f| CString::new(f).unwrap());
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            let status = idle_ec_failure_describe(
                kind.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
                facts.as_ref().map_or(std::ptr::null(), |f| f.as_ptr()),
                &mut out,
            );
            (status, take(out))
        }
    }

    fn one(
        f: unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> idle_ec_status,
        input: &str,
    ) -> (idle_ec_status, Value) {
        let input = CString::new(input).unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            let status = f(input.as_ptr(), &mut out);
            (status, take(out))
        }
    }

    #[test]
    fn describe_answers_the_failure_json() {
        let (status, failure) = describe_call(
            Some("providerUsedAfterDispose"),
            Some(r#"{"method":"StartSyncCycle"}"#),
        );
        assert_eq!(status, idle_ec_status::Ok);
        assert_eq!(failure["class"], "ProviderDisposed");
        assert_eq!(failure["errorId"], "IdLE.DirectorySync.ProviderDisposed");
        assert_eq!(failure["category"], "InvalidOperation");
        assert_eq!(failure["transient"], false);
        assert!(failure["message"]
            .as_str()
            .unwrap()
            .starts_with("StartSyncCycle was called"));
        let (status, failure) = describe_call(Some("waitMachineUsedAfterDispose"), None);
        assert_eq!(status, idle_ec_status::Ok);
        assert_eq!(failure["class"], "WaitMachineDisposed");
    }

    #[test]
    fn describe_refuses_unknown_kinds_and_null_arguments() {
        let (status, failure) = describe_call(Some("gremlins"), None);
        assert_eq!(status, idle_ec_status::InvalidArgument);
        assert_eq!(failure["class"], "InvalidInput");
        let (status, failure) = describe_call(None, None);
        assert_eq!(status, idle_ec_status::NullArgument);
        assert!(failure["message"].as_str().unwrap().contains("'kind'"));
        unsafe {
            assert_eq!(
                idle_ec_failure_describe(std::ptr::null(), std::ptr::null(), std::ptr::null_mut()),
                idle_ec_status::NullArgument
            );
        }
        let bad = [0xffu8, 0];
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            let kind = CString::new("coreSilent").unwrap();
            let status =
                idle_ec_failure_describe(kind.as_ptr(), bad.as_ptr() as *const c_char, &mut out);
            assert_eq!(status, idle_ec_status::InvalidUtf8);
            assert!(take(out)["message"]
                .as_str()
                .unwrap()
                .contains("facts_json"));
        }
    }

    #[test]
    fn resolve_answers_a_kind_or_the_failure() {
        let (status, answer) = one(
            idle_ec_auth_session_resolve,
            r#"{"method":"StartSyncCycle","next":false,"session":"invokeCommand"}"#,
        );
        assert_eq!(status, idle_ec_status::Ok);
        assert_eq!(answer, serde_json::json!({"kind": "invokeCommand"}));
        let (status, failure) = one(
            idle_ec_auth_session_resolve,
            r#"{"method":"StartSyncCycle","next":false,"session":"none"}"#,
        );
        assert_eq!(status, idle_ec_status::InvalidArgument);
        assert_eq!(failure["errorId"], "IdLE.DirectorySync.AuthSessionInvalid");
        let (status, failure) = one(idle_ec_auth_session_resolve, r#"{"session":"none"}"#);
        assert_eq!(status, idle_ec_status::InvalidArgument);
        assert_eq!(failure["class"], "InvalidInput");
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            assert_eq!(
                idle_ec_auth_session_resolve(std::ptr::null(), &mut out),
                idle_ec_status::NullArgument
            );
            idle_ec_string_free(out);
            assert_eq!(
                idle_ec_auth_session_resolve(std::ptr::null(), std::ptr::null_mut()),
                idle_ec_status::NullArgument
            );
        }
    }

    #[test]
    fn options_check_answers_normalized_options_or_the_failure() {
        let (status, options) = one(idle_ec_remote_session_options_check, "null");
        assert_eq!(status, idle_ec_status::Ok);
        assert_eq!(options["Transport"], "WinRM");
        let (status, failure) = one(
            idle_ec_remote_session_options_check,
            r#"{"type":"table","entries":[{"key":{"type":"string","text":"Transport"},"value":{"type":"string","text":"SSH"}},
                {"key":{"type":"string","text":"SshOptions"},"value":{"type":"table","entries":[
                {"key":{"type":"string","text":"ProxyCommand"},"value":{"type":"string","text":"sh -c id"}}]}}]}"#,
        );
        assert_eq!(status, idle_ec_status::InvalidArgument);
        assert_eq!(failure["errorId"], "IdLE.DirectorySync.InvalidArgument");
        assert!(failure["message"]
            .as_str()
            .unwrap()
            .contains("'ProxyCommand'"));
        let (status, _) = one(idle_ec_remote_session_options_check, "{");
        assert_eq!(status, idle_ec_status::InvalidArgument);
        unsafe {
            assert_eq!(
                idle_ec_remote_session_options_check(std::ptr::null(), std::ptr::null_mut()),
                idle_ec_status::NullArgument
            );
        }
    }
}
