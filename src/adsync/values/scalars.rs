//! Booleans, whole numbers and strings in every spelling PowerShell writes them.

use super::lookup::wrapped;
use super::MAX_WRAPPER_DEPTH;
use serde_json::Value;

/// A Boolean from `true`/`false`, `"True"`/`"False"` or `"$true"`/`"$false"` in any casing, `0`/`1`
/// or `"0"`/`"1"`, unwrapping `{"value": ..}`.
pub fn boolean(value: &Value) -> Option<bool> {
    boolean_at(value, 0)
}

fn boolean_at(value: &Value, depth: usize) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(_) => match integer(value)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("$true") || s == "1" {
                Some(true)
            } else if s.eq_ignore_ascii_case("false")
                || s.eq_ignore_ascii_case("$false")
                || s == "0"
            {
                Some(false)
            } else {
                None
            }
        }
        Value::Object(_) if depth < MAX_WRAPPER_DEPTH => boolean_at(wrapped(value)?, depth + 1),
        _ => None,
    }
}

/// A string value, unwrapping `{"value": "..."}`; numbers and Booleans are not strings.
pub fn string(value: &Value) -> Option<&str> {
    let mut current = value;
    for _ in 0..=MAX_WRAPPER_DEPTH {
        match current {
            Value::String(s) => return Some(s),
            Value::Object(_) => current = wrapped(current)?,
            _ => return None,
        }
    }
    None
}

/// A whole number: a JSON integer, a JSON float without a fractional part, or a string holding
/// either. `None` when the value is not a whole number at all.
pub fn integer(value: &Value) -> Option<i64> {
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

pub(super) fn float(value: &Value) -> Option<f64> {
    let f = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

/// A scalar as text: strings as they are, numbers and Booleans in their JSON spelling.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A short name for a JSON value's type, for error messages.
pub fn type_name(value: &Value) -> &'static str {
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
    fn booleans_in_every_shape() {
        for yes in [
            json!(true),
            json!("True"),
            json!("TRUE"),
            json!(" true "),
            json!(1),
            json!("1"),
            json!(1.0),
            json!({"value": true}),
        ] {
            assert_eq!(boolean(&yes), Some(true), "{yes}");
        }
        for no in [
            json!(false),
            json!("False"),
            json!("false"),
            json!(0),
            json!("0"),
            json!({"Value": "False"}),
        ] {
            assert_eq!(boolean(&no), Some(false), "{no}");
        }
        for junk in [
            json!(null),
            json!(2),
            json!("yes"),
            json!(""),
            json!([true]),
            json!({}),
            json!(0.5),
        ] {
            assert_eq!(boolean(&junk), None, "{junk}");
        }
    }

    #[test]
    fn strings_unwrap_value_objects() {
        assert_eq!(string(&json!("host")), Some("host"));
        assert_eq!(string(&json!({"value": "host"})), Some("host"));
        assert_eq!(string(&json!(1)), None);
    }

    #[test]
    fn powershell_boolean_spellings() {
        assert_eq!(boolean(&json!("$true")), Some(true));
        assert_eq!(boolean(&json!(" $False ")), Some(false));
        assert_eq!(boolean(&json!("maybe")), None);
    }

    #[test]
    fn whole_numbers_from_numbers_and_strings() {
        assert_eq!(integer(&json!(600)), Some(600));
        assert_eq!(integer(&json!(600.0)), Some(600));
        assert_eq!(integer(&json!(" 42 ")), Some(42));
        assert_eq!(integer(&json!("600.0")), Some(600));
        assert_eq!(integer(&json!(-3)), Some(-3));
        assert_eq!(integer(&json!(1.5)), None);
        assert_eq!(integer(&json!(1.0e300)), None);
        assert_eq!(integer(&json!("ten")), None);
        assert_eq!(integer(&json!(true)), None);
    }

    #[test]
    fn text_and_type_names() {
        assert_eq!(text(&json!("Idle")).as_deref(), Some("Idle"));
        assert_eq!(text(&json!(3)).as_deref(), Some("3"));
        assert_eq!(text(&json!(null)), None);
        assert_eq!(type_name(&json!([])), "an array");
    }
}
