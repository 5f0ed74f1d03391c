//! Provider operations, written against [`crate::session::RemoteSession`].
//!
//! Each operation sends one named ADSync command with data-only parameters and turns the answer
//! into a result or a classified [`Failure`]. Any error in the answer, terminating or not, fails
//! the operation: `Start-ADSyncSyncCycle` reports a running cycle only as a non-terminating
//! error next to otherwise normal-looking output.

use crate::adsync::classify_with;
use crate::adsync::commands::{
    PolicyType, GET_RUN_PROFILE_RESULT, GET_SCHEDULER, POLICY_TYPE_PARAMETER, START_SYNC_CYCLE,
};
use crate::adsync::run_history::{
    ConnectorSummary, RunProfileResult, RunReference, RUN_HISTORY_WINDOW,
};
use crate::adsync::scheduler::{looks_like_scheduler, SchedulerSettings, SyncState};
use crate::adsync::start::{parse_start_output, SUCCESS};
use crate::adsync::text::describe_output;
use crate::adsync::values::{output_items, UtcTime};
use crate::failure::{Failure, FailureClass};
use crate::redact::Secrets;
use crate::session::RemoteSession;
use serde::Serialize;
use serde_json::{Map, Value};

/// The answer to `StartSyncCycle`: the server accepted a cycle (which does not mean it ran).
///
/// Serializes as `{"Started":true,"Message":"...","PolicyType":"Delta","AcceptedAtUtc":"...Z",
/// "Details":{"PolicyType":"Delta","AcceptedAtUtc":"...Z","Result":"Success",
/// "ComputerName":"..."|null}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerResult {
    pub started: bool,
    pub message: String,
    pub policy_type: PolicyType,
    /// When the server's acceptance was received, by the caller's clock.
    pub accepted_at_utc: UtcTime,
    pub details: TriggerDetails,
}

/// The `Details` of a [`TriggerResult`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerDetails {
    pub policy_type: PolicyType,
    pub accepted_at_utc: UtcTime,
    /// The cmdlet's `Result`, normalised: always `Success` here.
    pub result: String,
    /// `PSComputerName` when remoting added it.
    pub computer_name: Option<String>,
}

/// The answer to `GetSyncCycleState`.
///
/// Serializes as `{"InProgress":bool,"State":"Idle"|"InProgress"|"Unknown","Details":{...}}`
/// where `Details` is [`SchedulerSettings`] with the real property names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateResult {
    /// True only when the scheduler said a cycle is in progress.
    pub in_progress: bool,
    pub state: SyncState,
    /// The parsed scheduler settings.
    pub details: SchedulerSettings,
}

impl StateResult {
    pub fn from_settings(details: SchedulerSettings) -> StateResult {
        let state = details.state();
        StateResult {
            in_progress: state == SyncState::InProgress,
            state,
            details,
        }
    }

    /// The parsed scheduler settings (the same as `details`).
    pub fn scheduler(&self) -> &SchedulerSettings {
        &self.details
    }
}

/// Asks the server to start a sync cycle of `policy_type` (`Delta` or `Initial`, any casing).
///
/// The policy type is checked before anything is sent. `now` stamps the acceptance.
/// Fails with `InvalidInput` for a bad policy type, the classified failure of any error the
/// command raised, or `UnexpectedResponse` when no success result came back.
pub fn start_sync_cycle(
    session: &mut dyn RemoteSession,
    policy_type: &str,
    now: UtcTime,
) -> Result<TriggerResult, Failure> {
    let policy = PolicyType::parse(policy_type)?;
    let mut parameters = Map::new();
    parameters.insert(
        POLICY_TYPE_PARAMETER.to_owned(),
        Value::String(policy.as_str().to_owned()),
    );
    let answer = session.invoke(START_SYNC_CYCLE, &parameters)?;
    if !answer.errors.is_empty() {
        return Err(classify_with(
            &answer.errors,
            &Secrets::new(answer.redact.iter()),
        ));
    }
    let accepted = parse_start_output(&answer.output)?;
    Ok(TriggerResult {
        started: true,
        message: format!("Entra Connect accepted a {policy} sync cycle."),
        policy_type: policy,
        accepted_at_utc: now,
        details: TriggerDetails {
            policy_type: policy,
            accepted_at_utc: now,
            result: SUCCESS.to_owned(),
            computer_name: accepted.computer_name,
        },
    })
}

