//! What the step feeds into the machine, and how it is read from JSON.

use super::observation::Observation;
use super::own;
use super::with::ProviderFacts;
use crate::adsync::run_history::{RunProfileResult, RunReference};
use crate::adsync::text::MAX_REMOTE_MESSAGE_CHARS;
use crate::adsync::values as lenient;
use crate::failure::{Failure, FailureClass};
use crate::redact::{scrub, Secrets};
use serde_json::{Map, Value};

/// Longest failure message taken from a provider, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Any provider's answer to `StartSyncCycle` when it did not fail, as the wait machine reads
/// it: only whether the cycle started and the provider's own words. Our provider's typed
/// result, [`crate::provider::TriggerResult`], converts into it without a JSON round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerReport {
    /// `Started`; `None` when the provider did not say.
    pub started: Option<bool>,
    /// `Message`, the provider's own words.
    pub message: Option<String>,
}

impl TriggerReport {
    pub fn started(message: impl Into<String>) -> TriggerReport {
        TriggerReport {
            started: Some(true),
            message: Some(message.into()),
        }
    }

    /// Reads `{"Started":true,"Message":"...","Details":{...}}` (keys in any casing).
    pub fn from_json(value: &Value) -> Result<TriggerReport, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "The trigger result must be a JSON object with Started and Message, but it is {}.",
                lenient::type_name(value)
            )
        })?;
        Ok(TriggerReport {
            started: lenient::get(object, "Started").and_then(lenient::boolean),
            // The provider's words reach messages and events: masked, one line, bounded.
            message: lenient::get(object, "Message")
                .and_then(lenient::text)
                .map(|s| scrub(&s, &Secrets::default(), MAX_REMOTE_MESSAGE_CHARS))
                .filter(|s| !s.is_empty()),
        })
    }
}

impl From<&crate::provider::TriggerResult> for TriggerReport {
    fn from(result: &crate::provider::TriggerResult) -> TriggerReport {
        TriggerReport {
            started: Some(result.started),
            // Our provider's message is written by us: nothing to mask, and never empty.
            message: Some(result.message.clone()).filter(|m| !m.is_empty()),
        }
    }
}

/// The provider's answer to `GetSyncCycleRuns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunsRead {
    /// `Reference`: the newest entry now (`None` when the answer has none).
    pub reference: Option<RunReference>,
    /// `Runs`: the runs since the `Since` given, in any order.
    pub runs: Vec<RunProfileResult>,
    /// `Truncated`: the provider's window did not reach back to `Since`.
    pub truncated: bool,
}

impl RunsRead {
    /// Reads `{"Reference":{...},"Runs":[...],"Truncated":bool}` (keys in any casing; each run in
    /// `Get-ADSyncRunProfileResult`'s shape). A missing `Runs` is no runs; an unreadable
    /// `Reference` is none.
    pub fn from_json(value: &Value) -> Result<RunsRead, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "The run history answer must be a JSON object with Reference and Runs, but it is \
                 {}.",
                lenient::type_name(value)
            )
        })?;
        let runs = lenient::get(object, "Runs")
            .map(|v| RunProfileResult::from_output(std::slice::from_ref(v)))
            .unwrap_or_default();
        Ok(RunsRead {
            reference: lenient::get(object, "Reference")
                .and_then(|v| RunReference::from_value(v).ok())
                .flatten(),
            runs,
            truncated: lenient::get(object, "Truncated")
                .and_then(lenient::boolean)
                .unwrap_or(false),
        })
    }
}

/// One input to the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Begin (`{"kind":"start"}`); the same as [`crate::wait::WaitMachine::start`].
    Start,
    /// The state read before the trigger, answering a `readState` decision.
    Baseline(Observation),
    /// `StartSyncCycle` returned.
    Triggered(TriggerReport),
    /// `StartSyncCycle` failed.
    TriggerFailed(Failure),
    /// `GetSyncCycleState` returned, answering a `poll` decision.
    State(Observation),
    /// `GetSyncCycleState` failed.
    PollFailed(Failure),
    /// `GetSyncCycleRuns` returned, answering a `readRuns` decision.
    Runs(RunsRead),
    /// `GetSyncCycleRuns` failed.
    RunsFailed(Failure),
    /// The user stopped the pipeline.
    Cancel,
    /// What the step found under the provider alias, answering a `findProvider` decision.
    Provider(ProviderFacts),
    /// The host provided the AuthSession, answering an `acquireSession` decision.
    Session,
    /// The host could not provide the AuthSession: its words, masked by the step.
    SessionFailed(String),
    /// The step's host side failed (an EventSink that threw, any other unexpected error in the
    /// step's loop): the error's words, masked by the step.
    HostFailed(String),
}

