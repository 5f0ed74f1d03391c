//! Version and ABI handshake.

use super::guard::value_boundary;
use std::os::raw::c_char;

/// The ABI version implemented by this library. A caller built for another value must refuse to
/// use the library. Bumped on any incompatible change to a signature, a struct layout, a status
/// value or a JSON shape.
pub const IDLE_EC_ABI_VERSION: u32 = 1;

/// Returns the ABI version of this library ([`IDLE_EC_ABI_VERSION`]).
///
/// Call it right after loading the library and refuse to go on if it differs from the version
/// the caller was built for. Never fails; thread-safe.
#[no_mangle]
pub extern "C" fn idle_ec_abi_version() -> u32 {
    IDLE_EC_ABI_VERSION
}

/// Returns the library's version as a static NUL-terminated UTF-8 string, e.g. `"0.1.0"`.
///
/// The string is owned by the library and lives as long as the library is loaded: do not free it.
/// Never returns NULL; thread-safe.
#[no_mangle]
pub extern "C" fn idle_ec_version() -> *const c_char {
    value_boundary(std::ptr::null(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}
