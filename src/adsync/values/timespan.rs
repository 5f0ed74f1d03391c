//! Lengths of time: [`TimeSpan`] and the shapes it is read from (.NET constant format, ISO 8601
//! durations, ticks, `{Days, Hours, ..}` objects).

use super::cursor::{fraction, Cursor};
use super::lookup::prop;
use super::scalars::{float, integer};
use super::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// A .NET TimeSpan: a signed length of time in ticks (100 ns).
///
/// Serializes as .NET's constant format `[-][d.]hh:mm:ss[.fffffff]` (`00:30:00`,
/// `7.00:00:00`); deserializes from every shape [`timespan`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeSpan(i64);

impl TimeSpan {
    pub const ZERO: TimeSpan = TimeSpan(0);

    pub const fn from_ticks(ticks: i64) -> Self {
        TimeSpan(ticks)
    }

    pub const fn ticks(self) -> i64 {
        self.0
    }

    pub const fn from_millis(millis: i64) -> Self {
        TimeSpan(millis.saturating_mul(TICKS_PER_MILLI))
    }

    pub const fn from_seconds(seconds: i64) -> Self {
        TimeSpan(seconds.saturating_mul(TICKS_PER_SECOND))
    }

    /// Whole milliseconds, truncated toward zero.
    pub const fn as_millis(self) -> i64 {
        self.0 / TICKS_PER_MILLI
    }

    /// Parses any string shape [`timespan`] accepts.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let ticks = if body.starts_with(['P', 'p']) {
            parse_iso_duration(&body[1..])?
        } else {
            parse_dotnet_timespan(body)?
        };
        Some(TimeSpan(if negative { -ticks } else { ticks }))
    }
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        let per_day = TICKS_PER_DAY as u64;
        let days = magnitude / per_day;
        let rest = magnitude % per_day;
        if days > 0 {
            write!(f, "{days}.")?;
        }
        let secs = rest / TICKS_PER_SECOND as u64;
        write!(
            f,
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        let frac = rest % TICKS_PER_SECOND as u64;
        if frac != 0 {
            write!(f, ".{frac:07}")?;
        }
        Ok(())
    }
}

impl Serialize for TimeSpan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeSpan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        timespan(&value).ok_or_else(|| serde::de::Error::custom("not a recognised time span"))
    }
}

