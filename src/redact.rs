//! Redaction: the rules that keep secrets out of every message, remote message and event.
//!
//! Two rules, applied to server and transport text *before* it is flattened and cut, so that
//! neither depends on a length or on a whole text surviving a cut (the policy, for users, is in
//! `docs/redaction.md`):
//!
//! * **Values** ([`Secrets`]): strings the caller marks as secret — every string value of the
//!   AuthSession (its text and its note properties) and of the AuthSessionOptions — are masked
//!   wherever they appear. A value of [`MIN_ANYWHERE_CHARS`] characters or more is masked
//!   anywhere, also when whitespace in it was collapsed; a shorter one where it stands as a
//!   whole word (between characters that are not letters or digits), so that a short value
//!   such as `on` cannot garble every message. A text that arrives already cut (by a host, a
//!   remoting layer) may start with the end of a long value or end with its beginning: such a
//!   fragment of [`MIN_FRAGMENT_CHARS`] characters or more at either end of the text is masked.
//! * **Patterns** ([`redact_patterns`]): what looks like a credential in any text —
//!   `password=…`, `pwd=…`, `token: …`, `client_secret=…`, `AccountKey=…` and other `key=value`
//!   or `key: value` pairs whose key names a secret (connection strings, JSON, query strings,
//!   `@{…}` property bags), `-Password …` parameters, `Authorization:` headers with their scheme,
//!   `Bearer …` tokens, JSON web tokens (`eyJ…`) and the password of a URL's `user:password@`.
//!   The key, the scheme and the text around are kept for diagnosis; the value becomes
//!   [`MASK`].
//!
//! [`scrub`] applies both, then flattens and bounds the text with
//! [`one_line`](crate::adsync::text::one_line).

use crate::adsync::text::one_line;

/// What a masked value is replaced with.
pub const MASK: &str = "[redacted]";

/// A secret value this long (in characters) or longer is masked wherever it appears; a shorter
/// one only where it stands as a whole word.
pub const MIN_ANYWHERE_CHARS: usize = 8;

/// The shortest fragment of a long secret value masked at either end of a text that arrived cut.
pub const MIN_FRAGMENT_CHARS: usize = 4;

/// The most secret values one `Secrets` keeps (the longest are kept).
pub const MAX_SECRETS: usize = 1024;

/// Strings to mask wherever they appear (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Longest first, so a value that contains another is masked whole.
    values: Vec<String>,
}

impl Secrets {
    /// Collects the values to mask. Empty and whitespace-only strings are ignored; a value with
    /// whitespace or control characters is also kept in its flattened form (as `one_line`
    /// writes it), so it is found after a text was flattened.
    pub fn new<I, S>(values: I) -> Secrets
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut kept: Vec<String> = Vec::new();
        for value in values {
            let value = value.as_ref();
            if value.trim().is_empty() {
                continue;
            }
            let flat = one_line(value, usize::MAX);
            for candidate in [value.to_owned(), value.trim().to_owned(), flat] {
                if !candidate.is_empty() && !kept.contains(&candidate) {
                    kept.push(candidate);
                }
            }
        }
        kept.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        kept.truncate(MAX_SECRETS);
        Secrets { values: kept }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Masks every value (and fragments of long values at the text's ends) in `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // Whole values first, all of them: masking a fragment of one value first could break
        // up a whole occurrence of another.
        for secret in &self.values {
            if secret.chars().count() >= MIN_ANYWHERE_CHARS {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), MASK);
                }
            } else {
                out = mask_whole_words(&out, secret);
            }
        }
        for secret in &self.values {
            if secret.chars().count() >= MIN_ANYWHERE_CHARS {
                out = mask_edges(&out, secret);
            }
        }
        out
    }
}

