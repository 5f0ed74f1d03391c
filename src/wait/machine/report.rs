//! What the machine says while it decides: typed events and sentences handed to `render`, and
//! the progress record.

use super::*;

impl WaitMachine {
    pub(super) fn progress(&self, status: String) -> Progress {
        let remaining = self.deadline().saturating_sub(self.now_ms);
        Progress {
            status,
            elapsed_ms: self.elapsed_ms(),
            seconds_remaining: remaining / 1000 + u64::from(remaining % 1000 != 0),
        }
    }

    /// Renders a sentence for this run (see [`super::render`]).
    pub(super) fn say(&self, text: Text) -> String {
        text.render(self.config.policy_type)
    }

    /// Renders a typed event for this run (see [`super::render`]).
    pub(super) fn render(&self, event: WaitEvent) -> Event {
        event.render(self.config.policy_type)
    }

    pub(super) fn triggered_event(&self, result: &TriggerReport) -> Event {
        self.render(WaitEvent::Triggered {
            trigger_attempt: self.trigger_attempts,
            wait: self.config.wait,
            provider_message: result.message.clone(),
            computer_name: self.config.computer_name.clone(),
        })
    }

    pub(super) fn waiting_event(&self, running_cycle: bool) -> Event {
        let c = &self.config;
        self.render(WaitEvent::Waiting {
            running_cycle,
            timeout_seconds: c.timeout_seconds,
            poll_interval_seconds: c.poll_interval_seconds,
            start_grace_seconds: c.start_grace_seconds,
        })
    }

    pub(super) fn poll_event(&self, obs: Option<&Observation>, failure: Option<&Failure>) -> Event {
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
