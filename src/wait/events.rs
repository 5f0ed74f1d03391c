//! The events the step emits through IdLE's `EventSink.WriteEvent(Type, Message, StepName, Data)`.
//! The machine decides every event; the step adds its step name and writes them in order.

use serde_json::{Map, Value};

/// The event types of the IdLE contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// The server accepted the trigger.
    DirectorySyncTriggered,
    /// Emitted once, when the first poll is scheduled.
    DirectorySyncWaiting,
    /// One per poll result (a state or a failed read).
    DirectorySyncPoll,
    /// The run ended well.
    DirectorySyncCompleted,
    /// The run failed; exactly once per failure.
    DirectorySyncFailed,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::DirectorySyncTriggered => "DirectorySyncTriggered",
            EventType::DirectorySyncWaiting => "DirectorySyncWaiting",
            EventType::DirectorySyncPoll => "DirectorySyncPoll",
            EventType::DirectorySyncCompleted => "DirectorySyncCompleted",
            EventType::DirectorySyncFailed => "DirectorySyncFailed",
        }
    }
}

/// One event. `data` holds only strings, numbers, booleans and lists of strings.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: EventType,
    /// A complete English sentence.
    pub message: String,
    pub data: Map<String, Value>,
}

impl Event {
    pub(crate) fn new(event_type: EventType, message: impl Into<String>) -> Event {
        Event {
            event_type,
            message: message.into(),
            data: Map::new(),
        }
    }

    pub(crate) fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// `{"type":"DirectorySyncPoll","message":"...","data":{...}}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "type": self.event_type.as_str(),
            "message": self.message,
            "data": Value::Object(self.data.clone()),
        })
    }
}
