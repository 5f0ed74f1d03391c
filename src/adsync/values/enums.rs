//! Enum members by name in any casing or by number.

use super::lookup::wrapped;
use super::scalars::integer;
use super::MAX_WRAPPER_DEPTH;
use serde_json::Value;

/// An enum member's canonical name, from its name in any casing or its number (both as JSON
/// numbers and numeric strings), unwrapping `{"value": ..}` / `{"value__": n}`.
/// `members` maps each canonical name to its number.
pub fn enum_name<'m>(value: &Value, members: &[(&'m str, i64)]) -> Option<&'m str> {
    let mut current = value;
    for _ in 0..=MAX_WRAPPER_DEPTH {
        match current {
            Value::String(s) => {
                let s = s.trim();
                if let Some((name, _)) = members.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
                    return Some(name);
                }
                let number: i64 = s.parse().ok()?;
                return members.iter().find(|(_, v)| *v == number).map(|(n, _)| *n);
            }
            Value::Number(_) => {
                let number = integer(current)?;
                return members.iter().find(|(_, v)| *v == number).map(|(n, _)| *n);
            }
            Value::Object(_) => current = wrapped(current)?,
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POLICY: [(&str, i64); 3] = [("Unspecified", 0), ("Delta", 1), ("Initial", 2)];

    #[test]
    fn enums_by_name_or_number() {
        assert_eq!(enum_name(&json!("Delta"), &POLICY), Some("Delta"));
        assert_eq!(enum_name(&json!("iNiTiAl"), &POLICY), Some("Initial"));
        assert_eq!(enum_name(&json!(" delta "), &POLICY), Some("Delta"));
        assert_eq!(enum_name(&json!(0), &POLICY), Some("Unspecified"));
        assert_eq!(enum_name(&json!(2), &POLICY), Some("Initial"));
        assert_eq!(enum_name(&json!("1"), &POLICY), Some("Delta"));
        assert_eq!(enum_name(&json!({"value": 1}), &POLICY), Some("Delta"));
        assert_eq!(enum_name(&json!({"value__": 2}), &POLICY), Some("Initial"));
        assert_eq!(
            enum_name(&json!({"Value": "delta"}), &POLICY),
            Some("Delta")
        );
        assert_eq!(enum_name(&json!(3), &POLICY), None);
        assert_eq!(enum_name(&json!("Full"), &POLICY), None);
        assert_eq!(enum_name(&json!(null), &POLICY), None);
        assert_eq!(enum_name(&json!(true), &POLICY), None);
        assert_eq!(enum_name(&json!({}), &POLICY), None);
    }
}
