//! The run history: the reference before the trigger, reads as evidence, and the runs reported
//! at the end.

use super::*;

impl WaitMachine {
    /// The phase a `readRuns` answer ends, replaced by a placeholder every branch overwrites.
    pub(super) fn take_runs_phase(&mut self) -> Phase {
        std::mem::replace(&mut self.phase, Phase::Finished)
    }

    pub(super) fn on_runs(&mut self, read: RunsRead) -> Decision {
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

    pub(super) fn on_runs_failed(&mut self, failure: Failure) -> Decision {
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

    /// The run history is used in this wait: the provider can read it, its reference was
    /// taken, and no read failed for good.
    pub(super) fn run_history_active(&self) -> bool {
        self.config.wait
            && self.config.run_history
            && self.run_reference.is_some()
            && !self.run_history_failed
    }

    /// One evidence read is kept for the end of the start-grace window, where it also serves as
    /// the summary read of a `StartNotObserved` completion.
    pub(super) fn evidence_read_possible(&self, grace_over: bool) -> bool {
        let left = MAX_RUN_HISTORY_EVIDENCE_READS.saturating_sub(self.evidence_reads);
        self.run_history_active() && (left > 1 || (grace_over && left > 0))
    }

    /// Asks for a `readRuns`; `next` is one of the reading phases and says what for.
    pub(super) fn ask_runs(&mut self, next: Phase, events: Vec<Event>) -> Decision {
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

    pub(super) fn run_history_status(
        &self,
        runs: &Option<Vec<RunProfileResult>>,
    ) -> RunHistoryStatus {
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

    /// The warning for a run that did not end `success`.
    pub(super) fn run_warning(&self, run: &RunProfileResult) -> Warning {
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
}
