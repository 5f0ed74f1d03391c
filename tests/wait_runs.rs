//! The run history in the wait machine, driven with a virtual clock: the reference before the
//! trigger, a new run as evidence (a cycle that starts and ends between two polls), the bound on
//! run-history reads, the outcome's warnings and summary, and `FailOnRunErrors`.

use idle_entraconnect::failure::{Failure, FailureClass};
use idle_entraconnect::wait::{
    Action, Decision, EventType, Evidence, Input, Observation, PollReason, RunHistoryStatus,
    RunsPurpose, RunsRead, ServerTime, SyncState, TriggerReport, WaitConfig, WaitMachine,
    WaitOutcome, WarningCode, MAX_RUN_HISTORY_EVIDENCE_READS,
};
use serde_json::{json, Value};

use EventType::*;

const S: u64 = 1000;

/// A machine plus a virtual host clock that advances by exactly what the machine asks for, and
/// a count of the provider calls the decisions asked for.
struct Run {
    m: WaitMachine,
    now: u64,
    last: Option<Decision>,
    events: Vec<EventType>,
    calls: Vec<&'static str>,
}

impl Run {
    fn new(config: WaitConfig) -> Run {
        Run {
            m: WaitMachine::new(config).expect("valid config"),
            now: 0,
            last: None,
            events: Vec::new(),
            calls: Vec::new(),
        }
    }

    fn record(&mut self, d: Decision) -> Decision {
        self.events.extend(d.events.iter().map(|e| e.event_type));
        match &d.action {
            Action::ReadState { .. } | Action::Poll { .. } => self.calls.push("state"),
            Action::Trigger { .. } => self.calls.push("trigger"),
            Action::ReadRuns { .. } => self.calls.push("runs"),
            Action::FindProvider { .. }
            | Action::AcquireSession { .. }
            | Action::Done(_)
            | Action::Fail(_) => {}
        }
        self.last = Some(d.clone());
        d
    }

    fn start(&mut self) -> Decision {
        let d = self.m.start(self.now);
        self.record(d)
    }

    fn feed(&mut self, input: Input) -> Decision {
        let wait = self.last.as_ref().and_then(Decision::after_ms).unwrap_or(0);
        self.now += wait;
        let d = self.m.handle(self.now, input);
        self.record(d)
    }

    fn count(&self, call: &str) -> usize {
        self.calls.iter().filter(|c| **c == call).count()
    }
}

fn config(fail_on_run_errors: bool) -> WaitConfig {
    WaitConfig {
        wait: true,
        run_history: true,
        fail_on_run_errors,
        ..WaitConfig::default()
    }
}

fn idle_at(next: i64) -> Observation {
    Observation::new(SyncState::Idle).with_next_cycle_start(ServerTime::from_unix_ms(next))
}

fn busy() -> Observation {
    Observation::new(SyncState::InProgress)
}

/// 2026-01-01T00:00:00Z.
const NEXT: i64 = 1_767_225_600_000;

fn accepted() -> Input {
    Input::Triggered(TriggerReport::started("accepted"))
}

/// A `runs` input: the runs given as (connector, profile, result), starting a second apart
/// after 2026-01-01T01:00:00Z, with the reference `ref-0`.
fn runs(list: &[(&str, &str, &str)]) -> Input {
    let items: Vec<Value> = list
        .iter()
        .enumerate()
        .map(|(i, (c, p, r))| {
            json!({
                "RunHistoryId": format!("run-{}", i + 1),
                "ConnectorName": c, "RunProfileName": p, "Result": r,
                "IsRunComplete": *r != "in-progress",
                "StartDate": format!("2026-01-01T01:00:{:02}Z", i * 2),
                "EndDate": format!("2026-01-01T01:00:{:02}Z", i * 2 + 1),
                "RunStepResults": [{"StepNumber": 1, "StepResult": r, "StageAdd": 1,
                    "ExportFailure": if *r == "completed-export-errors" { 3 } else { 0 }}]
            })
        })
        .collect();
    Input::Runs(
        RunsRead::from_json(&json!({
            "Reference": {"RunHistoryId": "ref-0", "StartDate": "2026-01-01T00:30:00Z"},
            "Runs": items
        }))
        .unwrap(),
    )
}

fn reference() -> Input {
    runs(&[])
}

fn purpose(d: &Decision) -> Option<RunsPurpose> {
    match &d.action {
        Action::ReadRuns { purpose, .. } => Some(*purpose),
        _ => None,
    }
}

