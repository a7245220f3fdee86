//! XEP-0425: Moderated Message Retraction — a room's moderator removes an occupant's
//! message for everyone. Version 0.3 (`urn:xmpp:message-moderate:1`, with XEP-0424's
//! `<retract/>`) and version 0.2 (`…:0`, in a XEP-0422 `<apply-to/>` fastening), which
//! Prosody 0.12's and ejabberd 23.01's rooms speak.

use minidom::Element;

use super::jid::Jid;
use super::ns;
use super::rfc6121::Message;
use super::xep0030::DiscoInfo;
use super::xml::Attrs;

/// Which version a room speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 0.3: `urn:xmpp:message-moderate:1`.
    V1,
    /// 0.2: `urn:xmpp:message-moderate:0`.
    V0,
}

/// The version a room announces in its disco#info, the newer preferred.
pub fn supported(info: &DiscoInfo) -> Option<Version> {
    if info.features.contains(ns::MODERATE) {
        Some(Version::V1)
    } else if info.features.contains(ns::MODERATE_0) {
        Some(Version::V0)
    } else {
        None
    }
}

/// §4: the payload of the iq set (to the room) that retracts the message the room
/// archived as `stanza_id`.
pub fn moderate(version: Version, stanza_id: &str, reason: Option<&str>) -> Element {
    let reason =
        |namespace: &str| reason.map(|r| Element::builder("reason", namespace).append(r).build());
    match version {
        Version::V1 => Element::builder("moderate", ns::MODERATE)
            .a("id", stanza_id)
            .append(Element::builder("retract", ns::RETRACT).build())
            .append_all(reason(ns::MODERATE))
            .build(),
        Version::V0 => Element::builder("apply-to", ns::FASTEN)
            .a("id", stanza_id)
            .append(
                Element::builder("moderate", ns::MODERATE_0)
                    .append(Element::builder("retract", ns::RETRACT_0).build())
                    .append_all(reason(ns::MODERATE_0))
                    .build(),
            )
            .build(),
    }
}

/// A moderation a room announced, or the tombstone its archive keeps in place of the
/// message.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderation {
    /// The room's stanza-id of the message retracted; `None` for a tombstone, which is
    /// the moderated message itself (known by its archive id).
    pub target: Option<String>,
    /// The moderator, as an occupant JID, when the room says.
    pub by: Option<Jid>,
    pub reason: Option<String>,
}

/// Reads a moderation announcement or tombstone from a room's message. Whether it may be
/// believed is the caller's: only the room itself (its bare JID) announces one, only the
/// room's archive holds tombstones.
pub fn read(message: &Message) -> Option<Moderation> {
    message.payloads.iter().find_map(read_payload)
}

fn read_payload(p: &Element) -> Option<Moderation> {
    // 0.3 announcement: <retract id><moderated by/><reason/></retract>;
    // 0.3 tombstone: <retracted><moderated by/><reason/></retracted>.
    if p.is("retract", ns::RETRACT) || p.is("retracted", ns::RETRACT) {
        let moderated = p.get_child("moderated", ns::MODERATE)?;
        let target = match p.name() {
            "retract" => Some(p.attr("id")?.to_owned()),
            _ => None,
        };
        return Some(moderation(target, moderated, p));
    }
    // 0.2 announcement: <apply-to id><moderated by><retract/><reason/></moderated></apply-to>.
    if p.is("apply-to", ns::FASTEN) {
        let moderated = p
            .get_child("moderated", ns::MODERATE_0)
            .filter(|m| m.has_child("retract", ns::RETRACT_0))?;
        return Some(moderation(
            Some(p.attr("id")?.to_owned()),
            moderated,
            moderated,
        ));
    }
    // 0.2 tombstone: <moderated by><retracted/><reason/></moderated>.
    if p.is("moderated", ns::MODERATE_0) && p.has_child("retracted", ns::RETRACT_0) {
        return Some(moderation(None, p, p));
    }
    None
}