/// Reads the scheduler's state with `Get-ADSyncScheduler` (no parameters).
///
/// Fails with the classified failure of any error the command raised, or `UnexpectedResponse`
/// when the output holds no scheduler object. A scheduler object without a readable
/// `SyncCycleInProgress` is not a failure: its state is `Unknown`.
pub fn get_sync_cycle_state(session: &mut dyn RemoteSession) -> Result<StateResult, Failure> {
    let answer = session.invoke(GET_SCHEDULER, &Map::new())?;
    if !answer.errors.is_empty() {
        return Err(classify_with(
            &answer.errors,
            &Secrets::new(answer.redact.iter()),
        ));
    }
    // An object without any scheduler property is refused rather than read as "Unknown": it
    // is not a scheduler at all, and guessing would hide a misrouted session.
    if !output_items(&answer.output)
        .into_iter()
        .any(looks_like_scheduler)
    {
        return Err(Failure::new(
            FailureClass::UnexpectedResponse,
            format!(
                "{GET_SCHEDULER} returned no scheduler settings, so the sync state is unknown; \
                 received {}.",
                describe_output(&answer.output)
            ),
        ));
    }
    let settings = SchedulerSettings::from_output(&answer.output).unwrap_or_default();
    Ok(StateResult::from_settings(settings))
}

/// The answer to `GetSyncCycleRuns`: the runs since a reference, and a new reference.
///
/// Serializes as `{"Since":{...}|null,"Reference":{"RunHistoryId":..,"StartDate":..},
/// "Runs":[...oldest first...],"Summary":[...per connector...],"Requested":n,"Truncated":bool}`;
/// each run as [`RunProfileResult::to_json`], each summary entry as
/// [`ConnectorSummary::to_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunsResult {
    /// The reference the runs are newer than; `None` when none was given (then `runs` is empty
    /// and only `reference` matters).
    pub since: Option<RunReference>,
    /// The newest entry now: the reference for a later call.
    pub reference: RunReference,
    /// The runs newer than `since`, oldest first.
    pub runs: Vec<RunProfileResult>,
    /// `NumberRequested` sent.
    pub requested: i64,
    /// The window did not reach back to `since`: older runs since it may be missing.
    pub truncated: bool,
}

impl RunsResult {
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "Since": self.since.as_ref().map(RunReference::to_json),
            "Reference": self.reference.to_json(),
            "Runs": self.runs.iter().map(RunProfileResult::to_json).collect::<Vec<_>>(),
            "Summary": ConnectorSummary::summarize(&self.runs)
                .iter()
                .map(ConnectorSummary::to_json)
                .collect::<Vec<_>>(),
            "Requested": self.requested,
            "Truncated": self.truncated,
        })
    }
}

