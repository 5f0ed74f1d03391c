//! The one lenient value reader, over `serde_json::Value`, for everything PowerShell hands us:
//! ADSync cmdlets' answers and the wait machine's inputs from foreign providers.
//!
//! The same property reaches us in several shapes depending on the path it took (live object,
//! remoting's deserialized property bag, `ConvertTo-Json` in PowerShell 7, Windows PowerShell
//! 5.1's JSON, .NET XML serialization); see `docs/adsync.md`. Each reader accepts all of them and
//! answers `None` for anything it cannot read, so that a surprising shape degrades to "unknown"
//! instead of failing the whole operation. None of them panics on any input.
//!
//! * [`lookup`]: properties by name in any casing, wrapper objects, output items.
//! * [`scalars`]: Booleans, whole numbers, strings, text, type names for messages.
//! * [`enums`]: enum members by name or number.
//! * [`datetime`](mod@datetime): [`UtcTime`] and the DateTime shapes.
//! * [`timespan`](mod@timespan): [`TimeSpan`] and the TimeSpan shapes.

mod cursor;
pub mod datetime;
pub mod enums;
pub mod lookup;
pub mod scalars;
pub mod timespan;

pub use datetime::{datetime, UtcTime};
pub use enums::enum_name;
pub use lookup::{get, output_items, prop, prop_in};
pub use scalars::{boolean, integer, string, text, type_name};
pub use timespan::{timespan, TimeSpan};

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