impl Input {
    /// The input's `kind` in the JSON form.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Start => "start",
            Input::Baseline(_) => "baseline",
            Input::Triggered(_) => "triggered",
            Input::TriggerFailed(_) => "triggerFailed",
            Input::State(_) => "state",
            Input::PollFailed(_) => "pollFailed",
            Input::Runs(_) => "runs",
            Input::RunsFailed(_) => "runsFailed",
            Input::Cancel => "cancel",
            Input::Provider(_) => "provider",
            Input::Session => "session",
            Input::SessionFailed(_) => "sessionFailed",
            Input::HostFailed(_) => "hostFailed",
        }
    }

    /// Reads an input from its JSON text. The error is a complete sentence saying what is wrong.
    pub fn from_json_str(json: &str) -> Result<Input, String> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| format!("The input given to the wait machine is not valid JSON: {e}."))?;
        Input::from_json(&value)
    }

    /// Reads an input from parsed JSON (see the module documentation for the shapes).
    pub fn from_json(value: &Value) -> Result<Input, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "An input to the wait machine must be a JSON object with a 'kind', but it is {}.",
                lenient::type_name(value)
            )
        })?;
        let kind = lenient::get(object, "kind")
            .and_then(Value::as_str)
            .ok_or("An input to the wait machine has no 'kind' string.")?;
        let payload = |key: &str| {
            lenient::get(object, key).ok_or_else(|| {
                format!(
                    "The '{}' input has no '{key}' value.",
                    crate::adsync::text::one_line(kind, 40)
                )
            })
        };
        let k = kind.to_ascii_lowercase();
        let text = |key: &str| {
            lenient::get(object, key)
                .and_then(lenient::text)
                .map(|s| scrub(&s, &Secrets::default(), MAX_MESSAGE_CHARS))
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "(no message)".to_owned())
        };
        match k.as_str() {
            "start" => Ok(Input::Start),
            "cancel" => Ok(Input::Cancel),
            "session" => Ok(Input::Session),
            "sessionfailed" => Ok(Input::SessionFailed(text("message"))),
            "hostfailed" => Ok(Input::HostFailed(text("message"))),
            "provider" => ProviderFacts::from_json(object).map(Input::Provider),
            "baseline" | "state" => {
                let read = match answer(object, kind, "state")? {
                    Answer::Own(v) => own::state(v)?,
                    Answer::Foreign(v) => Observation::from_json(v)?,
                    Answer::NotOne(what) => {
                        return Ok(Input::PollFailed(not_one("GetSyncCycleState", &what)))
                    }
                };
                Ok(if k == "state" {
                    Input::State(read)
                } else {
                    Input::Baseline(read)
                })
            }
            "triggered" => match answer(object, kind, "result")? {
                Answer::Own(v) => own::trigger(v).map(Input::Triggered),
                Answer::Foreign(v) => TriggerReport::from_json(v).map(Input::Triggered),
                Answer::NotOne(what) => Ok(Input::TriggerFailed(not_one("StartSyncCycle", &what))),
            },
            "runs" => match answer(object, kind, "runs")? {
                Answer::Own(v) => own::runs(v).map(Input::Runs),
                Answer::Foreign(v) => RunsRead::from_json(v).map(Input::Runs),
                Answer::NotOne(what) => Ok(Input::RunsFailed(not_one("GetSyncCycleRuns", &what))),
            },
            "triggerfailed" | "pollfailed" | "runsfailed" => {
                // The session's secrets, when the step passes a failure's text on as it came.
                let secrets = Secrets::new(
                    lenient::get(object, "redact")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                );
                let failure = failure_from_json_masked(payload("failure")?, &secrets)?;
                Ok(match k.as_str() {
                    "triggerfailed" => Input::TriggerFailed(failure),
                    "pollfailed" => Input::PollFailed(failure),
                    _ => Input::RunsFailed(failure),
                })
            }
            _ => Err(format!(
                "The input kind '{}' is not known; the known kinds are start, provider, session, \
                 sessionFailed, baseline, triggered, triggerFailed, state, pollFailed, runs, \
                 runsFailed, hostFailed and cancel.",
                crate::adsync::text::one_line(kind, 40)
            )),
        }
    }
}

