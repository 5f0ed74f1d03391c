//! Points in time: [`UtcTime`] and the DateTime shapes it is read from (ISO 8601, `/Date(..)/`,
//! .NET ticks, PowerShell wrapper objects).

use super::cursor::{fraction, Cursor};
use super::lookup::prop;
use super::scalars::integer;
use super::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// A point in time, in milliseconds since the Unix epoch, UTC.
///
/// Serializes as an ISO-8601 string ending in `Z`; deserializes from every DateTime shape
/// [`datetime`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(i64);

impl UtcTime {
    pub const UNIX_EPOCH: UtcTime = UtcTime(0);

    pub const fn from_unix_millis(millis: i64) -> Self {
        UtcTime(millis)
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// The system clock's current time. Decisions take time as an argument; this is for the
    /// outer layer that supplies it.
    pub fn now() -> Self {
        use std::time::{SystemTime, UNIX_EPOCH};
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => UtcTime(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => UtcTime(-i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX)),
        }
    }

    /// A civil UTC date and time; `None` when a field is out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        millis: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || millis > 999
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let in_day = ((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second))
            * MILLIS_PER_SECOND
            + i64::from(millis);
        days.checked_mul(MILLIS_PER_DAY)?
            .checked_add(in_day)
            .map(UtcTime)
    }

    /// From .NET ticks (100 ns since 0001-01-01T00:00:00).
    pub fn from_dotnet_ticks(ticks: i64) -> Self {
        UtcTime((ticks - UNIX_EPOCH_TICKS).div_euclid(TICKS_PER_MILLI))
    }

    /// This time moved by `millis` (saturating).
    pub fn add_millis(self, millis: i64) -> Self {
        UtcTime(self.0.saturating_add(millis))
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn millis_since(self, earlier: UtcTime) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Parses any string shape [`datetime`] accepts.
    pub fn parse(text: &str) -> Option<Self> {
        parse_ms_json_date(text).or_else(|| parse_iso_datetime(text))
    }

    /// The ISO-8601 form: `2026-01-02T03:04:05Z`, with `.fff` before the `Z` when the
    /// milliseconds are not zero.
    pub fn to_iso(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MILLIS_PER_DAY);
        let in_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let millis = in_day % 1000;
        let secs = in_day / 1000;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            year,
            month,
            day,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        f.write_str("Z")
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        datetime(&value).ok_or_else(|| serde::de::Error::custom("not a recognised date and time"))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A DateTime in any shape: ISO-8601 (`Z`, an offset, or no zone, which is taken as UTC since
/// ADSync's times are UTC), Microsoft JSON `/Date(ms)/` with or without escaped slashes and
/// offset suffix, Windows PowerShell 5.1's `{"value":"/Date(..)/","DisplayHint":..,
/// "DateTime":".."}`, or an object carrying .NET `Ticks`.
pub fn datetime(value: &Value) -> Option<UtcTime> {
    datetime_at(value, 0)
}

fn datetime_at(value: &Value, depth: usize) -> Option<UtcTime> {
    match value {
        Value::String(s) => UtcTime::parse(s),
        Value::Object(_) if depth < MAX_WRAPPER_DEPTH => {
            if let Some(inner) = prop(value, "value") {
                return datetime_at(inner, depth + 1);
            }
            // `DateTime` in the 5.1 form is a display string in the server's culture; it is
            // only worth trying when nothing better is there, and only ISO is accepted from it.
            if let Some(t) = prop(value, "Ticks").and_then(integer).filter(|t| *t >= 0) {
                return Some(UtcTime::from_dotnet_ticks(t));
            }
            prop(value, "DateTime").and_then(|v| datetime_at(v, depth + 1))
        }
        _ => None,
    }
}

/// `/Date(1649391053843)/`, `\/Date(1649391053843)\/`, `/Date(1649391053843+0100)/`. The
/// number is UTC milliseconds; the offset only says which zone the writer was in.
fn parse_ms_json_date(text: &str) -> Option<UtcTime> {
    let t = text.trim();
    let t = t.strip_prefix('\\').unwrap_or(t);
    let t = t.strip_prefix('/')?;
    let (head, rest) = (t.get(..5)?, t.get(5..)?);
    if !head.eq_ignore_ascii_case("Date(") {
        return None;
    }
    let inner = rest
        .strip_suffix(")\\/")
        .or_else(|| rest.strip_suffix(")/"))?;
    let (sign, digits) = match inner.as_bytes().first()? {
        b'-' => (-1i64, &inner[1..]),
        b'+' => (1, &inner[1..]),
        _ => (1, inner),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let (number, offset) = digits.split_at(end);
    if number.is_empty() || number.len() > 18 {
        return None;
    }
    if !offset.is_empty() {
        // By character, not byte: the text after the digits may be anything, multi-byte too.
        let o_digits = offset.strip_prefix(['+', '-'])?;
        if o_digits.len() != 4 || !o_digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let millis: i64 = number.parse().ok()?;
    Some(UtcTime(sign * millis))
}

/// ISO-8601 `YYYY-MM-DD[(T| )hh:mm[:ss[.f{1,9}]]][Z|±hh[:]mm|±hh]`; no zone means UTC.
fn parse_iso_datetime(text: &str) -> Option<UtcTime> {
    let mut c = Cursor::new(text.trim());
    let year = c.fixed(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.fixed(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.fixed(2)?;
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut offset_minutes = 0i64;
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return None;
        }
        hour = c.fixed(2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.fixed(2)?;
        if c.eat(b':') {
            second = c.fixed(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let digits = c.digits()?;
                if digits.len() > 9 {
                    return None;
                }
                millis = fraction(digits, 3) as u32;
            }
        }
        match c.peek() {
            None => {}
            Some(b'Z' | b'z') => c.pos += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.pos += 1;
                let oh = c.fixed(2)?;
                c.eat(b':');
                let om = if c.done() { 0 } else { c.fixed(2)? };
                if oh > 14 || om > 59 {
                    return None;
                }
                let total = i64::from(oh * 60 + om);
                offset_minutes = if sign == b'-' { -total } else { total };
            }
            Some(_) => return None,
        }
    }
    if !c.done() {
        return None;
    }
    let local = UtcTime::from_civil(i64::from(year), month, day, hour, minute, second, millis)?;
    Some(local.add_millis(-offset_minutes * 60_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> UtcTime {
        UtcTime::from_civil(y, mo, d, h, mi, s, ms).unwrap()
    }
    #[test]
    fn civil_round_trip_over_a_wide_range() {
        for days in (-800_000i64..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn formats_iso_z() {
        assert_eq!(UtcTime::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            UtcTime::from_unix_millis(1_649_391_053_843).to_iso(),
            "2022-04-08T04:10:53.843Z"
        );
        assert_eq!(
            UtcTime::from_unix_millis(-1).to_iso(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            t(2024, 2, 29, 23, 59, 59, 0).to_iso(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(t(1, 1, 1, 0, 0, 0, 0).to_iso(), "0001-01-01T00:00:00Z");
        assert_eq!(
            t(9999, 12, 31, 23, 59, 59, 999).to_iso(),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn extreme_millis_format_without_panicking() {
        for ms in [i64::MIN, i64::MAX, i64::MIN + 1] {
            let s = UtcTime::from_unix_millis(ms).to_iso();
            assert!(s.ends_with('Z'));
        }
    }

    #[test]
    fn parses_iso_in_every_zone_form() {
        let want = t(2026, 3, 14, 10, 20, 30, 0);
        for s in [
            "2026-03-14T10:20:30Z",
            "2026-03-14T10:20:30z",
            "2026-03-14T10:20:30",
            "2026-03-14 10:20:30",
            "2026-03-14T11:20:30+01:00",
            "2026-03-14T11:20:30+0100",
            "2026-03-14T11:20:30+01",
            "2026-03-14T05:20:30-05:00",
            "2026-03-14T10:20:30.0000000Z",
            "  2026-03-14T10:20:30Z  ",
        ] {
            assert_eq!(datetime(&json!(s)), Some(want), "{s}");
        }
        assert_eq!(
            datetime(&json!("2026-03-14T10:20:30.1234567Z")),
            Some(want.add_millis(123))
        );
        assert_eq!(
            datetime(&json!("2026-03-14T10:20:30.5+02:00")),
            Some(want.add_millis(500 - 2 * 3_600_000))
        );
        assert_eq!(
            datetime(&json!("2026-03-14T10:20Z")),
            Some(want.add_millis(-30_000))
        );
        assert_eq!(
            datetime(&json!("2026-03-14")),
            Some(t(2026, 3, 14, 0, 0, 0, 0))
        );
    }

    #[test]
    fn offset_crossing_midnight_and_year() {
        assert_eq!(
            datetime(&json!("2026-01-01T00:30:00+01:00")),
            Some(t(2025, 12, 31, 23, 30, 0, 0))
        );
    }

    #[test]
    fn rejects_bad_iso() {
        for s in [
            "",
            "2026",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-01-01T23:59:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.1234567890Z",
            "2026-01-01T00:00:00+25:00",
            "2026-01-01T00:00:00Zjunk",
            "2026-01-01X00:00:00",
            "26-01-01T00:00:00Z",
            "Friday, April 8, 2022 4:10:53 AM",
            "２０２６-01-01",
        ] {
            assert_eq!(datetime(&json!(s)), None, "{s}");
        }
    }

    #[test]
    fn parses_microsoft_json_dates() {
        let want = Some(UtcTime::from_unix_millis(1_649_391_053_843));
        // After JSON decoding `"\/Date(..)\/"` is `/Date(..)/`; doubly escaped text keeps the
        // backslashes. Both must read.
        let decoded: Value = serde_json::from_str(r#""\/Date(1649391053843)\/""#).unwrap();
        assert_eq!(datetime(&decoded), want);
        assert_eq!(datetime(&json!("/Date(1649391053843)/")), want);
        assert_eq!(datetime(&json!(r"\/Date(1649391053843)\/")), want);
        assert_eq!(datetime(&json!("/Date(1649391053843+0100)/")), want);
        assert_eq!(datetime(&json!(r"\/Date(1649391053843-0500)\/")), want);
        assert_eq!(
            datetime(&json!("/Date(-1000)/")),
            Some(UtcTime::from_unix_millis(-1000))
        );
        for bad in [
            "/Date()/",
            "/Date(12a)/",
            "/Date(1+01)/",
            // Multi-byte text after the digits (a Unicode minus, a letter): unknown, no panic.
            "/Date(1649391053843\u{2212}0200)/",
            "/Date(1é)/",
            "Date(1)",
            "/Date(1)",
            "/Date(99999999999999999999)/",
        ] {
            assert_eq!(datetime(&json!(bad)), None, "{bad}");
        }
    }

    #[test]
    fn parses_ps51_datetime_object() {
        let raw = r#"{"value":"\/Date(1649391053843)\/","DisplayHint":2,"DateTime":"Friday, April 8, 2022 4:10:53 AM"}"#;
        let v: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(
            datetime(&v),
            Some(UtcTime::from_unix_millis(1_649_391_053_843))
        );
        // Only the display string: usable when it happens to be ISO, never guessed otherwise.
        assert_eq!(
            datetime(&json!({"DisplayHint": 2, "DateTime": "2022-04-08T04:10:53Z"})),
            Some(t(2022, 4, 8, 4, 10, 53, 0))
        );
        assert_eq!(
            datetime(&json!({"DisplayHint": 2, "DateTime": "Friday, April 8, 2022"})),
            None
        );
    }

    #[test]
    fn parses_ticks_object() {
        assert_eq!(
            datetime(&json!({"Ticks": 621_355_968_000_000_000i64, "Kind": 1})),
            Some(UtcTime::UNIX_EPOCH)
        );
    }

    #[test]
    fn non_strings_are_not_dates() {
        for v in [
            json!(null),
            json!(1_649_391_053_843i64),
            json!(true),
            json!([]),
            json!({}),
        ] {
            assert_eq!(datetime(&v), None, "{v}");
        }
    }

    #[test]
    fn utctime_serde_round_trip() {
        let x = t(2026, 5, 6, 7, 8, 9, 10);
        let s = serde_json::to_value(x).unwrap();
        assert_eq!(s, json!("2026-05-06T07:08:09.010Z"));
        let back: UtcTime = serde_json::from_value(s).unwrap();
        assert_eq!(back, x);
        assert!(serde_json::from_value::<UtcTime>(json!("soon")).is_err());
    }

    #[test]
    fn now_is_after_2020() {
        assert!(UtcTime::now() > t(2020, 1, 1, 0, 0, 0, 0));
    }
}
