//! The callback table through which Rust reaches the host's AuthSession, and the sink through
//! which a callback answers.
//!
//! The answer is written into a Rust-owned buffer (the sink), so no allocation of the caller's
//! runtime ever has to be freed by Rust or the reverse.

use super::status::idle_ec_status;
use crate::adsync::text::{one_line, server_text};
use crate::failure::{Failure, FailureClass};
use crate::session::{Answer, RemoteSession};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default cap on one callback answer: far above any real ADSync answer, far below what would
/// hurt the host process.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Smallest accepted `maxAnswerBytes`.
pub const MIN_MAX_ANSWER_BYTES: usize = 1024;

/// Largest accepted `maxAnswerBytes`: the sink never holds more than this in memory.
pub const MAX_MAX_ANSWER_BYTES: usize = 1024 * 1024 * 1024;

/// A buffer owned by the library into which a callback writes its answer.
///
/// Opaque: the pointer a callback receives identifies that one call (it is not the buffer's
/// address). Only valid during the callback invocation that received it, on its thread; a kept
/// one is refused afterwards.
#[allow(non_camel_case_types)]
pub struct idle_ec_sink {
    bytes: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

/// The `idle_ec_sink *` a callback receives is a token, never the buffer's address: a number
/// unique in the process, so a token kept from an earlier call can never equal the running
/// callback's (a stack address would: the next call's sink usually lands at the same place).
static NEXT_SINK_TOKEN: AtomicUsize = AtomicUsize::new(1);

/// The running callback's sink on this thread (the innermost one, should callbacks nest).
#[derive(Clone, Copy)]
struct ActiveSink {
    token: usize,
    sink: *mut idle_ec_sink,
}

thread_local! {
    static ACTIVE_SINK: Cell<Option<ActiveSink>> = const { Cell::new(None) };
}

/// Runs `f` with `sink` as this thread's active sink, handing `f` its token; restores the
/// previous one afterwards.
fn with_active_sink<T>(sink: *mut idle_ec_sink, f: impl FnOnce(*mut idle_ec_sink) -> T) -> T {
    struct Restore(Option<ActiveSink>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = ACTIVE_SINK.try_with(|active| active.set(self.0));
        }
    }
    // Token 0 would read as NULL; skipping it on wrap-around keeps tokens non-NULL.
    let token = match NEXT_SINK_TOKEN.fetch_add(1, Ordering::Relaxed) {
        0 => NEXT_SINK_TOKEN.fetch_add(1, Ordering::Relaxed),
        t => t,
    };
    let _restore = Restore(
        ACTIVE_SINK
            .try_with(|active| active.replace(Some(ActiveSink { token, sink })))
            .unwrap_or(None),
    );
    f(token as *mut idle_ec_sink)
}

/// The buffer behind `token` when it is the running callback's on this thread.
fn active_sink(token: *mut idle_ec_sink) -> Option<*mut idle_ec_sink> {
    ACTIVE_SINK
        .try_with(Cell::get)
        .ok()
        .flatten()
        .filter(|active| active.token == token as usize)
        .map(|active| active.sink)
}

/// The signature of the callback that runs one command through the host's session.
///
/// * `userdata`: the `userdata` of the [`idle_ec_session`] table, passed through untouched.
/// * `command`: the command name, NUL-terminated UTF-8, e.g. `"Get-ADSyncScheduler"`. Valid only
///   during the call.
/// * `parameters_json`: the parameters as a JSON object, NUL-terminated UTF-8 (e.g.
///   `{"PolicyType":"Delta"}`). Valid only during the call.
/// * `sink`: where the answer goes, through [`idle_ec_sink_write`]. Valid only during the call.
///
/// Return 0 after writing an answer of the form
/// `{"output":[...],"errors":[{"message":"...","exceptionType":"...","fullyQualifiedErrorId":"...","category":"...","terminating":true}],"redact":["..."]}`
/// — errors the *command* raised belong in `errors`, with status 0. `redact` (optional) lists
/// strings that are secret (the session's own string values): they are masked in every text
/// of the failure, before it is cut, and never echoed. Return non-zero only when the
/// callback itself could not run; anything written to the sink is then taken as a plain-text
/// reason. The callback must not unwind (throw) into the library.
#[allow(non_camel_case_types)]
pub type idle_ec_invoke_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        command: *const c_char,
        parameters_json: *const c_char,
        sink: *mut idle_ec_sink,
    ) -> u32,