fn outcome(d: &Decision) -> &WaitOutcome {
    match &d.action {
        Action::Done(o) => o,
        other => panic!("expected done, got {other:?}"),
    }
}

const AD: &str = "contoso.com";
const AAD: &str = "contoso.onmicrosoft.com - AAD";

fn full_cycle(export_result: &str) -> Vec<(&'static str, &'static str, String)> {
    vec![
        (AD, "Delta Import", "success".to_owned()),
        (AAD, "Delta Import", "success".to_owned()),
        (AD, "Delta Synchronization", "success".to_owned()),
        (AAD, "Delta Synchronization", "success".to_owned()),
        (AAD, "Export", export_result.to_owned()),
        (AD, "Export", "success".to_owned()),
    ]
}

fn cycle_runs(export_result: &str) -> Input {
    let list = full_cycle(export_result);
    let borrowed: Vec<(&str, &str, &str)> =
        list.iter().map(|(c, p, r)| (*c, *p, r.as_str())).collect();
    runs(&borrowed)
}

/// Drives a wait up to the trigger: baseline, reference read, accepted trigger.
fn triggered(r: &mut Run) {
    r.start();
    let d = r.feed(Input::Baseline(idle_at(NEXT)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Reference));
    match &d.action {
        Action::ReadRuns { since, .. } => assert_eq!(since, &None),
        _ => unreachable!(),
    }
    let d = r.feed(reference());
    assert!(matches!(d.action, Action::Trigger { .. }), "{d:?}");
    let d = r.feed(accepted());
    assert!(matches!(d.action, Action::Poll { .. }), "{d:?}");
}

#[test]
fn a_cycle_between_two_polls_completes_on_its_run_history() {
    let mut r = Run::new(config(false));
    triggered(&mut r);
    // The first poll, 10 s after the trigger: idle, next-cycle time unmoved, nothing seen.
    let d = r.feed(Input::State(idle_at(NEXT)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Evidence));
    match &d.action {
        Action::ReadRuns {
            since, after_ms, ..
        } => {
            assert_eq!(*after_ms, 0);
            assert_eq!(
                since.as_ref().unwrap().run_history_id.as_deref(),
                Some("ref-0")
            );
        }
        _ => unreachable!(),
    }
    // New runs since the reference, all complete: confirm the idle read quickly.
    let d = r.feed(cycle_runs("success"));
    assert!(
        matches!(
            d.action,
            Action::Poll {
                after_ms: 2000,
                reason: PollReason::ConfirmIdle,
                ..
            }
        ),
        "{d:?}"
    );
    let d = r.feed(Input::State(idle_at(NEXT)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Summary));
    let d = r.feed(cycle_runs("success"));
    let o = outcome(&d);
    assert_eq!(o.evidence, Some(Evidence::RunHistoryEntry));
    assert!(o.start_observed);
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    assert_eq!(o.run_history, RunHistoryStatus::Read);
    assert_eq!(o.run_summary.len(), 2);
    // 12 s instead of the whole start-grace window (60 s).
    assert_eq!(o.elapsed_ms, 12 * S);
    // baseline, reference, trigger, poll, evidence, confirm, summary.
    assert_eq!(r.calls.len(), 7);
    assert_eq!(r.count("runs"), 3);
    assert_eq!(r.events.last(), Some(&DirectorySyncCompleted));
}

#[test]
fn without_run_history_the_same_cycle_waits_out_the_grace_window() {
    let mut r = Run::new(WaitConfig {
        wait: true,
        ..WaitConfig::default()
    });
    r.start();
    r.feed(Input::Baseline(idle_at(NEXT)));
    r.feed(accepted());
    let mut d = r.feed(Input::State(idle_at(NEXT)));
    while !d.is_terminal() {
        d = r.feed(Input::State(idle_at(NEXT)));
    }
    let o = outcome(&d);
    assert!(o.has_warning(WarningCode::StartNotObserved));
    assert_eq!(o.elapsed_ms, 60 * S);
    assert_eq!(o.run_history, RunHistoryStatus::NotSupported);
    assert_eq!(r.calls.len(), 8);
    assert_eq!(r.count("runs"), 0);
}

