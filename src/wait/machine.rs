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
use super::events::{Event, EventType};
use super::input::{Input, RunsRead, TriggerResult};
use super::observation::{CycleState, Observation, ServerMarks};
use crate::adsync::run_history::{
    describe_run, ConnectorSummary, RunOutcome, RunProfileResult, RunReference,
};
use crate::failure::{Failure, FailureClass};
use serde_json::Value;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `start` not yet received.
    New,
    /// A `readState` (baseline) was asked.
    ReadingBaseline,
    /// A `trigger` was asked.
    Triggering,
    /// The server was busy at trigger time; polling until the running cycle ends.
    WaitingForRunningCycle,
    /// The trigger was accepted; polling until the cycle has really finished.
    WaitingForCycle,
    /// A `readRuns` for the reference was asked, before a trigger.
    ReadingReference,
    /// A `readRuns` for evidence was asked, after an idle read without other evidence.
    ReadingEvidence,
    /// A `readRuns` for the outcome was asked, after the wait decided the cycle finished.
    ReadingSummary,
    /// `done` or `fail` was decided.
    Finished,
}

impl Phase {
    /// What the machine was waiting for, completing "... while it ...".
    fn expecting(self) -> &'static str {
        match self {
            Phase::New => "had not been started",
            Phase::ReadingBaseline => "waited for a 'baseline' or 'pollFailed' input",
            Phase::Triggering => "waited for a 'triggered' or 'triggerFailed' input",
            Phase::WaitingForRunningCycle | Phase::WaitingForCycle => {
                "waited for a 'state' or 'pollFailed' input"
            }
            Phase::ReadingReference | Phase::ReadingEvidence | Phase::ReadingSummary => {
                "waited for a 'runs' or 'runsFailed' input"
            }
            Phase::Finished => "had finished",
        }
    }
}

/// Poll failures of these classes are retried within the timeout; every other class ends the
/// run at once. The rule is the failure class's own ([`FailureClass::retries_read`]).
fn retryable(class: FailureClass) -> bool {
    class.retries_read()
}

/// `text` ending in a full stop (or other sentence end).
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
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
    in_progress_seen: bool,
    next_moved: bool,
    history_changed: bool,
    first_evidence: Option<Evidence>,
    /// Marks of an idle observation that awaits confirmation.
    pending_idle: Option<ServerMarks>,
    attempts: u32,
    trigger_attempts: u32,
    consecutive_failures: u32,
    last_failure: Option<Failure>,
    last_state: Option<CycleState>,
    staging: bool,
    waiting_announced: bool,
    final_decision: Option<Decision>,
    /// The newest run-history entry before the accepted trigger (from the last reference read).
    run_reference: Option<RunReference>,
    /// Reading the run history failed in a way that will not get better; no more reads.
    run_history_failed: bool,
    /// A run since the reference was listed.
    runs_seen: bool,
    evidence_reads: u32,
    /// The idle read an evidence read follows: its marks, whether it said suspended, and
    /// whether the start-grace window was over.
    evidence_context: Option<(ServerMarks, bool, bool)>,
    /// `start_not_observed` of the completion that waits for the summary read.
    pending_completion: Option<bool>,
}

