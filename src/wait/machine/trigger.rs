//! Before and at the trigger: the baseline read, the trigger and its answer, and waiting for a
//! cycle that was already running.

use super::*;

impl WaitMachine {
    pub(super) fn on_baseline(&mut self, obs: Observation) -> Decision {
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

    pub(super) fn on_baseline_failed(&mut self, failure: Failure) -> Decision {
        if retryable(failure.class) {
            // The baseline is optional: trigger without it. Server-side evidence then compares
            // with the first value read after the trigger.
            self.last_failure = Some(failure);
            self.ask_reference_or_trigger(Vec::new())
        } else {
            self.fail(failure, Vec::new())
        }
    }

    pub(super) fn on_triggered(&mut self, result: TriggerReport) -> Decision {
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

    pub(super) fn on_trigger_failed(&mut self, failure: Failure) -> Decision {
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

    pub(super) fn on_running_cycle_state(&mut self, obs: Observation) -> Decision {
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

    /// Before a trigger: a reference read when the run history is to be used, else the trigger.
    pub(super) fn ask_reference_or_trigger(&mut self, events: Vec<Event>) -> Decision {
        if self.config.wait && self.config.run_history && !self.run_history_failed {
            self.run_reference = None;
            return self.ask_runs(Phase::ReadingReference, events);
        }
        self.ask_trigger(events)
    }

    pub(super) fn ask_trigger(&mut self, events: Vec<Event>) -> Decision {
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
}
