//! Hostile input through the C ABI, as found by hostile testing (issue 20): secrets of every
//! length in session errors and session values, credential patterns in server text, unbounded
//! multi-line echoes, NUL characters, and a session that calls the provider again from inside
//! its own callback. Plus a long randomised run (`#[ignore]`, outside CI) of the same invariants.

use idle_entraconnect::ffi::classify::idle_ec_classify_errors;
use idle_entraconnect::ffi::provider::*;
use idle_entraconnect::ffi::session::*;
use idle_entraconnect::ffi::status::idle_ec_status;
use idle_entraconnect::ffi::strings::idle_ec_string_free;
use idle_entraconnect::ffi::text::idle_ec_text_scrub;
use idle_entraconnect::ffi::wait::*;
use idle_entraconnect::redact::{redact_patterns, scrub, Secrets, MASK};
use serde_json::{json, Value};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr::{null, null_mut};

/// A secret of `len` characters from letters that appear in no message of ours.
fn secret(len: usize, salt: usize) -> String {
    const ALPHABET: [char; 6] = ['Ж', 'Щ', 'Ю', 'Я', 'Ф', 'Ы'];
    (0..len).map(|i| ALPHABET[(i * 7 + salt) % 6]).collect()
}

/// True when `text` shows any of `secret`: the whole of a short one, or any 4-character piece
/// of a long one (a fragment left by a cut).
fn shows(text: &str, secret: &str) -> bool {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 8 {
        return text.contains(secret);
    }
    // The alphabet never occurs in our own words, so any 4 of its letters in a row are a leak.
    let mut run = 0;
    for c in text.chars() {
        run = if "ЖЩЮЯФЫ".contains(c) {
            run + 1
        } else {
            0
        };
        if run >= 4 {
            return true;
        }
    }
    false
}

fn take_text(ptr: *mut c_char) -> String {
    assert!(!ptr.is_null(), "the library wrote no output");
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
    unsafe { idle_ec_string_free(ptr) };
    text
}

fn take(ptr: *mut c_char) -> Value {
    serde_json::from_str(&take_text(ptr)).unwrap()
}

/// A session callback that answers `answer` and counts its calls.
struct Script {
    answer: Vec<u8>,
    calls: usize,
}

unsafe extern "C" fn scripted(
    userdata: *mut c_void,
    _command: *const c_char,
    _parameters: *const c_char,
    sink: *mut idle_ec_sink,
) -> u32 {
    let script = &mut *(userdata as *mut Script);
    script.calls += 1;
    idle_ec_sink_write(sink, script.answer.as_ptr(), script.answer.len());
    0
}

fn provider() -> *mut idle_ec_provider {
    let mut p = null_mut();
    assert_eq!(
        unsafe { idle_ec_provider_new(null(), &mut p, null_mut()) },
        idle_ec_status::Ok
    );
    p
}

fn state_with(p: *mut idle_ec_provider, answer: &Value) -> (idle_ec_status, Value, usize) {
    let mut script = Script {
        answer: answer.to_string().into_bytes(),
        calls: 0,
    };
    let table = idle_ec_session {
        userdata: &mut script as *mut Script as *mut c_void,
        invoke: Some(scripted),
    };
    let mut out = null_mut();
    let status = unsafe { idle_ec_provider_get_sync_cycle_state(p, &table, &mut out) };
    (status, take(out), script.calls)
}

/// Every text of a failure JSON.
fn failure_texts(failure: &Value) -> String {
    format!(
        "{}\n{}",
        failure["message"].as_str().unwrap_or(""),
        failure["remoteMessage"].as_str().unwrap_or("")
    )
}

/// Places `secret` in a server message so that it starts before, at, across and after the
/// 1,000-character cut of the remote message.
fn messages_around_the_cut(secret: &str) -> Vec<String> {
    let len = secret.chars().count();
    let mut leads = vec![0usize, 500, 990, 999, 1000, 1001];
    if len < 1000 {
        leads.push(1000 - len);
        leads.push(1000 - len / 2);
    }
    leads
        .into_iter()
        .map(|lead| {
            format!(
                "{} {} and more text after it",
                "x".repeat(lead.saturating_sub(1)),
                secret
            )
        })
        .collect()
}

