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
        json!({"action":"readState","afterMs":0,"purpose":"baseline","events":[],
               "call":{"method":"GetSyncCycleState","arguments":[],"answer":"baseline",
                       "failed":"pollFailed"}})
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

fn step_machine(with: Value) -> WaitMachine {
    WaitMachine::for_step_json(
        &json!({"stepName": "Sync", "with": with, "dataLimits": {"maxDepth": 16, "maxValues": 10000}})
            .to_string(),
    )
}

#[test]
fn a_step_finds_its_provider_and_session_before_the_wait() {
    let mut m = step_machine(json!([["AuthSessionName", "EC"], ["PolicyType", "dElTa "],
        ["Wait", true], ["ComputerName", " sync01 "],
        ["authsessionoptions", {"table": true, "dataProblem": null}]]));
    let d = step(&mut m, 0, json!({"kind": "start"}));
    assert_eq!(
        d,
        json!({"action": "findProvider", "alias": "DirectorySync",
               "methods": ["StartSyncCycle", "GetSyncCycleState", "GetSyncCycleRuns"], "events": []})
    );
    let d = step(
        &mut m,
        1,
        json!({"kind": "provider", "found": true,
        "methods": ["StartSyncCycle", "GetSyncCycleState", "GetSyncCycleRuns"]}),
    );
    assert_eq!(
        d,
        json!({"action": "acquireSession", "name": "EC",
               "optionsKey": "authsessionoptions", "events": []})
    );
    let d = step(&mut m, 2, json!({"kind": "session"}));
    assert_eq!(d["action"], "readState");
    assert_eq!(d["call"]["arguments"], json!(["sync01"]));
    let d = step(
        &mut m,
        3,
        json!({"kind": "baseline", "answers": [{"State": "Idle"}]}),
    );
    // The provider has GetSyncCycleRuns: the reference comes before the trigger.
    assert_eq!(d["action"], "readRuns");
    assert_eq!(d["call"]["arguments"], json!([null, "sync01"]));
    let d = step(
        &mut m,
        4,
        json!({"kind": "runs", "answers": [{"Reference": {"RunHistoryId": "a"}, "Runs": []}]}),
    );
    assert_eq!(d["action"], "trigger");
    // The canonical policy type and the trimmed computer name, as the provider gets them.
    assert_eq!(
        d["call"],
        json!({"method": "StartSyncCycle", "arguments": ["Delta", "sync01"],
        "answer": "triggered", "failed": "triggerFailed"})
    );
    let d = step(&mut m, 5, json!({"kind": "triggered", "answers": []}));
    assert_eq!(d["action"], "fail");
    assert_eq!(d["failure"]["class"], "UnexpectedResponse");
    assert_eq!(
        d["failure"]["message"],
        "The provider's StartSyncCycle returned nothing; exactly one result object is expected."
    );
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
}

#[test]
fn a_refused_with_is_the_first_decision_with_one_failed_event() {
    let mut m = step_machine(json!([
        ["AuthSessionName", "EC"],
        ["PolicyType", "Delta"],
        ["Colour", "blue"]
    ]));
    let d = step(&mut m, 0, json!({"kind": "start"}));
    assert_eq!(d["action"], "fail");
    assert_eq!(
        d["failure"]["errorId"],
        "IdLE.DirectorySync.InvalidArgument"
    );
    assert!(d["failure"]["message"].as_str().unwrap().starts_with(
        "IdLE.Step.TriggerDirectorySync 'Sync': With.Colour is not a key of IdLE.Step.TriggerDirectorySync."));
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
    assert_eq!(d["events"][0]["message"], d["failure"]["message"]);
    assert_eq!(d["events"][0]["data"]["class"], "InvalidInput");
    assert_data_only(&d);
    // A range the wait configuration refuses is refused the same way.
    let mut m = step_machine(json!([
        ["AuthSessionName", "EC"],
        ["PolicyType", "Delta"],
        ["TimeoutSeconds", 0]
    ]));
    let d = step(&mut m, 0, json!({"kind": "start"}));
    assert!(d["failure"]["message"].as_str().unwrap().starts_with(
        "IdLE.Step.TriggerDirectorySync 'Sync': TimeoutSeconds must be between 1 and 86400"
    ));
}

