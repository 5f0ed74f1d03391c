//! The failure-class table, for the interop layer: every class with its ErrorId, ErrorCategory
//! and transience, as the core decides them ([`crate::failure`]).

use super::errors::{emit, panic_failure_json};
use super::guard::status_boundary_reporting;
use super::status::idle_ec_status;
use super::strings::write_out;
use std::os::raw::c_char;

/// Writes the failure-class table: a JSON array with one object per class,
/// `{"class","errorId","category","transient","retriesRead"}` (`category` is the name of a
/// `System.Management.Automation.ErrorCategory` member; `transient` is what an ErrorRecord
/// carries as `Exception.Data['Idle.IsTransient']`; `retriesRead` whether a wait reads again
/// after a read failed with the class). The interop layer builds every ErrorRecord from it.
///
/// On `IDLE_EC_STATUS_OK`, `*out_json` receives the table; on another status a failure JSON.
/// Free it with [`idle_ec_string_free`](super::strings::idle_ec_string_free). `out_json` may
/// not be NULL. Thread-safe.
///
/// # Safety
/// `out_json` must be NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_failure_classes(out_json: *mut *mut c_char) -> idle_ec_status {
    status_boundary_reporting(
        || {
            if out_json.is_null() {
                return idle_ec_status::NullArgument;
            }
            write_out(out_json, crate::failure::classes_json().to_string());
            idle_ec_status::Ok
        },
        |message| emit(out_json, panic_failure_json(&message)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::strings::idle_ec_string_free;
    use std::ffi::CStr;

    #[test]
    fn writes_the_whole_table() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { idle_ec_failure_classes(&mut out) };
        assert_eq!(status, idle_ec_status::Ok);
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { idle_ec_string_free(out) };
        let table: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(table, crate::failure::classes_json());
        assert!(text.contains("\"errorId\":\"IdLE.DirectorySync.NativeLibraryUnavailable\""));
        assert_eq!(
            unsafe { idle_ec_failure_classes(std::ptr::null_mut()) },
            idle_ec_status::NullArgument
        );
    }
}
