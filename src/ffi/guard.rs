//! The panic boundary. Unwinding into a C caller (here the .NET runtime hosting pwsh) is
//! undefined behaviour and in practice kills the user's shell, so every export runs inside one of
//! these.
//!
//! A panic inside a boundary is also kept off the user's console: the default hook would print
//! "thread panicked at src/..." into their terminal. A hook installed once records the message
//! for the error JSON instead, and defers to the previous hook for panics outside any boundary
//! (so test harnesses and host programs keep their own reporting).

use super::status::idle_ec_status;
use std::cell::{Cell, RefCell};
use std::panic::{self, catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // try_with: during a thread's teardown its locals may be gone, and a panic in the
            // hook would abort the process.
            if DEPTH.try_with(Cell::get).unwrap_or(0) > 0 {
                let text = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

struct DepthGuard;

impl DepthGuard {
    fn enter() -> Self {
        let _ = DEPTH.try_with(|d| d.set(d.get() + 1));
        DepthGuard
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        let _ = DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
    }
}

fn run<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let _depth = DepthGuard::enter();
    // AssertUnwindSafe is sound: after a panic the caller is told (status Panic) and documented
    // to free the handle it used rather than reuse it.
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        // Dropping the payload runs foreign Drop code outside the boundary; contain it too, and
        // leak (never drop) whatever a panicking Drop leaves behind.
        if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(nested);
        }
        LAST_PANIC
            .try_with(|p| p.borrow_mut().take())
            .ok()
            .flatten()
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// Runs `f`, turning a panic into [`idle_ec_status::Panic`].
pub fn status_boundary<F>(f: F) -> idle_ec_status
where
    F: FnOnce() -> idle_ec_status,
{
    run(f).unwrap_or(idle_ec_status::Panic)
}

/// Runs `f`; on a panic calls `on_panic` with the panic message (to write an error JSON) and
/// returns [`idle_ec_status::Panic`].
pub fn status_boundary_reporting<F, P>(f: F, on_panic: P) -> idle_ec_status
where
    F: FnOnce() -> idle_ec_status,
    P: FnOnce(String),
{
    match run(f) {
        Ok(status) => status,
        Err(message) => {
            // Reporting must not be able to unwind either.
            let _ = run(|| on_panic(message));
            idle_ec_status::Panic
        }
    }
}

/// Runs `f` for exports that return a plain value, with `fallback` on panic.
pub fn value_boundary<T, F>(fallback: T, f: F) -> T
where
    F: FnOnce() -> T,
{
    run(f).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_becomes_status_and_message_is_captured() {
        let mut seen = None;
        let status = status_boundary_reporting(|| panic!("boom {}", 42), |m| seen = Some(m));
        assert_eq!(status, idle_ec_status::Panic);
        assert_eq!(seen.as_deref(), Some("boom 42"));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }

    #[test]
    fn a_payload_whose_drop_panics_stays_inside() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("drop of the payload");
            }
        }
        let status = status_boundary(|| std::panic::panic_any(Bomb));
        assert_eq!(status, idle_ec_status::Panic);
        assert_eq!(DEPTH.with(Cell::get), 0);
    }

    #[test]
    fn value_boundary_falls_back() {
        assert_eq!(value_boundary(7, || -> i32 { panic!("x") }), 7);
        assert_eq!(value_boundary(7, || 3), 3);
    }
}
