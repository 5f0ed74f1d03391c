//! The wait configuration: defaults, validation, and reading it from the step's JSON.
//!
//! Every validation failure is a [`FailureClass::InvalidInput`] whose message names the
//! offending key by its PowerShell name (`TimeoutSeconds`, not `timeoutSeconds`).

use crate::adsync::text::one_line;
use crate::adsync::values as lenient;
use crate::computer_name::check_computer_name;
use crate::failure::{Failure, FailureClass};
use serde_json::{Map, Value};

/// Default for `timeoutSeconds` (the IdLE step's documented default).
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 600;
/// Default for `pollIntervalSeconds` (the IdLE step's documented default).
pub const DEFAULT_POLL_INTERVAL_SECONDS: u32 = 10;
/// Default for `startGraceSeconds`. Public scripts sleep 10–30 s after a trigger before they
/// expect `SyncCycleInProgress`; twice the upper end leaves room for a loaded server while a
/// wait whose start is never seen still ends (with a warning) after about six default polls.
pub const DEFAULT_START_GRACE_SECONDS: u32 = 60;
/// Largest `timeoutSeconds`: one day. An initial cycle of a large directory takes hours.
pub const MAX_TIMEOUT_SECONDS: u32 = 86_400;
/// Largest `pollIntervalSeconds`: one hour.
pub const MAX_POLL_INTERVAL_SECONDS: u32 = 3_600;

/// The policy type of the triggered cycle (used in messages and event data only): the same type
/// the provider validates, so both accept exactly the same spellings.
pub use crate::adsync::commands::PolicyType;

/// How the step triggers and waits. Build it with [`WaitConfig::default`] and field updates,
/// or from JSON with [`WaitConfig::from_json_str`]; [`crate::wait::WaitMachine::new`] validates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitConfig {
    /// Wait until the triggered cycle has finished (`Wait`).
    pub wait: bool,
    /// The whole wait's budget (`TimeoutSeconds`, 1..=86400).
    pub timeout_seconds: u32,
    /// Pause between polls (`PollIntervalSeconds`, 1..=3600, at most `TimeoutSeconds`).
    pub poll_interval_seconds: u32,
    /// How long after the trigger was accepted an idle server without any sign of the cycle is
    /// still treated as "not started yet" (`StartGraceSeconds`, 0..=`TimeoutSeconds`).
    pub start_grace_seconds: u32,
    /// When the server is busy at trigger time, wait for the running cycle to end and trigger
    /// again (`WaitForRunningCycle`), instead of failing with `CycleBusy`.
    pub wait_for_running_cycle: bool,
    /// `PolicyType`, for messages and event data.
    pub policy_type: Option<PolicyType>,
    /// The provider can read the run history (`GetSyncCycleRuns`); set by the step, not a `With`
    /// key. When waiting, the machine then takes a reference before the trigger, reads the runs
    /// since it as evidence while idle without other evidence, and reports them at the end.
    pub run_history: bool,
    /// Fail (`RunErrors`, `RunStopped`) instead of warning when a run since the trigger ended
    /// with a result other than `success` (`FailOnRunErrors`; needs `Wait`).
    pub fail_on_run_errors: bool,
    /// The Entra Connect server's name (`ComputerName`, checked and trimmed), when the step calls
    /// the provider in IdLE's next contract's shape; named in the triggered event's data.
    pub computer_name: Option<String>,
}

impl Default for WaitConfig {
    fn default() -> Self {
        WaitConfig {
            wait: false,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            poll_interval_seconds: DEFAULT_POLL_INTERVAL_SECONDS,
            start_grace_seconds: DEFAULT_START_GRACE_SECONDS,
            wait_for_running_cycle: false,
            policy_type: None,
            run_history: false,
            fail_on_run_errors: false,
            computer_name: None,
        }
    }
}

fn invalid(message: String) -> Failure {
    Failure::new(FailureClass::InvalidInput, message)
}

