//! How a wait ends: completed (with warnings), failed, timed out, or stopped by a suspended
//! scheduler.

use super::*;

impl WaitMachine {
    pub(super) fn finish(&mut self, decision: Decision) -> Decision {
        self.phase = Phase::Finished;
        self.final_decision = Some(Decision {
            action: decision.action.clone(),
            events: Vec::new(),
        });
        decision
    }

    /// The wait is over well: read the run history for the outcome first when it is used.
    pub(super) fn done(&mut self, start_not_observed: bool, events: Vec<Event>) -> Decision {
        if self.run_history_active() && self.accepted_ms.is_some() {
            return self.ask_runs(Phase::ReadingSummary { start_not_observed }, events);
        }
        self.complete(start_not_observed, None, events)
    }

    /// Ends the run well (or, with `FailOnRunErrors`, fails on the runs' results).
    pub(super) fn complete(
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

    pub(super) fn fail(&mut self, failure: Failure, events: Vec<Event>) -> Decision {
        self.fail_with_runs(failure, events, None)
    }

    /// [`Self::fail`], with the run summary on the event of a run-result failure.
    pub(super) fn fail_with_runs(
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

    pub(super) fn fail_timeout(&mut self, events: Vec<Event>, before: TimeoutBefore) -> Decision {
        let message = self.say(Text::Timeout {
            timeout_seconds: self.config.timeout_seconds,
            before,
            last_state: self.last_state,
            last_failure: self.last_failure.as_ref().map(|f| f.message.as_str()),
        });
        self.fail(Failure::new(FailureClass::Timeout, message), events)
    }

    pub(super) fn fail_suspended(&mut self, events: Vec<Event>, triggered: bool) -> Decision {
        let message = self.say(Text::SchedulerSuspended { triggered });
        self.fail(
            Failure::new(FailureClass::SchedulerSuspended, message),
            events,
        )
    }

    // ----- events ------------------------------------------------------------------------
}