/// Masks the occurrences of a short `secret` that stand as whole words.
fn mask_whole_words(text: &str, secret: &str) -> String {
    if !text.contains(secret) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, matched) in text.match_indices(secret) {
        if start < copied {
            continue;
        }
        let end = start + matched.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let word_char = |c: Option<char>| matches!(c, Some(ch) if ch.is_alphanumeric());
        // A boundary is needed only where the secret itself begins or ends with a word character.
        let first = secret.chars().next();
        let last = secret.chars().next_back();
        if (word_char(first) && word_char(before)) || (word_char(last) && word_char(after)) {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Masks the longest beginning of `secret` at the end of `text` and the longest end of `secret`
/// at the start of `text` (at least [`MIN_FRAGMENT_CHARS`] characters): what is left of a secret
/// in a text that someone else cut.
fn mask_edges(text: &str, secret: &str) -> String {
    let mut out = text.to_owned();
    // The end, before any ellipsis or dots a cut left.
    let body_len = {
        let trimmed = out.trim_end();
        let trimmed = trimmed.trim_end_matches('…').trim_end_matches("...");
        trimmed.trim_end().len()
    };
    let body = &out[..body_len];
    let mut best_prefix = None;
    for (count, (index, ch)) in secret.char_indices().enumerate() {
        let end = index + ch.len_utf8();
        if count + 1 >= MIN_FRAGMENT_CHARS && end < secret.len() && body.ends_with(&secret[..end]) {
            best_prefix = Some(end);
        }
    }
    if let Some(len) = best_prefix {
        let mut rebuilt = String::with_capacity(out.len());
        rebuilt.push_str(&out[..body_len - len]);
        rebuilt.push_str(MASK);
        rebuilt.push_str(&out[body_len..]);
        out = rebuilt;
    }
    // The start, after any ellipsis or dots a cut left.
    let lead = out.len() - {
        let trimmed = out.trim_start();
        let trimmed = trimmed.trim_start_matches('…').trim_start_matches("...");
        trimmed.trim_start().len()
    };
    let body = &out[lead..];
    let total = secret.chars().count();
    let mut best_suffix = None;
    for (count, (index, _)) in secret.char_indices().enumerate() {
        if index == 0 {
            continue;
        }
        if total - count >= MIN_FRAGMENT_CHARS && body.starts_with(&secret[index..]) {
            best_suffix = Some(secret.len() - index);
            break;
        }
    }
    if let Some(len) = best_suffix {
        let mut rebuilt = String::with_capacity(out.len());
        rebuilt.push_str(&out[..lead]);
        rebuilt.push_str(MASK);
        rebuilt.push_str(&out[lead + len..]);
        out = rebuilt;
    }
    out
}

/// What kind of value follows a key that names a secret.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// A plain value (`password=…`).
    Plain,
    /// An HTTP authorization value: a scheme word (kept) and its credentials (masked).
    Authorization,
    /// `Bearer <token>`: the word is followed by whitespace and the token.
    Bearer,
}

/// The key names (lower case, without `-`, `_` and `.`) whose values are secrets, when the key
/// contains them.
const SECRET_KEY_PARTS: [&str; 13] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "accountkey",
    "privatekey",
    "credential",
    "cookie",
    "signature",
    "sessionkey",
];

/// Key names that are secrets only as a whole key (they are too short to look for inside one).
const SECRET_KEYS: [&str; 6] = ["pwd", "pass", "key", "sig", "auth", "pw"];

fn key_kind(key: &str) -> Option<KeyKind> {
    let normalized: String = key
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if normalized == "bearer" {
        return Some(KeyKind::Bearer);
    }
    if normalized.ends_with("authorization") || normalized.ends_with("authenticate") {
        return Some(KeyKind::Authorization);
    }
    if SECRET_KEYS.contains(&normalized.as_str())
        || SECRET_KEY_PARTS.iter().any(|p| normalized.contains(p))
    {
        return Some(KeyKind::Plain);
    }
    None
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Bytes that end an unquoted value.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || b.is_ascii_control()
        || matches!(
            b,
            b';' | b',' | b'&' | b'"' | b'\'' | b'<' | b'>' | b'}' | b')' | b']' | b'|'
        )
}

