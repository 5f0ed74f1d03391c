//! Native core of the IdLE Entra Connect directory sync provider and step.
//!
//! The crate is layered so that decisions never touch I/O:
//!
//! * [`adsync`]: what is sent to an Entra Connect server (`ADSync` cmdlets) and how its answers,
//!   in every shape remoting and JSON give them, are parsed.
//! * [`computer_name`]: the rule for the Entra Connect server's name (IdLE's next contract).
//! * [`failure`]: the failure classes every error is sorted into, with stable identifiers.
//! * [`session`]: the one trait through which a remote server is reached.
//! * [`provider`]: the provider operations (trigger, state) written against that trait.
//! * [`redact`]: the rules that keep secrets out of messages and events.
//! * [`wait`]: the sans-I/O wait machine that decides when a triggered cycle has really finished.
//! * [`interop`]: the decisions the C# interop layer asks for (which AuthSession, which
//!   RemoteSessionOptions, the failures it detects by itself), from the facts it gathers.
//! * [`ffi`]: the C ABI; no domain logic lives there.

pub mod adsync;
pub mod computer_name;
pub mod failure;
pub mod ffi;
pub mod interop;
pub mod provider;
pub mod redact;
pub mod session;
pub mod wait;
