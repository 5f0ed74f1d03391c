//! Properties of the wait machine over generated runs: no completion without evidence (unless
//! with the `StartNotObserved` warning), no sleep past the deadline, every run ends by the
//! deadline, and exactly one terminal event.

use idle_entraconnect::failure::{Failure, FailureClass};
use idle_entraconnect::wait::{
    Action, Decision, EventType, Input, Observation, ServerTime, SyncState, TriggerReport,
    WaitConfig, WaitMachine, WarningCode,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Obs {
    state: SyncState,
    next: Option<i64>,
    history: Option<u8>,
    staging: bool,
    suspended: bool,
}

impl Obs {
    fn to_observation(&self) -> Observation {
        let mut o = Observation::new(self.state)
            .with_staging_mode(self.staging)
            .with_scheduler_suspended(self.suspended);
        if let Some(n) = self.next {
            o = o.with_next_cycle_start(ServerTime::from_unix_ms(n));
        }
        if let Some(h) = self.history {
            o = o.with_last_run_history_id(format!("run-{h}"));
        }
        o
    }
}

#[derive(Debug, Clone)]
enum Answer {
    State(Obs),
    Fail(FailureClass),
}

#[derive(Debug, Clone)]
enum TriggerAnswer {
    Accepted,
    Busy,
    NotStarted,
    Other(FailureClass),
}

#[derive(Debug, Clone)]
struct Scenario {
    config: WaitConfig,
    host_start: u64,
    baseline: Answer,
    triggers: Vec<TriggerAnswer>,
    polls: Vec<(Answer, u64)>,
    cancel_at: Option<usize>,
}

fn any_class() -> impl Strategy<Value = FailureClass> {
    prop::sample::select(FailureClass::ALL.to_vec())
}

fn obs() -> impl Strategy<Value = Obs> {
    // Server times near an arbitrary server epoch, unrelated to the host clock.
    let server = 1_700_000_000_000i64;
    (
        prop_oneof![
            4 => Just(SyncState::Idle),
            3 => Just(SyncState::InProgress),
            1 => Just(SyncState::Unknown),
        ],
        prop::option::of((0i64..4).prop_map(move |k| server + k * 1_800_000)),
        prop::option::of(0u8..3),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.03),
    )
        .prop_map(|(state, next, history, staging, suspended)| Obs {
            state,
            next,
            history,
            staging,
            suspended,
        })
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => obs().prop_map(Answer::State),
        1 => prop_oneof![
            3 => Just(FailureClass::RemoteExecutionFailed),
            1 => Just(FailureClass::UnexpectedResponse),
            1 => any_class(),
        ]
        .prop_map(Answer::Fail),
    ]
}

fn trigger_answer() -> impl Strategy<Value = TriggerAnswer> {
    prop_oneof![
        6 => Just(TriggerAnswer::Accepted),
        3 => Just(TriggerAnswer::Busy),
        1 => Just(TriggerAnswer::NotStarted),
        1 => any_class().prop_map(TriggerAnswer::Other),
    ]
}

fn config() -> impl Strategy<Value = WaitConfig> {
    (1u32..=120, prop::bool::weighted(0.85), any::<bool>()).prop_flat_map(
        |(timeout, wait, wfrc)| {
            (1u32..=timeout, 0u32..=timeout).prop_map(move |(poll, grace)| WaitConfig {
                wait,
                timeout_seconds: timeout,
                poll_interval_seconds: poll,
                start_grace_seconds: grace,
                wait_for_running_cycle: wfrc,
                policy_type: None,
                ..WaitConfig::default()
            })
        },
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        config(),
        0u64..10_000_000_000,
        answer(),
        prop::collection::vec(trigger_answer(), 0..4),
        prop::collection::vec(
            (answer(), prop_oneof![3 => Just(0u64), 1 => 0u64..3_000]),
            0..80,
        ),
        prop::option::weighted(0.1, 0usize..40),
    )
        .prop_map(
            |(config, host_start, baseline, triggers, polls, cancel_at)| Scenario {
                config,
                host_start,
                baseline,
                triggers,
                polls,
                cancel_at,
            },
        )
}

/// Evidence, computed from the whole run at once: the values of the last state read before
/// the accepted trigger (or the first value after it) against every state read after it.
fn evidence(pre: Option<&Obs>, post: &[Obs]) -> bool {
    if post.iter().any(|o| o.state == SyncState::InProgress) {
        return true;
    }
    if let Some(r) = pre
        .and_then(|p| p.next)
        .or_else(|| post.iter().find_map(|o| o.next))
    {
        if post.iter().any(|o| matches!(o.next, Some(v) if v > r)) {
            return true;
        }
    }
    if let Some(r) = pre
        .and_then(|p| p.history)
        .or_else(|| post.iter().find_map(|o| o.history))
    {
        if post.iter().any(|o| matches!(o.history, Some(v) if v != r)) {
            return true;
        }
    }
    false
}

