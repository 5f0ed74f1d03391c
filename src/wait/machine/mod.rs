//! The wait machine: a sans-I/O state machine that drives one trigger-and-wait run.
//!
//! It never sleeps, never reads a clock and does no I/O. Every input comes with `now_ms` from
//! the host's monotonic clock; every answer is a [`Decision`]. Server times are compared only
//! with other server times. The rules are listed in the module documentation of
//! [`crate::wait`].

use super::config::WaitConfig;
use super::decision::{
    Action, Decision, Evidence, FailOutcome, PollReason, Progress, RunHistoryStatus, RunsPurpose,
    WaitOutcome, Warning, WarningCode,
};
use super::events::Event;
use super::input::{Input, RunsRead, TriggerReport};
use super::observation::{Observation, ServerMarks};
use super::render::{Expecting, PollPhase, PollRead, RunMeaning, Text, TimeoutBefore, WaitEvent};
use super::with::{self, ProviderFacts, StepPlan, StepRequest, PROVIDER_METHODS};
use crate::adsync::run_history::{ConnectorSummary, RunOutcome, RunProfileResult, RunReference};
use crate::adsync::SyncState;
use crate::failure::{Failure, FailureClass};

mod host;
mod outcome;
mod poll;
mod report;
mod runs;
mod trigger;

/// Transient poll failures in a row after which the wait fails with the last one's class.
pub const MAX_CONSECUTIVE_POLL_FAILURES: u32 = 5;
/// Upper bound of the delay before the poll that confirms an idle state (the poll interval is
/// used when it is shorter).
pub const CONFIRM_DELAY_MS: u64 = 2_000;
/// Most run-history reads per wait spent looking for evidence (on idle reads without other
/// evidence). With the reference read before each trigger and the one read at the end, a wait
/// with one trigger reads the run history at most this plus two times.
pub const MAX_RUN_HISTORY_EVIDENCE_READS: u32 = 3;

/// Largest clock value accepted, in milliseconds: 292 million years of a monotonic clock, and far
/// enough below `u64::MAX` that a deadline (now + timeout) is always exact.
const MAX_CLOCK_MS: u64 = u64::MAX / 2;

/// How much of the triggered cycle the wait has seen; only ever grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CycleSign {
    /// No sign of the cycle yet.
    NotSeen,
    /// The cycle was seen running, or the run history moved (a server-side mark or a listed
    /// run): an idle read must be confirmed by a second one.
    Seen,
    /// The scheduler's next-cycle time moved: an idle read means the cycle completed.
    NextCycleMoved,
}

/// Where the run is, with the data that only matters there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// `start` not yet received.
    New,
    /// A step's machine asked `findProvider`.
    FindingProvider,
    /// A step's machine asked `acquireSession`.
    AcquiringSession,
    /// A `readState` (baseline) was asked.
    ReadingBaseline,
    /// A `trigger` was asked.
    Triggering,
    /// The server was busy at trigger time; polling until the running cycle ends.
    WaitingForRunningCycle,
    /// The trigger was accepted; polling until the cycle has really finished.
    WaitingForCycle {
        sign: CycleSign,
        /// Marks of an idle observation that awaits confirmation.
        pending_idle: Option<ServerMarks>,
    },
    /// A `readRuns` for the reference was asked, before a trigger.
    ReadingReference,
    /// A `readRuns` for evidence was asked, after an idle read without other evidence.
    ReadingEvidence {
        sign: CycleSign,
        /// The idle read's marks.
        idle: ServerMarks,
        /// The idle read said the scheduler is suspended.
        suspended: bool,
        /// The start-grace window was over at the idle read.
        grace_over: bool,
    },
    /// A `readRuns` for the outcome was asked, after the wait decided the cycle finished.
    ReadingSummary {
        /// The completion that waits for this read saw no sign of the cycle.
        start_not_observed: bool,
    },
    /// `done` or `fail` was decided.
    Finished,
}

impl Phase {
    /// What the machine was waiting for.
    fn expecting(&self) -> Expecting {
        match self {
            Phase::New => Expecting::Start,
            Phase::FindingProvider => Expecting::Provider,
            Phase::AcquiringSession => Expecting::Session,
            Phase::ReadingBaseline => Expecting::Baseline,
            Phase::Triggering => Expecting::Trigger,
            Phase::WaitingForRunningCycle | Phase::WaitingForCycle { .. } => Expecting::State,
            Phase::ReadingReference
            | Phase::ReadingEvidence { .. }
            | Phase::ReadingSummary { .. } => Expecting::Runs,
            Phase::Finished => Expecting::Nothing,
        }
    }
}