#[test]
fn host_side_failures_are_inputs() {
    let with = json!([
        ["AuthSessionName", "EC"],
        ["PolicyType", "Delta"],
        ["Provider", "Mine"]
    ]);
    // No provider under the alias; a provider without GetSyncCycleState.
    for (facts, says) in [
        (
            json!({"kind": "provider", "found": false}),
            "no provider under the alias 'Mine'",
        ),
        (
            json!({"kind": "provider", "found": true, "methods": ["StartSyncCycle"]}),
            "has no method 'GetSyncCycleState'",
        ),
    ] {
        let mut m = step_machine(with.clone());
        step(&mut m, 0, json!({"kind": "start"}));
        let d = step(&mut m, 0, facts);
        assert_eq!(d["failure"]["class"], "InvalidInput");
        assert!(
            d["failure"]["message"].as_str().unwrap().contains(says),
            "{d}"
        );
        assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
    }
    let started = |m: &mut WaitMachine| {
        step(m, 0, json!({"kind": "start"}));
        step(
            m,
            0,
            json!({"kind": "provider", "found": true, "methods": ["StartSyncCycle", "GetSyncCycleState"]}),
        )
    };
    // The broker said no.
    let mut m = step_machine(with.clone());
    started(&mut m);
    let d = step(
        &mut m,
        0,
        json!({"kind": "sessionFailed", "message": "broker says no"}),
    );
    assert_eq!(d["failure"]["class"], "AuthSessionUnavailable");
    assert_eq!(d["failure"]["message"],
        "IdLE.Step.TriggerDirectorySync 'Sync': the host could not provide the AuthSession 'EC': broker says no");
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
    // A stop before the session was acquired ends quietly: nothing was started.
    let mut m = step_machine(with.clone());
    started(&mut m);
    let d = step(&mut m, 0, json!({"kind": "cancel"}));
    assert_eq!(d["failure"]["class"], "Cancelled");
    assert_eq!(event_types(&d), Vec::<String>::new());
    // The EventSink threw during the wait: Internal, once.
    let mut m = step_machine(with.clone());
    started(&mut m);
    step(&mut m, 0, json!({"kind": "session"}));
    let d = step(
        &mut m,
        0,
        json!({"kind": "hostFailed", "message": "sink down"}),
    );
    assert_eq!(d["failure"]["class"], "Internal");
    assert_eq!(
        d["failure"]["message"],
        "IdLE.Step.TriggerDirectorySync 'Sync' failed unexpectedly: sink down"
    );
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
    let again = step(
        &mut m,
        0,
        json!({"kind": "hostFailed", "message": "sink down again"}),
    );
    assert_eq!(again["failure"], d["failure"]);
    assert_eq!(event_types(&again), Vec::<String>::new());
    // After done whose events the host could not write: Internal, with its event.
    let mut m = step_machine(with);
    started(&mut m);
    step(&mut m, 0, json!({"kind": "session"}));
    let done = step(
        &mut m,
        0,
        json!({"kind": "triggered", "answers": [{"Started": true, "Message": "ok"}]}),
    );
    assert_eq!(done["action"], "done");
    let d = step(
        &mut m,
        0,
        json!({"kind": "hostFailed", "message": "sink down"}),
    );
    assert_eq!(d["failure"]["class"], "Internal");
    assert_eq!(event_types(&d), ["DirectorySyncFailed"]);
}

#[test]
fn an_own_result_is_read_strictly_and_a_mismatch_is_internal() {
    let mut m = WaitMachine::from_config_json(r#"{"wait":true}"#).unwrap();
    m.start_json(0);
    // What the lenient reader accepts from a foreign provider, our own result may not be.
    let d = step(
        &mut m,
        1,
        json!({"kind": "baseline", "own": {"State": "Idle"}}),
    );
    assert_eq!(d["action"], "fail");
    assert_eq!(d["failure"]["class"], "Internal");
    let message = d["failure"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "The provider's own GetSyncCycleState result does not match the core's layout"
        ),
        "{message}"
    );
    assert!(message.contains("InProgress"), "{message}");
}
