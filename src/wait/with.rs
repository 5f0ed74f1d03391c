//! The step's `With` block and its host-side facts: every rule the step applies before any call,
//! decided here and nowhere else. The step (C#) only converts: `With` to JSON once, and what it
//! found on the host (the provider object's methods, whether the options are a table of data)
//! to JSON facts. The sentences of every refusal are written here too.
//!
//! # Step JSON (`idle_ec_wait_new_step`)
//!
//! ```json
//! {"stepName": "Sync",
//!  "with": [["AuthSessionName", "EC"], ["Wait", true], ["AuthSessionOptions", {"table": true, "dataProblem": null}]],
//!  "dataLimits": {"maxDepth": 16, "maxValues": 10000}}
//! ```
//!
//! * `with`: the host's `With` entries in its own order and spelling (a key given twice in
//!   different casings appears twice), or `null` when `With` is not a hashtable. Scalars and lists
//!   are written as values (a switch as a boolean); any other object is written as the facts
//!   `{"table": bool, "dataProblem": "..." | null}` only (whether it is a hashtable; what the
//!   data-only inspection found), so the options' values never cross.
//! * `dataLimits`: the limits of that inspection, for the message that names them.

use super::config::WaitConfig;
use crate::adsync::values as lenient;
use crate::failure::{Failure, FailureClass};
use crate::redact::{scrub, Secrets};
use serde_json::{Map, Value};

/// The step type this pack implements.
pub const STEP_TYPE: &str = "IdLE.Step.TriggerDirectorySync";

/// The keys `With` accepts, required first, in the order of `StepMetadataCatalog.psd1` (a
/// Pester test proves the catalog lists exactly these).
pub const WITH_KEYS: [&str; 11] = [
    "AuthSessionName",
    "PolicyType",
    "Provider",
    "Wait",
    "TimeoutSeconds",
    "PollIntervalSeconds",
    "AuthSessionOptions",
    "StartGraceSeconds",
    "WaitForRunningCycle",
    "FailOnRunErrors",
    "ComputerName",
];

/// The provider alias used when `With.Provider` is not given.
pub const DEFAULT_PROVIDER_ALIAS: &str = "DirectorySync";

/// The provider methods the step asks about: the first two are required, the last optional
/// (without it no run results are reported).
pub const PROVIDER_METHODS: [&str; 3] = ["StartSyncCycle", "GetSyncCycleState", "GetSyncCycleRuns"];

/// The `With` keys that are wait settings, with their configuration names.
const CONFIG_KEYS: [(&str, &str); 8] = [
    ("PolicyType", "policyType"),
    ("Wait", "wait"),
    ("TimeoutSeconds", "timeoutSeconds"),
    ("PollIntervalSeconds", "pollIntervalSeconds"),
    ("StartGraceSeconds", "startGraceSeconds"),
    ("WaitForRunningCycle", "waitForRunningCycle"),
    ("FailOnRunErrors", "failOnRunErrors"),
    ("ComputerName", "computerName"),
];

/// Longest user text (a step name, a key, an alias) echoed in a message, in characters.
const ECHO_CHARS: usize = 80;

/// Longest host error text (the broker's, an EventSink's) quoted in a message, in characters.
const HOST_MESSAGE_CHARS: usize = 1000;

/// What the step is to do once `With` was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPlan {
    /// The step's name as messages echo it (one line, bounded, masked).
    pub title: String,
    /// `AuthSessionName`, as given.
    pub session_name: String,
    /// The key under which the host's `With` holds `AuthSessionOptions` (its own spelling), when
    /// it holds any that are not null.
    pub options_key: Option<String>,
    /// The provider alias (`Provider`, or [`DEFAULT_PROVIDER_ALIAS`]).
    pub alias: String,
}

/// The step's request as read: its title, and either the wait configuration with the plan or
/// the `InvalidInput` failure that ends the step before any call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRequest {
    pub title: String,
    pub accepted: Result<(WaitConfig, StepPlan), Failure>,
}

