//! One observed state of the server (`GetSyncCycleState`'s answer), read leniently.

use super::server_time::{parse_server_time, ServerTime};
use crate::adsync::values as lenient;
use crate::adsync::SyncState;
use serde_json::{Map, Value};

/// Server-side values that move when cycles run. Compared only with each other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerMarks {
    /// `NextSyncCycleStartTimeInUTC`: moves later when a cycle completes.
    pub next_cycle_start: Option<ServerTime>,
    /// `LastRunHistoryId`: the newest run-history entry; changes whenever a run profile ends.
    pub last_run_history_id: Option<String>,
    /// `LastRunEndUtc`: the end of the newest run; moves later whenever a run profile ends.
    pub last_run_end: Option<ServerTime>,
}

/// One state read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub state: SyncState,
    pub marks: ServerMarks,
    /// `StagingModeEnabled`: a cycle runs but exports nothing.
    pub staging_mode: Option<bool>,
    /// `SchedulerSuspended`: an upgrade runs or the configuration wizard is open.
    pub scheduler_suspended: Option<bool>,
}

impl Observation {
    /// An observation with the given state and nothing else (what a pure-PowerShell provider
    /// gives).
    pub fn new(state: SyncState) -> Observation {
        Observation {
            state,
            marks: ServerMarks::default(),
            staging_mode: None,
            scheduler_suspended: None,
        }
    }

    pub fn with_next_cycle_start(mut self, t: ServerTime) -> Observation {
        self.marks.next_cycle_start = Some(t);
        self
    }

    pub fn with_last_run_history_id(mut self, id: impl Into<String>) -> Observation {
        self.marks.last_run_history_id = Some(id.into());
        self
    }

    pub fn with_last_run_end(mut self, t: ServerTime) -> Observation {
        self.marks.last_run_end = Some(t);
        self
    }

    pub fn with_staging_mode(mut self, on: bool) -> Observation {
        self.staging_mode = Some(on);
        self
    }

    pub fn with_scheduler_suspended(mut self, on: bool) -> Observation {
        self.scheduler_suspended = Some(on);
        self
    }

    /// Reads `{"InProgress":bool,"State":"Idle"|"InProgress"|"Unknown","Details":{...}|null}`.
    ///
    /// Rules: `State` wins when it is `Idle` or `InProgress` and `InProgress` agrees or is
    /// absent; when they contradict each other the state is `Unknown`. Without `State`, the
    /// boolean `InProgress` (or `Details.SyncCycleInProgress`) decides. Any other `State` is
    /// `Unknown`. Detail keys are read from `Details`, falling back to the state object itself;
    /// unreadable detail values are ignored. Only a non-object is an error.
    pub fn from_json(value: &Value) -> Result<Observation, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "The observed state must be a JSON object with InProgress, State and Details, \
                 but it is {}.",
                lenient::type_name(value)
            )
        })?;
        let empty = Map::new();
        let details = lenient::get(object, "Details")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let detail = |key: &str| lenient::get(details, key).or_else(|| lenient::get(object, key));

        let in_progress = lenient::get(object, "InProgress")
            .or_else(|| detail("SyncCycleInProgress"))
            .and_then(lenient::boolean);
        let named = lenient::get(object, "State")
            .and_then(lenient::text)
            .map(|s| SyncState::parse(&s));
        let state = match (named, in_progress) {
            (Some(SyncState::Idle), Some(true)) | (Some(SyncState::InProgress), Some(false)) => {
                SyncState::Unknown
            }
            (Some(s), _) => s,
            (None, Some(true)) => SyncState::InProgress,
            (None, Some(false)) => SyncState::Idle,
            (None, None) => SyncState::Unknown,
        };

        let marks = ServerMarks {
            next_cycle_start: detail("NextSyncCycleStartTimeInUTC").and_then(parse_server_time),
            last_run_history_id: detail("LastRunHistoryId")
                .and_then(lenient::text)
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            last_run_end: detail("LastRunEndUtc").and_then(parse_server_time),
        };
        Ok(Observation {
            state,
            marks,
            staging_mode: detail("StagingModeEnabled").and_then(lenient::boolean),
            scheduler_suspended: detail("SchedulerSuspended").and_then(lenient::boolean),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obs(v: Value) -> Observation {
        Observation::from_json(&v).unwrap()
    }

    #[test]
    fn state_names_in_any_casing() {
        assert_eq!(SyncState::parse("IDLE"), SyncState::Idle);
        assert_eq!(SyncState::parse("inprogress"), SyncState::InProgress);
        assert_eq!(SyncState::parse("In Progress"), SyncState::InProgress);
        assert_eq!(SyncState::parse("Busy"), SyncState::Unknown);
        assert_eq!(SyncState::parse(""), SyncState::Unknown);
    }

    #[test]
    fn state_and_flag_combine() {
        assert_eq!(obs(json!({"State":"Idle"})).state, SyncState::Idle);
        assert_eq!(obs(json!({"InProgress":true})).state, SyncState::InProgress);
        assert_eq!(obs(json!({"inprogress":"False"})).state, SyncState::Idle);
        assert_eq!(
            obs(json!({"InProgress":true,"State":"Idle"})).state,
            SyncState::Unknown
        );
        assert_eq!(
            obs(json!({"InProgress":true,"State":"Unknown"})).state,
            SyncState::Unknown
        );
        assert_eq!(
            obs(json!({"InProgress":false,"State":"Weird"})).state,
            SyncState::Unknown
        );
        assert_eq!(obs(json!({})).state, SyncState::Unknown);
        let from_details = obs(json!({"Details":{"SyncCycleInProgress":"True"}}));
        assert_eq!(from_details.state, SyncState::InProgress);
    }

    #[test]
    fn details_are_read_leniently() {
        let o = obs(json!({
            "InProgress": false, "State": "Idle",
            "Details": {
                "nextSyncCycleStartTimeInUtc": "2024-05-01T10:30:00Z",
                "StagingModeEnabled": "True",
                "SchedulerSuspended": false,
                "LastRunHistoryId": " ABC-1 ",
                "LastRunEndUtc": "/Date(1000)/"
            }
        }));
        assert_eq!(o.staging_mode, Some(true));
        assert_eq!(o.scheduler_suspended, Some(false));
        assert_eq!(o.marks.last_run_history_id.as_deref(), Some("abc-1"));
        assert_eq!(o.marks.last_run_end, Some(ServerTime::from_unix_ms(1000)));
        assert!(o.marks.next_cycle_start.is_some());
    }

    #[test]
    fn missing_or_odd_details_are_ignored() {
        let o = obs(json!({"State":"Idle","Details":null}));
        assert_eq!(o, Observation::new(SyncState::Idle));
        let o = obs(json!({"State":"Idle","Details":"text",
                           "NextSyncCycleStartTimeInUTC":"not a date"}));
        assert_eq!(o, Observation::new(SyncState::Idle));
        assert!(Observation::from_json(&json!("Idle")).is_err());
        assert!(Observation::from_json(&json!(null)).is_err());
    }
}
