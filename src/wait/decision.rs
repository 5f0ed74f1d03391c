//! What the machine answers: the next action, and the events to emit before doing it.

use super::config::PolicyType;
use super::events::Event;
use crate::adsync::run_history::{ConnectorSummary, RunReference};
use crate::adsync::SyncState;
use crate::failure::Failure;
use serde_json::{json, Map, Value};

/// What showed that a cycle ran after the trigger was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// A poll after the trigger saw the cycle in progress.
    InProgressObserved,
    /// `NextSyncCycleStartTimeInUTC` moved later than its value before the trigger; the
    /// scheduler moves it when a cycle completes.
    NextSyncCycleTimeMoved,
    /// The newest run-history entry changed: a run profile ended after the trigger.
    RunHistoryChanged,
    /// The provider's `GetSyncCycleRuns` listed a run since the reference taken before the
    /// trigger.
    RunHistoryEntry,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::InProgressObserved => "InProgressObserved",
            Evidence::NextSyncCycleTimeMoved => "NextSyncCycleTimeMoved",
            Evidence::RunHistoryChanged => "RunHistoryChanged",
            Evidence::RunHistoryEntry => "RunHistoryEntry",
        }
    }
}

/// Why a poll is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PollReason {
    /// A regular poll of the triggered cycle.
    Poll,
    /// A quick second read to confirm an idle state after the cycle was seen running.
    ConfirmIdle,
    /// The previous read failed with a transient failure.
    RetryAfterFailure,
    /// The server was busy at trigger time; waiting for the running cycle to end.
    RunningCycle,
}

impl PollReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PollReason::Poll => "poll",
            PollReason::ConfirmIdle => "confirmIdle",
            PollReason::RetryAfterFailure => "retryAfterFailure",
            PollReason::RunningCycle => "runningCycle",
        }
    }
}

/// For a progress bar (`Write-Progress`): the phase in words and the elapsed time. No
/// percentage: no phase of a wait has a length known in advance (a cycle takes seconds or
/// hours), and the share of the timeout used says nothing about how far the cycle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// A short status line naming the phase.
    pub status: String,
    /// Milliseconds since the step started the wait (`start`), at this decision.
    pub elapsed_ms: u64,
    /// Whole seconds left until the deadline (rounded up): when the wait gives up at the latest.
    pub seconds_remaining: u64,
}

impl Progress {
    fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "elapsedMs": self.elapsed_ms,
            "secondsRemaining": self.seconds_remaining,
        })
    }
}

/// Warning codes carried by a successful outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningCode {
    /// The server stayed idle and showed no sign of the cycle for the whole start-grace window.
    StartNotObserved,
    /// The server is a staging server: the cycle runs but exports nothing.
    StagingModeEnabled,
    /// A run since the trigger ended `completed-*-warnings`.
    RunCompletedWithWarnings,
    /// A run since the trigger ended `completed-*` with errors (export, sync, ...).
    RunCompletedWithErrors,
    /// A run since the trigger ended `stopped-*`: it did not complete.
    RunStopped,
    /// A run since the trigger ended `no-start-*`: it never started.
    RunNotStarted,
    /// A run since the trigger ended with a result this library does not know.
    RunResultUnknown,
    /// The run history could not be read (or the provider cannot read it while
    /// `FailOnRunErrors` asks for it), so the run results are not known.
    RunHistoryUnavailable,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::StartNotObserved => "StartNotObserved",
            WarningCode::StagingModeEnabled => "StagingModeEnabled",
            WarningCode::RunCompletedWithWarnings => "RunCompletedWithWarnings",
            WarningCode::RunCompletedWithErrors => "RunCompletedWithErrors",
            WarningCode::RunStopped => "RunStopped",
            WarningCode::RunNotStarted => "RunNotStarted",
            WarningCode::RunResultUnknown => "RunResultUnknown",
            WarningCode::RunHistoryUnavailable => "RunHistoryUnavailable",
        }
    }
}

/// Whether, and how, the run history was read for the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunHistoryStatus {
    /// The step did not wait, so no run results were read.
    NotRead,
    /// The provider has no `GetSyncCycleRuns`.
    NotSupported,
    /// Reading it failed; the run results are not known.
    Unavailable,
    /// Read: `run_summary` lists the runs since the trigger.
    Read,
}

