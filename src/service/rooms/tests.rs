//! Rooms on literal stanzas: join states, occupant floods, history against the archive,
//! who may change what, conversation keys, mentions, bookmarks.

use super::*;
use crate::proto::xep0045::JoinErrorKind;

const ME: &str = "hag66@shakespeare.lit";
const ROOM: &str = "coven@chat.shakespeare.lit";

fn room() -> BareJid {
    BareJid::new(ROOM).unwrap()
}

fn rooms() -> Rooms {
    Rooms::new(BareJid::new(ME).unwrap())
}

fn presence(xml: &str) -> Presence {
    Presence::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

fn msg(xml: &str) -> Message {
    Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

/// An occupant's presence: `type_` (`""`: available), item attributes, status codes.
fn occupant(nick: &str, type_: &str, item: &str, codes: &[u16]) -> Presence {
    let type_ = match type_ {
        "" => String::new(),
        t => format!(" type='{t}'"),
    };
    let codes: String = codes
        .iter()
        .map(|c| format!("<status code='{c}'/>"))
        .collect();
    presence(&format!(
        "<presence xmlns='jabber:client' from='{ROOM}/{nick}' to='{ME}/pda'{type_}>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item {item}/>{codes}</x></presence>"
    ))
}

fn error(condition: &str) -> Presence {
    presence(&format!(
        "<presence xmlns='jabber:client' from='{ROOM}/thirdwitch' type='error'>\
         <x xmlns='http://jabber.org/protocol/muc'/><error type='cancel'>\
         <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
    ))
}

/// A groupchat message from occupant `nick`, with `payloads` (literal XML).
fn said(nick: &str, id: &str, body: &str, payloads: &str) -> Message {
    let body = match body {
        "" => String::new(),
        b => format!("<body>{b}</body>"),
    };
    msg(&format!(
        "<message xmlns='jabber:client' type='groupchat' from='{ROOM}/{nick}' to='{ME}/pda' id='{id}'>\
         {body}{payloads}</message>"
    ))
}

fn sid(id: &str) -> String {
    format!("<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='{id}'/>")
}

const DELAY: &str = "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2024-01-01T10:00:00Z'/>";

/// Joined as `thirdwitch`; the room announces stanza ids when `trusted`.
fn joined(trusted: bool) -> Rooms {
    let mut r = rooms();
    assert!(r.join(room(), Some("thirdwitch"), None, History::RoomDefault));
    r.handle_presence(&occupant(
        "thirdwitch",
        "",
        "affiliation='member' role='participant'",
        &[110],
    ));
    let info = RoomInfo {
        stanza_ids: trusted,
        ..RoomInfo::default()
    };
    r.set_info(&room(), info);
    while r.poll_change().is_some() {}
    while r.poll_presence().is_some() {}
    r.take_records();
    r
}

fn state(r: &Rooms) -> JoinState {
    r.room(&room()).unwrap().state.clone()
}

fn bodies(r: &Rooms) -> Vec<(String, String)> {
    r.room(&room())
        .unwrap()
        .messages
        .iter()
        .map(|m| (m.nick.clone(), m.body.clone()))
        .collect()
}

// ---- entering and leaving ---------------------------------------------------------------

#[test]
fn joining_then_joined_on_the_self_presence() {
    let mut r = rooms();
    assert!(r.join(
        room(),
        Some("thirdwitch"),
        Some("cauldron".into()),
        History::MaxStanzas(20)
    ));
    let sent = Element::from(r.poll_presence().unwrap());
    assert_eq!(
        sent.attr("to"),
        Some("coven@chat.shakespeare.lit/thirdwitch")
    );
    assert!(sent.has_child("x", ns::MUC));
    assert_eq!(state(&r), JoinState::Joining);
    // Others first; the own presence, with 110, comes last (§7.2.3).
    assert!(r.handle_presence(&occupant(
        "firstwitch",
        "",
        "affiliation='owner' role='moderator'",
        &[]
    )));
    assert_eq!(state(&r), JoinState::Joining);
    r.handle_presence(&occupant(
        "thirdwitch",
        "",
        "affiliation='none' role='participant'",
        &[110, 201],
    ));
    assert_eq!(state(&r), JoinState::Joined);
    let joined = r.room(&room()).unwrap();
    assert!(
        joined.created,
        "201: a new room waits for its configuration"
    );
    assert_eq!(joined.me().map(|o| o.role), Some(Role::Participant));
    assert_eq!(joined.occupant_count(), 2);
    assert_eq!(
        joined
            .occupants()
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        ["firstwitch", "thirdwitch"],
        "moderators first"
    );
    r.configured(&room());
    assert!(!r.room(&room()).unwrap().created);
}

#[test]
fn the_own_occupant_jid_is_the_self_presence_when_110_is_missing() {
    let mut r = rooms();
    r.join(room(), Some("thirdwitch"), None, History::RoomDefault);
    r.handle_presence(&occupant("thirdwitch", "", "role='participant'", &[]));
    assert_eq!(state(&r), JoinState::Joined);
}

#[test]
fn a_nickname_the_service_chose_is_taken() {
    let mut r = rooms();
    r.join(room(), Some("thirdwitch"), None, History::RoomDefault);
    r.handle_presence(&occupant(
        "Third Witch",
        "",
        "role='participant'",
        &[110, 210],
    ));
    assert_eq!(state(&r), JoinState::Joined);
    assert_eq!(r.room(&room()).unwrap().nick, "Third Witch");
}

#[test]
fn join_errors_fail_with_a_reason_kind() {
    for (condition, kind) in [
        ("conflict", JoinErrorKind::NickConflict),
        ("not-authorized", JoinErrorKind::PasswordRequired),
        ("registration-required", JoinErrorKind::MembersOnly),
        ("forbidden", JoinErrorKind::Banned),
        ("service-unavailable", JoinErrorKind::Full),
    ] {
        let mut r = rooms();
        r.join(room(), Some("thirdwitch"), None, History::RoomDefault);
        assert!(r.handle_presence(&error(condition)));
        match state(&r) {
            JoinState::Failed(e) => assert_eq!(e.kind, kind, "{condition}"),
            other => panic!("{condition}: {other:?}"),
        }
        assert_eq!(r.poll_change(), Some(RoomChange::Room(room())));
    }
}

#[test]
fn kicked_banned_and_removed_with_the_reason() {
    for (code, why) in [
        (307, Removal::Kicked),
        (301, Removal::Banned),
        (321, Removal::NotMember),
        (322, Removal::MembersOnly),
        (332, Removal::Shutdown),
    ] {
        let mut r = joined(true);
        r.handle_presence(&occupant("firstwitch", "", "role='moderator'", &[]));
        let out = presence(&format!(
            "<presence xmlns='jabber:client' from='{ROOM}/thirdwitch' type='unavailable'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'>\
             <actor nick='firstwitch'/><reason>Avaunt!</reason></item>\
             <status code='110'/><status code='{code}'/></x></presence>"
        ));
        r.handle_presence(&out);
        assert_eq!(
            state(&r),
            JoinState::Removed {
                why,
                reason: Some("Avaunt!".into())
            }
        );
        assert_eq!(r.room(&room()).unwrap().occupant_count(), 0);
    }
    // Another occupant kicked is just gone.
    let mut r = joined(true);
    r.handle_presence(&occupant("pistol", "", "role='participant'", &[]));
    r.handle_presence(&occupant("pistol", "unavailable", "role='none'", &[307]));
    assert_eq!(state(&r), JoinState::Joined);
    assert!(r.room(&room()).unwrap().occupant("pistol").is_none());
}

#[test]
fn leaving_sends_unavailable_and_ends_in_left() {
    let mut r = joined(true);
    r.leave(&room());
    let sent = Element::from(r.poll_presence().unwrap());
    assert_eq!(sent.attr("type"), Some("unavailable"));
    assert_eq!(
        sent.attr("to"),
        Some("coven@chat.shakespeare.lit/thirdwitch")
    );
    assert_eq!(state(&r), JoinState::Left);
    // Late presences from a room left are the room's, and change nothing.
    assert!(r.handle_presence(&occupant("firstwitch", "", "role='moderator'", &[])));
    assert_eq!(r.room(&room()).unwrap().occupant_count(), 0);
}

#[test]
fn rejoin_on_a_new_stream_asks_since_the_newest_message() {
    let mut r = joined(true);
    r.handle_message(5_000.0, &said("firstwitch", "m1", "hi", ""), true);
    r.rejoin();
    let sent = Element::from(r.poll_presence().unwrap());
    let history = sent
        .get_child("x", ns::MUC)
        .and_then(|x| x.get_child("history", ns::MUC))
        .unwrap();
    assert_eq!(history.attr("since"), Some("1970-01-01T00:00:05Z"));
    assert_eq!(state(&r), JoinState::Joining);
}

#[test]
fn room_presence_is_never_a_contacts() {
    let mut r = joined(true);
    let contact = presence("<presence xmlns='jabber:client' from='romeo@montague.lit/orchard'/>");
    assert!(!r.handle_presence(&contact));
    let other_room =
        presence("<presence xmlns='jabber:client' from='other@chat.shakespeare.lit/x'/>");
    assert!(!r.handle_presence(&other_room));
    assert!(r.handle_presence(&occupant("romeo", "", "role='participant'", &[])));
}

// ---- occupants ----------------------------------------------------------------------------

#[test]
fn a_flood_of_5000_presences_is_one_change() {
    let mut r = rooms();
    r.join(room(), Some("thirdwitch"), None, History::RoomDefault);
    while r.poll_change().is_some() {}
    let flood: Vec<Presence> = (0..5_000)
        .map(|i| {
            occupant(
                &format!("user{i}"),
                "",
                "affiliation='none' role='participant'",
                &[],
            )
        })
        .collect();
    for p in &flood {
        assert!(r.handle_presence(p));
    }
    r.handle_presence(&occupant("thirdwitch", "", "role='participant'", &[110]));
    let room_ = r.room(&room()).unwrap();
    assert_eq!(room_.occupant_count(), 5_001);
    assert_eq!(room_.state, JoinState::Joined);
    let mut changes = vec![];
    while let Some(c) = r.poll_change() {
        changes.push(c);
    }
    assert_eq!(
        changes,
        [RoomChange::Occupants(room()), RoomChange::Room(room())],
        "one report for the whole flood"
    );
    // The same presence again changes nothing.
    r.handle_presence(&flood[0]);
    assert_eq!(r.poll_change(), None);
}

#[test]
fn occupants_track_role_show_and_departure() {
    let mut r = joined(true);
    r.handle_presence(&occupant(
        "pistol",
        "",
        "role='visitor' jid='pistol@shakespeare.lit/x'",
        &[],
    ));
    let pistol = r.room(&room()).unwrap().occupant("pistol").unwrap().clone();
    assert_eq!(pistol.role, Role::Visitor);
    assert_eq!(
        pistol.jid.as_ref().map(|j| j.as_str()),
        Some("pistol@shakespeare.lit")
    );
    let away = presence(&format!(
        "<presence xmlns='jabber:client' from='{ROOM}/pistol'><show>away</show>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x></presence>"
    ));
    r.handle_presence(&away);
    let pistol = r.room(&room()).unwrap().occupant("pistol").unwrap();
    assert_eq!(
        (pistol.role, pistol.availability),
        (Role::Participant, Availability::Away)
    );
    r.handle_presence(&occupant("pistol", "unavailable", "role='none'", &[]));
    assert!(r.room(&room()).unwrap().occupant("pistol").is_none());
}

#[test]
fn nick_changes_move_the_occupant_and_the_own_nick() {
    let mut r = joined(true);
    r.handle_presence(&occupant("firstwitch", "", "role='moderator'", &[]));
    r.handle_presence(&occupant(
        "firstwitch",
        "unavailable",
        "role='moderator' nick='oldhag'",
        &[303],
    ));
    r.handle_presence(&occupant("oldhag", "", "role='moderator'", &[]));
    let room_ = r.room(&room()).unwrap();
    assert!(room_.occupant("firstwitch").is_none());
    assert_eq!(
        room_.occupant("oldhag").map(|o| o.role),
        Some(Role::Moderator)
    );

    assert!(r.change_nick(&room(), "hecate"));
    let sent = Element::from(r.poll_presence().unwrap());
    assert_eq!(sent.attr("to"), Some("coven@chat.shakespeare.lit/hecate"));
    r.handle_presence(&occupant(
        "thirdwitch",
        "unavailable",
        "role='participant' nick='hecate'",
        &[303, 110],
    ));
    r.handle_presence(&occupant("hecate", "", "role='participant'", &[110]));
    let room_ = r.room(&room()).unwrap();
    assert_eq!(room_.nick, "hecate");
    assert_eq!(room_.state, JoinState::Joined);
    assert_eq!(room_.occupant_count(), 2);

    // A nickname taken: refused, still in the room.
    r.change_nick(&room(), "oldhag");
    r.handle_presence(&presence(&format!(
        "<presence xmlns='jabber:client' from='{ROOM}/oldhag' type='error'>\
         <error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
    )));
    let room_ = r.room(&room()).unwrap();
    assert_eq!(room_.state, JoinState::Joined);
    assert_eq!(room_.nick, "hecate");
    assert_eq!(
        room_.nick_refused.as_ref().map(|e| e.kind),
        Some(JoinErrorKind::NickConflict)
    );
}

// ---- messages -----------------------------------------------------------------------------

#[test]
fn subject_from_an_occupant_or_the_room() {
    let mut r = joined(true);
    let set = msg(&format!(
        "<message xmlns='jabber:client' type='groupchat' from='{ROOM}/secondwitch'>\
         <subject>Fire Burn and Cauldron Bubble!</subject></message>"
    ));
    assert_eq!(r.handle_message(0.0, &set, true), Some(Received::default()));
    assert_eq!(
        r.room(&room()).unwrap().subject.as_deref(),
        Some("Fire Burn and Cauldron Bubble!")
    );
    assert!(bodies(&r).is_empty(), "a subject is no message");
    let cleared = msg(&format!(
        "<message xmlns='jabber:client' type='groupchat' from='{ROOM}'><subject/></message>"
    ));
    r.handle_message(0.0, &cleared, true);
    assert_eq!(r.room(&room()).unwrap().subject, None);
}

#[test]
fn history_on_join_and_the_archive_are_one_message_each() {
    let mut r = joined(true);
    // The room's history on entering (delayed, with its stanza ids)…
    r.handle_message(
        0.0,
        &said(
            "firstwitch",
            "m1",
            "When shall we three meet again",
            &format!("{DELAY}{}", sid("S1")),
        ),
        true,
    );
    r.handle_message(
        0.0,
        &said(
            "secondwitch",
            "m2",
            "When the hurlyburly's done",
            &format!("{DELAY}{}", sid("S2")),
        ),
        true,
    );
    // …then the archive's replay of the same, and one more.
    for (id, nick, mid, body) in [
        ("S1", "firstwitch", "m1", "When shall we three meet again"),
        ("S2", "secondwitch", "m2", "When the hurlyburly's done"),
        ("S3", "firstwitch", "m3", "Where the place?"),
    ] {
        let result = ArchivedMessage {
            query_id: Some("q".into()),
            id: id.into(),
            message: said(nick, mid, body, DELAY),
        };
        r.handle_archived(0.0, &room(), &result);
    }
    assert_eq!(bodies(&r).len(), 3);
    assert_eq!(
        r.room(&room()).unwrap().messages[2].stanza_id.as_deref(),
        Some("S3")
    );
    assert_eq!(r.take_records().len(), 3, "repeats are not stored again");
}

#[test]
fn without_trusted_stanza_ids_history_and_archive_meet_by_sender_and_id() {
    let mut r = joined(false);
    // The room did not announce stanza ids: this one's is not believed.
    r.handle_message(
        0.0,
        &said("firstwitch", "m1", "hi", &format!("{DELAY}{}", sid("S1"))),
        true,
    );
    assert_eq!(r.room(&room()).unwrap().messages[0].stanza_id, None);
    let result = ArchivedMessage {
        query_id: None,
        id: "S1".into(),
        message: said("firstwitch", "m1", "hi", DELAY),
    };
    r.handle_archived(0.0, &room(), &result);
    assert_eq!(bodies(&r).len(), 1);
    assert_eq!(
        r.room(&room()).unwrap().messages[0].stanza_id.as_deref(),
        Some("S1"),
        "the archive's id joins the message"
    );
    // Another occupant's message with the same id is another message.
    r.handle_message(0.0, &said("secondwitch", "m1", "hi", ""), true);
    assert_eq!(bodies(&r).len(), 2);
}

#[test]
fn a_stanza_id_by_anyone_but_the_room_is_not_the_rooms() {
    let mut r = joined(true);
    let forged = "<stanza-id xmlns='urn:xmpp:sid:0' by='firstwitch@shakespeare.lit' id='S9'/>";
    r.handle_message(0.0, &said("firstwitch", "m1", "one", forged), true);
    r.handle_message(0.0, &said("secondwitch", "m2", "two", forged), true);
    assert_eq!(bodies(&r).len(), 2, "a shared forged id hides nothing");
    assert!(r
        .room(&room())
        .unwrap()
        .messages
        .iter()
        .all(|m| m.stanza_id.is_none()));
}

#[test]
fn the_echo_of_an_own_message_is_the_same_message() {
    let mut r = joined(true);
    let sent = r
        .compose(
            1_000.0,
            "k1",
            &room(),
            Compose::Text {
                body: "Hail!".into(),
                reply: None,
                attachment: None,
            },
        )
        .unwrap();
    let el = Element::from(sent);
    assert_eq!(
        (el.attr("type"), el.attr("to")),
        (Some("groupchat"), Some(ROOM))
    );
    let written = r.take_records();
    assert_eq!(written[0].id, ">k1");
    // The room reflects it with its stanza id.
    let echo = said(
        "thirdwitch",
        "k1",
        "Hail!",
        &format!("<origin-id xmlns='urn:xmpp:sid:0' id='k1'/>{}", sid("S1")),
    );
    let got = r.handle_message(2_000.0, &echo, true).unwrap();
    assert!(!got.new);
    let m = &r.room(&room()).unwrap().messages;
    assert_eq!(m.len(), 1);
    assert!(m[0].outgoing);
    assert_eq!(m[0].stanza_id.as_deref(), Some("S1"));
    let rewritten = r.take_records();
    assert_eq!(rewritten.len(), 1);
    assert_eq!(
        rewritten[0].id, ">k1",
        "the stored copy is replaced, not doubled"
    );
    assert!(rewritten[0].xml.contains("S1"));
}

#[test]
fn mentions_are_whole_words_in_any_case() {
    assert!(mentions("thirdwitch: hail!", "ThirdWitch"));
    assert!(mentions("Hail, @thirdwitch.", "thirdwitch"));
    assert!(mentions("Hail, Third Witch", "third witch"));
    assert!(!mentions("thirdwitches all", "thirdwitch"));
    assert!(!mentions("the_thirdwitch", "thirdwitch"));
    assert!(mentions("ÉLODIE, là?", "élodie"));
    assert!(!mentions("anything", ""));
}

#[test]
fn a_live_mention_is_notified_a_delayed_one_is_not() {
    let mut r = joined(true);
    let live = r
        .handle_message(
            1_000.0,
            &said("firstwitch", "m1", "thirdwitch, come", &sid("S1")),
            true,
        )
        .unwrap();
    assert_eq!(
        live,
        Received {
            new: true,
            mention: true
        }
    );
    let old = r
        .handle_message(
            0.0,
            &said(
                "firstwitch",
                "m0",
                "thirdwitch, earlier",
                &format!("{DELAY}{}", sid("S0")),
            ),
            true,
        )
        .unwrap();
    assert_eq!(
        old,
        Received {
            new: true,
            mention: false
        }
    );
    let room_ = r.room(&room()).unwrap();
    assert_eq!((room_.unread(), room_.unread_mentions()), (2, 2));
    r.mark_read(&room());
    assert_eq!(r.room(&room()).unwrap().unread_mentions(), 0);
}

#[test]
fn occupants_correct_and_retract_only_their_own() {
    let mut r = joined(true);
    r.handle_message(0.0, &said("firstwitch", "m1", "helo", &sid("S1")), true);
    let fix = |id: &str| format!("<replace xmlns='urn:xmpp:message-correct:0' id='{id}'/>");
    let retract = |id: &str| format!("<retract xmlns='urn:xmpp:message-retract:1' id='{id}'/>");
    r.handle_message(0.0, &said("pistol", "p1", "I owe money", &fix("m1")), true);
    r.handle_message(0.0, &said("pistol", "p2", "", &retract("S1")), true);
    let m = r.room(&room()).unwrap().get("S1").unwrap().clone();
    assert_eq!((m.body.as_str(), m.retracted), ("helo", false));
    r.handle_message(0.0, &said("firstwitch", "m2", "hello", &fix("m1")), true);
    assert_eq!(r.room(&room()).unwrap().get("m1").unwrap().body, "hello");
    r.handle_message(0.0, &said("firstwitch", "m3", "", &retract("S1")), true);
    assert!(r.room(&room()).unwrap().get("S1").unwrap().retracted);
    assert_eq!(bodies(&r).len(), 1);
}

#[test]
fn only_the_room_moderates() {
    let mut r = joined(true);
    r.handle_message(0.0, &said("firstwitch", "m1", "spam", &sid("S1")), true);
    let moderation = |from: &str| {
        msg(&format!(
            "<message xmlns='jabber:client' type='groupchat' from='{from}' id='x'>\
             <retract id='S1' xmlns='urn:xmpp:message-retract:1'>\
             <moderated by='{ROOM}/hecate' xmlns='urn:xmpp:message-moderate:1'/>\
             <reason>Spam</reason></retract></message>"
        ))
    };
    // An occupant dressing up as the room.
    r.handle_message(0.0, &moderation(&format!("{ROOM}/pistol")), true);
    assert!(!r.room(&room()).unwrap().get("S1").unwrap().retracted);
    r.handle_message(0.0, &moderation(ROOM), true);
    let m = r.room(&room()).unwrap().get("S1").unwrap();
    assert!(m.retracted && m.moderated && m.body.is_empty());
    assert_eq!(m.moderation_reason.as_deref(), Some("Spam"));
}

#[test]
fn an_archived_tombstone_shows_a_moderated_message() {
    let mut r = joined(true);
    let tombstone = said(
        "firstwitch",
        "m1",
        "",
        "<moderated by='coven@chat.shakespeare.lit/hecate' xmlns='urn:xmpp:message-moderate:0'>\
         <retracted stamp='2024-01-01T10:00:00Z' xmlns='urn:xmpp:message-retract:0'/><reason>Spam</reason></moderated>",
    );
    let result = ArchivedMessage {
        query_id: None,
        id: "S1".into(),
        message: tombstone,
    };
    r.handle_archived(0.0, &room(), &result);
    let m = r.room(&room()).unwrap().get("S1").unwrap();
    assert!(m.moderated && m.retracted);
    assert_eq!(m.moderation_reason.as_deref(), Some("Spam"));
}

#[test]
fn a_tombstone_for_a_message_held_moderates_it() {
    let mut r = joined(true);
    r.handle_message(0.0, &said("firstwitch", "m1", "spam", &sid("S1")), true);
    let tombstone = said(
        "firstwitch",
        "m1",
        "",
        "<retracted stamp='2024-01-01T10:00:00Z' xmlns='urn:xmpp:message-retract:1'>\
         <moderated xmlns='urn:xmpp:message-moderate:1'/></retracted>",
    );
    r.handle_archived(
        0.0,
        &room(),
        &ArchivedMessage {
            query_id: None,
            id: "S1".into(),
            message: tombstone,
        },
    );
    let m = r.room(&room()).unwrap().get("S1").unwrap();
    assert!(m.moderated && m.body.is_empty());
    assert_eq!(bodies(&r).len(), 1);
}

#[test]
fn a_message_without_any_id_is_still_shown() {
    let mut r = joined(false);
    let bare = msg(&format!(
        "<message xmlns='jabber:client' type='groupchat' from='{ROOM}/firstwitch'><body>hi</body></message>"
    ));
    assert!(r.handle_message(1_000.0, &bare, true).unwrap().new);
    assert_eq!(bodies(&r), [("firstwitch".into(), "hi".into())]);
}

#[test]
fn reactions_are_one_set_per_occupant() {
    let mut r = joined(true);
    r.handle_message(0.0, &said("firstwitch", "m1", "hi", &sid("S1")), true);
    let react = |nick: &str, emojis: &str| {
        said(
            nick,
            "r",
            "",
            &format!("<reactions xmlns='urn:xmpp:reactions:0' id='S1'>{emojis}</reactions>"),
        )
    };
    r.handle_message(0.0, &react("pistol", "<reaction>👍</reaction>"), true);
    r.handle_message(
        0.0,
        &react(
            "secondwitch",
            "<reaction>👍</reaction><reaction>🔥</reaction>",
        ),
        true,
    );
    r.handle_message(0.0, &react("pistol", ""), true);
    let m = r.room(&room()).unwrap().get("S1").unwrap();
    assert_eq!(
        m.reactions,
        [(
            "secondwitch".to_owned(),
            vec!["👍".to_owned(), "🔥".to_owned()]
        )]
    );
    // The account reacts by the room's id.
    let sent = r
        .compose(
            0.0,
            "k9",
            &room(),
            Compose::React {
                id: "m1".into(),
                emojis: vec!["❤".into()],
            },
        )
        .unwrap();
    let reactions = Element::from(sent);
    assert_eq!(
        reactions
            .get_child("reactions", ns::REACTIONS)
            .and_then(|e| e.attr("id")),
        Some("S1")
    );
    assert_eq!(
        r.room(&room()).unwrap().get("S1").unwrap().reactions.len(),
        2
    );
}

#[test]
fn replies_and_retractions_name_the_rooms_id() {
    let mut r = joined(true);
    r.handle_message(
        0.0,
        &said("firstwitch", "m1", "Where the place?", &sid("S1")),
        true,
    );
    let reply = Element::from(
        r.compose(
            0.0,
            "k1",
            &room(),
            Compose::Text {
                body: "Upon the heath".into(),
                reply: Some("m1".into()),
                attachment: None,
            },
        )
        .unwrap(),
    );
    let to = reply.get_child("reply", ns::REPLY).unwrap();
    assert_eq!(
        (to.attr("id"), to.attr("to")),
        (Some("S1"), Some("coven@chat.shakespeare.lit/firstwitch"))
    );
    assert_eq!(
        r.room(&room()).unwrap().get("k1").unwrap().body,
        "Upon the heath"
    );
    let echo = said(
        "thirdwitch",
        "k1",
        "> Where the place?\nUpon the heath",
        &format!("<origin-id xmlns='urn:xmpp:sid:0' id='k1'/>{}", sid("S2")),
    );
    r.handle_message(0.0, &echo, true);
    let retract = Element::from(
        r.compose(0.0, "k2", &room(), Compose::Retract { id: "k1".into() })
            .unwrap(),
    );
    assert_eq!(
        retract
            .get_child("retract", ns::RETRACT)
            .and_then(|e| e.attr("id")),
        Some("S2")
    );
    assert!(r.room(&room()).unwrap().get("k1").unwrap().retracted);
}

#[test]
fn a_warm_start_restores_and_later_repeats_are_dropped() {
    let mut r = joined(true);
    r.handle_message(1_000.0, &said("firstwitch", "m1", "hi", &sid("S1")), true);
    r.compose(
        2_000.0,
        "k1",
        &room(),
        Compose::Text {
            body: "hail".into(),
            reply: None,
            attachment: None,
        },
    );
    let records = r.take_records();
    let mut cold = rooms();
    cold.restore(&room(), &records, 1_000.0);
    assert_eq!(
        bodies(&cold),
        [
            ("firstwitch".into(), "hi".into()),
            ("thirdwitch".into(), "hail".into())
        ]
    );
    let restored = cold.room(&room()).unwrap();
    assert_eq!(restored.state, JoinState::Left);
    assert_eq!(restored.nick, "hag66", "the default nickname until entered");
    assert_eq!(restored.unread(), 0);
    assert!(restored.messages[1].outgoing);
    // Entering again: the room's history repeats what is held.
    cold.join(room(), Some("thirdwitch"), None, History::Since(2_000.0));
    cold.handle_presence(&occupant("thirdwitch", "", "role='participant'", &[110]));
    cold.set_info(
        &room(),
        RoomInfo {
            stanza_ids: true,
            ..RoomInfo::default()
        },
    );
    cold.handle_message(
        3_000.0,
        &said("firstwitch", "m1", "hi", &format!("{DELAY}{}", sid("S1"))),
        true,
    );
    assert_eq!(bodies(&cold).len(), 2);
}

// ---- conversations ------------------------------------------------------------------------

#[test]
fn a_rooms_occupant_is_never_a_contact() {
    let r = joined(true);
    let key = |xml: &str, outgoing: bool| r.conversation_key(&msg(xml), outgoing);
    let occupant_jid = FullJid::new(&format!("{ROOM}/firstwitch")).unwrap();
    assert_eq!(
        key(&format!("<message xmlns='jabber:client' type='groupchat' from='{ROOM}/firstwitch'><body>hi</body></message>"), false),
        Some(ConversationKey::Room(room()))
    );
    // A private message through the room: kept apart, by the occupant's full JID.
    assert_eq!(
        key(&format!("<message xmlns='jabber:client' type='chat' from='{ROOM}/firstwitch'><body>psst</body></message>"), false),
        Some(ConversationKey::Private(occupant_jid.clone()))
    );
    assert_eq!(
        key(&format!("<message xmlns='jabber:client' type='chat' to='{ROOM}/firstwitch'><body>psst</body></message>"), true),
        Some(ConversationKey::Private(occupant_jid))
    );
    // A room not known here, but the message says it came through one (§7.5).
    let elsewhere = "<message xmlns='jabber:client' type='chat' from='lobby@chat.example/nick'>\
        <body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>";
    assert_eq!(
        key(elsewhere, false),
        Some(ConversationKey::Private(
            FullJid::new("lobby@chat.example/nick").unwrap()
        ))
    );
    assert_eq!(
        key("<message xmlns='jabber:client' type='chat' from='romeo@montague.lit/orchard'><body>hi</body></message>", false),
        Some(ConversationKey::Contact(BareJid::new("romeo@montague.lit").unwrap()))
    );
    // The room's own notices and invitations are the room's, not a contact's.
    assert_eq!(
        key(
            &format!(
                "<message xmlns='jabber:client' from='{ROOM}'><body>Voice request</body></message>"
            ),
            false
        ),
        Some(ConversationKey::Room(room()))
    );
    // A groupchat from no room of ours belongs nowhere.
    assert_eq!(
        key("<message xmlns='jabber:client' type='groupchat' from='romeo@montague.lit/orchard'><body>hi</body></message>", false),
        None
    );
}

#[test]
fn private_and_contact_messages_are_not_the_rooms() {
    let mut r = joined(true);
    let private = msg(&format!(
        "<message xmlns='jabber:client' type='chat' from='{ROOM}/firstwitch' id='p1'><body>psst</body></message>"
    ));
    assert_eq!(r.handle_message(0.0, &private, true), None);
    let contact = msg("<message xmlns='jabber:client' type='groupchat' from='romeo@montague.lit/x' id='c1'><body>hi</body></message>");
    assert_eq!(r.handle_message(0.0, &contact, true), None);
    assert!(bodies(&r).is_empty());
}

// ---- bookmarks ----------------------------------------------------------------------------

fn bookmarks_event(from: &str, inner: &str) -> Message {
    msg(&format!(
        "<message xmlns='jabber:client' from='{from}' to='{ME}/pda' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'>\
         <items node='urn:xmpp:bookmarks:1'>{inner}</items></event></message>"
    ))
}

const COVEN: &str = "<item id='coven@chat.shakespeare.lit'>\
    <conference xmlns='urn:xmpp:bookmarks:1' name='The Coven' autojoin='true'><nick>hecate</nick></conference></item>";

#[test]
fn autojoin_bookmarks_are_entered_on_sign_in() {
    let mut r = rooms();
    let mut quiet = Bookmark::new(BareJid::new("orchard@chat.shakespeare.lit").unwrap());
    quiet.autojoin = false;
    let mut coven = Bookmark::new(room());
    coven.autojoin = true;
    coven.nick = Some("hecate".into());
    r.set_bookmarks(vec![quiet, coven]);
    let sent = Element::from(r.poll_presence().unwrap());
    assert_eq!(sent.attr("to"), Some("coven@chat.shakespeare.lit/hecate"));
    assert_eq!(r.poll_presence(), None, "the other is not autojoin");
    assert_eq!(r.bookmarks().count(), 2);
    assert!(r.is_room(&BareJid::new("orchard@chat.shakespeare.lit").unwrap()));
}

#[test]
fn pushed_bookmarks_join_and_removals_leave() {
    let mut r = rooms();
    assert!(r.handle_bookmarks_push(&bookmarks_event(ME, COVEN)));
    let sent = Element::from(r.poll_presence().unwrap());
    assert_eq!(sent.attr("to"), Some("coven@chat.shakespeare.lit/hecate"));
    r.handle_presence(&occupant("hecate", "", "role='participant'", &[110]));
    assert_eq!(state(&r), JoinState::Joined);
    // The same again (another device's edit): already in, not entered twice.
    r.handle_bookmarks_push(&bookmarks_event(ME, COVEN));
    assert_eq!(r.poll_presence(), None);
    assert!(r.handle_bookmarks_push(&bookmarks_event(ME, &format!("<retract id='{ROOM}'/>"))));
    let left = Element::from(r.poll_presence().unwrap());
    assert_eq!(left.attr("type"), Some("unavailable"));
    assert_eq!(state(&r), JoinState::Left);
    assert!(r.bookmark(&room()).is_none());
}

#[test]
fn forged_bookmark_pushes_change_nothing() {
    let mut r = joined(true);
    for from in ["romeo@montague.lit", "hag66@shakespeare.lit/pda", ROOM] {
        assert!(
            !r.handle_bookmarks_push(&bookmarks_event(from, COVEN)),
            "{from}"
        );
        assert!(
            !r.handle_bookmarks_push(&bookmarks_event(from, &format!("<retract id='{ROOM}'/>")))
        );
    }
    assert_eq!(r.bookmarks().count(), 0);
    assert_eq!(r.poll_presence(), None);
    assert_eq!(state(&r), JoinState::Joined);
}

#[test]
fn bookmarking_a_room_keeps_what_the_bookmark_had() {
    let mut r = rooms();
    r.handle_bookmarks_push(&bookmarks_event(
        ME,
        "<item id='coven@chat.shakespeare.lit'><conference xmlns='urn:xmpp:bookmarks:1' name='The Coven'>\
         <extensions><x xmlns='urn:example'/></extensions></conference></item>",
    ));
    r.join(
        room(),
        Some("thirdwitch"),
        Some("cauldron".into()),
        History::RoomDefault,
    );
    let payload = r.bookmark_room(&room(), true).unwrap();
    let item = payload
        .get_child("publish", ns::PUBSUB)
        .and_then(|p| p.get_child("item", ns::PUBSUB))
        .unwrap();
    let b = Bookmark::read(item).unwrap();
    assert!(b.autojoin);
    assert_eq!(b.name.as_deref(), Some("The Coven"));
    assert_eq!(b.nick.as_deref(), Some("thirdwitch"));
    assert_eq!(b.password.as_deref(), Some("cauldron"));
    assert!(b.extensions.is_some());
    let retract = r.remove_bookmark(&room());
    assert!(retract.has_child("retract", ns::PUBSUB));
    assert_eq!(state(&r), JoinState::Left);
}
