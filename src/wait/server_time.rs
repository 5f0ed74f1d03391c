//! Times read from the **server's** clock (e.g. `NextSyncCycleStartTimeInUTC`).
//!
//! The wait machine never compares a server time with the host's clock: the two may differ by
//! hours. Server times are only compared with other server times.
//!
//! [`parse_server_time`] is the single function through which the wait machine reads a server
//! date; it uses the same lenient reader as the provider ([`crate::adsync::values::datetime`]),
//! so every shape the provider accepts is understood here too.

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
    crate::adsync::values::datetime(value).map(|t| ServerTime(t.unix_millis()))
}

/// [`parse_server_time`] for text.
pub fn parse_server_time_text(text: &str) -> Option<ServerTime> {
    parse_server_time(&Value::String(text.to_owned()))
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
