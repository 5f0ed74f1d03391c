//! Sorting the errors an ADSync command raised into one failure class, with a message the user
//! can act on.
//!
//! The rules match the real texts in `docs/adsync.md` and stay tolerant where the text is unverified.
//! The user message never repeats server text wholesale (it may name the busy connector or the
//! missing command, both identifiers); the server's words go, trimmed, into `remote_message`.

use crate::adsync::text::{one_line, server_text};
use crate::failure::{Failure, FailureClass};
use crate::redact::Secrets;
use crate::session::RemoteError;

/// ADSync's COM server; errors retrieving its class factory say whether the caller may use it.
const ADSYNC_CLSID: &str = "835bee60-8731-4159-8bff-941301d76d05";
/// `E_ACCESSDENIED` as COM writes it.
const HRESULT_ACCESS_DENIED: &str = "80070005";
/// Longest connector or command name copied into a user message.
const MAX_NAME_CHARS: usize = 120;

/// What one error says, with the details that make the user message specific.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Busy { connector: Option<String> },
    Suspended,
    Permission { transport: bool },
    Unavailable { command: Option<String> },
    Remote { transport: bool, timeout: bool },
}

impl Verdict {
    fn class(&self) -> FailureClass {
        match self {
            Verdict::Busy { .. } => FailureClass::CycleBusy,
            Verdict::Suspended => FailureClass::SchedulerSuspended,
            Verdict::Permission { .. } => FailureClass::PermissionDenied,
            Verdict::Unavailable { .. } => FailureClass::AdSyncUnavailable,
            Verdict::Remote { .. } => FailureClass::RemoteExecutionFailed,
        }
    }

    /// The same verdict without the names copied from the server's text.
    fn without_names(self) -> Verdict {
        match self {
            Verdict::Busy { .. } => Verdict::Busy { connector: None },
            Verdict::Unavailable { .. } => Verdict::Unavailable { command: None },
            other => other,
        }
    }

    /// When several errors came back, the one whose cause must be fixed first wins: a missing
    /// right or a missing module makes every retry fail, while busy and suspended pass by
    /// themselves, and the generic remote failure says the least.
    fn precedence(&self) -> u8 {
        match self {
            Verdict::Permission { .. } => 5,
            Verdict::Unavailable { .. } => 4,
            Verdict::Suspended => 3,
            Verdict::Busy { .. } => 2,
            Verdict::Remote { .. } => 1,
        }
    }

    fn user_message(&self) -> String {
        match self {
            Verdict::Busy { connector: Some(c) } => format!(
                "A sync cycle is already running on the Entra Connect server (connector '{c}' is \
                 busy). Wait for the running cycle to finish, then try again."
            ),
            Verdict::Busy { connector: None } => "A sync cycle is already running on the Entra \
                 Connect server. Wait for the running cycle to finish, then try again."
                .to_owned(),
            Verdict::Suspended => "The Entra Connect sync scheduler is suspended (an upgrade is \
                 in progress or the configuration wizard is open on the server). Close the wizard \
                 or let the upgrade finish, then try again."
                .to_owned(),
            Verdict::Permission { transport } => {
                let lead = if *transport {
                    "The Entra Connect server refused the remote connection (access denied)."
                } else {
                    "The session is not allowed to run ADSync commands on the Entra Connect \
                     server (access denied)."
                };
                format!(
                    "{lead} The host must provide an elevated, authorised session through its \
                     AuthSessionBroker: the account needs membership in ADSyncOperators and \
                     Remote Management Users on the server, and a fresh logon after any group \
                     membership change."
                )
            }
            Verdict::Unavailable { command } => {
                let what = match command {
                    Some(c) => format!("The command '{c}' is not available on the target"),
                    None => "ADSync is not available on the target".to_owned(),
                };
                format!(
                    "{what}: the ADSync PowerShell module or the ADSync service is missing or not \
                     running. Make sure the session connects to the Entra Connect server, that \
                     the ADSync module can be loaded there (or the JEA endpoint exposes the \
                     ADSync commands), and that the ADSync service is running."
                )
            }
            Verdict::Remote {
                transport: true, ..
            } => "The remote connection to the Entra Connect server failed. Check that the \
                 server is reachable and that the host's session (WinRM, SSH or JEA endpoint) \
                 works, then try again."
                .to_owned(),
            Verdict::Remote { timeout: true, .. } => "The remote command on the Entra Connect \
                 server timed out. Check that the server and its ADSync service respond, then try \
                 again."
                .to_owned(),
            Verdict::Remote { .. } => "The remote command on the Entra Connect server failed. \
                 See the remote message for the server's words, check the host's session, then \
                 try again."
                .to_owned(),
        }
    }
}

