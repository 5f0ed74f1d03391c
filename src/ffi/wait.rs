//! The wait machine handle. The machine is sans-I/O: the caller feeds it what it observed with
//! the time, and does what the decision says (sleep, trigger, poll, finish).

use super::errors::{argument_failure, emit, panic_failure_json};
use super::guard::{status_boundary, status_boundary_reporting, value_boundary};
use super::status::idle_ec_status;
use super::strings::{read_str, write_out};
use crate::adsync::PolicyType;
use crate::wait::WaitMachine;
use std::os::raw::c_char;

/// A wait machine for one trigger-and-wait.
///
/// Opaque. Create with [`idle_ec_wait_new`], free with [`idle_ec_wait_free`]. Not thread-safe:
/// use one machine from one thread at a time (it may move between threads between calls).
#[allow(non_camel_case_types)]
pub struct idle_ec_wait {
    machine: WaitMachine,
}

/// Creates a wait machine from its configuration, a JSON object (see the `wait` module's
/// documentation for the keys; `{}` takes every default).
///
/// On success `*out_wait` receives a machine to free with [`idle_ec_wait_free`]. On
/// `IDLE_EC_STATUS_INVALID_ARGUMENT` (a bad value, naming the offending key) and other failures,
/// `*out_error_json` receives, when `out_error_json` is not NULL, a failure JSON to free with
/// [`idle_ec_string_free`]. `config_json` and `out_wait` may not be NULL. Thread-safe.
///
/// # Safety
/// `config_json` must be NULL or NUL-terminated; each out-pointer NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_wait_new(
    config_json: *const c_char,
    out_wait: *mut *mut idle_ec_wait,
    out_error_json: *mut *mut c_char,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if !out_error_json.is_null() {
                *out_error_json = std::ptr::null_mut();
            }
            if out_wait.is_null() {
                emit(
                    out_error_json,
                    argument_failure(idle_ec_status::NullArgument, "out_wait"),
                );
                return idle_ec_status::NullArgument;
            }
            *out_wait = std::ptr::null_mut();
            let config = match read_str(config_json) {
                Ok(c) => c,
                Err(status) => {
                    emit(out_error_json, argument_failure(status, "config_json"));
                    return status;
                }
            };
            match WaitMachine::from_config_json(&config) {
                Ok(machine) => {
                    *out_wait = Box::into_raw(Box::new(idle_ec_wait { machine }));
                    idle_ec_status::Ok
                }
                Err(failure) => {
                    emit(out_error_json, failure.to_json().to_string());
                    idle_ec_status::InvalidArgument
                }
            }
        },
        |message| emit(out_error_json, panic_failure_json(&message)),
    )
}

/// Creates the wait machine of one run of the step, from the step's request JSON: its name,
/// its `With` entries as the host wrote them, and facts about values only the host can inspect
/// (see the `wait` module's `with` documentation). Every rule about `With` is the machine's: a
/// refused `With` does not fail here, it is the machine's first decision (`fail`, with its one
/// `DirectorySyncFailed` event). Before the wait the machine asks the step to find the provider
/// (`findProvider`) and to acquire the session (`acquireSession`).
///
/// On `IDLE_EC_STATUS_OK`, `*out_wait` receives a machine to free with [`idle_ec_wait_free`].
/// `step_json` and `out_wait` may not be NULL (`IDLE_EC_STATUS_NULL_ARGUMENT`); text that is not
/// UTF-8 is `IDLE_EC_STATUS_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `step_json` must be NULL or NUL-terminated; `out_wait` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_wait_new_step(
    step_json: *const c_char,
    out_wait: *mut *mut idle_ec_wait,
) -> idle_ec_status {
    status_boundary(|| {
        if out_wait.is_null() {
            return idle_ec_status::NullArgument;
        }
        *out_wait = std::ptr::null_mut();
        let step = match read_str(step_json) {
            Ok(s) => s,
            Err(status) => return status,
        };
        let machine = WaitMachine::for_step_json(&step);
        *out_wait = Box::into_raw(Box::new(idle_ec_wait { machine }));
        idle_ec_status::Ok
    })
}