#[test]
fn a_normal_cycle_reads_the_run_history_twice_and_reports_it() {
    let mut r = Run::new(config(false));
    triggered(&mut r);
    let d = r.feed(Input::State(busy()));
    assert!(matches!(d.action, Action::Poll { .. }));
    let d = r.feed(Input::State(idle_at(NEXT + 1_800_000)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Summary));
    assert_eq!(
        d.events.iter().map(|e| e.event_type).collect::<Vec<_>>(),
        vec![DirectorySyncPoll]
    );
    let d = r.feed(cycle_runs("completed-export-errors"));
    let o = outcome(&d);
    assert_eq!(o.evidence, Some(Evidence::InProgressObserved));
    assert_eq!(o.warnings.len(), 1);
    assert_eq!(o.warnings[0].code, WarningCode::RunCompletedWithErrors);
    assert!(
        o.warnings[0].message.contains(AAD),
        "{}",
        o.warnings[0].message
    );
    assert!(o.warnings[0]
        .message
        .contains("completed-export-errors (3 export errors)"));
    assert_eq!(r.count("runs"), 2);
    assert_eq!(r.calls.len(), 6);
    let completed = &d.events[0];
    assert_eq!(completed.event_type, DirectorySyncCompleted);
    assert_eq!(completed.data["runHistory"], "Read");
    assert_eq!(
        completed.data["warnings"],
        json!(["RunCompletedWithErrors"])
    );
    let summary = completed.data["runSummary"].as_array().unwrap();
    assert_eq!(summary[0]["connector"], AD);
    assert_eq!(summary[0]["resultClass"], "Success");
    assert_eq!(summary[1]["connector"], AAD);
    assert_eq!(summary[1]["result"], "completed-export-errors");
    assert_eq!(summary[1]["resultClass"], "CompletedWithErrors");
    assert_eq!(summary[1]["severity"], "Medium");
    assert_eq!(summary[1]["exportErrors"], 3);
    assert_eq!(summary[1]["runCount"], 3);
    assert!(
        completed.message.contains("did not succeed"),
        "{}",
        completed.message
    );
}

#[test]
fn every_result_class_warns_with_its_own_code() {
    for (result, code) in [
        (
            "completed-export-warnings",
            WarningCode::RunCompletedWithWarnings,
        ),
        ("completed-sync-errors", WarningCode::RunCompletedWithErrors),
        (
            "completed-export-errors",
            WarningCode::RunCompletedWithErrors,
        ),
        ("stopped-server-down", WarningCode::RunStopped),
        ("stopped-error-limit", WarningCode::RunStopped),
        ("stopped-extension-dll-exception", WarningCode::RunStopped),
        ("no-start-connection", WarningCode::RunNotStarted),
        ("strange-new-result", WarningCode::RunResultUnknown),
    ] {
        let mut r = Run::new(config(false));
        triggered(&mut r);
        r.feed(Input::State(busy()));
        r.feed(Input::State(idle_at(NEXT + 1)));
        let d = r.feed(cycle_runs(result));
        let o = outcome(&d);
        assert_eq!(
            o.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
            vec![code],
            "{result}"
        );
    }
    // success: no warning at all.
    let mut r = Run::new(config(false));
    triggered(&mut r);
    r.feed(Input::State(busy()));
    r.feed(Input::State(idle_at(NEXT + 1)));
    let d = r.feed(cycle_runs("success"));
    assert!(outcome(&d).warnings.is_empty());
}

#[test]
fn fail_on_run_errors_fails_with_the_class_of_the_worst_run() {
    for (result, class) in [
        ("completed-export-errors", FailureClass::RunErrors),
        ("completed-sync-warnings", FailureClass::RunErrors),
        ("stopped-server-down", FailureClass::RunStopped),
        ("no-start-connection", FailureClass::RunStopped),
    ] {
        let mut r = Run::new(config(true));
        triggered(&mut r);
        r.feed(Input::State(busy()));
        r.feed(Input::State(idle_at(NEXT + 1)));
        let d = r.feed(cycle_runs(result));
        let f = match &d.action {
            Action::Fail(f) => f,
            other => panic!("{result}: {other:?}"),
        };
        assert_eq!(f.failure.class, class, "{result}");
        assert!(f.failure.message.contains(AAD), "{}", f.failure.message);
        assert!(f.failure.message.contains(result), "{}", f.failure.message);
        assert!(f.failure.message.contains("FailOnRunErrors"));
        let failed: Vec<_> = d
            .events
            .iter()
            .filter(|e| e.event_type == DirectorySyncFailed)
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].data["errorId"], class.error_id());
        assert_eq!(failed[0].data["runSummary"][1]["result"], result);
    }
    // Nothing to fail on: done.
    let mut r = Run::new(config(true));
    triggered(&mut r);
    r.feed(Input::State(busy()));
    r.feed(Input::State(idle_at(NEXT + 1)));
    assert!(outcome(&r.feed(cycle_runs("success"))).warnings.is_empty());
}