/// The lower-cased fields of one error, searched together.
struct Haystack {
    message: String,
    kind: String,
    id: String,
    category: String,
}

impl Haystack {
    fn new(e: &RemoteError) -> Self {
        let lower = |s: &Option<String>| s.as_deref().unwrap_or_default().to_ascii_lowercase();
        Haystack {
            message: e.message.to_ascii_lowercase(),
            kind: lower(&e.exception_type),
            id: lower(&e.fully_qualified_error_id),
            category: lower(&e.category).trim().to_owned(),
        }
    }

    fn message_has(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.message.contains(n))
    }

    /// Exception type or error id contains one of `needles`.
    fn identity_has(&self, needles: &[&str]) -> bool {
        needles
            .iter()
            .any(|n| self.kind.contains(n) || self.id.contains(n))
    }

    fn anywhere_has(&self, needles: &[&str]) -> bool {
        self.message_has(needles) || self.identity_has(needles)
    }
}

fn judge(e: &RemoteError) -> Verdict {
    let h = Haystack::new(e);

    // The COM error names its HRESULT: only E_ACCESSDENIED is a rights problem; the others
    // (service disabled, not registered, RPC server unavailable) mean ADSync cannot be reached.
    if h.message.contains(ADSYNC_CLSID) || h.message.contains("com class factory") {
        return if h.message.contains(HRESULT_ACCESS_DENIED) {
            Verdict::Permission { transport: false }
        } else {
            Verdict::Unavailable { command: None }
        };
    }

    if h.identity_has(&["commandnotfoundexception"])
        || (h.message.contains("is not recognized as")
            && h.message_has(&["cmdlet", "operable program"]))
    {
        return Verdict::Unavailable {
            command: unrecognised_command(&e.message),
        };
    }

    if is_busy(&h) {
        return Verdict::Busy {
            connector: busy_connector(&e.message),
        };
    }

    if h.id.contains("schedulersuspended")
        || (h.message.contains("suspend")
            && h.message_has(&["scheduler", "sync", "wizard", "upgrade"]))
    {
        return Verdict::Suspended;
    }

    let transport = h.anywhere_has(&[
        "psremotingtransportexception",
        "pssessionstatebroken",
        "connecting to remote server",
        "winrm",
        "ws-management",
    ]);

    if h.category == "permissiondenied"
        || h.anywhere_has(&[
            "access is denied",
            "access denied",
            "accessdenied",
            "unauthorizedaccess",
            "e_accessdenied",
            HRESULT_ACCESS_DENIED,
            "logon failure",
            "user name or password is incorrect",
        ])
        || h.kind.contains("securityexception")
    {
        return Verdict::Permission { transport };
    }

    // A transport failure is about reaching the server, whatever its host name says: a host
    // called adsync01 whose WinRM "is not running" is not a missing ADSync.
    if !transport && is_adsync_missing(&h) {
        return Verdict::Unavailable { command: None };
    }

    Verdict::Remote {
        transport,
        timeout: h.category == "operationtimeout"
            || h.anywhere_has(&["timed out", "timeoutexception", "operation timeout"]),
    }
}