>;

/// The callback table describing one host session.
///
/// The library calls `invoke` only synchronously, on the thread that called the library function
/// the table was passed to, and never after that function returns: a table may therefore point
/// at state that lives only for that call.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct idle_ec_session {
    /// Passed as the first argument of every callback; never dereferenced by the library.
    pub userdata: *mut c_void,
    /// Runs one named command. May not be NULL when an operation needs the session.
    pub invoke: idle_ec_invoke_callback,
}

/// Appends `len` bytes at `data` to the sink's answer.
///
/// Returns `IDLE_EC_STATUS_OUTPUT_TOO_LARGE` once the answer passes the library's cap (the whole
/// answer is then discarded and the operation fails with a clear message),
/// `IDLE_EC_STATUS_NULL_ARGUMENT` for a NULL `sink` or a NULL `data` with non-zero `len`, and
/// `IDLE_EC_STATUS_INVALID_ARGUMENT` for a sink that is not the one of the callback running on
/// this thread (one kept from an earlier call, or used from another thread): such a sink is
/// refused without being touched. The bytes are copied; `data` may be freed on return. Call
/// only from inside the callback that received `sink`, on that thread.
///
/// # Safety
/// `sink` must be NULL or the sink passed to the running callback; `data` must be valid for `len` bytes of reads.
#[no_mangle]
pub unsafe extern "C" fn idle_ec_sink_write(
    sink: *mut idle_ec_sink,
    data: *const u8,
    len: usize,
) -> idle_ec_status {
    super::guard::status_boundary(|| {
        if sink.is_null() {
            return idle_ec_status::NullArgument;
        }
        let buffer = match active_sink(sink) {
            Some(buffer) => buffer,
            None => return idle_ec_status::InvalidArgument,
        };
        // SAFETY: the active sink lives on the stack of the running `invoke`, on this thread.
        let sink = &mut *buffer;
        if len == 0 {
            return idle_ec_status::Ok;
        }
        if data.is_null() {
            return idle_ec_status::NullArgument;
        }
        if sink.overflowed || sink.bytes.len().saturating_add(len) > sink.limit {
            sink.overflowed = true;
            sink.bytes = Vec::new();
            return idle_ec_status::OutputTooLarge;
        }
        let needed = sink.bytes.len() + len;
        if needed > sink.bytes.capacity() {
            // Grow geometrically, but never past the cap: the cap bounds memory, not just length.
            let target = needed
                .max(sink.bytes.capacity().saturating_mul(2))
                .min(sink.limit);
            sink.bytes.reserve_exact(target - sink.bytes.len());
        }
        sink.bytes
            .extend_from_slice(std::slice::from_raw_parts(data, len));
        idle_ec_status::Ok
    })
}

/// A [`RemoteSession`] over a caller's callback table.
pub(crate) struct CallbackSession {
    userdata: *mut c_void,
    invoke:
        unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char, *mut idle_ec_sink) -> u32,
    max_answer_bytes: usize,
}

impl CallbackSession {
    /// # Safety
    /// `table` must be NULL or point to a valid table for the duration of the borrow.
    pub(crate) unsafe fn from_table(
        table: *const idle_ec_session,
        max_answer_bytes: usize,
    ) -> Result<Self, idle_ec_status> {
        let table = table.as_ref().ok_or(idle_ec_status::NullArgument)?;
        let invoke = table.invoke.ok_or(idle_ec_status::CallbackFailed)?;
        Ok(CallbackSession {
            userdata: table.userdata,
            invoke,
            max_answer_bytes,
        })
    }
}

fn remote_failed(message: String) -> Failure {
    Failure::new(FailureClass::RemoteExecutionFailed, message)
}

