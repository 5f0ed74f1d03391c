//! The core's own provider results, read back strictly.
//!
//! When the step hands the machine a result that this library's provider returned, the step
//! passes the core's own result JSON (as the provider wrote it, remembered beside the PowerShell
//! object) under `own`: `{"kind":"state","own":{...}}`. That text was written by
//! [`crate::provider`]'s serializers, so it is read here with serde in exactly that layout:
//! every field named, no unknown field, no other casing, times in the core's own ISO form. A
//! mismatch is a defect (the machine fails `Internal`, naming what did not match); the lenient
//! readers of [`super::input`] and [`super::observation`] are for foreign providers only.

use super::input::{RunsRead, TriggerReport};
use super::observation::{Observation, ServerMarks};
use super::server_time::ServerTime;
use crate::adsync::run_history::{RunProfileResult, RunReference, RunStepResult, STEP_COUNTERS};
use crate::adsync::values::{TimeSpan, UtcTime};
use crate::adsync::SyncState;
use serde::de::{Deserializer, Error as _, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;

/// A time in the core's own form (`UtcTime::to_iso`), and only that form.
fn iso<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UtcTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => match UtcTime::parse(&text) {
            Some(t) if t.to_iso() == text => Ok(Some(t)),
            _ => Err(D::Error::custom(format!(
                "'{}' is not a time in the core's ISO form",
                crate::adsync::text::one_line(&text, 40)
            ))),
        },
    }
}

fn iso_required<'de, D: Deserializer<'de>>(d: D) -> Result<UtcTime, D::Error> {
    iso(d)?.ok_or_else(|| D::Error::custom("a time is required"))
}

/// `StartSyncCycle`'s result ([`crate::provider::TriggerResult`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OwnTrigger {
    started: bool,
    message: String,
    policy_type: OwnPolicy,
    #[serde(deserialize_with = "iso_required")]
    #[allow(dead_code)]
    accepted_at_utc: UtcTime,
    #[allow(dead_code)]
    details: OwnTriggerDetails,
}

#[derive(Deserialize)]
enum OwnPolicy {
    Delta,
    Initial,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
#[allow(dead_code)]
struct OwnTriggerDetails {
    policy_type: OwnPolicy,
    #[serde(deserialize_with = "iso_required")]
    accepted_at_utc: UtcTime,
    result: String,
    computer_name: Option<String>,
}

/// `GetSyncCycleState`'s result ([`crate::provider::StateResult`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OwnState {
    in_progress: bool,
    state: SyncStateName,
    details: OwnScheduler,
}

#[derive(Deserialize, Clone, Copy)]
enum SyncStateName {
    Idle,
    InProgress,
    Unknown,
}

/// [`crate::adsync::scheduler::SchedulerSettings`] under the server's property names.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, non_snake_case)]
struct OwnScheduler {
    SyncCycleInProgress: Option<bool>,
    SyncCycleEnabled: Option<bool>,
    StagingModeEnabled: Option<bool>,
    SchedulerSuspended: Option<bool>,
    MaintenanceEnabled: Option<bool>,
    #[serde(deserialize_with = "iso")]
    NextSyncCycleStartTimeInUTC: Option<UtcTime>,
    NextSyncCyclePolicyType: Option<String>,
    AllowedSyncCycleInterval: Option<TimeSpan>,
    CurrentlyEffectiveSyncCycleInterval: Option<TimeSpan>,
    CustomizedSyncCycleInterval: Option<TimeSpan>,
    PurgeRunHistoryInterval: Option<TimeSpan>,
}

/// `GetSyncCycleRuns`'s result ([`crate::provider::RunsResult::to_json`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OwnRuns {
    #[allow(dead_code)]
    since: Option<OwnReference>,
    reference: OwnReference,
    runs: Vec<OwnRun>,
    /// Derived from `Runs`; the machine summarises the runs itself.
    #[allow(dead_code)]
    summary: IgnoredAny,
    #[allow(dead_code)]
    requested: i64,
    truncated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OwnReference {
    run_history_id: Option<String>,
    #[serde(deserialize_with = "iso")]
    start_date: Option<UtcTime>,
}

/// [`RunProfileResult::to_json`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OwnRun {
    run_history_id: Option<String>,
    connector_name: Option<String>,
    run_profile_name: Option<String>,
    run_number: Option<i64>,
    is_run_complete: Option<bool>,
    result: Option<String>,
    /// Derived from `Result`.
    #[allow(dead_code)]
    result_class: String,
    #[serde(deserialize_with = "iso")]
    start_date: Option<UtcTime>,
    #[serde(deserialize_with = "iso")]
    end_date: Option<UtcTime>,
    /// Derived from `RunStepResults`.
    #[allow(dead_code)]
    counts: IgnoredAny,
    run_step_results: Vec<OwnStep>,
}