fn moderation(target: Option<String>, moderated: &Element, reason_in: &Element) -> Moderation {
    let reason = [reason_in, moderated]
        .into_iter()
        .flat_map(Element::children)
        .find(|c| c.name() == "reason")
        .map(Element::text)
        .filter(|r| !r.is_empty());
    Moderation {
        target,
        by: moderated.attr("by").and_then(|b| Jid::new(b).ok()),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    #[test]
    fn requests_in_both_versions() {
        let v1 = moderate(Version::V1, "stanza-id-1", Some("Spam"));
        assert!(v1.is("moderate", ns::MODERATE));
        assert_eq!(v1.attr("id"), Some("stanza-id-1"));
        assert!(v1.has_child("retract", ns::RETRACT));
        assert_eq!(v1.get_child("reason", ns::MODERATE).unwrap().text(), "Spam");
        let v0 = moderate(Version::V0, "stanza-id-1", None);
        assert!(v0.is("apply-to", ns::FASTEN));
        assert_eq!(v0.attr("id"), Some("stanza-id-1"));
        let inner = v0.get_child("moderate", ns::MODERATE_0).unwrap();
        assert!(inner.has_child("retract", ns::RETRACT_0));
        assert!(inner.get_child("reason", ns::MODERATE_0).is_none());
    }

    #[test]
    fn announcements_in_both_versions() {
        let v1 = message(
            "<message xmlns='jabber:client' type='groupchat' from='room@muc.example' id='r1'>\
             <retract id='stanza-id-1' xmlns='urn:xmpp:message-retract:1'>\
             <moderated by='room@muc.example/macbeth' xmlns='urn:xmpp:message-moderate:1'>\
             <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603d'/></moderated>\
             <reason>Inappropriate</reason></retract></message>",
        );
        let m = read(&v1).unwrap();
        assert_eq!(m.target.as_deref(), Some("stanza-id-1"));
        assert_eq!(
            m.by.as_ref().map(Jid::as_str),
            Some("room@muc.example/macbeth")
        );
        assert_eq!(m.reason.as_deref(), Some("Inappropriate"));
        let v0 = message(
            "<message xmlns='jabber:client' type='groupchat' from='room@muc.example' id='r2'>\
             <apply-to id='stanza-id-2' xmlns='urn:xmpp:fasten:0'>\
             <moderated by='room@muc.example/macbeth' xmlns='urn:xmpp:message-moderate:0'>\
             <retract xmlns='urn:xmpp:message-retract:0'/><reason>Spam</reason></moderated>\
             </apply-to></message>",
        );
        let m = read(&v0).unwrap();
        assert_eq!(m.target.as_deref(), Some("stanza-id-2"));
        assert_eq!(m.reason.as_deref(), Some("Spam"));
    }

    #[test]
    fn tombstones_in_both_versions() {
        let v0 = message(
            "<message xmlns='jabber:client' type='groupchat' from='room@muc.example/witch' id='m1'>\
             <moderated by='room@muc.example/macbeth' xmlns='urn:xmpp:message-moderate:0'>\
             <retracted stamp='2019-09-20T11:09:00Z' xmlns='urn:xmpp:message-retract:0'/>\
             <reason>Spam</reason></moderated></message>",
        );
        let m = read(&v0).unwrap();
        assert_eq!((m.target, m.reason.as_deref()), (None, Some("Spam")));
        let v1 = message(
            "<message xmlns='jabber:client' type='groupchat' from='room@muc.example/witch' id='m1'>\
             <retracted stamp='2019-09-20T11:09:00Z' xmlns='urn:xmpp:message-retract:1'>\
             <moderated xmlns='urn:xmpp:message-moderate:1'/></retracted></message>",
        );
        let m = read(&v1).unwrap();
        assert_eq!((m.target, m.by, m.reason), (None, None, None));
    }

    #[test]
    fn an_occupants_own_retraction_or_fastening_is_no_moderation() {
        for payload in [
            "<retract id='x' xmlns='urn:xmpp:message-retract:1'/>",
            "<apply-to id='x' xmlns='urn:xmpp:fasten:0'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>",
            "<apply-to id='x' xmlns='urn:xmpp:fasten:0'><moderated xmlns='urn:xmpp:message-moderate:0'/></apply-to>",
            "<retract xmlns='urn:xmpp:message-retract:1'><moderated xmlns='urn:xmpp:message-moderate:1'/></retract>",
        ] {
            let m = message(&format!(
                "<message xmlns='jabber:client' type='groupchat' from='room@muc.example'>{payload}</message>"
            ));
            assert_eq!(read(&m), None, "{payload}");
        }
    }
}