/// A provider method's answer as the step passed it.
enum Answer<'a> {
    /// The core's own result JSON (our provider's result object): read strictly.
    Own(&'a Value),
    /// One object from any provider: read leniently.
    Foreign(&'a Value),
    /// Not exactly one object: what came instead (`nothing`, `2 objects`).
    NotOne(String),
}

/// The answer of a result input: `own` (the core's JSON), `answers` (every object the method
/// returned, of which exactly one is expected), or one object under `answer` or the kind's own
/// key (`state`, `result`, `runs`).
fn answer<'a>(object: &'a Map<String, Value>, kind: &str, key: &str) -> Result<Answer<'a>, String> {
    if let Some(v) = lenient::get(object, "own") {
        return Ok(Answer::Own(v));
    }
    if let Some(v) = lenient::get(object, "answers") {
        return match v {
            Value::Array(list) if list.len() == 1 && !list[0].is_null() => {
                Ok(Answer::Foreign(&list[0]))
            }
            Value::Array(list) if list.len() > 1 => {
                Ok(Answer::NotOne(format!("{} objects", list.len())))
            }
            _ => Ok(Answer::NotOne("nothing".to_owned())),
        };
    }
    lenient::get(object, "answer")
        .or_else(|| lenient::get(object, key))
        .map(Answer::Foreign)
        .ok_or_else(|| {
            format!(
                "The '{}' input has no '{key}' value.",
                crate::adsync::text::one_line(kind, 40)
            )
        })
}

/// A provider method that returned nothing or several objects instead of its one result.
fn not_one(method: &str, what: &str) -> Failure {
    Failure::new(
        FailureClass::UnexpectedResponse,
        format!("The provider's {method} returned {what}; exactly one result object is expected."),
    )
}

/// Reads a failure in the shape of [`Failure::to_json`], leniently: keys in any casing, the
/// class name in any casing, `errorId`/`category`/`transient` ignored (they follow from the
/// class), a missing message replaced by a generic sentence.
pub fn failure_from_json(value: &Value) -> Result<Failure, String> {
    failure_from_json_masked(value, &Secrets::default())
}

