//! The step's host side: `With` refused or accepted, the provider found, the session acquired or
//! not, the host failing, and the user stopping the pipeline.

use super::*;

impl WaitMachine {
    pub(super) fn on_start(&mut self) -> Decision {
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
    pub(super) fn on_provider(&mut self, facts: ProviderFacts) -> Decision {
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

    pub(super) fn on_session_failed(&mut self, message: &str) -> Decision {
        let failure = match &self.step {
            Some(plan) => with::session_unavailable(plan, message),
            None => with::host_failed(None, message),
        };
        self.fail(failure, Vec::new())
    }

    /// The step's host side failed. Before the end: an `Internal` failure naming the cause.
    /// After `done` (whose events the host could not write, so the step did not return): that
    /// failure too. After `fail`: that failure again, without events (its one event was due).
    pub(super) fn on_host_failed(&mut self, message: &str) -> Decision {
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
    pub(super) fn begin(&mut self) -> Decision {
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

    pub(super) fn on_cancel(&mut self) -> Decision {
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
}
