//! The provider's `-RemoteSessionOptions`: how it opens a session itself when the AuthSession is
//! a PSCredential (IdLE's next contract: ComputerName plus credential). Data only: the interop
//! layer reports each key and value as facts — its .NET type and, for text and numbers, the
//! value — and this module checks them key by key and answers the normalized options, from which
//! the interop layer builds the parameters of one `New-PSSession` call. Nothing in them is
//! executed. The ssh client options are limited to a list none of whose members runs a program
//! (`ProxyCommand`, `LocalCommand`, `PKCS11Provider` and the like are refused).

use super::echo;
use crate::failure::{Failure, FailureClass};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys `-RemoteSessionOptions` accepts, in the order messages list them.
pub const KEYS: [&str; 15] = [
    "Transport",
    "Port",
    "UseSSL",
    "Authentication",
    "ConfigurationName",
    "ApplicationName",
    "OpenTimeoutSeconds",
    "OperationTimeoutSeconds",
    "SkipCACheck",
    "SkipCNCheck",
    "SkipRevocationCheck",
    "UserName",
    "KeyFilePath",
    "Subsystem",
    "SshOptions",
];

/// The ssh client options (`-o`) that may be set: none of them runs a program.
pub const SSH_OPTION_KEYS: [&str; 13] = [
    "StrictHostKeyChecking",
    "UserKnownHostsFile",
    "GlobalKnownHostsFile",
    "ConnectTimeout",
    "ServerAliveInterval",
    "ServerAliveCountMax",
    "HostKeyAlias",
    "IdentitiesOnly",
    "BatchMode",
    "CheckHostIP",
    "ConnectionAttempts",
    "TCPKeepAlive",
    "HostKeyAlgorithms",
];

/// The WinRM authentication mechanisms (`System.Management.Automation.Runspaces.
/// AuthenticationMechanism`), in the enum's order.
pub const AUTHENTICATION_MECHANISMS: [&str; 7] = [
    "Default",
    "Basic",
    "Negotiate",
    "NegotiateWithImplicitCredential",
    "Credssp",
    "Digest",
    "Kerberos",
];

/// Keys that apply to WinRM only.
const WINRM_ONLY: [&str; 8] = [
    "UseSSL",
    "Authentication",
    "ApplicationName",
    "OperationTimeoutSeconds",
    "SkipCACheck",
    "SkipCNCheck",
    "SkipRevocationCheck",
    "ConfigurationName",
];

/// Keys that apply to SSH only.
const SSH_ONLY: [&str; 4] = ["UserName", "KeyFilePath", "Subsystem", "SshOptions"];

/// Seconds an SSH session may take to open when the options do not say (without a bound, a far
/// side that is no PowerShell keeps `New-PSSession` waiting for a minute).
pub const DEFAULT_SSH_OPEN_TIMEOUT_SECONDS: u32 = 30;

/// Longest echo of a refused key or value.
const SHORT_CHARS: usize = 40;

/// One key or value of the options, as the interop layer saw it: its .NET type and, for text and
/// numbers, the value. A `text` on any other type is only its display text (for echoing a key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Fact {
    /// `$null`.
    Null,
    /// A `System.String`.
    String { text: String },
    /// A `System.Int32`.
    Int32 { value: i64 },
    /// A `System.Int64`.
    Int64 { value: i64 },
    /// A `System.Int16`.
    Int16 { value: i64 },
    /// A `System.Byte`.
    Byte { value: i64 },
    /// A `System.Boolean`.
    Bool { value: bool },
    /// A `SwitchParameter` (`value`: whether it is present).
    Switch { value: bool },
    /// An `IDictionary`, with its entries in order.
    Table { entries: Vec<Entry> },
    /// Anything else (a script block, a list, an object).
    Other {
        #[serde(default)]
        text: Option<String>,
    },
}

/// One entry of a table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub key: Fact,
    pub value: Fact,
}

impl Fact {
    /// The value as .NET's `Convert.ToString` shows it, for echoing a refused key.
    fn display(&self) -> String {
        match self {
            Fact::Null => String::new(),
            Fact::String { text } => text.clone(),
            Fact::Int32 { value }
            | Fact::Int64 { value }
            | Fact::Int16 { value }
            | Fact::Byte { value } => value.to_string(),
            Fact::Bool { value } | Fact::Switch { value } => {
                if *value { "True" } else { "False" }.to_owned()
            }
            Fact::Table { .. } => "System.Collections.Hashtable".to_owned(),
            Fact::Other { text } => text.clone().unwrap_or_default(),
        }
    }
}

