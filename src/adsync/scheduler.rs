//! `Get-ADSyncScheduler`'s answer: the scheduler settings and whether a cycle is running.

use crate::adsync::commands::SchedulerPolicyType;
use crate::adsync::values::{boolean, datetime, output_items, prop, timespan, TimeSpan, UtcTime};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// Every property of `Get-ADSyncScheduler`, each `None` when absent or unreadable.
///
/// Serializes with the real property names (the `Details` of a state result), times as ISO-8601
/// `Z` strings, time spans as `d.hh:mm:ss`, the policy type by name and `null` where unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchedulerSettings {
    #[serde(rename = "SyncCycleInProgress")]
    pub sync_cycle_in_progress: Option<bool>,
    #[serde(rename = "SyncCycleEnabled")]
    pub sync_cycle_enabled: Option<bool>,
    #[serde(rename = "StagingModeEnabled")]
    pub staging_mode_enabled: Option<bool>,
    #[serde(rename = "SchedulerSuspended")]
    pub scheduler_suspended: Option<bool>,
    #[serde(rename = "MaintenanceEnabled")]
    pub maintenance_enabled: Option<bool>,
    #[serde(rename = "NextSyncCycleStartTimeInUTC")]
    pub next_sync_cycle_start_time_in_utc: Option<UtcTime>,
    #[serde(rename = "NextSyncCyclePolicyType", serialize_with = "policy_name")]
    pub next_sync_cycle_policy_type: Option<SchedulerPolicyType>,
    #[serde(rename = "AllowedSyncCycleInterval")]
    pub allowed_sync_cycle_interval: Option<TimeSpan>,
    #[serde(rename = "CurrentlyEffectiveSyncCycleInterval")]
    pub currently_effective_sync_cycle_interval: Option<TimeSpan>,
    #[serde(rename = "CustomizedSyncCycleInterval")]
    pub customized_sync_cycle_interval: Option<TimeSpan>,
    #[serde(rename = "PurgeRunHistoryInterval")]
    pub purge_run_history_interval: Option<TimeSpan>,
}

fn policy_name<S: Serializer>(
    value: &Option<SchedulerPolicyType>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(p) => serializer.serialize_str(p.as_str()),
        None => serializer.serialize_none(),
    }
}

/// Whether a sync cycle is running: as the scheduler says (our provider) or as any provider
/// reported it to the wait machine. The one state type of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SyncState {
    Idle,
    InProgress,
    /// `SyncCycleInProgress` was missing (servers before 1.1.443.0) or unreadable; or a provider
    /// could not tell, said something unrecognised, or contradicted itself.
    Unknown,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Idle => "Idle",
            SyncState::InProgress => "InProgress",
            SyncState::Unknown => "Unknown",
        }
    }

    /// `Idle`, `InProgress` (also `In Progress`, `in_progress`), `Unknown`, in any casing;
    /// anything else is `Unknown`.
    pub fn parse(text: &str) -> SyncState {
        let squashed: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .collect::<String>()
            .to_ascii_lowercase();
        match squashed.as_str() {
            "idle" => SyncState::Idle,
            "inprogress" => SyncState::InProgress,
            _ => SyncState::Unknown,
        }
    }
}

/// The property names of the scheduler object, used to recognise it among other output.
pub const SCHEDULER_PROPERTIES: [&str; 11] = [
    "SyncCycleInProgress",
    "SyncCycleEnabled",
    "StagingModeEnabled",
    "SchedulerSuspended",
    "MaintenanceEnabled",
    "NextSyncCycleStartTimeInUTC",
    "NextSyncCyclePolicyType",
    "AllowedSyncCycleInterval",
    "CurrentlyEffectiveSyncCycleInterval",
    "CustomizedSyncCycleInterval",
    "PurgeRunHistoryInterval",
];

impl SchedulerSettings {
    /// Reads one scheduler object. Unknown or unreadable properties stay `None`.
    pub fn from_object(object: &Value) -> SchedulerSettings {
        let b = |name| prop(object, name).and_then(boolean);
        let span = |name| prop(object, name).and_then(timespan);
        SchedulerSettings {
            sync_cycle_in_progress: b("SyncCycleInProgress"),
            sync_cycle_enabled: b("SyncCycleEnabled"),
            staging_mode_enabled: b("StagingModeEnabled"),
            scheduler_suspended: b("SchedulerSuspended"),
            maintenance_enabled: b("MaintenanceEnabled"),
            next_sync_cycle_start_time_in_utc: prop(object, "NextSyncCycleStartTimeInUTC")
                .and_then(datetime),
            next_sync_cycle_policy_type: prop(object, "NextSyncCyclePolicyType")
                .and_then(SchedulerPolicyType::from_value),
            allowed_sync_cycle_interval: span("AllowedSyncCycleInterval"),
            currently_effective_sync_cycle_interval: span("CurrentlyEffectiveSyncCycleInterval"),
            customized_sync_cycle_interval: span("CustomizedSyncCycleInterval"),
            purge_run_history_interval: span("PurgeRunHistoryInterval"),
        }
    }

