//! Every path of the wait machine, driven with a virtual clock: the exact decisions, delays
//! and event sequences.

use idle_entraconnect::failure::{Failure, FailureClass};
use idle_entraconnect::wait::{
    Action, Decision, EventType, Evidence, Input, Observation, PollReason, ServerTime, SyncState,
    TriggerReport, WaitConfig, WaitMachine, WarningCode,
};

use EventType::*;

const S: u64 = 1000;

/// A machine plus a virtual host clock that advances by exactly what the machine asks for.
struct Run {
    m: WaitMachine,
    now: u64,
    last: Option<Decision>,
    events: Vec<EventType>,
    decisions: Vec<Decision>,
}

impl Run {
    fn new(config: WaitConfig) -> Run {
        Run::at(config, 0)
    }

    fn at(config: WaitConfig, now: u64) -> Run {
        Run {
            m: WaitMachine::new(config).expect("valid config"),
            now,
            last: None,
            events: Vec::new(),
            decisions: Vec::new(),
        }
    }

    fn record(&mut self, d: Decision) -> Decision {
        self.events.extend(d.events.iter().map(|e| e.event_type));
        self.decisions.push(d.clone());
        self.last = Some(d.clone());
        d
    }

    fn start(&mut self) -> Decision {
        let d = self.m.start(self.now);
        self.record(d)
    }

    /// Sleeps as the last decision asked, then feeds `input`.
    fn feed(&mut self, input: Input) -> Decision {
        self.feed_late(0, input)
    }

    /// Like `feed`, but the host answers `late_ms` after the asked time.
    fn feed_late(&mut self, late_ms: u64, input: Input) -> Decision {
        let wait = self.last.as_ref().and_then(Decision::after_ms).unwrap_or(0);
        self.now += wait + late_ms;
        let d = self.m.handle(self.now, input);
        self.record(d)
    }

    fn state(&mut self, o: Observation) -> Decision {
        self.feed(Input::State(o))
    }

    fn failed_events(&self) -> usize {
        self.events
            .iter()
            .filter(|e| **e == DirectorySyncFailed)
            .count()
    }
}

fn waiting() -> WaitConfig {
    WaitConfig {
        wait: true,
        ..WaitConfig::default()
    }
}

fn idle() -> Observation {
    Observation::new(SyncState::Idle)
}

fn busy() -> Observation {
    Observation::new(SyncState::InProgress)
}

fn unknown() -> Observation {
    Observation::new(SyncState::Unknown)
}

fn server(ms: i64) -> ServerTime {
    ServerTime::from_unix_ms(ms)
}

/// 2024-05-01T10:00:00Z on the server's clock.
const T0: i64 = 1_714_557_600_000;

fn accepted() -> Input {
    Input::Triggered(TriggerReport::started("The sync cycle was started."))
}

fn failure(class: FailureClass, message: &str) -> Failure {
    Failure::new(class, message)
}

fn is_poll(d: &Decision, after_ms: u64, reason: PollReason) -> bool {
    matches!(&d.action, Action::Poll { after_ms: a, reason: r, .. } if *a == after_ms && *r == reason)
}

fn outcome(d: &Decision) -> &idle_entraconnect::wait::WaitOutcome {
    match &d.action {
        Action::Done(o) => o,
        other => panic!("expected done, got {other:?}"),
    }
}

fn failed(d: &Decision) -> &idle_entraconnect::wait::FailOutcome {
    match &d.action {
        Action::Fail(f) => f,
        other => panic!("expected fail, got {other:?}"),
    }
}

/// Start, baseline, trigger accepted; returns the run positioned after the first `poll`.
fn triggered_run(config: WaitConfig, baseline: Observation) -> Run {
    let mut r = Run::new(config);
    assert_eq!(r.start().action, Action::ReadState { after_ms: 0 });
    let d = r.feed(Input::Baseline(baseline));
    assert!(matches!(
        d.action,
        Action::Trigger {
            after_ms: 0,
            attempt: 1,
            progress: None
        }
    ));
    assert!(d.events.is_empty());
    let d = r.feed(accepted());
    assert!(is_poll(&d, 10 * S, PollReason::Poll), "{d:?}");
    r
}

