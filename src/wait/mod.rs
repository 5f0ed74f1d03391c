//! The sans-I/O wait machine: it decides, from the trigger result and each observed state,
//! when a triggered Entra Connect sync cycle has **really** finished.
//!
//! It never sleeps, never reads a clock and does no I/O. The step (PowerShell) calls the
//! provider, feeds every result in with the host's **monotonic** time in milliseconds
//! (`[Diagnostics.Stopwatch]`), sleeps as told (in short slices, so Ctrl+C is seen), emits the
//! events the machine lists, and stops at `done` or `fail`.
//!
//! # Driving loop (PowerShell sketch)
//!
//! ```text
//! $m = new(configJson)                       # fails: raise the Failure (InvalidInput names the key)
//! $d = start(now)
//! loop {
//!     emit every $d.events (in order), then
//!     switch ($d.action) {
//!       readState { sleep $d.afterMs; try { $s = GetSyncCycleState } ; input = baseline | pollFailed }
//!       trigger   { sleep $d.afterMs; try { $r = StartSyncCycle }    ; input = triggered | triggerFailed }
//!       poll      { sleep $d.afterMs; try { $s = GetSyncCycleState } ; input = state | pollFailed }
//!       readRuns  { sleep $d.afterMs; try { $r = GetSyncCycleRuns($d.since) } ; input = runs | runsFailed }
//!       done      { return the step result built from $d.result }
//!       fail      { throw an ErrorRecord built from $d.failure }
//!     }
//!     on Ctrl+C: input = cancel
//!     $d = handle(now, input)
//! }
//! ```
//!
//! # Configuration JSON
//!
//! ```json
//! {"wait": true, "timeoutSeconds": 600, "pollIntervalSeconds": 10, "startGraceSeconds": 60,
//!  "waitForRunningCycle": false, "policyType": "Delta"}
//! ```
//!
//! Every key is optional; keys match in any casing; `null` means "not given"; unknown keys are
//! rejected. Numbers may be strings (`"600"`), booleans may be `"True"`/`"False"`.
//!
//! | key | default | range | meaning |
//! |---|---|---|---|
//! | `wait` | `false` | | wait for the cycle to finish |
//! | `timeoutSeconds` | 600 | 1..=86400 | budget of the whole wait |
//! | `pollIntervalSeconds` | 10 (lowered to `timeoutSeconds` when not given) | 1..=3600, ≤ `timeoutSeconds` | pause between polls |
//! | `startGraceSeconds` | 60 (lowered to `timeoutSeconds` when not given) | 0..=`timeoutSeconds` | how long an idle server without any sign of the cycle counts as "not started yet" |
//! | `waitForRunningCycle` | `false` | | busy at trigger time: wait for the running cycle, then trigger again |
//! | `policyType` | none | `Delta` / `Initial` | used in messages and event data only |
//! | `runHistory` | `false` | | set by the step: the provider has `GetSyncCycleRuns` |
//! | `failOnRunErrors` | `false` | needs `wait` | a run that did not end `success` fails the wait (`RunErrors` / `RunStopped`) |
//!
//! A bad value fails with class `InvalidInput` and a message naming the PowerShell key
//! (`TimeoutSeconds`, `PollIntervalSeconds`, `StartGraceSeconds`, `Wait`,
//! `WaitForRunningCycle`, `PolicyType`, `FailOnRunErrors`, `RunHistory`). Text that is not a JSON object fails `Internal`.
//!
//! # Inputs (JSON, tagged by `kind`, any casing)
//!
//! ```json
//! {"kind": "start"}
//! {"kind": "baseline", "state": {"InProgress": false, "State": "Idle", "Details": {...}}}
//! {"kind": "triggered", "result": {"Started": true, "Message": "...", "Details": {...}}}
//! {"kind": "triggerFailed", "failure": {"class": "CycleBusy", "message": "...", "remoteMessage": "...", "transient": true}}
//! {"kind": "state", "state": {"InProgress": true, "State": "InProgress", "Details": null}}
//! {"kind": "pollFailed", "failure": {"class": "RemoteExecutionFailed", "message": "..."}}
//! {"kind": "runs", "runs": {"Reference": {"RunHistoryId": "...", "StartDate": "...Z"}, "Runs": [...], "Truncated": false}}
//! {"kind": "runsFailed", "failure": {"class": "PermissionDenied", "message": "..."}}
//! {"kind": "cancel"}
//! ```
//!
//! * `state`/`baseline`: the provider's `GetSyncCycleState` object as is. `State` is `Idle`,
//!   `InProgress` or `Unknown` in any casing (anything else is `Unknown`; a `State` that
//!   contradicts `InProgress` is `Unknown`; without `State` the boolean `InProgress` decides).
//!   `Details` may be null or missing. Read from `Details` (any casing):
//!   `NextSyncCycleStartTimeInUTC` (ISO-8601 or `/Date(ms)/`), `StagingModeEnabled`,
//!   `SchedulerSuspended` (bool or `"True"`/`"False"`), `LastRunHistoryId`, `LastRunEndUtc`.
//!   A `state` that is not an object is a defect (`Internal`); a provider that returned nothing
//!   must be fed as `pollFailed` with class `UnexpectedResponse`.
//!   After `readState`, `baseline` is expected; `state` is accepted there as a synonym.
//! * `failure`: exactly `Failure::to_json()`; only `class` is required (any casing); `errorId`,
//!   `category` and `transient` are ignored because they follow from the class. Beside it, an
//!   optional `redact` (an array of strings: the AuthSession's and its options' values) is masked
//!   in `message` and `remoteMessage` before they are cut, so that the step can pass a failure's
//!   text on as it came (docs/redaction.md).
//! * `runs`: the provider's `GetSyncCycleRuns` object as is: `Reference` (the newest entry,
//!   kept from a `reference` read and handed back as `since`), `Runs` (each in
//!   `Get-ADSyncRunProfileResult`'s shape, any order) and `Truncated`; keys in any casing.
//! * `cancel`: accepted at any time before the end; fails `Cancelled` (quietly, without an event,
//!   for a step's machine stopped before its session was acquired).
//!
//! A **step's machine** ([`WaitMachine::for_step`], `idle_ec_wait_new_step`) judges the step's
//! `With` (see the `with` module) and, before the wait, asks two more things of the step:
//!
//! ```json
//! {"action": "findProvider", "alias": "DirectorySync", "methods": ["StartSyncCycle", "GetSyncCycleState", "GetSyncCycleRuns"], "events": []}
//! {"action": "acquireSession", "name": "EC", "optionsKey": "AuthSessionOptions", "events": []}
//! ```
//!
//! answered by `{"kind": "provider", "found": true, "methods": [...]}` and `{"kind": "session"}`
//! or `{"kind": "sessionFailed", "message": "..."}`. `{"kind": "hostFailed", "message": "..."}`
//! (an EventSink that threw) is accepted at any time: `Internal`, with its one event.
//! Provider-call decisions carry `call`: `{"method", "arguments", "answer", "failed"}`. A result
//! input may carry `answers` (every object the method returned; not exactly one is
//! `UnexpectedResponse`) or `own` (the core's own result JSON, read strictly).
//!
//! # Decisions (JSON)
//!
//! ```json
//! {"action": "readState", "afterMs": 0, "purpose": "baseline", "events": []}
//! {"action": "readRuns", "afterMs": 0, "purpose": "reference"|"evidence"|"summary",
//!  "since": {"RunHistoryId": "...", "StartDate": "...Z"} | null, "events": [...]}
//! {"action": "trigger", "afterMs": 0, "attempt": 1, "events": [...]}
//! {"action": "poll", "afterMs": 10000, "attempt": 3, "reason": "poll",
//!  "progress": {"status": "Waiting for the Delta sync cycle to finish; the last state was InProgress.", "elapsedMs": 31000, "secondsRemaining": 570},
//!  "events": [...]}
//! {"action": "done", "result": {"started": true, "waited": true, "startObserved": true,
//!   "evidence": "InProgressObserved", "attempts": 9, "triggerAttempts": 1, "elapsedMs": 92000,
//!   "warnings": [{"code": "StagingModeEnabled", "message": "..."}], "lastState": "Idle",
//!   "stagingMode": true, "policyType": "Delta", "runHistory": "Read",
//!   "runSummary": [{"connector": "...", "result": "...", "resultClass": "...", ...}]}, "events": [...]}
//! {"action": "fail", "failure": {"class": "Timeout", "errorId": "IdLE.DirectorySync.Timeout",
//!   "category": "OperationTimeout", "transient": true, "message": "...", "remoteMessage": null},
//!  "lastState": "InProgress", "attempts": 60, "elapsedMs": 600000, "events": [...]}
//! ```
//!
//! * `trigger` carries `progress` when it comes after waiting for a running cycle.
//! * `poll.reason`: `poll`, `confirmIdle`, `retryAfterFailure`, `runningCycle`.
//! * `result.evidence`: `InProgressObserved`, `NextSyncCycleTimeMoved`, `RunHistoryChanged`,
//!   `RunHistoryEntry`, or null. Warning codes: `StartNotObserved`, `StagingModeEnabled`,
//!   `RunCompletedWithWarnings`, `RunCompletedWithErrors`, `RunStopped`, `RunNotStarted`,
//!   `RunResultUnknown`, `RunHistoryUnavailable`.
//! * `result.runHistory`: `Read`, `Unavailable`, `NotSupported`, `NotRead`; `result.runSummary`:
//!   per connector (see [`crate::adsync::run_history::ConnectorSummary::to_json`]).
//! * After `done`/`fail` every further input gets the same decision with no events.
//!
//! Each event: `{"type": "DirectorySyncPoll", "message": "<sentence>", "data": {...}}`; data
//! values are strings, numbers, booleans or lists of strings (and `runSummary`, a list of
//! objects of such values), never secrets.
//!
//! | type | when | data |
//! |---|---|---|
//! | `DirectorySyncTriggered` | the trigger was accepted | `triggerAttempt`, `wait`, `providerMessage`?, `policyType`? |
//! | `DirectorySyncWaiting` | once, with the first poll | `reason` (`TriggeredCycle`/`RunningCycle`), `timeoutSeconds`, `pollIntervalSeconds`, `startGraceSeconds`, `policyType`? |
//! | `DirectorySyncPoll` | each poll result | `attempt`, `state`, `inProgress`, `elapsedMs`, `elapsedSeconds`, `startObserved`, `phase`, `failed`, `failureClass`?, `stagingMode`?, `policyType`? |
//! | `DirectorySyncCompleted` | `done` | `waited`, `attempts`, `triggerAttempts`, `elapsedMs`, `elapsedSeconds`, `startObserved`, `evidence`, `warnings` (codes), `stagingMode`, `lastState`, `runHistory`, `runSummary`?, `policyType`? |
//! | `DirectorySyncFailed` | `fail`, exactly once | `class`, `errorId`, `category`, `transient`, `lastState`, `attempts`, `elapsedMs`, `elapsedSeconds`, `remoteMessage`?, `runHistory`? and `runSummary`? (run-result failures), `policyType`? |
//!
//! A full wait: `start` → `readState` · `baseline` → `trigger` · `triggered` → `poll`
//! [Triggered, Waiting] · `state` Idle → `poll` [Poll] · `state` InProgress → `poll` [Poll] ·
//! `state` Idle with a later `NextSyncCycleStartTimeInUTC` → `done` [Poll, Completed].
//!
//! # Rules
//!
//! 1. **Time.** `now_ms` is host-monotonic; an earlier value than one already seen is read as
//!    the latest. Server times are compared only with server times. Elapsed times count from
//!    `start`.
//! 2. **Baseline.** With `wait`, the machine first asks for a state (`readState`). It gives the
//!    server-side reference values and stops a suspended scheduler before the trigger. A failed
//!    baseline read of a class that retries reads (`FailureClass::retries_read`, the one rule in
//!    `failure.rs`: `RemoteExecutionFailed`, `UnexpectedResponse`, `CycleBusy`, `Timeout`) is
//!    skipped; another class fails at once. The trigger is always
//!    sent, even when the baseline shows a running cycle: the server's answer decides.
//! 3. **Deadline** = the time of the first trigger answer + `timeoutSeconds`: the acceptance, or
//!    the first busy answer when `waitForRunningCycle` applies (a later acceptance does not move
//!    it). No poll is scheduled past the deadline (the last one lands exactly on it). A result
//!    at or after the deadline that does not complete the wait fails `Timeout`, with the
//!    timeout in seconds and the last known state in the message.
//! 4. **Evidence** that the triggered cycle ran, compared with the values of the last state
//!    read before the accepted trigger (or, for a value that had none, the first value after;
//!    a baseline read `InProgress` gives no values, since that cycle may end just before ours
//!    is accepted and move them):
//!    `InProgress` seen after acceptance; `NextSyncCycleStartTimeInUTC` later than the
//!    reference (the scheduler moves it when a cycle completes); `LastRunHistoryId` different
//!    or `LastRunEndUtc` later (a run profile ended).
//! 5. **Completion** happens only on an `Idle` read:
//!    - the next-cycle time moved → done at once;
//!    - else, `InProgress` was seen or the run history moved → the idle read must be
//!      **confirmed** by the next read being `Idle` too with the same run-history values
//!      (the server drops out of busy between run profiles). The confirming poll is asked
//!      after min(`pollIntervalSeconds`, 2 s). A non-idle read in between starts over (a
//!      failed read keeps the confirmation pending);
//!    - else (no evidence) → keep polling until `startGraceSeconds` after acceptance have
//!      passed, then done with the `StartNotObserved` warning — never silently. When the
//!      deadline comes first (possible only after a busy retrigger), `Timeout`.
//! 6. **Unknown** reads count as neither idle nor in progress: keep polling (they break a
//!    pending confirmation).
//! 7. **Poll failures** of a class that retries reads (`FailureClass::retries_read`:
//!    `RemoteExecutionFailed`, `UnexpectedResponse`, `CycleBusy`, `Timeout`) are retried after the poll interval (the confirmation delay when
//!    a confirmation is pending) within the deadline; the 5th in a row fails with that class.
//!    Any other class (`PermissionDenied`, `AdSyncUnavailable`, `InvalidInput`,
//!    `SchedulerSuspended`, `Internal`, `Cancelled`) fails at once, passed through unchanged.
//! 8. **SchedulerSuspended** true in any read fails `SchedulerSuspended`, unless that same read
//!    completes the wait.
//! 9. **Staging mode** in any read adds the `StagingModeEnabled` warning to `done`.
//! 10. **Busy trigger**: `CycleBusy` fails (passed through) unless `waitForRunningCycle`; then
//!     poll until a read is `Idle` (no evidence needed for the old cycle), trigger again, and
//!     repeat on every further busy answer, all within the one deadline. This applies with
//!     `wait` false too; the machine then stops after the accepted trigger. A trigger failing
//!     with any other class, or answering `Started: false` (`UnexpectedResponse`), fails at once.
//! 11. **wait = false**: `start` → `trigger`; `triggered` → `done` (waited false) with
//!     [Triggered, Completed].
//! 12. **Failures** end the run with exactly one `DirectorySyncFailed` event; malformed or
//!     out-of-order input fails `Internal`; `cancel` fails `Cancelled`.
//! 13. **Run history** (`runHistory` and `wait`): before each trigger a `readRuns`
//!     (`reference`) takes the newest entry as the reference; a failed or reference-less answer
//!     turns the run history off for the wait. On an idle read without other evidence (rule 5's
//!     last case) a `readRuns` (`evidence`) is asked at once, at most
//!     [`MAX_RUN_HISTORY_EVIDENCE_READS`] times per wait, the last kept for the end of the
//!     start-grace window. A run since the reference is evidence (`RunHistoryEntry`): one still
//!     in progress keeps polling; finished ones make that idle read pending confirmation as in
//!     rule 5. None: as rule 5 (at the end of the window, `StartNotObserved`, and that read is the
//!     summary). Completion asks one `readRuns` (`summary`) before `done`; its failure completes
//!     with `RunHistoryUnavailable`. Runs since the reference that did not end `success` add one
//!     warning each; with `failOnRunErrors` they fail `RunStopped` (any `stopped-*`/`no-start-*`)
//!     or `RunErrors`. `failOnRunErrors` without `runHistory` completes with
//!     `RunHistoryUnavailable`. Per wait with one trigger: at most 5 run-history reads (2 for a
//!     cycle seen in progress), plus one per busy re-trigger.

