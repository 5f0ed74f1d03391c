//! Presentation of the wait machine, in one place: the machine decides typed events
//! ([`WaitEvent`], one variant per event type, typed fields) and this module renders them to the
//! [`Event`]s of the IdLE contract (an English sentence and string-keyed data). The machine
//! itself writes no event message and no event data key.

use super::decision::{Evidence, PollReason, RunHistoryStatus, WaitOutcome};
use super::events::{Event, EventType};
use crate::adsync::commands::PolicyType;
use crate::adsync::run_history::{describe_run, ConnectorSummary, RunProfileResult};
use crate::adsync::SyncState;
use crate::failure::{Failure, FailureClass};
use serde_json::Value;

/// What the wait was doing when a poll result came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollPhase {
    /// Waiting for a cycle that was already running before our trigger.
    RunningCycle,
    /// Waiting for the triggered cycle.
    Cycle,
}

/// One event the machine decided, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WaitEvent {
    /// The server accepted the trigger.
    Triggered {
        trigger_attempt: u32,
        wait: bool,
        /// The provider's own words (already masked and bounded).
        provider_message: Option<String>,
        /// The server named by the step's `ComputerName` (IdLE's next contract), if any.
        computer_name: Option<String>,
    },
    /// The first poll is scheduled.
    Waiting {
        /// Waiting for a cycle that was already running (else for the triggered one).
        running_cycle: bool,
        timeout_seconds: u32,
        poll_interval_seconds: u32,
        start_grace_seconds: u32,
    },
    /// One poll result: a state read, or a failed read.
    Poll {
        attempt: u32,
        elapsed_ms: u64,
        start_observed: bool,
        phase: PollPhase,
        read: PollRead,
    },
    /// The run ended well.
    Completed {
        outcome: WaitOutcome,
        /// The wait ended without seeing the cycle run (warning `StartNotObserved`).
        start_not_observed: bool,
        /// The runs that did not succeed, oldest first.
        problems: Vec<RunProfileResult>,
    },
    /// The run failed.
    Failed {
        failure: Failure,
        last_state: SyncState,
        attempts: u32,
        elapsed_ms: u64,
        /// The run summary and run-history status of a run-result failure (`FailOnRunErrors`).
        runs: Option<(Vec<ConnectorSummary>, RunHistoryStatus)>,
    },
}

/// What a poll read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PollRead {
    State {
        state: SyncState,
        staging_mode: Option<bool>,
    },
    Failed {
        class: FailureClass,
        message: String,
    },
}

/// "Delta sync cycle", or "sync cycle" when the policy type is the server's choice.
pub(crate) fn cycle_name(policy: Option<PolicyType>) -> String {
    match policy {
        Some(p) => format!("{} sync cycle", p.as_str()),
        None => "sync cycle".to_owned(),
    }
}

/// `text` ending in a full stop (or other sentence end).
pub(crate) fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

/// The summary as event data: one object per connector.
fn summary_json(summary: &[ConnectorSummary]) -> Value {
    Value::Array(summary.iter().map(ConnectorSummary::to_json).collect())
}

fn describe_runs(runs: &[RunProfileResult]) -> String {
    runs.iter().map(describe_run).collect::<Vec<_>>().join("; ")
}

