//! Lenient readers for the values ADSync cmdlets return, over `serde_json::Value`.
//!
//! The same property reaches us in several shapes depending on the path it took (live object,
//! remoting's deserialized property bag, `ConvertTo-Json` in PowerShell 7, Windows PowerShell
//! 5.1's JSON, .NET XML serialization); see `docs/adsync.md`. Each reader accepts all of them and
//! answers `None` for anything it cannot read, so that a surprising shape degrades to "unknown"
//! instead of failing the whole operation. None of them panics on any input.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

const MILLIS_PER_SECOND: i64 = 1_000;
const MILLIS_PER_DAY: i64 = 86_400_000;
const TICKS_PER_MILLI: i64 = 10_000;
const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// Nesting depth up to which wrappers (`{"value": ...}`, nested arrays) are unwrapped; bounds
/// recursion on hostile input.
const MAX_WRAPPER_DEPTH: usize = 4;

// ---------------------------------------------------------------------------------------------
// Property lookup

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
fn wrapped(value: &Value) -> Option<&Value> {
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

// ---------------------------------------------------------------------------------------------
// Booleans, strings, numbers, enums

/// A Boolean from `true`/`false`, `"True"`/`"False"` in any casing, `0`/`1` or `"0"`/`"1"`.
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
            if s.eq_ignore_ascii_case("true") || s == "1" {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") || s == "0" {
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

/// An integer from a JSON number (integral floats included) or a numeric string.
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f >= i64::MIN as f64 && f <= i64::MAX as f64).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float(value: &Value) -> Option<f64> {
    let f = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

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

// ---------------------------------------------------------------------------------------------
// UtcTime

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

/// A tiny cursor over ASCII bytes for the hand-written parsers below.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` digits.
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    }

    /// One or more digits, as a string slice.
    fn digits(&mut self) -> Option<&'a str> {
        let start = self.pos;
        while matches!(self.peek(), Some(b) if b.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos > start).then(|| std::str::from_utf8(&self.bytes[start..self.pos]).ok())?
    }
}

/// Up to `scale` leading digits of a fraction as an integer in units of 10^-scale; further
/// digits are dropped (truncation, as .NET does when it rounds down to a tick).
fn fraction(digits: &str, scale: usize) -> i64 {
    let mut value = 0i64;
    for i in 0..scale {
        let d = digits.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value * 10 + d;
    }
    value
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

// ---------------------------------------------------------------------------------------------
// TimeSpan

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

    fn t(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> UtcTime {
        UtcTime::from_civil(y, mo, d, h, mi, s, ms).unwrap()
    }

    // ---- lookup and wrappers

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

    // ---- booleans, enums

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

    #[test]
    fn strings_unwrap_value_objects() {
        assert_eq!(string(&json!("host")), Some("host"));
        assert_eq!(string(&json!({"value": "host"})), Some("host"));
        assert_eq!(string(&json!(1)), None);
    }

    // ---- UtcTime

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

    // ---- TimeSpan

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