impl WaitConfig {
    /// Checks every range and the relations between the values.
    pub fn validate(&self) -> Result<(), Failure> {
        check_range(
            "TimeoutSeconds",
            i64::from(self.timeout_seconds),
            1,
            MAX_TIMEOUT_SECONDS,
        )?;
        check_range(
            "PollIntervalSeconds",
            i64::from(self.poll_interval_seconds),
            1,
            MAX_POLL_INTERVAL_SECONDS,
        )?;
        if self.poll_interval_seconds > self.timeout_seconds {
            return Err(invalid(format!(
                "PollIntervalSeconds must not exceed TimeoutSeconds: PollIntervalSeconds is {} \
                 and TimeoutSeconds is {}.",
                self.poll_interval_seconds, self.timeout_seconds
            )));
        }
        if self.start_grace_seconds > self.timeout_seconds {
            return Err(invalid(format!(
                "StartGraceSeconds must not exceed TimeoutSeconds: StartGraceSeconds is {} and \
                 TimeoutSeconds is {}.",
                self.start_grace_seconds, self.timeout_seconds
            )));
        }
        if self.fail_on_run_errors && !self.wait {
            return Err(invalid(
                "FailOnRunErrors needs Wait = $true: the run results are read only after waiting \
                 for the cycle to finish."
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Reads the configuration JSON (keys in camelCase; any casing is accepted; `null` means
    /// "not given"). A value left out takes its default; a defaulted `pollIntervalSeconds` or
    /// `startGraceSeconds` is lowered to `timeoutSeconds` when that is smaller, whereas an
    /// explicit value larger than `timeoutSeconds` is rejected.
    pub fn from_json_str(json: &str) -> Result<WaitConfig, Failure> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Failure::new(
                FailureClass::Internal,
                format!("The wait configuration is not valid JSON: {e}."),
            )
        })?;
        WaitConfig::from_json(&value)
    }

    /// [`WaitConfig::from_json_str`] for a parsed value.
    pub fn from_json(value: &Value) -> Result<WaitConfig, Failure> {
        let object = value.as_object().ok_or_else(|| {
            Failure::new(
                FailureClass::Internal,
                format!(
                    "The wait configuration must be a JSON object, but it is {}.",
                    lenient::type_name(value)
                ),
            )
        })?;
        for key in object.keys() {
            if !KEYS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(invalid(format!(
                    "The wait configuration has an unknown key '{}'; the known keys are {}.",
                    one_line(key, MAX_ECHOED_CHARS),
                    KEYS.iter().map(|(_, p)| *p).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let mut config = WaitConfig::default();
        if let Some(v) = read_bool(object, "wait", "Wait")? {
            config.wait = v;
        }
        if let Some(v) = read_seconds(
            object,
            "timeoutSeconds",
            "TimeoutSeconds",
            1,
            MAX_TIMEOUT_SECONDS,
        )? {
            config.timeout_seconds = v;
        }
        match read_seconds(
            object,
            "pollIntervalSeconds",
            "PollIntervalSeconds",
            1,
            MAX_POLL_INTERVAL_SECONDS,
        )? {
            Some(v) => config.poll_interval_seconds = v,
            None => {
                config.poll_interval_seconds =
                    DEFAULT_POLL_INTERVAL_SECONDS.min(config.timeout_seconds)
            }
        }
        match read_seconds(
            object,
            "startGraceSeconds",
            "StartGraceSeconds",
            0,
            MAX_TIMEOUT_SECONDS,
        )? {
            Some(v) => config.start_grace_seconds = v,
            None => {
                config.start_grace_seconds = DEFAULT_START_GRACE_SECONDS.min(config.timeout_seconds)
            }
        }
        if let Some(v) = read_bool(object, "waitForRunningCycle", "WaitForRunningCycle")? {
            config.wait_for_running_cycle = v;
        }
        if let Some(v) = read_bool(object, "runHistory", "RunHistory")? {
            config.run_history = v;
        }
        if let Some(v) = read_bool(object, "failOnRunErrors", "FailOnRunErrors")? {
            config.fail_on_run_errors = v;
        }
        if let Some(v) = lenient::get(object, "policyType") {
            let parsed = v
                .as_str()
                .and_then(|t| PolicyType::parse(t).ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "PolicyType must be 'Delta' or 'Initial', but it is {}.",
                        describe(v)
                    ))
                })?;
            config.policy_type = Some(parsed);
        }
        if let Some(v) = lenient::get(object, "computerName") {
            let text = v.as_str().ok_or_else(|| {
                invalid(format!(
                    "ComputerName must be the Entra Connect server's host name, but it is {}.",
                    lenient::type_name(v)
                ))
            })?;
            // Checked here, with the rest of the step's input, before any remote work; the step
            // passes the name on to the provider, the machine names it in its triggered event.
            config.computer_name = Some(check_computer_name("ComputerName", text)?);
        }
        config.validate()?;
        Ok(config)
    }
}

/// The accepted keys: (JSON name, PowerShell name).
const KEYS: [(&str, &str); 9] = [
    ("wait", "Wait"),
    ("timeoutSeconds", "TimeoutSeconds"),
    ("pollIntervalSeconds", "PollIntervalSeconds"),
    ("startGraceSeconds", "StartGraceSeconds"),
    ("waitForRunningCycle", "WaitForRunningCycle"),
    ("policyType", "PolicyType"),
    ("runHistory", "RunHistory"),
    ("failOnRunErrors", "FailOnRunErrors"),
    ("computerName", "ComputerName"),
];

/// Longest piece of a configuration value or key echoed in a message, in characters.
const MAX_ECHOED_CHARS: usize = 40;

/// A value as a message shows it: a string on one line and bounded, anything else by its type.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", one_line(s, MAX_ECHOED_CHARS)),
        other => lenient::type_name(other).to_owned(),
    }
}

fn check_range(name: &str, value: i64, min: u32, max: u32) -> Result<(), Failure> {
    if value < i64::from(min) || value > i64::from(max) {
        return Err(invalid(format!(
            "{name} must be between {min} and {max} seconds, but it is {value}."
        )));
    }
    Ok(())
}

fn read_bool(object: &Map<String, Value>, key: &str, name: &str) -> Result<Option<bool>, Failure> {
    match lenient::get(object, key) {
        None => Ok(None),
        Some(v) => lenient::boolean(v).map(Some).ok_or_else(|| {
            invalid(format!(
                "{name} must be $true or $false, but it is {}.",
                describe(v)
            ))
        }),
    }
}

fn read_seconds(
    object: &Map<String, Value>,
    key: &str,
    name: &str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, Failure> {
    let v = match lenient::get(object, key) {
        Some(v) => v,
        None => return Ok(None),
    };
    let n = lenient::integer(v).ok_or_else(|| {
        invalid(format!(
            "{name} must be a whole number of seconds, but it is {}.",
            describe(v)
        ))
    })?;
    check_range(name, n, min, max)?;
    // check_range keeps n within u32.
    Ok(Some(u32::try_from(n).unwrap_or(max)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<WaitConfig, Failure> {
        WaitConfig::from_json_str(s)
    }

    fn err(s: &str) -> Failure {
        parse(s).expect_err(s)
    }

    #[test]
    fn defaults() {
        let c = parse("{}").unwrap();
        assert_eq!(c, WaitConfig::default());
        assert!(!c.wait);
        assert_eq!(c.timeout_seconds, 600);
        assert_eq!(c.poll_interval_seconds, 10);
        assert_eq!(c.start_grace_seconds, 60);
        assert!(!c.wait_for_running_cycle);
        assert_eq!(c.policy_type, None);
        assert!(!c.run_history);
        assert!(!c.fail_on_run_errors);
        assert!(WaitConfig::default().validate().is_ok());
        let c = parse(r#"{"wait":true,"FailOnRunErrors":"True","runhistory":true}"#).unwrap();
        assert!(c.fail_on_run_errors && c.run_history);
    }

    #[test]
    fn reads_every_key_leniently() {
        let c = parse(
            r#"{"Wait":"True","timeoutseconds":"120","pollIntervalSeconds":5.0,
                "startGraceSeconds":0,"waitForRunningCycle":true,"policyType":"initial"}"#,
        )
        .unwrap();
        assert!(c.wait);
        assert_eq!(c.timeout_seconds, 120);
        assert_eq!(c.poll_interval_seconds, 5);
        assert_eq!(c.start_grace_seconds, 0);
        assert!(c.wait_for_running_cycle);
        assert_eq!(c.policy_type, Some(PolicyType::Initial));
        assert!(parse(r#"{"ComputerName":" sync01.contoso.com "}"#).is_ok());
        assert_eq!(
            parse(r#"{"timeoutSeconds":null}"#).unwrap().timeout_seconds,
            600
        );
    }

    #[test]
    fn defaulted_values_follow_a_small_timeout() {
        let c = parse(r#"{"timeoutSeconds":5}"#).unwrap();
        assert_eq!(c.poll_interval_seconds, 5);
        assert_eq!(c.start_grace_seconds, 5);
    }

    #[test]
    fn errors_name_the_powershell_key() {
        let cases = [
            (r#"{"timeoutSeconds":0}"#, "TimeoutSeconds"),
            (r#"{"timeoutSeconds":86401}"#, "TimeoutSeconds"),
            (r#"{"timeoutSeconds":"soon"}"#, "TimeoutSeconds"),
            (r#"{"timeoutSeconds":1.5}"#, "TimeoutSeconds"),
            (r#"{"pollIntervalSeconds":0}"#, "PollIntervalSeconds"),
            (
                r#"{"pollIntervalSeconds":3601,"timeoutSeconds":7200}"#,
                "PollIntervalSeconds",
            ),
            (
                r#"{"pollIntervalSeconds":30,"timeoutSeconds":20}"#,
                "PollIntervalSeconds",
            ),
            (r#"{"startGraceSeconds":-1}"#, "StartGraceSeconds"),
            (
                r#"{"startGraceSeconds":30,"timeoutSeconds":20}"#,
                "StartGraceSeconds",
            ),
            (r#"{"wait":"perhaps"}"#, "Wait"),
            (r#"{"waitForRunningCycle":3}"#, "WaitForRunningCycle"),
            (r#"{"policyType":"Full"}"#, "PolicyType"),
            (
                r#"{"wait":true,"failOnRunErrors":"often"}"#,
                "FailOnRunErrors",
            ),
            (r#"{"failOnRunErrors":true}"#, "FailOnRunErrors"),
            (r#"{"runHistory":2}"#, "RunHistory"),
            (r#"{"policyType":1}"#, "PolicyType"),
            (r#"{"timeoutSecs":10}"#, "timeoutSecs"),
            (r#"{"computerName":""}"#, "ComputerName"),
            (r#"{"computerName":"a\nb"}"#, "ComputerName"),
            (r#"{"computerName":7}"#, "ComputerName"),
        ];
        for (json, key) in cases {
            let f = err(json);
            assert_eq!(f.class, FailureClass::InvalidInput, "{json}");
            assert!(f.message.contains(key), "{json}: {}", f.message);
            assert!(f.message.ends_with('.'), "{}", f.message);
        }
    }

    #[test]
    fn malformed_json_is_internal() {
        assert_eq!(err("{").class, FailureClass::Internal);
        assert_eq!(err("[]").class, FailureClass::Internal);
    }
}