impl WaitEvent {
    /// The event of the IdLE contract: its type, sentence and data. `policy` is the run's
    /// policy type, named in every sentence and every event's data.
    pub(crate) fn render(&self, policy: Option<PolicyType>) -> Event {
        let cycle = cycle_name(policy);
        let event = match self {
            WaitEvent::Triggered {
                trigger_attempt,
                wait,
                provider_message,
                computer_name,
            } => {
                let mut e = Event::new(
                    EventType::DirectorySyncTriggered,
                    format!("The server accepted the trigger for a {cycle}."),
                )
                .with("triggerAttempt", *trigger_attempt)
                .with("wait", *wait);
                if let Some(m) = provider_message {
                    e = e.with("providerMessage", m.as_str());
                }
                if let Some(name) = computer_name {
                    e = e.with("computerName", name.as_str());
                }
                e
            }
            WaitEvent::Waiting {
                running_cycle,
                timeout_seconds,
                poll_interval_seconds,
                start_grace_seconds,
            } => {
                let message = if *running_cycle {
                    format!(
                        "A sync cycle is already running on the server; waiting up to \
                         {timeout_seconds} seconds for it to finish and for the {cycle} that is \
                         then triggered, polling every {poll_interval_seconds} seconds."
                    )
                } else {
                    format!(
                        "Waiting up to {timeout_seconds} seconds for the {cycle} to finish, \
                         polling every {poll_interval_seconds} seconds."
                    )
                };
                Event::new(EventType::DirectorySyncWaiting, message)
                    .with(
                        "reason",
                        if *running_cycle {
                            "RunningCycle"
                        } else {
                            "TriggeredCycle"
                        },
                    )
                    .with("timeoutSeconds", *timeout_seconds)
                    .with("pollIntervalSeconds", *poll_interval_seconds)
                    .with("startGraceSeconds", *start_grace_seconds)
            }
            WaitEvent::Poll {
                attempt,
                elapsed_ms,
                start_observed,
                phase,
                read,
            } => {
                let (state, message) = match read {
                    PollRead::State { state, .. } => (
                        *state,
                        format!(
                            "Poll {attempt} found the sync cycle state {}.",
                            state.as_str()
                        ),
                    ),
                    PollRead::Failed { message, .. } => (
                        SyncState::Unknown,
                        format!(
                            "Poll {attempt} could not read the sync cycle state: {}",
                            sentence(message)
                        ),
                    ),
                };
                let phase = match phase {
                    PollPhase::RunningCycle => "waitingForRunningCycle",
                    PollPhase::Cycle => "waitingForCycle",
                };
                let mut e = Event::new(EventType::DirectorySyncPoll, message)
                    .with("attempt", *attempt)
                    .with("state", state.as_str())
                    .with("inProgress", state == SyncState::InProgress)
                    .with("elapsedMs", *elapsed_ms)
                    .with("elapsedSeconds", *elapsed_ms / 1000)
                    .with("startObserved", *start_observed)
                    .with("phase", phase)
                    .with("failed", matches!(read, PollRead::Failed { .. }));
                match read {
                    PollRead::Failed { class, .. } => {
                        e = e.with("failureClass", class.to_string());
                    }
                    PollRead::State {
                        staging_mode: Some(s),
                        ..
                    } => {
                        e = e.with("stagingMode", *s);
                    }
                    PollRead::State { .. } => {}
                }
                e
            }
            WaitEvent::Completed {
                outcome,
                start_not_observed,
                problems,
            } => {
                let seconds = outcome.elapsed_ms / 1000;
                let mut message = if !outcome.waited {
                    format!("The {cycle} was triggered; the step did not wait for it to finish.")
                } else if *start_not_observed {
                    format!(
                        "The wait for the {cycle} ended after {seconds} seconds without seeing \
                         the cycle run (warning StartNotObserved)."
                    )
                } else {
                    format!(
                        "The {cycle} finished; the wait took {seconds} seconds and {} polls.",
                        outcome.attempts
                    )
                };
                if outcome.staging_mode {
                    message.push_str(" The server is in staging mode, so nothing was exported.");
                }
                if !problems.is_empty() {
                    message.push_str(&format!(
                        " {} of its runs did not succeed: {}.",
                        problems.len(),
                        describe_runs(problems)
                    ));
                }
                let mut e = Event::new(EventType::DirectorySyncCompleted, message)
                    .with("waited", outcome.waited)
                    .with("attempts", outcome.attempts)
                    .with("triggerAttempts", outcome.trigger_attempts)
                    .with("elapsedMs", outcome.elapsed_ms)
                    .with("elapsedSeconds", seconds)
                    .with("startObserved", outcome.start_observed)
                    .with(
                        "evidence",
                        outcome.evidence.map_or("None", Evidence::as_str),
                    )
                    .with(
                        "warnings",
                        outcome
                            .warnings
                            .iter()
                            .map(|w| w.code.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .with("stagingMode", outcome.staging_mode)
                    .with("lastState", outcome.last_state.as_str())
                    .with("runHistory", outcome.run_history.as_str());
                if outcome.run_history == RunHistoryStatus::Read {
                    e = e.with("runSummary", summary_json(&outcome.run_summary));
                }
                e
            }
            WaitEvent::Failed {
                failure,
                last_state,
                attempts,
                elapsed_ms,
                runs,
            } => {
                let mut e = Event::new(EventType::DirectorySyncFailed, failure.message.clone())
                    .with("class", failure.class.to_string())
                    .with("errorId", failure.class.error_id())
                    .with("category", failure.class.error_category())
                    .with("transient", failure.class.is_transient())
                    .with("lastState", last_state.as_str())
                    .with("attempts", *attempts)
                    .with("elapsedMs", *elapsed_ms)
                    .with("elapsedSeconds", *elapsed_ms / 1000);
                if let Some(r) = &failure.remote_message {
                    e = e.with("remoteMessage", r.as_str());
                }
                if let Some((summary, run_history)) = runs {
                    e = e
                        .with("runSummary", summary_json(summary))
                        .with("runHistory", run_history.as_str());
                }
                e
            }
        };
        match policy {
            Some(p) => event.with("policyType", p.as_str()),
            None => event,
        }
    }
}

/// What the wait was waiting for when its timeout came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeoutBefore {
    /// The trigger was accepted at or after the deadline.
    TriggeredCycleRead,
    /// A cycle that was already running had not finished.
    RunningCycleFinished,
    /// The running cycle had ended, but the trigger was not sent again.
    TriggerAgain,
    /// An idle read awaited confirmation.
    EndConfirmed,
    /// The cycle was seen, but not its end.
    CycleFinished,
    /// No sign of the cycle yet.
    CycleSeenToStart,
}

/// The sentences the machine decides besides events: failure messages, warnings and progress
/// statuses, one variant each, with the facts they state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Text<'a> {
    /// The host clock gave a time beyond any monotonic clock.
    ClockBeyondRange {
        now_ms: u64,
    },
    /// An input that does not answer the last decision.
    UnexpectedInput {
        kind: &'a str,
        expecting: Expecting,
    },
    Cancelled {
        accepted: bool,
    },
    /// The provider answered `Started = false`.
    NotStarted {
        provider_message: Option<&'a str>,
    },
    /// The provider's answer had no `Started`.
    NoStartedValue,
    PollFailuresInARow {
        count: u32,
        last: &'a str,
    },
    Timeout {
        timeout_seconds: u32,
        before: TimeoutBefore,
        last_state: Option<SyncState>,
        last_failure: Option<&'a str>,
    },
    SchedulerSuspended {
        triggered: bool,
    },
    /// `FailOnRunErrors` and runs that did not succeed.
    RunResults {
        problems: &'a [&'a RunProfileResult],
        stopped: bool,
    },
    StartNotObserved {
        start_grace_seconds: u32,
    },
    StagingMode,
    RunHistoryUnavailable {
        not_supported: bool,
    },
    /// A run that did not end `success`.
    RunWarning {
        run: &'a RunProfileResult,
        meaning: RunMeaning,
    },
    /// The progress status of a poll.
    PollStatus {
        reason: PollReason,
        last_state: Option<SyncState>,
    },
    /// The progress status of a trigger after a running cycle ended.
    Retriggering,
}

