//! The failures the interop layer and the step detect by themselves, worded here. The caller
//! names what happened (a [`Facts`] kind) and gives the facts it gathered; this module picks the
//! class and writes the message. The one failure it cannot word is NativeLibraryUnavailable:
//! raised when this library cannot load, so it cannot be asked (see [`crate::failure`]).

use super::{echo, ECHO_CHARS};
use crate::failure::{Failure, FailureClass};
use crate::wait::STEP_TYPE;
use serde::Deserialize;

/// IdLE's own step pack, which defines the same step type as this one.
pub const CONFLICTING_STEP_PACK: &str = "IdLE.Steps.DirectorySync";

/// This step pack.
pub const STEP_PACK: &str = "IdLE.Steps.EntraConnectSync";

/// What happened, with the facts the caller gathered. In JSON, `kind` names the case and the
/// other keys are its facts: `{"kind":"providerUsedAfterDispose","method":"StartSyncCycle"}`. The
/// kinds name what happened, not a failure class: which class it is, is decided here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Facts {
    /// A provider method was called after the provider was disposed.
    #[serde(rename = "providerUsedAfterDispose")]
    ProviderDisposed { method: String },
    /// A wait machine was used after it was disposed.
    #[serde(rename = "waitMachineUsedAfterDispose")]
    WaitMachineDisposed {},
    /// An argument holds a NUL character, which no C string can carry.
    NulInArgument { argument: String },
    /// The core reported a failure without any failure text.
    CoreSilent {},
    /// The core reported a failure whose text could not be read as JSON.
    CoreUnreadable {},
    /// The core could not create the step's wait machine (`status`: the status's name).
    WaitMachineNotCreated { status: String },
    /// A failure named a class the core's table does not list; `message` is what it said.
    UnknownClass {
        class: String,
        #[serde(default)]
        message: String,
    },
    /// IdLE's own DirectorySync step pack is loaded beside this one, at these versions.
    #[serde(rename = "idleStepPackLoaded")]
    StepPackConflict { versions: Vec<String> },
}

/// The failure for `facts`.
pub fn describe(facts: &Facts) -> Failure {
    match facts {
        Facts::ProviderDisposed { method } => Failure::new(
            FailureClass::ProviderDisposed,
            format!(
                "{} was called on an Entra Connect directory sync provider that has been disposed \
                 (its Dispose() method ran, possibly from inside a session callback). Create a \
                 new provider with New-IdleEntraConnectDirectorySyncProvider and do not dispose a \
                 provider while a workflow may still use it.",
                echo(method, ECHO_CHARS)
            ),
        ),
        Facts::WaitMachineDisposed {} => Failure::new(
            FailureClass::WaitMachineDisposed,
            "The wait machine was used after it was disposed. Create a new WaitMachine for each \
             trigger-and-wait.",
        ),
        Facts::NulInArgument { argument } => {
            let argument = echo(argument, ECHO_CHARS);
            Failure::new(
                FailureClass::InvalidInput,
                format!(
                    "The {argument} contains a NUL character (\\0); a NUL would cut the value \
                     short on its way to the server, so it is refused. Remove the NUL character \
                     from the {argument}."
                ),
            )
        }
        Facts::CoreSilent {} => Failure::new(
            FailureClass::Internal,
            "The native core reported a failure without describing it. Please report this as a \
             bug.",
        ),
        Facts::CoreUnreadable {} => Failure::new(
            FailureClass::Internal,
            "The native core reported a failure that could not be read. Please report this as a \
             bug.",
        ),
        Facts::WaitMachineNotCreated { status } => Failure::new(
            FailureClass::Internal,
            format!(
                "The native core could not create the step's wait machine (status {}). Please \
                 report this as a bug.",
                echo(status, ECHO_CHARS)
            ),
        ),
        Facts::UnknownClass { class, message } => {
            let said = echo(message, crate::wait::MAX_MESSAGE_CHARS);
            Failure::new(
                FailureClass::Internal,
                format!(
                    "A failure named the class '{}', which is not one of the native core's \
                     failure classes. Please report this as a bug.{}",
                    echo(class, 40),
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!(" It said: {said}")
                    }
                ),
            )
        }
        Facts::StepPackConflict { versions } => {
            let versions: Vec<String> = versions.iter().map(|v| echo(v, 40)).collect();
            Failure::new(
                FailureClass::StepPackConflict,
                format!(
                    "IdLE's own step pack {CONFLICTING_STEP_PACK} ({}) is loaded in this session. \
                     It defines the same step type as {STEP_PACK}, {STEP_TYPE}, and IdLE's planner \
                     refuses a step type defined by two loaded packs (DuplicateStepTypeMetadata). \
                     Load one of the two packs per session: to use this one, do not import \
                     {CONFLICTING_STEP_PACK} in the host (run 'Remove-Module \
                     {CONFLICTING_STEP_PACK}' in this session; with IdLE 0.9.0, whose IdLE module \
                     loads it itself, use IdLE 0.9.1 or later). Workflows keep the step type \
                     {STEP_TYPE} unchanged. To use IdLE's step instead, run 'Remove-Module \
                     {STEP_PACK}'.",
                    versions.join(", ")
                ),
            )
        }
    }
}

