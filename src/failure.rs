//! Failure classes. Every way the product can fail ends in exactly one of these — the core's
//! own failures, the ones the interop layer detects (a disposed object, an invalid session, a
//! library that cannot load) and the host's (a session the broker could not provide, a step
//! pack conflict) — and each class has its stable `ErrorId`, `ErrorCategory` and transience
//! here, and only here. The C# interop layer reads this table once through
//! `idle_ec_failure_classes` and builds every ErrorRecord from it; the PowerShell modules name
//! a class, never an ErrorId. The one exception is `NativeLibraryUnavailable`, raised when the
//! library cannot load and so cannot be asked: C# keeps that one row as a constant, and a test
//! compares it with this table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The failure classes. The serialized names are part of the public contract: never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailureClass {
    /// An argument given by the caller is invalid (policy type, timeout, ...).
    InvalidInput,
    /// The caller lacks ADSync rights on the server or the remoting endpoint refused access.
    PermissionDenied,
    /// A sync cycle is already running on the server.
    CycleBusy,
    /// The ADSync module or service is not available on the target.
    AdSyncUnavailable,
    /// The remote call itself failed (transport, remoting, the host's session code).
    RemoteExecutionFailed,
    /// The server answered with something that cannot be understood.
    UnexpectedResponse,
    /// The scheduler is suspended (an upgrade or an open configuration wizard).
    SchedulerSuspended,
    /// A wait did not see the cycle finish within the timeout.
    Timeout,
    /// The wait was stopped by the caller.
    Cancelled,
    /// A defect inside this library (a caught panic, a broken invariant).
    Internal,
    /// The cycle ran, but run profiles completed with errors or warnings (`completed-*`, or a
    /// result not known), and the workflow asked to fail on them (`FailOnRunErrors`).
    RunErrors,
    /// The cycle ran, but run profiles did not complete (`stopped-*`, `no-start-*`), and the
    /// workflow asked to fail on them (`FailOnRunErrors`).
    RunStopped,
    /// The AuthSession handed to the provider is not a session (no usable `InvokeCommand`, a
    /// wrong type, options that are not data).
    AuthSessionInvalid,
    /// The host's AuthSessionBroker could not provide the session the step names (an unknown
    /// name, a refused request). A configuration error of the host, so not transient: a broker
    /// that fails for a passing reason says so by throwing again the next time, and IdLE's own
    /// retry policy is the host's to set.
    AuthSessionUnavailable,
    /// The native library could not be loaded (missing, wrong architecture, mixed releases).
    NativeLibraryUnavailable,
    /// A provider was used after it was disposed.
    ProviderDisposed,
    /// A wait machine was used after it was disposed.
    WaitMachineDisposed,
    /// The provider was called again from inside its own session callback.
    ReentrantCall,
    /// IdLE's own DirectorySync step pack is loaded beside this one (same step type).
    StepPackConflict,
}

impl FailureClass {
    /// Every class, for tests and documentation tables.
    pub const ALL: [FailureClass; 19] = [
        FailureClass::InvalidInput,
        FailureClass::PermissionDenied,
        FailureClass::CycleBusy,
        FailureClass::AdSyncUnavailable,
        FailureClass::RemoteExecutionFailed,
        FailureClass::UnexpectedResponse,
        FailureClass::SchedulerSuspended,
        FailureClass::Timeout,
        FailureClass::Cancelled,
        FailureClass::Internal,
        FailureClass::RunErrors,
        FailureClass::RunStopped,
        FailureClass::AuthSessionInvalid,
        FailureClass::AuthSessionUnavailable,
        FailureClass::NativeLibraryUnavailable,
        FailureClass::ProviderDisposed,
        FailureClass::WaitMachineDisposed,
        FailureClass::ReentrantCall,
        FailureClass::StepPackConflict,
    ];

