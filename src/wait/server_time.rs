//! Times read from the **server's** clock (e.g. `NextSyncCycleStartTimeInUTC`).
//!
//! The wait machine never compares a server time with the host's clock: the two may differ by
//! hours. Server times are only compared with other server times.
//!
//! **Seam for the FFI owner:** [`parse_server_time`] is the single function through which the
//! wait machine reads a server date. It carries a deliberately minimal parser (ISO-8601 as
//! `ConvertTo-Json` writes it, and Windows PowerShell 5.1's `/Date(ms)/`). When
//! `crate::adsync` offers its full lenient date parser, point this function at it; nothing else
//! in `crate::wait` parses dates.

use super::lenient;
use serde_json::Value;

/// A point in time on the server's clock, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTime(i64);

impl ServerTime {
    pub fn from_unix_ms(ms: i64) -> Self {
        ServerTime(ms)
    }

    pub fn unix_ms(self) -> i64 {
        self.0
    }
}

/// Reads a server date from a JSON value, in any of the shapes PowerShell gives it:
///
/// * an ISO-8601 string: `2024-05-01T10:30:00Z`, `2024-05-01T10:30:00.1234567+02:00`,
///   `2024-05-01 10:30:00` (no offset: read as UTC, as the field names say);
/// * Windows PowerShell 5.1's `/Date(1649391053843)/` (also with an offset suffix such as
///   `/Date(1649391053843+0200)/`, which does not change the instant);
/// * 5.1's wrapped form `{"value": "/Date(...)/", "DisplayHint": 2, "DateTime": "..."}`.
///
/// Anything else gives `None`, and the machine then simply has no server-side evidence from
/// this field.
pub fn parse_server_time(value: &Value) -> Option<ServerTime> {
    match value {
        Value::String(s) => parse_server_time_text(s),
        Value::Object(o) => lenient::get(o, "value").and_then(parse_server_time),
        _ => None,
    }
}

/// [`parse_server_time`] for text.
pub fn parse_server_time_text(text: &str) -> Option<ServerTime> {
    let t = text.trim();
    parse_ms_date(t)
        .or_else(|| parse_iso8601(t))
        .map(ServerTime)
}

/// `/Date(ms)/`, `\/Date(ms)\/`, `/Date(ms+hhmm)/`.
fn parse_ms_date(t: &str) -> Option<i64> {
    let t = t.trim_start_matches('\\').trim_start_matches('/');
    let inner = t.strip_prefix("Date(")?;
    let close = inner.find(')')?;
    let rest = inner.get(close + 1..)?.trim_start_matches('\\');
    if !(rest == "/" || rest.is_empty()) {
        return None;
    }
    let body = inner.get(..close)?;
    // An offset after the number (after its optional sign) only says how to display the time.
    let split = body
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '+' || c == '-')
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    body.get(..split)?.parse::<i64>().ok()
}

/// `YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)fraction]]][Z|±hh[:mm]|±hhmm]`.
fn parse_iso8601(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4)?;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    if matches!(p.peek(), Some(b'T' | b't' | b' ')) {
        p.i += 1;
        hour = p.digits(2)?;
        p.expect(b':')?;
        minute = p.digits(2)?;
        if p.peek() == Some(b':') {
            p.i += 1;
            second = p.digits(2)?;
            if matches!(p.peek(), Some(b'.' | b',')) {
                p.i += 1;
                let start = p.i;
                while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                    p.i += 1;
                }
                let frac = t.get(start..p.i)?;
                if frac.is_empty() {
                    return None;
                }
                let mut ms_digits: String = frac.chars().take(3).collect();
                while ms_digits.len() < 3 {
                    ms_digits.push('0');
                }
                millis = ms_digits.parse::<i64>().ok()?;
            }
        }
        // 24:00 is not accepted; a leap second 60 is read as 59.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        second = second.min(59);
    }
    let offset_minutes = match p.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            p.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            p.i += 1;
            let oh = p.digits(2)?;
            let om = match p.peek() {
                Some(b':') => {
                    p.i += 1;
                    p.digits(2)?
                }
                Some(c) if c.is_ascii_digit() => p.digits(2)?,
                _ => 0,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if sign == b'-' {
                -m
            } else {
                m
            }
        }
        Some(_) => return None,
    };
    if p.i != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let local_ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
    Some(local_ms - offset_minutes * 60_000)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0i64;
        for _ in 0..n {
            let c = self.peek().filter(u8::is_ascii_digit)?;
            v = v * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        Some(v)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (year >= 0).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Count whole years from year 0 with March as the first month, so February's leap day is
    // the last day of a "year" and needs no special case.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ms(s: &str) -> Option<i64> {
        parse_server_time_text(s).map(ServerTime::unix_ms)
    }

    #[test]
    fn iso_shapes() {
        assert_eq!(ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(ms("2022-04-08T04:10:53.843Z"), Some(1_649_391_053_843));
        assert_eq!(
            ms("2022-04-08T06:10:53.8430000+02:00"),
            Some(1_649_391_053_843)
        );
        assert_eq!(ms("2022-04-08T01:10:53.843-0300"), Some(1_649_391_053_843));
        assert_eq!(ms("2022-04-08 04:10:53.843"), Some(1_649_391_053_843));
        assert_eq!(ms("2022-04-08T04:10:53,843z"), Some(1_649_391_053_843));
        assert_eq!(ms("2022-04-08T04:10Z"), Some(1_649_391_000_000));
        assert_eq!(ms("2022-04-08"), Some(1_649_376_000_000));
        assert_eq!(ms("2000-02-29T00:00:00Z"), Some(951_782_400_000));
    }

    #[test]
    fn ms_date_shapes() {
        assert_eq!(ms("/Date(1649391053843)/"), Some(1_649_391_053_843));
        assert_eq!(ms("\\/Date(1649391053843)\\/"), Some(1_649_391_053_843));
        assert_eq!(ms("/Date(1649391053843+0200)/"), Some(1_649_391_053_843));
        assert_eq!(ms("/Date(-1000)/"), Some(-1000));
        let wrapped = json!({"value": "/Date(5)/", "DisplayHint": 2, "DateTime": "Thursday"});
        assert_eq!(
            parse_server_time(&wrapped),
            Some(ServerTime::from_unix_ms(5))
        );
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "yesterday",
            "2022-13-01",
            "2022-02-30",
            "2022-04-08T25:00:00Z",
            "2022-04-08T04:10:53Zjunk",
            "2022-04-08T04:10:53.Z",
            "/Date(abc)/",
            "04/08/2022 10:00:00",
        ] {
            assert_eq!(ms(s), None, "{s}");
        }
        assert_eq!(parse_server_time(&json!(12)), None);
        assert_eq!(parse_server_time(&json!(null)), None);
    }
}
