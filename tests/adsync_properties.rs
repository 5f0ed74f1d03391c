//! Property tests: the lenient readers never panic, and the formats they write read back.

use idle_entraconnect::adsync::classify;
use idle_entraconnect::adsync::scheduler::SchedulerSettings;
use idle_entraconnect::adsync::start::parse_start_output;
use idle_entraconnect::adsync::values::{boolean, datetime, timespan};
use idle_entraconnect::adsync::{PolicyType, TimeSpan, UtcTime};
use idle_entraconnect::session::RemoteError;
use proptest::prelude::*;
use serde_json::{json, Value};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        "[-+/\\\\DdatePT0-9:.Z()]{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("value".to_owned()),
                        Just("Ticks".to_owned()),
                        Just("Result".to_owned()),
                        Just("SyncCycleInProgress".to_owned()),
                        Just("TotalSeconds".to_owned()),
                        Just("Days".to_owned()),
                        "[a-zA-Z]{1,8}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn readers_never_panic(v in any_json()) {
        let _ = datetime(&v);
        let _ = timespan(&v);
        let _ = boolean(&v);
        let _ = SchedulerSettings::from_output(std::slice::from_ref(&v));
        let _ = parse_start_output(std::slice::from_ref(&v));
    }

    #[test]
    fn string_readers_never_panic(s in "\\PC{0,60}") {
        let _ = UtcTime::parse(&s);
        let _ = TimeSpan::parse(&s);
        let _ = PolicyType::parse(&s);
        let f = classify(&[RemoteError { message: s.clone(), ..RemoteError::default() }]);
        prop_assert!(f.remote_message.map_or(0, |m| m.chars().count()) <= 1000);
    }

    #[test]
    fn utc_time_round_trips_through_iso(ms in -62_135_596_800_000i64..253_402_300_800_000i64) {
        let t = UtcTime::from_unix_millis(ms);
        prop_assert_eq!(UtcTime::parse(&t.to_iso()), Some(t));
        prop_assert_eq!(datetime(&json!(format!("/Date({ms})/"))), Some(t));
    }

    #[test]
    fn timespan_round_trips_through_its_format(ticks in any::<i64>()) {
        // i64::MIN has no positive counterpart, so .NET cannot read its text back either.
        prop_assume!(ticks != i64::MIN);
        let span = TimeSpan::from_ticks(ticks);
        prop_assert_eq!(TimeSpan::parse(&span.to_string()), Some(span));
        prop_assert_eq!(timespan(&json!({"Ticks": ticks})), Some(span));
    }

    #[test]
    fn only_delta_and_initial_are_policy_types(s in "[a-zA-Z ]{0,12}") {
        let ok = PolicyType::parse(&s).is_ok();
        let t = s.trim().to_ascii_lowercase();
        prop_assert_eq!(ok, t == "delta" || t == "initial");
    }
}
