//! `Get-ADSyncRunProfileResult` and `Get-ADSyncConnectorRunStatus`: evidence that a cycle ran
//! and how its run profiles ended.
//!
//! Connector run status goes empty between run profiles, so "no connector busy" never means
//! "finished"; run history entries newer than a trigger are the evidence that one ran.

use crate::adsync::text::one_line;
use crate::adsync::values::{boolean, datetime, integer, output_items, prop, string, UtcTime};
use serde::Serialize;
use serde_json::Value;

/// Longest identifier or name kept from the server.
const MAX_NAME_CHARS: usize = 200;

/// How a run profile ended, from its lower-case `Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RunOutcome {
    /// `success`.
    Success,
    /// `completed-*-warnings`: ran, with warnings.
    CompletedWithWarnings,
    /// `completed-sync-errors`, `completed-export-errors`, other `completed-*`: ran, some objects
    /// failed.
    CompletedWithErrors,
    /// `stopped-*` or `no-start-*`: the run did not complete.
    Stopped,
    /// `in-progress` or an empty result on a run that is not complete.
    InProgress,
    /// Anything else.
    Unknown,
}

impl RunOutcome {
    pub fn from_result(result: &str) -> RunOutcome {
        let r = result.trim().to_ascii_lowercase();
        if r == "success" {
            RunOutcome::Success
        } else if r.starts_with("completed-") && r.ends_with("-warnings") {
            RunOutcome::CompletedWithWarnings
        } else if r.starts_with("completed-") {
            RunOutcome::CompletedWithErrors
        } else if r.starts_with("stopped-") || r.starts_with("no-start") {
            RunOutcome::Stopped
        } else if r == "in-progress" {
            RunOutcome::InProgress
        } else {
            RunOutcome::Unknown
        }
    }
}

/// One run history entry; every field `None` when absent or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunProfileResult {
    /// A GUID, lower-cased so entries compare across shapes.
    pub run_history_id: Option<String>,
    pub connector_name: Option<String>,
    pub run_profile_name: Option<String>,
    pub run_number: Option<i64>,
    pub is_run_complete: Option<bool>,
    /// The server's `Result`, lower-cased (`success`, `stopped-server-down`, ...).
    pub result: Option<String>,
    pub start_date: Option<UtcTime>,
    pub end_date: Option<UtcTime>,
}

impl RunProfileResult {
    pub fn from_object(object: &Value) -> RunProfileResult {
        let text = |name| {
            prop(object, name)
                .and_then(string)
                .map(|s| one_line(s, MAX_NAME_CHARS))
                .filter(|s| !s.is_empty())
        };
        RunProfileResult {
            run_history_id: text("RunHistoryId").map(|s| s.to_ascii_lowercase()),
            connector_name: text("ConnectorName"),
            run_profile_name: text("RunProfileName"),
            run_number: prop(object, "RunNumber").and_then(integer),
            is_run_complete: prop(object, "IsRunComplete").and_then(boolean),
            result: text("Result").map(|s| s.to_ascii_lowercase()),
            start_date: prop(object, "StartDate").and_then(datetime),
            end_date: prop(object, "EndDate").and_then(datetime),
        }
    }

    /// Every object in the output that carries a run history property, in output order
    /// (newest first, as the cmdlet returns them).
    pub fn from_output(output: &[Value]) -> Vec<RunProfileResult> {
        output_items(output)
            .into_iter()
            .filter(|v| {
                v.is_object()
                    && ["RunHistoryId", "RunProfileName", "IsRunComplete"]
                        .iter()
                        .any(|p| prop(v, p).is_some())
            })
            .map(RunProfileResult::from_object)
            .collect()
    }

    pub fn outcome(&self) -> RunOutcome {
        match (&self.result, self.is_run_complete) {
            (Some(r), _) if !r.is_empty() => RunOutcome::from_result(r),
            (_, Some(false)) => RunOutcome::InProgress,
            _ => RunOutcome::Unknown,
        }
    }

    /// Whether this run started at or after `instant` (a trigger time), when that is known.
    pub fn started_since(&self, instant: UtcTime) -> Option<bool> {
        self.start_date.map(|s| s >= instant)
    }
}

/// One connector that `Get-ADSyncConnectorRunStatus` lists as running.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectorRunStatus {
    pub connector_name: Option<String>,
    /// `RunState` as named by the server (`Busy`), or its number.
    pub run_state: Option<String>,
}