/// Feeds the machine one input, a JSON object, observed at `now_ms` (milliseconds of a monotonic
/// clock of the caller's choice, the same clock for every call on one machine), and returns the
/// next decision.
///
/// `*out_decision_json` receives the decision JSON, to free with [`idle_ec_string_free`]; it is
/// written for every status except a NULL `out_decision_json`. A malformed or out-of-order input
/// is answered with a `fail` decision, not a crash. After a panic (`IDLE_EC_STATUS_PANIC`) the
/// machine must be freed and not used again.
///
/// # Safety
/// `wait` must be NULL or a live machine not used by another thread; `input_json` NULL or NUL-terminated; `out_decision_json` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_wait_handle(
    wait: *mut idle_ec_wait,
    now_ms: u64,
    input_json: *const c_char,
    out_decision_json: *mut *mut c_char,
) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if out_decision_json.is_null() {
                return idle_ec_status::NullArgument;
            }
            *out_decision_json = std::ptr::null_mut();
            let wait = match wait.as_mut() {
                Some(wait) => wait,
                None => {
                    write_out(
                        out_decision_json,
                        argument_failure(idle_ec_status::NullArgument, "wait"),
                    );
                    return idle_ec_status::NullArgument;
                }
            };
            let input = match read_str(input_json) {
                Ok(i) => i,
                Err(status) => {
                    write_out(out_decision_json, argument_failure(status, "input_json"));
                    return status;
                }
            };
            write_out(out_decision_json, wait.machine.handle_json(now_ms, &input));
            idle_ec_status::Ok
        },
        |message| emit(out_decision_json, panic_failure_json(&message)),
    )
}

/// The canonical policy type of the machine's configuration, `"Delta"` or `"Initial"`, as the
/// machine validated it (any casing and surrounding whitespace were accepted); NULL when the
/// configuration gave none or `wait` is NULL. Callers pass this spelling on to the provider, so
/// that the policy type the machine reports and the one triggered are the same.
///
/// The string is static: never free it. Thread-safe for a machine not being fed at the time.
///
/// # Safety
/// `wait` must be NULL or a live machine from [`idle_ec_wait_new`].
#[no_mangle]
pub unsafe extern "C" fn idle_ec_wait_policy_type(wait: *const idle_ec_wait) -> *const c_char {
    value_boundary(std::ptr::null(), || match wait.as_ref() {
        Some(wait) => match wait.machine.config().policy_type {
            Some(PolicyType::Delta) => b"Delta\0".as_ptr().cast(),
            Some(PolicyType::Initial) => b"Initial\0".as_ptr().cast(),
            None => std::ptr::null(),
        },
        None => std::ptr::null(),
    })
}

/// Frees a wait machine. NULL is accepted and ignored. The machine must not be used afterwards.
///
/// # Safety
/// `wait` must be NULL or a machine from [`idle_ec_wait_new`] not yet freed.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_wait_free(wait: *mut idle_ec_wait) {
    value_boundary((), || {
        if !wait.is_null() {
            drop(Box::from_raw(wait));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{CStr, CString};

    unsafe fn policy_of(config: &str) -> Option<String> {
        let config = CString::new(config).unwrap();
        let mut wait = std::ptr::null_mut();
        let status = idle_ec_wait_new(config.as_ptr(), &mut wait, std::ptr::null_mut());
        assert_eq!(status, idle_ec_status::Ok);
        let p = idle_ec_wait_policy_type(wait);
        let text = if p.is_null() {
            None
        } else {
            Some(CStr::from_ptr(p).to_str().unwrap().to_owned())
        };
        idle_ec_wait_free(wait);
        text
    }

    #[test]
    fn a_step_machine_is_made_even_for_a_refused_with() {
        unsafe {
            let step = CString::new(r#"{"stepName":"S","with":null}"#).unwrap();
            let mut wait = std::ptr::null_mut();
            assert_eq!(
                idle_ec_wait_new_step(step.as_ptr(), &mut wait),
                idle_ec_status::Ok
            );
            assert!(!wait.is_null());
            assert!(idle_ec_wait_policy_type(wait).is_null());
            let input = CString::new(r#"{"kind":"start"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(
                idle_ec_wait_handle(wait, 0, input.as_ptr(), &mut out),
                idle_ec_status::Ok
            );
            let decision = CStr::from_ptr(out).to_str().unwrap().to_owned();
            crate::ffi::strings::idle_ec_string_free(out);
            assert!(decision.contains(r#""action":"fail""#), "{decision}");
            idle_ec_wait_free(wait);
            assert_eq!(
                idle_ec_wait_new_step(std::ptr::null(), &mut wait),
                idle_ec_status::NullArgument
            );
            assert_eq!(
                idle_ec_wait_new_step(step.as_ptr(), std::ptr::null_mut()),
                idle_ec_status::NullArgument
            );
        }
    }

    #[test]
    fn policy_type_is_the_canonical_spelling_the_machine_validated() {
        unsafe {
            assert_eq!(
                policy_of(r#"{"policyType":" iNiTiAl "}"#).as_deref(),
                Some("Initial")
            );
            assert_eq!(
                policy_of(r#"{"policyType":"DELTA"}"#).as_deref(),
                Some("Delta")
            );
            assert_eq!(policy_of("{}"), None);
            assert!(idle_ec_wait_policy_type(std::ptr::null()).is_null());
        }
    }
}