/// Poll failures of these classes are retried within the timeout; every other class ends the
/// run at once. The rule is the failure class's own ([`FailureClass::retries_read`]).
fn retryable(class: FailureClass) -> bool {
    class.retries_read()
}

/// The state machine. See [`crate::wait`] for the protocol and the rules.
#[derive(Debug, Clone)]
pub struct WaitMachine {
    config: WaitConfig,
    phase: Phase,
    /// The latest `now_ms` seen; an earlier one is read as this (the clock is monotonic).
    now_ms: u64,
    started_ms: Option<u64>,
    deadline_ms: Option<u64>,
    accepted_ms: Option<u64>,
    /// Marks of the latest observation before the trigger (baseline or busy-wait poll).
    pre_trigger: ServerMarks,
    /// What post-trigger marks are compared with: `pre_trigger` frozen at acceptance, each
    /// missing field filled by the first post-trigger value.
    reference: ServerMarks,
    first_evidence: Option<Evidence>,
    attempts: u32,
    trigger_attempts: u32,
    consecutive_failures: u32,
    last_failure: Option<Failure>,
    last_state: Option<SyncState>,
    staging: bool,
    waiting_announced: bool,
    final_decision: Option<Decision>,
    /// The newest run-history entry before the accepted trigger (from the last reference read).
    run_reference: Option<RunReference>,
    /// Reading the run history failed in a way that will not get better; no more reads.
    run_history_failed: bool,
    evidence_reads: u32,
    /// A step's machine: what `With` asked for (`None` for a machine built from a wait
    /// configuration alone, which starts at the baseline or the trigger).
    step: Option<StepPlan>,
    /// A step's `With` was refused: the first decision fails with this.
    refused: Option<Failure>,
}

impl WaitMachine {
    /// A machine for one run. Fails with `InvalidInput` when the configuration is invalid.
    pub fn new(config: WaitConfig) -> Result<WaitMachine, Failure> {
        config.validate()?;
        Ok(WaitMachine::unchecked(config))
    }

    /// A machine for `config`, which the caller validated.
    fn unchecked(config: WaitConfig) -> WaitMachine {
        WaitMachine {
            config,
            phase: Phase::New,
            now_ms: 0,
            started_ms: None,
            deadline_ms: None,
            accepted_ms: None,
            pre_trigger: ServerMarks::default(),
            reference: ServerMarks::default(),
            first_evidence: None,
            attempts: 0,
            trigger_attempts: 0,
            consecutive_failures: 0,
            last_failure: None,
            last_state: None,
            staging: false,
            waiting_announced: false,
            final_decision: None,
            run_reference: None,
            run_history_failed: false,
            evidence_reads: 0,
            step: None,
            refused: None,
        }
    }

    /// A machine for one run of the step, from its request (see [`super::with`]). Never fails:
    /// a refused `With` is the first decision (`fail`, with its one `DirectorySyncFailed` event).
    /// Before the wait, it asks the step to find the provider (`findProvider`) and to acquire the
    /// session (`acquireSession`).
    pub fn for_step(request: StepRequest) -> WaitMachine {
        let (config, accepted) = match request.accepted {
            Ok((config, plan)) => (config, Ok(plan)),
            Err(failure) => (WaitConfig::default(), Err(failure)),
        };
        let mut machine = match config.validate() {
            Ok(()) => WaitMachine::unchecked(config),
            Err(failure) => {
                let mut m = WaitMachine::unchecked(WaitConfig::default());
                m.refused = Some(failure);
                m
            }
        };
        match accepted {
            Ok(plan) => machine.step = Some(plan),
            Err(failure) => {
                machine.refused.get_or_insert(failure);
                machine.step = Some(StepPlan {
                    title: request.title,
                    session_name: String::new(),
                    options_key: None,
                    alias: String::new(),
                });
            }
        }
        machine
    }

    pub fn config(&self) -> &WaitConfig {
        &self.config
    }