    /// The first object in a command's output that carries at least one scheduler property,
    /// read; `None` when there is none.
    pub fn from_output(output: &[Value]) -> Option<SchedulerSettings> {
        output_items(output)
            .into_iter()
            .find(|item| looks_like_scheduler(item))
            .map(SchedulerSettings::from_object)
    }

    /// Idle or in progress only when `SyncCycleInProgress` was read; otherwise unknown.
    pub fn state(&self) -> SyncState {
        match self.sync_cycle_in_progress {
            Some(true) => SyncState::InProgress,
            Some(false) => SyncState::Idle,
            None => SyncState::Unknown,
        }
    }
}

/// True for an object with at least one of the scheduler's property names (any casing).
pub fn looks_like_scheduler(value: &Value) -> bool {
    value.is_object()
        && SCHEDULER_PROPERTIES
            .iter()
            .any(|p| prop(value, p).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ps7_json() -> Value {
        // ConvertTo-Json in PowerShell 7: TimeSpans as objects, enums as numbers.
        json!({
            "AllowedSyncCycleInterval": {"Ticks": 18_000_000_000i64, "Days": 0, "Hours": 0, "Minutes": 30, "Seconds": 0, "Milliseconds": 0, "TotalSeconds": 1800.0},
            "CurrentlyEffectiveSyncCycleInterval": {"Ticks": 18_000_000_000i64, "TotalSeconds": 1800.0},
            "CustomizedSyncCycleInterval": null,
            "NextSyncCyclePolicyType": 1,
            "NextSyncCycleStartTimeInUTC": "2026-03-14T10:50:00Z",
            "PurgeRunHistoryInterval": {"Ticks": 6_048_000_000_000i64, "Days": 7},
            "SyncCycleEnabled": true,
            "MaintenanceEnabled": true,
            "StagingModeEnabled": false,
            "SchedulerSuspended": false,
            "SyncCycleInProgress": false
        })
    }

    fn ps51_json() -> Value {
        // Windows PowerShell 5.1 with remoting extras, strings for Booleans and enum names.
        let raw = r#"{
            "AllowedSyncCycleInterval": "00:30:00",
            "CurrentlyEffectiveSyncCycleInterval": "PT30M",
            "CustomizedSyncCycleInterval": "01:00:00",
            "NextSyncCyclePolicyType": "Initial",
            "NextSyncCycleStartTimeInUTC": {"value":"\/Date(1773485400000)\/","DisplayHint":2,"DateTime":"Saturday, March 14, 2026 10:50:00 AM"},
            "PurgeRunHistoryInterval": "7.00:00:00",
            "SyncCycleEnabled": "True",
            "MaintenanceEnabled": "False",
            "StagingModeEnabled": "True",
            "SchedulerSuspended": "false",
            "SyncCycleInProgress": "TRUE",
            "PSComputerName": "aadc01",
            "RunspaceId": "6a1c5d3e-0000-0000-0000-000000000000",
            "PSShowComputerName": true
        }"#;
        serde_json::from_str(raw).unwrap()
    }

    #[test]
    fn reads_powershell7_json() {
        let s = SchedulerSettings::from_output(&[ps7_json()]).unwrap();
        assert_eq!(s.sync_cycle_in_progress, Some(false));
        assert_eq!(s.state(), SyncState::Idle);
        assert_eq!(
            s.next_sync_cycle_policy_type,
            Some(SchedulerPolicyType::Delta)
        );
        assert_eq!(
            s.allowed_sync_cycle_interval,
            Some(TimeSpan::from_seconds(1800))
        );
        assert_eq!(s.customized_sync_cycle_interval, None);
        assert_eq!(
            s.purge_run_history_interval,
            Some(TimeSpan::from_seconds(7 * 86_400))
        );
        assert_eq!(
            s.next_sync_cycle_start_time_in_utc
                .map(UtcTime::to_iso)
                .as_deref(),
            Some("2026-03-14T10:50:00Z")
        );
    }

    #[test]
    fn reads_windows_powershell51_json_with_remoting_extras() {
        let s = SchedulerSettings::from_output(&[ps51_json()]).unwrap();
        assert_eq!(s.state(), SyncState::InProgress);
        assert_eq!(s.staging_mode_enabled, Some(true));
        assert_eq!(s.maintenance_enabled, Some(false));
        assert_eq!(s.scheduler_suspended, Some(false));
        assert_eq!(
            s.next_sync_cycle_policy_type,
            Some(SchedulerPolicyType::Initial)
        );
        assert_eq!(
            s.currently_effective_sync_cycle_interval,
            Some(TimeSpan::from_seconds(1800))
        );
        assert_eq!(
            s.customized_sync_cycle_interval,
            Some(TimeSpan::from_seconds(3600))
        );
        assert_eq!(
            s.next_sync_cycle_start_time_in_utc
                .map(UtcTime::to_iso)
                .as_deref(),
            Some("2026-03-14T10:50:00Z")
        );
    }

    #[test]
    fn property_names_in_any_case() {
        let v = json!({"synccycleinprogress": true, "NEXTSYNCCYCLEPOLICYTYPE": "delta"});
        let s = SchedulerSettings::from_output(&[v]).unwrap();
        assert_eq!(s.state(), SyncState::InProgress);
        assert_eq!(
            s.next_sync_cycle_policy_type,
            Some(SchedulerPolicyType::Delta)
        );
    }

    #[test]
    fn missing_or_unreadable_in_progress_is_unknown() {
        let mut old = ps7_json();
        old.as_object_mut().unwrap().remove("SyncCycleInProgress");
        let s = SchedulerSettings::from_output(&[old]).unwrap();
        assert_eq!(s.state(), SyncState::Unknown);
        assert_eq!(s.sync_cycle_enabled, Some(true));

        for junk in [
            json!(null),
            json!("maybe"),
            json!(2),
            json!([true]),
            json!({}),
        ] {
            let v = json!({"SyncCycleEnabled": true, "SyncCycleInProgress": junk});
            let s = SchedulerSettings::from_output(&[v]).unwrap();
            assert_eq!(s.state(), SyncState::Unknown);
        }
    }

    #[test]
    fn finds_the_scheduler_among_other_output_and_wrappers() {
        let output = vec![
            json!("a warning text"),
            json!({"Unrelated": 1}),
            json!({"value": [ps7_json()], "Count": 1}),
        ];
        let s = SchedulerSettings::from_output(&output).unwrap();
        assert_eq!(s.state(), SyncState::Idle);
        assert_eq!(
            SchedulerSettings::from_output(&[json!([ps51_json()])])
                .unwrap()
                .state(),
            SyncState::InProgress
        );
    }

    #[test]
    fn no_scheduler_in_junk() {
        for output in [
            vec![],
            vec![json!(null)],
            vec![json!("text"), json!(42)],
            vec![json!([1, 2])],
            vec![json!({"Result": "Success"})],
        ] {
            assert_eq!(SchedulerSettings::from_output(&output), None, "{output:?}");
        }
    }

    #[test]
    fn serializes_with_real_property_names() {
        let s = SchedulerSettings::from_output(&[ps7_json()]).unwrap();
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(
            j,
            json!({
                "SyncCycleInProgress": false,
                "SyncCycleEnabled": true,
                "StagingModeEnabled": false,
                "SchedulerSuspended": false,
                "MaintenanceEnabled": true,
                "NextSyncCycleStartTimeInUTC": "2026-03-14T10:50:00Z",
                "NextSyncCyclePolicyType": "Delta",
                "AllowedSyncCycleInterval": "00:30:00",
                "CurrentlyEffectiveSyncCycleInterval": "00:30:00",
                "CustomizedSyncCycleInterval": null,
                "PurgeRunHistoryInterval": "7.00:00:00"
            })
        );
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        for p in SCHEDULER_PROPERTIES {
            assert!(keys.iter().any(|k| *k == p), "{p}");
        }
    }

    #[test]
    fn unknown_serializes_as_nulls() {
        let j = serde_json::to_value(SchedulerSettings::default()).unwrap();
        let map = j.as_object().unwrap();
        assert_eq!(map.len(), SCHEDULER_PROPERTIES.len());
        assert!(map.values().all(Value::is_null));
    }
}