fn is_busy(h: &Haystack) -> bool {
    let busy_text = h.message.contains("is busy");
    (busy_text && h.message_has(&["connector", "aad", "sync"]))
        || (h.anywhere_has(&["invalidoperationexception"]) && h.message.contains("busy"))
        || h.message_has(&[
            "sync is already running",
            "synchronization is already running",
        ])
        || (h.message_has(&["already running", "already in progress"])
            && h.message_has(&["sync", "cycle", "run profile", "connector"]))
        || h.category == "resourcebusy"
}

fn is_adsync_missing(h: &Haystack) -> bool {
    let about_adsync = h.message.contains("adsync") || h.message.contains("azure ad sync");
    let service_down = h.message_has(&[
        "not running",
        "not started",
        "has stopped",
        "is stopped",
        "cannot be started",
        "could not be started",
        "is disabled",
        "not installed",
        "cannot find any service",
    ]);
    let module_missing = h.message.contains("module")
        && h.message_has(&[
            "was not loaded",
            "could not be loaded",
            "not found",
            "no valid module",
        ]);
    about_adsync && (service_down || module_missing || h.id.contains("modules_modulenotfound"))
}

/// `Connector: contoso.onmicrosoft.com - AAD is busy.` → `contoso.onmicrosoft.com - AAD`.
fn busy_connector(message: &str) -> Option<String> {
    let first = message.lines().find(|l| !l.trim().is_empty())?;
    let lower = first.to_ascii_lowercase();
    let start = lower.find("connector:")? + "connector:".len();
    let end = start + lower[start..].find(" is busy")?;
    let name = one_line(first.get(start..end)?, MAX_NAME_CHARS);
    (!name.is_empty()).then_some(name)
}

/// `The term 'Start-ADSyncSyncCycle' is not recognized ...` → `Start-ADSyncSyncCycle`, when it
/// looks like a command name (nothing else is echoed to the user).
fn unrecognised_command(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let start = lower.find("the term '")? + "the term '".len();
    let len = message.get(start..)?.find('\'')?;
    let name = message.get(start..start + len)?;
    let plausible = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '\\'));
    plausible.then(|| name.to_owned())
}