impl ConnectorRunStatus {
    /// The connectors listed; empty output means none is running at this moment.
    pub fn from_output(output: &[Value]) -> Vec<ConnectorRunStatus> {
        output_items(output)
            .into_iter()
            .filter(|v| prop(v, "ConnectorName").is_some() || prop(v, "RunState").is_some())
            .map(|v| ConnectorRunStatus {
                connector_name: prop(v, "ConnectorName")
                    .and_then(string)
                    .map(|s| one_line(s, MAX_NAME_CHARS)),
                run_state: prop(v, "RunState").and_then(|s| match string(s) {
                    Some(name) => Some(one_line(name, MAX_NAME_CHARS)),
                    None => integer(s).map(|n| n.to_string()),
                }),
            })
            .collect()
    }

    /// A connector listed with a state other than a non-busy name counts as busy: the cmdlet
    /// lists only running connectors, and the enum's numbers are not published.
    pub fn is_busy(&self) -> bool {
        !matches!(self.run_state.as_deref(), Some(s) if s.eq_ignore_ascii_case("idle")
            || s.eq_ignore_ascii_case("notrunning")
            || s.eq_ignore_ascii_case("stopped"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_from_every_documented_result() {
        use RunOutcome as O;
        for (r, o) in [
            ("success", O::Success),
            ("SUCCESS", O::Success),
            ("completed-sync-errors", O::CompletedWithErrors),
            ("completed-export-errors", O::CompletedWithErrors),
            ("completed-export-warnings", O::CompletedWithWarnings),
            ("completed-no-objects-warnings", O::CompletedWithWarnings),
            ("stopped-server-down", O::Stopped),
            ("stopped-error-limit", O::Stopped),
            ("stopped-extension-dll-exception", O::Stopped),
            ("no-start-connection", O::Stopped),
            ("in-progress", O::InProgress),
            ("whatever", O::Unknown),
        ] {
            assert_eq!(RunOutcome::from_result(r), o, "{r}");
        }
    }

    #[test]
    fn reads_run_history_in_ps7_and_ps51_shapes() {
        let raw = r#"[
          {"RunHistoryId":"6D1F0A0E-1C2B-4F3A-9E8D-7C6B5A493827","ConnectorId":"x","ConnectorName":"contoso.onmicrosoft.com - AAD",
           "RunProfileName":"Export","RunNumber":42,"Username":"NT SERVICE\\ADSync","IsRunComplete":true,
           "Result":"success","CurrentStepNumber":1,"TotalSteps":1,
           "StartDate":"2026-01-01T00:01:00Z","EndDate":{"value":"\/Date(1767225720000)\/","DisplayHint":2}},
          {"runhistoryid":"a","runprofilename":"Delta Import","isruncomplete":"False","result":"","startdate":"\/Date(1767225600000)\/","EndDate":null}
        ]"#;
        let v: Value = serde_json::from_str(raw).unwrap();
        let runs = RunProfileResult::from_output(&[v, json!("noise")]);
        assert_eq!(runs.len(), 2);
        let first = &runs[0];
        assert_eq!(
            first.run_history_id.as_deref(),
            Some("6d1f0a0e-1c2b-4f3a-9e8d-7c6b5a493827")
        );
        assert_eq!(first.outcome(), RunOutcome::Success);
        assert_eq!(first.run_number, Some(42));
        assert_eq!(
            first.end_date.map(UtcTime::to_iso).as_deref(),
            Some("2026-01-01T00:02:00Z")
        );
        let trigger = UtcTime::from_unix_millis(1_767_225_600_000);
        assert_eq!(first.started_since(trigger), Some(true));
        assert_eq!(runs[1].outcome(), RunOutcome::InProgress);
        assert_eq!(runs[1].end_date, None);
        assert_eq!(runs[1].started_since(trigger.add_millis(1)), Some(false));
    }

    #[test]
    fn junk_is_no_history() {
        assert!(RunProfileResult::from_output(&[]).is_empty());
        assert!(
            RunProfileResult::from_output(&[json!(1), json!({"Foo": 1}), json!(null)]).is_empty()
        );
        assert_eq!(RunProfileResult::default().outcome(), RunOutcome::Unknown);
    }

    #[test]
    fn connector_run_status() {
        assert!(ConnectorRunStatus::from_output(&[]).is_empty());
        let list = ConnectorRunStatus::from_output(&[
            json!({"ConnectorName": "corp.local", "RunState": "Busy"}),
            json!({"connectorname": "x - AAD", "runstate": 1}),
            json!({"ConnectorName": "y", "RunState": "Idle"}),
        ]);
        assert_eq!(list.len(), 3);
        assert!(list[0].is_busy());
        assert_eq!(list[1].run_state.as_deref(), Some("1"));
        assert!(list[1].is_busy());
        assert!(!list[2].is_busy());
    }
}
