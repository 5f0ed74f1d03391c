//! Which AuthSession a provider call uses. The interop layer reports what the caller passed —
//! the method, the call's shape (IdLE 0.9's or the next contract's, with a ComputerName), what
//! kind of object the session is, and the ComputerName as given — and this module decides: use
//! the session's `InvokeCommand`, the PSSession, or a session opened from the PSCredential to the
//! checked ComputerName; or fail with AuthSessionInvalid (no usable session) or InvalidInput (a
//! ComputerName that is no host name), in a message that names the call's shape.

use super::{echo, ECHO_CHARS};
use crate::computer_name::check_computer_name;
use crate::failure::{Failure, FailureClass};
use serde::{Deserialize, Serialize};

/// A provider method that takes an AuthSession.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Method {
    StartSyncCycle,
    GetSyncCycleState,
    GetSyncCycleRuns,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::StartSyncCycle => "StartSyncCycle",
            Method::GetSyncCycleState => "GetSyncCycleState",
            Method::GetSyncCycleRuns => "GetSyncCycleRuns",
        }
    }

    /// The arguments before the session (and before the next contract's ComputerName).
    fn leading(self) -> &'static str {
        match self {
            Method::StartSyncCycle => "PolicyType, ",
            Method::GetSyncCycleRuns => "Since, ",
            Method::GetSyncCycleState => "",
        }
    }
}

/// Which contract generation a call used: IdLE 0.9 calls `StartSyncCycle(PolicyType,
/// AuthSession)`; IdLE's next contract adds a ComputerName before the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallShape {
    pub method: Method,
    /// True for the next contract's shape (with ComputerName).
    pub next: bool,
}

impl CallShape {
    /// The shape the caller used, e.g. `IdLE 0.9's StartSyncCycle(PolicyType, AuthSession)`.
    pub fn text(self) -> String {
        if self.next {
            self.next_text()
        } else {
            format!(
                "IdLE 0.9's {}({}AuthSession)",
                self.method.name(),
                self.method.leading()
            )
        }
    }

    /// The next contract's shape of this method.
    pub fn next_text(self) -> String {
        format!(
            "{}({}ComputerName, AuthSession)",
            self.method.name(),
            self.method.leading()
        )
    }
}

/// What kind of object the AuthSession is, as the interop layer sees its .NET type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SessionKind {
    /// No session (`$null`).
    None,
    /// A `System.Management.Automation.Runspaces.PSSession`.
    PsSession,
    /// A `PSCredential`.
    Credential,
    /// Any other object with an `InvokeCommand` method.
    InvokeCommand,
    /// Anything else.
    Other,
}

/// The ComputerName argument as given (next contract only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComputerNameFact {
    /// The text, when the argument is a string.
    #[serde(default)]
    pub text: Option<String>,
    /// The .NET type's full name, when the argument is something other than a string.
    #[serde(default)]
    pub type_name: Option<String>,
}

/// What the interop layer reports about one provider call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionFacts {
    pub method: Method,
    /// The next contract's shape (three arguments, with ComputerName).
    pub next: bool,
    /// The ComputerName argument; absent or `null` when nothing was given.
    #[serde(default)]
    pub computer_name: Option<ComputerNameFact>,
    /// The session's kind.
    pub session: SessionKind,
    /// The session's type name (its first PowerShell type name), for the message.
    #[serde(default)]
    pub type_name: Option<String>,
    /// Whether the session is a string (then, in IdLE 0.9's shape, it looks like a computer name).
    #[serde(default)]
    pub is_string: bool,
}

/// What the call uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Resolved {
    /// Call the session's `InvokeCommand(CommandName, Parameters)`.
    InvokeCommand,
    /// Run the commands in the given PSSession.
    PsSession,
    /// Open a session to `computerName` with the credential (and the provider's
    /// RemoteSessionOptions), and remove it after the call.
    #[serde(rename_all = "camelCase")]
    Credential { computer_name: String },
}