/// What the machine was waiting for when an input came that does not answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expecting {
    /// `start` was not received yet.
    Start,
    /// A `provider` input (after `findProvider`).
    Provider,
    /// A `session` or `sessionFailed` input (after `acquireSession`).
    Session,
    Baseline,
    Trigger,
    State,
    Runs,
    /// The run had finished.
    Nothing,
}

/// What a run's outcome means, for its warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunMeaning {
    CompletedWithWarnings,
    CompletedWithErrors,
    Stopped,
    NotStarted,
    Unknown,
}

impl Text<'_> {
    /// The sentence(s), for a run of `policy`.
    pub(crate) fn render(&self, policy: Option<PolicyType>) -> String {
        let cycle = cycle_name(policy);
        match *self {
            Text::ClockBeyondRange { now_ms } => format!(
                "The wait machine was given the time {now_ms} ms, beyond any monotonic clock in \
                 milliseconds; this is a defect in the step that drives it."
            ),
            Text::UnexpectedInput { kind, expecting } => {
                let expecting = match expecting {
                    Expecting::Start => "had not been started",
                    Expecting::Provider => "waited for a 'provider' input",
                    Expecting::Session => "waited for a 'session' or 'sessionFailed' input",
                    Expecting::Baseline => "waited for a 'baseline' or 'pollFailed' input",
                    Expecting::Trigger => "waited for a 'triggered' or 'triggerFailed' input",
                    Expecting::State => "waited for a 'state' or 'pollFailed' input",
                    Expecting::Runs => "waited for a 'runs' or 'runsFailed' input",
                    Expecting::Nothing => "had finished",
                };
                format!(
                    "The wait machine received a '{kind}' input while it {expecting}; this is a \
                     defect in the step that drives it."
                )
            }
            Text::Cancelled { accepted } => {
                let mut message = String::from(
                    "The directory sync step was cancelled because the pipeline was stopped.",
                );
                if accepted {
                    message.push_str(&format!(
                        " The server had already accepted the trigger, so the {cycle} may still \
                         run."
                    ));
                }
                message
            }
            Text::NotStarted { provider_message } => {
                let mut message = format!("The server did not start the {cycle}.");
                if let Some(m) = provider_message {
                    message.push_str(&format!(" The provider said: {}", sentence(m)));
                }
                message
            }
            Text::NoStartedValue => "The provider's StartSyncCycle answer did not say whether \
                                     the sync cycle started, because it has no Started value."
                .to_owned(),
            Text::PollFailuresInARow { count, last } => format!(
                "The sync cycle state could not be read {count} times in a row. The last error \
                 was: {}",
                sentence(last)
            ),
            Text::Timeout {
                timeout_seconds,
                before,
                last_state,
                last_failure,
            } => {
                let context = match before {
                    TimeoutBefore::TriggeredCycleRead => {
                        format!("any state of the triggered {cycle} could be read")
                    }
                    TimeoutBefore::RunningCycleFinished => {
                        "the sync cycle that was already running finished".to_owned()
                    }
                    TimeoutBefore::TriggerAgain => {
                        format!(
                            "the {cycle} could be triggered again after the running cycle ended"
                        )
                    }
                    TimeoutBefore::EndConfirmed => {
                        format!("the end of the {cycle} could be confirmed")
                    }
                    TimeoutBefore::CycleFinished => format!("the {cycle} finished"),
                    TimeoutBefore::CycleSeenToStart => format!("the {cycle} was seen to start"),
                };
                let state = match last_state {
                    Some(s) => format!("the last known state was {}", s.as_str()),
                    None => {
                        "the last known state is Unknown because no state could be read".to_owned()
                    }
                };
                let mut message = format!(
                    "The wait reached its Timeout of {timeout_seconds} seconds (TimeoutSeconds) \
                     before {context}; {state}."
                );
                if let Some(f) = last_failure {
                    message.push_str(&format!(
                        " The last attempt to read the state failed: {}",
                        sentence(f)
                    ));
                }
                message
            }
            Text::SchedulerSuspended { triggered } => {
                let when = if triggered {
                    "while the step waited for the triggered cycle"
                } else {
                    "so the step did not trigger a cycle"
                };
                format!(
                    "The Entra Connect sync scheduler is suspended (SchedulerSuspended is True), \
                     {when}. The scheduler is suspended while the configuration wizard is open or \
                     an upgrade runs; close the wizard or let the upgrade finish, then run the \
                     step again."
                )
            }
            Text::RunResults { problems, stopped } => {
                let list = problems
                    .iter()
                    .map(|r| describe_run(r))
                    .collect::<Vec<_>>()
                    .join("; ");
                let what = if stopped {
                    "did not complete or did not succeed"
                } else {
                    "completed with errors or warnings"
                };
                format!(
                    "The {cycle} ran, but {} of its runs {what}, and FailOnRunErrors is set: \
                     {list}.",
                    problems.len()
                )
            }
            Text::StartNotObserved {
                start_grace_seconds,
            } => format!(
                "The server accepted the trigger, but the {cycle} was never seen running and the \
                 server showed no sign of a finished cycle within the start-grace window of \
                 {start_grace_seconds} seconds (StartGraceSeconds); the cycle may have run \
                 between two polls or may not have started."
            ),
            Text::StagingMode => "The server is in staging mode: its sync cycles import and \
                                  synchronize but export nothing to Entra ID or Active Directory."
                .to_owned(),
            Text::RunHistoryUnavailable { not_supported } => {
                if not_supported {
                    "FailOnRunErrors is set, but the provider has no GetSyncCycleRuns method, so \
                     the results of the cycle's runs were not checked."
                        .to_owned()
                } else {
                    "The run history could not be read, so the results of the cycle's runs are \
                     not known."
                        .to_owned()
                }
            }
            Text::RunWarning { run, meaning } => {
                let meaning = match meaning {
                    RunMeaning::CompletedWithWarnings => "the run completed with warnings",
                    RunMeaning::CompletedWithErrors => "the run completed, but some objects failed",
                    RunMeaning::Stopped => "the run stopped before it completed",
                    RunMeaning::NotStarted => {
                        "the run could not start (no connection to the connected directory)"
                    }
                    RunMeaning::Unknown => "the run ended with a result this step does not know",
                };
                format!("Run {}: {meaning}.", describe_run(run))
            }
            Text::PollStatus { reason, last_state } => match reason {
                PollReason::Poll => match last_state {
                    Some(s) => format!(
                        "Waiting for the {cycle} to finish; the last state was {}.",
                        s.as_str()
                    ),
                    None => format!("Waiting for the {cycle} to start."),
                },
                PollReason::ConfirmIdle => format!("Confirming that the {cycle} has finished."),
                PollReason::RetryAfterFailure => {
                    "Retrying because the sync cycle state could not be read.".to_owned()
                }
                PollReason::RunningCycle => format!(
                    "Waiting for the running sync cycle to finish before triggering the {cycle}."
                ),
            },
            Text::Retriggering => {
                format!("The running sync cycle has ended; triggering the {cycle} again.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::{Failure, FailureClass};

    #[test]
    fn timeout_sentences_name_the_cycle_and_the_last_state() {
        let text = |before| {
            Text::Timeout {
                timeout_seconds: 60,
                before,
                last_state: None,
                last_failure: Some("boom"),
            }
            .render(Some(PolicyType::Delta))
        };
        assert_eq!(
            text(TimeoutBefore::TriggeredCycleRead),
            "The wait reached its Timeout of 60 seconds (TimeoutSeconds) before any state of the \
             triggered Delta sync cycle could be read; the last known state is Unknown because no \
             state could be read. The last attempt to read the state failed: boom."
        );
        assert!(text(TimeoutBefore::TriggerAgain)
            .contains("before the Delta sync cycle could be triggered again after the running"));
    }

    #[test]
    fn unexpected_inputs_say_what_was_expected() {
        let t = Text::UnexpectedInput {
            kind: "runs",
            expecting: Expecting::Trigger,
        };
        assert_eq!(
            t.render(None),
            "The wait machine received a 'runs' input while it waited for a 'triggered' or \
             'triggerFailed' input; this is a defect in the step that drives it."
        );
    }

    #[test]
    fn every_event_names_the_policy_type_when_there_is_one() {
        let failed = WaitEvent::Failed {
            failure: Failure::new(FailureClass::Timeout, "late"),
            last_state: SyncState::Idle,
            attempts: 3,
            elapsed_ms: 61_500,
            runs: None,
        };
        let e = failed.render(Some(PolicyType::Initial));
        assert_eq!(e.event_type, EventType::DirectorySyncFailed);
        assert_eq!(e.data["policyType"], "Initial");
        assert_eq!(e.data["elapsedSeconds"], 61);
        assert_eq!(e.data["lastState"], "Idle");
        assert!(failed.render(None).data.get("policyType").is_none());
    }
}
