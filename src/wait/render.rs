//! Presentation of the wait machine, in one place: the machine decides typed events
//! ([`WaitEvent`], one variant per event type, typed fields) and this module renders them to the
//! [`Event`]s of the IdLE contract (an English sentence and string-keyed data). The machine
//! itself writes no event message and no event data key.

use super::decision::{Evidence, RunHistoryStatus, WaitOutcome};
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
