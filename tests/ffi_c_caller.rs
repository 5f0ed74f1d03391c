//! Calls the C ABI exactly as a C caller would: raw pointers, C strings, callbacks with
//! `extern "C"` signatures. Proves that NULLs, bad UTF-8, failing or misbehaving callbacks,
//! malformed or huge answers, and a panic inside never escape as anything but a status.

use idle_entraconnect::ffi::classify::idle_ec_classify_errors;
use idle_entraconnect::ffi::provider::*;
use idle_entraconnect::ffi::session::*;
use idle_entraconnect::ffi::status::idle_ec_status;
use idle_entraconnect::ffi::strings::idle_ec_string_free;
use idle_entraconnect::ffi::version::*;
use idle_entraconnect::ffi::wait::*;
use serde_json::Value;
use std::ffi::{c_void, CStr, CString};
use std::os::raw::c_char;
use std::ptr::{null, null_mut};

/// What a scripted callback answers, and what it saw.
struct Script {
    answer: Vec<u8>,
    status: u32,
    calls: Vec<(String, String)>,
}

unsafe extern "C" fn scripted(
    userdata: *mut c_void,
    command: *const c_char,
    parameters: *const c_char,
    sink: *mut idle_ec_sink,
) -> u32 {
    let script = &mut *(userdata as *mut Script);
    script.calls.push((
        CStr::from_ptr(command).to_string_lossy().into_owned(),
        CStr::from_ptr(parameters).to_string_lossy().into_owned(),
    ));
    // Written in chunks, as a real caller streaming its answer would.
    for chunk in script.answer.chunks(4096) {
        if idle_ec_sink_write(sink, chunk.as_ptr(), chunk.len()) != idle_ec_status::Ok {
            break;
        }
    }
    script.status
}

fn script(answer: &str) -> Script {
    Script {
        answer: answer.as_bytes().to_vec(),
        status: 0,
        calls: Vec::new(),
    }
}

fn table(script: &mut Script) -> idle_ec_session {
    idle_ec_session {
        userdata: script as *mut Script as *mut c_void,
        invoke: Some(scripted),
    }
}

fn provider() -> *mut idle_ec_provider {
    let mut p = null_mut();
    let status = unsafe { idle_ec_provider_new(null(), &mut p, null_mut()) };
    assert_eq!(status, idle_ec_status::Ok);
    assert!(!p.is_null());
    p
}

/// Takes ownership of a library string and parses it.
fn take(json: *mut c_char) -> Value {
    assert!(!json.is_null(), "the library wrote no output");
    let text = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
    unsafe { idle_ec_string_free(json) };
    serde_json::from_str(&text).unwrap()
}

fn start(
    p: *mut idle_ec_provider,
    policy: &str,
    session: &idle_ec_session,
) -> (idle_ec_status, Value) {
    let policy = CString::new(policy).unwrap();
    let mut out = null_mut();
    let status =
        unsafe { idle_ec_provider_start_sync_cycle(p, policy.as_ptr(), session, &mut out) };
    (status, take(out))
}

fn state(p: *mut idle_ec_provider, session: &idle_ec_session) -> (idle_ec_status, Value) {
    let mut out = null_mut();
    let status = unsafe { idle_ec_provider_get_sync_cycle_state(p, session, &mut out) };
    (status, take(out))
}

#[test]
fn version_and_abi_handshake() {
    assert_eq!(idle_ec_abi_version(), IDLE_EC_ABI_VERSION);
    let v = unsafe { CStr::from_ptr(idle_ec_version()) }
        .to_str()
        .unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
}

