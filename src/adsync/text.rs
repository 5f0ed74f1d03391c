//! Small text helpers shared by the parsers and the classifier: making server text safe to put
//! in a message (one line, bounded, no control characters) and describing unexpected output
//! without dumping it.

use serde_json::Value;

/// Longest server text kept in `Failure::remote_message`, in characters.
pub const MAX_REMOTE_MESSAGE_CHARS: usize = 1000;

/// Collapses whitespace and control characters into single spaces, trims, and truncates to
/// `max_chars` characters (an ellipsis marks a cut), so that nothing a server sends can break
/// a log line or blow up an event payload.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        let needed = if pending_space { 2 } else { 1 };
        if count + needed > max_chars {
            // Reserve one character for the ellipsis.
            while count + 1 > max_chars && out.pop().is_some() {
                count -= 1;
            }
            let trimmed_len = out.trim_end().len();
            out.truncate(trimmed_len);
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(ch);
        count += 1;
    }
    out
}

/// True for a line of a .NET stack trace (`   at Namespace.Type.Method(...)`) or the markers
/// .NET puts between nested traces.
fn is_stack_line(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with("at ") && line.len() > t.len())
        || t.starts_with("--- End of")
        || t.starts_with("--- End Of")
}

/// The server's own words from an error message: the text before the first stack-trace line,
/// with credential patterns masked ([`crate::redact::redact_patterns`]) before it is cut, on one
/// line, bounded to [`MAX_REMOTE_MESSAGE_CHARS`].
pub fn server_text(message: &str) -> String {
    let mut kept = Vec::new();
    for line in message.lines() {
        if is_stack_line(line) {
            break;
        }
        kept.push(line);
    }
    one_line(
        &crate::redact::redact_patterns(&kept.join("\n")),
        MAX_REMOTE_MESSAGE_CHARS,
    )
}

/// A short description of what a command produced, for `UnexpectedResponse` messages: shapes
/// and property names, never whole values.
pub fn describe_output(output: &[Value]) -> String {
    match output {
        [] => "no output".to_owned(),
        [one] => describe_value(one),
        many => {
            let shown: Vec<String> = many.iter().take(3).map(describe_value).collect();
            let more = if many.len() > 3 {
                format!(" and {} more", many.len() - 3)
            } else {
                String::new()
            };
            format!("{} objects: {}{}", many.len(), shown.join("; "), more)
        }
    }
}

/// A short description of one JSON value (see [`describe_output`]).
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "a null value".to_owned(),
        Value::Bool(b) => format!("the Boolean {b}"),
        Value::Number(n) => format!("the number {}", one_line(&n.to_string(), 40)),
        Value::String(s) if s.trim().is_empty() => "an empty string".to_owned(),
        Value::String(s) => format!(
            "the text '{}'",
            one_line(&crate::redact::redact_patterns(s), 80)
        ),
        Value::Array(items) => format!("a list of {} item(s)", items.len()),
        Value::Object(map) if map.is_empty() => "an object without properties".to_owned(),
        Value::Object(map) => {
            let names: Vec<String> = map.keys().take(8).map(|k| one_line(k, 40)).collect();
            let more = if map.len() > 8 { ", ..." } else { "" };
            format!("an object with properties {}{}", names.join(", "), more)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_line_collapses_whitespace_and_controls() {
        assert_eq!(one_line("  a\r\n\tb \u{0}c  ", 100), "a b c");
    }

    #[test]
    fn one_line_truncates_on_char_boundaries() {
        let s = "é".repeat(50);
        let out = one_line(&s, 10);
        assert_eq!(out.chars().count(), 10);
        assert!(out.ends_with('…'));
        assert_eq!(one_line("abc", 3), "abc");
        assert_eq!(one_line("abcd", 3), "ab…");
    }

    #[test]
    fn one_line_does_not_end_a_cut_with_a_space() {
        assert_eq!(one_line("ab cd", 4), "ab…");
    }

    #[test]
    fn server_text_drops_the_stack_trace() {
        let msg = "System.InvalidOperationException: Connector: x - AAD is busy.\r\n   at Microsoft.A.B()\r\n   at C.D()";
        assert_eq!(
            server_text(msg),
            "System.InvalidOperationException: Connector: x - AAD is busy."
        );
    }

    #[test]
    fn server_text_keeps_message_lines_before_the_trace() {
        let msg =
            "First line.\nSecond line.\n   at X.Y()\n--- End of inner exception stack trace ---";
        assert_eq!(server_text(msg), "First line. Second line.");
    }

    #[test]
    fn server_text_is_bounded() {
        let huge = "x".repeat(1_000_000);
        let out = server_text(&huge);
        assert_eq!(out.chars().count(), MAX_REMOTE_MESSAGE_CHARS);
    }

    #[test]
    fn describe_is_brief() {
        assert_eq!(describe_output(&[]), "no output");
        assert_eq!(describe_value(&json!("  ")), "an empty string");
        assert_eq!(describe_value(&json!([1, 2])), "a list of 2 item(s)");
        assert_eq!(
            describe_value(&json!({"A": 1, "B": 2})),
            "an object with properties A, B"
        );
        let long = describe_value(&json!("y".repeat(10_000)));
        assert!(long.chars().count() < 100, "{long}");
        let many: Vec<Value> = (0..10).map(|i| json!(i)).collect();
        let d = describe_output(&many);
        assert!(d.starts_with("10 objects: the number 0"), "{d}");
        assert!(d.ends_with("and 7 more"), "{d}");
    }
}