/// `[d.]hh:mm[:ss[.fffffff]]` or `d:hh:mm:ss[.fffffff]` (the general format), without sign.
fn parse_dotnet_timespan(body: &str) -> Option<i64> {
    let parts: Vec<&str> = body.split(':').collect();
    let (days, hours, minutes, seconds) = match parts.as_slice() {
        [h, m] => (None, *h, *m, None),
        [h, m, s] => (None, *h, *m, Some(*s)),
        [d, h, m, s] => (Some(*d), *h, *m, Some(*s)),
        _ => return None,
    };
    let (days, hours) = match (days, hours.split_once('.')) {
        (Some(_), Some(_)) => return None,
        (Some(d), None) => (d, hours),
        (None, Some((d, h))) => (d, h),
        (None, None) => ("0", hours),
    };
    let days = unsigned(days, 8)?;
    let hours = unsigned(hours, 2)?;
    let minutes = unsigned(minutes, 2)?;
    let (secs, frac) = match seconds {
        None => (0, 0),
        Some(s) => match s.split_once('.') {
            Some((whole, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                (unsigned(whole, 2)?, fraction(f, 7))
            }
            Some(_) => return None,
            None => (unsigned(s, 2)?, 0),
        },
    };
    if hours > 23 || minutes > 59 || secs > 59 {
        return None;
    }
    days.checked_mul(TICKS_PER_DAY)?
        .checked_add(hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE)?
        .checked_add(secs * TICKS_PER_SECOND + frac)
}

/// A run of 1..=`max_len` ASCII digits.
fn unsigned(text: &str, max_len: usize) -> Option<i64> {
    if text.is_empty() || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The part of an ISO-8601 duration after `P`: `[nW][nD][T[nH][nM][n[.f]S]]`. Years and months
/// have no fixed length, and .NET never writes them for a TimeSpan, so they are refused.
fn parse_iso_duration(rest: &str) -> Option<i64> {
    let mut c = Cursor::new(rest);
    let mut total: i64 = 0;
    let mut in_time = false;
    let mut any = false;
    let mut time_component = false;
    // Units must come in order; this index only moves forward.
    let mut next_unit = 0usize;
    const DATE_UNITS: [(u8, i64); 2] = [(b'W', 7 * TICKS_PER_DAY), (b'D', TICKS_PER_DAY)];
    const TIME_UNITS: [(u8, i64); 3] = [
        (b'H', TICKS_PER_HOUR),
        (b'M', TICKS_PER_MINUTE),
        (b'S', TICKS_PER_SECOND),
    ];
    while !c.done() {
        if !in_time && (c.eat(b'T') || c.eat(b't')) {
            in_time = true;
            next_unit = 0;
            continue;
        }
        let whole = c.digits()?;
        let frac = if c.eat(b'.') || c.eat(b',') {
            Some(c.digits()?)
        } else {
            None
        };
        let unit = c.peek()?.to_ascii_uppercase();
        c.pos += 1;
        let units: &[(u8, i64)] = if in_time { &TIME_UNITS } else { &DATE_UNITS };
        let index = units.iter().position(|(u, _)| *u == unit)?;
        if index < next_unit {
            return None;
        }
        next_unit = index + 1;
        let per = units[index].1;
        if frac.is_some() && !(in_time && unit == b'S') {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let mut ticks = whole.checked_mul(per)?;
        if let Some(f) = frac {
            ticks = ticks.checked_add(fraction(f, 7))?;
        }
        total = total.checked_add(ticks)?;
        any = true;
        time_component |= in_time;
    }
    // `P1DT` (a `T` with nothing after it) is malformed.
    (any && (time_component || !in_time)).then_some(total)
}

/// A TimeSpan in any shape: .NET strings (`00:30:00`, `7.00:00:00`, `1.02:03:04.5000000`,
/// `-00:05:00`), ISO-8601 durations (`PT30M`, as .NET XML serialization writes them), or the
/// object `ConvertTo-Json` writes (`Ticks`, preferred; then `TotalMilliseconds`,
/// `TotalSeconds`; then the `Days`/`Hours`/`Minutes`/`Seconds`/`Milliseconds` parts).
pub fn timespan(value: &Value) -> Option<TimeSpan> {
    timespan_at(value, 0)
}

fn timespan_at(value: &Value, depth: usize) -> Option<TimeSpan> {
    match value {
        Value::String(s) => TimeSpan::parse(s),
        Value::Object(_) if depth < MAX_WRAPPER_DEPTH => {
            if let Some(ticks) = prop(value, "Ticks").and_then(integer) {
                return Some(TimeSpan(ticks));
            }
            if let Some(ms) = prop(value, "TotalMilliseconds").and_then(float) {
                return ticks_from_float(ms * TICKS_PER_MILLI as f64);
            }
            if let Some(s) = prop(value, "TotalSeconds").and_then(float) {
                return ticks_from_float(s * TICKS_PER_SECOND as f64);
            }
            if let Some(inner) = prop(value, "value") {
                return timespan_at(inner, depth + 1);
            }
            timespan_from_parts(value)
        }
        _ => None,
    }
}

fn ticks_from_float(ticks: f64) -> Option<TimeSpan> {
    let rounded = ticks.round();
    (rounded.is_finite() && rounded >= i64::MIN as f64 && rounded <= i64::MAX as f64)
        .then_some(TimeSpan(rounded as i64))
}

fn timespan_from_parts(value: &Value) -> Option<TimeSpan> {
    const PARTS: [(&str, i64); 5] = [
        ("Days", TICKS_PER_DAY),
        ("Hours", TICKS_PER_HOUR),
        ("Minutes", TICKS_PER_MINUTE),
        ("Seconds", TICKS_PER_SECOND),
        ("Milliseconds", TICKS_PER_MILLI),
    ];
    let mut total: i64 = 0;
    let mut any = false;
    for (name, per) in PARTS {
        if let Some(v) = prop(value, name) {
            let n = integer(v)?;
            total = total.checked_add(n.checked_mul(per)?)?;
            any = true;
        }
    }
    any.then_some(TimeSpan(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_dotnet_timespan_strings() {
        let cases: [(&str, i64); 10] = [
            ("00:30:00", 30 * TICKS_PER_MINUTE),
            ("7.00:00:00", 7 * TICKS_PER_DAY),
            (
                "1.02:03:04.5000000",
                TICKS_PER_DAY
                    + 2 * TICKS_PER_HOUR
                    + 3 * TICKS_PER_MINUTE
                    + 4 * TICKS_PER_SECOND
                    + 5_000_000,
            ),
            ("-00:05:00", -5 * TICKS_PER_MINUTE),
            ("00:00:00.0000001", 1),
            ("00:00:00.5", 5_000_000),
            ("01:30", 90 * TICKS_PER_MINUTE),
            (
                "1:02:03:04",
                TICKS_PER_DAY + 2 * TICKS_PER_HOUR + 3 * TICKS_PER_MINUTE + 4 * TICKS_PER_SECOND,
            ),
            ("10675199.02:48:05.4775807", i64::MAX),
            (" 00:30:00 ", 30 * TICKS_PER_MINUTE),
        ];
        for (s, ticks) in cases {
            assert_eq!(
                timespan(&json!(s)),
                Some(TimeSpan::from_ticks(ticks)),
                "{s}"
            );
        }
    }

    #[test]
    fn rejects_bad_timespan_strings() {
        for s in [
            "",
            "30",
            "00:60:00",
            "24:00:00",
            "00:00:60",
            "a:b:c",
            "1.2.03:00:00",
            "00:00:00.",
            "00:00:00.x",
            "1.1:02:03:04",
            "--00:01:00",
            "99999999.00:00:00",
            "00:00:00:00:00",
            "P",
            "-P",
            "PT",
            "P1Y",
            "P1M",
            "PT1.5M",
            "P1DT",
            "PT5S3M",
            "PT1H2H",
            "P1D1W",
        ] {
            assert_eq!(timespan(&json!(s)), None, "{s}");
        }
    }

    #[test]
    fn parses_iso_durations() {
        let cases: [(&str, i64); 8] = [
            ("PT30M", 30 * TICKS_PER_MINUTE),
            ("P7D", 7 * TICKS_PER_DAY),
            ("-PT5M", -5 * TICKS_PER_MINUTE),
            (
                "P1DT2H3M4.5S",
                TICKS_PER_DAY + 2 * TICKS_PER_HOUR + 3 * TICKS_PER_MINUTE + 45_000_000,
            ),
            ("PT0S", 0),
            ("P1W", 7 * TICKS_PER_DAY),
            ("pt1h", TICKS_PER_HOUR),
            ("PT0.0000001S", 1),
        ];
        for (s, ticks) in cases {
            assert_eq!(
                timespan(&json!(s)),
                Some(TimeSpan::from_ticks(ticks)),
                "{s}"
            );
        }
    }

    #[test]
    fn parses_convertto_json_timespan_objects() {
        let full = json!({
            "Ticks": 18_000_000_000i64, "Days": 0, "Hours": 0, "Milliseconds": 0, "Minutes": 30,
            "Seconds": 0, "TotalDays": 0.020833333333333332, "TotalHours": 0.5,
            "TotalMilliseconds": 1_800_000.0, "TotalMinutes": 30.0, "TotalSeconds": 1800.0
        });
        let want = Some(TimeSpan::from_seconds(1800));
        assert_eq!(timespan(&full), want);
        assert_eq!(timespan(&json!({"ticks": 18_000_000_000i64})), want);
        assert_eq!(timespan(&json!({"TotalMilliseconds": 1_800_000.0})), want);
        assert_eq!(timespan(&json!({"TotalSeconds": 1800})), want);
        assert_eq!(timespan(&json!({"Minutes": 30})), want);
        assert_eq!(
            timespan(&json!({"Days": 7, "Hours": 0})),
            Some(TimeSpan::from_seconds(7 * 86_400))
        );
        assert_eq!(timespan(&json!({"value": "00:30:00"})), want);
        // Ticks wins even when the totals disagree.
        assert_eq!(
            timespan(&json!({"Ticks": 10, "TotalSeconds": 99})),
            Some(TimeSpan::from_ticks(10))
        );
    }

    #[test]
    fn unreadable_timespans_are_none() {
        for v in [
            json!(null),
            json!(1800),
            json!(true),
            json!({}),
            json!({"Ticks": "x", "Foo": 1}),
            json!({"TotalSeconds": "nan"}),
            json!({"TotalSeconds": 1e300}),
            json!({"Days": 1e18}),
        ] {
            assert_eq!(timespan(&v), None, "{v}");
        }
    }

    #[test]
    fn formats_like_dotnet_constant_format() {
        assert_eq!(TimeSpan::from_seconds(1800).to_string(), "00:30:00");
        assert_eq!(TimeSpan::from_seconds(7 * 86_400).to_string(), "7.00:00:00");
        assert_eq!(TimeSpan::from_seconds(-300).to_string(), "-00:05:00");
        assert_eq!(TimeSpan::ZERO.to_string(), "00:00:00");
        assert_eq!(
            TimeSpan::parse("1.02:03:04.5").unwrap().to_string(),
            "1.02:03:04.5000000"
        );
        assert_eq!(
            TimeSpan::from_ticks(i64::MAX).to_string(),
            "10675199.02:48:05.4775807"
        );
        assert_eq!(
            TimeSpan::from_ticks(i64::MIN).to_string(),
            "-10675199.02:48:05.4775808"
        );
    }

    #[test]
    fn timespan_serde_round_trip() {
        let x = TimeSpan::parse("7.00:00:00").unwrap();
        assert_eq!(serde_json::to_value(x).unwrap(), json!("7.00:00:00"));
        assert_eq!(serde_json::from_value::<TimeSpan>(json!("P7D")).unwrap(), x);
        assert_eq!(x.as_millis(), 7 * MILLIS_PER_DAY);
    }
}
