//! Finding a property: by name in any casing, through PowerShell's wrapper objects, and the
//! items of a command's output with collection wrappers removed.

use super::MAX_WRAPPER_DEPTH;
use serde_json::{Map, Value};

/// Looks a property up by name, exactly first and then ignoring ASCII case: remoting and the
/// interop layer do not promise the casing of property names.
pub fn prop<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.as_object().and_then(|map| prop_in(map, name))
}

/// [`prop`] over a map.
pub fn prop_in<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The inner value of a PowerShell wrapper object: `{"value": ...}` (Windows PowerShell 5.1
/// wraps some values so, e.g. DateTime as `{"value":..,"DisplayHint":..,"DateTime":..}`) or
/// `{"value__": n}` (an enum's backing field).
pub(super) fn wrapped(value: &Value) -> Option<&Value> {
    prop(value, "value").or_else(|| prop(value, "value__"))
}

/// The objects a command produced, with collection wrappers removed: an element that is itself
/// an array (a host that returned the pipeline as one list), or Windows PowerShell 5.1's
/// `{"value":[...],"Count":n}` form, contributes its items.
pub fn output_items(output: &[Value]) -> Vec<&Value> {
    let mut items = Vec::new();
    for value in output {
        push_items(value, 0, &mut items);
    }
    items
}

fn push_items<'a>(value: &'a Value, depth: usize, items: &mut Vec<&'a Value>) {
    if depth > MAX_WRAPPER_DEPTH {
        items.push(value);
        return;
    }
    match value {
        Value::Array(list) => list.iter().for_each(|v| push_items(v, depth + 1, items)),
        Value::Object(map) if is_collection_wrapper(map) => {
            if let Some(inner) = prop_in(map, "value") {
                push_items(inner, depth + 1, items);
            }
        }
        other => items.push(other),
    }
}

fn is_collection_wrapper(map: &Map<String, Value>) -> bool {
    matches!(prop_in(map, "value"), Some(Value::Array(_)))
        && map
            .keys()
            .all(|k| k.eq_ignore_ascii_case("value") || k.eq_ignore_ascii_case("count"))
}

/// [`prop_in`] with `null` counted as absent, because PowerShell writes `$null` for "not set".
pub fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    prop_in(object, key).filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prop_ignores_case_but_prefers_exact() {
        let v = json!({"syncCycleInProgress": true, "X": 1, "x": 2});
        assert_eq!(prop(&v, "SyncCycleInProgress"), Some(&json!(true)));
        assert_eq!(prop(&v, "x"), Some(&json!(2)));
        assert_eq!(prop(&v, "X"), Some(&json!(1)));
        assert_eq!(prop(&v, "missing"), None);
        assert_eq!(prop(&json!("text"), "x"), None);
    }

    #[test]
    fn output_items_flattens_lists_and_ps51_collections() {
        let output = vec![
            json!([{"a": 1}, {"b": 2}]),
            json!({"value": [{"c": 3}], "Count": 1}),
            json!({"value": "not a collection", "Count": 1}),
            json!(5),
        ];
        let items = output_items(&output);
        assert_eq!(items.len(), 5);
        assert_eq!(items[2], &json!({"c": 3}));
        assert_eq!(items[3], &json!({"value": "not a collection", "Count": 1}));
    }

    #[test]
    fn output_items_survives_deep_nesting() {
        let mut v = json!(1);
        for _ in 0..200 {
            v = json!([v]);
        }
        assert_eq!(output_items(&[v]).len(), 1);
    }

    #[test]
    fn get_matches_any_casing_and_null_is_absent() {
        let v = json!({"InProgress": true, "details": null, "State": "Idle"});
        let o = v.as_object().unwrap();
        assert_eq!(get(o, "inprogress"), Some(&json!(true)));
        assert_eq!(get(o, "Details"), None);
        assert_eq!(get(o, "STATE"), Some(&json!("Idle")));
    }
}