impl Serialize for RunsResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Reads the run history with `Get-ADSyncRunProfileResult` and returns the runs newer than
/// `since`.
///
/// `since` is null (take a reference: one call with `NumberRequested = 1`, no runs returned), a
/// `Reference` an earlier call returned, or a server UTC time. Otherwise one call with
/// `NumberRequested = RUN_HISTORY_WINDOW` and `RunStepDetails = true`. Fails with `InvalidInput`
/// for an unreadable `since` (before anything is sent), the classified failure of any error the
/// command raised, or `UnexpectedResponse` when the output holds something but no run entry.
pub fn get_sync_cycle_runs(
    session: &mut dyn RemoteSession,
    since: &Value,
) -> Result<RunsResult, Failure> {
    let since = RunReference::from_value(since).map_err(|m| {
        Failure::new(
            FailureClass::InvalidInput,
            format!("The Since value given to GetSyncCycleRuns is not valid: {m}"),
        )
    })?;
    let requested = if since.is_some() {
        RUN_HISTORY_WINDOW
    } else {
        1
    };
    let mut parameters = Map::new();
    parameters.insert("NumberRequested".to_owned(), Value::from(requested));
    if since.is_some() {
        parameters.insert("RunStepDetails".to_owned(), Value::Bool(true));
    }
    let answer = session.invoke(GET_RUN_PROFILE_RESULT, &parameters)?;
    if !answer.errors.is_empty() {
        return Err(classify_with(
            &answer.errors,
            &Secrets::new(answer.redact.iter()),
        ));
    }
    let all = RunProfileResult::from_output(&answer.output);
    if all.is_empty()
        && output_items(&answer.output)
            .into_iter()
            .any(|v| !v.is_null())
    {
        return Err(Failure::new(
            FailureClass::UnexpectedResponse,
            format!(
                "{GET_RUN_PROFILE_RESULT} returned no run history entries; received {}.",
                describe_output(&answer.output)
            ),
        ));
    }
    let reference = RunReference::of_newest(&all);
    let (runs, truncated) = match &since {
        None => (Vec::new(), false),
        Some(s) => {
            let (newer, reached) = s.newer_entries(&all);
            let mut runs: Vec<RunProfileResult> = newer.into_iter().cloned().collect();
            runs.reverse();
            let full = i64::try_from(all.len()).unwrap_or(i64::MAX) >= requested;
            (runs, !reached && full)
        }
    };
    Ok(RunsResult {
        since,
        reference,
        runs,
        requested,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Answer, RemoteError};
    use serde_json::json;

    /// Answers every call with one canned answer and records what was sent.
    struct Canned {
        answer: Result<Answer, Failure>,
        calls: Vec<(String, Map<String, Value>)>,
    }

    impl Canned {
        fn new(output: Vec<Value>, errors: Vec<RemoteError>) -> Self {
            Canned {
                answer: Ok(Answer {
                    output,
                    errors,
                    ..Answer::default()
                }),
                calls: Vec::new(),
            }
        }
    }

    impl RemoteSession for Canned {
        fn invoke(
            &mut self,
            command: &str,
            parameters: &Map<String, Value>,
        ) -> Result<Answer, Failure> {
            self.calls.push((command.to_owned(), parameters.clone()));
            self.answer.clone()
        }
    }

    const NOW: UtcTime = UtcTime::from_unix_millis(1_780_000_000_000);

    #[test]
    fn trigger_sends_normalised_policy_and_serialises() {
        let mut s = Canned::new(
            vec![json!({"Result": "Success", "PSComputerName": "aadc01"})],
            vec![],
        );
        let r = start_sync_cycle(&mut s, " delta ", NOW).unwrap();
        assert_eq!(s.calls.len(), 1);
        assert_eq!(s.calls[0].0, "Start-ADSyncSyncCycle");
        assert_eq!(
            Value::Object(s.calls[0].1.clone()),
            json!({"PolicyType": "Delta"})
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({
                "Started": true,
                "Message": "Entra Connect accepted a Delta sync cycle.",
                "PolicyType": "Delta",
                "AcceptedAtUtc": "2026-05-28T20:26:40Z",
                "Details": {
                    "PolicyType": "Delta",
                    "AcceptedAtUtc": "2026-05-28T20:26:40Z",
                    "Result": "Success",
                    "ComputerName": "aadc01"
                }
            })
        );
    }

    #[test]
    fn state_sends_no_parameters() {
        let mut s = Canned::new(vec![json!({"SyncCycleInProgress": true})], vec![]);
        let r = get_sync_cycle_state(&mut s).unwrap();
        assert_eq!(
            s.calls,
            vec![("Get-ADSyncScheduler".to_owned(), Map::new())]
        );
        assert!(r.in_progress);
        assert_eq!(r.state, SyncState::InProgress);
        assert_eq!(r.scheduler().sync_cycle_in_progress, Some(true));
    }

    fn history() -> Vec<Value> {
        // Newest first; the second entry is the reference taken before the trigger.
        vec![
            json!({"RunHistoryId": "B", "ConnectorName": "aad", "RunProfileName": "Export",
                   "Result": "completed-export-errors", "IsRunComplete": true,
                   "StartDate": "2026-01-01T01:00:10Z", "EndDate": "2026-01-01T01:00:12Z",
                   "RunStepResults": [{"StepNumber": 1, "ExportAdd": 1, "ExportFailure": 3}]}),
            json!({"RunHistoryId": "A", "ConnectorName": "ad", "RunProfileName": "Export",
                   "Result": "success", "IsRunComplete": true,
                   "StartDate": "2026-01-01T00:30:00Z", "EndDate": "2026-01-01T00:30:02Z"}),
        ]
    }

    #[test]
    fn runs_reference_sends_one_and_returns_no_runs() {
        let mut s = Canned::new(history()[1..].to_vec(), vec![]);
        let r = get_sync_cycle_runs(&mut s, &Value::Null).unwrap();
        assert_eq!(
            s.calls,
            vec![(
                "Get-ADSyncRunProfileResult".to_owned(),
                json!({"NumberRequested": 1}).as_object().unwrap().clone()
            )]
        );
        assert!(r.runs.is_empty());
        assert_eq!(
            r.to_json()["Reference"],
            json!({"RunHistoryId": "a", "StartDate": "2026-01-01T00:30:00Z"})
        );
        // An empty history is a reference too: every later entry is newer.
        let mut s = Canned::new(vec![], vec![]);
        let r = get_sync_cycle_runs(&mut s, &Value::Null).unwrap();
        assert_eq!(
            r.to_json()["Reference"],
            json!({"RunHistoryId": null, "StartDate": null})
        );
    }

    #[test]
    fn runs_since_a_reference_are_listed_with_counts_and_summary() {
        let mut s = Canned::new(history(), vec![]);
        let since = json!({"RunHistoryId": "a", "StartDate": "2026-01-01T00:30:00Z"});
        let r = get_sync_cycle_runs(&mut s, &since).unwrap();
        assert_eq!(
            Value::Object(s.calls[0].1.clone()),
            json!({"NumberRequested": 50, "RunStepDetails": true})
        );
        let j = r.to_json();
        assert_eq!(j["Runs"].as_array().unwrap().len(), 1);
        assert_eq!(j["Runs"][0]["ConnectorName"], "aad");
        assert_eq!(j["Runs"][0]["ResultClass"], "CompletedWithErrors");
        assert_eq!(
            j["Runs"][0]["Counts"],
            json!({"adds": 1, "exportErrors": 3})
        );
        assert_eq!(j["Summary"][0]["connector"], "aad");
        assert_eq!(j["Summary"][0]["exportErrors"], 3);
        assert_eq!(j["Reference"]["RunHistoryId"], "b");
        assert_eq!(j["Since"], since);
        assert_eq!(j["Truncated"], false);
        // A server time as Since works too (the runs that started after it).
        let mut s = Canned::new(history(), vec![]);
        let r = get_sync_cycle_runs(&mut s, &json!("2026-01-01T00:45:00Z")).unwrap();
        assert_eq!(r.runs.len(), 1);
    }

    #[test]
    fn runs_failures_are_classified_and_bad_since_is_refused_before_sending() {
        let mut s = Canned::new(history(), vec![]);
        let f = get_sync_cycle_runs(&mut s, &json!(42)).unwrap_err();
        assert_eq!(f.class, FailureClass::InvalidInput);
        assert!(f.message.contains("Since"), "{}", f.message);
        assert!(s.calls.is_empty());

        let mut s = Canned::new(vec![json!({"Unrelated": true})], vec![]);
        let f = get_sync_cycle_runs(&mut s, &Value::Null).unwrap_err();
        assert_eq!(f.class, FailureClass::UnexpectedResponse);

        let mut s = Canned::new(
            vec![],
            vec![RemoteError {
                message: "The term 'Get-ADSyncRunProfileResult' is not recognized as the name of a cmdlet, function, script file, or operable program.".into(),
                terminating: true,
                ..RemoteError::default()
            }],
        );
        let f = get_sync_cycle_runs(&mut s, &Value::Null).unwrap_err();
        assert_eq!(f.class, FailureClass::AdSyncUnavailable);
    }

    #[test]
    fn session_failure_passes_through_unchanged() {
        let f = Failure::new(FailureClass::RemoteExecutionFailed, "callback failed");
        let mut s = Canned {
            answer: Err(f.clone()),
            calls: vec![],
        };
        assert_eq!(start_sync_cycle(&mut s, "Initial", NOW), Err(f.clone()));
        assert_eq!(get_sync_cycle_state(&mut s), Err(f));
    }
}