#[test]
fn wait_false_triggers_and_completes_without_polling() {
    let mut r = Run::new(WaitConfig::default());
    let d = r.start();
    assert!(matches!(
        d.action,
        Action::Trigger {
            after_ms: 0,
            attempt: 1,
            ..
        }
    ));
    let d = r.feed(accepted());
    let o = outcome(&d);
    assert!(o.started && !o.waited && !o.start_observed);
    assert_eq!(o.attempts, 0);
    assert!(o.warnings.is_empty());
    assert_eq!(
        r.events,
        vec![DirectorySyncTriggered, DirectorySyncCompleted]
    );
    let completed = &d.events[1];
    assert_eq!(completed.data["waited"], false);
}

#[test]
fn full_wait_with_server_side_evidence() {
    let base = idle().with_next_cycle_start(server(T0));
    let mut r = triggered_run(waiting(), base);
    assert_eq!(r.events, vec![DirectorySyncTriggered, DirectorySyncWaiting]);
    // Not started yet, then running, then idle with the next cycle moved by 30 minutes.
    let d = r.state(idle().with_next_cycle_start(server(T0)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(busy().with_next_cycle_start(server(T0)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1_800_000)));
    let o = outcome(&d);
    assert!(o.waited && o.start_observed && o.warnings.is_empty());
    assert_eq!(o.evidence, Some(Evidence::InProgressObserved));
    assert_eq!(o.attempts, 3);
    assert_eq!(o.elapsed_ms, 30 * S);
    assert_eq!(o.last_state, SyncState::Idle);
    assert_eq!(
        r.events,
        vec![
            DirectorySyncTriggered,
            DirectorySyncWaiting,
            DirectorySyncPoll,
            DirectorySyncPoll,
            DirectorySyncPoll,
            DirectorySyncCompleted
        ]
    );
}

#[test]
fn start_lag_longer_than_the_first_poll_and_no_details() {
    // A pure-PowerShell provider: State only. The cycle starts after 35 s.
    let mut r = triggered_run(waiting(), idle());
    for _ in 0..3 {
        let d = r.state(idle());
        assert!(is_poll(&d, 10 * S, PollReason::Poll), "{d:?}");
    }
    let d = r.state(busy());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(busy());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    // The first idle after the run must be confirmed, quickly.
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle), "{d:?}");
    let d = r.state(idle());
    let o = outcome(&d);
    assert!(o.start_observed && o.warnings.is_empty());
    assert_eq!(o.attempts, 7);
    assert_eq!(o.elapsed_ms, 62 * S);
}

#[test]
fn cycle_shorter_than_one_poll_is_seen_through_the_next_cycle_time() {
    let mut r = triggered_run(waiting(), idle().with_next_cycle_start(server(T0)));
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1_800_000)));
    let o = outcome(&d);
    assert!(o.start_observed && o.warnings.is_empty());
    assert_eq!(o.evidence, Some(Evidence::NextSyncCycleTimeMoved));
    assert_eq!(o.attempts, 1);
    assert_eq!(
        r.events,
        vec![
            DirectorySyncTriggered,
            DirectorySyncWaiting,
            DirectorySyncPoll,
            DirectorySyncCompleted
        ]
    );
}

