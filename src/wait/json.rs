//! The JSON facade used by the C ABI: configuration in, inputs in, decisions out. Nothing here
//! panics: unreadable inputs become a `fail` decision, and a defect that panics anyway is
//! caught and reported as an `Internal` failure.

use super::config::WaitConfig;
use super::decision::{Action, Decision, FailOutcome};
use super::events::{Event, EventType};
use super::input::Input;
use super::machine::WaitMachine;
use super::with::{StepRequest, PROVIDER_METHODS};
use crate::adsync::run_history::RunReference;
use crate::adsync::SyncState;
use crate::failure::{Failure, FailureClass};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

impl WaitMachine {
    /// A machine from the configuration JSON. Invalid values fail with `InvalidInput` naming
    /// the PowerShell key; JSON that is not an object fails with `Internal`.
    pub fn from_config_json(json: &str) -> Result<WaitMachine, Failure> {
        WaitMachine::new(WaitConfig::from_json_str(json)?)
    }

    /// A step's machine from the step's request JSON (see [`super::with`]). Never fails: a
    /// refused `With` is the first decision.
    pub fn for_step_json(json: &str) -> WaitMachine {
        WaitMachine::for_step(StepRequest::from_json_str(json))
    }

    /// [`WaitMachine::start`] as decision JSON.
    pub fn start_json(&mut self, now_ms: u64) -> String {
        self.guarded(|m| m.start(now_ms))
    }

    /// [`WaitMachine::handle`] for input JSON, answering decision JSON. Never panics. Malformed
    /// input, or input that does not answer the last decision, ends the run with an `Internal`
    /// failure (and its one `DirectorySyncFailed` event).
    pub fn handle_json(&mut self, now_ms: u64, input_json: &str) -> String {
        self.guarded(|m| match Input::from_json_str(input_json) {
            Ok(input) => m.handle(now_ms, input),
            Err(reason) => m.defect(format!(
                "The wait machine could not read its input: {reason} This is a defect in the \
                 step that drives it."
            )),
        })
    }

    fn guarded(&mut self, f: impl FnOnce(&mut WaitMachine) -> Decision) -> String {
        match catch_unwind(AssertUnwindSafe(|| {
            let decision = f(self);
            let mut json = decision.to_json();
            if let (Some(call), Value::Object(m)) = (self.call_of(&decision.action), &mut json) {
                m.insert("call".into(), call);
            }
            json.to_string()
        })) {
            Ok(json) => json,
            Err(_) => {
                let message = "The wait machine hit an internal error and stopped; please report \
                               this defect.";
                catch_unwind(AssertUnwindSafe(|| {
                    self.defect(message.to_owned()).to_json().to_string()
                }))
                .unwrap_or_else(|_| fallback_json(message))
            }
        }
    }
}

impl WaitMachine {
    /// The provider call a decision asks for, with the canonical arguments before the session:
    /// `{"method": "StartSyncCycle", "arguments": ["Delta", "sync01"], "answer": "triggered",
    /// "failed": "triggerFailed"}`. The step calls `method` with `arguments` (and the session
    /// when the method declares it) and feeds `answer` with every object it returned, or
    /// `failed` with the classified error. `arguments` ends with the computer name when the
    /// step gave one (IdLE's next contract's shape).
    fn call_of(&self, action: &Action) -> Option<Value> {
        let (method, mut arguments, answer, failed) = match action {
            Action::ReadState { .. } => (PROVIDER_METHODS[1], vec![], "baseline", "pollFailed"),
            Action::Poll { .. } => (PROVIDER_METHODS[1], vec![], "state", "pollFailed"),
            Action::Trigger { .. } => (
                PROVIDER_METHODS[0],
                vec![self
                    .config()
                    .policy_type
                    .map_or(Value::Null, |p| p.as_str().into())],
                "triggered",
                "triggerFailed",
            ),
            Action::ReadRuns { since, .. } => (
                PROVIDER_METHODS[2],
                vec![since.as_ref().map_or(Value::Null, RunReference::to_json)],
                "runs",
                "runsFailed",
            ),
            _ => return None,
        };
        if let Some(name) = &self.config().computer_name {
            arguments.push(name.as_str().into());
        }
        Some(json!({"method": method, "arguments": arguments, "answer": answer, "failed": failed}))
    }
}

/// A `fail` decision built without the machine, for when even reporting the defect failed.
fn fallback_json(message: &str) -> String {
    let failure = Failure::new(FailureClass::Internal, message);
    Decision {
        events: vec![Event::new(EventType::DirectorySyncFailed, message)
            .with("class", failure.class.to_string())
            .with("errorId", failure.class.error_id())
            .with("category", failure.class.error_category())
            .with("transient", false)],
        action: Action::Fail(FailOutcome {
            failure,
            last_state: SyncState::Unknown,
            attempts: 0,
            elapsed_ms: 0,
        }),
    }
    .to_json()
    .to_string()
}
