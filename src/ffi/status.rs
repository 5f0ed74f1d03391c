//! The status every export returns.

/// Status codes returned by every `idle_ec_*` function that can fail.
///
/// The numeric values are part of the ABI: they are never changed or reused.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum idle_ec_status {
    /// The call succeeded.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An input string was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An argument was well-formed but not acceptable; the output JSON says which and why.
    InvalidArgument = 3,
    /// The operation ran and failed; the output JSON holds the classified failure.
    OperationFailed = 4,
    /// A callback reported failure or was missing; the output JSON says which.
    CallbackFailed = 5,
    /// A panic was caught at the boundary. The handle it happened on should be freed.
    Panic = 6,
    /// Output would exceed a size limit (e.g. a callback answer over the sink's cap).
    OutputTooLarge = 7,
}