#[test]
fn next_cycle_time_moving_earlier_is_not_evidence() {
    let mut r = triggered_run(waiting(), idle().with_next_cycle_start(server(T0)));
    let d = r.state(idle().with_next_cycle_start(server(T0 - 60_000)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
}

#[test]
fn run_history_change_is_evidence_but_needs_confirmation() {
    let mut r = triggered_run(waiting(), idle().with_last_run_history_id("h1"));
    // A run profile ended (history moved) and the server shows idle between profiles.
    let d = r.state(idle().with_last_run_history_id("h2"));
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    // Another profile ended in between: not a confirmation.
    let d = r.state(idle().with_last_run_history_id("h3"));
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(idle().with_last_run_history_id("h3"));
    let o = outcome(&d);
    assert_eq!(o.evidence, Some(Evidence::RunHistoryChanged));
    assert!(o.warnings.is_empty());
}

#[test]
fn no_evidence_within_the_grace_window_completes_with_a_warning() {
    let mut r = triggered_run(waiting(), idle());
    for _ in 0..5 {
        let d = r.state(idle());
        assert!(is_poll(&d, 10 * S, PollReason::Poll));
    }
    // 60 s after acceptance: the grace window is over.
    let d = r.state(idle());
    let o = outcome(&d);
    assert!(!o.start_observed);
    assert_eq!(o.evidence, None);
    assert!(o.has_warning(WarningCode::StartNotObserved));
    assert_eq!(o.elapsed_ms, 60 * S);
    let completed = d.events.last().unwrap();
    assert_eq!(completed.event_type, DirectorySyncCompleted);
    assert_eq!(completed.data["warnings"][0], "StartNotObserved");
    assert_eq!(completed.data["startObserved"], false);
    assert!(completed.message.contains("StartNotObserved"));
}

#[test]
fn baseline_failure_is_skipped_and_the_first_value_becomes_the_reference() {
    let mut r = Run::new(waiting());
    r.start();
    let d = r.feed(Input::PollFailed(failure(
        FailureClass::RemoteExecutionFailed,
        "The session broke.",
    )));
    assert!(matches!(d.action, Action::Trigger { attempt: 1, .. }));
    r.feed(accepted());
    let d = r.state(idle().with_next_cycle_start(server(T0)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(busy().with_next_cycle_start(server(T0)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1)));
    assert!(outcome(&d).warnings.is_empty());
}

#[test]
fn a_cycle_running_at_the_baseline_is_no_evidence_for_ours() {
    // The earlier cycle ends between the baseline and the trigger, moving the next-cycle time;
    // the first idle read after the trigger must not be taken as the end of our cycle.
    let mut r = Run::new(waiting());
    r.start();
    r.feed(Input::Baseline(busy().with_next_cycle_start(server(T0))));
    let d = r.feed(accepted());
    assert!(is_poll(&d, 10 * S, PollReason::Poll), "{d:?}");
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1)));
    assert!(
        is_poll(&d, 10 * S, PollReason::Poll),
        "completed too early: {d:?}"
    );
    let d = r.state(busy().with_next_cycle_start(server(T0 + 1)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle().with_next_cycle_start(server(T0 + 2)));
    let o = outcome(&d);
    assert!(o.start_observed && o.warnings.is_empty(), "{o:?}");
}

#[test]
fn a_clock_beyond_any_monotonic_clock_is_a_defect_not_an_early_timeout() {
    let mut m = WaitMachine::new(waiting()).expect("valid config");
    let d = m.handle(u64::MAX - 1_000, Input::Start);
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Internal);
    assert!(
        f.failure.message.contains("monotonic clock"),
        "{}",
        f.failure.message
    );
}

#[test]
fn baseline_permission_failure_fails_before_the_trigger() {
    let mut r = Run::new(waiting());
    r.start();
    let d = r.feed(Input::PollFailed(failure(
        FailureClass::PermissionDenied,
        "No rights.",
    )));
    assert_eq!(failed(&d).failure.class, FailureClass::PermissionDenied);
    assert_eq!(r.events, vec![DirectorySyncFailed]);
}

#[test]
fn timeout_exactly_at_a_poll() {
    let config = WaitConfig {
        wait: true,
        timeout_seconds: 25,
        start_grace_seconds: 25,
        ..WaitConfig::default()
    };
    let mut r = triggered_run(config, idle());
    assert_eq!(r.m.deadline_ms(), Some(25 * S));
    let d = r.state(busy());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    // The last poll lands exactly on the deadline.
    let d = r.state(busy());
    assert!(is_poll(&d, 5 * S, PollReason::Poll), "{d:?}");
    let d = r.state(busy());
    assert_eq!(r.now, 25 * S);
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Timeout);
    assert!(
        f.failure.message.contains("Timeout"),
        "{}",
        f.failure.message
    );
    assert!(f.failure.message.contains("25 seconds"));
    assert!(f.failure.message.contains("InProgress"));
    assert_eq!(f.last_state, SyncState::InProgress);
    assert_eq!(r.failed_events(), 1);
    assert_eq!(d.events.last().unwrap().data["class"], "Timeout");
}

