//! `Get-ADSyncRunProfileResult` and `Get-ADSyncConnectorRunStatus`: evidence that a cycle ran
//! and how its run profiles ended.
//!
//! Connector run status goes empty between run profiles, so "no connector busy" never means
//! "finished"; run history entries newer than a trigger are the evidence that one ran.

use crate::adsync::text::one_line;
use crate::adsync::values::{boolean, datetime, integer, output_items, prop, string, UtcTime};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

/// Longest identifier or name kept from the server.
const MAX_NAME_CHARS: usize = 200;

/// Most run-history entries read for one `GetSyncCycleRuns` call (`-NumberRequested`). A delta
/// cycle runs 3 profiles per AD connector plus 3 for the Entra connector, so this covers a cycle
/// of a server with 15 AD connectors; more runs since the reference are reported as truncated.
pub const RUN_HISTORY_WINDOW: i64 = 50;

/// How a run profile ended, from its lower-case `Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RunOutcome {
    /// `success`.
    Success,
    /// `in-progress` or an empty result on a run that is not complete.
    InProgress,
    /// `completed-*-warnings`: ran, with warnings.
    CompletedWithWarnings,
    /// Anything else.
    Unknown,
    /// `completed-sync-errors`, `completed-export-errors`, other `completed-*`: ran, some objects
    /// failed.
    CompletedWithErrors,
    /// `no-start-*` (`no-start-connection`, ...): the run never started.
    NotStarted,
    /// `stopped-*` (`stopped-server-down`, `stopped-error-limit`, ...): the run began but did not
    /// complete.
    Stopped,
}

impl RunOutcome {
    /// Every class, mildest first (the order of [`Ord`]).
    pub const ALL: [RunOutcome; 7] = [
        RunOutcome::Success,
        RunOutcome::InProgress,
        RunOutcome::CompletedWithWarnings,
        RunOutcome::Unknown,
        RunOutcome::CompletedWithErrors,
        RunOutcome::NotStarted,
        RunOutcome::Stopped,
    ];

    pub fn from_result(result: &str) -> RunOutcome {
        let r = result.trim().to_ascii_lowercase();
        if r == "success" {
            RunOutcome::Success
        } else if r.starts_with("completed-") && r.ends_with("-warnings") {
            RunOutcome::CompletedWithWarnings
        } else if r.starts_with("completed-") {
            RunOutcome::CompletedWithErrors
        } else if r.starts_with("stopped-") {
            RunOutcome::Stopped
        } else if r.starts_with("no-start") {
            RunOutcome::NotStarted
        } else if r == "in-progress" {
            RunOutcome::InProgress
        } else {
            RunOutcome::Unknown
        }
    }

    /// The class name used in JSON and event data.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Success => "Success",
            RunOutcome::InProgress => "InProgress",
            RunOutcome::CompletedWithWarnings => "CompletedWithWarnings",
            RunOutcome::Unknown => "Unknown",
            RunOutcome::CompletedWithErrors => "CompletedWithErrors",
            RunOutcome::NotStarted => "NotStarted",
            RunOutcome::Stopped => "Stopped",
        }
    }

    /// `None` (success or still running), `Low` (warnings, an unknown result), `Medium` (the run
    /// completed but some objects failed) or `High` (the run did not complete).
    pub fn severity(self) -> &'static str {
        match self {
            RunOutcome::Success | RunOutcome::InProgress => "None",
            RunOutcome::CompletedWithWarnings | RunOutcome::Unknown => "Low",
            RunOutcome::CompletedWithErrors => "Medium",
            RunOutcome::NotStarted | RunOutcome::Stopped => "High",
        }
    }

    /// A finished run whose result is anything but `success`: reported as a warning, or as a
    /// failure when the workflow asks for it.
    pub fn is_problem(self) -> bool {
        !matches!(self, RunOutcome::Success | RunOutcome::InProgress)
    }

    /// The run did not complete (`stopped-*`, `no-start-*`).
    pub fn did_not_complete(self) -> bool {
        matches!(self, RunOutcome::Stopped | RunOutcome::NotStarted)
    }
}

