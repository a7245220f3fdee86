//! Rooms through the client, on literal XML: what the stream brings goes to the room it
//! belongs to (never to a contact's chat), room messages go through the outbox once the
//! account is in, and bookmarks are fetched, applied, pushed and written.

use super::*;
use crate::service::rooms::JoinState;
use crate::xmpp::testing::config;

const ROOM: &str = "coven@chat.example.org";

fn room() -> BareJid {
    BareJid::new(ROOM).unwrap()
}

/// Whether `f` is the bookmarks request every new stream sends (XEP-0402 §3.3).
pub(super) fn is_bookmarks_request(f: &Element) -> bool {
    f.is("iq", ns::DEFAULT_NS)
        && f.attr("type") == Some("get")
        && f.get_child("pubsub", ns::PUBSUB)
            .and_then(|p| p.get_child("items", ns::PUBSUB))
            .is_some_and(|i| i.attr("node") == Some(ns::BOOKMARKS))
}

/// Signed in with an empty roster, the initial presence out; the id of the bookmarks
/// request, unanswered.
fn signed_in_asking_bookmarks() -> (Client, String) {
    let mut c = Client::new(config());
    let sent = sign_in_seeing_all(&mut c);
    let id = |pred: &dyn Fn(&Element) -> bool| {
        sent.iter()
            .find(|f| pred(f))
            .and_then(|f| f.attr("id"))
            .unwrap()
            .to_owned()
    };
    let bookmarks = id(&is_bookmarks_request);
    let roster = id(&|f| f.has_child("query", ns::ROSTER));
    updates(&mut c);
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{roster}'><query xmlns='jabber:iq:roster' ver='1'/></iq>"),
    );
    let first = frames(&mut c);
    let mut sent = answer_anchor(&mut c, &first);
    sent.extend(first);
    quiet_feed(&mut c, sent);
    (c, bookmarks)
}

fn bookmarks_result(id: &str, items: &str) -> String {
    format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <items node='urn:xmpp:bookmarks:1'>{items}</items></pubsub></iq>"
    )
}

const COVEN_AUTOJOIN: &str = "<item id='coven@chat.example.org'><conference xmlns='urn:xmpp:bookmarks:1' name='The Coven' autojoin='true'><nick>thirdwitch</nick></conference></item>";

/// The presences in `sent`, to whom.
fn presences_to(sent: &[Element]) -> Vec<(String, Option<String>)> {
    sent.iter()
        .filter(|f| f.is("presence", ns::DEFAULT_NS))
        .map(|p| {
            (
                p.attr("to").unwrap_or_default().to_owned(),
                p.attr("type").map(str::to_owned),
            )
        })
        .collect()
}

/// Signed in and in the Coven as `thirdwitch` (entered by hand, no bookmark), its
/// disco#info answered with stanza ids.
fn in_the_coven() -> Client {
    let (mut c, _) = signed_in_asking_bookmarks();
    assert!(c.join_room(t(), room(), Some("thirdwitch"), None));
    let sent = frames(&mut c);
    answer_room_info(&mut c, &sent);
    enter(&mut c);
    updates(&mut c);
    c
}

/// Answers the room's disco#info among `sent`: a room that stamps stanza ids.
fn answer_room_info(c: &mut Client, sent: &[Element]) {
    let info = sent
        .iter()
        .find(|f| f.has_child("query", ns::DISCO_INFO) && f.attr("to") == Some(ROOM))
        .expect("the room's disco#info asked for before entering");
    let id = info.attr("id").unwrap();
    c.handle_frame(t(), &format!(
        "<iq xmlns='jabber:client' type='result' id='{id}' from='{ROOM}'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='conference' type='text' name='The Coven'/><feature var='http://jabber.org/protocol/muc'/>\
         <feature var='urn:xmpp:sid:0'/></query></iq>"
    ));
}

/// The room lets `thirdwitch` in (another occupant first, then the self-presence).
fn enter(c: &mut Client) {
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}'><x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='owner' role='moderator'/></x></presence>"
    ));
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='{ROOM}/thirdwitch' to='{BOUND}'><x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='member' role='participant'/><status code='110'/></x></presence>"
    ));
}

fn state(c: &Client) -> Option<JoinState> {
    c.rooms().room(&room()).map(|r| r.state.clone())
}

