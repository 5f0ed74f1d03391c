//! The one seam through which a remote Entra Connect server is reached.
//!
//! The host's AuthSession runs a named command with data-only parameters on the server. Across
//! the C ABI the interop layer turns whatever that produced into an [`Answer`]: the objects the
//! command returned (as JSON, in whatever shape remoting left them) and every error it raised,
//! terminating or not. Keeping the non-terminating errors is what stops a server's "busy" error
//! from passing as success.

use crate::failure::Failure;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One error the remote command raised, as the host saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RemoteError {
    /// The error's message (`Exception.Message`, or the ErrorRecord's text).
    #[serde(deserialize_with = "null_as_default")]
    pub message: String,
    /// The exception's full type name, when known (e.g. `System.InvalidOperationException`,
    /// or `Deserialized.System.Management.Automation.Remoting.PSRemotingTransportException`).
    pub exception_type: Option<String>,
    /// The ErrorRecord's `FullyQualifiedErrorId`, when the error was an ErrorRecord.
    pub fully_qualified_error_id: Option<String>,
    /// The ErrorRecord's category name (`CategoryInfo.Category`), when known.
    pub category: Option<String>,
    /// True when the error was thrown (terminating), false when it was only written.
    #[serde(deserialize_with = "null_as_default")]
    pub terminating: bool,
}

/// What one remote command produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Answer {
    /// The command's pipeline output, one JSON value per object.
    #[serde(deserialize_with = "null_as_default")]
    pub output: Vec<Value>,
    /// Every error raised while the command ran, in order.
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<RemoteError>,
    /// Strings the host marks as secret (the AuthSession's own string values): masked in every
    /// text a failure shows, before it is cut (see [`crate::redact`] and
    /// [`crate::adsync::classify_with`]). Never echoed.
    #[serde(deserialize_with = "null_as_default", skip_serializing)]
    pub redact: Vec<String>,
}

impl RemoteError {
    /// Masks `secrets` and credential patterns in the error's message, type and error id.
    pub fn redact(&mut self, secrets: &crate::redact::Secrets) {
        let clean = |text: &str| crate::redact::redact_patterns(&secrets.redact(text));
        self.message = clean(&self.message);
        for field in [&mut self.exception_type, &mut self.fully_qualified_error_id] {
            if let Some(text) = field.as_mut() {
                *text = clean(text);
            }
        }
    }
}

/// Every field of an answer is optional, and PowerShell writes an absent value as `null`: a
/// `null` reads as the field's default, so a real error is still classified.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A remote session that can invoke a named command with JSON parameters.
///
/// `Err` means no answer could be had at all (the callback failed, or answered something that is
/// not an [`Answer`]); errors the *command* raised come back inside `Ok(Answer)`.
pub trait RemoteSession {
    fn invoke(&mut self, command: &str, parameters: &Map<String, Value>)
        -> Result<Answer, Failure>;
}