/// The options, checked and normalized: what `New-PSSession` is called with. Absent keys are
/// left out of the JSON form; names are the option names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoteSessionOptions {
    /// `WinRM` (default) or `SSH`.
    pub transport: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    #[serde(rename = "UseSSL")]
    pub use_ssl: bool,
    /// An authentication mechanism's name, in the enum's spelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_name: Option<String>,
    /// For SSH always set ([`DEFAULT_SSH_OPEN_TIMEOUT_SECONDS`] when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_timeout_seconds: Option<u32>,
    #[serde(rename = "SkipCACheck")]
    pub skip_ca_check: bool,
    #[serde(rename = "SkipCNCheck")]
    pub skip_cn_check: bool,
    pub skip_revocation_check: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsystem: Option<String>,
    /// SSH only: the ssh client options, the unattended defaults (`BatchMode=yes`, so ssh never
    /// stops to ask for a password or a host key; `ConnectTimeout=30`) under the user's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_options: Option<Map<String, Value>>,
    /// Whether the session is opened to a named endpoint (`ConfigurationName`, e.g. a JEA
    /// endpoint): commands are then sent as commands, not as script.
    pub commands_only: bool,
}

impl Default for RemoteSessionOptions {
    fn default() -> Self {
        RemoteSessionOptions {
            transport: "WinRM".to_owned(),
            port: None,
            use_ssl: false,
            authentication: None,
            configuration_name: None,
            application_name: None,
            open_timeout_seconds: None,
            operation_timeout_seconds: None,
            skip_ca_check: false,
            skip_cn_check: false,
            skip_revocation_check: false,
            user_name: None,
            key_file_path: None,
            subsystem: None,
            ssh_options: None,
            commands_only: false,
        }
    }
}

/// Checks the options (`None` or [`Fact::Null`]: the defaults) and normalizes them.
pub fn check(options: Option<&Fact>) -> Result<RemoteSessionOptions, Failure> {
    let mut o = RemoteSessionOptions::default();
    let entries = match options {
        None | Some(Fact::Null) => return Ok(o),
        Some(Fact::Table { entries }) => entries,
        Some(_) => {
            return Err(invalid(
                "RemoteSessionOptions must be a hashtable of the options (name = value).".into(),
            ))
        }
    };
    let mut seen: Vec<&'static str> = Vec::new();
    let mut ssh_given: Option<Map<String, Value>> = None;
    for entry in entries {
        let canonical = match &entry.key {
            Fact::String { text } => find(&KEYS, text),
            _ => None,
        };
        let key = match canonical {
            Some(k) => k,
            None => {
                return Err(invalid(format!(
                    "RemoteSessionOptions has the key '{}', which is not one of: {}.",
                    short(&entry.key.display()),
                    KEYS.join(", ")
                )))
            }
        };
        if seen.contains(&key) {
            return Err(invalid(format!(
                "RemoteSessionOptions has the key '{key}' more than once."
            )));
        }
        seen.push(key);
        let value = &entry.value;
        match key {
            "Transport" => {
                let transport = text(key, value, 16)?;
                o.transport = if transport.eq_ignore_ascii_case("WinRM") {
                    "WinRM".to_owned()
                } else if transport.eq_ignore_ascii_case("SSH") {
                    "SSH".to_owned()
                } else {
                    return Err(invalid(format!(
                        "RemoteSessionOptions.Transport must be 'WinRM' or 'SSH', not '{}'.",
                        short(&transport)
                    )));
                };
            }
            "Port" => o.port = Some(number(key, value, 1, 65535)?),
            "UseSSL" => o.use_ssl = flag(key, value)?,
            "Authentication" => {
                let mechanism = text(key, value, 64)?;
                let found = AUTHENTICATION_MECHANISMS
                    .iter()
                    .find(|m| m.eq_ignore_ascii_case(mechanism.trim()));
                match found {
                    Some(m) => o.authentication = Some((*m).to_owned()),
                    None => {
                        return Err(invalid(format!(
                            "RemoteSessionOptions.Authentication must be one of {}, not '{}'.",
                            AUTHENTICATION_MECHANISMS.join(", "),
                            short(&mechanism)
                        )))
                    }
                }
            }
            "ConfigurationName" => o.configuration_name = Some(text(key, value, 256)?),
            "ApplicationName" => o.application_name = Some(text(key, value, 256)?),
            "OpenTimeoutSeconds" => o.open_timeout_seconds = Some(number(key, value, 1, 3600)?),
            "OperationTimeoutSeconds" => {
                o.operation_timeout_seconds = Some(number(key, value, 1, 86400)?)
            }
            "SkipCACheck" => o.skip_ca_check = flag(key, value)?,
            "SkipCNCheck" => o.skip_cn_check = flag(key, value)?,
            "SkipRevocationCheck" => o.skip_revocation_check = flag(key, value)?,
            "UserName" => o.user_name = Some(text(key, value, 256)?),
            "KeyFilePath" => o.key_file_path = Some(text(key, value, 4096)?),
            "Subsystem" => o.subsystem = Some(text(key, value, 256)?),
            _ => ssh_given = Some(ssh(value)?),
        }
    }
    let ssh_transport = o.transport == "SSH";
    let other: &[&str] = if ssh_transport {
        &WINRM_ONLY
    } else {
        &SSH_ONLY
    };
    if let Some(key) = other.iter().find(|k| seen.contains(k)) {
        return Err(invalid(format!(
            "RemoteSessionOptions.{key} does not apply to Transport '{}'.",
            o.transport
        )));
    }
    if ssh_transport {
        let mut options = Map::new();
        options.insert("BatchMode".to_owned(), Value::from("yes"));
        options.insert("ConnectTimeout".to_owned(), Value::from("30"));
        options.extend(ssh_given.unwrap_or_default());
        o.ssh_options = Some(options);
        o.open_timeout_seconds = o
            .open_timeout_seconds
            .or(Some(DEFAULT_SSH_OPEN_TIMEOUT_SECONDS));
    }
    o.commands_only = o.configuration_name.is_some();
    Ok(o)
}