#[test]
fn autojoin_bookmarks_are_entered_once_the_account_is_available() {
    let (mut c, id) = signed_in_asking_bookmarks();
    c.handle_frame(t(), &bookmarks_result(&id, COVEN_AUTOJOIN));
    let sent = frames(&mut c);
    // The room's disco#info first, then the presence that enters it with the nickname.
    let info = sent
        .iter()
        .position(|f| f.has_child("query", ns::DISCO_INFO));
    let join = sent.iter().position(|f| {
        f.is("presence", ns::DEFAULT_NS)
            && f.attr("to") == Some("coven@chat.example.org/thirdwitch")
            && f.has_child("x", ns::MUC)
    });
    assert!(info.unwrap() < join.unwrap(), "{sent:?}");
    assert!(updates(&mut c).contains(&Update::Bookmarks));
    assert_eq!(state(&c), Some(JoinState::Joining));
    answer_room_info(&mut c, &sent);
    enter(&mut c);
    assert_eq!(state(&c), Some(JoinState::Joined));
    let got = updates(&mut c);
    assert!(got.contains(&Update::RoomJoined(room())), "{got:?}");
    // Bookmarked already, as entered: nothing to write.
    assert!(c.compose_bookmark("b1", &room()).is_none());
}

#[test]
fn no_room_is_entered_before_the_initial_presence() {
    let mut c = Client::new(config());
    c.restore_bookmarks(&format!(
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'>{COVEN_AUTOJOIN}</items></pubsub>"
    ));
    let sent = sign_in_seeing_all(&mut c);
    assert!(presences_to(&sent).is_empty(), "{sent:?}");
    let roster = sent
        .iter()
        .find(|f| f.has_child("query", ns::ROSTER))
        .and_then(|f| f.attr("id"))
        .unwrap();
    c.handle_frame(
        t(),
        &format!("<iq xmlns='jabber:client' type='result' id='{roster}'/>"),
    );
    let first = frames(&mut c);
    assert!(presences_to(&first).is_empty(), "{first:?}");
    let after = answer_anchor(&mut c, &first);
    // The account's presence, then the room's, once.
    assert_eq!(
        presences_to(&after),
        [
            (String::new(), None),
            ("coven@chat.example.org/thirdwitch".to_owned(), None)
        ]
    );
}

#[test]
fn a_rooms_presences_and_messages_are_never_a_contacts() {
    let mut c = in_the_coven();
    assert_eq!(
        c.rooms()
            .room(&room())
            .and_then(|r| r.info.as_ref())
            .and_then(|i| i.name.clone()),
        Some("The Coven".to_owned())
    );
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}' type='groupchat' id='g1'>\
         <body>Thrice the brinded cat hath mew'd, thirdwitch</body><stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='r1'/></message>"
    ));
    let got = updates(&mut c);
    assert!(got.contains(&Update::Room(room())), "{got:?}");
    // A live mention is news; the room is no conversation of the chat.
    assert!(
        got.iter().any(|u| matches!(u, Update::Message { .. })),
        "{got:?}"
    );
    assert!(!got.iter().any(|u| matches!(u, Update::Conversation(_))));
    assert!(c.chat().conversation(&room()).is_none());
    let r = c.rooms().room(&room()).unwrap();
    assert_eq!(r.messages.len(), 1);
    assert_eq!(r.messages[0].nick, "firstwitch");
    assert!(r.messages[0].mentions_me);
    assert_eq!(r.messages[0].stanza_id.as_deref(), Some("r1"));
    assert_eq!(r.occupant_count(), 2);
    // An occupant's presence is the room's: no contact's presence, no request.
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='{ROOM}/secondwitch' to='{BOUND}'><x xmlns='http://jabber.org/protocol/muc#user'>\
         <item affiliation='none' role='participant'/></x></presence>"
    ));
    let got = updates(&mut c);
    assert_eq!(got, [Update::Occupants(room())]);
    assert!(c.presence().availability(&room()) == Availability::Offline);
}

#[test]
fn a_private_message_through_a_room_is_kept_apart_from_chats() {
    let mut c = in_the_coven();
    c.handle_frame(
        t(),
        &format!(
        "<message xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}' type='chat' id='p1'>\
         <body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"
    ),
    );
    let got = updates(&mut c);
    assert!(c.chat().conversations().is_empty(), "{got:?}");
    assert!(!got
        .iter()
        .any(|u| matches!(u, Update::Conversation(_) | Update::Message { .. })));
    // A contact's own chat still is one.
    c.handle_frame(t(), "<message xmlns='jabber:client' from='juliet@example.com/balcony' to='user@example.org/kith' type='chat' id='m1'><body>hi</body></message>");
    assert_eq!(c.chat().conversations().len(), 1);
}