#[test]
fn session_values_of_every_length_never_reach_a_failure() {
    let p = provider();
    for len in 1..=5000usize {
        // Every length near the cut; a stride elsewhere keeps the test quick.
        if len > 64 && !(900..=1100).contains(&len) && len % 97 != 0 && len != 5000 {
            continue;
        }
        let s = secret(len, len);
        for message in messages_around_the_cut(&s) {
            let answer = json!({
                "output": [],
                "errors": [{ "message": message, "terminating": true }],
                "redact": [s, "@{Server=ec01; Token=".to_owned() + &s + "}"],
            });
            let (status, failure, _) = state_with(p, &answer);
            assert_eq!(status, idle_ec_status::OperationFailed);
            let texts = failure_texts(&failure);
            assert!(!shows(&texts, &s), "len {len}: {texts}");
            assert!(failure["remoteMessage"].as_str().unwrap().chars().count() <= 1000);
        }
    }
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn classify_errors_masks_the_values_it_is_given_for_every_length() {
    for len in (1..=5000usize).filter(|l| *l < 80 || l % 53 == 0 || (990..=1010).contains(l)) {
        let s = secret(len, 3);
        for message in messages_around_the_cut(&s) {
            let input = CString::new(
                json!({ "errors": [{ "message": message }], "redact": [s] }).to_string(),
            )
            .unwrap();
            let mut out = null_mut();
            let status = unsafe { idle_ec_classify_errors(input.as_ptr(), &mut out) };
            assert_eq!(status, idle_ec_status::Ok);
            let failure = take(out);
            assert!(!shows(&failure_texts(&failure), &s), "len {len}");
        }
    }
}

#[test]
fn credential_patterns_in_server_text_are_masked_in_failures_and_events() {
    let p = provider();
    let leaks = [
        ("Login failed: Password=Hunter2; Server=ec01", "Hunter2"),
        ("connection string Server=x;Pwd=Tr0ub4dor&3;", "Tr0ub4dor"),
        (
            "GET /x HTTP/1.1\r\nAuthorization: Basic dXNlcjpzM2NyM3Q=\r\n",
            "dXNlcjpzM2NyM3Q",
        ),
        ("401 for Bearer abcdefghijklmnop.qrstu", "abcdefghijklmnop"),
        ("proxy http://svc:Pa55word@proxy:8080 refused", "Pa55word"),
        (r#"{"client_secret":"cs-value-1"}"#, "cs-value-1"),
        ("token: tkn-4242-4242", "tkn-4242-4242"),
    ];
    for (message, leaked) in leaks {
        let answer = json!({ "output": [], "errors": [{ "message": message }] });
        let (_, failure, _) = state_with(p, &answer);
        assert!(!failure_texts(&failure).contains(leaked), "{failure}");

        // A foreign provider's failure fed to the wait machine: the event's remoteMessage too.
        let config = CString::new(r#"{"policyType":"Delta"}"#).unwrap();
        let mut wait = null_mut();
        assert_eq!(
            unsafe { idle_ec_wait_new(config.as_ptr(), &mut wait, null_mut()) },
            idle_ec_status::Ok
        );
        let mut texts = String::new();
        for input in [
            json!({"kind": "start"}),
            json!({"kind": "triggerFailed", "failure": {
                "class": "RemoteExecutionFailed",
                "message": format!("The session failed: {message}"),
                "remoteMessage": message }}),
        ] {
            let input = CString::new(input.to_string()).unwrap();
            let mut out = null_mut();
            unsafe { idle_ec_wait_handle(wait, 0, input.as_ptr(), &mut out) };
            texts.push_str(&take_text(out));
        }
        unsafe { idle_ec_wait_free(wait) };
        assert!(texts.contains("DirectorySyncFailed"), "{texts}");
        assert!(texts.contains(MASK), "{texts}");
        assert!(!texts.contains(leaked), "{texts}");
    }
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn text_scrub_masks_values_and_fragments_left_by_an_earlier_cut() {
    for len in 8..=5000usize {
        if len > 100 && len % 61 != 0 && len != 5000 {
            continue;
        }
        let s = secret(len, 1);
        let chars: Vec<char> = s.chars().collect();
        // Someone else cut the text in the middle of the secret, at the start or at the end.
        let half = len / 2;
        let head: String = chars[..half.max(4)].iter().collect();
        let tail: String = chars[half.min(len - 4)..].iter().collect();
        for text in [
            format!("The token was {head}…"),
            format!("…{tail} was the token"),
            format!("whole {s} here"),
        ] {
            let request =
                CString::new(json!({ "text": text, "maxChars": 300, "redact": [s] }).to_string())
                    .unwrap();
            let mut out = null_mut();
            assert_eq!(
                unsafe { idle_ec_text_scrub(request.as_ptr(), &mut out) },
                idle_ec_status::Ok
            );
            let clean = take_text(out);
            assert!(!shows(&clean, &s), "len {len}: {clean}");
            assert!(clean.chars().count() <= 300);
        }
    }
}

#[test]
fn text_scrub_refuses_bad_requests_with_a_status() {
    let mut out = null_mut();
    assert_eq!(
        unsafe { idle_ec_text_scrub(null(), &mut out) },
        idle_ec_status::NullArgument
    );
    take(out);
    assert_eq!(
        unsafe { idle_ec_text_scrub(null(), null_mut()) },
        idle_ec_status::NullArgument
    );
    for bad in [
        "{",
        r#"{"text":1}"#,
        r#"{"text":"x","maxChars":0}"#,
        r#"{"text":"x","maxChars":100001}"#,
        r#"{"text":"x","other":1}"#,
    ] {
        let request = CString::new(bad).unwrap();
        let mut out = null_mut();
        assert_eq!(
            unsafe { idle_ec_text_scrub(request.as_ptr(), &mut out) },
            idle_ec_status::InvalidArgument,
            "{bad}"
        );
        let failure = take(out);
        assert_eq!(failure["errorId"], "IdLE.DirectorySync.InvalidArgument");
    }
}

fn wait_new_error(config: &str) -> (idle_ec_status, String) {
    let config = CString::new(config).unwrap();
    let mut wait = null_mut();
    let mut error = null_mut();
    let status = unsafe { idle_ec_wait_new(config.as_ptr(), &mut wait, &mut error) };
    unsafe { idle_ec_wait_free(wait) };
    let message = if error.is_null() {
        String::new()
    } else {
        take(error)["message"].as_str().unwrap().to_owned()
    };
    (status, message)
}

#[test]
fn configuration_echoes_are_one_bounded_line_even_for_100_mb() {
    let forged = json!({ "policyType": "Fake\r\n[ERROR] forged log line" }).to_string();
    let (status, message) = wait_new_error(&forged);
    assert_eq!(status, idle_ec_status::InvalidArgument);
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "{message}"
    );

    let multi_line = "Line\n".repeat(200_000);
    for config in [
        json!({ "policyType": multi_line }),
        json!({ "timeoutSeconds": multi_line }),
        json!({ "wait": multi_line }),
        json!({ multi_line.clone(): 1 }),
    ] {
        let (status, message) = wait_new_error(&config.to_string());
        assert_eq!(status, idle_ec_status::InvalidArgument);
        assert!(message.len() < 600, "{} bytes", message.len());
        assert!(!message.contains('\n'));
    }

    // Unknown keys of the provider options and of a scrub request are named, bounded.
    let key = "K\n".repeat(1_000_000);
    let options = CString::new(json!({ key.clone(): 1 }).to_string()).unwrap();
    let mut provider = null_mut();
    let mut error = null_mut();
    let status = unsafe { idle_ec_provider_new(options.as_ptr(), &mut provider, &mut error) };
    assert_eq!(status, idle_ec_status::InvalidArgument);
    let message = take(error)["message"].as_str().unwrap().to_owned();
    assert!(
        message.len() < 600 && !message.contains('\n'),
        "{} bytes",
        message.len()
    );
    let request = CString::new(json!({ "text": "x", key: 1 }).to_string()).unwrap();
    let mut out = null_mut();
    let status = unsafe { idle_ec_text_scrub(request.as_ptr(), &mut out) };
    assert_eq!(status, idle_ec_status::InvalidArgument);
    let message = take(out)["message"].as_str().unwrap().to_owned();
    assert!(
        message.len() < 600 && !message.contains('\n'),
        "{} bytes",
        message.len()
    );

    let huge = format!(r#"{{"policyType":"{}"}}"#, "D".repeat(100 * 1024 * 1024));
    let (status, message) = wait_new_error(&huge);
    assert_eq!(status, idle_ec_status::InvalidArgument);
    assert!(message.len() < 600, "{} bytes", message.len());
}

#[test]
fn a_policy_type_with_a_nul_is_refused_before_any_call() {
    // Through JSON a NUL survives as \u0000 and is refused; the C string of the provider ABI
    // cannot carry one (the interop layer refuses it before marshalling).
    let (status, message) = wait_new_error(r#"{"policyType":"Delta\u0000; Remove-Item /tmp/x"}"#);
    assert_eq!(status, idle_ec_status::InvalidArgument);
    assert!(message.contains("PolicyType"), "{message}");

    struct Never;
    impl idle_entraconnect::session::RemoteSession for Never {
        fn invoke(
            &mut self,
            command: &str,
            _: &serde_json::Map<String, Value>,
        ) -> Result<idle_entraconnect::session::Answer, idle_entraconnect::failure::Failure>
        {
            panic!("no command may run, but '{command}' did");
        }
    }
    for policy in ["Delta\0; Remove-Item /tmp/x", "\0Delta", "Initial\0"] {
        let failure = idle_entraconnect::provider::start_sync_cycle(
            &mut Never,
            policy,
            idle_entraconnect::adsync::UtcTime::now(),
        )
        .unwrap_err();
        assert_eq!(
            failure.class,
            idle_entraconnect::failure::FailureClass::InvalidInput
        );
        assert!(!failure.message.contains('\0'));
    }
}

/// A session that calls the same provider again from inside its callback, as a host session
/// whose InvokeCommand calls the provider would.
struct Reentrant {
    provider: *mut idle_ec_provider,
    depth: usize,
    max_depth: usize,
    inner: Option<(idle_ec_status, Value)>,
}

unsafe extern "C" fn reentrant(
    userdata: *mut c_void,
    _command: *const c_char,
    _parameters: *const c_char,
    sink: *mut idle_ec_sink,
) -> u32 {
    let state = &mut *(userdata as *mut Reentrant);
    state.depth += 1;
    state.max_depth = state.max_depth.max(state.depth);
    if state.depth < 50 {
        let table = idle_ec_session {
            userdata,
            invoke: Some(reentrant),
        };
        let mut out = null_mut();
        let status = idle_ec_provider_get_sync_cycle_state(state.provider, &table, &mut out);
        if state.inner.is_none() {
            state.inner = Some((status, take(out)));
        } else if !out.is_null() {
            idle_ec_string_free(out);
        }
    }
    state.depth -= 1;
    let answer = br#"{"output":[],"errors":[{"message":"nested call refused"}]}"#;
    idle_ec_sink_write(sink, answer.as_ptr(), answer.len());
    0
}

#[test]
fn a_session_calling_its_provider_again_is_refused_not_recursed() {
    let p = provider();
    let mut state = Reentrant {
        provider: p,
        depth: 0,
        max_depth: 0,
        inner: None,
    };
    let table = idle_ec_session {
        userdata: &mut state as *mut Reentrant as *mut c_void,
        invoke: Some(reentrant),
    };
    let mut out = null_mut();
    let status = unsafe { idle_ec_provider_get_sync_cycle_state(p, &table, &mut out) };
    assert_eq!(status, idle_ec_status::OperationFailed);
    take(out);
    assert_eq!(
        state.max_depth, 1,
        "the nested call must not reach the session"
    );
    let (inner_status, inner) = state.inner.take().unwrap();
    assert_eq!(inner_status, idle_ec_status::InvalidArgument);
    assert_eq!(inner["errorId"], "IdLE.DirectorySync.ReentrantCall");
    assert_eq!(inner["category"], "InvalidOperation");

    // Once the outer call has returned, the provider works again.
    let ok = json!({ "output": [{ "SyncCycleInProgress": false, "SyncCycleEnabled": true }] });
    let (status, _, calls) = state_with(p, &ok);
    assert_eq!((status, calls), (idle_ec_status::Ok, 1));
    unsafe { idle_ec_provider_free(p) };
}

#[test]
fn another_provider_may_be_called_from_a_session() {
    let outer = provider();
    let other = provider();
    let mut state = Reentrant {
        provider: other,
        depth: 0,
        max_depth: 0,
        inner: None,
    };
    // The other provider's session is the same re-entrant callback: it recurses into `other`
    // once, which is then refused; `outer` itself is never re-entered.
    let table = idle_ec_session {
        userdata: &mut state as *mut Reentrant as *mut c_void,
        invoke: Some(reentrant),
    };
    let mut out = null_mut();
    unsafe { idle_ec_provider_get_sync_cycle_state(outer, &table, &mut out) };
    take(out);
    assert_eq!(state.max_depth, 2);
    unsafe {
        idle_ec_provider_free(outer);
        idle_ec_provider_free(other);
    }
}

/// A small deterministic generator (xorshift64*), so a failing input can be replayed by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn text(&mut self, max: usize) -> String {
        const PIECES: [&str; 24] = [
            "password=",
            "Pwd=",
            "token: ",
            "Authorization: Basic ",
            "Bearer ",
            "secret",
            "=",
            ":",
            ";",
            " ",
            "\r\n",
            "\t",
            "\0",
            "\"",
            "'",
            "@",
            "://",
            "…",
            "...",
            "eyJ",
            "-Password ",
            "é",
            "Д",
            "x",
        ];
        let mut s = String::new();
        let pieces = self.below(max + 1);
        for _ in 0..pieces {
            match self.below(3) {
                0 => s.push_str(PIECES[self.below(PIECES.len())]),
                1 => s.push(char::from_u32(self.below(0x80) as u32).unwrap_or('?')),
                _ => s.push(char::from_u32(0x20 + self.below(0x2FF) as u32).unwrap_or('?')),
            }
        }
        s
    }
}

/// Millions of random texts and secrets through the scrubber, the pattern rules and the readers
/// of foreign input; checks that nothing panics, every scrubbed text is one bounded line, and no
/// secret of 8 or more characters survives. Outside CI:
/// `FUZZ_CASES=3000000 cargo test --release --test hostile -- --ignored --nocapture`.
#[test]
#[ignore]
fn fuzz_scrubber_and_foreign_input_readers() {
    let cases: u64 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x1D1E_2026);
    let mut rng = Rng(seed | 1);
    let started = std::time::Instant::now();
    let mut masked = 0u64;
    for case in 0..cases {
        let secret_text: String = rng.text(12) + &secret(8 + rng.below(40), case as usize);
        let secrets = Secrets::new([secret_text.as_str(), &rng.text(4)]);
        let mut text = rng.text(40);
        let at = rng.below(3);
        let planted = match at {
            0 => format!("{secret_text}{text}"),
            1 => format!("{text}{secret_text}"),
            _ => {
                let cut = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(8))
                    .unwrap_or(0);
                text.insert_str(cut, &secret_text);
                text.clone()
            }
        };
        let max = 1 + rng.below(400);
        let out = scrub(&planted, &secrets, max);
        assert!(out.chars().count() <= max, "case {case}");
        assert!(!out.chars().any(|c| c.is_control()), "case {case}: {out:?}");
        assert!(
            !shows(&out, &secret(8, 0)) || !shows(&out, &secret_text),
            "case {case}: {planted:?} {secrets:?} -> {out:?}"
        );
        assert!(!out.contains(&secret_text), "case {case}: {out:?}");
        if out.contains(MASK) {
            masked += 1;
        }
        let once = redact_patterns(&text);
        assert_eq!(redact_patterns(&once), once, "case {case}: {text:?}");
        // Foreign input readers: the wait machine's input and configuration, a session answer.
        let raw = rng.text(30);
        let _ = idle_entraconnect::wait::Input::from_json_str(&raw);
        let _ = idle_entraconnect::wait::WaitConfig::from_json_str(&raw);
        let _ = serde_json::from_str::<idle_entraconnect::session::Answer>(&raw);
        let failure = json!({"kind":"pollFailed","failure":{"class":"CycleBusy","message": raw, "remoteMessage": planted}});
        if let Ok(idle_entraconnect::wait::Input::PollFailed(f)) =
            idle_entraconnect::wait::Input::from_json_str(&failure.to_string())
        {
            assert!(!f.message.chars().any(|c| c.is_control()));
            assert!(f.remote_message.unwrap_or_default().chars().count() <= 1000);
        }
    }
    println!(
        "fuzz: {cases} cases (seed {seed:#x}) in {:.1} s, {masked} with a mask, no finding",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_masked_value_never_changes_the_class_only_what_is_shown() {
    use idle_entraconnect::adsync::classify_with;
    use idle_entraconnect::failure::FailureClass;
    use idle_entraconnect::session::RemoteError;
    // A JEA endpoint named like the module: the class still comes from the server's words.
    let errors = [RemoteError {
        message: "Connector: contoso.onmicrosoft.com - AAD is busy.".to_owned(),
        ..RemoteError::default()
    }];
    let secrets = Secrets::new(["contoso.onmicrosoft.com", "busy"]);
    let failure = classify_with(&errors, &secrets);
    assert_eq!(failure.class, FailureClass::CycleBusy);
    let texts = format!("{} {:?}", failure.message, failure.remote_message);
    assert!(!texts.contains("contoso.onmicrosoft.com"), "{texts}");
    assert!(!texts.contains(" busy."), "{texts}");
}
