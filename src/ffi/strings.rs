//! Strings across the boundary: inputs are validated and copied; outputs are allocated by Rust
//! and freed only by [`idle_ec_string_free`].

use super::guard::value_boundary;
use super::status::idle_ec_status;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;

/// Copies a NUL-terminated UTF-8 input string.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string valid for reads.
pub(crate) unsafe fn read_str(ptr: *const c_char) -> Result<String, idle_ec_status> {
    if ptr.is_null() {
        return Err(idle_ec_status::NullArgument);
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map(str::to_owned)
        .map_err(|_| idle_ec_status::InvalidUtf8)
}

/// Like [`read_str`], but NULL reads as `None`.
///
/// # Safety
/// As [`read_str`].
pub(crate) unsafe fn read_optional_str(
    ptr: *const c_char,
) -> Result<Option<String>, idle_ec_status> {
    if ptr.is_null() {
        Ok(None)
    } else {
        read_str(ptr).map(Some)
    }
}

/// Hands `text` to the caller through `out`, which must be non-NULL (checked by the caller).
///
/// JSON never contains a NUL byte (serde_json escapes it), but arbitrary text might: any NUL is
/// replaced so the string is never silently cut short.
///
/// # Safety
/// `out` must be non-NULL and valid for a pointer write.
pub(crate) unsafe fn write_out(out: *mut *mut c_char, text: String) {
    let c = CString::new(text).unwrap_or_else(|e| {
        let cleaned: Vec<u8> = e
            .into_vec()
            .into_iter()
            .map(|b| if b == 0 { b' ' } else { b })
            .collect();
        CString::new(cleaned).unwrap_or_default()
    });
    *out = c.into_raw();
}

/// Frees a string returned by any `idle_ec_*` function through a `char **` out-parameter.
///
/// NULL is accepted and ignored. Passing a pointer not obtained from this library, or freeing the
/// same string twice, is undefined behaviour. Thread-safe: any thread may free any string.
///
/// # Safety
/// `s` must be NULL or a string returned by this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_string_free(s: *mut c_char) {
    value_boundary((), || {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
    })
}