/// [`managed_client`] with its initial presence out.
fn managed_and_available() -> Client {
    let (mut c, _) = managed_client();
    let first = all_frames(&mut c);
    answer_anchor(&mut c, &first);
    c
}

#[test]
fn a_room_message_waits_for_the_room_and_is_delivered_by_its_echo() {
    let mut c = managed_and_available();
    assert!(c.join_room(t(), room(), Some("thirdwitch"), None));
    let sent = all_frames(&mut c);
    assert!(presences_to(&sent)
        .iter()
        .any(|(to, _)| to == "coven@chat.example.org/thirdwitch"));
    // Written while entering: Pending, shown at once as the account's own.
    let entry = c.compose_message(t(), "k1", &room(), text("Fair is foul"));
    assert_eq!(entry.kind, WriteKind::Message { to: room() });
    c.submit(t(), entry).unwrap();
    let sent = all_frames(&mut c);
    assert!(
        !sent.iter().any(|f| f.is("message", ns::DEFAULT_NS)),
        "not sent before the room lets us in: {sent:?}"
    );
    assert!(c.outbox().is_pending("k1"));
    assert!(c.chat().conversation(&room()).is_none());
    let r = c.rooms().room(&room()).unwrap();
    assert_eq!((r.messages.len(), r.messages[0].outgoing), (1, true));
    enter(&mut c);
    let sent = all_frames(&mut c);
    let message = sent
        .iter()
        .find(|f| f.is("message", ns::DEFAULT_NS))
        .expect("sent once in the room");
    assert_eq!(message.attr("type"), Some("groupchat"));
    assert_eq!(message.attr("to"), Some(ROOM));
    assert_eq!(message.attr("id"), Some("k1"));
    let origin = message.get_child("origin-id", ns::SID).unwrap();
    assert_eq!(origin.attr("id"), Some("k1"));
    updates(&mut c);
    assert!(c.outbox().is_pending("k1"));
    // The room's echo: it has it (before any stream management ack).
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='{ROOM}/thirdwitch' to='{BOUND}' type='groupchat' id='k1'>\
         <body>Fair is foul</body><origin-id xmlns='urn:xmpp:sid:0' id='k1'/></message>"
    ));
    assert!(updates(&mut c).contains(&Update::Delivered("k1".into())));
    assert!(!c.outbox().is_pending("k1"));
    // One message, not two.
    assert_eq!(c.rooms().room(&room()).unwrap().messages.len(), 1);
}

#[test]
fn an_echo_forged_by_another_occupant_does_not_deliver() {
    let mut c = managed_and_available();
    c.join_room(t(), room(), Some("thirdwitch"), None);
    enter(&mut c);
    let entry = c.compose_message(t(), "k1", &room(), text("Fair is foul"));
    c.submit(t(), entry).unwrap();
    all_frames(&mut c);
    updates(&mut c);
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}' type='groupchat' id='k1'>\
         <body>Fair is foul</body><origin-id xmlns='urn:xmpp:sid:0' id='k1'/></message>"
    ));
    assert!(!updates(&mut c).contains(&Update::Delivered("k1".into())));
    assert!(c.outbox().is_pending("k1"));
}

#[test]
fn a_refused_join_says_why() {
    let (mut c, _) = signed_in_asking_bookmarks();
    c.join_room(t(), room(), Some("thirdwitch"), None);
    frames(&mut c);
    c.handle_frame(t(), &format!(
        "<presence xmlns='jabber:client' from='{ROOM}/thirdwitch' to='{BOUND}' type='error'><x xmlns='http://jabber.org/protocol/muc'/>\
         <error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
    ));
    assert!(matches!(
        state(&c),
        Some(JoinState::Failed(e)) if e.kind == crate::proto::xep0045::JoinErrorKind::NickConflict
    ));
    let got = updates(&mut c);
    assert!(got.contains(&Update::Room(room())));
    assert!(!got.iter().any(|u| matches!(u, Update::RoomJoined(_))));
    // Not entered: nothing to bookmark.
    assert!(c.compose_bookmark("b1", &room()).is_none());
}