#[test]
fn a_completing_read_at_the_deadline_is_done() {
    let config = WaitConfig {
        wait: true,
        timeout_seconds: 25,
        start_grace_seconds: 25,
        ..WaitConfig::default()
    };
    let mut r = triggered_run(config, idle().with_next_cycle_start(server(T0)));
    r.state(busy());
    r.state(busy());
    let d = r.state(idle().with_next_cycle_start(server(T0 + 5)));
    assert_eq!(r.now, 25 * S);
    assert!(outcome(&d).start_observed);
}

#[test]
fn an_unconfirmed_idle_at_the_deadline_times_out() {
    let config = WaitConfig {
        wait: true,
        timeout_seconds: 20,
        start_grace_seconds: 20,
        ..WaitConfig::default()
    };
    let mut r = triggered_run(config, idle());
    r.state(busy());
    let d = r.state(idle());
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Timeout);
    assert!(
        f.failure.message.contains("confirmed"),
        "{}",
        f.failure.message
    );
    assert!(f.failure.message.contains("Idle"));
}

#[test]
fn the_confirmation_poll_never_passes_the_deadline() {
    let config = WaitConfig {
        wait: true,
        timeout_seconds: 21,
        start_grace_seconds: 21,
        ..WaitConfig::default()
    };
    let mut r = triggered_run(config, idle());
    r.state(busy());
    let d = r.state(idle());
    assert!(is_poll(&d, S, PollReason::ConfirmIdle), "{d:?}");
    let d = r.state(idle());
    assert!(outcome(&d).start_observed);
}

#[test]
fn busy_at_trigger_fails_by_default_with_the_busy_failure() {
    let mut r = Run::new(waiting());
    r.start();
    r.feed(Input::Baseline(busy()));
    let busy_failure = Failure::new(FailureClass::CycleBusy, "A sync cycle is already running.")
        .with_remote("Connector: contoso.onmicrosoft.com - AAD is busy.");
    let d = r.feed(Input::TriggerFailed(busy_failure.clone()));
    let f = failed(&d);
    assert_eq!(f.failure, busy_failure);
    assert_eq!(f.last_state, SyncState::InProgress);
    assert_eq!(r.events, vec![DirectorySyncFailed]);
    assert_eq!(
        d.events[0].data["remoteMessage"],
        "Connector: contoso.onmicrosoft.com - AAD is busy."
    );
}