/// Decides which session the call uses, or why it cannot make the call.
pub fn resolve(facts: &SessionFacts) -> Result<Resolved, Failure> {
    let shape = CallShape {
        method: facts.method,
        next: facts.next,
    };
    // The next contract's ComputerName is checked first, whatever the session.
    let computer_name = if shape.next {
        Some(computer_name(shape, facts.computer_name.as_ref())?)
    } else {
        None
    };
    let method = shape.method.name();
    match facts.session {
        SessionKind::None => Err(invalid(format!(
            "{method} was called as {} without an AuthSession. It needs an object with an \
             InvokeCommand(CommandName, Parameters) method, a PSSession, or (with a ComputerName) \
             a PSCredential. The host must supply one through its AuthSessionBroker.",
            shape.text()
        ))),
        SessionKind::PsSession => Ok(Resolved::PsSession),
        SessionKind::Credential => match computer_name {
            Some(computer_name) => Ok(Resolved::Credential { computer_name }),
            None => Err(invalid(format!(
                "{method} was called as {} with a PSCredential as the AuthSession, but a \
                 credential needs a ComputerName to connect to: call {} (IdLE's next contract), \
                 or have the AuthSessionBroker supply a PSSession or an object with an \
                 InvokeCommand(CommandName, Parameters) method.",
                shape.text(),
                shape.next_text()
            ))),
        },
        SessionKind::InvokeCommand => Ok(Resolved::InvokeCommand),
        SessionKind::Other => {
            let type_name = facts
                .type_name
                .as_deref()
                .map(|t| echo(t, ECHO_CHARS))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "object".to_owned());
            let hint = if !shape.next && facts.is_string {
                format!(
                    " It looks like a computer name: IdLE's next contract calls {}.",
                    shape.next_text()
                )
            } else {
                String::new()
            };
            Err(invalid(format!(
                "The AuthSession given to {method} (a {type_name}; the call looked like {}) has \
                 no InvokeCommand(CommandName, Parameters) method and is neither a PSSession nor \
                 a PSCredential.{hint} The host must supply a session with InvokeCommand, a \
                 PSSession or a PSCredential through its AuthSessionBroker.",
                shape.text()
            )))
        }
    }
}

/// The next contract's ComputerName, checked by the rule every name follows
/// ([`check_computer_name`]) and trimmed; a failure names the call's shape.
fn computer_name(shape: CallShape, given: Option<&ComputerNameFact>) -> Result<String, Failure> {
    let method = shape.method.name();
    let text = match given {
        Some(ComputerNameFact { text: Some(t), .. }) => t,
        other => {
            let what = match other.and_then(|f| f.type_name.as_deref()) {
                Some(t) => format!("a {}", echo(t, ECHO_CHARS)),
                None => "nothing".to_owned(),
            };
            return Err(Failure::new(
                FailureClass::InvalidInput,
                format!(
                    "{method} was called as {}, whose ComputerName must be the Entra Connect \
                     server's host name, but it is {what}.",
                    shape.text()
                ),
            ));
        }
    };
    if text.contains('\0') {
        return Err(Failure::new(
            FailureClass::InvalidInput,
            format!(
                "{method} was called as {}: ComputerName must be a host name without spaces, line \
                 breaks or control characters, but it holds a NUL character.",
                shape.text()
            ),
        ));
    }
    check_computer_name("ComputerName", text).map_err(|f| {
        Failure::new(
            f.class,
            format!("{method} was called as {}: {}", shape.text(), f.message),
        )
    })
}

