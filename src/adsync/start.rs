//! `Start-ADSyncSyncCycle`'s answer on success: one object whose `Result` is `Success`.
//!
//! The object's type is `...ObjectModel.SchedulerOperationStatus` and its `ToString()` is that
//! type name, so the `Result` property is the only evidence of acceptance. `Result` reaches us
//! as a name (`"Success"`), as an enum number (`ConvertTo-Json` without `-EnumsAsStrings`), or
//! as a deserialized enum object (`{"Value": "Success"}`, `{"value__": 0}`, ...).
//!
//! Choice, documented because Microsoft does not publish the enum's numbers: `0` is read as
//! `Success`. .NET enums conventionally number their first member 0, the cmdlet's only
//! documented value is `Success`, and errors (busy, rights) come as errors rather than as other
//! `Result` values; if the guess were wrong, the wait machine's start-grace window still stops a
//! wrong "accepted" from being reported as a finished cycle. Any other number or name is a
//! refusal.
//!
//! A refusal is `UnexpectedResponse` unless its name says more (`SchedulerSuspended`,
//! `AccessDenied`, ...). The command reached the server and ran there, so it is not a failure of
//! the remote execution (`RemoteExecutionFailed` is transport and session code: a
//! `ConnectionError`, transient, which would send the admin to WinRM and make IdLE retry); the
//! only documented `Result` is `Success`, so any other value is an answer outside the cmdlet's
//! documented contract, after which nobody knows whether a cycle started: exactly what
//! `UnexpectedResponse` (`InvalidResult`, not transient) says.

use crate::adsync::classify::classify_error;
use crate::adsync::commands::START_SYNC_CYCLE;
use crate::adsync::text::{describe_output, one_line, server_text};
use crate::adsync::values::{integer, output_items, prop, string};
use crate::failure::{Failure, FailureClass};
use crate::session::RemoteError;
use serde_json::Value;

/// The full type name of the cmdlet's result object.
pub const SCHEDULER_OPERATION_STATUS_TYPE: &str =
    "Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerOperationStatus";

/// The `Result` value that means "accepted".
pub const SUCCESS: &str = "Success";

/// Longest computer name kept from `PSComputerName`.
const MAX_COMPUTER_NAME_CHARS: usize = 255;
/// Nesting depth up to which `Result` wrappers are opened.
const MAX_RESULT_DEPTH: usize = 4;

/// What an accepted trigger told us.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartAccepted {
    /// `PSComputerName`, added by remoting: the server that accepted the cycle.
    pub computer_name: Option<String>,
}

/// How one `Result` value reads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ResultValue {
    Success,
    /// A readable value other than success: its name, or `value N`.
    Other(String),
    Unreadable,
}

fn read_result(value: &Value, depth: usize) -> ResultValue {
    match value {
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case(SUCCESS) {
                ResultValue::Success
            } else if let Ok(n) = s.parse::<i64>() {
                read_number(n)
            } else if s.is_empty() {
                ResultValue::Unreadable
            } else {
                ResultValue::Other(one_line(s, 80))
            }
        }
        Value::Number(_) => match integer(value) {
            Some(n) => read_number(n),
            None => ResultValue::Unreadable,
        },
        Value::Object(_) if depth < MAX_RESULT_DEPTH => {
            // A deserialized enum or a nested status object: the first member that reads wins.
            for name in ["Value", "value__", "Result", "Name", "String"] {
                if let Some(inner) = prop(value, name) {
                    let r = read_result(inner, depth + 1);
                    if r != ResultValue::Unreadable {
                        return r;
                    }
                }
            }
            ResultValue::Unreadable
        }
        _ => ResultValue::Unreadable,
    }
}

fn read_number(n: i64) -> ResultValue {
    if n == 0 {
        ResultValue::Success
    } else {
        ResultValue::Other(format!("value {n}"))
    }
}

/// Reads `Start-ADSyncSyncCycle`'s output: the first object with a `Result` property decides.
/// `Ok` only for a success result; a readable other result is a refusal (classified from its
/// text, `UnexpectedResponse` when nothing more specific fits); anything else, including no
/// output at all, is `UnexpectedResponse`. A bare `"Success"` string (a host that returned the
/// property rather than the object) is accepted; a bare type name is not, since the result was
/// lost when the object was turned into text.
pub fn parse_start_output(output: &[Value]) -> Result<StartAccepted, Failure> {
    let items = output_items(output);
    for item in &items {
        match item {
            Value::Object(_) => {
                let result = match prop(item, "Result") {
                    Some(result) => result,
                    None => continue,
                };
                return match read_result(result, 0) {
                    ResultValue::Success => Ok(StartAccepted {
                        computer_name: prop(item, "PSComputerName")
                            .and_then(string)
                            .map(|s| one_line(s, MAX_COMPUTER_NAME_CHARS))
                            .filter(|s| !s.is_empty()),
                    }),
                    ResultValue::Other(name) => Err(refused(&name)),
                    ResultValue::Unreadable => Err(unexpected(&format!(
                        "an object whose Result could not be read ({})",
                        describe_output(std::slice::from_ref(result))
                    ))),
                };
            }
            Value::String(s) if s.trim().eq_ignore_ascii_case(SUCCESS) => {
                return Ok(StartAccepted::default());
            }
            Value::String(s) if s.trim() == SCHEDULER_OPERATION_STATUS_TYPE => {
                return Err(unexpected(
                    "only the result object's type name (the object was turned into text, so \
                     its Result was lost; the host's session must return objects, not text)",
                ));
            }
            _ => {}
        }
    }
    Err(unexpected(&describe_output(output)))
}