impl WaitMachine {
    /// A machine for one run. Fails with `InvalidInput` when the configuration is invalid.
    pub fn new(config: WaitConfig) -> Result<WaitMachine, Failure> {
        config.validate()?;
        Ok(WaitMachine {
            config,
            phase: Phase::New,
            now_ms: 0,
            started_ms: None,
            deadline_ms: None,
            accepted_ms: None,
            pre_trigger: ServerMarks::default(),
            reference: ServerMarks::default(),
            in_progress_seen: false,
            next_moved: false,
            history_changed: false,
            first_evidence: None,
            pending_idle: None,
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
            runs_seen: false,
            evidence_reads: 0,
            evidence_context: None,
            pending_completion: None,
        })
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
        if let Some(d) = &self.final_decision {
            return Decision {
                action: d.action.clone(),
                events: Vec::new(),
            };
        }
        if now_ms > MAX_CLOCK_MS {
            return self.defect(format!(
                "The wait machine was given the time {now_ms} ms, beyond any monotonic clock in \
                 milliseconds; this is a defect in the step that drives it."
            ));
        }
        self.now_ms = self.now_ms.max(now_ms);
        match (self.phase, input) {
            (_, Input::Cancel) => self.on_cancel(),
            (Phase::New, Input::Start) => self.on_start(),
            (Phase::ReadingBaseline, Input::Baseline(o) | Input::State(o)) => self.on_baseline(o),
            (Phase::ReadingBaseline, Input::PollFailed(f)) => self.on_baseline_failed(f),
            (Phase::Triggering, Input::Triggered(r)) => self.on_triggered(r),
            (Phase::Triggering, Input::TriggerFailed(f)) => self.on_trigger_failed(f),
            (Phase::WaitingForRunningCycle, Input::State(o)) => self.on_running_cycle_state(o),
            (Phase::WaitingForCycle, Input::State(o)) => self.on_state(o),
            (Phase::WaitingForRunningCycle | Phase::WaitingForCycle, Input::PollFailed(f)) => {
                self.on_poll_failed(f)
            }
            (
                Phase::ReadingReference | Phase::ReadingEvidence | Phase::ReadingSummary,
                Input::Runs(r),
            ) => self.on_runs(r),
            (
                Phase::ReadingReference | Phase::ReadingEvidence | Phase::ReadingSummary,
                Input::RunsFailed(f),
            ) => self.on_runs_failed(f),
            (phase, input) => self.defect(format!(
                "The wait machine received a '{}' input while it {}; this is a defect in the \
                 step that drives it.",
                input.kind(),
                phase.expecting()
            )),
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
        let mut message =
            String::from("The directory sync step was cancelled because the pipeline was stopped.");
        if self.accepted_ms.is_some() {
            message.push_str(&format!(
                " The server had already accepted the trigger, so the {} may still run.",
                self.cycle_name()
            ));
        }
        self.fail(Failure::new(FailureClass::Cancelled, message), Vec::new())
    }

    fn on_baseline(&mut self, obs: Observation) -> Decision {
        self.observe_common(&obs);
        // A cycle running at the baseline may end just before our trigger is accepted, and its
        // end moves the next-cycle time: that must not count as evidence that *our* cycle ran.
        // Without a reference, the first value read after the trigger becomes it.
        self.pre_trigger = if obs.state == CycleState::InProgress {
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

    fn on_triggered(&mut self, result: TriggerResult) -> Decision {
        self.trigger_attempts = self.trigger_attempts.saturating_add(1);
        match result.started {
            Some(true) => {}
            Some(false) => {
                let mut message = format!("The server did not start the {}.", self.cycle_name());
                if let Some(m) = &result.message {
                    message.push_str(&format!(" The provider said: {}", sentence(m)));
                }
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
                        "The provider's StartSyncCycle answer did not say whether the sync cycle \
                         started, because it has no Started value.",
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
        self.phase = Phase::WaitingForCycle;
        self.reference = self.pre_trigger.clone();
        self.consecutive_failures = 0;
        self.last_failure = None;
        if now >= deadline {
            let context = format!(
                "any state of the triggered {} could be read",
                self.cycle_name()
            );
            return self.fail_timeout(events, &context);
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
            return self.fail_timeout(
                Vec::new(),
                "the sync cycle that was already running finished",
            );
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
            let context = if obs.state == CycleState::Idle {
                format!(
                    "the {} could be triggered again after the running cycle ended",
                    self.cycle_name()
                )
            } else {
                "the sync cycle that was already running finished".to_owned()
            };
            return self.fail_timeout(events, &context);
        }
        if obs.state == CycleState::Idle {
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
        self.note_evidence(&obs);
        let events = vec![self.poll_event(Some(&obs), None)];
        let suspended = obs.scheduler_suspended == Some(true);
        let pending = self.pending_idle.take();

        if obs.state != CycleState::Idle {
            return self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), events);
        }
        // Rule 1: idle and the scheduler's next-cycle time moved: a cycle completed.
        if self.next_moved {
            return self.done(false, events);
        }
        // Rule 2: idle after the cycle was seen (running, or a run-history entry ended): the
        // idle must be confirmed by a second consecutive idle read with unchanged run history,
        // because the server drops out of busy between run profiles.
        if self.in_progress_seen || self.history_changed || self.runs_seen {
            if matches!(&pending, Some(p) if same_run_history(p, &obs.marks)) {
                return self.done(false, events);
            }
            self.pending_idle = Some(obs.marks.clone());
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
            self.evidence_context = Some((obs.marks.clone(), suspended, grace_over));
            return self.ask_runs(RunsPurpose::Evidence, events);
        }
        if grace_over {
            return self.done(true, events);
        }
        self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), events)
    }

    fn on_runs(&mut self, read: RunsRead) -> Decision {
        match self.phase {
            Phase::ReadingReference => {
                match read.reference {
                    Some(r) => self.run_reference = Some(r),
                    // Without a reference no run can be told apart from older ones.
                    None => self.run_history_failed = true,
                }
                self.ask_trigger(Vec::new())
            }
            Phase::ReadingEvidence => {
                self.phase = Phase::WaitingForCycle;
                let (marks, suspended, grace_over) =
                    self.evidence_context
                        .take()
                        .unwrap_or((ServerMarks::default(), false, false));
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
                self.runs_seen = true;
                self.record(Evidence::RunHistoryEntry);
                if read
                    .runs
                    .iter()
                    .any(|r| r.outcome() == RunOutcome::InProgress)
                {
                    // Running now: an idle read only counts after a read that says so.
                    self.in_progress_seen = true;
                    return self.keep_polling(
                        suspended,
                        PollReason::Poll,
                        self.poll_ms(),
                        Vec::new(),
                    );
                }
                // The runs ended and the server was idle: confirm the idle read as rule 5 does.
                self.pending_idle = Some(marks);
                let delay = self.poll_ms().min(CONFIRM_DELAY_MS);
                self.keep_polling(suspended, PollReason::ConfirmIdle, delay, Vec::new())
            }
            _ => {
                let start_not_observed = self.pending_completion.take().unwrap_or(false);
                self.complete(start_not_observed, Some(read.runs), Vec::new())
            }
        }
    }

    fn on_runs_failed(&mut self, failure: Failure) -> Decision {
        match self.phase {
            Phase::ReadingReference => {
                self.run_history_failed = true;
                self.ask_trigger(Vec::new())
            }
            Phase::ReadingEvidence => {
                self.phase = Phase::WaitingForCycle;
                if !retryable(failure.class) {
                    self.run_history_failed = true;
                }
                let (_, suspended, grace_over) =
                    self.evidence_context
                        .take()
                        .unwrap_or((ServerMarks::default(), false, false));
                if grace_over {
                    return self.done(true, Vec::new());
                }
                self.keep_polling(suspended, PollReason::Poll, self.poll_ms(), Vec::new())
            }
            _ => {
                self.run_history_failed = true;
                let start_not_observed = self.pending_completion.take().unwrap_or(false);
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
            let mut f = Failure::new(
                failure.class,
                format!(
                    "The sync cycle state could not be read {} times in a row. The last error \
                     was: {}",
                    self.consecutive_failures,
                    sentence(&failure.message)
                ),
            );
            f.remote_message = failure.remote_message;
            return self.fail(f, events);
        }
        self.last_failure = Some(failure);
        if self.now_ms >= self.deadline() {
            let context = self.timeout_context();
            return self.fail_timeout(events, &context);
        }
        let (reason, delay) = if self.pending_idle.is_some() {
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

    fn note_evidence(&mut self, obs: &Observation) {
        if obs.state == CycleState::InProgress {
            self.in_progress_seen = true;
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
            self.next_moved = true;
            self.record(Evidence::NextSyncCycleTimeMoved);
        }
        if history_changed {
            self.history_changed = true;
            self.record(Evidence::RunHistoryChanged);
        }
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

    fn ask_runs(&mut self, purpose: RunsPurpose, events: Vec<Event>) -> Decision {
        self.phase = match purpose {
            RunsPurpose::Reference => Phase::ReadingReference,
            RunsPurpose::Evidence => {
                self.evidence_reads = self.evidence_reads.saturating_add(1);
                Phase::ReadingEvidence
            }
            RunsPurpose::Summary => Phase::ReadingSummary,
        };
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
            return self.ask_runs(RunsPurpose::Reference, events);
        }
        self.ask_trigger(events)
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

    fn cycle_name(&self) -> String {
        match self.config.policy_type {
            Some(p) => format!("{} sync cycle", p.as_str()),
            None => "sync cycle".to_owned(),
        }
    }

    fn last_state(&self) -> CycleState {
        self.last_state.unwrap_or(CycleState::Unknown)
    }

    fn last_state_text(&self) -> String {
        match self.last_state {
            Some(s) => format!("the last known state was {}", s.as_str()),
            None => "the last known state is Unknown because no state could be read".to_owned(),
        }
    }

    fn timeout_context(&self) -> String {
        let cycle = self.cycle_name();
        match self.phase {
            Phase::WaitingForRunningCycle => {
                "the sync cycle that was already running finished".to_owned()
            }
            _ if self.pending_idle.is_some() => {
                format!("the end of the {cycle} could be confirmed")
            }
            _ if self.start_observed() => format!("the {cycle} finished"),
            _ => format!("the {cycle} was seen to start"),
        }
    }

    fn ask_trigger(&mut self, events: Vec<Event>) -> Decision {
        self.phase = Phase::Triggering;
        let progress = self.deadline_ms.map(|_| {
            self.progress(format!(
                "The running sync cycle has ended; triggering the {} again.",
                self.cycle_name()
            ))
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
            let context = self.timeout_context();
            return self.fail_timeout(events, &context);
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
        let cycle = self.cycle_name();
        let status = match reason {
            PollReason::Poll => match self.last_state {
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
            PollReason::RunningCycle => {
                format!(
                    "Waiting for the running sync cycle to finish before triggering the {cycle}."
                )
            }
        };
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
        self.pending_idle = None;
        self.final_decision = Some(Decision {
            action: decision.action.clone(),
            events: Vec::new(),
        });
        decision
    }

    /// The wait is over well: read the run history for the outcome first when it is used.
    fn done(&mut self, start_not_observed: bool, events: Vec<Event>) -> Decision {
        if self.run_history_active() && self.accepted_ms.is_some() {
            self.pending_completion = Some(start_not_observed);
            return self.ask_runs(RunsPurpose::Summary, events);
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
        let cycle = self.cycle_name();
        let mut warnings = Vec::new();
        if start_not_observed {
            warnings.push(Warning {
                code: WarningCode::StartNotObserved,
                message: format!(
                    "The server accepted the trigger, but the {cycle} was never seen running and \
                     the server showed no sign of a finished cycle within the start-grace window \
                     of {} seconds (StartGraceSeconds); the cycle may have run between two polls \
                     or may not have started.",
                    self.config.start_grace_seconds
                ),
            });
        }
        if self.staging {
            warnings.push(Warning {
                code: WarningCode::StagingModeEnabled,
                message: "The server is in staging mode: its sync cycles import and synchronize \
                          but export nothing to Entra ID or Active Directory."
                    .to_owned(),
            });
        }
        let run_history = self.run_history_status(&runs);
        let mut runs = runs.unwrap_or_default();
        runs.sort_by_key(|r| r.start_date);
        let problems: Vec<&RunProfileResult> =
            runs.iter().filter(|r| r.outcome().is_problem()).collect();
        for run in &problems {
            warnings.push(run_warning(run));
        }
        let unavailable = run_history == RunHistoryStatus::Unavailable
            || (self.config.fail_on_run_errors && run_history == RunHistoryStatus::NotSupported);
        if unavailable && self.config.wait {
            let message = if run_history == RunHistoryStatus::NotSupported {
                "FailOnRunErrors is set, but the provider has no GetSyncCycleRuns method, so the \
                 results of the cycle's runs were not checked."
                    .to_owned()
            } else {
                "The run history could not be read, so the results of the cycle's runs are not \
                 known."
                    .to_owned()
            };
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
            let message = format!(
                "The {cycle} ran, but {} of its runs {what}, and FailOnRunErrors is set: {list}.",
                problems.len()
            );
            let data = summary_json(&summary);
            let decision = self.fail(Failure::new(class, message), events);
            return self.with_summary_on_failed_event(decision, data, run_history);
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
        let seconds = outcome.elapsed_ms / 1000;
        let mut message = if !outcome.waited {
            format!("The {cycle} was triggered; the step did not wait for it to finish.")
        } else if start_not_observed {
            format!(
                "The wait for the {cycle} ended after {seconds} seconds without seeing the cycle \
                 run (warning StartNotObserved)."
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
                problems
                    .iter()
                    .map(|r| describe_run(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let mut event = Event::new(EventType::DirectorySyncCompleted, message)
            .with("waited", outcome.waited)
            .with("attempts", outcome.attempts)
            .with("triggerAttempts", outcome.trigger_attempts)
            .with("elapsedMs", outcome.elapsed_ms)
            .with("elapsedSeconds", seconds)
            .with("startObserved", outcome.start_observed)
            .with("evidence", outcome.evidence.map_or("None", |e| e.as_str()))
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
            event = event.with("runSummary", summary_json(&outcome.run_summary));
        }
        if let Some(p) = self.config.policy_type {
            event = event.with("policyType", p.as_str());
        }
        events.push(event);
        self.finish(Decision {
            action: Action::Done(outcome),
            events,
        })
    }

    /// Adds the run summary to the `DirectorySyncFailed` event of a run-result failure.
    fn with_summary_on_failed_event(
        &mut self,
        mut decision: Decision,
        summary: Value,
        run_history: RunHistoryStatus,
    ) -> Decision {
        for event in decision.events.iter_mut() {
            if event.event_type == EventType::DirectorySyncFailed {
                event.data.insert("runSummary".to_owned(), summary.clone());
                event
                    .data
                    .insert("runHistory".to_owned(), run_history.as_str().into());
            }
        }
        decision
    }

    fn fail(&mut self, failure: Failure, mut events: Vec<Event>) -> Decision {
        let elapsed = self.elapsed_ms();
        let mut event = Event::new(EventType::DirectorySyncFailed, failure.message.clone())
            .with("class", failure.class.to_string())
            .with("errorId", failure.class.error_id())
            .with("category", failure.class.error_category())
            .with("transient", failure.class.is_transient())
            .with("lastState", self.last_state().as_str())
            .with("attempts", self.attempts)
            .with("elapsedMs", elapsed)
            .with("elapsedSeconds", elapsed / 1000);
        if let Some(r) = &failure.remote_message {
            event = event.with("remoteMessage", r.as_str());
        }
        if let Some(p) = self.config.policy_type {
            event = event.with("policyType", p.as_str());
        }
        events.push(event);
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

    fn fail_timeout(&mut self, events: Vec<Event>, context: &str) -> Decision {
        let mut message = format!(
            "The wait reached its Timeout of {} seconds (TimeoutSeconds) before {context}; {}.",
            self.config.timeout_seconds,
            self.last_state_text()
        );
        if let Some(f) = &self.last_failure {
            message.push_str(&format!(
                " The last attempt to read the state failed: {}",
                sentence(&f.message)
            ));
        }
        self.fail(Failure::new(FailureClass::Timeout, message), events)
    }

    fn fail_suspended(&mut self, events: Vec<Event>, triggered: bool) -> Decision {
        let when = if triggered {
            "while the step waited for the triggered cycle"
        } else {
            "so the step did not trigger a cycle"
        };
        let message = format!(
            "The Entra Connect sync scheduler is suspended (SchedulerSuspended is True), {when}. \
             The scheduler is suspended while the configuration wizard is open or an upgrade runs; \
             close the wizard or let the upgrade finish, then run the step again."
        );
        self.fail(
            Failure::new(FailureClass::SchedulerSuspended, message),
            events,
        )
    }

    // ----- events ------------------------------------------------------------------------

    fn triggered_event(&self, result: &TriggerResult) -> Event {
        let mut e = Event::new(
            EventType::DirectorySyncTriggered,
            format!(
                "The server accepted the trigger for a {}.",
                self.cycle_name()
            ),
        )
        .with("triggerAttempt", self.trigger_attempts)
        .with("wait", self.config.wait);
        if let Some(m) = &result.message {
            e = e.with("providerMessage", m.as_str());
        }
        if let Some(p) = self.config.policy_type {
            e = e.with("policyType", p.as_str());
        }
        e
    }

    fn waiting_event(&self, running_cycle: bool) -> Event {
        let cycle = self.cycle_name();
        let c = &self.config;
        let message = if running_cycle {
            format!(
                "A sync cycle is already running on the server; waiting up to {} seconds for it \
                 to finish and for the {cycle} that is then triggered, polling every {} seconds.",
                c.timeout_seconds, c.poll_interval_seconds
            )
        } else {
            format!(
                "Waiting up to {} seconds for the {cycle} to finish, polling every {} seconds.",
                c.timeout_seconds, c.poll_interval_seconds
            )
        };
        let mut e = Event::new(EventType::DirectorySyncWaiting, message)
            .with(
                "reason",
                if running_cycle {
                    "RunningCycle"
                } else {
                    "TriggeredCycle"
                },
            )
            .with("timeoutSeconds", c.timeout_seconds)
            .with("pollIntervalSeconds", c.poll_interval_seconds)
            .with("startGraceSeconds", c.start_grace_seconds);
        if let Some(p) = c.policy_type {
            e = e.with("policyType", p.as_str());
        }
        e
    }

    fn poll_event(&self, obs: Option<&Observation>, failure: Option<&Failure>) -> Event {
        let attempt = self.attempts;
        let elapsed = self.elapsed_ms();
        let state = obs.map_or(CycleState::Unknown, |o| o.state);
        let message = match failure {
            Some(f) => format!(
                "Poll {attempt} could not read the sync cycle state: {}",
                sentence(&f.message)
            ),
            None => format!(
                "Poll {attempt} found the sync cycle state {}.",
                state.as_str()
            ),
        };
        let phase = if self.phase == Phase::WaitingForRunningCycle {
            "waitingForRunningCycle"
        } else {
            "waitingForCycle"
        };
        let mut e = Event::new(EventType::DirectorySyncPoll, message)
            .with("attempt", attempt)
            .with("state", state.as_str())
            .with("inProgress", state == CycleState::InProgress)
            .with("elapsedMs", elapsed)
            .with("elapsedSeconds", elapsed / 1000)
            .with("startObserved", self.start_observed())
            .with("phase", phase)
            .with("failed", failure.is_some());
        if let Some(f) = failure {
            e = e.with("failureClass", f.class.to_string());
        }
        if let Some(s) = obs.and_then(|o| o.staging_mode) {
            e = e.with("stagingMode", s);
        }
        if let Some(p) = self.config.policy_type {
            e = e.with("policyType", p.as_str());
        }
        e
    }
}

/// The summary as event data: one object per connector.
fn summary_json(summary: &[ConnectorSummary]) -> Value {
    Value::Array(summary.iter().map(ConnectorSummary::to_json).collect())
}

/// The warning for a run that did not end `success`.
fn run_warning(run: &RunProfileResult) -> Warning {
    let (code, meaning) = match run.outcome() {
        RunOutcome::CompletedWithWarnings => (
            WarningCode::RunCompletedWithWarnings,
            "the run completed with warnings",
        ),
        RunOutcome::CompletedWithErrors => (
            WarningCode::RunCompletedWithErrors,
            "the run completed, but some objects failed",
        ),
        RunOutcome::Stopped => (
            WarningCode::RunStopped,
            "the run stopped before it completed",
        ),
        RunOutcome::NotStarted => (
            WarningCode::RunNotStarted,
            "the run could not start (no connection to the connected directory)",
        ),
        _ => (
            WarningCode::RunResultUnknown,
            "the run ended with a result this step does not know",
        ),
    };
    Warning {
        code,
        message: format!("Run {}: {meaning}.", describe_run(run)),
    }
}

/// Two idle reads confirm each other when the run history did not move between them.
fn same_run_history(a: &ServerMarks, b: &ServerMarks) -> bool {
    a.last_run_history_id == b.last_run_history_id && a.last_run_end == b.last_run_end
}