fn invalid(message: String) -> Failure {
    Failure::new(FailureClass::AuthSessionInvalid, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(method: Method, next: bool, session: SessionKind) -> SessionFacts {
        SessionFacts {
            method,
            next,
            computer_name: None,
            session,
            type_name: None,
            is_string: false,
        }
    }

    fn named(text: &str) -> Option<ComputerNameFact> {
        Some(ComputerNameFact {
            text: Some(text.to_owned()),
            type_name: None,
        })
    }

    #[test]
    fn shapes_name_the_leading_arguments() {
        let s = |method, next| CallShape { method, next };
        assert_eq!(
            s(Method::StartSyncCycle, false).text(),
            "IdLE 0.9's StartSyncCycle(PolicyType, AuthSession)"
        );
        assert_eq!(
            s(Method::GetSyncCycleState, false).text(),
            "IdLE 0.9's GetSyncCycleState(AuthSession)"
        );
        assert_eq!(
            s(Method::GetSyncCycleRuns, false).text(),
            "IdLE 0.9's GetSyncCycleRuns(Since, AuthSession)"
        );
        assert_eq!(
            s(Method::GetSyncCycleRuns, true).text(),
            "GetSyncCycleRuns(Since, ComputerName, AuthSession)"
        );
        assert_eq!(
            s(Method::GetSyncCycleState, false).next_text(),
            "GetSyncCycleState(ComputerName, AuthSession)"
        );
    }

    #[test]
    fn each_usable_kind_is_used() {
        for method in [
            Method::StartSyncCycle,
            Method::GetSyncCycleState,
            Method::GetSyncCycleRuns,
        ] {
            assert_eq!(
                resolve(&facts(method, false, SessionKind::InvokeCommand)),
                Ok(Resolved::InvokeCommand)
            );
            assert_eq!(
                resolve(&facts(method, false, SessionKind::PsSession)),
                Ok(Resolved::PsSession)
            );
            let mut next = facts(method, true, SessionKind::Credential);
            next.computer_name = named(" sync01.contoso.com ");
            assert_eq!(
                resolve(&next),
                Ok(Resolved::Credential {
                    computer_name: "sync01.contoso.com".to_owned()
                })
            );
            next.session = SessionKind::InvokeCommand;
            assert_eq!(resolve(&next), Ok(Resolved::InvokeCommand));
            next.session = SessionKind::PsSession;
            assert_eq!(resolve(&next), Ok(Resolved::PsSession));
        }
    }

    #[test]
    fn no_session_says_what_is_needed() {
        let f = resolve(&facts(Method::GetSyncCycleState, false, SessionKind::None)).unwrap_err();
        assert_eq!(f.class, FailureClass::AuthSessionInvalid);
        assert_eq!(
            f.message,
            "GetSyncCycleState was called as IdLE 0.9's GetSyncCycleState(AuthSession) without an \
             AuthSession. It needs an object with an InvokeCommand(CommandName, Parameters) \
             method, a PSSession, or (with a ComputerName) a PSCredential. The host must supply \
             one through its AuthSessionBroker."
        );
    }

    #[test]
    fn a_credential_without_computer_name_points_to_the_next_contract() {
        let f = resolve(&facts(
            Method::StartSyncCycle,
            false,
            SessionKind::Credential,
        ))
        .unwrap_err();
        assert_eq!(f.class, FailureClass::AuthSessionInvalid);
        assert_eq!(
            f.message,
            "StartSyncCycle was called as IdLE 0.9's StartSyncCycle(PolicyType, AuthSession) with \
             a PSCredential as the AuthSession, but a credential needs a ComputerName to connect \
             to: call StartSyncCycle(PolicyType, ComputerName, AuthSession) (IdLE's next \
             contract), or have the AuthSessionBroker supply a PSSession or an object with an \
             InvokeCommand(CommandName, Parameters) method."
        );
    }

    #[test]
    fn another_object_is_named_with_the_hint_for_a_string() {
        let mut given = facts(Method::GetSyncCycleState, false, SessionKind::Other);
        given.type_name = Some("System.String".to_owned());
        given.is_string = true;
        let f = resolve(&given).unwrap_err();
        assert_eq!(f.class, FailureClass::AuthSessionInvalid);
        assert_eq!(
            f.message,
            "The AuthSession given to GetSyncCycleState (a System.String; the call looked like \
             IdLE 0.9's GetSyncCycleState(AuthSession)) has no InvokeCommand(CommandName, \
             Parameters) method and is neither a PSSession nor a PSCredential. It looks like a \
             computer name: IdLE's next contract calls GetSyncCycleState(ComputerName, \
             AuthSession). The host must supply a session with InvokeCommand, a PSSession or a \
             PSCredential through its AuthSessionBroker."
        );
        // No hint in the next shape, nor for an object that is no string.
        given.next = true;
        given.computer_name = named("sync01");
        assert!(!resolve(&given).unwrap_err().message.contains("looks like"));
        given.next = false;
        given.is_string = false;
        given.type_name = Some("System.Collections.Hashtable".to_owned());
        let f = resolve(&given).unwrap_err();
        assert!(f.message.contains("(a System.Collections.Hashtable; "));
        assert!(!f.message.contains("looks like"));
    }

    #[test]
    fn an_echoed_type_name_is_one_bounded_line_with_secrets_masked() {
        let mut given = facts(Method::GetSyncCycleState, false, SessionKind::Other);
        given.type_name = Some(format!("Evil\nType password=hunter2 {}", "x".repeat(200)));
        let f = resolve(&given).unwrap_err();
        assert!(!f.message.contains('\n'));
        assert!(!f.message.contains("hunter2"));
        assert!(f.message.contains('…'));
        given.type_name = None;
        assert!(resolve(&given).unwrap_err().message.contains("(a object; "));
    }

    #[test]
    fn the_computer_name_is_checked_first_naming_the_shape() {
        let mut given = facts(Method::StartSyncCycle, true, SessionKind::Credential);
        let expect = |given: &SessionFacts, message: &str| {
            let f = resolve(given).unwrap_err();
            assert_eq!(f.class, FailureClass::InvalidInput);
            assert_eq!(f.message, message);
        };
        expect(
            &given,
            "StartSyncCycle was called as StartSyncCycle(PolicyType, ComputerName, AuthSession), \
             whose ComputerName must be the Entra Connect server's host name, but it is nothing.",
        );
        given.computer_name = Some(ComputerNameFact {
            text: None,
            type_name: Some("System.Int32".to_owned()),
        });
        expect(
            &given,
            "StartSyncCycle was called as StartSyncCycle(PolicyType, ComputerName, AuthSession), \
             whose ComputerName must be the Entra Connect server's host name, but it is a \
             System.Int32.",
        );
        given.computer_name = named("sync01\0");
        expect(
            &given,
            "StartSyncCycle was called as StartSyncCycle(PolicyType, ComputerName, AuthSession): \
             ComputerName must be a host name without spaces, line breaks or control characters, \
             but it holds a NUL character.",
        );
        given.computer_name = named("   ");
        expect(
            &given,
            "StartSyncCycle was called as StartSyncCycle(PolicyType, ComputerName, AuthSession): \
             ComputerName must be the Entra Connect server's host name, but it is empty.",
        );
        // Checked before the session, even when there is none.
        given.session = SessionKind::None;
        given.computer_name = named("sync 01");
        assert_eq!(
            resolve(&given).unwrap_err().class,
            FailureClass::InvalidInput
        );
    }

    #[test]
    fn facts_and_answers_in_json() {
        let given: SessionFacts = serde_json::from_str(
            r#"{"method":"GetSyncCycleRuns","next":true,"computerName":{"text":"sync01"},"session":"credential"}"#,
        )
        .unwrap();
        let answer = serde_json::to_value(resolve(&given).unwrap()).unwrap();
        assert_eq!(
            answer,
            serde_json::json!({"kind": "credential", "computerName": "sync01"})
        );
        assert_eq!(
            serde_json::to_value(Resolved::InvokeCommand).unwrap(),
            serde_json::json!({"kind": "invokeCommand"})
        );
        assert_eq!(
            serde_json::to_value(Resolved::PsSession).unwrap(),
            serde_json::json!({"kind": "psSession"})
        );
        assert!(serde_json::from_str::<SessionFacts>(
            r#"{"method":"Other","next":false,"session":"none"}"#
        )
        .is_err());
    }
}