    /// The stable `ErrorId` of the `ErrorRecord` raised for this class.
    pub fn error_id(self) -> &'static str {
        match self {
            FailureClass::InvalidInput => "IdLE.DirectorySync.InvalidArgument",
            FailureClass::PermissionDenied => "IdLE.DirectorySync.PermissionDenied",
            FailureClass::CycleBusy => "IdLE.DirectorySync.CycleBusy",
            FailureClass::AdSyncUnavailable => "IdLE.DirectorySync.ADSyncUnavailable",
            FailureClass::RemoteExecutionFailed => "IdLE.DirectorySync.RemoteExecutionFailed",
            FailureClass::UnexpectedResponse => "IdLE.DirectorySync.UnexpectedResponse",
            FailureClass::SchedulerSuspended => "IdLE.DirectorySync.SchedulerSuspended",
            FailureClass::Timeout => "IdLE.DirectorySync.Timeout",
            FailureClass::Cancelled => "IdLE.DirectorySync.Cancelled",
            FailureClass::Internal => "IdLE.DirectorySync.InternalError",
            FailureClass::RunErrors => "IdLE.DirectorySync.RunErrors",
            FailureClass::RunStopped => "IdLE.DirectorySync.RunStopped",
            FailureClass::AuthSessionInvalid => "IdLE.DirectorySync.AuthSessionInvalid",
            FailureClass::AuthSessionUnavailable => "IdLE.DirectorySync.AuthSessionUnavailable",
            FailureClass::NativeLibraryUnavailable => "IdLE.DirectorySync.NativeLibraryUnavailable",
            FailureClass::ProviderDisposed => "IdLE.DirectorySync.ProviderDisposed",
            FailureClass::WaitMachineDisposed => "IdLE.DirectorySync.WaitMachineDisposed",
            FailureClass::ReentrantCall => "IdLE.DirectorySync.ReentrantCall",
            FailureClass::StepPackConflict => "IdLE.DirectorySync.StepPackConflict",
        }
    }

    /// The name of the `System.Management.Automation.ErrorCategory` member for this class.
    pub fn error_category(self) -> &'static str {
        match self {
            FailureClass::InvalidInput => "InvalidArgument",
            FailureClass::PermissionDenied => "PermissionDenied",
            FailureClass::CycleBusy => "ResourceBusy",
            FailureClass::AdSyncUnavailable => "NotInstalled",
            FailureClass::RemoteExecutionFailed => "ConnectionError",
            FailureClass::UnexpectedResponse => "InvalidResult",
            FailureClass::SchedulerSuspended => "ResourceUnavailable",
            FailureClass::Timeout => "OperationTimeout",
            FailureClass::Cancelled => "OperationStopped",
            FailureClass::Internal => "NotSpecified",
            FailureClass::RunErrors => "InvalidResult",
            FailureClass::RunStopped => "OperationStopped",
            FailureClass::AuthSessionInvalid => "InvalidArgument",
            FailureClass::AuthSessionUnavailable => "ResourceUnavailable",
            FailureClass::NativeLibraryUnavailable => "ResourceUnavailable",
            FailureClass::ProviderDisposed => "InvalidOperation",
            FailureClass::WaitMachineDisposed => "InvalidOperation",
            FailureClass::ReentrantCall => "InvalidOperation",
            FailureClass::StepPackConflict => "ResourceExists",
        }
    }

    /// How a failure of this class may be retried: the one rule behind both
    /// [`FailureClass::is_transient`] (the step, retried later by the engine) and
    /// [`FailureClass::retries_read`] (one more read within a running wait). See [`Retry`].
    pub fn retry(self) -> Retry {
        match self {
            FailureClass::RemoteExecutionFailed
            | FailureClass::CycleBusy
            | FailureClass::Timeout => Retry::Always,
            FailureClass::SchedulerSuspended => Retry::StepLater,
            FailureClass::UnexpectedResponse => Retry::ReadAgain,
            FailureClass::InvalidInput
            | FailureClass::PermissionDenied
            | FailureClass::AdSyncUnavailable
            | FailureClass::Cancelled
            | FailureClass::Internal
            | FailureClass::RunErrors
            | FailureClass::RunStopped
            | FailureClass::AuthSessionInvalid
            | FailureClass::AuthSessionUnavailable
            | FailureClass::NativeLibraryUnavailable
            | FailureClass::ProviderDisposed
            | FailureClass::WaitMachineDisposed
            | FailureClass::ReentrantCall
            | FailureClass::StepPackConflict => Retry::Never,
        }
    }

    /// Whether retrying the same operation later may succeed without anyone changing anything.
    /// IdLE's engine reads this through `Exception.Data['Idle.IsTransient']`. From [`Self::retry`].
    pub fn is_transient(self) -> bool {
        matches!(self.retry(), Retry::Always | Retry::StepLater)
    }

    /// Whether the wait machine reads the state once more (within its deadline) after a read
    /// failed with this class, or skips a failed baseline read. From [`Self::retry`].
    pub fn retries_read(self) -> bool {
        matches!(self.retry(), Retry::Always | Retry::ReadAgain)
    }
}

/// The one transience rule. Two questions are asked of a failure: may the engine run the whole
/// step again later (`transient`, in the ErrorRecord and the `DirectorySyncFailed` event), and
/// may a running wait read the state once more. Both are answered from this one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The cause is outside the caller's input and passes by itself (a transport hiccup, a busy
    /// server, a wait that ran out of time): retry the read now, and the step later.
    Always,
    /// A state of the server that outlasts any wait (a suspended scheduler: an upgrade or an
    /// open wizard). No cycle runs or ends while it lasts, so the wait stops at once; the step
    /// may succeed later, when the wizard is closed.
    StepLater,
    /// One answer outside the contract (garbled, empty, two objects). The next read is an
    /// independent answer, so a wait reads again; the same step run again later gets the same
    /// server and the same provider, so it is not transient.
    ReadAgain,
    /// The caller's input, rights, installation or this library must change first.
    Never,
}