/// `SshOptions`: a table of allowed ssh client options, each text or a number.
fn ssh(value: &Fact) -> Result<Map<String, Value>, Failure> {
    let entries = match value {
        Fact::Table { entries } => entries,
        _ => return Err(invalid(
            "RemoteSessionOptions.SshOptions must be a hashtable of ssh client options (name = \
                 text)."
                .into(),
        )),
    };
    let mut result = Map::new();
    for entry in entries {
        let canonical = match &entry.key {
            Fact::String { text } => find(&SSH_OPTION_KEYS, text),
            _ => None,
        };
        let key = match canonical {
            Some(k) => k,
            None => {
                return Err(invalid(format!(
                    "RemoteSessionOptions.SshOptions has the option '{}', which is not one of: {} \
                     (options that run programs, such as ProxyCommand, are refused).",
                    short(&entry.key.display()),
                    SSH_OPTION_KEYS.join(", ")
                )))
            }
        };
        let text = match &entry.value {
            Fact::String { .. } | Fact::Int32 { .. } | Fact::Int64 { .. } | Fact::Bool { .. } => {
                entry.value.display()
            }
            _ => {
                return Err(invalid(format!(
                    "RemoteSessionOptions.SshOptions.{key} must be text or a number."
                )))
            }
        };
        check_text(&format!("SshOptions.{key}"), &text, 4096)?;
        // Later spellings of the same option replace earlier ones (a case-insensitive table).
        result.insert(key.to_owned(), Value::String(text));
    }
    Ok(result)
}