/// The span (byte range) of the value after a key ending at `key_end`, if the key is followed
/// by a separator and a value.
fn value_span(bytes: &[u8], key_end: usize, kind: KeyKind, dash: bool) -> Option<(usize, usize)> {
    let len = bytes.len();
    let mut j = key_end;
    let skip_blanks = |mut j: usize| {
        while j < len && (bytes[j] == b' ' || bytes[j] == b'\t') {
            j += 1;
        }
        j
    };
    if kind == KeyKind::Bearer {
        let start = skip_blanks(j);
        if start == j {
            return None;
        }
        let mut end = start;
        while end < len && !ends_value(bytes[end]) {
            end += 1;
        }
        // A word after "bearer" in a sentence is no token; a token is long.
        return (end - start >= 8).then_some((start, end));
    }
    // A closing quote of a quoted key (`"password": "…"`).
    if j < len && (bytes[j] == b'"' || bytes[j] == b'\'') {
        j += 1;
    }
    let after_blanks = skip_blanks(j);
    if after_blanks < len && (bytes[after_blanks] == b'=' || bytes[after_blanks] == b':') {
        j = after_blanks + 1;
        // `=>` and `:=`.
        if j < len && (bytes[j] == b'>' || bytes[j] == b'=') {
            j += 1;
        }
    } else if dash && after_blanks > j {
        // `-Password value`, a PowerShell parameter.
        j = after_blanks;
    } else {
        return None;
    }
    j = skip_blanks(j);
    if j >= len {
        return None;
    }
    if bytes[j] == b'"' || bytes[j] == b'\'' {
        let quote = bytes[j];
        let start = j + 1;
        let mut end = start;
        while end < len && bytes[end] != quote && bytes[end] != b'\n' && bytes[end] != b'\r' {
            end += 1;
        }
        return (end > start).then_some((start, end));
    }
    let start = j;
    let mut end = start;
    while end < len && !ends_value(bytes[end]) {
        end += 1;
    }
    if kind == KeyKind::Authorization && end < len && bytes[end] == b' ' {
        // `Authorization: Basic dXNlcjpwYXNz`: keep the scheme, mask the credentials.
        let scheme_is_word = bytes[start..end].iter().all(u8::is_ascii_alphabetic);
        let token_start = skip_blanks(end);
        if scheme_is_word && token_start < len && !ends_value(bytes[token_start]) {
            let mut token_end = token_start;
            while token_end < len && !ends_value(bytes[token_end]) {
                token_end += 1;
            }
            return Some((token_start, token_end));
        }
    }
    (end > start).then_some((start, end))
}

/// Masks the values of credential-like patterns in `text` (see the module documentation).
pub fn redact_patterns(text: &str) -> String {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut out = String::with_capacity(len);
    let mut copied = 0;
    let mut i = 0;
    while i < len {
        let b = bytes[i];
        let starts_key = b.is_ascii_alphabetic()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if !starts_key {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < len && is_key_byte(bytes[end]) {
            end += 1;
        }
        // Key bytes are ASCII, so these are character boundaries.
        let word = &text[i..end];
        let dash = i > 0 && bytes[i - 1] == b'-' && (i == 1 || bytes[i - 2].is_ascii_whitespace());
        let span = if is_json_web_token(word) {
            Some((i, end))
        } else if word.len() <= 64 {
            key_kind(word).and_then(|kind| value_span(bytes, end, kind, dash))
        } else {
            None
        };
        // A value masked already (the text went through here before) stays as it is, and so
        // does a span holding a mask ("Bearer Pwd=[redacted]").
        let span = span.filter(|(start, end)| {
            !text[*start..].starts_with(MASK)
                && !text[*start..*end].contains(&MASK[..MASK.len() - 1])
        });
        match span {
            Some((start, value_end)) => {
                out.push_str(&text[copied..start]);
                out.push_str(MASK);
                copied = value_end;
                i = value_end.max(end);
            }
            None => i = end,
        }
    }
    out.push_str(&text[copied..]);
    redact_url_passwords(&out)
}

/// `eyJ…` with two dots: a JSON web token (its header always starts `{"`, base64 `eyJ`).
fn is_json_web_token(word: &str) -> bool {
    word.len() >= 20 && word.starts_with("eyJ") && word.matches('.').count() >= 2
}

/// Masks the password in `scheme://user:password@host`.
fn redact_url_passwords(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let authority_start = at + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        let authority_len = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_len];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at_sign), Some(colon)) if colon < at_sign => {
                out.push_str(&authority[..=colon]);
                out.push_str(MASK);
                out.push_str(&authority[at_sign..]);
            }
            _ => out.push_str(authority),
        }
        rest = &after[authority_len..];
    }
    out.push_str(rest);
    out
}