/// The whole table, one JSON object per class (`class`, `errorId`, `category`, `transient`,
/// `retriesRead`): what `idle_ec_failure_classes` hands to the interop layer.
pub fn classes_json() -> serde_json::Value {
    serde_json::Value::Array(
        FailureClass::ALL
            .iter()
            .map(|c| {
                serde_json::json!({
                    "class": c,
                    "errorId": c.error_id(),
                    "category": c.error_category(),
                    "transient": c.is_transient(),
                    "retriesRead": c.retries_read(),
                })
            })
            .collect(),
    )
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

/// A classified failure: what went wrong, in a message that stands on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub class: FailureClass,
    /// A complete, actionable sentence for the user. Never contains secrets.
    pub message: String,
    /// The server's own words, trimmed of stack traces, when the failure came from the server.
    pub remote_message: Option<String>,
}

impl Failure {
    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Failure {
            class,
            message: message.into(),
            remote_message: None,
        }
    }

    pub fn with_remote(mut self, remote_message: impl Into<String>) -> Self {
        self.remote_message = Some(remote_message.into());
        self
    }

    /// The JSON form handed across the C ABI; the PowerShell side builds the ErrorRecord from it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "class": self.class,
            "errorId": self.class.error_id(),
            "category": self.class.error_category(),
            "transient": self.class.is_transient(),
            "message": self.message,
            "remoteMessage": self.remote_message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_ids_are_unique_and_prefixed() {
        let mut ids: Vec<_> = FailureClass::ALL.iter().map(|c| c.error_id()).collect();
        assert!(ids.iter().all(|id| id.starts_with("IdLE.DirectorySync.")));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), FailureClass::ALL.len());
    }

    #[test]
    fn run_result_classes_have_their_own_ids() {
        assert_eq!(
            FailureClass::RunErrors.error_id(),
            "IdLE.DirectorySync.RunErrors"
        );
        assert_eq!(
            FailureClass::RunStopped.error_id(),
            "IdLE.DirectorySync.RunStopped"
        );
        assert_eq!(FailureClass::RunErrors.error_category(), "InvalidResult");
        assert_eq!(
            FailureClass::RunStopped.error_category(),
            "OperationStopped"
        );
        assert!(!FailureClass::RunErrors.is_transient());
        assert!(!FailureClass::RunStopped.is_transient());
    }

    #[test]
    fn one_transience_rule_answers_both_questions() {
        for class in FailureClass::ALL {
            let (step, read) = match class.retry() {
                Retry::Always => (true, true),
                Retry::StepLater => (true, false),
                Retry::ReadAgain => (false, true),
                Retry::Never => (false, false),
            };
            assert_eq!(class.is_transient(), step, "{class}");
            assert_eq!(class.retries_read(), read, "{class}");
        }
        // The two classes the rules once disagreed on, decided here.
        assert!(FailureClass::UnexpectedResponse.retries_read());
        assert!(!FailureClass::UnexpectedResponse.is_transient());
        assert!(FailureClass::SchedulerSuspended.is_transient());
        assert!(!FailureClass::SchedulerSuspended.retries_read());
    }

    #[test]
    fn the_table_lists_every_class_once_with_its_rule() {
        let table = classes_json();
        let rows = table.as_array().unwrap();
        assert_eq!(rows.len(), FailureClass::ALL.len());
        for (row, class) in rows.iter().zip(FailureClass::ALL.iter()) {
            assert_eq!(row["class"], class.to_string());
            assert_eq!(row["errorId"], class.error_id());
            assert_eq!(row["category"], class.error_category());
            assert_eq!(row["transient"], class.is_transient());
            assert_eq!(row["retriesRead"], class.retries_read());
        }
        assert!(!FailureClass::AuthSessionUnavailable.is_transient());
    }

    #[test]
    fn display_is_the_serialized_name() {
        assert_eq!(FailureClass::CycleBusy.to_string(), "CycleBusy");
        assert_eq!(
            FailureClass::AdSyncUnavailable.to_string(),
            "AdSyncUnavailable"
        );
    }

    #[test]
    fn json_form_carries_id_category_and_transience() {
        let f = Failure::new(FailureClass::CycleBusy, "busy").with_remote("AAD is busy.");
        let j = f.to_json();
        assert_eq!(j["errorId"], "IdLE.DirectorySync.CycleBusy");
        assert_eq!(j["category"], "ResourceBusy");
        assert_eq!(j["transient"], true);
        assert_eq!(j["remoteMessage"], "AAD is busy.");
    }
}
