//! The provider operations against a scripted session: what is sent, and how every answer shape
//! and error text from `docs/adsync.md` ends.

use idle_entraconnect::adsync::{SyncState, TimeSpan, UtcTime};
use idle_entraconnect::failure::{Failure, FailureClass};
use idle_entraconnect::provider::{get_sync_cycle_state, start_sync_cycle};
use idle_entraconnect::session::{Answer, RemoteError, RemoteSession};
use serde_json::{json, Map, Value};

/// A session that answers from a script and records every call.
#[derive(Default)]
struct FakeSession {
    answers: Vec<Result<Answer, Failure>>,
    calls: Vec<(String, Value)>,
}

impl FakeSession {
    fn answering(output: Vec<Value>, errors: Vec<RemoteError>) -> Self {
        FakeSession {
            answers: vec![Ok(Answer {
                output,
                errors,
                ..Answer::default()
            })],
            calls: Vec::new(),
        }
    }
}

impl RemoteSession for FakeSession {
    fn invoke(
        &mut self,
        command: &str,
        parameters: &Map<String, Value>,
    ) -> Result<Answer, Failure> {
        self.calls
            .push((command.to_owned(), Value::Object(parameters.clone())));
        assert!(!self.answers.is_empty(), "unexpected call to {command}");
        self.answers.remove(0)
    }
}

fn error(message: &str, kind: Option<&str>, id: Option<&str>, terminating: bool) -> RemoteError {
    RemoteError {
        message: message.to_owned(),
        exception_type: kind.map(str::to_owned),
        fully_qualified_error_id: id.map(str::to_owned),
        category: None,
        terminating,
    }
}

const NOW: UtcTime = UtcTime::from_unix_millis(1_767_225_600_000); // 2026-01-01T00:00:00Z

const BUSY: &str = "System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.\r\n   at Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycle.ProcessRecord()\r\n   at System.Management.Automation.Cmdlet.DoProcessRecord()";

fn success() -> Value {
    json!({"Result": "Success", "PSComputerName": "aadc01", "RunspaceId": "9f1c2e9a-0000-4000-8000-000000000001"})
}

// ---- trigger

#[test]
fn trigger_accepts_delta_and_initial_in_any_casing() {
    for (given, sent) in [
        ("Delta", "Delta"),
        ("DELTA ", "Delta"),
        ("initial", "Initial"),
        ("\tInItIaL\n", "Initial"),
    ] {
        let mut s = FakeSession::answering(vec![success()], vec![]);
        let r = start_sync_cycle(&mut s, given, NOW).unwrap();
        assert_eq!(
            s.calls,
            vec![(
                "Start-ADSyncSyncCycle".to_owned(),
                json!({"PolicyType": sent})
            )]
        );
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["Started"], true);
        assert_eq!(j["PolicyType"], sent);
        assert_eq!(
            j["Message"],
            format!("Entra Connect accepted a {sent} sync cycle.")
        );
        assert_eq!(j["AcceptedAtUtc"], "2026-01-01T00:00:00Z");
        assert_eq!(j["Details"]["Result"], "Success");
        assert_eq!(j["Details"]["ComputerName"], "aadc01");
        assert_eq!(j["Details"]["PolicyType"], sent);
        assert_eq!(j["Details"]["AcceptedAtUtc"], "2026-01-01T00:00:00Z");
    }
}

#[test]
fn trigger_without_computer_name_serialises_null() {
    let mut s = FakeSession::answering(vec![json!({"Result": 0})], vec![]);
    let j = serde_json::to_value(start_sync_cycle(&mut s, "Delta", NOW).unwrap()).unwrap();
    assert_eq!(j["Details"]["ComputerName"], Value::Null);
    assert_eq!(j["Details"].as_object().unwrap().len(), 4);
}

#[test]
fn invalid_policy_types_fail_before_any_remote_call() {
    for bad in [
        "",
        "  ",
        "unspecified",
        "Unspecified",
        "Full",
        "null",
        "Delta;Initial",
        "Delta\0",
    ] {
        let mut s = FakeSession::default();
        let f = start_sync_cycle(&mut s, bad, NOW).unwrap_err();
        assert_eq!(f.class, FailureClass::InvalidInput, "{bad:?}");
        assert!(
            f.message.contains("PolicyType")
                && f.message.contains("Delta")
                && f.message.contains("Initial"),
            "{}",
            f.message
        );
        assert!(s.calls.is_empty(), "{bad:?} reached the session");
    }
}

#[test]
fn non_terminating_busy_error_beside_success_still_fails() {
    let mut s = FakeSession::answering(
        vec![success()],
        vec![error(
            BUSY,
            Some("System.InvalidOperationException"),
            None,
            false,
        )],
    );
    let f = start_sync_cycle(&mut s, "Delta", NOW).unwrap_err();
    assert_eq!(f.class, FailureClass::CycleBusy);
    assert!(f.class.is_transient());
    assert!(
        f.message.contains("contoso.onmicrosoft.com - AAD"),
        "{}",
        f.message
    );
    let remote = f.remote_message.unwrap();
    assert!(
        !remote.contains("ProcessRecord"),
        "stack trace kept: {remote}"
    );
    assert!(remote.ends_with("AAD is busy."), "{remote}");
}