#[test]
fn evidence_reads_are_bounded_and_the_grace_window_still_ends_the_wait() {
    let mut r = Run::new(config(false));
    triggered(&mut r);
    let mut d = r.feed(Input::State(idle_at(NEXT)));
    while !d.is_terminal() {
        d = match purpose(&d) {
            Some(_) => r.feed(runs(&[])),
            None => r.feed(Input::State(idle_at(NEXT))),
        };
    }
    let o = outcome(&d);
    assert!(o.has_warning(WarningCode::StartNotObserved));
    assert_eq!(o.elapsed_ms, 60 * S);
    // The reference read and at most three evidence reads; the last evidence read (at the end of
    // the grace window) also serves as the summary, so there is no extra read at the end.
    assert_eq!(r.count("runs"), 1 + MAX_RUN_HISTORY_EVIDENCE_READS as usize);
}

#[test]
fn runs_still_in_progress_keep_the_wait_polling() {
    let mut r = Run::new(config(false));
    triggered(&mut r);
    r.feed(Input::State(idle_at(NEXT)));
    let d = r.feed(runs(&[
        (AD, "Delta Import", "success"),
        (AAD, "Delta Import", "in-progress"),
    ]));
    assert!(
        matches!(
            d.action,
            Action::Poll {
                after_ms: 10_000,
                reason: PollReason::Poll,
                ..
            }
        ),
        "{d:?}"
    );
    let d = r.feed(Input::State(idle_at(NEXT)));
    // Seen running: the idle read is confirmed, no more evidence reads.
    assert!(
        matches!(
            d.action,
            Action::Poll {
                reason: PollReason::ConfirmIdle,
                ..
            }
        ),
        "{d:?}"
    );
    let d = r.feed(Input::State(idle_at(NEXT)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Summary));
}

#[test]
fn a_failed_reference_read_turns_the_run_history_off() {
    let mut r = Run::new(config(false));
    r.start();
    r.feed(Input::Baseline(idle_at(NEXT)));
    let d = r.feed(Input::RunsFailed(Failure::new(
        FailureClass::PermissionDenied,
        "Get-ADSyncRunProfileResult is not allowed here.",
    )));
    assert!(matches!(d.action, Action::Trigger { .. }));
    r.feed(accepted());
    r.feed(Input::State(busy()));
    let d = r.feed(Input::State(idle_at(NEXT + 1)));
    let o = outcome(&d);
    assert_eq!(o.run_history, RunHistoryStatus::Unavailable);
    assert!(o.has_warning(WarningCode::RunHistoryUnavailable));
    assert_eq!(r.count("runs"), 1);
}

#[test]
fn a_failed_summary_read_is_a_warning_not_a_failure() {
    let mut r = Run::new(config(true));
    triggered(&mut r);
    r.feed(Input::State(busy()));
    r.feed(Input::State(idle_at(NEXT + 1)));
    let d = r.feed(Input::RunsFailed(Failure::new(
        FailureClass::RemoteExecutionFailed,
        "The connection dropped.",
    )));
    let o = outcome(&d);
    assert_eq!(o.run_history, RunHistoryStatus::Unavailable);
    assert!(o.has_warning(WarningCode::RunHistoryUnavailable));
}

#[test]
fn fail_on_run_errors_without_the_method_warns() {
    let mut r = Run::new(WaitConfig {
        wait: true,
        fail_on_run_errors: true,
        ..WaitConfig::default()
    });
    r.start();
    r.feed(Input::Baseline(idle_at(NEXT)));
    r.feed(accepted());
    r.feed(Input::State(busy()));
    let d = r.feed(Input::State(idle_at(NEXT + 1)));
    let o = outcome(&d);
    assert_eq!(o.run_history, RunHistoryStatus::NotSupported);
    assert!(o.has_warning(WarningCode::RunHistoryUnavailable));
    assert_eq!(r.count("runs"), 0);
}

