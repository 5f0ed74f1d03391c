//! ADSync knowledge: the commands sent to an Entra Connect server and the parsers for what it
//! answers, in every shape listed in `docs/adsync.md` (live, deserialized by remoting, JSON from
//! PowerShell 7 or Windows PowerShell 5.1).
//!
//! * [`values`]: the one lenient value reader (DateTime, TimeSpan, enums, Booleans, numbers,
//!   property lookup), also used by the wait machine for its inputs.
//! * [`commands`]: the command names and the policy types.
//! * [`scheduler`]: `Get-ADSyncScheduler`'s settings and the sync state they imply.
//! * [`run_history`]: run history and connector run status, the evidence that a cycle ran.
//! * [`start`]: `Start-ADSyncSyncCycle`'s success result.
//! * [`classify`](mod@classify): sorting the errors a command raised into a failure class.

pub mod classify;
pub mod commands;
pub mod run_history;
pub mod scheduler;
pub mod start;
pub mod text;
pub mod values;

pub use classify::{classify, classify_error, classify_with};
pub use commands::{
    PolicyType, SchedulerPolicyType, GET_CONNECTOR_RUN_STATUS, GET_RUN_PROFILE_RESULT,
    GET_SCHEDULER, START_SYNC_CYCLE,
};
pub use scheduler::{SchedulerSettings, SyncState};
pub use values::{TimeSpan, UtcTime};