#[test]
fn entering_bookmarks_the_room_and_leaving_removes_it() {
    let mut c = in_the_coven();
    let entry = c
        .compose_bookmark("b1", &room())
        .expect("a bookmark to write");
    assert_eq!(entry.kind, WriteKind::Bookmark);
    let iq: Element = entry.payload.parse().unwrap();
    let item = iq
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("publish", ns::PUBSUB))
        .filter(|p| p.attr("node") == Some(ns::BOOKMARKS))
        .and_then(|p| p.get_child("item", ns::PUBSUB))
        .unwrap();
    assert_eq!(item.attr("id"), Some(ROOM));
    let conference = item.get_child("conference", ns::BOOKMARKS).unwrap();
    assert_eq!(conference.attr("autojoin"), Some("true"));
    assert_eq!(conference.attr("name"), Some("The Coven"));
    assert_eq!(
        conference
            .get_child("nick", ns::BOOKMARKS)
            .map(Element::text),
        Some("thirdwitch".to_owned())
    );
    assert!(updates(&mut c).contains(&Update::Bookmarks));
    c.submit(t(), entry).unwrap();
    assert!(frames(&mut c).iter().any(|f| f.attr("id") == Some("b1")));
    // Leave room: out of the room, and the bookmark retracted.
    let entry = c.leave_room(t(), "b2", &room());
    let sent = frames(&mut c);
    assert_eq!(
        presences_to(&sent),
        [(
            "coven@chat.example.org/thirdwitch".to_owned(),
            Some("unavailable".to_owned())
        )]
    );
    assert_eq!(state(&c), Some(JoinState::Left));
    assert!(c.rooms().bookmark(&room()).is_none());
    let iq: Element = entry.payload.parse().unwrap();
    let retract = iq
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("retract", ns::PUBSUB))
        .unwrap();
    assert_eq!(retract.attr("node"), Some(ns::BOOKMARKS));
    assert_eq!(
        retract
            .get_child("item", ns::PUBSUB)
            .and_then(|i| i.attr("id")),
        Some(ROOM)
    );
}

#[test]
fn bookmark_pushes_apply_only_from_the_account() {
    let (mut c, id) = signed_in_asking_bookmarks();
    c.handle_frame(t(), &bookmarks_result(&id, ""));
    frames(&mut c);
    let push = |from: &str, items: &str| {
        format!(
            "<message xmlns='jabber:client' from='{from}' to='{BOUND}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>{items}</items></event></message>"
        )
    };
    // Someone else's "bookmark" is nothing.
    c.handle_frame(t(), &push("mallory@example.com", COVEN_AUTOJOIN));
    assert!(presences_to(&frames(&mut c)).is_empty());
    assert!(c.rooms().bookmark(&room()).is_none());
    // The account's other device bookmarked it: entered here too.
    c.handle_frame(t(), &push("user@example.org", COVEN_AUTOJOIN));
    let sent = frames(&mut c);
    assert_eq!(
        presences_to(&sent),
        [("coven@chat.example.org/thirdwitch".to_owned(), None)]
    );
    answer_room_info(&mut c, &sent);
    enter(&mut c);
    // And removed there: left here.
    c.handle_frame(
        t(),
        &push("user@example.org", "<retract id='coven@chat.example.org'/>"),
    );
    assert_eq!(
        presences_to(&frames(&mut c)),
        [(
            "coven@chat.example.org/thirdwitch".to_owned(),
            Some("unavailable".to_owned())
        )]
    );
    assert_eq!(state(&c), Some(JoinState::Left));
}

#[test]
fn a_bookmark_gone_from_the_server_leaves_the_room_this_device_remembered() {
    let mut c = Client::new(config());
    c.restore_bookmarks(&format!(
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'>{COVEN_AUTOJOIN}</items></pubsub>"
    ));
    assert!(c.rooms().is_room(&room()));
    let sent = sign_in_seeing_all(&mut c);
    let id = sent
        .iter()
        .find(|f| is_bookmarks_request(f))
        .and_then(|f| f.attr("id"))
        .unwrap();
    c.handle_frame(t(), &format!("<iq xmlns='jabber:client' type='error' id='{id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert!(c.rooms().bookmark(&room()).is_none());
    assert_eq!(state(&c), Some(JoinState::Left));
}

#[test]
fn a_new_stream_enters_the_rooms_again_since_the_newest_message() {
    let mut c = in_the_coven();
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}' type='groupchat' id='g1'>\
         <body>When shall we three meet again</body><delay xmlns='urn:xmpp:delay' stamp='2026-11-28T03:30:00Z'/></message>"
    ));
    new_stream(&mut c);
    let sent = frames(&mut c);
    let join = sent
        .iter()
        .find(|f| {
            f.is("presence", ns::DEFAULT_NS)
                && f.attr("to") == Some("coven@chat.example.org/thirdwitch")
        })
        .expect("entered again");
    let history = join
        .get_child("x", ns::MUC)
        .and_then(|x| x.get_child("history", ns::MUC))
        .unwrap();
    assert_eq!(history.attr("since"), Some("2026-11-28T03:30:00Z"));
    assert_eq!(state(&c), Some(JoinState::Joining));
}