fn refused(result_name: &str) -> Failure {
    let remote = format!("Result: {result_name}");
    let probe = RemoteError {
        message: result_name.to_owned(),
        ..RemoteError::default()
    };
    let specific = classify_error(&probe);
    let failure = if specific.class == FailureClass::RemoteExecutionFailed {
        // Nothing in the name is more specific than "the server said no": see the module notes.
        Failure::new(
            FailureClass::UnexpectedResponse,
            format!(
                "Entra Connect did not accept the sync cycle: {START_SYNC_CYCLE} answered with \
                 the result '{result_name}' instead of 'Success'. Check the server's ADSync \
                 event log, then try again."
            ),
        )
    } else {
        Failure::new(specific.class, specific.message)
    };
    failure.with_remote(server_text(&remote))
}

fn unexpected(received: &str) -> Failure {
    Failure::new(
        FailureClass::UnexpectedResponse,
        format!(
            "{START_SYNC_CYCLE} returned no success result, so it is unknown whether a sync \
             cycle was started; received {received}."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(output: Vec<Value>) -> StartAccepted {
        parse_start_output(&output).unwrap_or_else(|f| panic!("{output:?}: {f:?}"))
    }

    fn failed(output: Vec<Value>) -> Failure {
        parse_start_output(&output).expect_err(&format!("{output:?}"))
    }

    #[test]
    fn success_in_every_shape() {
        for result in [
            json!("Success"),
            json!("success"),
            json!(" SUCCESS "),
            json!(0),
            json!("0"),
            json!({"Value": "Success"}),
            json!({"value": 0}),
            json!({"value__": 0}),
            json!({"Value": {"value__": 0}}),
            json!({"TypeNames": ["Deserialized.X"], "ToString": SCHEDULER_OPERATION_STATUS_TYPE, "Result": "Success"}),
        ] {
            let a = ok(vec![json!({ "Result": result })]);
            assert_eq!(a.computer_name, None);
        }
        assert_eq!(
            ok(vec![json!({"result": "Success"})]),
            StartAccepted::default()
        );
        assert_eq!(ok(vec![json!("Success")]), StartAccepted::default());
    }

    #[test]
    fn remoting_extras_and_wrappers() {
        let a = ok(vec![json!({
            "Result": "Success",
            "PSComputerName": "aadc01.contoso.local",
            "RunspaceId": "0b8b3c4e-1111-2222-3333-444455556666",
            "PSShowComputerName": true
        })]);
        assert_eq!(a.computer_name.as_deref(), Some("aadc01.contoso.local"));
        let a = ok(vec![
            json!({"value": [{"Result": 0, "pscomputername": "h"}], "Count": 1}),
        ]);
        assert_eq!(a.computer_name.as_deref(), Some("h"));
        let a = ok(vec![json!("a stray line"), json!({"Result": "Success"})]);
        assert_eq!(a.computer_name, None);
    }

    #[test]
    fn other_results_are_refusals() {
        for (result, shown) in [
            (json!("Failure"), "'Failure'"),
            (json!("UnknownError"), "'UnknownError'"),
            (json!(1), "'value 1'"),
            (json!({"Value": "Failure"}), "'Failure'"),
        ] {
            let f = failed(vec![json!({ "Result": result })]);
            assert_eq!(f.class, FailureClass::UnexpectedResponse, "{f:?}");
            assert!(!f.class.is_transient());
            assert!(f.message.contains("did not accept"), "{}", f.message);
            assert!(f.message.contains(shown), "{}", f.message);
            assert!(f.remote_message.unwrap().starts_with("Result: "));
        }
    }

    #[test]
    fn a_refusal_whose_name_says_more_is_classified() {
        let f = failed(vec![json!({"Result": "SchedulerSuspended"})]);
        assert_eq!(f.class, FailureClass::SchedulerSuspended);
        let f = failed(vec![json!({"Result": "AccessDenied"})]);
        assert_eq!(f.class, FailureClass::PermissionDenied);
    }

    #[test]
    fn the_first_result_decides() {
        let f = failed(vec![
            json!({"Result": "Failure"}),
            json!({"Result": "Success"}),
        ]);
        assert_eq!(f.class, FailureClass::UnexpectedResponse);
    }

    #[test]
    fn junk_is_unexpected() {
        for output in [
            vec![],
            vec![json!(null)],
            vec![json!("done")],
            vec![json!(42)],
            vec![json!([1, "x", null])],
            vec![json!({"Status": "Success"})],
            vec![json!({"Result": null})],
            vec![json!({"Result": ""})],
            vec![json!({"Result": true})],
            vec![json!({"Result": {"Foo": 1}})],
        ] {
            let f = failed(output.clone());
            assert_eq!(f.class, FailureClass::UnexpectedResponse, "{output:?}");
            assert!(f.message.contains("received"), "{}", f.message);
        }
    }

    #[test]
    fn a_bare_type_name_is_explained() {
        let f = failed(vec![json!(SCHEDULER_OPERATION_STATUS_TYPE)]);
        assert_eq!(f.class, FailureClass::UnexpectedResponse);
        assert!(f.message.contains("objects, not text"), "{}", f.message);
    }

    #[test]
    fn huge_values_are_not_dumped() {
        let big = "x".repeat(100_000);
        let f = failed(vec![json!(big.clone())]);
        assert!(f.message.len() < 400, "{}", f.message.len());
        let f = failed(vec![json!({ "Result": big })]);
        assert!(f.message.len() < 500, "{}", f.message.len());
        assert!(f.remote_message.unwrap().chars().count() <= 1000);
        let a = ok(vec![
            json!({"Result": "Success", "PSComputerName": "h".repeat(10_000)}),
        ]);
        assert_eq!(a.computer_name.unwrap().chars().count(), 255);
    }
}