#[test]
fn busy_then_wait_for_the_running_cycle_then_trigger_again() {
    let config = WaitConfig {
        wait: true,
        wait_for_running_cycle: true,
        policy_type: Some(idle_entraconnect::wait::PolicyType::Delta),
        ..WaitConfig::default()
    };
    let mut r = Run::at(config, 7 * S);
    r.start();
    r.feed(Input::Baseline(busy().with_next_cycle_start(server(T0))));
    let d = r.feed_late(
        S,
        Input::TriggerFailed(failure(FailureClass::CycleBusy, "Busy.")),
    );
    // Deadline from the first trigger answer.
    assert_eq!(r.m.deadline_ms(), Some(8 * S + 600 * S));
    assert!(is_poll(&d, 10 * S, PollReason::RunningCycle));
    assert_eq!(d.events[0].event_type, DirectorySyncWaiting);
    assert_eq!(d.events[0].data["reason"], "RunningCycle");
    let d = r.state(busy().with_next_cycle_start(server(T0)));
    assert!(is_poll(&d, 10 * S, PollReason::RunningCycle));
    // The old cycle ended (its end moved the next-cycle time): trigger again at once.
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1_800_000)));
    match &d.action {
        Action::Trigger {
            after_ms: 0,
            attempt: 2,
            progress: Some(p),
        } => assert!(p.status.contains("triggering"), "{p:?}"),
        other => panic!("{other:?}"),
    }
    let d = r.feed(accepted());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    assert_eq!(r.m.deadline_ms(), Some(608 * S));
    // The old cycle's move is the new reference: an unchanged value is no evidence.
    let d = r.state(idle().with_next_cycle_start(server(T0 + 1_800_000)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    r.state(busy().with_next_cycle_start(server(T0 + 1_800_000)));
    let d = r.state(idle().with_next_cycle_start(server(T0 + 3_600_000)));
    let o = outcome(&d);
    assert_eq!(o.trigger_attempts, 2);
    assert_eq!(o.attempts, 5);
    assert!(o.start_observed && o.warnings.is_empty());
    assert_eq!(
        r.events,
        vec![
            DirectorySyncWaiting,
            DirectorySyncPoll,
            DirectorySyncPoll,
            DirectorySyncTriggered,
            DirectorySyncPoll,
            DirectorySyncPoll,
            DirectorySyncPoll,
            DirectorySyncCompleted
        ]
    );
}

#[test]
fn a_second_busy_answer_keeps_waiting_within_the_first_deadline() {
    let config = WaitConfig {
        wait: true,
        wait_for_running_cycle: true,
        timeout_seconds: 30,
        start_grace_seconds: 10,
        ..WaitConfig::default()
    };
    let mut r = Run::new(config);
    r.start();
    r.feed(Input::Baseline(idle()));
    r.feed(Input::TriggerFailed(failure(
        FailureClass::CycleBusy,
        "Busy.",
    )));
    let d = r.state(idle());
    assert!(matches!(d.action, Action::Trigger { attempt: 2, .. }));
    // The scheduler started its own cycle in between: busy again.
    let d = r.feed(Input::TriggerFailed(failure(
        FailureClass::CycleBusy,
        "Busy.",
    )));
    assert!(is_poll(&d, 10 * S, PollReason::RunningCycle));
    assert!(d.events.is_empty(), "Waiting is announced only once");
    let d = r.state(idle());
    assert!(matches!(d.action, Action::Trigger { attempt: 3, .. }));
    let d = r.feed(accepted());
    assert_eq!(r.now, 20 * S);
    // Only 10 s left of the deadline counted from the first trigger answer.
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(busy());
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Timeout);
    assert!(f.failure.message.contains("30 seconds"));
    assert_eq!(r.failed_events(), 1);
}

#[test]
fn waiting_for_a_running_cycle_can_time_out() {
    let config = WaitConfig {
        wait: true,
        wait_for_running_cycle: true,
        timeout_seconds: 15,
        start_grace_seconds: 15,
        ..WaitConfig::default()
    };
    let mut r = Run::new(config);
    r.start();
    r.feed(Input::Baseline(busy()));
    r.feed(Input::TriggerFailed(failure(
        FailureClass::CycleBusy,
        "Busy.",
    )));
    let d = r.state(busy());
    assert!(is_poll(&d, 5 * S, PollReason::RunningCycle));
    let d = r.state(busy());
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Timeout);
    assert!(
        f.failure.message.contains("already running"),
        "{}",
        f.failure.message
    );
}

#[test]
fn wait_for_running_cycle_without_wait_stops_after_the_accepted_trigger() {
    let config = WaitConfig {
        wait_for_running_cycle: true,
        ..WaitConfig::default()
    };
    let mut r = Run::new(config);
    assert!(matches!(r.start().action, Action::Trigger { .. }));
    r.feed(Input::TriggerFailed(failure(
        FailureClass::CycleBusy,
        "Busy.",
    )));
    let d = r.state(idle());
    assert!(matches!(d.action, Action::Trigger { attempt: 2, .. }));
    let d = r.feed(accepted());
    let o = outcome(&d);
    assert!(!o.waited);
    assert_eq!(o.trigger_attempts, 2);
}