/// The counters of one run step, by their ADSync property names. `StageAdd` ... `StageFailure`
/// are certain (Microsoft's ADSyncTools read them); the `Export*` counters appear only in a
/// community model and are read when present.
pub const STEP_COUNTERS: [&str; 13] = [
    "StageAdd",
    "StageUpdate",
    "StageDelete",
    "StageDeleteAdd",
    "StageRename",
    "StageNoChange",
    "StageFailure",
    "ExportAdd",
    "ExportUpdate",
    "ExportRename",
    "ExportDelete",
    "ExportDeleteAdd",
    "ExportFailure",
];

/// One entry of a run's `RunStepResults`; every value `None` when absent or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStepResult {
    pub step_number: Option<i64>,
    /// `StepResult`, lower-cased.
    pub step_result: Option<String>,
    /// The values of [`STEP_COUNTERS`], in that order.
    pub counters: [Option<i64>; 13],
    /// The errors listed in `SyncErrors.SyncErrorsXml` other than `export-error` entries (or
    /// a `SyncErrorCount` number).
    pub sync_errors: Option<i64>,
    /// The `export-error` entries of `SyncErrors.SyncErrorsXml` (or an `ExportErrorCount`
    /// number): the export errors when the server gives no `ExportFailure` counter.
    pub export_error_entries: Option<i64>,
    /// The errors listed in `ConnectorDiscoveryErrors.ConnectorDiscoveryErrorsXml` (or a
    /// `DiscoveryErrorCount` number).
    pub discovery_errors: Option<i64>,
}

impl RunStepResult {
    /// The value of the counter `name` (one of [`STEP_COUNTERS`]).
    pub fn counter(&self, name: &str) -> Option<i64> {
        STEP_COUNTERS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.counters[i])
    }

    pub fn from_object(object: &Value) -> RunStepResult {
        let mut counters = [None; 13];
        for (slot, name) in counters.iter_mut().zip(STEP_COUNTERS.iter()) {
            *slot = prop(object, name).and_then(count);
        }
        let sync_list = prop(object, "SyncErrors").and_then(|v| error_list(v, "SyncErrorsXml"));
        RunStepResult {
            step_number: prop(object, "StepNumber").and_then(integer),
            step_result: prop(object, "StepResult")
                .and_then(string)
                .map(|s| one_line(s, MAX_NAME_CHARS).to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            counters,
            sync_errors: prop(object, "SyncErrorCount")
                .and_then(count)
                .or_else(|| sync_list.map(|(others, _)| others)),
            export_error_entries: prop(object, "ExportErrorCount")
                .and_then(count)
                .or_else(|| sync_list.and_then(|(_, exports)| exports)),
            discovery_errors: prop(object, "DiscoveryErrorCount")
                .and_then(count)
                .or_else(|| {
                    prop(object, "ConnectorDiscoveryErrors")
                        .and_then(|v| error_list(v, "ConnectorDiscoveryErrorsXml"))
                        .map(|(others, exports)| others.saturating_add(exports.unwrap_or(0)))
                }),
        }
    }

    /// The steps in a `RunStepResults` value: a list, one object, or a collection wrapper.
    /// Steps that remoting flattened to text (its default serialization depth) carry no counts
    /// and are left out.
    pub fn from_list(value: &Value) -> Vec<RunStepResult> {
        output_items(std::slice::from_ref(value))
            .into_iter()
            .filter(|v| v.is_object())
            .map(RunStepResult::from_object)
            .collect()
    }

    /// The step in the JSON form [`RunStepResult::from_object`] reads back.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("StepNumber".into(), json!(self.step_number));
        m.insert("StepResult".into(), json!(self.step_result));
        for (name, value) in STEP_COUNTERS.iter().zip(self.counters.iter()) {
            if let Some(v) = value {
                m.insert((*name).into(), json!(v));
            }
        }
        if let Some(v) = self.sync_errors {
            m.insert("SyncErrorCount".into(), json!(v));
        }
        if let Some(v) = self.export_error_entries {
            m.insert("ExportErrorCount".into(), json!(v));
        }
        if let Some(v) = self.discovery_errors {
            m.insert("DiscoveryErrorCount".into(), json!(v));
        }
        Value::Object(m)
    }
}

/// A non-negative count.
fn count(value: &Value) -> Option<i64> {
    integer(value).filter(|n| *n >= 0)
}

