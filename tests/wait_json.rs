//! The JSON facade the C ABI uses: exact shapes in and out, and no panics on bad input.

use idle_entraconnect::failure::FailureClass;
use idle_entraconnect::wait::WaitMachine;
use serde_json::{json, Value};

fn step(m: &mut WaitMachine, now: u64, input: Value) -> Value {
    let out = m.handle_json(now, &input.to_string());
    serde_json::from_str(&out).expect("decisions are JSON")
}

fn event_types(d: &Value) -> Vec<String> {
    d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

/// Data-only: strings, numbers, booleans and lists of strings.
fn assert_data_only(d: &Value) {
    for e in d["events"].as_array().unwrap() {
        assert!(e["message"].is_string());
        for (k, v) in e["data"].as_object().unwrap() {
            let ok = match v {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
                Value::Array(items) => items.iter().all(Value::is_string),
                _ => false,
            };
            assert!(ok, "event data {k} = {v} is not data-only");
        }
    }
}

#[test]
fn a_full_wait_in_json() {
    let mut m = WaitMachine::from_config_json(
        r#"{"wait":true,"timeoutSeconds":300,"pollIntervalSeconds":15,"policyType":"Delta"}"#,
    )
    .unwrap();
    let d: Value = serde_json::from_str(&m.start_json(1_000)).unwrap();
    assert_eq!(
        d,
        json!({"action":"readState","afterMs":0,"purpose":"baseline","events":[]})
    );

    // The scheduler's object as PowerShell 7 and 5.1 write it.
    let d = step(
        &mut m,
        1_200,
        json!({"kind":"baseline","state":{"InProgress":false,"State":"Idle","Details":{
            "NextSyncCycleStartTimeInUTC":"2024-05-01T10:30:00Z",
            "StagingModeEnabled":false,"SchedulerSuspended":"False"}}}),
    );
    assert_eq!(d["action"], "trigger");
    assert_eq!(d["afterMs"], 0);
    assert_eq!(d["attempt"], 1);
    assert!(d.get("progress").is_none());

    let d = step(
        &mut m,
        2_000,
        json!({"kind":"triggered","result":{"Started":true,"Message":"Result: Success","Details":null}}),
    );
    assert_eq!(d["action"], "poll");
    assert_eq!(d["afterMs"], 15_000);
    assert_eq!(d["attempt"], 1);
    assert_eq!(d["reason"], "poll");
    assert_eq!(d["progress"]["elapsedMs"], 1_000);
    assert!(d["progress"].get("percent").is_none());
    assert_eq!(d["progress"]["secondsRemaining"], 300);
    assert_eq!(
        event_types(&d),
        ["DirectorySyncTriggered", "DirectorySyncWaiting"]
    );
    assert_eq!(d["events"][0]["data"]["providerMessage"], "Result: Success");
    assert_eq!(d["events"][0]["data"]["policyType"], "Delta");
    assert_eq!(d["events"][1]["data"]["timeoutSeconds"], 300);
    assert_eq!(d["events"][1]["data"]["reason"], "TriggeredCycle");
    assert_data_only(&d);

    let d = step(
        &mut m,
        17_000,
        json!({"kind":"state","state":{"InProgress":true,"State":"InProgress","Details":{
            "NextSyncCycleStartTimeInUTC":"\\/Date(1714559400000)\\/"}}}),
    );
    assert_eq!(d["action"], "poll");
    assert_eq!(event_types(&d), ["DirectorySyncPoll"]);
    let poll = &d["events"][0]["data"];
    assert_eq!(poll["attempt"], 1);
    assert_eq!(poll["state"], "InProgress");
    assert_eq!(poll["inProgress"], true);
    assert_eq!(poll["elapsedMs"], 16_000);
    assert_eq!(poll["elapsedSeconds"], 16);
    assert_eq!(poll["startObserved"], true);
    assert_eq!(d["progress"]["elapsedMs"], 16_000);

    let d = step(
        &mut m,
        32_000,
        json!({"kind":"state","state":{"InProgress":false,"State":"idle","Details":{
            "NextSyncCycleStartTimeInUTC":"2024-05-01T11:00:00.0000000Z"}}}),
    );
    assert_eq!(d["action"], "done");
    assert_eq!(
        d["result"],
        json!({"started":true,"waited":true,"startObserved":true,"evidence":"InProgressObserved",
               "attempts":2,"triggerAttempts":1,"elapsedMs":31_000,"warnings":[],
               "lastState":"Idle","stagingMode":false,"policyType":"Delta",
               "runHistory":"NotSupported","runSummary":[]})
    );
    assert_eq!(
        event_types(&d),
        ["DirectorySyncPoll", "DirectorySyncCompleted"]
    );
    let completed = &d["events"][1]["data"];
    assert_eq!(completed["attempts"], 2);
    assert_eq!(completed["elapsedSeconds"], 31);
    assert_eq!(completed["warnings"], json!([]));
    assert_eq!(completed["evidence"], "InProgressObserved");
    assert_data_only(&d);
}

#[test]
fn fail_decisions_carry_the_failure_json() {
    let mut m = WaitMachine::from_config_json(r#"{"wait":false}"#).unwrap();
    m.start_json(0);
    let d = step(
        &mut m,
        10,
        json!({"kind":"triggerFailed","failure":{"class":"CycleBusy","errorId":"IdLE.DirectorySync.CycleBusy",
               "category":"ResourceBusy","transient":true,
               "message":"A sync cycle is already running on the server.",
               "remoteMessage":"Connector: contoso.onmicrosoft.com - AAD is busy."}}),
    );
    assert_eq!(
        d["failure"],
        json!({"class":"CycleBusy","errorId":"IdLE.DirectorySync.CycleBusy","category":"ResourceBusy",
               "transient":true,"message":"A sync cycle is already running on the server.",
               "remoteMessage":"Connector: contoso.onmicrosoft.com - AAD is busy."})
    );
    assert_eq!(d["action"], "fail");
    assert_eq!(d["lastState"], "Unknown");
    assert_eq!(d["attempts"], 0);
    assert_eq!(d["elapsedMs"], 10);
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
    let data = &d["events"][0]["data"];
    assert_eq!(data["class"], "CycleBusy");
    assert_eq!(data["errorId"], "IdLE.DirectorySync.CycleBusy");
    assert_eq!(data["category"], "ResourceBusy");
    assert_data_only(&d);
}

#[test]
fn malformed_input_fails_internal_once_and_never_panics() {
    let bad_inputs = [
        "",
        "not json",
        "[]",
        "null",
        "{}",
        r#"{"kind":"nap"}"#,
        r#"{"kind":"state"}"#,
        r#"{"kind":"state","state":[1,2]}"#,
        r#"{"kind":"triggerFailed","failure":{"class":"Gremlins","message":"x"}}"#,
    ];
    for bad in bad_inputs {
        let mut m = WaitMachine::from_config_json(r#"{"wait":true}"#).unwrap();
        m.start_json(0);
        let d: Value = serde_json::from_str(&m.handle_json(5, bad)).unwrap();
        assert_eq!(d["action"], "fail", "{bad}");
        assert_eq!(d["failure"]["class"], "Internal", "{bad}");
        assert_eq!(d["failure"]["errorId"], "IdLE.DirectorySync.InternalError");
        let msg = d["failure"]["message"].as_str().unwrap();
        assert!(msg.ends_with('.'), "{msg}");
        assert!(msg.contains("defect"), "{msg}");
        assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
        // The run is over: the same decision again, with no second Failed event.
        let again: Value = serde_json::from_str(&m.handle_json(6, r#"{"kind":"cancel"}"#)).unwrap();
        assert_eq!(again["failure"], d["failure"]);
        assert_eq!(again["events"], json!([]));
        let again: Value = serde_json::from_str(&m.handle_json(7, "garbage")).unwrap();
        assert_eq!(again["events"], json!([]));
    }
}

#[test]
fn out_of_order_json_fails_internal() {
    let mut m = WaitMachine::from_config_json(r#"{"wait":true}"#).unwrap();
    m.start_json(0);
    let d = step(
        &mut m,
        1,
        json!({"kind":"triggered","result":{"Started":true,"Message":"ok"}}),
    );
    assert_eq!(d["failure"]["class"], "Internal");
    assert!(d["failure"]["message"]
        .as_str()
        .unwrap()
        .contains("'triggered' input"));

    let mut m = WaitMachine::from_config_json("{}").unwrap();
    let d = step(&mut m, 0, json!({"kind":"state","state":{"State":"Idle"}}));
    assert_eq!(d["failure"]["class"], "Internal");
    assert!(d["failure"]["message"]
        .as_str()
        .unwrap()
        .contains("had not been started"));
}

#[test]
fn start_can_also_be_sent_as_an_input() {
    let mut m = WaitMachine::from_config_json("{}").unwrap();
    let d = step(&mut m, 0, json!({"kind":"start"}));
    assert_eq!(d["action"], "trigger");
}

#[test]
fn config_errors_name_the_powershell_key() {
    let f = WaitMachine::from_config_json(r#"{"wait":true,"timeoutSeconds":-5}"#).unwrap_err();
    assert_eq!(f.class, FailureClass::InvalidInput);
    assert!(f.message.contains("TimeoutSeconds"));
    let f = WaitMachine::from_config_json(r#"{"pollIntervalSeconds":"often"}"#).unwrap_err();
    assert!(f.message.contains("PollIntervalSeconds"));
    let f = WaitMachine::from_config_json("nope").unwrap_err();
    assert_eq!(f.class, FailureClass::Internal);
}

/// With the step's `ComputerName` (IdLE's next contract) the triggered event names the server,
/// checked and trimmed; without it the event has no such key.
#[test]
fn the_triggered_event_names_the_computer_when_the_step_gives_one() {
    for (config, expected) in [
        (
            r#"{"policyType":"Delta","computerName":"  ec01.contoso.com "}"#,
            Some("ec01.contoso.com"),
        ),
        (r#"{"policyType":"Delta"}"#, None),
    ] {
        let mut m = WaitMachine::from_config_json(config).unwrap();
        let d: Value = serde_json::from_str(&m.start_json(0)).unwrap();
        assert_eq!(d["action"], "trigger");
        let d = step(
            &mut m,
            10,
            json!({"kind":"triggered","result":{"Started":true,"Message":"accepted"}}),
        );
        // Without Wait the step completes at once: Triggered, then Completed.
        assert_eq!(
            event_types(&d),
            vec!["DirectorySyncTriggered", "DirectorySyncCompleted"]
        );
        assert_data_only(&d);
        let data = &d["events"][0]["data"];
        assert_eq!(data.get("computerName").and_then(Value::as_str), expected);
    }
}