#[test]
fn terminating_errors_are_classified() {
    let cases = [
        (
            error("Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005", None, None, true),
            FailureClass::PermissionDenied,
        ),
        (
            error(
                "Connecting to remote server aadc01 failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.",
                Some("System.Management.Automation.Remoting.PSRemotingTransportException"),
                Some("AccessDenied,PSSessionStateBroken"),
                true,
            ),
            FailureClass::PermissionDenied,
        ),
        (
            error(
                "The term 'Start-ADSyncSyncCycle' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
                Some("System.Management.Automation.CommandNotFoundException"),
                Some("CommandNotFoundException"),
                true,
            ),
            FailureClass::AdSyncUnavailable,
        ),
        (
            error(
                "Connecting to remote server aadc01 failed with the following error message : The WinRM client cannot process the request because the server name cannot be resolved.",
                Some("System.Management.Automation.Remoting.PSRemotingTransportException"),
                Some("ComputerNotFound,PSSessionStateBroken"),
                true,
            ),
            FailureClass::RemoteExecutionFailed,
        ),
        (error("The scheduler is suspended.", None, None, true), FailureClass::SchedulerSuspended),
        (error("Sync is already running", None, None, false), FailureClass::CycleBusy),
    ];
    for (e, class) in cases {
        let mut s = FakeSession::answering(vec![], vec![e.clone()]);
        let f = start_sync_cycle(&mut s, "Initial", NOW).unwrap_err();
        assert_eq!(f.class, class, "{e:?}");
        assert!(f.remote_message.is_some());
        let mut s = FakeSession::answering(vec![], vec![e.clone()]);
        assert_eq!(
            get_sync_cycle_state(&mut s).unwrap_err().class,
            class,
            "{e:?}"
        );
    }
}

#[test]
fn permission_message_tells_the_host_what_to_do() {
    let mut s = FakeSession::answering(
        vec![],
        vec![error(
            "Access is denied.",
            Some("System.UnauthorizedAccessException"),
            None,
            true,
        )],
    );
    let f = start_sync_cycle(&mut s, "Delta", NOW).unwrap_err();
    for needle in [
        "AuthSessionBroker",
        "ADSyncOperators",
        "Remote Management Users",
        "fresh logon",
    ] {
        assert!(f.message.contains(needle), "{needle}: {}", f.message);
    }
}

#[test]
fn trigger_with_empty_or_junk_output_is_unexpected() {
    let junk: Vec<Vec<Value>> = vec![
        vec![],
        vec![json!("OK")],
        vec![json!(1)],
        vec![json!([["x"], 3, null])],
        vec![json!({"Status": "Started"})],
        vec![json!(null), json!(false)],
    ];
    for output in junk {
        let mut s = FakeSession::answering(output.clone(), vec![]);
        let f = start_sync_cycle(&mut s, "Delta", NOW).unwrap_err();
        assert_eq!(f.class, FailureClass::UnexpectedResponse, "{output:?}");
        assert!(
            f.message
                .starts_with("Start-ADSyncSyncCycle returned no success result"),
            "{}",
            f.message
        );
    }
}

#[test]
fn trigger_refusal_is_a_failure() {
    let mut s = FakeSession::answering(vec![json!({"Result": "Failure"})], vec![]);
    let f = start_sync_cycle(&mut s, "Delta", NOW).unwrap_err();
    assert_eq!(f.class, FailureClass::UnexpectedResponse);
    assert!(f.message.contains("'Failure'"), "{}", f.message);
}

#[test]
fn huge_answers_are_not_echoed() {
    let huge = "A".repeat(5_000_000);
    let mut s = FakeSession::answering(vec![json!(huge.clone())], vec![]);
    let f = start_sync_cycle(&mut s, "Delta", NOW).unwrap_err();
    assert!(f.message.len() < 400, "{}", f.message.len());

    let mut s = FakeSession::answering(vec![], vec![error(&huge, None, None, true)]);
    let f = get_sync_cycle_state(&mut s).unwrap_err();
    assert!(f.message.len() < 400);
    assert!(f.remote_message.unwrap().chars().count() <= 1000);

    let mut keys = Map::new();
    for i in 0..10_000 {
        keys.insert(format!("Key{i}"), json!(i));
    }
    let mut s = FakeSession::answering(vec![Value::Object(keys)], vec![]);
    let f = get_sync_cycle_state(&mut s).unwrap_err();
    assert_eq!(f.class, FailureClass::UnexpectedResponse);
    assert!(f.message.len() < 400, "{}", f.message);
}

#[test]
fn session_failure_is_returned_as_is() {
    let failure = Failure::new(
        FailureClass::RemoteExecutionFailed,
        "The host's session callback failed.",
    );
    let mut s = FakeSession {
        answers: vec![Err(failure.clone())],
        calls: vec![],
    };
    assert_eq!(start_sync_cycle(&mut s, "Delta", NOW), Err(failure));
    assert_eq!(s.calls.len(), 1);
}