/// [`failure_from_json`], with `secrets` (the AuthSession's and its options' string values, as
/// the step lists them under the input's `redact`) masked in the message and the remote message
/// before they are cut, as [`scrub`] does for every text from outside.
pub fn failure_from_json_masked(value: &Value, secrets: &Secrets) -> Result<Failure, String> {
    let object = value.as_object().ok_or_else(|| {
        format!(
            "A failure must be a JSON object with 'class' and 'message', but it is {}.",
            lenient::type_name(value)
        )
    })?;
    let class_name = lenient::get(object, "class")
        .and_then(Value::as_str)
        .ok_or("A failure given to the wait machine has no 'class' string.")?;
    let class = FailureClass::ALL
        .iter()
        .copied()
        .find(|c| c.to_string().eq_ignore_ascii_case(class_name.trim()))
        .ok_or_else(|| {
            format!(
                "The failure class '{}' is not known.",
                crate::adsync::text::one_line(class_name, 40)
            )
        })?;
    let message = lenient::get(object, "message")
        .and_then(lenient::text)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            format!("The provider reported a failure of class {class} without a message.")
        });
    // A failure may come from any provider: its texts reach events and errors only with
    // credential patterns masked, on one line, bounded.
    let mut failure = Failure::new(class, scrub(&message, secrets, MAX_MESSAGE_CHARS));
    if let Some(remote) = lenient::get(object, "remoteMessage").and_then(lenient::text) {
        failure = failure.with_remote(scrub(&remote, secrets, MAX_REMOTE_MESSAGE_CHARS));
    }
    Ok(failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adsync::SyncState;

    #[test]
    fn our_trigger_result_converts_as_its_json_reads() {
        use crate::adsync::{PolicyType, UtcTime};
        use crate::provider::{TriggerDetails, TriggerResult};
        let now = UtcTime::from_unix_millis(1_767_225_600_000);
        let ours = TriggerResult {
            started: true,
            message: "Entra Connect accepted a Delta sync cycle.".to_owned(),
            policy_type: PolicyType::Delta,
            accepted_at_utc: now,
            details: TriggerDetails {
                policy_type: PolicyType::Delta,
                accepted_at_utc: now,
                result: "Success".to_owned(),
                computer_name: Some("sync01".to_owned()),
            },
        };
        let json = serde_json::to_value(&ours).unwrap();
        assert_eq!(
            TriggerReport::from(&ours),
            TriggerReport::from_json(&json).unwrap()
        );
        assert_eq!(
            TriggerReport::from(&ours),
            TriggerReport::started("Entra Connect accepted a Delta sync cycle.")
        );
    }

    #[test]
    fn reads_every_kind() {
        assert_eq!(
            Input::from_json_str(r#"{"kind":"start"}"#),
            Ok(Input::Start)
        );
        assert_eq!(
            Input::from_json_str(r#"{"Kind":"CANCEL"}"#),
            Ok(Input::Cancel)
        );
        let b = Input::from_json_str(r#"{"kind":"baseline","state":{"State":"Idle"}}"#).unwrap();
        assert_eq!(b, Input::Baseline(Observation::new(SyncState::Idle)));
        let s = Input::from_json_str(r#"{"kind":"state","State":{"InProgress":true}}"#).unwrap();
        assert_eq!(s, Input::State(Observation::new(SyncState::InProgress)));
        let t = Input::from_json_str(
            r#"{"kind":"triggered","result":{"Started":true,"Message":"ok","Details":null}}"#,
        )
        .unwrap();
        assert_eq!(t, Input::Triggered(TriggerReport::started("ok")));
        let f = Input::from_json_str(
            r#"{"kind":"triggerFailed","failure":{"class":"CycleBusy","errorId":"x",
                "category":"ResourceBusy","transient":true,"message":"Busy.",
                "remoteMessage":"AAD is busy."}}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            Input::TriggerFailed(
                Failure::new(FailureClass::CycleBusy, "Busy.").with_remote("AAD is busy.")
            )
        );
        let p =
            Input::from_json_str(r#"{"kind":"pollfailed","failure":{"class":"permissiondenied"}}"#)
                .unwrap();
        match p {
            Input::PollFailed(f) => {
                assert_eq!(f.class, FailureClass::PermissionDenied);
                assert!(f.message.contains("PermissionDenied"));
                assert_eq!(f.remote_message, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failure_json_round_trips() {
        for class in FailureClass::ALL {
            let f = Failure::new(class, "Something happened.").with_remote("remote words");
            assert_eq!(failure_from_json(&f.to_json()), Ok(f));
        }
    }

    #[test]
    fn a_failure_s_texts_are_masked_with_the_session_s_secrets_beside_it() {
        let input = serde_json::json!({
            "kind": "pollFailed",
            "failure": {"class": "RemoteExecutionFailed", "errorId": "x",
                        "message": "Connecting with Hunter2Secret failed.",
                        "remoteMessage": "token ec01 refused"},
            "redact": ["Hunter2Secret", "ec01", 5],
        });
        match Input::from_json(&input).unwrap() {
            Input::PollFailed(f) => {
                assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
                assert_eq!(f.message, "Connecting with [redacted] failed.");
                assert_eq!(
                    f.remote_message.as_deref(),
                    Some("token [redacted] refused")
                );
            }
            other => panic!("{other:?}"),
        }
        // Without a list, only the credential patterns.
        let mut plain = input.clone();
        plain.as_object_mut().unwrap().remove("redact");
        plain["kind"] = "runsFailed".into();
        match Input::from_json(&plain).unwrap() {
            Input::RunsFailed(f) => assert!(f.message.contains("Hunter2Secret")),
            other => panic!("{other:?}"),
        }
        plain["kind"] = "triggerFailed".into();
        assert!(matches!(
            Input::from_json(&plain).unwrap(),
            Input::TriggerFailed(_)
        ));
    }

    #[test]
    fn malformed_inputs_are_explained() {
        for bad in [
            "",
            "[1]",
            "{}",
            r#"{"kind":5}"#,
            r#"{"kind":"sleep"}"#,
            r#"{"kind":"state"}"#,
            r#"{"kind":"state","state":"Idle"}"#,
            r#"{"kind":"triggered","result":[]}"#,
            r#"{"kind":"pollFailed","failure":{"message":"x"}}"#,
            r#"{"kind":"pollFailed","failure":{"class":"Meltdown"}}"#,
        ] {
            let e = Input::from_json_str(bad).expect_err(bad);
            assert!(e.ends_with('.'), "{e}");
        }
    }
}