mod config;
mod decision;
mod events;
mod input;
mod json;
mod machine;
mod observation;
mod own;
mod render;
mod server_time;
mod with;

pub use crate::adsync::SyncState;
pub use config::{
    PolicyType, WaitConfig, DEFAULT_POLL_INTERVAL_SECONDS, DEFAULT_START_GRACE_SECONDS,
    DEFAULT_TIMEOUT_SECONDS, MAX_POLL_INTERVAL_SECONDS, MAX_TIMEOUT_SECONDS,
};
pub use decision::{
    Action, Decision, Evidence, FailOutcome, PollReason, Progress, RunHistoryStatus, RunsPurpose,
    WaitOutcome, Warning, WarningCode,
};
pub use events::{Event, EventType};
pub use input::{failure_from_json, Input, RunsRead, TriggerReport, MAX_MESSAGE_CHARS};
pub use machine::{
    WaitMachine, CONFIRM_DELAY_MS, MAX_CONSECUTIVE_POLL_FAILURES, MAX_RUN_HISTORY_EVIDENCE_READS,
};
pub use observation::{Observation, ServerMarks};
pub use server_time::{parse_server_time, parse_server_time_text, ServerTime};
pub use with::{
    ProviderFacts, StepPlan, StepRequest, DEFAULT_PROVIDER_ALIAS, PROVIDER_METHODS, STEP_TYPE,
    WITH_KEYS,
};