    /// True once `done` or `fail` was decided.
    pub fn is_finished(&self) -> bool {
        self.final_decision.is_some()
    }

    /// The host-clock deadline, once known (from the first trigger answer).
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline_ms
    }

    /// The first decision: `readState` (baseline) when waiting, else `trigger`.
    pub fn start(&mut self, now_ms: u64) -> Decision {
        self.handle(now_ms, Input::Start)
    }

    /// Feeds one input observed at `now_ms` (host monotonic clock) and returns what to do next.
    ///
    /// After `done` or `fail`, every input gets that final decision again with no events, so
    /// no event is ever emitted twice.
    pub fn handle(&mut self, now_ms: u64, input: Input) -> Decision {
        if let Input::HostFailed(message) = &input {
            return self.on_host_failed(message);
        }
        if let Some(d) = &self.final_decision {
            return Decision {
                action: d.action.clone(),
                events: Vec::new(),
            };
        }
        if now_ms > MAX_CLOCK_MS {
            let message = self.say(Text::ClockBeyondRange { now_ms });
            return self.defect(message);
        }
        self.now_ms = self.now_ms.max(now_ms);
        match (&self.phase, input) {
            (_, Input::Cancel) => self.on_cancel(),
            (Phase::New, Input::Start) => self.on_start(),
            (Phase::FindingProvider, Input::Provider(facts)) => self.on_provider(facts),
            (Phase::AcquiringSession, Input::Session) => self.begin(),
            (Phase::AcquiringSession, Input::SessionFailed(m)) => self.on_session_failed(&m),
            (Phase::ReadingBaseline, Input::Baseline(o) | Input::State(o)) => self.on_baseline(o),
            (Phase::ReadingBaseline, Input::PollFailed(f)) => self.on_baseline_failed(f),
            (Phase::Triggering, Input::Triggered(r)) => self.on_triggered(r),
            (Phase::Triggering, Input::TriggerFailed(f)) => self.on_trigger_failed(f),
            (Phase::WaitingForRunningCycle, Input::State(o)) => self.on_running_cycle_state(o),
            (Phase::WaitingForCycle { .. }, Input::State(o)) => self.on_state(o),
            (
                Phase::WaitingForRunningCycle | Phase::WaitingForCycle { .. },
                Input::PollFailed(f),
            ) => self.on_poll_failed(f),
            (
                Phase::ReadingReference
                | Phase::ReadingEvidence { .. }
                | Phase::ReadingSummary { .. },
                Input::Runs(r),
            ) => self.on_runs(r),
            (
                Phase::ReadingReference
                | Phase::ReadingEvidence { .. }
                | Phase::ReadingSummary { .. },
                Input::RunsFailed(f),
            ) => self.on_runs_failed(f),
            (phase, input) => {
                let message = self.say(Text::UnexpectedInput {
                    kind: input.kind(),
                    expecting: phase.expecting(),
                });
                self.defect(message)
            }
        }
    }

    /// Ends the run with an `Internal` failure (used for unreadable inputs). After the run has
    /// ended, answers the final decision again without events instead.
    pub(crate) fn defect(&mut self, message: String) -> Decision {
        if let Some(d) = &self.final_decision {
            return Decision {
                action: d.action.clone(),
                events: Vec::new(),
            };
        }
        self.fail(Failure::new(FailureClass::Internal, message), Vec::new())
    }

    // ----- transitions -------------------------------------------------------------------

    fn timeout_ms(&self) -> u64 {
        u64::from(self.config.timeout_seconds) * 1000
    }

    fn poll_ms(&self) -> u64 {
        u64::from(self.config.poll_interval_seconds) * 1000
    }

    /// The deadline; before it is known (never in the polling phases) the current time.
    fn deadline(&self) -> u64 {
        self.deadline_ms.unwrap_or(self.now_ms)
    }

    fn elapsed_ms(&self) -> u64 {
        self.started_ms.map_or(0, |s| self.now_ms.saturating_sub(s))
    }

    fn last_state(&self) -> SyncState {
        self.last_state.unwrap_or(SyncState::Unknown)
    }
}

/// Two idle reads confirm each other when the run history did not move between them.
fn same_run_history(a: &ServerMarks, b: &ServerMarks) -> bool {
    a.last_run_history_id == b.last_run_history_id && a.last_run_end == b.last_run_end
}