#[test]
fn a_busy_server_gets_a_fresh_reference_before_the_second_trigger() {
    let mut r = Run::new(WaitConfig {
        wait_for_running_cycle: true,
        ..config(false)
    });
    triggered_busy(&mut r);
    let d = r.feed(Input::State(idle_at(NEXT + 1)));
    assert_eq!(purpose(&d), Some(RunsPurpose::Reference));
    let d = r.feed(reference());
    assert!(
        matches!(d.action, Action::Trigger { attempt: 2, .. }),
        "{d:?}"
    );
}

fn triggered_busy(r: &mut Run) {
    r.start();
    r.feed(Input::Baseline(busy()));
    r.feed(reference());
    let d = r.feed(Input::TriggerFailed(Failure::new(
        FailureClass::CycleBusy,
        "busy",
    )));
    assert!(matches!(
        d.action,
        Action::Poll {
            reason: PollReason::RunningCycle,
            ..
        }
    ));
}

#[test]
fn cancel_while_reading_runs_is_a_cancellation() {
    let mut r = Run::new(config(false));
    triggered(&mut r);
    r.feed(Input::State(idle_at(NEXT)));
    let d = r.feed(Input::Cancel);
    match &d.action {
        Action::Fail(f) => assert_eq!(f.failure.class, FailureClass::Cancelled),
        other => panic!("{other:?}"),
    }
}

#[test]
fn runs_out_of_turn_are_a_defect() {
    let mut r = Run::new(config(false));
    r.start();
    let d = r.feed(runs(&[]));
    match &d.action {
        Action::Fail(f) => assert_eq!(f.failure.class, FailureClass::Internal),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_json_form_of_a_run_history_wait() {
    let mut m = WaitMachine::from_config_json(
        r#"{"wait":true,"pollIntervalSeconds":10,"runHistory":true,"policyType":"Delta"}"#,
    )
    .unwrap();
    let step = |m: &mut WaitMachine, now: u64, input: Value| -> Value {
        serde_json::from_str(&m.handle_json(now, &input.to_string())).unwrap()
    };
    m.start_json(0);
    let d = step(
        &mut m,
        0,
        json!({"kind":"baseline","state":{"State":"Idle"}}),
    );
    assert_eq!(
        d,
        json!({"action":"readRuns","afterMs":0,"purpose":"reference","since":null,"events":[],
               "call":{"method":"GetSyncCycleRuns","arguments":[null],"answer":"runs",
                       "failed":"runsFailed"}})
    );
    let d = step(
        &mut m,
        0,
        json!({"kind":"runs","runs":{"Reference":{"RunHistoryId":"ABC","StartDate":"\\/Date(1767225600000)\\/"},
               "Runs":[],"Summary":[],"Requested":1,"Truncated":false}}),
    );
    assert_eq!(d["action"], "trigger");
    step(
        &mut m,
        0,
        json!({"kind":"triggered","result":{"Started":true}}),
    );
    let d = step(
        &mut m,
        10_000,
        json!({"kind":"state","state":{"State":"Idle"}}),
    );
    assert_eq!(d["action"], "readRuns");
    assert_eq!(d["purpose"], "evidence");
    assert_eq!(
        d["since"],
        json!({"RunHistoryId":"abc","StartDate":"2026-01-01T00:00:00Z"})
    );
    // A foreign provider may hand over Get-ADSyncRunProfileResult objects as they are.
    let d = step(
        &mut m,
        10_000,
        json!({"kind":"runs","runs":{"Reference":{"RunHistoryId":"x"},"Runs":{"value":[
            {"RunHistoryId":"x","ConnectorName":"corp","RunProfileName":"Export","Result":"completed-export-errors",
             "IsRunComplete":"True","StartDate":"2026-01-01T00:01:00Z","EndDate":"2026-01-01T00:01:05Z",
             "RunStepResults":{"StepNumber":1,"ExportFailure":2,"SyncErrors":{"SyncErrorsXml":"<e><x/><x/></e>"}}}],"Count":1}}}),
    );
    assert_eq!(d["action"], "poll");
    assert_eq!(d["reason"], "confirmIdle");
    step(
        &mut m,
        12_000,
        json!({"kind":"state","state":{"State":"Idle"}}),
    );
    let d = step(
        &mut m,
        12_000,
        json!({"kind":"runsFailed","failure":{"class":"RemoteExecutionFailed","message":"gone"}}),
    );
    assert_eq!(d["action"], "done");
    assert_eq!(d["result"]["evidence"], "RunHistoryEntry");
    assert_eq!(d["result"]["runHistory"], "Unavailable");
    assert_eq!(d["result"]["warnings"][0]["code"], "RunHistoryUnavailable");
}