/// A value as a message echoes it: one line, at most [`ECHO_CHARS`] characters, credential
/// patterns masked.
pub(crate) fn echo(text: &str) -> String {
    scrub(text, &Secrets::default(), ECHO_CHARS)
}

impl StepRequest {
    /// Reads the step JSON (see the module documentation). Never fails: anything unreadable is
    /// an `Internal` failure the machine reports as its first decision.
    pub fn from_json_str(json: &str) -> StepRequest {
        let value: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                return StepRequest {
                    title: String::new(),
                    accepted: Err(Failure::new(
                        FailureClass::Internal,
                        format!("The step's request to the wait machine is not valid JSON: {e}."),
                    )),
                }
            }
        };
        let title = echo(
            value
                .get("stepName")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let accepted = read(&value).map_err(|problem| {
            step_failure(
                FailureClass::InvalidInput,
                &format!("{STEP_TYPE} '{title}': {problem}"),
            )
        });
        let accepted = accepted.map(|(config, mut plan)| {
            plan.title = title.clone();
            (config, plan)
        });
        StepRequest { title, accepted }
    }
}

/// The host's `With` entries, in order.
type Entries = Vec<(String, Value)>;

/// The first entry whose key is `key` in any casing.
fn entry<'a>(entries: &'a Entries, key: &str) -> Option<&'a (String, Value)> {
    entries.iter().find(|(k, _)| same_key(k, key))
}

/// Keys compare as the step's hashtable compares them: ordinal, ignoring case.
fn same_key(a: &str, b: &str) -> bool {
    a == b || a.to_uppercase() == b.to_uppercase()
}

fn read(request: &Value) -> Result<(WaitConfig, StepPlan), String> {
    let entries: Entries = match request.get("with") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), v]) => Ok((k.clone(), v.clone())),
                _ => Err(
                    "The step's With entries must be [key, value] pairs; this is a defect \
                          in the step."
                        .to_owned(),
                ),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(
                "Step.With must be a hashtable with at least AuthSessionName and PolicyType."
                    .to_owned(),
            )
        }
    };
    // Keys are read in any casing, whatever comparer the host's hashtable was built with: one
    // given twice in different casings is ambiguous.
    for (i, (key, _)) in entries.iter().enumerate() {
        if entries[..i].iter().any(|(k, _)| same_key(k, key)) {
            return Err(format!(
                "Step.With has the key '{}' more than once, in different casings.",
                echo(key)
            ));
        }
    }
    for (key, _) in &entries {
        if !WITH_KEYS.iter().any(|k| same_key(k, key)) {
            return Err(format!(
                "With.{} is not a key of {STEP_TYPE}. Allowed keys: {}.",
                echo(key),
                WITH_KEYS.join(", ")
            ));
        }
    }
    let value = |key: &str| entry(&entries, key).map(|(_, v)| v);
    let session_name = match value("AuthSessionName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => {
            return Err(
                "With.AuthSessionName is required: the name of the AuthSession the \
                        host's AuthSessionBroker hands out for the Entra Connect server."
                    .to_owned(),
            )
        }
    };
    // A NUL would cut a name short in any C string on the host's side: refused before any call.
    for key in ["AuthSessionName", "PolicyType", "Provider"] {
        if let Some(Value::String(text)) = value(key) {
            if text.contains('\0') {
                return Err(format!(
                    "With.{key} contains a NUL character (\\0); remove it."
                ));
            }
        }
    }
    if value("PolicyType").map_or(true, Value::is_null) {
        return Err("With.PolicyType is required: 'Delta' or 'Initial'.".to_owned());
    }
    let alias = match value("Provider") {
        None => DEFAULT_PROVIDER_ALIAS.to_owned(),
        Some(Value::String(alias)) if !alias.trim().is_empty() => alias.clone(),
        Some(_) => {
            return Err(
                "With.Provider must be the non-empty alias of a provider in the host's \
                        Providers hashtable (default 'DirectorySync')."
                    .to_owned(),
            )
        }
    };
    let options_key = match entry(&entries, "AuthSessionOptions") {
        None | Some((_, Value::Null)) => None,
        Some((key, Value::Object(facts)))
            if facts.get("table").and_then(Value::as_bool) == Some(true) =>
        {
            if let Some(problem) = facts.get("dataProblem").and_then(Value::as_str) {
                let limit = |name: &str| {
                    request
                        .get("dataLimits")
                        .and_then(|l| l.get(name))
                        .and_then(Value::as_u64)
                        .unwrap_or_default()
                };
                return Err(format!(
                    "With.AuthSessionOptions must hold data only (no script blocks, script \
                     properties or script methods, no NUL characters), at most {} levels deep \
                     and {} values; it {problem}.",
                    limit("maxDepth"),
                    limit("maxValues")
                ));
            }
            Some(key.clone())
        }
        Some(_) => {
            return Err(
                "With.AuthSessionOptions must be a hashtable of data for the host's \
                 AuthSessionBroker."
                    .to_owned(),
            )
        }
    };
    for flag in ["Wait", "WaitForRunningCycle", "FailOnRunErrors"] {
        if value(flag).map_or(false, |v| !v.is_boolean()) {
            return Err(format!("With.{flag} must be $true or $false."));
        }
    }
    // The wait settings: ranges, relations, the policy type and the computer name.
    let mut config = Map::new();
    for (key, name) in CONFIG_KEYS {
        if let Some(v) = value(key) {
            config.insert(name.to_owned(), v.clone());
        }
    }
    let config = WaitConfig::from_json(&Value::Object(config)).map_err(|f| f.message)?;
    Ok((
        config,
        StepPlan {
            title: String::new(),
            session_name,
            options_key,
            alias,
        },
    ))
}