impl RunHistoryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunHistoryStatus::NotRead => "NotRead",
            RunHistoryStatus::NotSupported => "NotSupported",
            RunHistoryStatus::Unavailable => "Unavailable",
            RunHistoryStatus::Read => "Read",
        }
    }
}

/// Why the run history is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunsPurpose {
    /// Before the trigger: the newest entry becomes the reference.
    Reference,
    /// Idle without other evidence: a run since the reference proves the cycle ran.
    Evidence,
    /// After completion: the runs since the reference, for the outcome.
    Summary,
}

impl RunsPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            RunsPurpose::Reference => "reference",
            RunsPurpose::Evidence => "evidence",
            RunsPurpose::Summary => "summary",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: WarningCode,
    /// A complete English sentence.
    pub message: String,
}

/// The result data of a run that ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOutcome {
    /// The server accepted the trigger (always true for `done`).
    pub started: bool,
    /// The machine waited for the cycle (the `Wait` setting).
    pub waited: bool,
    /// Evidence of the cycle was seen (false with `wait = false` and with `StartNotObserved`).
    pub start_observed: bool,
    /// The first evidence seen, if any.
    pub evidence: Option<Evidence>,
    /// Poll results received (states and failed reads, including those spent waiting for a
    /// running cycle).
    pub attempts: u32,
    /// Trigger requests answered (more than one only after a busy server).
    pub trigger_attempts: u32,
    /// Host-clock milliseconds from `start` to the end.
    pub elapsed_ms: u64,
    pub warnings: Vec<Warning>,
    /// The last observed state (`Unknown` when none was read).
    pub last_state: SyncState,
    /// The server reported staging mode.
    pub staging_mode: bool,
    pub policy_type: Option<PolicyType>,
    /// Whether the run history was read.
    pub run_history: RunHistoryStatus,
    /// The runs since the trigger, per connector (empty unless `run_history` is `Read`).
    pub run_summary: Vec<ConnectorSummary>,
}

impl WaitOutcome {
    pub fn has_warning(&self, code: WarningCode) -> bool {
        self.warnings.iter().any(|w| w.code == code)
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("started".into(), self.started.into());
        m.insert("waited".into(), self.waited.into());
        m.insert("startObserved".into(), self.start_observed.into());
        m.insert(
            "evidence".into(),
            self.evidence.map_or(Value::Null, |e| e.as_str().into()),
        );
        m.insert("attempts".into(), self.attempts.into());
        m.insert("triggerAttempts".into(), self.trigger_attempts.into());
        m.insert("elapsedMs".into(), self.elapsed_ms.into());
        m.insert(
            "warnings".into(),
            Value::Array(
                self.warnings
                    .iter()
                    .map(|w| json!({"code": w.code.as_str(), "message": w.message}))
                    .collect(),
            ),
        );
        m.insert("lastState".into(), self.last_state.as_str().into());
        m.insert("stagingMode".into(), self.staging_mode.into());
        m.insert(
            "policyType".into(),
            self.policy_type.map_or(Value::Null, |p| p.as_str().into()),
        );
        m.insert("runHistory".into(), self.run_history.as_str().into());
        m.insert(
            "runSummary".into(),
            Value::Array(
                self.run_summary
                    .iter()
                    .map(ConnectorSummary::to_json)
                    .collect(),
            ),
        );
        Value::Object(m)
    }
}

/// A failed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailOutcome {
    pub failure: Failure,
    /// The last observed state (`Unknown` when none was read).
    pub last_state: SyncState,
    pub attempts: u32,
    pub elapsed_ms: u64,
}