/// [`RunStepResult::to_json`]: the counters of [`STEP_COUNTERS`] that the server gave.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct OwnStep {
    StepNumber: Option<i64>,
    StepResult: Option<String>,
    StageAdd: Option<i64>,
    StageUpdate: Option<i64>,
    StageDelete: Option<i64>,
    StageDeleteAdd: Option<i64>,
    StageRename: Option<i64>,
    StageNoChange: Option<i64>,
    StageFailure: Option<i64>,
    ExportAdd: Option<i64>,
    ExportUpdate: Option<i64>,
    ExportRename: Option<i64>,
    ExportDelete: Option<i64>,
    ExportDeleteAdd: Option<i64>,
    ExportFailure: Option<i64>,
    SyncErrorCount: Option<i64>,
    ExportErrorCount: Option<i64>,
    DiscoveryErrorCount: Option<i64>,
}

impl From<OwnStep> for RunStepResult {
    fn from(s: OwnStep) -> RunStepResult {
        // The order of STEP_COUNTERS.
        let counters = [
            s.StageAdd,
            s.StageUpdate,
            s.StageDelete,
            s.StageDeleteAdd,
            s.StageRename,
            s.StageNoChange,
            s.StageFailure,
            s.ExportAdd,
            s.ExportUpdate,
            s.ExportRename,
            s.ExportDelete,
            s.ExportDeleteAdd,
            s.ExportFailure,
        ];
        debug_assert_eq!(counters.len(), STEP_COUNTERS.len());
        RunStepResult {
            step_number: s.StepNumber,
            step_result: s.StepResult,
            counters,
            sync_errors: s.SyncErrorCount,
            export_error_entries: s.ExportErrorCount,
            discovery_errors: s.DiscoveryErrorCount,
        }
    }
}

impl From<OwnRun> for RunProfileResult {
    fn from(r: OwnRun) -> RunProfileResult {
        RunProfileResult {
            run_history_id: r.run_history_id,
            connector_name: r.connector_name,
            run_profile_name: r.run_profile_name,
            run_number: r.run_number,
            is_run_complete: r.is_run_complete,
            result: r.result,
            start_date: r.start_date,
            end_date: r.end_date,
            steps: r.run_step_results.into_iter().map(Into::into).collect(),
        }
    }
}

fn strict<'a, T: Deserialize<'a>>(what: &str, value: &'a Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| {
        format!(
            "The provider's own {what} does not match the core's layout: {}.",
            crate::adsync::text::one_line(&e.to_string(), 200)
        )
    })
}

/// Our provider's `StartSyncCycle` result.
pub(crate) fn trigger(value: &Value) -> Result<TriggerReport, String> {
    let t: OwnTrigger = strict("StartSyncCycle result", value)?;
    let _ = t.policy_type;
    Ok(TriggerReport {
        started: Some(t.started),
        // Written by the core: nothing to mask, never empty.
        message: Some(t.message).filter(|m| !m.is_empty()),
    })
}

/// Our provider's `GetSyncCycleState` result.
pub(crate) fn state(value: &Value) -> Result<Observation, String> {
    let s: OwnState = strict("GetSyncCycleState result", value)?;
    let state = match s.state {
        SyncStateName::Idle => SyncState::Idle,
        SyncStateName::InProgress => SyncState::InProgress,
        SyncStateName::Unknown => SyncState::Unknown,
    };
    if s.in_progress != (state == SyncState::InProgress) {
        return Err(
            "The provider's own GetSyncCycleState result does not match the core's layout: \
             InProgress contradicts State."
                .to_owned(),
        );
    }
    let d = s.details;
    Ok(Observation {
        state,
        marks: ServerMarks {
            next_cycle_start: d
                .NextSyncCycleStartTimeInUTC
                .map(|t| ServerTime::from_unix_ms(t.unix_millis())),
            last_run_history_id: None,
            last_run_end: None,
        },
        staging_mode: d.StagingModeEnabled,
        scheduler_suspended: d.SchedulerSuspended,
    })
}

