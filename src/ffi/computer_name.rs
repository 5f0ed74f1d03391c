//! The ComputerName check of IdLE's next contract, for the provider's interop layer: the same
//! rule the step's `With.ComputerName` goes through ([`crate::computer_name`]).

use super::errors::text_export;
use super::status::idle_ec_status;
use crate::computer_name::check_computer_name;
use std::os::raw::c_char;

/// Checks a computer name (the Entra Connect server, as IdLE's next contract passes it).
///
/// `name` is the name as UTF-8 text. On success `*out_json` receives the name without
/// surrounding whitespace as a JSON string (`"sync01.contoso.com"`); for a name that is blank,
/// longer than 255 characters or holds spaces or control characters, the status is
/// `InvalidArgument` and `*out_json` receives the failure JSON
/// `{"class","errorId","category","transient","message","remoteMessage"}` whose message names
/// `ComputerName`. Free `*out_json` with [`idle_ec_string_free`]. Neither pointer may be NULL.
/// Thread-safe.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string; `out_json` NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_computer_name_check(
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> idle_ec_status {
    text_export(name, "name", out_json, |text| {
        match check_computer_name("ComputerName", &text) {
            Ok(checked) => (
                idle_ec_status::Ok,
                serde_json::Value::String(checked).to_string(),
            ),
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
    use std::ffi::{CStr, CString};

    fn check(name: &str) -> (idle_ec_status, String) {
        let input = CString::new(name).unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            let status = idle_ec_computer_name_check(input.as_ptr(), &mut out);
            let text = CStr::from_ptr(out).to_str().unwrap().to_owned();
            idle_ec_string_free(out);
            (status, text)
        }
    }

    #[test]
    fn answers_the_trimmed_name_or_a_failure_naming_computer_name() {
        assert_eq!(
            check(" sync01.contoso.com "),
            (idle_ec_status::Ok, "\"sync01.contoso.com\"".to_owned())
        );
        let (status, json) = check("sync 01");
        assert_eq!(status, idle_ec_status::InvalidArgument);
        let failure: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(failure["errorId"], "IdLE.DirectorySync.InvalidArgument");
        assert!(failure["message"]
            .as_str()
            .unwrap()
            .contains("ComputerName"));
    }

    #[test]
    fn null_pointers_are_refused() {
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            assert_eq!(
                idle_ec_computer_name_check(std::ptr::null(), std::ptr::null_mut()),
                idle_ec_status::NullArgument
            );
            let status = idle_ec_computer_name_check(std::ptr::null(), &mut out);
            assert_ne!(status, idle_ec_status::Ok);
            idle_ec_string_free(out);
        }
    }
}