/// The next thing the step must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Look up the provider under `alias` in the host's Providers and feed `provider` with
    /// which of `methods` it has. Asked once, first, by a step's machine.
    FindProvider {
        alias: String,
        methods: Vec<&'static str>,
    },
    /// Call the host's `AcquireAuthSession(name, options)` (the options are the value of `With`
    /// under `options_key`, the host's own spelling) and feed `session` or `sessionFailed`.
    AcquireSession {
        name: String,
        options_key: Option<String>,
    },
    /// Call `GetSyncCycleState` after `after_ms` and feed the answer as a `baseline` input
    /// (or `pollFailed`). Only asked once, before the trigger, when waiting.
    ReadState { after_ms: u64 },
    /// Call the provider's `GetSyncCycleRuns(since)` after `after_ms`; feed `runs` or
    /// `runsFailed`. Asked only when the configuration says the provider can (`runHistory`).
    ReadRuns {
        after_ms: u64,
        purpose: RunsPurpose,
        /// The reference to pass as `Since` (`None` for the reference read itself).
        since: Option<RunReference>,
    },
    /// Call `StartSyncCycle` after `after_ms`; feed `triggered` or `triggerFailed`.
    Trigger {
        after_ms: u64,
        /// 1 for the first trigger, 2+ after a busy server.
        attempt: u32,
        progress: Option<Progress>,
    },
    /// Call `GetSyncCycleState` after `after_ms`; feed `state` or `pollFailed`.
    Poll {
        after_ms: u64,
        /// The number this poll will have (1-based).
        attempt: u32,
        reason: PollReason,
        progress: Progress,
    },
    /// Finished well.
    Done(WaitOutcome),
    /// Failed; raise the failure as an ErrorRecord.
    Fail(FailOutcome),
}

/// The machine's answer to one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub action: Action,
    /// Emit these, in order, before acting.
    pub events: Vec<Event>,
}

impl Decision {
    /// True for `done` and `fail`: the run is over.
    pub fn is_terminal(&self) -> bool {
        matches!(self.action, Action::Done(_) | Action::Fail(_))
    }

    /// How long to sleep before the next call, for the actions that have one.
    pub fn after_ms(&self) -> Option<u64> {
        match &self.action {
            Action::ReadState { after_ms }
            | Action::ReadRuns { after_ms, .. }
            | Action::Trigger { after_ms, .. }
            | Action::Poll { after_ms, .. } => Some(*after_ms),
            Action::FindProvider { .. }
            | Action::AcquireSession { .. }
            | Action::Done(_)
            | Action::Fail(_) => None,
        }
    }

    /// The JSON form handed across the C ABI (see the module documentation).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        match &self.action {
            Action::FindProvider { alias, methods } => {
                m.insert("action".into(), "findProvider".into());
                m.insert("alias".into(), alias.as_str().into());
                m.insert("methods".into(), methods.clone().into());
            }
            Action::AcquireSession { name, options_key } => {
                m.insert("action".into(), "acquireSession".into());
                m.insert("name".into(), name.as_str().into());
                m.insert(
                    "optionsKey".into(),
                    options_key.as_deref().map_or(Value::Null, Value::from),
                );
            }
            Action::ReadState { after_ms } => {
                m.insert("action".into(), "readState".into());
                m.insert("afterMs".into(), (*after_ms).into());
                m.insert("purpose".into(), "baseline".into());
            }
            Action::ReadRuns {
                after_ms,
                purpose,
                since,
            } => {
                m.insert("action".into(), "readRuns".into());
                m.insert("afterMs".into(), (*after_ms).into());
                m.insert("purpose".into(), purpose.as_str().into());
                m.insert(
                    "since".into(),
                    since.as_ref().map_or(Value::Null, RunReference::to_json),
                );
            }
            Action::Trigger {
                after_ms,
                attempt,
                progress,
            } => {
                m.insert("action".into(), "trigger".into());
                m.insert("afterMs".into(), (*after_ms).into());
                m.insert("attempt".into(), (*attempt).into());
                if let Some(p) = progress {
                    m.insert("progress".into(), p.to_json());
                }
            }
            Action::Poll {
                after_ms,
                attempt,
                reason,
                progress,
            } => {
                m.insert("action".into(), "poll".into());
                m.insert("afterMs".into(), (*after_ms).into());
                m.insert("attempt".into(), (*attempt).into());
                m.insert("reason".into(), reason.as_str().into());
                m.insert("progress".into(), progress.to_json());
            }
            Action::Done(outcome) => {
                m.insert("action".into(), "done".into());
                m.insert("result".into(), outcome.to_json());
            }
            Action::Fail(f) => {
                m.insert("action".into(), "fail".into());
                m.insert("failure".into(), f.failure.to_json());
                m.insert("lastState".into(), f.last_state.as_str().into());
                m.insert("attempts".into(), f.attempts.into());
                m.insert("elapsedMs".into(), f.elapsed_ms.into());
            }
        }
        m.insert(
            "events".into(),
            Value::Array(self.events.iter().map(Event::to_json).collect()),
        );
        Value::Object(m)
    }
}
