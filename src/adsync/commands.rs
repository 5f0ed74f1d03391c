//! The ADSync commands this product sends, and the policy types they take.
//!
//! Only these four commands are ever invoked, always by name with data-only parameters, so a
//! least-privilege JEA endpoint can expose exactly them (see `docs/adsync.md`).

use crate::adsync::text::one_line;
use crate::adsync::values::enum_name;
use crate::failure::{Failure, FailureClass};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Starts a sync cycle; parameter `PolicyType`.
pub const START_SYNC_CYCLE: &str = "Start-ADSyncSyncCycle";
/// Reads the scheduler's settings and whether a cycle is in progress.
pub const GET_SCHEDULER: &str = "Get-ADSyncScheduler";
/// Reads the run history, newest first.
pub const GET_RUN_PROFILE_RESULT: &str = "Get-ADSyncRunProfileResult";
/// Lists the connectors that are running right now.
pub const GET_CONNECTOR_RUN_STATUS: &str = "Get-ADSyncConnectorRunStatus";

/// The name of `Start-ADSyncSyncCycle`'s policy parameter; also the name users see in errors.
pub const POLICY_TYPE_PARAMETER: &str = "PolicyType";

/// Longest part of an invalid policy type echoed back in the error message.
const MAX_ECHOED_INPUT_CHARS: usize = 40;

/// The policy types a caller may ask for. `Unspecified` exists in ADSync's enum but is not a
/// meaningful request, so it is not representable here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PolicyType {
    Delta,
    Initial,
}

impl PolicyType {
    /// The name ADSync expects, and the one shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Delta => "Delta",
            PolicyType::Initial => "Initial",
        }
    }

    /// Reads a caller's policy type: `Delta` or `Initial` in any casing, surrounding whitespace
    /// ignored. Anything else is an `InvalidInput` failure naming the parameter, the allowed
    /// values and (shortened, on one line) the value given.
    pub fn parse(text: &str) -> Result<PolicyType, Failure> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("Delta") {
            return Ok(PolicyType::Delta);
        }
        if trimmed.eq_ignore_ascii_case("Initial") {
            return Ok(PolicyType::Initial);
        }
        let given = one_line(trimmed, MAX_ECHOED_INPUT_CHARS);
        let message = if given.is_empty() {
            format!(
                "The {POLICY_TYPE_PARAMETER} parameter is required: use 'Delta' for the changes \
                 since the last cycle or 'Initial' for a full cycle."
            )
        } else if trimmed.eq_ignore_ascii_case("Unspecified") {
            format!(
                "The {POLICY_TYPE_PARAMETER} value 'Unspecified' cannot be requested: use \
                 'Delta' for the changes since the last cycle or 'Initial' for a full cycle."
            )
        } else {
            format!(
                "The {POLICY_TYPE_PARAMETER} value '{given}' is not valid: use 'Delta' for the \
                 changes since the last cycle or 'Initial' for a full cycle."
            )
        };
        Err(Failure::new(FailureClass::InvalidInput, message))
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ADSync's `SchedulerPolicyType` as the scheduler reports it (`NextSyncCyclePolicyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SchedulerPolicyType {
    Unspecified,
    Delta,
    Initial,
}

impl SchedulerPolicyType {
    const MEMBERS: [(&'static str, i64); 3] = [("Unspecified", 0), ("Delta", 1), ("Initial", 2)];

    /// From the member's name in any casing or its number (Unspecified=0, Delta=1, Initial=2).
    pub fn from_value(value: &Value) -> Option<Self> {
        match enum_name(value, &Self::MEMBERS)? {
            "Delta" => Some(SchedulerPolicyType::Delta),
            "Initial" => Some(SchedulerPolicyType::Initial),
            _ => Some(SchedulerPolicyType::Unspecified),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchedulerPolicyType::Unspecified => "Unspecified",
            SchedulerPolicyType::Delta => "Delta",
            SchedulerPolicyType::Initial => "Initial",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_both_policies_in_any_casing_and_padding() {
        for s in ["Delta", "delta", "DELTA ", "  dElTa\t", "\nDelta\r\n"] {
            assert_eq!(PolicyType::parse(s), Ok(PolicyType::Delta), "{s:?}");
        }
        for s in ["Initial", "INITIAL", " initial "] {
            assert_eq!(PolicyType::parse(s), Ok(PolicyType::Initial), "{s:?}");
        }
    }

    fn rejected(s: &str) -> Failure {
        let f = PolicyType::parse(s).expect_err(s);
        assert_eq!(f.class, FailureClass::InvalidInput, "{s:?}");
        assert!(f.message.contains("PolicyType"), "{}", f.message);
        assert!(f.message.contains("'Delta'"), "{}", f.message);
        assert!(f.message.contains("'Initial'"), "{}", f.message);
        assert_eq!(f.remote_message, None);
        f
    }

    #[test]
    fn rejects_empty_and_null_ish_values() {
        for s in ["", "   ", "\t\n"] {
            let f = rejected(s);
            assert!(f.message.contains("required"), "{}", f.message);
        }
        for s in ["null", "$null", "None"] {
            let f = rejected(s);
            assert!(f.message.contains(&format!("'{s}'")), "{}", f.message);
        }
    }

    #[test]
    fn rejects_unspecified_and_other_names() {
        let f = rejected("unspecified");
        assert!(
            f.message.contains("'Unspecified' cannot be requested"),
            "{}",
            f.message
        );
        for s in ["Full", "Delta Initial", "Deltas", "0", "1", "D"] {
            let f = rejected(s);
            assert!(f.message.contains(&format!("'{s}'")), "{}", f.message);
        }
    }

    #[test]
    fn echo_of_bad_input_is_one_short_line() {
        let f = rejected(&format!("x\r\ny{}", "z".repeat(10_000)));
        assert!(!f.message.contains('\n') && !f.message.contains('\r'));
        assert!(f.message.contains("'x yzzz"), "{}", f.message);
        assert!(f.message.chars().count() < 200, "{}", f.message);
    }

    #[test]
    fn policy_type_serializes_as_its_name() {
        assert_eq!(
            serde_json::to_value(PolicyType::Delta).unwrap(),
            json!("Delta")
        );
        assert_eq!(PolicyType::Initial.to_string(), "Initial");
    }

    #[test]
    fn scheduler_policy_type_from_every_shape() {
        use SchedulerPolicyType as S;
        assert_eq!(S::from_value(&json!("Delta")), Some(S::Delta));
        assert_eq!(S::from_value(&json!("initial")), Some(S::Initial));
        assert_eq!(S::from_value(&json!(0)), Some(S::Unspecified));
        assert_eq!(S::from_value(&json!(1)), Some(S::Delta));
        assert_eq!(S::from_value(&json!(2)), Some(S::Initial));
        assert_eq!(S::from_value(&json!({"value": 2})), Some(S::Initial));
        assert_eq!(S::from_value(&json!(7)), None);
        assert_eq!(S::from_value(&json!(null)), None);
    }

    #[test]
    fn command_names_are_the_real_ones() {
        assert_eq!(START_SYNC_CYCLE, "Start-ADSyncSyncCycle");
        assert_eq!(GET_SCHEDULER, "Get-ADSyncScheduler");
        assert_eq!(GET_RUN_PROFILE_RESULT, "Get-ADSyncRunProfileResult");
        assert_eq!(GET_CONNECTOR_RUN_STATUS, "Get-ADSyncConnectorRunStatus");
    }
}