#[test]
fn server_and_host_clocks_that_differ_by_hours() {
    // The host's monotonic clock reads about 11 days; the server's clock is a date in 2024
    // whose values are 5 hours "behind" anything the host could mean. Only server values are
    // compared with each other, so the outcome is the ordinary one.
    let host_start = 950_400_000;
    let server_base = T0 - 5 * 3_600_000;
    let mut r = Run::at(waiting(), host_start);
    r.start();
    r.feed(Input::Baseline(
        idle().with_next_cycle_start(server(server_base)),
    ));
    r.feed(accepted());
    assert_eq!(r.m.deadline_ms(), Some(host_start + 600 * S));
    let d = r.state(idle().with_next_cycle_start(server(server_base)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle().with_next_cycle_start(server(server_base + 1_800_000)));
    let o = outcome(&d);
    assert_eq!(o.evidence, Some(Evidence::NextSyncCycleTimeMoved));
    assert_eq!(o.elapsed_ms, 20 * S);

    // And a server clock far ahead of the host's (host at 0, server in the future).
    let mut r = Run::at(waiting(), 0);
    r.start();
    r.feed(Input::Baseline(
        idle().with_next_cycle_start(server(T0 + 86_400_000)),
    ));
    r.feed(accepted());
    let d = r.state(idle().with_next_cycle_start(server(T0 + 86_400_000)));
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
}

#[test]
fn flapping_between_run_profiles_is_not_completion() {
    let mut r = triggered_run(waiting(), idle());
    r.state(busy());
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    // It was only the gap between two run profiles.
    let d = r.state(busy());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(idle());
    let o = outcome(&d);
    assert!(o.start_observed);
    assert_eq!(o.attempts, 5);
}

#[test]
fn unknown_states_keep_polling_and_break_a_confirmation() {
    let mut r = triggered_run(waiting(), idle());
    for _ in 0..10 {
        let d = r.state(unknown());
        assert!(is_poll(&d, 10 * S, PollReason::Poll));
    }
    // Unknown reads past the grace window do not complete anything.
    r.state(busy());
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(unknown());
    assert!(is_poll(&d, 10 * S, PollReason::Poll));
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(idle());
    assert!(outcome(&d).start_observed);
}

#[test]
fn transient_poll_failures_then_success() {
    let mut r = triggered_run(waiting(), idle());
    r.state(busy());
    for class in [
        FailureClass::RemoteExecutionFailed,
        FailureClass::UnexpectedResponse,
        FailureClass::CycleBusy,
        FailureClass::Timeout,
    ] {
        let d = r.feed(Input::PollFailed(failure(class, "The read failed.")));
        assert!(is_poll(&d, 10 * S, PollReason::RetryAfterFailure), "{d:?}");
        assert_eq!(d.events[0].data["failed"], true);
        assert_eq!(d.events[0].data["failureClass"], class.to_string());
    }
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    // A failure while a confirmation is pending keeps it pending and retries quickly.
    let d = r.feed(Input::PollFailed(failure(
        FailureClass::RemoteExecutionFailed,
        "x",
    )));
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(idle());
    let o = outcome(&d);
    assert_eq!(o.attempts, 8);
    assert_eq!(r.failed_events(), 0);
}

#[test]
fn five_transient_failures_in_a_row_fail_with_their_class() {
    let mut r = triggered_run(waiting(), idle());
    for i in 1..=5 {
        let d = r.feed(Input::PollFailed(
            failure(
                FailureClass::RemoteExecutionFailed,
                "WinRM refused the call",
            )
            .with_remote("Access is denied."),
        ));
        if i < 5 {
            assert!(is_poll(&d, 10 * S, PollReason::RetryAfterFailure));
        } else {
            let f = failed(&d);
            assert_eq!(f.failure.class, FailureClass::RemoteExecutionFailed);
            assert!(f.failure.message.contains("5 times in a row"));
            assert!(f.failure.message.ends_with("WinRM refused the call."));
            assert_eq!(
                f.failure.remote_message.as_deref(),
                Some("Access is denied.")
            );
        }
    }
    assert_eq!(r.failed_events(), 1);
}

#[test]
fn permission_failure_mid_wait_fails_at_once() {
    let mut r = triggered_run(waiting(), idle());
    r.state(busy());
    let denied = failure(
        FailureClass::PermissionDenied,
        "The caller lacks ADSync rights.",
    );
    let d = r.feed(Input::PollFailed(denied.clone()));
    let f = failed(&d);
    assert_eq!(f.failure, denied);
    assert_eq!(f.last_state, SyncState::InProgress);
    assert_eq!(
        d.events.iter().map(|e| e.event_type).collect::<Vec<_>>(),
        vec![DirectorySyncPoll, DirectorySyncFailed]
    );
    assert_eq!(
        d.events[1].data["errorId"],
        "IdLE.DirectorySync.PermissionDenied"
    );
    for class in [FailureClass::AdSyncUnavailable, FailureClass::InvalidInput] {
        let mut r = triggered_run(waiting(), idle());
        let d = r.feed(Input::PollFailed(failure(class, "No.")));
        assert_eq!(failed(&d).failure.class, class);
    }
}

#[test]
fn suspended_scheduler_fails_before_and_during_the_wait() {
    let mut r = Run::new(waiting());
    r.start();
    let d = r.feed(Input::Baseline(idle().with_scheduler_suspended(true)));
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::SchedulerSuspended);
    assert!(f.failure.message.contains("wizard"));
    assert!(f.failure.message.contains("did not trigger"));
    assert_eq!(r.events, vec![DirectorySyncFailed]);

    let mut r = triggered_run(waiting(), idle().with_scheduler_suspended(false));
    r.state(busy());
    let d = r.state(busy().with_scheduler_suspended(true));
    assert_eq!(failed(&d).failure.class, FailureClass::SchedulerSuspended);
    assert_eq!(r.failed_events(), 1);

    // A read that already proves completion wins over the suspension.
    let mut r = triggered_run(waiting(), idle().with_next_cycle_start(server(T0)));
    let d = r.state(
        idle()
            .with_next_cycle_start(server(T0 + 1))
            .with_scheduler_suspended(true),
    );
    assert!(outcome(&d).start_observed);
}