fn next_moved(pre: Option<&Obs>, post: &[Obs]) -> bool {
    pre.and_then(|p| p.next)
        .or_else(|| post.iter().find_map(|o| o.next))
        .map_or(false, |r| {
            post.iter().any(|o| matches!(o.next, Some(v) if v > r))
        })
}

struct Outcome {
    last: Decision,
    events: Vec<EventType>,
}

fn drive(s: &Scenario) -> Result<Outcome, TestCaseError> {
    let mut m = WaitMachine::new(s.config.clone()).expect("generated configs are valid");
    let timeout_ms = u64::from(s.config.timeout_seconds) * 1000;
    let grace_ms = u64::from(s.config.start_grace_seconds) * 1000;
    let mut now = s.host_start;
    let mut d = m.start(now);
    let mut events: Vec<EventType> = Vec::new();
    let mut triggers = s.triggers.iter();
    let mut polls = s.polls.iter();
    let mut deadline: Option<u64> = None;
    let mut accepted_at: Option<u64> = None;
    let mut pre: Option<Obs> = None;
    let mut post: Vec<Obs> = Vec::new();
    let mut steps = 0usize;
    let mut poll_results = 0u32;

    loop {
        events.extend(d.events.iter().map(|e| e.event_type));
        // The deadline, once known, never moves.
        match (deadline, m.deadline_ms()) {
            (Some(a), b) => prop_assert_eq!(Some(a), b),
            (None, b) => deadline = b,
        }
        if let Some(dl) = deadline {
            // Nothing but an ending is decided at or after the deadline.
            if now >= dl {
                prop_assert!(
                    d.is_terminal(),
                    "non-terminal decision at the deadline: {:?}",
                    d
                );
            }
            // Never a sleep past the deadline.
            if let Some(after) = d.after_ms() {
                prop_assert!(
                    now + after <= dl,
                    "asked to sleep past the deadline: {:?}",
                    d
                );
            }
        }
        if d.is_terminal() {
            // Every run ends by the deadline (plus the host's own lateness on the last call).
            if let Some(dl) = deadline {
                prop_assert!(now <= dl + 3_000);
            }
            break;
        }
        steps += 1;
        prop_assert!(steps < 20_000, "the run does not end");

        let after = d.after_ms().unwrap_or(0);
        let input = if s.cancel_at == Some(steps) {
            Input::Cancel
        } else {
            match &d.action {
                Action::ReadState { .. } => match &s.baseline {
                    Answer::State(o) => {
                        // A cycle running at the baseline may end before the trigger: its
                        // values are no reference for ours.
                        if o.state != SyncState::InProgress {
                            pre = Some(o.clone());
                        }
                        Input::Baseline(o.to_observation())
                    }
                    Answer::Fail(c) => Input::PollFailed(Failure::new(*c, "The read failed.")),
                },
                Action::Trigger { .. } => match triggers.next().unwrap_or(&TriggerAnswer::Accepted)
                {
                    TriggerAnswer::Accepted => Input::Triggered(TriggerReport::started("ok")),
                    TriggerAnswer::Busy => Input::TriggerFailed(Failure::new(
                        FailureClass::CycleBusy,
                        "A cycle is running.",
                    )),
                    TriggerAnswer::NotStarted => Input::Triggered(TriggerReport {
                        started: Some(false),
                        message: None,
                    }),
                    TriggerAnswer::Other(c) => {
                        Input::TriggerFailed(Failure::new(*c, "The trigger failed."))
                    }
                },
                Action::Poll { .. } => {
                    poll_results += 1;
                    let (answer, late) = polls.next().cloned().unwrap_or((
                        Answer::State(Obs {
                            state: SyncState::Unknown,
                            next: None,
                            history: None,
                            staging: false,
                            suspended: false,
                        }),
                        0,
                    ));
                    now += late;
                    match answer {
                        Answer::State(o) => {
                            if accepted_at.is_some() {
                                post.push(o.clone());
                            } else {
                                pre = Some(o.clone());
                            }
                            Input::State(o.to_observation())
                        }
                        Answer::Fail(c) => Input::PollFailed(Failure::new(c, "The read failed.")),
                    }
                }
                // Run history is off in these scenarios (tests/wait_runs.rs covers it).
                Action::ReadRuns { .. }
                | Action::FindProvider { .. }
                | Action::AcquireSession { .. }
                | Action::Done(_)
                | Action::Fail(_) => unreachable!(),
            }
        };
        now += after;
        let was_trigger = matches!(d.action, Action::Trigger { .. });
        d = m.handle(now, input);
        if was_trigger {
            let first_answer = deadline.is_none() && m.deadline_ms().is_some();
            if first_answer {
                // The deadline counts from the first trigger answer.
                prop_assert_eq!(m.deadline_ms(), Some(now + timeout_ms));
            }
            if d.events
                .iter()
                .any(|e| e.event_type == EventType::DirectorySyncTriggered)
            {
                accepted_at = Some(now);
            }
        }
    }

    // Property: no completion before evidence of a run, unless with the warning.
    if let Action::Done(o) = &d.action {
        if o.waited {
            let acc = accepted_at.expect("done after waiting implies an accepted trigger");
            let saw = evidence(pre.as_ref(), &post);
            if o.has_warning(WarningCode::StartNotObserved) {
                prop_assert!(!saw, "StartNotObserved although evidence was seen");
                prop_assert!(now >= acc + grace_ms, "the grace window was cut short");
                prop_assert!(!o.start_observed);
            } else {
                prop_assert!(saw, "completed without evidence of a run: {:?}", post);
                prop_assert!(o.start_observed);
                let last = post.last().expect("a completion follows a state read");
                prop_assert_eq!(last.state, SyncState::Idle);
                // Confirmed: the next-cycle time moved, or two idle reads in a row with the
                // same run history.
                if !next_moved(pre.as_ref(), &post) {
                    let prev = &post[post.len().saturating_sub(2)];
                    prop_assert!(post.len() >= 2 && prev.state == SyncState::Idle);
                    prop_assert_eq!(prev.history, last.history);
                }
            }
        } else {
            prop_assert!(!o.start_observed);
        }
        prop_assert_eq!(o.attempts, poll_results);
    }
    if let Action::Fail(f) = &d.action {
        // (Generated provider failures say "... failed."; a pass-through Timeout is theirs.)
        if f.failure.class == FailureClass::Timeout && !f.failure.message.ends_with("failed.") {
            prop_assert!(f.failure.message.contains("Timeout"));
            let seconds = format!("{} seconds", s.config.timeout_seconds);
            prop_assert!(f.failure.message.contains(&seconds));
        }
    }
    Ok(Outcome { last: d, events })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_runs_keep_every_promise(s in scenario()) {
        let Outcome { last, events } = drive(&s)?;
        // Exactly one terminal event, and it is the last one.
        let completed = events.iter().filter(|e| **e == EventType::DirectorySyncCompleted).count();
        let failed = events.iter().filter(|e| **e == EventType::DirectorySyncFailed).count();
        prop_assert_eq!(completed + failed, 1);
        let terminal = *events.last().unwrap();
        match &last.action {
            Action::Done(_) => prop_assert_eq!(terminal, EventType::DirectorySyncCompleted),
            Action::Fail(_) => prop_assert_eq!(terminal, EventType::DirectorySyncFailed),
            _ => prop_assert!(false, "the run did not end"),
        }
        // At most one Triggered and one Waiting; Waiting precedes every Poll.
        prop_assert!(events.iter().filter(|e| **e == EventType::DirectorySyncTriggered).count() <= 1);
        let waiting: Vec<_> = events.iter().enumerate()
            .filter(|(_, e)| **e == EventType::DirectorySyncWaiting).map(|(i, _)| i).collect();
        prop_assert!(waiting.len() <= 1);
        if let Some(first_poll) = events.iter().position(|e| *e == EventType::DirectorySyncPoll) {
            prop_assert!(matches!(waiting.first(), Some(w) if *w < first_poll));
        }
    }

    #[test]
    fn arbitrary_input_text_never_panics(
        texts in prop::collection::vec(
            prop_oneof![
                ".*",
                Just(r#"{"kind":"state","state":{"State":"Idle"}}"#.to_owned()),
                Just(r#"{"kind":"baseline","state":{"InProgress":true}}"#.to_owned()),
                Just(r#"{"kind":"triggered","result":{"Started":true}}"#.to_owned()),
                Just(r#"{"kind":"pollFailed","failure":{"class":"RemoteExecutionFailed"}}"#.to_owned()),
            ],
            1..20,
        ),
        wait in any::<bool>(),
    ) {
        let mut m = WaitMachine::from_config_json(&format!(r#"{{"wait":{wait}}}"#)).unwrap();
        let mut failed_events = 0;
        let first: serde_json::Value = serde_json::from_str(&m.start_json(0)).unwrap();
        prop_assert!(first["action"].is_string());
        for (i, t) in texts.iter().enumerate() {
            let out: serde_json::Value =
                serde_json::from_str(&m.handle_json(i as u64 * 1000, t)).unwrap();
            failed_events += out["events"].as_array().unwrap().iter()
                .filter(|e| e["type"] == "DirectorySyncFailed").count();
        }
        prop_assert!(failed_events <= 1);
    }
}