#[test]
fn trigger_round_trip_sends_the_normalised_policy() {
    let p = provider();
    let mut s =
        script(r#"{"output":[{"Result":"Success","PSComputerName":"sync01"}],"errors":[]}"#);
    let (status, json) = start(p, "iNiTiAl", &table(&mut s));
    assert_eq!(status, idle_ec_status::Ok, "{json}");
    assert_eq!(json["Started"], true);
    assert_eq!(s.calls.len(), 1);
    assert_eq!(s.calls[0].0, "Start-ADSyncSyncCycle");
    assert_eq!(
        serde_json::from_str::<Value>(&s.calls[0].1).unwrap(),
        serde_json::json!({"PolicyType":"Initial"})
    );
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn state_round_trip() {
    let p = provider();
    let mut s = script(
        r#"{"output":[{"SyncCycleInProgress":true,"StagingModeEnabled":false}],"errors":[]}"#,
    );
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::Ok, "{json}");
    assert_eq!(json["State"], "InProgress");
    assert_eq!(json["InProgress"], true);
    assert_eq!(s.calls[0].0, "Get-ADSyncScheduler");
    assert_eq!(s.calls[0].1, "{}");
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn null_for_every_pointer_argument() {
    unsafe {
        // Constructors and destructors.
        assert_eq!(
            idle_ec_provider_new(null(), null_mut(), null_mut()),
            idle_ec_status::NullArgument
        );
        idle_ec_provider_free(null_mut());
        idle_ec_string_free(null_mut());
        idle_ec_wait_free(null_mut());
        let mut w = null_mut();
        assert_eq!(
            idle_ec_wait_new(null(), &mut w, null_mut()),
            idle_ec_status::NullArgument
        );
        assert!(w.is_null());
        let cfg = CString::new("{}").unwrap();
        assert_eq!(
            idle_ec_wait_new(cfg.as_ptr(), null_mut(), null_mut()),
            idle_ec_status::NullArgument
        );

        let p = provider();
        let mut s = script(r#"{"output":[],"errors":[]}"#);
        let t = table(&mut s);
        let policy = CString::new("Delta").unwrap();
        let mut out = null_mut();
        // NULL out-pointer: nothing to report through, only the status.
        assert_eq!(
            idle_ec_provider_start_sync_cycle(p, policy.as_ptr(), &t, null_mut()),
            idle_ec_status::NullArgument
        );
        assert_eq!(
            idle_ec_provider_get_sync_cycle_state(p, &t, null_mut()),
            idle_ec_status::NullArgument
        );
        // NULL provider, policy, session: status plus a failure naming the argument.
        for argument in ["provider", "policy_type", "session"] {
            let status = match argument {
                "provider" => {
                    idle_ec_provider_start_sync_cycle(null(), policy.as_ptr(), &t, &mut out)
                }
                "policy_type" => idle_ec_provider_start_sync_cycle(p, null(), &t, &mut out),
                _ => idle_ec_provider_start_sync_cycle(p, policy.as_ptr(), null(), &mut out),
            };
            assert_eq!(status, idle_ec_status::NullArgument, "{argument}");
            let failure = take(out);
            assert_eq!(failure["class"], "InvalidInput");
            assert!(
                failure["message"].as_str().unwrap().contains(argument),
                "{failure}"
            );
        }
        assert_eq!(
            idle_ec_provider_get_sync_cycle_state(null(), &t, &mut out),
            idle_ec_status::NullArgument
        );
        take(out);
        assert_eq!(
            idle_ec_provider_get_sync_cycle_state(p, null(), &mut out),
            idle_ec_status::NullArgument
        );
        take(out);
        // A table without a callback.
        let empty = idle_ec_session {
            userdata: null_mut(),
            invoke: None,
        };
        assert_eq!(
            idle_ec_provider_get_sync_cycle_state(p, &empty, &mut out),
            idle_ec_status::CallbackFailed
        );
        assert!(take(out)["message"].as_str().unwrap().contains("invoke"));
        assert!(s.calls.is_empty());

        // Sink and wait with NULLs.
        assert_eq!(
            idle_ec_sink_write(null_mut(), b"x".as_ptr(), 1),
            idle_ec_status::NullArgument
        );
        let mut w = null_mut();
        assert_eq!(
            idle_ec_wait_new(cfg.as_ptr(), &mut w, null_mut()),
            idle_ec_status::Ok
        );
        assert_eq!(
            idle_ec_wait_handle(w, 0, null(), &mut out),
            idle_ec_status::NullArgument
        );
        take(out);
        assert_eq!(
            idle_ec_wait_handle(null_mut(), 0, cfg.as_ptr(), &mut out),
            idle_ec_status::NullArgument
        );
        take(out);
        assert_eq!(
            idle_ec_wait_handle(w, 0, cfg.as_ptr(), null_mut()),
            idle_ec_status::NullArgument
        );
        idle_ec_wait_free(w);

        assert_eq!(
            idle_ec_classify_errors(null(), &mut out),
            idle_ec_status::NullArgument
        );
        take(out);
        assert_eq!(
            idle_ec_classify_errors(cfg.as_ptr(), null_mut()),
            idle_ec_status::NullArgument
        );
        idle_ec_provider_free(p);
    }
}

#[test]
fn invalid_utf8_is_refused_before_any_callback() {
    let p = provider();
    let mut s = script(r#"{"output":[],"errors":[]}"#);
    let bad = b"Del\xffta\0";
    let mut out = null_mut();
    let status = unsafe {
        idle_ec_provider_start_sync_cycle(p, bad.as_ptr().cast(), &table(&mut s), &mut out)
    };
    assert_eq!(status, idle_ec_status::InvalidUtf8);
    assert!(take(out)["message"].as_str().unwrap().contains("UTF-8"));
    assert!(s.calls.is_empty());
    let mut w = null_mut();
    assert_eq!(
        unsafe { idle_ec_wait_new(bad.as_ptr().cast(), &mut w, &mut out) },
        idle_ec_status::InvalidUtf8
    );
    take(out);
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn invalid_policy_types_fail_without_a_callback() {
    let p = provider();
    for policy in [
        "",
        "Full",
        "Unspecified",
        "delta\u{0}x".split('\u{0}').next().unwrap_or(""),
    ] {
        let mut s = script(r#"{"output":[{"Result":"Success"}],"errors":[]}"#);
        let (status, json) = start(p, policy, &table(&mut s));
        if policy.eq_ignore_ascii_case("delta") {
            assert_eq!(status, idle_ec_status::Ok);
            continue;
        }
        assert_eq!(status, idle_ec_status::InvalidArgument, "{policy}: {json}");
        assert_eq!(json["errorId"], "IdLE.DirectorySync.InvalidArgument");
        assert!(s.calls.is_empty());
    }
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn a_callback_that_reports_failure_is_a_remote_execution_failure() {
    let p = provider();
    let mut s = script("the transport is gone");
    s.status = 7;
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::OperationFailed);
    assert_eq!(json["class"], "RemoteExecutionFailed");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.contains("the transport is gone") && message.contains('7'),
        "{message}"
    );
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn malformed_answers_are_unexpected_responses() {
    let p = provider();
    for answer in ["", "{", "null", "[]", "{\"output\":\"x\"}", "\u{feff}{}"] {
        let mut s = script(answer);
        let (status, json) = state(p, &table(&mut s));
        assert_eq!(status, idle_ec_status::OperationFailed, "{answer:?}");
        assert_eq!(json["class"], "UnexpectedResponse", "{answer:?}: {json}");
    }
    let mut s = Script {
        answer: b"\xff\xfe\xfd".to_vec(),
        status: 0,
        calls: Vec::new(),
    };
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::OperationFailed);
    assert_eq!(json["class"], "UnexpectedResponse");
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn huge_answers_are_capped_and_deep_ones_refused() {
    let p = provider();
    let huge = format!(
        r#"{{"output":[{{"x":"{}"}}],"errors":[]}}"#,
        "a".repeat(17 * 1024 * 1024)
    );
    let mut s = script(&huge);
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::OperationFailed);
    assert_eq!(json["class"], "UnexpectedResponse");
    assert!(json["message"].as_str().unwrap().contains("MiB"));

    let deep = format!(
        r#"{{"output":[{}1{}],"errors":[]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut s = script(&deep);
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::OperationFailed);
    assert_eq!(json["class"], "UnexpectedResponse");
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn provider_options_are_validated() {
    unsafe {
        let mut p = null_mut();
        let mut err = null_mut();
        for bad in [
            "{",
            r#"{"maxAnswerBytes":10}"#,
            r#"{"maxAnswerBytes":1073741825}"#,
            r#"{"unknown":1}"#,
        ] {
            let opts = CString::new(bad).unwrap();
            assert_eq!(
                idle_ec_provider_new(opts.as_ptr(), &mut p, &mut err),
                idle_ec_status::InvalidArgument,
                "{bad}"
            );
            assert!(p.is_null());
            assert_eq!(take(err)["class"], "InvalidInput");
        }
        let opts = CString::new(r#"{"maxAnswerBytes":2048}"#).unwrap();
        assert_eq!(
            idle_ec_provider_new(opts.as_ptr(), &mut p, &mut err),
            idle_ec_status::Ok
        );
        let mut s = script(&format!(
            r#"{{"output":["{}"],"errors":[]}}"#,
            "b".repeat(4096)
        ));
        let (status, json) = state(p, &table(&mut s));
        assert_eq!(status, idle_ec_status::OperationFailed);
        assert_eq!(json["class"], "UnexpectedResponse");
        // The cap is named in a unit that reads right, even when it is under 1 MiB.
        assert!(
            json["message"].as_str().unwrap().contains("2 KiB"),
            "{json}"
        );
        idle_ec_provider_free(p);
    }
}

#[test]
fn provider_new_always_sets_its_out_pointers() {
    unsafe {
        // Uninitialised variables of a C caller: whatever they held must be overwritten.
        let mut p = 0xdead as *mut idle_ec_provider;
        let mut err = 0xbeef as *mut c_char;
        assert_eq!(
            idle_ec_provider_new(null(), &mut p, &mut err),
            idle_ec_status::Ok
        );
        assert!(!p.is_null());
        assert!(err.is_null());
        idle_ec_provider_free(p);

        err = 0xbeef as *mut c_char;
        assert_eq!(
            idle_ec_provider_new(null(), null_mut(), &mut err),
            idle_ec_status::NullArgument
        );
        let failure = take(err);
        assert_eq!(failure["class"], "InvalidInput");
        assert!(failure["message"]
            .as_str()
            .unwrap()
            .contains("out_provider"));
    }
}

#[test]
fn null_fields_in_an_answer_read_as_absent() {
    // PowerShell writes an absent value as null; a real busy error must still be classified.
    let p = provider();
    let mut s = script(
        r#"{"output":null,"errors":[{"message":"System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.","exceptionType":null,"fullyQualifiedErrorId":null,"category":null,"terminating":null}]}"#,
    );
    let (status, json) = start(p, "Delta", &table(&mut s));
    assert_eq!(status, idle_ec_status::OperationFailed, "{json}");
    assert_eq!(json["class"], "CycleBusy");
    let mut s = script(r#"{"output":[{"SyncCycleInProgress":false}],"errors":null}"#);
    let (status, json) = state(p, &table(&mut s));
    assert_eq!(status, idle_ec_status::Ok, "{json}");
    assert_eq!(json["State"], "Idle");
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn classify_errors_export_uses_the_core_rules() {
    let errors = CString::new(r#"[{"message":"Connector: contoso.onmicrosoft.com - AAD is busy.","exceptionType":"System.InvalidOperationException"}]"#).unwrap();
    let mut out = null_mut();
    assert_eq!(
        unsafe { idle_ec_classify_errors(errors.as_ptr(), &mut out) },
        idle_ec_status::Ok
    );
    assert_eq!(take(out)["class"], "CycleBusy");
    let with_nulls = CString::new(r#"[{"message":"Connector: contoso.onmicrosoft.com - AAD is busy.","exceptionType":null,"terminating":null}]"#).unwrap();
    assert_eq!(
        unsafe { idle_ec_classify_errors(with_nulls.as_ptr(), &mut out) },
        idle_ec_status::Ok
    );
    assert_eq!(take(out)["class"], "CycleBusy");
    for bad in ["[]", "{", "42"] {
        let bad = CString::new(bad).unwrap();
        assert_eq!(
            unsafe { idle_ec_classify_errors(bad.as_ptr(), &mut out) },
            idle_ec_status::InvalidArgument
        );
        take(out);
    }
}

#[test]
fn wait_machine_handle_answers_junk_with_a_decision_not_a_crash() {
    unsafe {
        let cfg = CString::new(r#"{"wait":true}"#).unwrap();
        let mut w = null_mut();
        assert_eq!(
            idle_ec_wait_new(cfg.as_ptr(), &mut w, null_mut()),
            idle_ec_status::Ok
        );
        for junk in [
            "",
            "{",
            "[]",
            r#"{"kind":"nonsense"}"#,
            r#"{"kind":"state"}"#,
        ] {
            let input = CString::new(junk).unwrap();
            let mut out = null_mut();
            assert_eq!(
                idle_ec_wait_handle(w, 5, input.as_ptr(), &mut out),
                idle_ec_status::Ok,
                "{junk:?}"
            );
            let decision = take(out);
            assert!(decision.is_object(), "{junk:?}");
        }
        idle_ec_wait_free(w);

        let bad = CString::new(r#"{"timeoutSeconds":0}"#).unwrap();
        let mut err = null_mut();
        assert_eq!(
            idle_ec_wait_new(bad.as_ptr(), &mut w, &mut err),
            idle_ec_status::InvalidArgument
        );
        assert!(take(err)["message"]
            .as_str()
            .unwrap()
            .contains("TimeoutSeconds"));
    }
}

#[cfg(feature = "fault-injection")]
#[test]
fn a_panic_inside_becomes_a_status_and_an_internal_error() {
    use idle_entraconnect::ffi::fault::idle_ec_fault_panic;
    let mut out = null_mut();
    let status = unsafe { idle_ec_fault_panic(&mut out) };
    assert_eq!(status, idle_ec_status::Panic);
    let failure = take(out);
    assert_eq!(failure["class"], "Internal");
    assert_eq!(failure["errorId"], "IdLE.DirectorySync.InternalError");
    assert!(failure["message"]
        .as_str()
        .unwrap()
        .contains("deliberate panic"));
    // The library is still usable afterwards.
    assert_eq!(
        unsafe { idle_ec_fault_panic(null_mut()) },
        idle_ec_status::Panic
    );
    let p = provider();
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn status_values_are_stable() {
    assert_eq!(idle_ec_status::Ok as u32, 0);
    assert_eq!(idle_ec_status::NullArgument as u32, 1);
    assert_eq!(idle_ec_status::InvalidUtf8 as u32, 2);
    assert_eq!(idle_ec_status::InvalidArgument as u32, 3);
    assert_eq!(idle_ec_status::OperationFailed as u32, 4);
    assert_eq!(idle_ec_status::CallbackFailed as u32, 5);
    assert_eq!(idle_ec_status::Panic as u32, 6);
    assert_eq!(idle_ec_status::OutputTooLarge as u32, 7);
}

#[test]
fn runs_round_trip_with_and_without_a_reference() {
    let p = provider();
    let answer = r#"{"output":[{"RunHistoryId":"B","ConnectorName":"aad","RunProfileName":"Export",
        "Result":"completed-export-errors","IsRunComplete":true,"StartDate":"2026-01-01T01:00:10Z",
        "RunStepResults":[{"ExportFailure":3}]},
        {"RunHistoryId":"A","ConnectorName":"ad","RunProfileName":"Export","Result":"success",
        "IsRunComplete":true,"StartDate":"2026-01-01T00:30:00Z"}],"errors":[]}"#;
    let runs = |since: Option<&str>, s: &mut Script| {
        let since = since.map(|t| CString::new(t).unwrap());
        let mut out = null_mut();
        let status = unsafe {
            idle_ec_provider_get_sync_cycle_runs(
                p,
                since.as_ref().map_or(null(), |c| c.as_ptr()),
                &table(s),
                &mut out,
            )
        };
        (status, take(out))
    };
    let mut s = script(answer);
    let (status, json) = runs(None, &mut s);
    assert_eq!(status, idle_ec_status::Ok, "{json}");
    assert_eq!(json["Reference"]["RunHistoryId"], "b");
    assert_eq!(json["Runs"], serde_json::json!([]));
    assert_eq!(s.calls[0].0, "Get-ADSyncRunProfileResult");

    let mut s = script(answer);
    let (status, json) = runs(Some(r#"{"RunHistoryId":"a"}"#), &mut s);
    assert_eq!(status, idle_ec_status::Ok, "{json}");
    assert_eq!(json["Runs"][0]["Counts"]["exportErrors"], 3);
    assert_eq!(
        serde_json::from_str::<Value>(&s.calls[0].1).unwrap(),
        serde_json::json!({"NumberRequested":50,"RunStepDetails":true})
    );

    let mut s = script(answer);
    let (status, json) = runs(Some("{not json"), &mut s);
    assert_eq!(status, idle_ec_status::InvalidArgument);
    assert_eq!(json["errorId"], "IdLE.DirectorySync.InvalidArgument");
    assert!(s.calls.is_empty());
    unsafe { idle_ec_provider_free(p) };
}
