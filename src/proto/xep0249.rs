//! XEP-0249: Direct MUC Invitations — an invitation sent straight to the invitee, not
//! through the room.

use minidom::Element;

use super::jid::BareJid;
use super::ns;
use super::rfc6121::{Message, MessageType};
use super::xep0045::Invitation;
use super::xml::Attrs;

/// §2: invites `to` into `room`, with the room's password if it has one.
pub fn invite(
    to: &BareJid,
    room: &BareJid,
    password: Option<&str>,
    reason: Option<&str>,
) -> Message {
    let x = Element::builder("x", ns::CONFERENCE)
        .a("jid", room.as_str())
        .a("password", password)
        .a("reason", reason)
        .build();
    let mut message = Message::new(Some(to.clone().into()));
    message.type_ = MessageType::Normal;
    message.payloads.push(x);
    message
}

/// §2: a direct invitation; from whoever sent the message (who may be a stranger: the
/// caller decides whether to show it with the contact's name or as a request).
pub fn read(message: &Message) -> Option<Invitation> {
    let x = message
        .payloads
        .iter()
        .find(|p| p.is("x", ns::CONFERENCE))?;
    let text = |name: &str| x.attr(name).filter(|v| !v.is_empty()).map(str::to_owned);
    Some(Invitation {
        room: BareJid::new(x.attr("jid")?).ok()?,
        from: message.from.clone(),
        reason: text("reason"),
        password: text("password"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::jid::Jid;

    #[test]
    fn a_direct_invitation_reads_room_password_and_reason() {
        let message = Message::try_from(
            "<message xmlns='jabber:client' from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'>\
             <x xmlns='jabber:x:conference' jid='darkcave@macbeth.shakespeare.lit' password='cauldronburn' \
             reason='Hey Hecate, this is the place for all good witches!'/></message>"
                .parse::<Element>()
                .unwrap(),
        )
        .unwrap();
        let invitation = read(&message).unwrap();
        assert_eq!(invitation.room.as_str(), "darkcave@macbeth.shakespeare.lit");
        assert_eq!(
            invitation.from.as_ref().map(Jid::as_str),
            Some("crone1@shakespeare.lit/desktop")
        );
        assert_eq!(invitation.password.as_deref(), Some("cauldronburn"));
        assert_eq!(
            invitation.reason.as_deref(),
            Some("Hey Hecate, this is the place for all good witches!")
        );
    }

    #[test]
    fn a_room_that_is_no_bare_jid_is_no_invitation() {
        for jid in ["darkcave@macbeth.shakespeare.lit/nick", "@@", ""] {
            let message = Message::try_from(
                format!("<message xmlns='jabber:client' from='a@b/c'><x xmlns='jabber:x:conference' jid='{jid}'/></message>")
                    .parse::<Element>()
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(read(&message), None, "{jid}");
        }
    }

    #[test]
    fn what_is_sent_reads_back() {
        let to = BareJid::new("hecate@shakespeare.lit").unwrap();
        let room = BareJid::new("darkcave@macbeth.shakespeare.lit").unwrap();
        let sent = invite(&to, &room, None, Some("Join us"));
        let el = Element::from(sent.clone());
        assert_eq!(el.attr("to"), Some("hecate@shakespeare.lit"));
        let x = el.get_child("x", ns::CONFERENCE).unwrap();
        assert_eq!(x.attr("password"), None);
        let back = read(&Message::try_from(el).unwrap()).unwrap();
        assert_eq!((back.room, back.reason.as_deref()), (room, Some("Join us")));
    }
}