/// Masks `secrets` and credential patterns in `text`, then flattens it to one line of at most
/// `max_chars` characters. Redaction comes first, so a cut never leaves part of a secret.
pub fn scrub(text: &str, secrets: &Secrets, max_chars: usize) -> String {
    let masked = redact_patterns(&secrets.redact(text));
    let flat = one_line(&masked, usize::MAX);
    // Whitespace collapsed by flattening may have joined a value again.
    let flat = if secrets.is_empty() {
        flat
    } else {
        redact_patterns(&secrets.redact(&flat))
    };
    one_line(&flat, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> String {
        redact_patterns(text)
    }

    #[test]
    fn key_value_pairs_lose_their_values() {
        assert_eq!(
            p("Login failed: Password=Hunter2; User=bob"),
            "Login failed: Password=[redacted]; User=bob"
        );
        assert_eq!(
            p("Server=db;Uid=sa;Pwd=abc;"),
            "Server=db;Uid=sa;Pwd=[redacted];"
        );
        assert_eq!(
            p("@{Server=sync01; Token=xyz}"),
            "@{Server=sync01; Token=[redacted]}"
        );
        assert_eq!(
            p(r#"{"client_secret": "s3cr3t value", "id": 1}"#),
            r#"{"client_secret": "[redacted]", "id": 1}"#
        );
        assert_eq!(
            p("https://x/cb?code=1&access_token=abc.def&x=2"),
            "https://x/cb?code=1&access_token=[redacted]&x=2"
        );
        assert_eq!(
            p("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;"),
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=[redacted];"
        );
        assert_eq!(
            p("New-Thing -Password s3cret -Name x"),
            "New-Thing -Password [redacted] -Name x"
        );
    }

    #[test]
    fn authorization_keeps_its_scheme() {
        assert_eq!(
            p("Authorization: Basic dXNlcjpwYXNz\r\nHost: x"),
            "Authorization: Basic [redacted]\r\nHost: x"
        );
        assert_eq!(
            p("sent Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln and failed"),
            "sent Bearer [redacted] and failed"
        );
        assert_eq!(
            p("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
            "token [redacted]"
        );
        assert_eq!(
            p("http://admin:Hunter2@proxy:8080/x"),
            "http://admin:[redacted]@proxy:8080/x"
        );
    }

    #[test]
    fn masking_twice_changes_nothing() {
        for text in [
            "Login failed: Password=Hunter2; User=bob",
            "SQL: Server=db01;User Id=sa;Password=Hunter2;",
            "Authorization: Basic dXNlcjpwYXNz",
            "sent Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln and failed",
            "http://admin:Hunter2@proxy:8080/x",
            r#"{"client_secret": "s3cr3t value"}"#,
            "New-Thing -Password s3cret -Name x",
            "Authorization: Basic \u{1b}\tBearer \tPwd=_ʉ;} x",
        ] {
            let once = p(text);
            assert_eq!(p(&once), once);
        }
    }

    #[test]
    fn prose_is_left_alone() {
        for text in [
            "The security token was rejected by the server.",
            "A sync cycle is already running (connector 'contoso - AAD' is busy).",
            "Connecting to remote server sync01 failed: Access is denied.",
            "The bearer of this message",
            "Start-ADSyncSyncCycle -PolicyType Delta",
        ] {
            assert_eq!(p(text), text);
        }
    }

    #[test]
    fn values_are_masked_anywhere_or_as_whole_words() {
        let s = Secrets::new(["LongSecretValue123", "on", "ab c"]);
        assert_eq!(
            s.redact("x LongSecretValue123y on bonus"),
            "x [redacted]y [redacted] bonus"
        );
        assert_eq!(s.redact("zab cz ab c."), "zab cz [redacted].");
    }

    #[test]
    fn fragments_at_the_ends_of_a_cut_text_are_masked() {
        let s = Secrets::new(["ABCDEFGHIJKLMNOP"]);
        assert_eq!(s.redact("token was ABCDEFG…"), "token was [redacted]…");
        assert_eq!(s.redact("KLMNOP was the token"), "[redacted] was the token");
        assert_eq!(s.redact("ABC and OP"), "ABC and OP");
    }

    #[test]
    fn a_fragment_of_one_value_never_breaks_up_another() {
        // Found by the fuzz run: the end of the first value ("token: ") is also the start of
        // the text; masking it first left the second value whole but unrecognisable.
        let s = Secrets::new(["Authorization: Basic …#token: ", "token: ';ЖЩЮЯЖЩЮЯ"]);
        assert_eq!(s.redact("token: ';ЖЩЮЯЖЩЮЯ and on"), "[redacted] and on");
    }

    #[test]
    fn scrub_masks_before_it_cuts_for_every_length() {
        // Secrets of every length, placed across the cut of a 1,000-character text.
        for len in 1..=5000usize {
            let secret: String = (0..len).map(|i| ['Ж', 'Щ', 'Ю', 'Я'][i % 4]).collect();
            let secrets = Secrets::new([secret.as_str()]);
            for lead in [0usize, 990, 999, 1000] {
                let text = format!("{} {} tail", "x".repeat(lead), secret);
                let out = scrub(&text, &secrets, 1000);
                assert!(out.chars().count() <= 1000);
                assert!(
                    !out.contains('Ж') && !out.contains('Я'),
                    "len {len} lead {lead}"
                );
            }
        }
    }
}