impl RemoteSession for CallbackSession {
    fn invoke(
        &mut self,
        command: &str,
        parameters: &Map<String, Value>,
    ) -> Result<Answer, Failure> {
        let internal = |what: &str| {
            Failure::new(
                FailureClass::Internal,
                format!("Could not pass {what} to the session callback."),
            )
        };
        let command_c = CString::new(command).map_err(|_| internal("the command name"))?;
        let params_c = CString::new(Value::Object(parameters.clone()).to_string())
            .map_err(|_| internal("the parameters"))?;
        let mut sink = idle_ec_sink {
            bytes: Vec::new(),
            limit: self.max_answer_bytes,
            overflowed: false,
        };
        // SAFETY: the caller promised the callback is valid for this call; every pointer handed
        // over lives until it returns.
        let rc = with_active_sink(&mut sink, |token| unsafe {
            (self.invoke)(self.userdata, command_c.as_ptr(), params_c.as_ptr(), token)
        });
        if sink.overflowed {
            return Err(Failure::new(
                FailureClass::UnexpectedResponse,
                format!(
                    "The answer to '{command}' was larger than {} and was discarded; the session returned far more than an Entra Connect server sends.",
                    byte_size(self.max_answer_bytes)
                ),
            ));
        }
        if rc != 0 {
            // The reason is the host's text, often an exception with its stack trace: one line,
            // without the trace, bounded; the whole of it (bounded too) as the remote message.
            let reason = server_text(String::from_utf8_lossy(&sink.bytes).trim());
            if reason.is_empty() {
                return Err(remote_failed(format!(
                    "The host's session could not run '{command}' (callback status {rc}, no reason given)."
                )));
            }
            return Err(remote_failed(format!(
                "The host's session could not run '{command}' (callback status {rc}: {}).",
                one_line(&reason, 500)
            ))
            .with_remote(reason));
        }
        parse_answer(command, &sink.bytes)
    }
}