/// What the step found under the alias: whether there is a provider, and which of
/// [`PROVIDER_METHODS`] it has (`{"kind":"provider","found":true,"methods":[...]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderFacts {
    pub found: bool,
    pub methods: Vec<String>,
}

impl ProviderFacts {
    pub(crate) fn from_json(object: &Map<String, Value>) -> Result<ProviderFacts, String> {
        let found = lenient::get(object, "found")
            .and_then(Value::as_bool)
            .ok_or("The 'provider' input has no 'found' boolean.")?;
        let methods = match lenient::get(object, "methods") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|m| m.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or("The 'provider' input's 'methods' must be a list of names.")?,
            Some(_) => {
                return Err("The 'provider' input's 'methods' must be a list of names.".into())
            }
        };
        Ok(ProviderFacts { found, methods })
    }

    pub(crate) fn has(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }

    /// Why the step cannot use this provider, if it cannot (an `InvalidInput` failure).
    pub(crate) fn problem(&self, plan: &StepPlan) -> Option<Failure> {
        let alias = echo(&plan.alias);
        let problem = if !self.found {
            format!(
                "With.Provider: the host supplied no provider under the alias '{alias}'. Add one \
                 to the Providers hashtable (e.g. $providers['{alias}'] = \
                 New-IdleEntraConnectDirectorySyncProvider) or set With.Provider to the alias you \
                 use."
            )
        } else {
            let missing = PROVIDER_METHODS[..2].iter().find(|m| !self.has(m))?;
            format!(
                "The provider '{alias}' has no method '{missing}'; a directory sync provider \
                 must implement StartSyncCycle and GetSyncCycleState."
            )
        };
        Some(Failure::new(
            FailureClass::InvalidInput,
            format!("{STEP_TYPE} '{}': {problem}", plan.title),
        ))
    }
}

/// The failure of a host that could not provide the session; `message` is the host's words,
/// already masked with the options' values by the step.
pub(crate) fn session_unavailable(plan: &StepPlan, message: &str) -> Failure {
    let message = format!(
        "{STEP_TYPE} '{}': the host could not provide the AuthSession '{}': {}",
        plan.title,
        echo(&plan.session_name),
        scrub(message, &Secrets::default(), HOST_MESSAGE_CHARS)
    );
    step_failure(FailureClass::AuthSessionUnavailable, &message)
}