/// The canonical spelling of `given` among `names`, compared without regard to case.
fn find(names: &[&'static str], given: &str) -> Option<&'static str> {
    names
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(given))
}

fn text(key: &str, value: &Fact, max: usize) -> Result<String, Failure> {
    match value {
        Fact::String { text } => {
            check_text(key, text, max)?;
            Ok(text.clone())
        }
        _ => Err(invalid(format!("RemoteSessionOptions.{key} must be text."))),
    }
}

/// Non-blank text of at most `max` UTF-16 code units (.NET's length), without control characters.
fn check_text(key: &str, s: &str, max: usize) -> Result<(), Failure> {
    if s.chars().all(char::is_whitespace) || s.encode_utf16().count() > max {
        return Err(invalid(format!(
            "RemoteSessionOptions.{key} must be non-empty text of at most {max} characters."
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(format!(
            "RemoteSessionOptions.{key} must not contain control characters (line breaks, NUL)."
        )));
    }
    Ok(())
}

fn number(key: &str, value: &Fact, min: u32, max: u32) -> Result<u32, Failure> {
    let n = match value {
        Fact::Int32 { value }
        | Fact::Int64 { value }
        | Fact::Int16 { value }
        | Fact::Byte { value } => *value,
        _ => {
            return Err(invalid(format!(
                "RemoteSessionOptions.{key} must be a whole number from {min} to {max}."
            )))
        }
    };
    if n < i64::from(min) || n > i64::from(max) {
        return Err(invalid(format!(
            "RemoteSessionOptions.{key} must be from {min} to {max}, not {n}."
        )));
    }
    Ok(n as u32)
}

fn flag(key: &str, value: &Fact) -> Result<bool, Failure> {
    match value {
        Fact::Bool { value } | Fact::Switch { value } => Ok(*value),
        _ => Err(invalid(format!(
            "RemoteSessionOptions.{key} must be $true or $false."
        ))),
    }
}

/// A refused key or value as a message echoes it: one line, at most 40 characters, masked.
fn short(text: &str) -> String {
    echo(text, SHORT_CHARS)
}

fn invalid(message: String) -> Failure {
    Failure::new(FailureClass::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(text: &str) -> Fact {
        Fact::String {
            text: text.to_owned(),
        }
    }

    fn int(value: i64) -> Fact {
        Fact::Int32 { value }
    }

    fn table(entries: Vec<(Fact, Fact)>) -> Fact {
        Fact::Table {
            entries: entries
                .into_iter()
                .map(|(key, value)| Entry { key, value })
                .collect(),
        }
    }

    fn options(entries: Vec<(&str, Fact)>) -> Fact {
        table(entries.into_iter().map(|(k, v)| (s(k), v)).collect())
    }

    fn refused(entries: Vec<(&str, Fact)>) -> String {
        let f = check(Some(&options(entries))).unwrap_err();
        assert_eq!(f.class, FailureClass::InvalidInput);
        f.message
    }

    #[test]
    fn no_options_are_winrm_defaults() {
        let defaults = check(None).unwrap();
        assert_eq!(defaults, RemoteSessionOptions::default());
        assert_eq!(check(Some(&Fact::Null)).unwrap(), defaults);
        assert_eq!(check(Some(&options(vec![]))).unwrap(), defaults);
        assert_eq!(
            serde_json::to_value(&defaults).unwrap(),
            json!({"Transport": "WinRM", "UseSSL": false, "SkipCACheck": false, "SkipCNCheck": false,
                   "SkipRevocationCheck": false, "CommandsOnly": false})
        );
    }

    #[test]
    fn winrm_options_are_normalized() {
        let o = check(Some(&options(vec![
            ("transport", s("winrm")),
            ("Port", Fact::Int64 { value: 5986 }),
            ("UseSSL", Fact::Switch { value: true }),
            ("authentication", s(" kerberos ")),
            ("ConfigurationName", s("IdLE.EntraConnect")),
            ("ApplicationName", s("wsman")),
            ("OpenTimeoutSeconds", Fact::Int16 { value: 10 }),
            ("OperationTimeoutSeconds", Fact::Byte { value: 200 }),
            ("SkipCACheck", Fact::Bool { value: true }),
            ("SkipCNCheck", Fact::Bool { value: false }),
            ("SkipRevocationCheck", Fact::Bool { value: true }),
        ])))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            json!({"Transport": "WinRM", "Port": 5986, "UseSSL": true, "Authentication": "Kerberos",
                   "ConfigurationName": "IdLE.EntraConnect", "ApplicationName": "wsman",
                   "OpenTimeoutSeconds": 10, "OperationTimeoutSeconds": 200, "SkipCACheck": true,
                   "SkipCNCheck": false, "SkipRevocationCheck": true, "CommandsOnly": true})
        );
    }

    #[test]
    fn ssh_options_get_the_unattended_defaults_under_the_user_s() {
        let o = check(Some(&options(vec![
            ("Transport", s("ssh")),
            ("UserName", s("admin")),
            ("KeyFilePath", s("/keys/id_ed25519")),
            ("Subsystem", s("powershell")),
            (
                "SshOptions",
                table(vec![
                    (s("stricthostkeychecking"), s("yes")),
                    (s("ConnectTimeout"), int(5)),
                    (s("ServerAliveCountMax"), Fact::Int64 { value: 3 }),
                    (s("BatchMode"), Fact::Bool { value: true }),
                ]),
            ),
        ])))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            json!({"Transport": "SSH", "UseSSL": false, "OpenTimeoutSeconds": 30, "SkipCACheck": false,
                   "SkipCNCheck": false, "SkipRevocationCheck": false, "UserName": "admin",
                   "KeyFilePath": "/keys/id_ed25519", "Subsystem": "powershell",
                   "SshOptions": {"BatchMode": "True", "ConnectTimeout": "5",
                                  "StrictHostKeyChecking": "yes", "ServerAliveCountMax": "3"},
                   "CommandsOnly": false})
        );
        let plain = check(Some(&options(vec![
            ("Transport", s("SSH")),
            ("OpenTimeoutSeconds", int(7)),
        ])))
        .unwrap();
        assert_eq!(plain.open_timeout_seconds, Some(7));
        assert_eq!(
            plain.ssh_options,
            Some(
                json!({"BatchMode": "yes", "ConnectTimeout": "30"})
                    .as_object()
                    .unwrap()
                    .clone()
            )
        );
    }

    #[test]
    fn unknown_and_repeated_keys_are_refused() {
        let keys = KEYS.join(", ");
        assert_eq!(
            refused(vec![("Proxy", s("x"))]),
            format!("RemoteSessionOptions has the key 'Proxy', which is not one of: {keys}.")
        );
        let f = check(Some(&table(vec![(int(42), s("x"))]))).unwrap_err();
        assert_eq!(
            f.message,
            format!("RemoteSessionOptions has the key '42', which is not one of: {keys}.")
        );
        let long = format!("A{}\nB", "x".repeat(100));
        let message = refused(vec![(long.as_str(), s("x"))]);
        assert!(!message.contains('\n') && message.contains('…'));
        assert_eq!(
            refused(vec![("Port", int(1)), ("port", int(2))]),
            "RemoteSessionOptions has the key 'Port' more than once."
        );
        assert_eq!(
            check(Some(&s("x"))).unwrap_err().class,
            FailureClass::InvalidInput
        );
    }

    #[test]
    fn each_value_rule_has_its_message() {
        for (entries, message) in [
            (
                vec![("Transport", s("Telnet"))],
                "RemoteSessionOptions.Transport must be 'WinRM' or 'SSH', not 'Telnet'.",
            ),
            (
                vec![("Transport", s("WinRM-over-a-very-long-name"))],
                "RemoteSessionOptions.Transport must be non-empty text of at most 16 characters.",
            ),
            (
                vec![("Port", int(0))],
                "RemoteSessionOptions.Port must be from 1 to 65535, not 0.",
            ),
            (
                vec![("Port", Fact::Int64 { value: 70000 })],
                "RemoteSessionOptions.Port must be from 1 to 65535, not 70000.",
            ),
            (
                vec![("Port", s("22"))],
                "RemoteSessionOptions.Port must be a whole number from 1 to 65535.",
            ),
            (
                vec![("OpenTimeoutSeconds", int(3601))],
                "RemoteSessionOptions.OpenTimeoutSeconds must be from 1 to 3600, not 3601.",
            ),
            (
                vec![("OperationTimeoutSeconds", int(86401))],
                "RemoteSessionOptions.OperationTimeoutSeconds must be from 1 to 86400, not 86401.",
            ),
            (
                vec![("UseSSL", s("yes"))],
                "RemoteSessionOptions.UseSSL must be $true or $false.",
            ),
            (
                vec![("SkipCACheck", int(1))],
                "RemoteSessionOptions.SkipCACheck must be $true or $false.",
            ),
            (
                vec![("Authentication", s("Magic"))],
                "RemoteSessionOptions.Authentication must be one of Default, Basic, Negotiate, \
                 NegotiateWithImplicitCredential, Credssp, Digest, Kerberos, not 'Magic'.",
            ),
            (
                vec![("Authentication", s("6"))],
                "RemoteSessionOptions.Authentication must be one of Default, Basic, Negotiate, \
                 NegotiateWithImplicitCredential, Credssp, Digest, Kerberos, not '6'.",
            ),
            (
                vec![("Authentication", s("Basic, Kerberos"))],
                "RemoteSessionOptions.Authentication must be one of Default, Basic, Negotiate, \
                 NegotiateWithImplicitCredential, Credssp, Digest, Kerberos, not 'Basic, \
                 Kerberos'.",
            ),
            (
                vec![("ConfigurationName", s("a\nb"))],
                "RemoteSessionOptions.ConfigurationName must not contain control characters \
                 (line breaks, NUL).",
            ),
            (
                vec![("ApplicationName", s("a\0b"))],
                "RemoteSessionOptions.ApplicationName must not contain control characters (line \
                 breaks, NUL).",
            ),
            (
                vec![("ConfigurationName", s("   "))],
                "RemoteSessionOptions.ConfigurationName must be non-empty text of at most 256 \
                 characters.",
            ),
            (
                vec![("KeyFilePath", Fact::Other { text: None })],
                "RemoteSessionOptions.KeyFilePath must be text.",
            ),
            (
                vec![("Transport", s("SSH")), ("UserName", Fact::Null)],
                "RemoteSessionOptions.UserName must be text.",
            ),
            (
                vec![
                    ("Transport", s("SSH")),
                    ("UseSSL", Fact::Bool { value: true }),
                ],
                "RemoteSessionOptions.UseSSL does not apply to Transport 'SSH'.",
            ),
            (
                vec![("ConfigurationName", s("x")), ("Transport", s("SSH"))],
                "RemoteSessionOptions.ConfigurationName does not apply to Transport 'SSH'.",
            ),
            (
                vec![("KeyFilePath", s("/k"))],
                "RemoteSessionOptions.KeyFilePath does not apply to Transport 'WinRM'.",
            ),
            (
                vec![("Transport", s("SSH")), ("SshOptions", s("BatchMode=no"))],
                "RemoteSessionOptions.SshOptions must be a hashtable of ssh client options (name \
                 = text).",
            ),
        ] {
            assert_eq!(refused(entries), message);
        }
        // Lengths are counted as .NET counts them (UTF-16 code units).
        let at_most = "😀".repeat(128);
        assert!(check(Some(&options(vec![("ConfigurationName", s(&at_most))]))).is_ok());
        let over = format!("{at_most}x");
        assert!(check(Some(&options(vec![("ConfigurationName", s(&over))]))).is_err());
    }

    #[test]
    fn ssh_options_that_run_programs_are_refused() {
        let allowed = SSH_OPTION_KEYS.join(", ");
        for option in [
            "ProxyCommand",
            "proxycommand",
            "LocalCommand",
            "PermitLocalCommand",
            "KnownHostsCommand",
            "ProxyJump",
            "PKCS11Provider",
            "SecurityKeyProvider",
            "Match",
            "Include",
            "IdentityAgent",
            "ControlPath",
            "BatchMode ",
        ] {
            let message = refused(vec![
                ("Transport", s("SSH")),
                ("SshOptions", table(vec![(s(option), s("sh -c id"))])),
            ]);
            assert_eq!(
                message,
                format!(
                    "RemoteSessionOptions.SshOptions has the option '{}', which is not one of: \
                     {allowed} (options that run programs, such as ProxyCommand, are refused).",
                    option.trim_end()
                ),
                "{option}"
            );
        }
        for (value, message) in [
            (
                Fact::Other { text: None },
                "RemoteSessionOptions.SshOptions.BatchMode must be text or a number.",
            ),
            (
                Fact::Int16 { value: 1 },
                "RemoteSessionOptions.SshOptions.BatchMode must be text or a number.",
            ),
            (
                Fact::Switch { value: true },
                "RemoteSessionOptions.SshOptions.BatchMode must be text or a number.",
            ),
            (
                s("no\nProxyCommand sh"),
                "RemoteSessionOptions.SshOptions.BatchMode must not contain control characters \
                 (line breaks, NUL).",
            ),
            (
                s(""),
                "RemoteSessionOptions.SshOptions.BatchMode must be non-empty text of at most 4096 \
                 characters.",
            ),
        ] {
            assert_eq!(
                refused(vec![
                    ("Transport", s("SSH")),
                    ("SshOptions", table(vec![(s("BatchMode"), value)])),
                ]),
                message
            );
        }
        assert!(refused(vec![
            ("Transport", s("SSH")),
            (
                "SshOptions",
                table(vec![(
                    Fact::Other {
                        text: Some("Proxy\nCommand".into())
                    },
                    s("x")
                )])
            )
        ])
        .contains("option 'Proxy Command'"));
    }

    #[test]
    fn facts_read_from_json() {
        let fact: Fact = serde_json::from_str(
            r#"{"type":"table","entries":[{"key":{"type":"string","text":"Port"},"value":{"type":"int32","value":22}},
                {"key":{"type":"string","text":"Transport"},"value":{"type":"string","text":"SSH"}}]}"#,
        )
        .unwrap();
        let o = check(Some(&fact)).unwrap();
        assert_eq!(o.port, Some(22));
        assert_eq!(o.transport, "SSH");
        assert!(serde_json::from_str::<Fact>(r#"{"type":"code"}"#).is_err());
        assert!(serde_json::from_str::<Fact>(r#"{"type":"string","text":"x","more":1}"#).is_err());
    }
}