#[test]
fn staging_mode_is_a_warning_in_events_and_result() {
    let mut r = triggered_run(waiting(), idle().with_staging_mode(true));
    r.state(busy().with_staging_mode(true));
    let d = r.state(idle());
    assert!(is_poll(&d, 2 * S, PollReason::ConfirmIdle));
    let d = r.state(idle());
    let o = outcome(&d);
    assert!(o.staging_mode);
    assert!(o.has_warning(WarningCode::StagingModeEnabled));
    assert!(!o.has_warning(WarningCode::StartNotObserved));
    let completed = d.events.last().unwrap();
    assert_eq!(completed.data["stagingMode"], true);
    assert_eq!(completed.data["warnings"][0], "StagingModeEnabled");
    assert!(completed.message.contains("staging mode"));
}

#[test]
fn cancel_fails_once_and_the_machine_stays_finished() {
    let mut r = triggered_run(waiting(), idle());
    r.state(busy());
    let d = r.feed_late(300, Input::Cancel);
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::Cancelled);
    assert!(f.failure.message.contains("already accepted"));
    assert_eq!(f.elapsed_ms, 20 * S + 300);
    assert_eq!(d.events.len(), 1);
    // Everything after the end repeats the end, without events.
    let again = r.feed(Input::State(idle()));
    assert_eq!(again.action, d.action);
    assert!(again.events.is_empty());
    let again = r.feed(Input::Cancel);
    assert!(again.events.is_empty());
    assert_eq!(r.failed_events(), 1);
    assert!(r.m.is_finished());

    let mut r = Run::new(waiting());
    r.start();
    let d = r.feed(Input::Cancel);
    assert_eq!(failed(&d).failure.class, FailureClass::Cancelled);
}

#[test]
fn trigger_failures_of_other_classes_fail_at_once() {
    for class in FailureClass::ALL {
        if class == FailureClass::CycleBusy {
            continue;
        }
        let config = WaitConfig {
            wait: true,
            wait_for_running_cycle: true,
            ..WaitConfig::default()
        };
        let mut r = Run::new(config);
        r.start();
        r.feed(Input::Baseline(idle()));
        let d = r.feed(Input::TriggerFailed(failure(class, "It failed.")));
        assert_eq!(failed(&d).failure.class, class);
        assert_eq!(r.events, vec![DirectorySyncFailed]);
    }
}