/// Our provider's `GetSyncCycleRuns` result.
pub(crate) fn runs(value: &Value) -> Result<RunsRead, String> {
    let r: OwnRuns = strict("GetSyncCycleRuns result", value)?;
    Ok(RunsRead {
        reference: Some(RunReference {
            run_history_id: r.reference.run_history_id,
            start_date: r.reference.start_date,
        }),
        runs: r.runs.into_iter().map(Into::into).collect(),
        truncated: r.truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adsync::scheduler::SchedulerSettings;
    use crate::adsync::PolicyType;
    use crate::provider::{RunsResult, StateResult, TriggerDetails, TriggerResult};

    fn now() -> UtcTime {
        UtcTime::from_unix_millis(1_767_225_600_123)
    }

    #[test]
    fn our_trigger_result_is_read_strictly() {
        let ours = TriggerResult {
            started: true,
            message: "Entra Connect accepted a Delta sync cycle.".to_owned(),
            policy_type: PolicyType::Delta,
            accepted_at_utc: now(),
            details: TriggerDetails {
                policy_type: PolicyType::Delta,
                accepted_at_utc: now(),
                result: "Success".to_owned(),
                computer_name: None,
            },
        };
        let json = serde_json::to_value(&ours).unwrap();
        assert_eq!(trigger(&json).unwrap(), TriggerReport::from(&ours));
        // The lenient reader would take these; the strict one names what does not match.
        let mut renamed = json.clone();
        let started = renamed.as_object_mut().unwrap().remove("Started").unwrap();
        renamed
            .as_object_mut()
            .unwrap()
            .insert("started".into(), started);
        let e = trigger(&renamed).unwrap_err();
        assert!(
            e.contains("does not match the core's layout") && e.contains("started"),
            "{e}"
        );
        let mut text = json.clone();
        text["Started"] = Value::String("True".into());
        assert!(trigger(&text).is_err());
    }

    #[test]
    fn our_state_result_is_read_strictly() {
        let settings = SchedulerSettings {
            sync_cycle_in_progress: Some(false),
            staging_mode_enabled: Some(true),
            scheduler_suspended: Some(false),
            next_sync_cycle_start_time_in_utc: Some(now()),
            ..SchedulerSettings::default()
        };
        let ours = StateResult::from_settings(settings);
        let json = serde_json::to_value(&ours).unwrap();
        let o = state(&json).unwrap();
        assert_eq!(o, Observation::from_json(&json).unwrap());
        assert_eq!(o.state, SyncState::Idle);
        assert_eq!(o.staging_mode, Some(true));
        assert_eq!(
            o.marks.next_cycle_start,
            Some(ServerTime::from_unix_ms(now().unix_millis()))
        );
        let mut extra = json.clone();
        extra["Details"]["LastRunHistoryId"] = Value::String("x".into());
        let e = state(&extra).unwrap_err();
        assert!(e.contains("LastRunHistoryId"), "{e}");
        let mut odd_time = json.clone();
        odd_time["Details"]["NextSyncCycleStartTimeInUTC"] = Value::String("/Date(1000)/".into());
        assert!(state(&odd_time).unwrap_err().contains("ISO form"));
        let mut casing = json.clone();
        casing["State"] = Value::String("idle".into());
        assert!(state(&casing).is_err());
        let mut contradiction = json;
        contradiction["InProgress"] = Value::Bool(true);
        assert!(state(&contradiction).unwrap_err().contains("contradicts"));
    }

    #[test]
    fn our_runs_result_is_read_strictly() {
        let run = RunProfileResult {
            run_history_id: Some("a1".into()),
            connector_name: Some("contoso.com".into()),
            run_profile_name: Some("Delta Import".into()),
            run_number: Some(7),
            is_run_complete: Some(true),
            result: Some("completed-sync-errors".into()),
            start_date: Some(now()),
            end_date: Some(now().add_millis(5_000)),
            steps: vec![RunStepResult {
                step_number: Some(1),
                step_result: Some("completed-sync-errors".into()),
                counters: [
                    Some(1),
                    Some(2),
                    None,
                    None,
                    None,
                    None,
                    Some(3),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
                sync_errors: Some(2),
                export_error_entries: None,
                discovery_errors: Some(0),
            }],
        };
        let ours = RunsResult {
            since: Some(RunReference {
                run_history_id: Some("a0".into()),
                start_date: None,
            }),
            reference: RunReference {
                run_history_id: Some("a1".into()),
                start_date: Some(now()),
            },
            runs: vec![run.clone()],
            requested: 50,
            truncated: false,
        };
        let json = ours.to_json();
        let read = runs(&json).unwrap();
        assert_eq!(read.runs, vec![run]);
        assert_eq!(read.reference, Some(ours.reference.clone()));
        assert!(!read.truncated);
        let mut extra = json;
        extra["Runs"][0]["RunStepResults"][0]["Surprise"] = Value::from(1);
        assert!(runs(&extra).unwrap_err().contains("Surprise"));
    }
}