/// The failure of the step's host side (an EventSink that threw, an answer too large to pass
/// on): `message` is the error's words, already masked by the step.
pub(crate) fn host_failed(title: Option<&str>, message: &str) -> Failure {
    let cause = scrub(message, &Secrets::default(), HOST_MESSAGE_CHARS);
    let message = match title {
        Some(title) => format!("{STEP_TYPE} '{title}' failed unexpectedly: {cause}"),
        None => format!("The step that drives the wait machine failed unexpectedly: {cause}"),
    };
    step_failure(FailureClass::Internal, &message)
}

/// A failure of the step with `message` masked (credential patterns) and bounded, as every
/// message the machine takes in is.
fn step_failure(class: FailureClass, message: &str) -> Failure {
    Failure::new(
        class,
        scrub(
            message,
            &Secrets::default(),
            super::input::MAX_MESSAGE_CHARS,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(with: Value) -> StepRequest {
        StepRequest::from_json_str(
            &json!({"stepName": "Sync", "with": with, "dataLimits": {"maxDepth": 16, "maxValues": 10000}})
                .to_string(),
        )
    }

    fn refused(with: Value) -> String {
        let r = request(with);
        let f = r.accepted.expect_err("refused");
        assert_eq!(f.class, FailureClass::InvalidInput);
        assert!(
            f.message
                .starts_with("IdLE.Step.TriggerDirectorySync 'Sync': "),
            "{}",
            f.message
        );
        f.message
    }

    #[test]
    fn accepts_a_valid_with_in_any_casing() {
        let r = request(
            json!([["authsessionname", "EC"], ["POLICYTYPE", " initial "], ["wait", true],
            ["TimeoutSeconds", 30], ["authSessionOptions", {"table": true, "dataProblem": null}]]),
        );
        let (config, plan) = r.accepted.unwrap();
        assert_eq!(config.policy_type, Some(super::super::PolicyType::Initial));
        assert!(config.wait);
        assert_eq!(config.timeout_seconds, 30);
        assert_eq!(plan.session_name, "EC");
        assert_eq!(plan.options_key.as_deref(), Some("authSessionOptions"));
        assert_eq!(plan.alias, "DirectorySync");
        assert_eq!(plan.title, "Sync");
    }

    #[test]
    fn refuses_every_rule_with_todays_words() {
        let base = |extra: Vec<Value>| {
            let mut v = vec![
                json!(["AuthSessionName", "EC"]),
                json!(["PolicyType", "Delta"]),
            ];
            v.extend(extra);
            Value::Array(v)
        };
        assert!(refused(Value::Null).ends_with(
            "Step.With must be a hashtable with at least AuthSessionName and PolicyType."
        ));
        assert!(refused(base(vec![json!(["policytype", "Delta"])]))
            .contains("has the key 'policytype' more than once, in different casings."));
        assert!(
            refused(base(vec![json!(["Colour", "blue"])])).contains(&format!(
                "With.Colour is not a key of IdLE.Step.TriggerDirectorySync. Allowed keys: {}.",
                WITH_KEYS.join(", ")
            ))
        );
        assert!(
            refused(json!([["AuthSessionName", " "], ["PolicyType", "Delta"]]))
                .contains("With.AuthSessionName is required")
        );
        assert!(
            refused(json!([["AuthSessionName", 5], ["PolicyType", "Delta"]]))
                .contains("With.AuthSessionName is required")
        );
        assert!(refused(json!([
            ["AuthSessionName", "E\u{0}C"],
            ["PolicyType", "Delta"]
        ]))
        .contains("With.AuthSessionName contains a NUL character (\\0); remove it."));
        assert!(refused(json!([
            ["AuthSessionName", "EC"],
            ["PolicyType", "Delta\u{0}"]
        ]))
        .contains("With.PolicyType contains a NUL"));
        assert!(refused(json!([["AuthSessionName", "EC"]]))
            .contains("With.PolicyType is required: 'Delta' or 'Initial'."));
        assert!(
            refused(json!([["AuthSessionName", "EC"], ["PolicyType", null]]))
                .contains("With.PolicyType is required")
        );
        assert!(
            refused(json!([["AuthSessionName", "EC"], ["PolicyType", "Full"]]))
                .contains("PolicyType must be 'Delta' or 'Initial', but it is 'Full'.")
        );
        assert!(refused(base(vec![json!(["Provider", " "])]))
            .contains("With.Provider must be the non-empty alias"));
        assert!(refused(base(vec![json!(["Provider", null])]))
            .contains("With.Provider must be the non-empty alias"));
        assert!(refused(base(vec![json!(["Provider", "A\u{0}"])]))
            .contains("With.Provider contains a NUL"));
        assert!(refused(base(vec![json!(["AuthSessionOptions", "text"])]))
            .contains("With.AuthSessionOptions must be a hashtable of data"));
        assert!(refused(base(vec![
            json!(["AuthSessionOptions", {"table": false, "dataProblem": null}])
        ]))
        .contains("With.AuthSessionOptions must be a hashtable of data"));
        assert!(refused(base(vec![json!(["AuthSessionOptions", {"table": true, "dataProblem": "holds a script block; only data is allowed"}])]))
            .contains("at most 16 levels deep and 10000 values; it holds a script block; only data is allowed."));
        for flag in ["Wait", "WaitForRunningCycle", "FailOnRunErrors"] {
            for bad in [json!("True"), json!(null), json!(1)] {
                assert!(refused(base(vec![json!([flag, bad])]))
                    .ends_with(&format!("With.{flag} must be $true or $false.")));
            }
        }
        assert!(refused(base(vec![json!(["TimeoutSeconds", 0])]))
            .contains("TimeoutSeconds must be between 1 and 86400 seconds"));
        assert!(refused(base(vec![json!(["ComputerName", ""])])).contains("ComputerName"));
        let r = StepRequest::from_json_str("not json");
        assert_eq!(r.accepted.unwrap_err().class, FailureClass::Internal);
    }

    #[test]
    fn a_null_options_value_is_no_options() {
        let (_, plan) = request(json!([
            ["AuthSessionName", "EC"],
            ["PolicyType", "Delta"],
            ["AuthSessionOptions", null]
        ]))
        .accepted
        .unwrap();
        assert_eq!(plan.options_key, None);
    }

    #[test]
    fn echoes_are_one_bounded_line() {
        let long = "Key\n".repeat(200_000);
        let m = refused(json!([
            ["AuthSessionName", "EC"],
            ["PolicyType", "Delta"],
            [long, 1]
        ]));
        assert!(m.len() < 2100 && !m.contains('\n'));
        let r = StepRequest::from_json_str(
            &json!({"stepName": "Step\n".repeat(1000), "with": null}).to_string(),
        );
        assert!(r.title.chars().count() <= 80 && !r.title.contains('\n'));
    }

    #[test]
    fn provider_problems_name_the_alias_and_the_method() {
        let plan = StepPlan {
            title: "Sync".into(),
            session_name: "EC".into(),
            options_key: None,
            alias: "Elsewhere".into(),
        };
        let none = ProviderFacts {
            found: false,
            methods: vec![],
        }
        .problem(&plan)
        .unwrap();
        assert!(none
            .message
            .contains("no provider under the alias 'Elsewhere'"));
        assert!(none
            .message
            .contains("$providers['Elsewhere'] = New-IdleEntraConnectDirectorySyncProvider"));
        let half = ProviderFacts {
            found: true,
            methods: vec!["StartSyncCycle".into()],
        }
        .problem(&plan)
        .unwrap();
        assert!(half.message.ends_with("The provider 'Elsewhere' has no method 'GetSyncCycleState'; a directory sync provider must implement StartSyncCycle and GetSyncCycleState."));
        let full = ProviderFacts {
            found: true,
            methods: vec!["StartSyncCycle".into(), "GetSyncCycleState".into()],
        };
        assert_eq!(full.problem(&plan), None);
    }
}
