//! XEP-0085: Chat State Notifications.

use minidom::Element;

use super::ns;
use super::rfc6121::Message;

/// §2.1 (`inactive` and `gone` are read as not composing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatState {
    Active,
    Composing,
    Paused,
}

impl ChatState {
    const ALL: [(ChatState, &'static str); 3] = [
        (ChatState::Active, "active"),
        (ChatState::Composing, "composing"),
        (ChatState::Paused, "paused"),
    ];

    pub fn element(self) -> Element {
        let name = ChatState::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n);
        Element::builder(name.unwrap_or("active"), ns::CHATSTATES).build()
    }

    /// The state a message carries; `inactive` and `gone` read as `Active` (not typing).
    pub fn read(message: &Message) -> Option<ChatState> {
        let el = message.payloads.iter().find(|p| p.ns() == ns::CHATSTATES)?;
        Some(
            ChatState::ALL
                .iter()
                .find(|(_, n)| *n == el.name())
                .map_or(ChatState::Active, |(s, _)| *s),
        )
    }
}
