//! Polling after the trigger: each state read, the evidence that the triggered cycle ran, and
//! when to read again.

use super::*;

impl WaitMachine {
    pub(super) fn on_state(&mut self, obs: Observation) -> Decision {
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

    pub(super) fn on_poll_failed(&mut self, failure: Failure) -> Decision {
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

    pub(super) fn observe_common(&mut self, obs: &Observation) {
        self.last_state = Some(obs.state);
        if obs.staging_mode == Some(true) {
            self.staging = true;
        }
    }

    /// Compares a post-trigger observation with the reference and records the evidence it
    /// holds; answers the sign of the cycle it shows.
    pub(super) fn note_evidence(&mut self, obs: &Observation) -> CycleSign {
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

    /// The idle observation that awaits confirmation, if any.
    pub(super) fn pending_idle(&self) -> Option<&ServerMarks> {
        match &self.phase {
            Phase::WaitingForCycle { pending_idle, .. } => pending_idle.as_ref(),
            _ => None,
        }
    }

    pub(super) fn record(&mut self, evidence: Evidence) {
        self.first_evidence.get_or_insert(evidence);
    }

    pub(super) fn start_observed(&self) -> bool {
        self.first_evidence.is_some()
    }

    pub(super) fn timeout_before(&self) -> TimeoutBefore {
        match self.phase {
            Phase::WaitingForRunningCycle => TimeoutBefore::RunningCycleFinished,
            _ if self.pending_idle().is_some() => TimeoutBefore::EndConfirmed,
            _ if self.start_observed() => TimeoutBefore::CycleFinished,
            _ => TimeoutBefore::CycleSeenToStart,
        }
    }

    /// Keep polling after an observation, unless the scheduler is suspended or time is up.
    pub(super) fn keep_polling(
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
    pub(super) fn schedule_poll(
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
}
