//! The provider handle and its two operations, trigger and state.

use super::errors::{argument_failure, emit, panic_failure_json};
use super::guard::status_boundary_reporting;
use super::session::{
    byte_size, idle_ec_session, CallbackSession, DEFAULT_MAX_ANSWER_BYTES, MAX_MAX_ANSWER_BYTES,
    MIN_MAX_ANSWER_BYTES,
};
use super::status::idle_ec_status;
use super::strings::{read_optional_str, read_str};
use crate::adsync::values::UtcTime;
use crate::failure::{Failure, FailureClass};
use crate::provider;
use serde::Deserialize;
use std::cell::RefCell;
use std::os::raw::c_char;

/// A provider: the settings for operations against one kind of Entra Connect server.
///
/// Opaque. Create with [`idle_ec_provider_new`], free with [`idle_ec_provider_free`]. A provider
/// holds no session and no per-call state, so one provider may be used from several threads at
/// once; each call brings its own session table.
#[allow(non_camel_case_types)]
pub struct idle_ec_provider {
    max_answer_bytes: usize,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct ProviderOptions {
    max_answer_bytes: Option<usize>,
}

fn failure_json(class: FailureClass, message: impl Into<String>) -> String {
    Failure::new(class, message).to_json().to_string()
}

/// Creates a provider.
///
/// `options_json` may be NULL (defaults) or a JSON object: `{"maxAnswerBytes": <bytes>}` caps one
/// session answer (default 16 MiB, from 1 KiB to 1 GiB). On success `*out_provider` receives a
/// provider to be freed with [`idle_ec_provider_free`]. On any other status, when
/// `out_error_json` is not NULL, `*out_error_json` receives a failure JSON to be freed with
/// [`idle_ec_string_free`]; on success it is set to NULL. `out_provider` may not be NULL.
/// Thread-safe.
///
/// # Safety
/// `options_json` must be NULL or a NUL-terminated string; each out-pointer NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_provider_new(
    options_json: *const c_char,
    out_provider: *mut *mut idle_ec_provider,
    out_error_json: *mut *mut c_char,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            // Both out-pointers hold NULL or a fresh value on return, so a caller may free
            // "whatever is not NULL" without having initialised them.
            if !out_error_json.is_null() {
                *out_error_json = std::ptr::null_mut();
            }
            if out_provider.is_null() {
                emit(
                    out_error_json,
                    argument_failure(idle_ec_status::NullArgument, "out_provider"),
                );
                return idle_ec_status::NullArgument;
            }
            *out_provider = std::ptr::null_mut();
            let options = match read_optional_str(options_json) {
                Ok(None) => ProviderOptions::default(),
                Ok(Some(text)) => match serde_json::from_str::<ProviderOptions>(&text) {
                    Ok(o) => o,
                    Err(e) => {
                        emit(
                            out_error_json,
                            failure_json(
                                FailureClass::InvalidInput,
                                // serde names an unknown key in its message: bounded.
                                format!(
                                    "The provider options are not valid: {}.",
                                    crate::adsync::text::one_line(&e.to_string(), 200)
                                ),
                            ),
                        );
                        return idle_ec_status::InvalidArgument;
                    }
                },
                Err(status) => {
                    emit(out_error_json, argument_failure(status, "options_json"));
                    return status;
                }
            };
            let max_answer_bytes = options.max_answer_bytes.unwrap_or(DEFAULT_MAX_ANSWER_BYTES);
            if !(MIN_MAX_ANSWER_BYTES..=MAX_MAX_ANSWER_BYTES).contains(&max_answer_bytes) {
                emit(
                    out_error_json,
                    failure_json(
                        FailureClass::InvalidInput,
                        format!(
                            "The provider option 'maxAnswerBytes' must be from {MIN_MAX_ANSWER_BYTES} to {MAX_MAX_ANSWER_BYTES} ({} to {}), not {max_answer_bytes}.",
                            byte_size(MIN_MAX_ANSWER_BYTES),
                            byte_size(MAX_MAX_ANSWER_BYTES)
                        ),
                    ),
                );
                return idle_ec_status::InvalidArgument;
            }
            *out_provider = Box::into_raw(Box::new(idle_ec_provider { max_answer_bytes }));
            idle_ec_status::Ok
        },
        |message| emit(out_error_json, panic_failure_json(&message)),
    )
}

/// Frees a provider. NULL is accepted and ignored. The provider must not be in use by another
/// thread, and must not be used afterwards.
///
/// # Safety
/// `provider` must be NULL or a provider from [`idle_ec_provider_new`] not yet freed.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_provider_free(provider: *mut idle_ec_provider) {
    super::guard::value_boundary((), || {
        if !provider.is_null() {
            drop(Box::from_raw(provider));
        }
    })
}

