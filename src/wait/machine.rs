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

    fn on_start(&mut self) -> Decision {
        self.started_ms = Some(self.now_ms);
        if let Some(failure) = self.refused.take() {
            return self.fail(failure, Vec::new());
        }
        if let Some(plan) = &self.step {
            self.phase = Phase::FindingProvider;
            return Decision {
                action: Action::FindProvider {
                    alias: plan.alias.clone(),
                    methods: PROVIDER_METHODS.to_vec(),
                },
                events: Vec::new(),
            };
        }
        self.begin()
    }

    /// A step's provider facts: refuse a missing provider or method; the run history is read
    /// when the provider can.
    fn on_provider(&mut self, facts: ProviderFacts) -> Decision {
        let plan = match &self.step {
            Some(plan) => plan,
            None => {
                return self.defect("A provider input reached a machine without a step.".to_owned())
            }
        };
        if let Some(failure) = facts.problem(plan) {
            return self.fail(failure, Vec::new());
        }
        self.config.run_history = facts.has(PROVIDER_METHODS[2]);
        self.phase = Phase::AcquiringSession;
        Decision {
            action: Action::AcquireSession {
                name: plan.session_name.clone(),
                options_key: plan.options_key.clone(),
            },
            events: Vec::new(),
        }
    }

    fn on_session_failed(&mut self, message: &str) -> Decision {
        let failure = match &self.step {
            Some(plan) => with::session_unavailable(plan, message),
            None => with::host_failed(None, message),
        };
        self.fail(failure, Vec::new())
    }

    /// The step's host side failed. Before the end: an `Internal` failure naming the cause.
    /// After `done` (whose events the host could not write, so the step did not return): that
    /// failure too. After `fail`: that failure again, without events (its one event was due).
    fn on_host_failed(&mut self, message: &str) -> Decision {
        if let Some(d) = &self.final_decision {
            if matches!(d.action, Action::Fail(_)) {
                return Decision {
                    action: d.action.clone(),
                    events: Vec::new(),
                };
            }
            self.final_decision = None;
        }
        let failure = with::host_failed(self.step.as_ref().map(|p| p.title.as_str()), message);
        self.fail(failure, Vec::new())
    }

    /// The wait itself: a baseline read when waiting, else the trigger.
    fn begin(&mut self) -> Decision {
        if self.config.wait {
            self.phase = Phase::ReadingBaseline;
            Decision {
                action: Action::ReadState { after_ms: 0 },
                events: Vec::new(),
            }
        } else {
            self.ask_trigger(Vec::new())
        }
    }

    fn on_cancel(&mut self) -> Decision {
        let message = self.say(Text::Cancelled {
            accepted: self.accepted_ms.is_some(),
        });
        let failure = Failure::new(FailureClass::Cancelled, message);
        // A step stopped before its session was acquired had started nothing: it ends quietly,
        // without an event, as a stop before the step began would.
        if self.step.is_some()
            && matches!(
                self.phase,
                Phase::New | Phase::FindingProvider | Phase::AcquiringSession
            )
        {
            return self.finish(Decision {
                action: Action::Fail(FailOutcome {
                    failure,
                    last_state: SyncState::Unknown,
                    attempts: 0,
                    elapsed_ms: self.elapsed_ms(),
                }),
                events: Vec::new(),
            });
        }
        self.fail(failure, Vec::new())
    }

    fn on_baseline(&mut self, obs: Observation) -> Decision {
        self.observe_common(&obs);
        // A cycle running at the baseline may end just before our trigger is accepted, and its
        // end moves the next-cycle time: that must not count as evidence that *our* cycle ran.
        // Without a reference, the first value read after the trigger becomes it.
        self.pre_trigger = if obs.state == SyncState::InProgress {
            ServerMarks::default()
        } else {
            obs.marks.clone()
        };
        if obs.scheduler_suspended == Some(true) {
            return self.fail_suspended(Vec::new(), false);
        }
        self.ask_reference_or_trigger(Vec::new())
    }

    fn on_baseline_failed(&mut self, failure: Failure) -> Decision {
        if retryable(failure.class) {
            // The baseline is optional: trigger without it. Server-side evidence then compares
            // with the first value read after the trigger.
            self.last_failure = Some(failure);
            self.ask_reference_or_trigger(Vec::new())
        } else {
            self.fail(failure, Vec::new())
        }
    }

    fn on_triggered(&mut self, result: TriggerReport) -> Decision {
        self.trigger_attempts = self.trigger_attempts.saturating_add(1);
        match result.started {
            Some(true) => {}
            Some(false) => {
                let message = self.say(Text::NotStarted {
                    provider_message: result.message.as_deref(),
                });
                let mut f = Failure::new(FailureClass::UnexpectedResponse, message);
                if let Some(m) = result.message {
                    f = f.with_remote(m);
                }
                return self.fail(f, Vec::new());
            }
            None => {
                return self.fail(
                    Failure::new(
                        FailureClass::UnexpectedResponse,
                        self.say(Text::NoStartedValue),
                    ),
                    Vec::new(),
                )
            }
        }
        let now = self.now_ms;
        self.accepted_ms = Some(now);
        let deadline = *self
            .deadline_ms
            .get_or_insert(now.saturating_add(self.timeout_ms()));
        let events = vec![self.triggered_event(&result)];
        if !self.config.wait {
            return self.done(false, events);
        }
        self.phase = Phase::WaitingForCycle {
            sign: CycleSign::NotSeen,
            pending_idle: None,
        };
        self.reference = self.pre_trigger.clone();
        self.consecutive_failures = 0;
        self.last_failure = None;
        if now >= deadline {
            return self.fail_timeout(events, TimeoutBefore::TriggeredCycleRead);
        }
        self.schedule_poll(PollReason::Poll, self.poll_ms(), events)
    }

    fn on_trigger_failed(&mut self, failure: Failure) -> Decision {
        self.trigger_attempts = self.trigger_attempts.saturating_add(1);
        if failure.class != FailureClass::CycleBusy || !self.config.wait_for_running_cycle {
            return self.fail(failure, Vec::new());
        }
        let now = self.now_ms;
        let deadline = *self
            .deadline_ms
            .get_or_insert(now.saturating_add(self.timeout_ms()));
        self.phase = Phase::WaitingForRunningCycle;
        self.consecutive_failures = 0;
        self.last_failure = None;
        if now >= deadline {
            return self.fail_timeout(Vec::new(), TimeoutBefore::RunningCycleFinished);
        }
        self.schedule_poll(PollReason::RunningCycle, self.poll_ms(), Vec::new())
    }

    fn on_running_cycle_state(&mut self, obs: Observation) -> Decision {
        self.attempts = self.attempts.saturating_add(1);
        self.consecutive_failures = 0;
        self.last_failure = None;
        self.observe_common(&obs);
        self.pre_trigger = obs.marks.clone();
        let events = vec![self.poll_event(Some(&obs), None)];
        if obs.scheduler_suspended == Some(true) {
            return self.fail_suspended(events, false);
        }
        if self.now_ms >= self.deadline() {
            let before = if obs.state == SyncState::Idle {
                TimeoutBefore::TriggerAgain
            } else {
                TimeoutBefore::RunningCycleFinished
            };
            return self.fail_timeout(events, before);
        }
        if obs.state == SyncState::Idle {
            // The old cycle's end needs no evidence: the trigger's answer is the judge, and a
            // second busy answer just means waiting again. Its runs are not ours: the reference
            // is taken again before the next trigger.
            self.ask_reference_or_trigger(events)
        } else {
            self.schedule_poll(PollReason::RunningCycle, self.poll_ms(), events)
        }
    }

    fn on_state(&mut self, obs: Observation) -> Decision {
        self.attempts = self.attempts.saturating_add(1);
        self.consecutive_failures = 0;
        self.last_failure = None;
        self.observe_common(&obs);
        let (sign, pending) = match &mut self.phase {
            Phase::WaitingForCycle { sign, pending_idle } => (*sign, pending_idle.take()),
            _ => (CycleSign::NotSeen, None),
        };
        let sign = sign.max(self.note_evidence(&obs));
        self.phase = Phase::WaitingForCycle {
            sign,
            pending_idle: None,
        };
        let events = vec![self.poll_event(Some(&obs), None)];
        let suspended = obs.scheduler_suspended == Some(true);

        if obs.state != SyncState::Idle {
            return self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), events);
        }
        // Rule 1: idle and the scheduler's next-cycle time moved: a cycle completed.
        if sign == CycleSign::NextCycleMoved {
            return self.done(false, events);
        }
        // Rule 2: idle after the cycle was seen (running, or a run-history entry ended): the
        // idle must be confirmed by a second consecutive idle read with unchanged run history,
        // because the server drops out of busy between run profiles.
        if sign == CycleSign::Seen {
            if matches!(&pending, Some(p) if same_run_history(p, &obs.marks)) {
                return self.done(false, events);
            }
            self.phase = Phase::WaitingForCycle {
                sign,
                pending_idle: Some(obs.marks.clone()),
            };
            let delay = self.poll_ms().min(CONFIRM_DELAY_MS);
            return self.keep_polling(suspended, PollReason::ConfirmIdle, delay, events);
        }
        // Rule 3: idle and no sign of the cycle: not started yet, until the start-grace
        // window (from trigger acceptance) is over; then complete with a warning.
        let grace_end = self
            .accepted_ms
            .unwrap_or(self.now_ms)
            .saturating_add(u64::from(self.config.start_grace_seconds) * 1000);
        let grace_over = self.now_ms >= grace_end;
        // A run since the reference proves the cycle ran between two polls: look for one, a
        // bounded number of times, when the read would otherwise complete or keep polling.
        if self.evidence_read_possible(grace_over)
            && (grace_over || (!suspended && self.now_ms < self.deadline()))
        {
            let next = Phase::ReadingEvidence {
                sign,
                idle: obs.marks.clone(),
                suspended,
                grace_over,
            };
            return self.ask_runs(next, events);
        }
        if grace_over {
            return self.done(true, events);
        }
        self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), events)
    }

    /// The phase a `readRuns` answer ends, replaced by a placeholder every branch overwrites.
    fn take_runs_phase(&mut self) -> Phase {
        std::mem::replace(&mut self.phase, Phase::Finished)
    }

    fn on_runs(&mut self, read: RunsRead) -> Decision {
        match self.take_runs_phase() {
            Phase::ReadingReference => {
                match read.reference {
                    Some(r) => self.run_reference = Some(r),
                    // Without a reference no run can be told apart from older ones.
                    None => self.run_history_failed = true,
                }
                self.ask_trigger(Vec::new())
            }
            Phase::ReadingEvidence {
                sign,
                idle,
                suspended,
                grace_over,
            } => {
                self.phase = Phase::WaitingForCycle {
                    sign,
                    pending_idle: None,
                };
                if read.runs.is_empty() {
                    if grace_over {
                        return self.complete(true, Some(Vec::new()), Vec::new());
                    }
                    return self.keep_polling(
                        suspended,
                        PollReason::Poll,
                        self.poll_ms(),
                        Vec::new(),
                    );
                }
                // A run since the reference was listed.
                let sign = sign.max(CycleSign::Seen);
                self.record(Evidence::RunHistoryEntry);
                if read
                    .runs
                    .iter()
                    .any(|r| r.outcome() == RunOutcome::InProgress)
                {
                    // Running now: an idle read only counts after a read that says so.
                    self.phase = Phase::WaitingForCycle {
                        sign,
                        pending_idle: None,
                    };
                    return self.keep_polling(
                        suspended,
                        PollReason::Poll,
                        self.poll_ms(),
                        Vec::new(),
                    );
                }
                // The runs ended and the server was idle: confirm the idle read as rule 5 does.
                self.phase = Phase::WaitingForCycle {
                    sign,
                    pending_idle: Some(idle),
                };
                let delay = self.poll_ms().min(CONFIRM_DELAY_MS);
                self.keep_polling(suspended, PollReason::ConfirmIdle, delay, Vec::new())
            }
            other => {
                let start_not_observed = matches!(
                    other,
                    Phase::ReadingSummary {
                        start_not_observed: true
                    }
                );
                self.complete(start_not_observed, Some(read.runs), Vec::new())
            }
        }
    }

    fn on_runs_failed(&mut self, failure: Failure) -> Decision {
        match self.take_runs_phase() {
            Phase::ReadingReference => {
                self.run_history_failed = true;
                self.ask_trigger(Vec::new())
            }
            Phase::ReadingEvidence {
                sign,
                suspended,
                grace_over,
                ..
            } => {
                self.phase = Phase::WaitingForCycle {
                    sign,
                    pending_idle: None,
                };
                if !retryable(failure.class) {
                    self.run_history_failed = true;
                }
                if grace_over {
                    return self.done(true, Vec::new());
                }
                self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), Vec::new())
            }
            other => {
                self.run_history_failed = true;
                let start_not_observed = matches!(
                    other,
                    Phase::ReadingSummary {
                        start_not_observed: true
                    }
                );
                self.complete(start_not_observed, None, Vec::new())
            }
        }
    }

    fn on_poll_failed(&mut self, failure: Failure) -> Decision {
        self.attempts = self.attempts.saturating_add(1);
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let events = vec![self.poll_event(None, Some(&failure))];
        if !retryable(failure.class) {
            return self.fail(failure, events);
        }
        if self.consecutive_failures >= MAX_CONSECUTIVE_POLL_FAILURES {
            let message = self.say(Text::PollFailuresInARow {
                count: self.consecutive_failures,
                last: &failure.message,
            });
            let mut f = Failure::new(failure.class, message);
            f.remote_message = failure.remote_message;
            return self.fail(f, events);
        }
        self.last_failure = Some(failure);
        if self.now_ms >= self.deadline() {
            let before = self.timeout_before();
            return self.fail_timeout(events, before);
        }
        let (reason, delay) = if self.pending_idle().is_some() {
            (
                PollReason::ConfirmIdle,
                self.poll_ms().min(CONFIRM_DELAY_MS),
            )
        } else {
            (PollReason::RetryAfterFailure, self.poll_ms())
        };
        self.schedule_poll(reason, delay, events)
    }

    // ----- helpers -----------------------------------------------------------------------

    fn observe_common(&mut self, obs: &Observation) {
        self.last_state = Some(obs.state);
        if obs.staging_mode == Some(true) {
            self.staging = true;
        }
    }

    /// Compares a post-trigger observation with the reference and records the evidence it
    /// holds; answers the sign of the cycle it shows.
    fn note_evidence(&mut self, obs: &Observation) -> CycleSign {
        let mut sign = CycleSign::NotSeen;
        if obs.state == SyncState::InProgress {
            sign = CycleSign::Seen;
            self.record(Evidence::InProgressObserved);
        }
        let marks = &obs.marks;
        let reference = &mut self.reference;
        let mut next_moved = false;
        let mut history_changed = false;
        match (reference.next_cycle_start, marks.next_cycle_start) {
            (Some(r), Some(v)) => next_moved = v > r,
            (None, Some(v)) => reference.next_cycle_start = Some(v),
            _ => {}
        }
        match (&reference.last_run_history_id, &marks.last_run_history_id) {
            (Some(r), Some(v)) => history_changed |= v != r,
            (None, Some(v)) => reference.last_run_history_id = Some(v.clone()),
            _ => {}
        }
        match (reference.last_run_end, marks.last_run_end) {
            (Some(r), Some(v)) => history_changed |= v > r,
            (None, Some(v)) => reference.last_run_end = Some(v),
            _ => {}
        }
        if next_moved {
            sign = CycleSign::NextCycleMoved;
            self.record(Evidence::NextSyncCycleTimeMoved);
        }
        if history_changed {
            sign = sign.max(CycleSign::Seen);
            self.record(Evidence::RunHistoryChanged);
        }
        sign
    }

    /// The run history is used in this wait: the provider can read it, its reference was
    /// taken, and no read failed for good.
    fn run_history_active(&self) -> bool {
        self.config.wait
            && self.config.run_history
            && self.run_reference.is_some()
            && !self.run_history_failed
    }

    /// One evidence read is kept for the end of the start-grace window, where it also serves as
    /// the summary read of a `StartNotObserved` completion.
    fn evidence_read_possible(&self, grace_over: bool) -> bool {
        let left = MAX_RUN_HISTORY_EVIDENCE_READS.saturating_sub(self.evidence_reads);
        self.run_history_active() && (left > 1 || (grace_over && left > 0))
    }

    /// Asks for a `readRuns`; `next` is one of the reading phases and says what for.
    fn ask_runs(&mut self, next: Phase, events: Vec<Event>) -> Decision {
        let purpose = match next {
            Phase::ReadingEvidence { .. } => {
                self.evidence_reads = self.evidence_reads.saturating_add(1);
                RunsPurpose::Evidence
            }
            Phase::ReadingSummary { .. } => RunsPurpose::Summary,
            _ => RunsPurpose::Reference,
        };
        self.phase = next;
        let since = if purpose == RunsPurpose::Reference {
            None
        } else {
            self.run_reference.clone()
        };
        Decision {
            action: Action::ReadRuns {
                after_ms: 0,
                purpose,
                since,
            },
            events,
        }
    }

    /// Before a trigger: a reference read when the run history is to be used, else the trigger.
    fn ask_reference_or_trigger(&mut self, events: Vec<Event>) -> Decision {
        if self.config.wait && self.config.run_history && !self.run_history_failed {
            self.run_reference = None;
            return self.ask_runs(Phase::ReadingReference, events);
        }
        self.ask_trigger(events)
    }

    /// The idle observation that awaits confirmation, if any.
    fn pending_idle(&self) -> Option<&ServerMarks> {
        match &self.phase {
            Phase::WaitingForCycle { pending_idle, .. } => pending_idle.as_ref(),
            _ => None,
        }
    }

    fn record(&mut self, evidence: Evidence) {
        self.first_evidence.get_or_insert(evidence);
    }

    fn start_observed(&self) -> bool {
        self.first_evidence.is_some()
    }

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

    fn timeout_before(&self) -> TimeoutBefore {
        match self.phase {
            Phase::WaitingForRunningCycle => TimeoutBefore::RunningCycleFinished,
            _ if self.pending_idle().is_some() => TimeoutBefore::EndConfirmed,
            _ if self.start_observed() => TimeoutBefore::CycleFinished,
            _ => TimeoutBefore::CycleSeenToStart,
        }
    }

    fn ask_trigger(&mut self, events: Vec<Event>) -> Decision {
        self.phase = Phase::Triggering;
        let progress = self.deadline_ms.map(|_| {
            let status = self.say(Text::Retriggering);
            self.progress(status)
        });
        Decision {
            action: Action::Trigger {
                after_ms: 0,
                attempt: self.trigger_attempts.saturating_add(1),
                progress,
            },
            events,
        }
    }

    /// Keep polling after an observation, unless the scheduler is suspended or time is up.
    fn keep_polling(
        &mut self,
        suspended: bool,
        reason: PollReason,
        delay_ms: u64,
        events: Vec<Event>,
    ) -> Decision {
        if suspended {
            return self.fail_suspended(events, true);
        }
        if self.now_ms >= self.deadline() {
            let before = self.timeout_before();
            return self.fail_timeout(events, before);
        }
        self.schedule_poll(reason, delay_ms, events)
    }

    /// Asks for a poll after `delay_ms`, never later than the deadline. Callers make sure the
    /// deadline is still ahead.
    fn schedule_poll(
        &mut self,
        reason: PollReason,
        delay_ms: u64,
        mut events: Vec<Event>,
    ) -> Decision {
        let now = self.now_ms;
        let at = now.saturating_add(delay_ms).min(self.deadline());
        if !self.waiting_announced {
            self.waiting_announced = true;
            events.push(self.waiting_event(reason == PollReason::RunningCycle));
        }
        let status = self.say(Text::PollStatus {
            reason,
            last_state: self.last_state,
        });
        Decision {
            action: Action::Poll {
                after_ms: at.saturating_sub(now),
                attempt: self.attempts.saturating_add(1),
                reason,
                progress: self.progress(status),
            },
            events,
        }
    }

    fn progress(&self, status: String) -> Progress {
        let remaining = self.deadline().saturating_sub(self.now_ms);
        Progress {
            status,
            elapsed_ms: self.elapsed_ms(),
            seconds_remaining: remaining / 1000 + u64::from(remaining % 1000 != 0),
        }
    }

    fn finish(&mut self, decision: Decision) -> Decision {
        self.phase = Phase::Finished;
        self.final_decision = Some(Decision {
            action: decision.action.clone(),
            events: Vec::new(),
        });
        decision
    }

    /// The wait is over well: read the run history for the outcome first when it is used.
    fn done(&mut self, start_not_observed: bool, events: Vec<Event>) -> Decision {
        if self.run_history_active() && self.accepted_ms.is_some() {
            return self.ask_runs(Phase::ReadingSummary { start_not_observed }, events);
        }
        self.complete(start_not_observed, None, events)
    }

    fn run_history_status(&self, runs: &Option<Vec<RunProfileResult>>) -> RunHistoryStatus {
        if !self.config.wait {
            RunHistoryStatus::NotRead
        } else if !self.config.run_history {
            RunHistoryStatus::NotSupported
        } else if runs.is_some() {
            RunHistoryStatus::Read
        } else if self.run_history_failed {
            RunHistoryStatus::Unavailable
        } else {
            RunHistoryStatus::NotRead
        }
    }

    /// Ends the run well (or, with `FailOnRunErrors`, fails on the runs' results).
    fn complete(
        &mut self,
        start_not_observed: bool,
        runs: Option<Vec<RunProfileResult>>,
        mut events: Vec<Event>,
    ) -> Decision {
        let mut warnings = Vec::new();
        if start_not_observed {
            warnings.push(Warning {
                code: WarningCode::StartNotObserved,
                message: self.say(Text::StartNotObserved {
                    start_grace_seconds: self.config.start_grace_seconds,
                }),
            });
        }
        if self.staging {
            warnings.push(Warning {
                code: WarningCode::StagingModeEnabled,
                message: self.say(Text::StagingMode),
            });
        }
        let run_history = self.run_history_status(&runs);
        let mut runs = runs.unwrap_or_default();
        runs.sort_by_key(|r| r.start_date);
        let problems: Vec<&RunProfileResult> =
            runs.iter().filter(|r| r.outcome().is_problem()).collect();
        for run in &problems {
            warnings.push(self.run_warning(run));
        }
        let unavailable = run_history == RunHistoryStatus::Unavailable
            || (self.config.fail_on_run_errors && run_history == RunHistoryStatus::NotSupported);
        if unavailable && self.config.wait {
            let message = self.say(Text::RunHistoryUnavailable {
                not_supported: run_history == RunHistoryStatus::NotSupported,
            });
            warnings.push(Warning {
                code: WarningCode::RunHistoryUnavailable,
                message,
            });
        }
        let summary = ConnectorSummary::summarize(&runs);
        if self.config.fail_on_run_errors && !problems.is_empty() {
            let stopped = problems.iter().any(|r| r.outcome().did_not_complete());
            let class = if stopped {
                FailureClass::RunStopped
            } else {
                FailureClass::RunErrors
            };
            let message = self.say(Text::RunResults {
                problems: &problems,
                stopped,
            });
            return self.fail_with_runs(
                Failure::new(class, message),
                events,
                Some((summary, run_history)),
            );
        }
        let outcome = WaitOutcome {
            started: true,
            waited: self.config.wait,
            start_observed: self.start_observed(),
            evidence: self.first_evidence,
            attempts: self.attempts,
            trigger_attempts: self.trigger_attempts,
            elapsed_ms: self.elapsed_ms(),
            warnings,
            last_state: self.last_state(),
            staging_mode: self.staging,
            policy_type: self.config.policy_type,
            run_history,
            run_summary: summary,
        };
        let event = WaitEvent::Completed {
            outcome: outcome.clone(),
            start_not_observed,
            problems: problems.into_iter().cloned().collect(),
        };
        events.push(self.render(event));
        self.finish(Decision {
            action: Action::Done(outcome),
            events,
        })
    }

    fn fail(&mut self, failure: Failure, events: Vec<Event>) -> Decision {
        self.fail_with_runs(failure, events, None)
    }

    /// [`Self::fail`], with the run summary on the event of a run-result failure.
    fn fail_with_runs(
        &mut self,
        failure: Failure,
        mut events: Vec<Event>,
        runs: Option<(Vec<ConnectorSummary>, RunHistoryStatus)>,
    ) -> Decision {
        let elapsed = self.elapsed_ms();
        let event = WaitEvent::Failed {
            failure: failure.clone(),
            last_state: self.last_state(),
            attempts: self.attempts,
            elapsed_ms: elapsed,
            runs,
        };
        events.push(self.render(event));
        let outcome = FailOutcome {
            failure,
            last_state: self.last_state(),
            attempts: self.attempts,
            elapsed_ms: elapsed,
        };
        self.finish(Decision {
            action: Action::Fail(outcome),
            events,
        })
    }

    fn fail_timeout(&mut self, events: Vec<Event>, before: TimeoutBefore) -> Decision {
        let message = self.say(Text::Timeout {
            timeout_seconds: self.config.timeout_seconds,
            before,
            last_state: self.last_state,
            last_failure: self.last_failure.as_ref().map(|f| f.message.as_str()),
        });
        self.fail(Failure::new(FailureClass::Timeout, message), events)
    }

    fn fail_suspended(&mut self, events: Vec<Event>, triggered: bool) -> Decision {
        let message = self.say(Text::SchedulerSuspended { triggered });
        self.fail(
            Failure::new(FailureClass::SchedulerSuspended, message),
            events,
        )
    }

    // ----- events ------------------------------------------------------------------------

    /// Renders a sentence for this run (see [`super::render`]).
    fn say(&self, text: Text) -> String {
        text.render(self.config.policy_type)
    }

    /// The warning for a run that did not end `success`.
    fn run_warning(&self, run: &RunProfileResult) -> Warning {
        let (code, meaning) = match run.outcome() {
            RunOutcome::CompletedWithWarnings => (
                WarningCode::RunCompletedWithWarnings,
                RunMeaning::CompletedWithWarnings,
            ),
            RunOutcome::CompletedWithErrors => (
                WarningCode::RunCompletedWithErrors,
                RunMeaning::CompletedWithErrors,
            ),
            RunOutcome::Stopped => (WarningCode::RunStopped, RunMeaning::Stopped),
            RunOutcome::NotStarted => (WarningCode::RunNotStarted, RunMeaning::NotStarted),
            _ => (WarningCode::RunResultUnknown, RunMeaning::Unknown),
        };
        Warning {
            code,
            message: self.say(Text::RunWarning { run, meaning }),
        }
    }

    /// Renders a typed event for this run (see [`super::render`]).
    fn render(&self, event: WaitEvent) -> Event {
        event.render(self.config.policy_type)
    }

    fn triggered_event(&self, result: &TriggerReport) -> Event {
        self.render(WaitEvent::Triggered {
            trigger_attempt: self.trigger_attempts,
            wait: self.config.wait,
            provider_message: result.message.clone(),
            computer_name: self.config.computer_name.clone(),
        })
    }

    fn waiting_event(&self, running_cycle: bool) -> Event {
        let c = &self.config;
        self.render(WaitEvent::Waiting {
            running_cycle,
            timeout_seconds: c.timeout_seconds,
            poll_interval_seconds: c.poll_interval_seconds,
            start_grace_seconds: c.start_grace_seconds,
        })
    }

    fn poll_event(&self, obs: Option<&Observation>, failure: Option<&Failure>) -> Event {
        let read = match (failure, obs) {
            (Some(f), _) => PollRead::Failed {
                class: f.class,
                message: f.message.clone(),
            },
            (None, o) => PollRead::State {
                state: o.map_or(SyncState::Unknown, |o| o.state),
                staging_mode: o.and_then(|o| o.staging_mode),
            },
        };
        self.render(WaitEvent::Poll {
            attempt: self.attempts,
            elapsed_ms: self.elapsed_ms(),
            start_observed: self.start_observed(),
            phase: if self.phase == Phase::WaitingForRunningCycle {
                PollPhase::RunningCycle
            } else {
                PollPhase::Cycle
            },
            read,
        })
    }
}

/// Two idle reads confirm each other when the run history did not move between them.
fn same_run_history(a: &ServerMarks, b: &ServerMarks) -> bool {
    a.last_run_history_id == b.last_run_history_id && a.last_run_end == b.last_run_end
}