// ---- state

#[test]
fn state_from_powershell7_json() {
    let mut s = FakeSession::answering(
        vec![json!({
            "AllowedSyncCycleInterval": {"Ticks": 18_000_000_000i64, "Days": 0, "Hours": 0, "Minutes": 30, "TotalSeconds": 1800.0},
            "CurrentlyEffectiveSyncCycleInterval": {"Ticks": 18_000_000_000i64},
            "CustomizedSyncCycleInterval": null,
            "NextSyncCyclePolicyType": 1,
            "NextSyncCycleStartTimeInUTC": "2026-01-01T00:30:00Z",
            "PurgeRunHistoryInterval": {"Ticks": 6_048_000_000_000i64},
            "SyncCycleEnabled": true,
            "MaintenanceEnabled": true,
            "StagingModeEnabled": false,
            "SchedulerSuspended": false,
            "SyncCycleInProgress": false,
            "PSComputerName": "aadc01"
        })],
        vec![],
    );
    let r = get_sync_cycle_state(&mut s).unwrap();
    assert_eq!(s.calls, vec![("Get-ADSyncScheduler".to_owned(), json!({}))]);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({
            "InProgress": false,
            "State": "Idle",
            "Details": {
                "SyncCycleInProgress": false,
                "SyncCycleEnabled": true,
                "StagingModeEnabled": false,
                "SchedulerSuspended": false,
                "MaintenanceEnabled": true,
                "NextSyncCycleStartTimeInUTC": "2026-01-01T00:30:00Z",
                "NextSyncCyclePolicyType": "Delta",
                "AllowedSyncCycleInterval": "00:30:00",
                "CurrentlyEffectiveSyncCycleInterval": "00:30:00",
                "CustomizedSyncCycleInterval": null,
                "PurgeRunHistoryInterval": "7.00:00:00"
            }
        })
    );
    assert_eq!(
        r.scheduler().allowed_sync_cycle_interval,
        Some(TimeSpan::from_seconds(1800))
    );
}

#[test]
fn state_from_windows_powershell51_json() {
    let raw = r#"{"SyncCycleInProgress":"True","NextSyncCyclePolicyType":"Initial",
        "NextSyncCycleStartTimeInUTC":{"value":"\/Date(1767227400000)\/","DisplayHint":2,"DateTime":"Thursday, January 1, 2026 12:30:00 AM"},
        "PurgeRunHistoryInterval":"P7D","StagingModeEnabled":"True"}"#;
    let mut s = FakeSession::answering(vec![serde_json::from_str(raw).unwrap()], vec![]);
    let r = get_sync_cycle_state(&mut s).unwrap();
    assert!(r.in_progress);
    assert_eq!(r.state, SyncState::InProgress);
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["State"], "InProgress");
    assert_eq!(
        j["Details"]["NextSyncCycleStartTimeInUTC"],
        "2026-01-01T00:30:00Z"
    );
    assert_eq!(j["Details"]["NextSyncCyclePolicyType"], "Initial");
    assert_eq!(j["Details"]["PurgeRunHistoryInterval"], "7.00:00:00");
    assert_eq!(j["Details"]["StagingModeEnabled"], true);
    assert_eq!(j["Details"]["SyncCycleEnabled"], Value::Null);
}

#[test]
fn state_unknown_when_in_progress_is_missing_or_unreadable() {
    for scheduler in [
        json!({"SyncCycleEnabled": true}),
        json!({"SyncCycleInProgress": "perhaps"}),
        json!({"SyncCycleInProgress": null, "StagingModeEnabled": false}),
    ] {
        let mut s = FakeSession::answering(vec![scheduler.clone()], vec![]);
        let r = get_sync_cycle_state(&mut s).unwrap();
        assert!(!r.in_progress, "{scheduler}");
        assert_eq!(r.state, SyncState::Unknown, "{scheduler}");
        assert_eq!(serde_json::to_value(&r).unwrap()["State"], "Unknown");
    }
}

#[test]
fn state_with_empty_or_junk_output_is_unexpected() {
    let junk: Vec<Vec<Value>> = vec![
        vec![],
        vec![json!("SyncCycleInProgress : False")],
        vec![json!(0)],
        vec![json!([1, 2, 3])],
        vec![json!({"Result": "Success"})],
        vec![json!({})],
    ];
    for output in junk {
        let mut s = FakeSession::answering(output.clone(), vec![]);
        let f = get_sync_cycle_state(&mut s).unwrap_err();
        assert_eq!(f.class, FailureClass::UnexpectedResponse, "{output:?}");
        assert!(
            f.message
                .starts_with("Get-ADSyncScheduler returned no scheduler settings"),
            "{}",
            f.message
        );
    }
}

#[test]
fn state_with_an_error_fails_even_with_output() {
    let mut s = FakeSession::answering(
        vec![json!({"SyncCycleInProgress": false})],
        vec![error("Something went wrong.", None, None, false)],
    );
    let f = get_sync_cycle_state(&mut s).unwrap_err();
    assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
    assert_eq!(f.remote_message.as_deref(), Some("Something went wrong."));
}