/// `16 MiB`, `4 KiB` or `1500 bytes`: whole units where they fit, bytes otherwise.
pub(crate) fn byte_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Parses a callback's answer; anything that is not an [`Answer`] is an unexpected response.
pub(crate) fn parse_answer(command: &str, bytes: &[u8]) -> Result<Answer, Failure> {
    let unexpected = |why: String| {
        Failure::new(
            FailureClass::UnexpectedResponse,
            format!("The session's answer to '{command}' could not be read: {why}."),
        )
    };
    let text =
        std::str::from_utf8(bytes).map_err(|_| unexpected("it is not UTF-8 text".to_owned()))?;
    if text.trim().is_empty() {
        return Err(unexpected("it is empty".to_owned()));
    }
    serde_json::from_str::<Answer>(text)
        .map_err(|e| unexpected(format!("it is not the expected JSON ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_parsing_rejects_junk_with_a_clear_class() {
        for junk in [
            &b""[..],
            b"   ",
            b"{",
            b"[1,2]",
            b"\xff\xfe",
            b"{\"output\":5}",
        ] {
            let err = parse_answer("Get-ADSyncScheduler", junk).unwrap_err();
            assert_eq!(err.class, FailureClass::UnexpectedResponse, "{junk:?}");
            assert!(err.message.contains("Get-ADSyncScheduler"));
        }
    }

    #[test]
    fn answer_parsing_accepts_missing_fields() {
        let a = parse_answer("x", br#"{"output":[{"Result":"Success"}]}"#).unwrap();
        assert_eq!(a.output.len(), 1);
        assert!(a.errors.is_empty());
    }

    unsafe extern "C" fn failing_with_a_trace(
        _userdata: *mut c_void,
        _command: *const c_char,
        _parameters: *const c_char,
        sink: *mut idle_ec_sink,
    ) -> u32 {
        let text = b"Connecting to remote server sync01 failed: Access is denied.\r\n   at System.Management.Automation.Runspaces.Invoke()\r\n   at Host.Main()";
        idle_ec_sink_write(sink, text.as_ptr(), text.len());
        7
    }

    #[test]
    fn a_callback_failure_reason_reads_as_one_line_without_its_trace() {
        let mut session = CallbackSession {
            userdata: std::ptr::null_mut(),
            invoke: failing_with_a_trace,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        };
        let failure = session
            .invoke("Get-ADSyncScheduler", &Map::new())
            .unwrap_err();
        assert_eq!(failure.class, FailureClass::RemoteExecutionFailed);
        assert!(
            !failure.message.contains('\n') && !failure.message.contains("   at "),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains(
                "callback status 7: Connecting to remote server sync01 failed: Access is denied."
            ),
            "{}",
            failure.message
        );
        assert_eq!(
            failure.remote_message.as_deref(),
            Some("Connecting to remote server sync01 failed: Access is denied.")
        );
    }

    #[test]
    fn byte_sizes_read_well() {
        assert_eq!(byte_size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(byte_size(1024), "1 KiB");
        assert_eq!(byte_size(1500), "1500 bytes");
        assert_eq!(byte_size(3 * 1024 * 1024 + 1024), "3073 KiB");
    }

    fn sink(limit: usize) -> idle_ec_sink {
        idle_ec_sink {
            bytes: Vec::new(),
            limit,
            overflowed: false,
        }
    }

    #[test]
    fn the_sink_never_allocates_past_its_cap() {
        let limit = 9 * 1024 * 1024 + 1;
        let mut buffer = sink(limit);
        let buffer_ptr: *mut idle_ec_sink = &mut buffer;
        let chunk = vec![b'x'; 64 * 1024];
        with_active_sink(buffer_ptr, |token| unsafe {
            while (*buffer_ptr).bytes.len() + chunk.len() <= limit {
                let status = idle_ec_sink_write(token, chunk.as_ptr(), chunk.len());
                assert_eq!(status, idle_ec_status::Ok);
                let capacity = (*buffer_ptr).bytes.capacity();
                assert!(capacity <= limit, "{capacity}");
            }
            let status = idle_ec_sink_write(token, chunk.as_ptr(), chunk.len());
            assert_eq!(status, idle_ec_status::OutputTooLarge);
            assert_eq!((*buffer_ptr).bytes.capacity(), 0);
        });
    }

    #[test]
    fn only_the_running_callbacks_sink_is_written() {
        let mut outer = sink(1024);
        let mut inner = sink(1024);
        let (outer_ptr, inner_ptr): (*mut idle_ec_sink, *mut idle_ec_sink) =
            (&mut outer, &mut inner);
        unsafe {
            // Outside any callback, neither a buffer's address nor anything else is accepted.
            assert_eq!(
                idle_ec_sink_write(outer_ptr, b"x".as_ptr(), 1),
                idle_ec_status::InvalidArgument
            );
            with_active_sink(outer_ptr, |o| {
                assert_ne!(o, outer_ptr, "the callback gets a token, not the address");
                assert_eq!(idle_ec_sink_write(o, b"a".as_ptr(), 1), idle_ec_status::Ok);
                // A nested callback: only its own sink is live; the outer one is again after.
                with_active_sink(inner_ptr, |i| {
                    assert_eq!(
                        idle_ec_sink_write(o, b"b".as_ptr(), 1),
                        idle_ec_status::InvalidArgument
                    );
                    assert_eq!(idle_ec_sink_write(i, b"c".as_ptr(), 1), idle_ec_status::Ok);
                });
                assert_eq!(idle_ec_sink_write(o, b"d".as_ptr(), 1), idle_ec_status::Ok);
                // Another thread may not write this thread's sink.
                let token = o as usize;
                let from_other = std::thread::spawn(move || {
                    idle_ec_sink_write(token as *mut idle_ec_sink, b"e".as_ptr(), 1)
                })
                .join()
                .unwrap();
                assert_eq!(from_other, idle_ec_status::InvalidArgument);
            });
        }
        assert_eq!(outer.bytes, b"ad");
        assert_eq!(inner.bytes, b"c");
    }

    #[test]
    fn a_kept_sink_is_refused_even_when_the_next_buffer_has_its_address() {
        // The next call's buffer usually lands at the same stack address as the last one's.
        let mut buffer = sink(1024);
        let buffer_ptr: *mut idle_ec_sink = &mut buffer;
        let kept = with_active_sink(buffer_ptr, |token| token);
        with_active_sink(buffer_ptr, |token| unsafe {
            assert_ne!(kept, token);
            assert_eq!(
                idle_ec_sink_write(kept, b"stale".as_ptr(), 5),
                idle_ec_status::InvalidArgument
            );
            assert_eq!(
                idle_ec_sink_write(token, b"live".as_ptr(), 4),
                idle_ec_status::Ok
            );
        });
        assert_eq!(buffer.bytes, b"live");
    }
}
