//! Exports that fail on purpose, compiled only with the `fault-injection` feature so tests can
//! prove that a panic inside the library never escapes the boundary. Left out of the header.

use super::guard::status_boundary_reporting;
use super::status::idle_ec_status;
use super::strings::write_out;
use std::os::raw::c_char;

/// Panics inside the panic boundary. With a non-NULL `out_json`, the internal-error JSON is
/// written there. Test builds only.
///
/// # Safety
/// `out_json` must be NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_fault_panic(out_json: *mut *mut c_char) -> idle_ec_status {
    status_boundary_reporting(
        || panic!("fault injection: a deliberate panic inside the library"),
        |message| {
            if !out_json.is_null() {
                write_out(out_json, super::errors::panic_failure_json(&message));
            }
        },
    )
}