/// Reads a kind and its facts (`facts` a JSON object, or empty for none) into [`Facts`].
pub fn facts_from_json(kind: &str, facts: Option<&str>) -> Result<Facts, String> {
    let mut object = match facts.map(str::trim).filter(|f| !f.is_empty()) {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(serde_json::Value::Null) => serde_json::Map::new(),
            Ok(_) => return Err("the facts must be a JSON object".to_owned()),
            Err(e) => return Err(format!("the facts are not valid JSON: {e}")),
        },
    };
    if object.contains_key("kind") {
        return Err("the facts may not have a 'kind' key; the kind is its own argument".to_owned());
    }
    object.insert(
        "kind".to_owned(),
        serde_json::Value::String(kind.to_owned()),
    );
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| crate::adsync::text::one_line(&e.to_string(), 300))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(kind: &str, facts: &str) -> Failure {
        describe(&facts_from_json(kind, Some(facts)).unwrap())
    }

    #[test]
    fn provider_disposed_names_the_method() {
        let f = said(
            "providerUsedAfterDispose",
            r#"{"method":"GetSyncCycleState"}"#,
        );
        assert_eq!(f.class, FailureClass::ProviderDisposed);
        assert_eq!(
            f.message,
            "GetSyncCycleState was called on an Entra Connect directory sync provider that has \
             been disposed (its Dispose() method ran, possibly from inside a session callback). \
             Create a new provider with New-IdleEntraConnectDirectorySyncProvider and do not \
             dispose a provider while a workflow may still use it."
        );
    }

    #[test]
    fn wait_machine_disposed_needs_no_facts() {
        for facts in [None, Some(""), Some("{}"), Some("null")] {
            let f = describe(&facts_from_json("waitMachineUsedAfterDispose", facts).unwrap());
            assert_eq!(f.class, FailureClass::WaitMachineDisposed);
            assert_eq!(
                f.message,
                "The wait machine was used after it was disposed. Create a new WaitMachine for \
                 each trigger-and-wait."
            );
        }
    }

    #[test]
    fn a_nul_in_an_argument_is_invalid_input() {
        let f = said("nulInArgument", r#"{"argument":"PolicyType"}"#);
        assert_eq!(f.class, FailureClass::InvalidInput);
        assert_eq!(
            f.message,
            "The PolicyType contains a NUL character (\\0); a NUL would cut the value short on \
             its way to the server, so it is refused. Remove the NUL character from the \
             PolicyType."
        );
    }

    #[test]
    fn the_core_s_own_defects_are_internal() {
        let f = said("coreSilent", "{}");
        assert_eq!(f.class, FailureClass::Internal);
        assert_eq!(
            f.message,
            "The native core reported a failure without describing it. Please report this as a \
             bug."
        );
        let f = said("coreUnreadable", "{}");
        assert_eq!(f.class, FailureClass::Internal);
        assert_eq!(
            f.message,
            "The native core reported a failure that could not be read. Please report this as a \
             bug."
        );
        let f = said("waitMachineNotCreated", r#"{"status":"Panic"}"#);
        assert_eq!(f.class, FailureClass::Internal);
        assert_eq!(
            f.message,
            "The native core could not create the step's wait machine (status Panic). Please \
             report this as a bug."
        );
    }

    #[test]
    fn an_unknown_class_is_internal_and_keeps_what_the_failure_said() {
        let f = said(
            "unknownClass",
            r#"{"class":"Gremlins","message":"It broke."}"#,
        );
        assert_eq!(f.class, FailureClass::Internal);
        assert_eq!(
            f.message,
            "A failure named the class 'Gremlins', which is not one of the native core's failure \
             classes. Please report this as a bug. It said: It broke."
        );
        let f = said("unknownClass", r#"{"class":"x\ny"}"#);
        assert!(f.message.ends_with("as a bug."));
        assert!(!f.message.contains('\n'));
    }

    #[test]
    fn a_step_pack_conflict_says_what_to_do() {
        let f = said("idleStepPackLoaded", r#"{"versions":["0.9.0","0.9.1"]}"#);
        assert_eq!(f.class, FailureClass::StepPackConflict);
        assert_eq!(
            f.message,
            "IdLE's own step pack IdLE.Steps.DirectorySync (0.9.0, 0.9.1) is loaded in this \
             session. It defines the same step type as IdLE.Steps.EntraConnectSync, \
             IdLE.Step.TriggerDirectorySync, and IdLE's planner refuses a step type defined by \
             two loaded packs (DuplicateStepTypeMetadata). Load one of the two packs per \
             session: to use this one, do not import IdLE.Steps.DirectorySync in the host (run \
             'Remove-Module IdLE.Steps.DirectorySync' in this session; with IdLE 0.9.0, whose \
             IdLE module loads it itself, use IdLE 0.9.1 or later). Workflows keep the step type \
             IdLE.Step.TriggerDirectorySync unchanged. To use IdLE's step instead, run \
             'Remove-Module IdLE.Steps.EntraConnectSync'."
        );
    }

    #[test]
    fn unknown_kinds_and_bad_facts_are_refused() {
        assert!(facts_from_json("noSuchKind", None).is_err());
        assert!(facts_from_json("providerUsedAfterDispose", None).is_err());
        assert!(facts_from_json("providerUsedAfterDispose", Some("[1]")).is_err());
        assert!(facts_from_json("providerUsedAfterDispose", Some("{")).is_err());
        assert!(facts_from_json(
            "providerUsedAfterDispose",
            Some(r#"{"method":"x","kind":"coreSilent"}"#)
        )
        .is_err());
        assert!(facts_from_json("coreSilent", Some(r#"{"extra":1}"#)).is_err());
    }
}