/// Why an operation did not produce a result.
enum OpError {
    /// An argument failed the ABI checks (NULL, not UTF-8): its status and failure JSON.
    Argument(idle_ec_status, String),
    /// The operation ran and failed.
    Failed(Failure),
}

impl From<Failure> for OpError {
    fn from(f: Failure) -> Self {
        OpError::Failed(f)
    }
}

thread_local! {
    /// The providers with an operation running on this thread (the innermost last).
    static ACTIVE_PROVIDERS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks a provider's operation as running on this thread until dropped.
struct ActiveOperation(usize);

impl ActiveOperation {
    /// `None` when the provider already runs an operation on this thread: the session called
    /// the provider again from inside its own callback, which would recurse without end.
    fn enter(provider: *const idle_ec_provider) -> Option<ActiveOperation> {
        let key = provider as usize;
        ACTIVE_PROVIDERS
            .try_with(|active| {
                let mut active = active.borrow_mut();
                if active.contains(&key) {
                    None
                } else {
                    active.push(key);
                    Some(ActiveOperation(key))
                }
            })
            .unwrap_or(None)
    }
}

impl Drop for ActiveOperation {
    fn drop(&mut self) {
        let key = self.0;
        let _ = ACTIVE_PROVIDERS.try_with(|active| {
            let mut active = active.borrow_mut();
            if let Some(index) = active.iter().rposition(|k| *k == key) {
                active.remove(index);
            }
        });
    }
}

/// The failure JSON for a provider called again from inside its own session callback.
fn reentrant_failure_json() -> String {
    Failure::new(
        FailureClass::ReentrantCall,
        "The directory sync provider was called again from inside its own AuthSession's \
         InvokeCommand, while an operation of the same provider was running on this thread; \
         this would recurse without end. An AuthSession must run the command it is given on the \
         Entra Connect server and must not call the provider (or the step) itself.",
    )
    .to_json()
    .to_string()
}

/// Runs one provider operation with the shared argument checks and output handling.
unsafe fn run_operation(
    provider: *const idle_ec_provider,
    session: *const idle_ec_session,
    out_json: *mut *mut c_char,
    op: impl FnOnce(&mut CallbackSession) -> Result<String, OpError>,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if out_json.is_null() {
                return idle_ec_status::NullArgument;
            }
            *out_json = std::ptr::null_mut();
            let provider = match provider.as_ref() {
                Some(provider) => provider,
                None => {
                    emit(
                        out_json,
                        argument_failure(idle_ec_status::NullArgument, "provider"),
                    );
                    return idle_ec_status::NullArgument;
                }
            };
            let _active = match ActiveOperation::enter(provider) {
                Some(active) => active,
                None => {
                    emit(out_json, reentrant_failure_json());
                    return idle_ec_status::InvalidArgument;
                }
            };
            let mut session = match CallbackSession::from_table(session, provider.max_answer_bytes)
            {
                Ok(s) => s,
                Err(status) => {
                    emit(out_json, argument_failure(status, "session"));
                    return status;
                }
            };
            match op(&mut session) {
                Ok(json) => {
                    emit(out_json, json);
                    idle_ec_status::Ok
                }
                Err(OpError::Argument(status, json)) => {
                    emit(out_json, json);
                    status
                }
                Err(OpError::Failed(failure)) => {
                    let status = if failure.class == FailureClass::InvalidInput {
                        idle_ec_status::InvalidArgument
                    } else {
                        idle_ec_status::OperationFailed
                    };
                    emit(out_json, failure.to_json().to_string());
                    status
                }
            }
        },
        |message| emit(out_json, panic_failure_json(&message)),
    )
}

/// The result's JSON text, written straight from the typed result (no `Value` in between).
fn to_json_text(value: impl serde::Serialize) -> Result<String, OpError> {
    serde_json::to_string(&value).map_err(|e| {
        OpError::Failed(Failure::new(
            FailureClass::Internal,
            format!("Could not serialise the result ({e}). Please report this as a bug."),
        ))
    })
}