#[test]
fn stored_room_records_restore_the_room_not_a_chat() {
    let mut c = in_the_coven();
    c.handle_frame(t(), &format!(
        "<message xmlns='jabber:client' from='{ROOM}/firstwitch' to='{BOUND}' type='groupchat' id='g1'>\
         <body>Hail</body><stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='r1'/>\
         <delay xmlns='urn:xmpp:delay' stamp='2026-11-28T03:30:00Z'/></message>"
    ));
    let records: Vec<MessageRecord> = updates(&mut c)
        .into_iter()
        .filter_map(|u| match u {
            Update::MessageRecords(r) => Some(r),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(records.len(), 1);
    // A new start that knows nothing of the room yet: the records say it is one.
    let mut fresh = Client::new(config());
    fresh.restore_conversation(&room(), &records, 0.0, false);
    assert!(fresh.chat().conversation(&room()).is_none());
    let r = fresh.rooms().room(&room()).unwrap();
    assert_eq!(r.messages.len(), 1);
    assert_eq!(r.messages[0].stanza_id.as_deref(), Some("r1"));
    assert_eq!(r.unread(), 1);
    // Read: kept like a chat's.
    fresh.mark_read(t(), &room());
    assert!(updates(&mut fresh)
        .iter()
        .any(|u| matches!(u, Update::ReadUntil { peer, .. } if *peer == room())));
}

/// ejabberd 23.01's answer to a bookmark published with XEP-0402's options.
fn ejabberd_refuses_send_last(id: &str) -> String {
    format!(
        "<iq xmlns='jabber:client' xml:lang='en' to='{BOUND}' from='user@example.org' type='error' id='{id}'>\
         <error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Unknown field &apos;pubsub#send_last_published_item&apos; of type &apos;http://jabber.org/protocol/pubsub#publish-options&apos;</text>\
         </error></iq>"
    )
}

#[test]
fn a_bookmark_refused_for_its_publish_options_configures_the_node_and_goes_again_without() {
    let mut c = in_the_coven();
    let entry = c.compose_bookmark("b1", &room()).unwrap();
    c.submit(t(), entry).unwrap();
    frames(&mut c);
    c.handle_frame(t(), &ejabberd_refuses_send_last("b1"));
    let sent = frames(&mut c);
    let ids: Vec<&str> = sent.iter().filter_map(|f| f.attr("id")).collect();
    assert_eq!(ids, ["b1-create", "b1-configure", "b1"]);
    let create = sent[0]
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("create", ns::PUBSUB))
        .unwrap();
    assert_eq!(create.attr("node"), Some(ns::BOOKMARKS));
    // The node keeps what the options asked for; the bookmark goes without them.
    let config = form_fields(&sent[1]);
    for wanted in [
        ("pubsub#access_model", "whitelist"),
        ("pubsub#send_last_published_item", "never"),
        ("pubsub#max_items", "max"),
    ] {
        assert!(
            config.contains(&(wanted.0.into(), wanted.1.into())),
            "{config:?}"
        );
    }
    let publish = sent[2].get_child("pubsub", ns::PUBSUB).unwrap();
    assert!(publish.get_child("publish-options", ns::PUBSUB).is_none());
    assert!(publish.has_child("publish", ns::PUBSUB));
    // Refused again: no second recovery; after a few `wait`s, left to the person.
    let mut again = vec![];
    for _ in 0..5 {
        c.handle_frame(t(), &ejabberd_refuses_send_last("b1"));
        again.extend(frames(&mut c));
    }
    assert!(!again.iter().any(|f| f.attr("id") == Some("b1-create")));
    assert!(again.iter().filter(|f| f.attr("id") == Some("b1")).count() <= 3);
    assert!(outbox_reports(&mut c)
        .iter()
        .flatten()
        .any(|(id, failed)| id == "b1" && failed.is_some()));
}

#[test]
fn removing_a_bookmark_that_is_not_there_is_done() {
    let mut c = in_the_coven();
    let entry = c.leave_room(t(), "b2", &room());
    c.submit(t(), entry).unwrap();
    frames(&mut c);
    updates(&mut c);
    c.handle_frame(t(), "<iq xmlns='jabber:client' type='error' id='b2'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert!(updates(&mut c).contains(&Update::Delivered("b2".into())));
}