/// The server's words for an error: its message without the stack trace, or failing that its
/// exception type or error id.
fn remote_words(e: &RemoteError) -> Option<String> {
    [
        Some(e.message.as_str()),
        e.exception_type.as_deref(),
        e.fully_qualified_error_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(server_text)
    .find(|s| !s.is_empty())
}

/// Classifies one error.
pub fn classify_error(error: &RemoteError) -> Failure {
    classify(std::slice::from_ref(error))
}

/// Sorts the errors one command raised into a single failure: the most specific class wins
/// (see `Verdict::precedence`), the earliest error among equals. An empty list, which callers
/// should not pass, is a remote failure without details.
pub fn classify(errors: &[RemoteError]) -> Failure {
    classify_with(errors, &Secrets::default())
}

/// [`classify`], with `secrets` (the session's own values) masked in every text of the failure.
/// The class is decided on the server's own text, so a masked value can never hide what went
/// wrong; the texts shown (connector or command names, the remote message) come from a masked
/// copy, masked before anything is cut.
pub fn classify_with(errors: &[RemoteError], secrets: &Secrets) -> Failure {
    let mut best: Option<(Verdict, &RemoteError)> = None;
    for e in errors {
        let v = judge(e);
        if best
            .as_ref()
            .map_or(true, |(b, _)| v.precedence() > b.precedence())
        {
            best = Some((v, e));
        }
    }
    match best {
        Some((verdict, error)) => {
            let mut shown = error.clone();
            let verdict = if secrets.is_empty() {
                verdict
            } else {
                shown.redact(secrets);
                let masked = judge(&shown);
                if masked.class() == verdict.class() {
                    masked
                } else {
                    verdict.without_names()
                }
            };
            let failure = Failure::new(verdict.class(), verdict.user_message());
            match remote_words(&shown) {
                Some(words) => failure.with_remote(words),
                None => failure,
            }
        }
        None => Failure::new(
            FailureClass::RemoteExecutionFailed,
            "The remote command on the Entra Connect server failed without saying why. Check \
             the host's session, then try again.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(message: &str) -> RemoteError {
        RemoteError {
            message: message.to_owned(),
            ..RemoteError::default()
        }
    }

    fn typed(message: &str, kind: &str, id: &str, category: &str) -> RemoteError {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        RemoteError {
            message: message.to_owned(),
            exception_type: opt(kind),
            fully_qualified_error_id: opt(id),
            category: opt(category),
            terminating: false,
        }
    }

    const BUSY: &str = "System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.\r\n   at Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycleCmdlet.ProcessRecord()\r\n   at System.Management.Automation.CommandProcessor.ProcessRecord()";
    const COM_DENIED: &str = "Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005";
    const WINRM_DENIED: &str = "Connecting to remote server aadc01.contoso.local failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.";
    const NOT_RECOGNIZED: &str = "The term 'Start-ADSyncSyncCycle' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.";

    #[test]
    fn busy_with_connector_and_stack_trace() {
        let f = classify(&[typed(BUSY, "System.InvalidOperationException", "System.InvalidOperationException,Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycleCmdlet", "NotSpecified")]);
        assert_eq!(f.class, FailureClass::CycleBusy);
        assert!(
            f.message.contains("'contoso.onmicrosoft.com - AAD'"),
            "{}",
            f.message
        );
        assert_eq!(
            f.remote_message.as_deref(),
            Some("System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.")
        );
        assert!(!f.message.contains(" at "), "{}", f.message);
    }

    #[test]
    fn a_transport_failure_naming_an_adsync_host_is_not_a_missing_adsync() {
        let f = classify(&[typed(
            "Connecting to remote server adsync01.contoso.local failed with the following error message : The WinRM client cannot complete the operation; the WinRM service is not running.",
            "System.Management.Automation.Remoting.PSRemotingTransportException",
            "",
            "OpenError",
        )]);
        assert_eq!(
            f.class,
            FailureClass::RemoteExecutionFailed,
            "{}",
            f.message
        );
        assert!(f.class.is_transient());
    }

    #[test]
    fn busy_text_alone_and_other_busy_shapes() {
        let f = classify(&[err("Connector: corp.local is busy.")]);
        assert_eq!(f.class, FailureClass::CycleBusy);
        assert!(f.message.contains("'corp.local'"), "{}", f.message);

        for e in [
            err("Sync is already running"),
            err("sync is already running."),
            err("A sync cycle is already in progress."),
            typed(
                "The server is busy.",
                "System.InvalidOperationException",
                "",
                "",
            ),
            typed("Something", "", "", "ResourceBusy"),
        ] {
            let f = classify_error(&e);
            assert_eq!(f.class, FailureClass::CycleBusy, "{e:?}");
            assert!(f.message.contains("already running"), "{}", f.message);
        }
    }

    #[test]
    fn com_access_denied_is_permission() {
        let f = classify(&[typed(
            COM_DENIED,
            "System.UnauthorizedAccessException",
            "",
            "NotSpecified",
        )]);
        assert_eq!(f.class, FailureClass::PermissionDenied);
        for needle in [
            "AuthSessionBroker",
            "ADSyncOperators",
            "Remote Management Users",
            "fresh logon",
            "elevated",
        ] {
            assert!(f.message.contains(needle), "{needle}: {}", f.message);
        }
        assert_eq!(f.remote_message.as_deref(), Some(COM_DENIED));
    }

    #[test]
    fn com_errors_other_than_access_denied_mean_unavailable() {
        let msg = COM_DENIED.replace("80070005", "80070422");
        assert_eq!(
            classify(&[err(&msg)]).class,
            FailureClass::AdSyncUnavailable
        );
        let msg = COM_DENIED.replace("80070005", "800706ba");
        assert_eq!(
            classify(&[err(&msg)]).class,
            FailureClass::AdSyncUnavailable
        );
    }

    #[test]
    fn winrm_access_denied_is_permission_and_says_so() {
        let e = typed(
            WINRM_DENIED,
            "System.Management.Automation.Remoting.PSRemotingTransportException",
            "AccessDenied,PSSessionStateBroken",
            "OpenError",
        );
        let f = classify(&[e]);
        assert_eq!(f.class, FailureClass::PermissionDenied);
        assert!(
            f.message.contains("refused the remote connection"),
            "{}",
            f.message
        );
        assert!(f.message.contains("AuthSessionBroker"), "{}", f.message);
        assert!(
            !f.message.contains("aadc01"),
            "host names stay in the remote message"
        );
        assert!(f.remote_message.unwrap().contains("aadc01"));
    }

    #[test]
    fn other_permission_shapes() {
        for e in [
            err("Access is denied."),
            typed(
                "Attempted to perform an unauthorized operation.",
                "System.UnauthorizedAccessException",
                "",
                "",
            ),
            typed("nope", "", "", "PermissionDenied"),
            typed(
                "x",
                "Deserialized.System.UnauthorizedAccessException",
                "",
                "",
            ),
            typed("x", "", "UnauthorizedAccessException,Foo", ""),
        ] {
            assert_eq!(
                classify_error(&e).class,
                FailureClass::PermissionDenied,
                "{e:?}"
            );
        }
    }

    #[test]
    fn other_transport_failures_are_remote_execution() {
        let e = typed(
            "Connecting to remote server aadc01 failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid.",
            "Deserialized.System.Management.Automation.Remoting.PSRemotingTransportException",
            "WinRMOperationTimeout,PSSessionStateBroken",
            "OpenError",
        );
        let f = classify(&[e]);
        assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
        assert!(f.message.contains("remote connection"), "{}", f.message);

        let f = classify(&[typed(
            "The operation has timed out.",
            "System.TimeoutException",
            "",
            "",
        )]);
        assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
        assert!(f.message.contains("timed out"), "{}", f.message);

        let f = classify(&[err("Something odd happened.")]);
        assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
        assert_eq!(f.remote_message.as_deref(), Some("Something odd happened."));
    }

    #[test]
    fn command_not_found_in_every_shape() {
        let f = classify(&[typed(
            NOT_RECOGNIZED,
            "System.Management.Automation.CommandNotFoundException",
            "CommandNotFoundException",
            "ObjectNotFound",
        )]);
        assert_eq!(f.class, FailureClass::AdSyncUnavailable);
        assert!(
            f.message.contains("'Start-ADSyncSyncCycle'"),
            "{}",
            f.message
        );
        assert!(f.message.contains("ADSync service"), "{}", f.message);

        assert_eq!(
            classify(&[err(NOT_RECOGNIZED)]).class,
            FailureClass::AdSyncUnavailable
        );
        assert_eq!(
            classify(&[typed("?", "", "CommandNotFoundException", "")]).class,
            FailureClass::AdSyncUnavailable
        );
        assert_eq!(
            classify(&[typed(
                "?",
                "System.Management.Automation.CommandNotFoundException",
                "",
                ""
            )])
            .class,
            FailureClass::AdSyncUnavailable
        );
    }

    #[test]
    fn unrecognised_command_is_only_echoed_when_it_looks_like_a_name() {
        let f = classify(&[err(
            "The term 'Get-Secret -Password hunter2' is not recognized as the name of a cmdlet",
        )]);
        assert_eq!(f.class, FailureClass::AdSyncUnavailable);
        assert!(!f.message.contains("hunter2"), "{}", f.message);
        assert!(
            f.message.starts_with("ADSync is not available"),
            "{}",
            f.message
        );
    }

    #[test]
    fn service_and_module_missing() {
        for m in [
            "The ADSync service is not running.",
            "Service 'Microsoft Azure AD Sync (ADSync)' cannot be started due to the following error",
            "The specified module 'ADSync' was not loaded because no valid module file was found in any module directory.",
        ] {
            assert_eq!(classify(&[err(m)]).class, FailureClass::AdSyncUnavailable, "{m}");
        }
    }

    #[test]
    fn scheduler_suspended_texts() {
        for m in [
            "The scheduler is suspended.",
            "Sync cycle cannot be started because the scheduler has been suspended.",
            "Synchronization is suspended while the configuration wizard is open.",
        ] {
            let f = classify(&[err(m)]);
            assert_eq!(f.class, FailureClass::SchedulerSuspended, "{m}");
            assert!(f.message.contains("wizard"), "{}", f.message);
        }
        assert_eq!(
            classify(&[typed("?", "", "SchedulerSuspended,X", "")]).class,
            FailureClass::SchedulerSuspended
        );
    }

    #[test]
    fn most_specific_error_wins_and_earliest_among_equals() {
        let generic = err("Something odd happened.");
        let busy = err(BUSY);
        let denied = err(COM_DENIED);
        assert_eq!(
            classify(&[generic.clone(), busy.clone()]).class,
            FailureClass::CycleBusy
        );
        assert_eq!(
            classify(&[busy.clone(), denied.clone()]).class,
            FailureClass::PermissionDenied
        );
        assert_eq!(
            classify(&[denied, busy.clone()]).class,
            FailureClass::PermissionDenied
        );
        let f = classify(&[err("first"), err("second")]);
        assert_eq!(f.remote_message.as_deref(), Some("first"));
        let f = classify(&[busy, err("Connector: other is busy.")]);
        assert!(f.message.contains("contoso"), "{}", f.message);
    }

    #[test]
    fn empty_list_is_a_remote_failure() {
        let f = classify(&[]);
        assert_eq!(f.class, FailureClass::RemoteExecutionFailed);
        assert_eq!(f.remote_message, None);
    }

    #[test]
    fn empty_message_falls_back_to_type_then_id() {
        let f = classify(&[typed("", "System.Exception", "Id", "")]);
        assert_eq!(f.remote_message.as_deref(), Some("System.Exception"));
        let f = classify(&[typed("  ", "", "", "")]);
        assert_eq!(f.remote_message, None);
    }

    #[test]
    fn huge_and_multiline_messages_are_bounded() {
        let huge = format!("Connector: {} is busy.\n   at X()", "c".repeat(500_000));
        let f = classify(&[err(&huge)]);
        assert_eq!(f.class, FailureClass::CycleBusy);
        assert!(f.message.chars().count() < 400, "{}", f.message.len());
        assert!(f.remote_message.unwrap().chars().count() <= 1000);

        let f = classify(&[err(&"z".repeat(2_000_000))]);
        assert_eq!(f.remote_message.unwrap().chars().count(), 1000);
    }

    #[test]
    fn every_user_message_is_a_complete_sentence() {
        let verdicts = [
            Verdict::Busy { connector: None },
            Verdict::Busy {
                connector: Some("c".into()),
            },
            Verdict::Suspended,
            Verdict::Permission { transport: true },
            Verdict::Permission { transport: false },
            Verdict::Unavailable { command: None },
            Verdict::Unavailable {
                command: Some("X".into()),
            },
            Verdict::Remote {
                transport: true,
                timeout: false,
            },
            Verdict::Remote {
                transport: false,
                timeout: true,
            },
            Verdict::Remote {
                transport: false,
                timeout: false,
            },
        ];
        for v in verdicts {
            let m = v.user_message();
            assert!(m.ends_with('.'), "{m}");
            assert!(m.chars().next().unwrap().is_uppercase(), "{m}");
            assert!(!m.contains("  "), "{m}");
        }
    }
}