/// How many errors an error-list property holds, as (entries other than `export-error`,
/// `export-error` entries when the list says): a number, a list, the XML text, or an object
/// whose `xml_property` holds the XML text.
fn error_list(value: &Value, xml_property: &str) -> Option<(i64, Option<i64>)> {
    let from_xml = |text: &str| {
        xml_children(text).map(|names| {
            let exports = names.iter().filter(|n| *n == "export-error").count();
            (
                i64::try_from(names.len() - exports).unwrap_or(i64::MAX),
                Some(i64::try_from(exports).unwrap_or(i64::MAX)),
            )
        })
    };
    match value {
        Value::Null => None,
        Value::Array(list) => i64::try_from(list.len()).ok().map(|n| (n, None)),
        Value::String(text) => from_xml(text),
        Value::Object(_) => prop(value, xml_property)
            .and_then(string)
            .and_then(from_xml)
            .or_else(|| prop(value, "Count").and_then(count).map(|n| (n, None))),
        other => count(other).map(|n| (n, None)),
    }
}

/// The number of elements directly under the root element of `xml` (each is one error in
/// ADSync's error lists). Empty text is no error; text that is not XML is `None`.
pub fn xml_child_count(xml: &str) -> Option<i64> {
    xml_children(xml).map(|names| i64::try_from(names.len()).unwrap_or(i64::MAX))
}

/// The (lower-cased) names of the elements directly under the root element of `xml`.
fn xml_children(xml: &str) -> Option<Vec<String>> {
    let text = xml.trim();
    if text.is_empty() {
        return Some(Vec::new());
    }
    if !text.starts_with('<') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut depth: i64 = 0;
    let mut children: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            i += rest.find("]]>").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let close = rest.find('>')?;
        let tag = &rest[..=close];
        if tag.starts_with("<?") || tag.starts_with("<!") {
        } else if tag.starts_with("</") {
            depth -= 1;
        } else {
            if depth == 1 {
                let name: String = tag[1..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
                    .collect();
                children.push(name.to_ascii_lowercase());
            }
            if !tag.ends_with("/>") {
                depth += 1;
            }
        }
        i += close + 1;
    }
    Some(children)
}

/// The counts of a run, summed over its steps; `None` where no step gave the counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// `StageAdd` + `ExportAdd`.
    pub adds: Option<i64>,
    /// `StageUpdate` + `ExportUpdate`.
    pub updates: Option<i64>,
    /// `StageDelete` + `ExportDelete`.
    pub deletes: Option<i64>,
    /// `ExportFailure`.
    pub export_errors: Option<i64>,
    /// Entries of `SyncErrors`.
    pub sync_errors: Option<i64>,
    /// Entries of `ConnectorDiscoveryErrors`.
    pub discovery_errors: Option<i64>,
}

impl RunCounts {
    /// The counts as (camelCase name, value) pairs, in a fixed order.
    pub fn pairs(&self) -> [(&'static str, Option<i64>); 6] {
        [
            ("adds", self.adds),
            ("updates", self.updates),
            ("deletes", self.deletes),
            ("exportErrors", self.export_errors),
            ("syncErrors", self.sync_errors),
            ("discoveryErrors", self.discovery_errors),
        ]
    }

    fn add(self, other: RunCounts) -> RunCounts {
        RunCounts {
            adds: sum(self.adds, other.adds),
            updates: sum(self.updates, other.updates),
            deletes: sum(self.deletes, other.deletes),
            export_errors: sum(self.export_errors, other.export_errors),
            sync_errors: sum(self.sync_errors, other.sync_errors),
            discovery_errors: sum(self.discovery_errors, other.discovery_errors),
        }
    }

    /// The counts as a JSON object holding only the counts the server gave.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (name, value) in self.pairs().iter() {
            if let Some(v) = value {
                m.insert((*name).into(), json!(v));
            }
        }
        Value::Object(m)
    }
}