/// Triggers a sync cycle: runs `Start-ADSyncSyncCycle -PolicyType <Delta|Initial>` through
/// `session`.
///
/// `policy_type` is `Delta` or `Initial` in any casing. `session` is called synchronously on this
/// thread, zero or one time, before this function returns. `out_json` may not be NULL; on return it
/// holds NULL or a JSON string to free with [`idle_ec_string_free`]:
/// * `IDLE_EC_STATUS_OK`: `{"Started":true,"Message":...,"PolicyType":...,"AcceptedAtUtc":...,"Details":{...}}`;
/// * any other status: a failure `{"class","errorId","category","transient","message","remoteMessage"}`
///   (`IDLE_EC_STATUS_INVALID_ARGUMENT` for a bad policy type, `IDLE_EC_STATUS_OPERATION_FAILED`
///   for a classified failure of the server or the session).
///
/// Thread-safe for distinct sessions; `provider` is only read. Re-entry is refused: a call made
/// from inside `session`'s callback on the same provider (on this thread) returns
/// `IDLE_EC_STATUS_INVALID_ARGUMENT` with a failure whose `errorId` is
/// `IdLE.DirectorySync.ReentrantCall` (category `InvalidOperation`), without calling any session.
///
/// # Safety
/// `provider` must be NULL or a live provider; `policy_type` NULL or NUL-terminated; `session` NULL or a table whose callback is safe to call with its `userdata` during this call; `out_json` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_provider_start_sync_cycle(
    provider: *const idle_ec_provider,
    policy_type: *const c_char,
    session: *const idle_ec_session,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    run_operation(provider, session, out_json, |s| {
        let policy = read_str(policy_type)
            .map_err(|status| OpError::Argument(status, argument_failure(status, "policy_type")))?;
        to_json_text(provider::start_sync_cycle(s, &policy, UtcTime::now())?)
    })
}

/// Reads the state of the sync scheduler: runs `Get-ADSyncScheduler` through `session`.
///
/// `session` is called synchronously on this thread, exactly once, before this function returns.
/// `out_json` may not be NULL; on return it holds NULL or a JSON string to free with
/// [`idle_ec_string_free`]: on `IDLE_EC_STATUS_OK`
/// `{"InProgress":bool,"State":"Idle"|"InProgress"|"Unknown","Details":{...scheduler fields...}}`,
/// otherwise a failure JSON as for [`idle_ec_provider_start_sync_cycle`].
///
/// Thread-safe for distinct sessions; `provider` is only read.
///
/// # Safety
/// As for [`idle_ec_provider_start_sync_cycle`].
#[no_mangle]
pub unsafe extern "C" fn idle_ec_provider_get_sync_cycle_state(
    provider: *const idle_ec_provider,
    session: *const idle_ec_session,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    run_operation(provider, session, out_json, |s| {
        to_json_text(provider::get_sync_cycle_state(s)?)
    })
}

/// Reads the run history: runs `Get-ADSyncRunProfileResult` through `session` and returns the
/// runs newer than a reference.
///
/// `since_json` may be NULL or the JSON `null` (take a reference: `-NumberRequested 1`, no runs
/// returned), a `Reference` object an earlier call returned (`{"RunHistoryId":...,"StartDate":...}`),
/// or a server UTC time as a JSON string; otherwise the call sends `-NumberRequested 50
/// -RunStepDetails`. `session` is called synchronously on this thread, zero or one time, before
/// this function returns. `out_json` may not be NULL; on return it holds NULL or a JSON string to
/// free with [`idle_ec_string_free`]:
/// * `IDLE_EC_STATUS_OK`: `{"Since":...,"Reference":{...},"Runs":[...oldest first...],
///   "Summary":[...per connector...],"Requested":n,"Truncated":bool}`;
/// * any other status: a failure JSON as for [`idle_ec_provider_start_sync_cycle`]
///   (`IDLE_EC_STATUS_INVALID_ARGUMENT` for an unreadable `since_json`).
///
/// Thread-safe for distinct sessions; `provider` is only read.
///
/// # Safety
/// As for [`idle_ec_provider_start_sync_cycle`]; `since_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_provider_get_sync_cycle_runs(
    provider: *const idle_ec_provider,
    since_json: *const c_char,
    session: *const idle_ec_session,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    run_operation(provider, session, out_json, |s| {
        let since = match read_optional_str(since_json) {
            Ok(None) => serde_json::Value::Null,
            Ok(Some(text)) => serde_json::from_str(&text).map_err(|e| {
                OpError::Failed(Failure::new(
                    FailureClass::InvalidInput,
                    format!("The Since value given to GetSyncCycleRuns is not valid JSON: {e}."),
                ))
            })?,
            Err(status) => {
                return Err(OpError::Argument(
                    status,
                    argument_failure(status, "since_json"),
                ))
            }
        };
        Ok(provider::get_sync_cycle_runs(s, &since)?
            .to_json()
            .to_string())
    })
}
