//! Lenient reading of JSON written by PowerShell: keys in any casing, `$null` meaning "absent",
//! booleans and numbers that may arrive as strings (`"True"`, `"600"`).

use serde_json::{Map, Value};

/// The value under `key`, matched case-insensitively (an exact match wins). `null` counts as
/// absent, because PowerShell writes `$null` for "not set".
pub(crate) fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    crate::adsync::values::prop_in(object, key).filter(|v| !v.is_null())
}

/// A boolean: JSON `true`/`false`, the strings `True`/`False` (any casing, also `$true`), or the
/// numbers 0 and 1.
pub(crate) fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "$true" | "1" => Some(true),
            "false" | "$false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// A whole number: a JSON integer, a JSON float without a fractional part, or a string holding
/// either. `None` when the value is not a whole number at all.
pub(crate) fn as_whole_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(whole_f64)),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(whole_f64))
        }
        _ => None,
    }
}

fn whole_f64(f: f64) -> Option<i64> {
    // The bounds keep the cast exact; anything larger is out of every range we accept anyway.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(f as i64)
    } else {
        None
    }
}

/// A scalar as text: strings as they are, numbers and booleans in their JSON spelling.
pub(crate) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A short name for a JSON value's type, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_in_any_casing_and_null_is_absent() {
        let v = json!({"InProgress": true, "details": null, "State": "Idle"});
        let o = v.as_object().unwrap();
        assert_eq!(get(o, "inprogress"), Some(&json!(true)));
        assert_eq!(get(o, "Details"), None);
        assert_eq!(get(o, "STATE"), Some(&json!("Idle")));
    }

    #[test]
    fn booleans_from_powershell_spellings() {
        assert_eq!(as_bool(&json!("True")), Some(true));
        assert_eq!(as_bool(&json!(" false ")), Some(false));
        assert_eq!(as_bool(&json!(1)), Some(true));
        assert_eq!(as_bool(&json!(2)), None);
        assert_eq!(as_bool(&json!("maybe")), None);
    }

    #[test]
    fn whole_numbers_from_numbers_and_strings() {
        assert_eq!(as_whole_number(&json!(600)), Some(600));
        assert_eq!(as_whole_number(&json!(600.0)), Some(600));
        assert_eq!(as_whole_number(&json!(" 42 ")), Some(42));
        assert_eq!(as_whole_number(&json!(-3)), Some(-3));
        assert_eq!(as_whole_number(&json!(1.5)), None);
        assert_eq!(as_whole_number(&json!("ten")), None);
        assert_eq!(as_whole_number(&json!(true)), None);
    }
}