#[test]
fn a_trigger_that_did_not_start_is_an_unexpected_response() {
    let mut r = Run::new(WaitConfig::default());
    r.start();
    let d = r.feed(Input::Triggered(TriggerReport {
        started: Some(false),
        message: Some("Nothing happened".into()),
    }));
    let f = failed(&d);
    assert_eq!(f.failure.class, FailureClass::UnexpectedResponse);
    assert!(f.failure.message.contains("Nothing happened."));

    let mut r = Run::new(WaitConfig::default());
    r.start();
    let d = r.feed(Input::Triggered(TriggerReport::default()));
    assert!(failed(&d).failure.message.contains("Started"));
}

#[test]
fn inputs_out_of_order_fail_internal() {
    let cases: Vec<(Vec<Input>, Input)> = vec![
        (vec![], Input::State(idle())),
        (vec![Input::Start], Input::Start),
        (vec![Input::Start], accepted()),
        (
            vec![Input::Start, Input::Baseline(idle())],
            Input::State(idle()),
        ),
        (
            vec![Input::Start, Input::Baseline(idle()), accepted()],
            accepted(),
        ),
        (
            vec![Input::Start, Input::Baseline(idle()), accepted()],
            Input::Baseline(idle()),
        ),
    ];
    for (before, wrong) in cases {
        let mut m = WaitMachine::new(waiting()).unwrap();
        for i in before {
            assert!(!m.handle(0, i).is_terminal());
        }
        let kind = wrong.kind();
        let d = m.handle(0, wrong);
        let f = failed(&d);
        assert_eq!(f.failure.class, FailureClass::Internal);
        assert!(f.failure.message.contains(kind), "{}", f.failure.message);
        assert_eq!(d.events.len(), 1);
    }
}

#[test]
fn a_clock_that_goes_backwards_is_read_as_standing_still() {
    let mut m = WaitMachine::new(waiting()).unwrap();
    m.start(50 * S);
    m.handle(50 * S, Input::Baseline(idle()));
    m.handle(50 * S, accepted());
    let d = m.handle(10 * S, Input::State(busy()));
    match d.action {
        Action::Poll { after_ms, .. } => assert_eq!(after_ms, 10 * S),
        other => panic!("{other:?}"),
    }
}

#[test]
fn progress_says_the_phase_and_the_elapsed_time() {
    let mut r = triggered_run(
        WaitConfig {
            wait: true,
            timeout_seconds: 100,
            ..WaitConfig::default()
        },
        idle(),
    );
    let mut last = 0;
    loop {
        let d = r.state(unknown());
        match &d.action {
            Action::Poll { progress, .. } => {
                assert!(progress.elapsed_ms > last);
                assert_eq!(progress.elapsed_ms, r.now);
                assert!(progress.status.ends_with('.'));
                assert_eq!(progress.seconds_remaining, 100 - r.now / S);
                last = progress.elapsed_ms;
            }
            Action::Fail(f) => {
                assert_eq!(f.failure.class, FailureClass::Timeout);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(last, 90 * S);
}

#[test]
fn every_message_is_a_sentence() {
    let mut r = triggered_run(waiting(), idle().with_staging_mode(true));
    r.state(busy());
    r.feed(Input::PollFailed(failure(
        FailureClass::RemoteExecutionFailed,
        "no dot",
    )));
    r.state(idle());
    r.state(idle());
    for d in &r.decisions {
        for e in &d.events {
            assert!(e.message.ends_with('.'), "{}", e.message);
            assert!(
                e.message.chars().next().unwrap().is_uppercase(),
                "{}",
                e.message
            );
        }
        if let Action::Done(o) = &d.action {
            for w in &o.warnings {
                assert!(w.message.ends_with('.'));
            }
        }
    }
}