fn sum(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.saturating_add(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// One run history entry; every field `None` when absent or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// `RunStepResults` that carried values (none when remoting flattened them to text).
    pub steps: Vec<RunStepResult>,
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
            steps: prop(object, "RunStepResults")
                .map(RunStepResult::from_list)
                .unwrap_or_default(),
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

    /// The run's counts, summed over its steps.
    pub fn counts(&self) -> RunCounts {
        self.steps
            .iter()
            .map(|s| RunCounts {
                adds: sum(s.counter("StageAdd"), s.counter("ExportAdd")),
                updates: sum(s.counter("StageUpdate"), s.counter("ExportUpdate")),
                deletes: sum(s.counter("StageDelete"), s.counter("ExportDelete")),
                export_errors: s.counter("ExportFailure").or(s.export_error_entries),
                sync_errors: s.sync_errors,
                discovery_errors: s.discovery_errors,
            })
            .fold(RunCounts::default(), RunCounts::add)
    }

    /// The run in JSON, under ADSync's own property names (so [`RunProfileResult::from_object`]
    /// reads it back) plus `ResultClass` and `Counts`, which the reader ignores.
    pub fn to_json(&self) -> Value {
        json!({
            "RunHistoryId": self.run_history_id,
            "ConnectorName": self.connector_name,
            "RunProfileName": self.run_profile_name,
            "RunNumber": self.run_number,
            "IsRunComplete": self.is_run_complete,
            "Result": self.result,
            "ResultClass": self.outcome().as_str(),
            "StartDate": self.start_date.map(UtcTime::to_iso),
            "EndDate": self.end_date.map(UtcTime::to_iso),
            "Counts": self.counts().to_json(),
            "RunStepResults": self.steps.iter().map(RunStepResult::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Serialize for RunProfileResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Where "since the trigger" begins: the newest run-history entry before the trigger. Both
/// fields `None` means the history was empty, so every entry is newer. Server times are compared
/// only with server times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReference {
    pub run_history_id: Option<String>,
    pub start_date: Option<UtcTime>,
}

impl RunReference {
    /// The reference for a history listed newest first.
    pub fn of_newest(runs: &[RunProfileResult]) -> RunReference {
        runs.first()
            .map(|r| RunReference {
                run_history_id: r.run_history_id.clone(),
                start_date: r.start_date,
            })
            .unwrap_or_default()
    }

    /// Reads a reference given back by a caller: an object with `RunHistoryId` and/or
    /// `StartDate` (as [`RunReference::to_json`] writes it; an empty object is an empty
    /// history), or a server time alone (any DateTime shape). `Ok(None)` for null; `Err` with
    /// a sentence for anything else.
    pub fn from_value(value: &Value) -> Result<Option<RunReference>, String> {
        match value {
            Value::Null => Ok(None),
            Value::Object(_) if prop(value, "value").is_none() => {
                let id = prop(value, "RunHistoryId");
                let start = prop(value, "StartDate").or_else(|| prop(value, "StartUtc"));
                let run_history_id = match id {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(
                        string(v)
                            .map(|s| one_line(s, MAX_NAME_CHARS).to_ascii_lowercase())
                            .filter(|s| !s.is_empty())
                            .ok_or("The reference's RunHistoryId must be a GUID string.")?,
                    ),
                };
                let start_date = match start {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(
                        datetime(v)
                            .ok_or("The reference's StartDate must be a UTC date and time.")?,
                    ),
                };
                Ok(Some(RunReference {
                    run_history_id,
                    start_date,
                }))
            }
            other => datetime(other)
                .map(|t| {
                    Some(RunReference {
                        run_history_id: None,
                        start_date: Some(t),
                    })
                })
                .ok_or_else(|| {
                    "Since must be null, a Reference returned by GetSyncCycleRuns (RunHistoryId, \
                     StartDate), or a UTC date and time of the server."
                        .to_owned()
                }),
        }
    }

    /// `{"RunHistoryId": "..."|null, "StartDate": "...Z"|null}`.
    pub fn to_json(&self) -> Value {
        json!({
            "RunHistoryId": self.run_history_id,
            "StartDate": self.start_date.map(UtcTime::to_iso),
        })
    }

    /// The entries of `runs` (newest first) that are newer than this reference, newest first,
    /// and whether the window reached back to the reference (false: there may be more).
    ///
    /// The entries above the reference's own entry are newer. When that entry is not in the
    /// list (more runs than the window, or purged), the entries that started after the
    /// reference's start are. An empty-history reference makes every entry newer.
    pub fn newer_entries<'a>(
        &self,
        runs: &'a [RunProfileResult],
    ) -> (Vec<&'a RunProfileResult>, bool) {
        if self.run_history_id.is_none() && self.start_date.is_none() {
            return (runs.iter().collect(), true);
        }
        let not_before_start = |r: &RunProfileResult| match (self.start_date, r.start_date) {
            (Some(reference), Some(start)) => start >= reference,
            _ => true,
        };
        if let Some(id) = &self.run_history_id {
            if let Some(at) = runs
                .iter()
                .position(|r| r.run_history_id.as_deref() == Some(id.as_str()))
            {
                let newer = runs[..at].iter().filter(|r| not_before_start(r)).collect();
                return (newer, true);
            }
        }
        let newer: Vec<_> = runs
            .iter()
            .filter(|r| match (self.start_date, r.start_date) {
                (Some(reference), Some(start)) => start > reference,
                (None, _) => true,
                (Some(_), None) => false,
            })
            .collect();
        let reached = newer.len() < runs.len();
        (newer, reached)
    }
}

/// The runs of one connector, for reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorSummary {
    pub connector_name: String,
    /// The worst outcome among its runs.
    pub outcome: RunOutcome,
    /// Its runs, oldest first.
    pub runs: Vec<RunProfileResult>,
}

impl ConnectorSummary {
    /// The connectors of `runs` (any order) in the order they first ran, each with its runs
    /// oldest first. Runs without a connector name are grouped under `(unknown connector)`.
    pub fn summarize(runs: &[RunProfileResult]) -> Vec<ConnectorSummary> {
        let mut ordered: Vec<&RunProfileResult> = runs.iter().collect();
        ordered.sort_by_key(|r| r.start_date);
        let mut summaries: Vec<ConnectorSummary> = Vec::new();
        for run in ordered {
            let name = run
                .connector_name
                .clone()
                .unwrap_or_else(|| "(unknown connector)".to_owned());
            let outcome = run.outcome();
            match summaries.iter_mut().find(|s| s.connector_name == name) {
                Some(s) => {
                    s.outcome = s.outcome.max(outcome);
                    s.runs.push(run.clone());
                }
                None => summaries.push(ConnectorSummary {
                    connector_name: name,
                    outcome,
                    runs: vec![run.clone()],
                }),
            }
        }
        summaries
    }

    /// The worst run's result text (the first run with the worst outcome).
    pub fn worst_result(&self) -> Option<&str> {
        self.runs
            .iter()
            .find(|r| r.outcome() == self.outcome)
            .and_then(|r| r.result.as_deref())
    }

    /// Data-only JSON for events and result data (camelCase; counts only where given):
    /// `{"connector","result","resultClass","severity","runCount","runs":[{"runProfile","result",
    /// "resultClass","severity","startUtc","endUtc","adds",...}],"adds",...}`.
    pub fn to_json(&self) -> Value {
        let mut totals = RunCounts::default();
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| {
                let counts = r.counts();
                totals = totals.add(counts);
                let mut m = Map::new();
                m.insert("runProfile".into(), json!(r.run_profile_name));
                m.insert("result".into(), json!(r.result));
                m.insert("resultClass".into(), json!(r.outcome().as_str()));
                m.insert("severity".into(), json!(r.outcome().severity()));
                m.insert("startUtc".into(), json!(r.start_date.map(UtcTime::to_iso)));
                m.insert("endUtc".into(), json!(r.end_date.map(UtcTime::to_iso)));
                for (name, value) in counts.pairs().iter() {
                    if let Some(v) = value {
                        m.insert((*name).into(), json!(v));
                    }
                }
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("connector".into(), json!(self.connector_name));
        m.insert("result".into(), json!(self.worst_result()));
        m.insert("resultClass".into(), json!(self.outcome.as_str()));
        m.insert("severity".into(), json!(self.outcome.severity()));
        m.insert("runCount".into(), json!(runs.len()));
        for (name, value) in totals.pairs().iter() {
            if let Some(v) = value {
                m.insert((*name).into(), json!(v));
            }
        }
        m.insert("runs".into(), Value::Array(runs));
        Value::Object(m)
    }
}

/// One line naming a run and how it ended, with its error counts: for warnings and failures.
pub fn describe_run(run: &RunProfileResult) -> String {
    let connector = run
        .connector_name
        .as_deref()
        .unwrap_or("(unknown connector)");
    let profile = run
        .run_profile_name
        .as_deref()
        .unwrap_or("(unknown run profile)");
    let result = run.result.as_deref().unwrap_or("(no result)");
    let counts = run.counts();
    let mut details = Vec::new();
    for (n, label) in [
        (counts.export_errors, "export error"),
        (counts.sync_errors, "sync error"),
        (counts.discovery_errors, "discovery error"),
    ] {
        if let Some(n) = n.filter(|n| *n > 0) {
            details.push(format!("{n} {label}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if details.is_empty() {
        format!("'{connector}' {profile}: {result}")
    } else {
        format!("'{connector}' {profile}: {result} ({})", details.join(", "))
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
            ("no-start-connection", O::NotStarted),
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

    /// Every documented result, in the shapes a run reaches the core: live (the interop layer's
    /// JSON of the cmdlet's object), deserialized by remoting (steps flattened to their type
    /// name at the default depth), `ConvertTo-Json` in PowerShell 7 (depth 2: the step's error
    /// lists become text) and in Windows PowerShell 5.1 (`/Date(ms)/`, wrapped lists).
    fn shapes(result: &str) -> Vec<(&'static str, Value)> {
        let errors = |n: usize| {
            format!(
                "<synchronization-errors>{}</synchronization-errors>",
                "<export-error cs-guid=\"{1}\"><error-type>x</error-type></export-error>".repeat(n)
            )
        };
        let step = json!({"StepNumber": 1, "StepResult": result, "StageAdd": 1, "StageUpdate": 2,
            "StageDelete": 0, "StageNoChange": 10, "StageFailure": 0, "ExportAdd": 4,
            "ExportUpdate": 5, "ExportDelete": 6, "ExportFailure": 3,
            "SyncErrors": {"SyncErrorsXml": errors(3)},
            "ConnectorDiscoveryErrors": {"ConnectorDiscoveryErrorsXml": "<discovery-errors><discovery-error/></discovery-errors>"},
            "ConnectorConnectionInformationXml": "<connection-info/>"});
        let base = json!({"RunHistoryId": "6D1F0A0E-1C2B-4F3A-9E8D-7C6B5A493827",
            "ConnectorId": "x", "ConnectorName": "contoso.onmicrosoft.com - AAD",
            "RunProfileName": "Export", "RunNumber": 7, "Username": "NT SERVICE\\ADSync",
            "IsRunComplete": true, "Result": result, "CurrentStepNumber": 1, "TotalSteps": 1,
            "StartDate": "2026-01-01T01:00:00.0000000Z", "EndDate": "2026-01-01T01:00:05.0000000Z"});
        let with = |mut v: Value, key: &str, value: Value| {
            v[key] = value;
            v
        };
        let mut ps7_step = step.clone();
        ps7_step["SyncErrors"] =
            json!("Microsoft.IdentityManagement.PowerShell.ObjectModel.SyncErrors");
        ps7_step["ConnectorDiscoveryErrors"] =
            json!("Microsoft.IdentityManagement.PowerShell.ObjectModel.ConnectorDiscoveryErrors");
        let ps51 = with(
            with(
                with(
                    base.clone(),
                    "StartDate",
                    json!("\\/Date(1767229200000)\\/"),
                ),
                "EndDate",
                json!({"value": "\\/Date(1767229205000)\\/", "DisplayHint": 2}),
            ),
            "IsRunComplete",
            json!("True"),
        );
        vec![
            (
                "live",
                with(base.clone(), "RunStepResults", json!([step.clone()])),
            ),
            (
                "deserialized",
                with(
                    base.clone(),
                    "RunStepResults",
                    json!(["Microsoft.IdentityManagement.PowerShell.ObjectModel.RunStepResult"]),
                ),
            ),
            ("json-ps7", with(base, "RunStepResults", json!([ps7_step]))),
            (
                "json-ps51",
                with(ps51, "RunStepResults", json!({"value": [step], "Count": 1})),
            ),
        ]
    }

    #[test]
    fn every_result_in_every_shape() {
        for result in [
            "success",
            "completed-export-errors",
            "completed-sync-errors",
            "completed-transient-objects",
            "completed-export-warnings",
            "stopped-server-down",
            "stopped-error-limit",
            "stopped-extension-dll-exception",
            "no-start-connection",
        ] {
            for (shape, value) in shapes(result) {
                let runs = RunProfileResult::from_output(&[value]);
                assert_eq!(runs.len(), 1, "{result} {shape}");
                let run = &runs[0];
                let what = format!("{result} {shape}");
                assert_eq!(run.result.as_deref(), Some(result), "{what}");
                assert_eq!(run.outcome(), RunOutcome::from_result(result), "{what}");
                assert_eq!(run.is_run_complete, Some(true), "{what}");
                assert_eq!(
                    run.start_date.map(UtcTime::to_iso).as_deref(),
                    Some("2026-01-01T01:00:00Z"),
                    "{what}"
                );
                assert_eq!(
                    run.end_date.map(UtcTime::to_iso).as_deref(),
                    Some("2026-01-01T01:00:05Z"),
                    "{what}"
                );
                let counts = run.counts();
                match shape {
                    "deserialized" => {
                        assert!(run.steps.is_empty(), "{what}");
                        assert_eq!(counts, RunCounts::default(), "{what}");
                    }
                    _ => {
                        assert_eq!(counts.adds, Some(5), "{what}");
                        assert_eq!(counts.updates, Some(7), "{what}");
                        assert_eq!(counts.deletes, Some(6), "{what}");
                        assert_eq!(counts.export_errors, Some(3), "{what}");
                        // The three export-error entries are the export errors, not sync errors.
                        let lists = if shape == "json-ps7" { None } else { Some(0) };
                        assert_eq!(counts.sync_errors, lists, "{what}");
                        assert_eq!(counts.discovery_errors, lists.map(|_| 1), "{what}");
                    }
                }
                // What the provider writes reads back the same.
                let again = RunProfileResult::from_object(&run.to_json());
                assert_eq!(&again, run, "{what}");
                assert_eq!(run.to_json()["ResultClass"], run.outcome().as_str());
            }
        }
    }

    #[test]
    fn classes_order_and_severity() {
        use RunOutcome as O;
        assert!(O::Stopped > O::CompletedWithErrors && O::NotStarted > O::CompletedWithErrors);
        assert_eq!(O::Stopped.severity(), "High");
        assert_eq!(O::NotStarted.severity(), "High");
        assert_eq!(O::CompletedWithErrors.severity(), "Medium");
        assert_eq!(O::CompletedWithWarnings.severity(), "Low");
        assert_eq!(O::Success.severity(), "None");
        assert!(O::Stopped.did_not_complete() && O::NotStarted.did_not_complete());
        assert!(!O::CompletedWithErrors.did_not_complete());
        assert!(!O::Success.is_problem() && !O::InProgress.is_problem());
        assert!(O::ALL.iter().filter(|o| o.is_problem()).count() == 5);
        let mut sorted = O::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, O::ALL.to_vec());
    }

    #[test]
    fn error_lists_count_their_entries() {
        assert_eq!(xml_child_count(""), Some(0));
        assert_eq!(xml_child_count("<e/>"), Some(0));
        assert_eq!(
            xml_child_count("<?xml version=\"1.0\"?><e><!-- c --><a x=\"1\"><b/></a><a/></e>"),
            Some(2)
        );
        assert_eq!(xml_child_count("<e><![CDATA[<a>]]><a></a></e>"), Some(1));
        assert_eq!(xml_child_count("Microsoft.Something"), None);
        assert_eq!(xml_child_count("<e><a"), None);
        let step = RunStepResult::from_object(&json!({"SyncErrors": [1, 2],
            "ConnectorDiscoveryErrors": "<d><x/></d>", "StageAdd": -1, "ExportFailure": "4"}));
        assert_eq!(step.sync_errors, Some(2));
        assert_eq!(step.discovery_errors, Some(1));
        assert_eq!(step.counter("StageAdd"), None);
        assert_eq!(step.counter("ExportFailure"), Some(4));
        let step = RunStepResult::from_object(&json!({"SyncErrors": {"SyncErrorsXml":
            "<synchronization-errors><export-error/><Export-Error a='1'></Export-Error><import-error/></synchronization-errors>"}}));
        assert_eq!(
            (step.sync_errors, step.export_error_entries),
            (Some(1), Some(2))
        );
        let run = RunProfileResult {
            steps: vec![step],
            ..RunProfileResult::default()
        };
        assert_eq!(run.counts().export_errors, Some(2));
        assert_eq!(RunProfileResult::from_object(&run.to_json()), run);
        let step =
            RunStepResult::from_object(&json!({"SyncErrorCount": 5, "DiscoveryErrorCount": 0}));
        assert_eq!(
            (step.sync_errors, step.discovery_errors),
            (Some(5), Some(0))
        );
    }

    fn run(
        id: &str,
        connector: &str,
        profile: &str,
        result: &str,
        start_s: i64,
    ) -> RunProfileResult {
        RunProfileResult {
            run_history_id: Some(id.to_owned()),
            connector_name: Some(connector.to_owned()),
            run_profile_name: Some(profile.to_owned()),
            result: Some(result.to_owned()),
            is_run_complete: Some(true),
            start_date: Some(UtcTime::from_unix_millis(
                1_767_225_600_000 + start_s * 1000,
            )),
            ..RunProfileResult::default()
        }
    }

    #[test]
    fn entries_newer_than_a_reference() {
        // Newest first, as the cmdlet lists them.
        let history = vec![
            run("c", "ad", "Export", "success", 30),
            run("b", "aad", "Export", "completed-export-errors", 20),
            run("a", "ad", "Delta Import", "success", 10),
            run("z", "ad", "Export", "success", 0),
        ];
        let ids = |v: Vec<&RunProfileResult>| {
            v.iter()
                .map(|r| r.run_history_id.clone().unwrap())
                .collect::<Vec<_>>()
        };
        let by_id = RunReference::of_newest(&history[3..]);
        let (newer, reached) = by_id.newer_entries(&history);
        assert_eq!(
            (ids(newer), reached),
            (vec!["c".into(), "b".into(), "a".into()], true)
        );
        // The reference's entry is gone (purged, or beyond the window): by start time.
        let gone = RunReference {
            run_history_id: Some("y".into()),
            start_date: history[2].start_date,
        };
        let (newer, reached) = gone.newer_entries(&history);
        assert_eq!((ids(newer), reached), (vec!["c".into(), "b".into()], true));
        let older = RunReference {
            run_history_id: Some("y".into()),
            start_date: Some(UtcTime::from_unix_millis(0)),
        };
        assert_eq!(
            older.newer_entries(&history),
            (history.iter().collect(), false)
        );
        // An empty history before the trigger: everything is newer.
        let empty = RunReference::of_newest(&[]);
        assert_eq!(empty, RunReference::default());
        assert_eq!(empty.newer_entries(&history).0.len(), 4);
        assert!(by_id.newer_entries(&[]).0.is_empty());
    }

    #[test]
    fn references_read_back() {
        let r = RunReference {
            run_history_id: Some("abc".into()),
            start_date: Some(UtcTime::from_unix_millis(1_767_225_600_000)),
        };
        assert_eq!(RunReference::from_value(&r.to_json()), Ok(Some(r)));
        assert_eq!(RunReference::from_value(&Value::Null), Ok(None));
        assert_eq!(
            RunReference::from_value(&json!({})),
            Ok(Some(RunReference::default()))
        );
        let time = RunReference::from_value(&json!("2026-01-01T00:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(time.run_history_id, None);
        assert!(time.start_date.is_some());
        for bad in [
            json!(5),
            json!("soon"),
            json!({"RunHistoryId": 5}),
            json!({"StartDate": "x"}),
        ] {
            let e = RunReference::from_value(&bad).expect_err("bad");
            assert!(e.ends_with('.'), "{e}");
        }
    }

    #[test]
    fn summary_per_connector() {
        let runs = vec![
            run("1", "ad", "Delta Import", "success", 0),
            run("2", "aad", "Delta Import", "success", 1),
            run("3", "aad", "Export", "completed-export-errors", 3),
            run("4", "ad", "Export", "stopped-server-down", 4),
            run(
                "5",
                "ad",
                "Delta Synchronization",
                "completed-sync-warnings",
                2,
            ),
        ];
        let summary = ConnectorSummary::summarize(&runs);
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].connector_name, "ad");
        assert_eq!(summary[0].outcome, RunOutcome::Stopped);
        assert_eq!(summary[0].worst_result(), Some("stopped-server-down"));
        assert_eq!(
            summary[0]
                .runs
                .iter()
                .map(|r| r.run_profile_name.as_deref().unwrap())
                .collect::<Vec<_>>(),
            ["Delta Import", "Delta Synchronization", "Export"]
        );
        let j = summary[1].to_json();
        assert_eq!(j["connector"], "aad");
        assert_eq!(j["result"], "completed-export-errors");
        assert_eq!(j["resultClass"], "CompletedWithErrors");
        assert_eq!(j["severity"], "Medium");
        assert_eq!(j["runCount"], 2);
        assert_eq!(j["runs"][1]["runProfile"], "Export");
        assert_eq!(j["runs"][1]["startUtc"], "2026-01-01T00:00:03Z");
        assert!(j.get("adds").is_none());
        assert_eq!(describe_run(&runs[3]), "'ad' Export: stopped-server-down");
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
