//! XEP-0402: PEP Native Bookmarks — the rooms the account keeps, one item per room on its
//! own PEP node `urn:xmpp:bookmarks:1`, the item id being the room's JID.

use minidom::Element;

use super::jid::BareJid;
use super::ns;
use super::rfc6121::Message;
use super::xep0004;
use super::xep0060;
use super::xml::Attrs;

/// §3: one bookmarked room.
#[derive(Debug, Clone, PartialEq)]
pub struct Bookmark {
    pub room: BareJid,
    pub name: Option<String>,
    /// Joined on every sign-in, on every device.
    pub autojoin: bool,
    pub nick: Option<String>,
    pub password: Option<String>,
    /// §3.2: what other clients keep here, sent back untouched.
    pub extensions: Option<Element>,
}

impl Bookmark {
    pub fn new(room: BareJid) -> Bookmark {
        Bookmark {
            room,
            name: None,
            autojoin: false,
            nick: None,
            password: None,
            extensions: None,
        }
    }

    /// An `<item id=room><conference/></item>` of a result or an event; `None` when the
    /// id is no bare JID or the payload is missing.
    pub fn read(item: &Element) -> Option<Bookmark> {
        let room = BareJid::new(item.attr("id")?).ok()?;
        let conference = item.get_child("conference", ns::BOOKMARKS)?;
        let child = |name: &str| {
            conference
                .get_child(name, ns::BOOKMARKS)
                .map(Element::text)
                .filter(|t| !t.is_empty())
        };
        Some(Bookmark {
            room,
            name: conference
                .attr("name")
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            // xs:boolean.
            autojoin: matches!(conference.attr("autojoin"), Some("true" | "1")),
            nick: child("nick"),
            password: child("password"),
            extensions: conference.get_child("extensions", ns::BOOKMARKS).cloned(),
        })
    }

    /// The `<conference/>` payload.
    pub fn to_element(&self) -> Element {
        let text = |name: &str, value: &Option<String>| {
            value.as_ref().map(|v| {
                Element::builder(name, ns::BOOKMARKS)
                    .append(v.as_str())
                    .build()
            })
        };
        Element::builder("conference", ns::BOOKMARKS)
            .a("autojoin", self.autojoin.then_some("true"))
            .a("name", self.name.as_deref())
            .append_all(text("nick", &self.nick))
            .append_all(text("password", &self.password))
            .append_all(self.extensions.clone())
            .build()
    }
}

/// §3.3: asks for every bookmark (the payload of an iq get to the account).
pub fn request() -> Element {
    Element::builder("pubsub", ns::PUBSUB)
        .append(xep0060::items(ns::BOOKMARKS, None))
        .build()
}

/// The bookmarks of an items result (`<pubsub/>`); `None` if it is not one of this node.
pub fn read_items(pubsub: &Element) -> Option<Vec<Bookmark>> {
    let items = pubsub
        .get_child("items", ns::PUBSUB)
        .filter(|i| pubsub.is("pubsub", ns::PUBSUB) && i.attr("node") == Some(ns::BOOKMARKS))?;
    Some(
        items
            .children()
            .filter(|c| c.is("item", ns::PUBSUB))
            .filter_map(Bookmark::read)
            .collect(),
    )
}

/// One change pushed by the account's PEP service.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Added or changed.
    Set(Bookmark),
    /// §3.5: the bookmark was removed (the room is to be left).
    Removed(BareJid),
}

/// §3.4–3.5: the changes of a bookmarks event. Only the account's own PEP service speaks
/// for its bookmarks: an event from anyone else (another user, a full JID) is `None`, as
/// is a message that is no bookmarks event.
pub fn read_push(message: &Message, account: &BareJid) -> Option<Vec<Change>> {
    // RFC 6120 §8.1.2.1: no `from` is the account's server, on its behalf.
    let ours = message
        .from
        .as_ref()
        .is_none_or(|from| from.is_bare() && from.to_bare() == *account);
    let items = message
        .payloads
        .iter()
        .find(|p| p.is("event", ns::PUBSUB_EVENT))?
        .get_child("items", ns::PUBSUB_EVENT)
        .filter(|i| ours && i.attr("node") == Some(ns::BOOKMARKS))?;
    let changes = items.children().filter_map(|child| match child.name() {
        "item" if child.ns() == ns::PUBSUB_EVENT => Bookmark::read(child).map(Change::Set),
        "retract" if child.ns() == ns::PUBSUB_EVENT => {
            BareJid::new(child.attr("id")?).ok().map(Change::Removed)
        }
        _ => None,
    });
    Some(changes.collect())
}

/// §3.3: what the node must be for bookmarks to stay private and whole: kept, every item,
/// never pushed as "last published" (a new item is pushed anyway), readable only by the
/// account.
const OPTIONS: [(&str, &str); 4] = [
    ("pubsub#persist_items", "true"),
    ("pubsub#max_items", "max"),
    ("pubsub#send_last_published_item", "never"),
    ("pubsub#access_model", "whitelist"),
];

fn form(form_type: &str) -> Element {
    xep0004::submit(
        form_type,
        OPTIONS.map(|(var, value)| xep0004::field(var, value)),
    )
}

/// §3.3: adds or replaces a bookmark, with the publish options the XEP requires.
pub fn publish(bookmark: &Bookmark) -> Element {
    xep0060::publish(
        ns::BOOKMARKS,
        bookmark.room.as_str(),
        bookmark.to_element(),
        Some(form(ns::PUBSUB_PUBLISH_OPTIONS)),
    )
}

/// The same settings as a node configuration, for a service that refuses one of them as
/// a publish option (see `service::feed::wire::without_max_items_option`).
pub fn node_config() -> Element {
    form(ns::PUBSUB_CONFIGURE)
}

/// §3.5: removes the bookmark of `room`, telling the account's other devices.
pub fn retract(room: &BareJid) -> Element {
    xep0060::retract(ns::BOOKMARKS, room.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "juliet@capulet.lit";

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn me() -> BareJid {
        BareJid::new(ME).unwrap()
    }

    fn event(from: &str, inner: &str) -> Message {
        let from = match from {
            "" => String::new(),
            from => format!(" from='{from}'"),
        };
        Message::try_from(el(&format!(
            "<message xmlns='jabber:client'{from} to='{ME}/balcony' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>{inner}</items></event></message>"
        )))
        .unwrap()
    }

    const PLAY: &str = "<item id='theplay@conference.shakespeare.lit'>\
        <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'>\
        <nick>JC</nick><password>secret</password>\
        <extensions><state xmlns='http://myclient.example/bookmark/state' minimized='true'/></extensions>\
        </conference></item>";

    #[test]
    fn items_result_reads_every_bookmark() {
        let result = el(&format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'>\
             {PLAY}<item id='orchard@conference.shakespeare.lit'>\
             <conference xmlns='urn:xmpp:bookmarks:1' autojoin='false'/></item>\
             <item id='not a jid@/x'><conference xmlns='urn:xmpp:bookmarks:1'/></item>\
             <item id='empty@conference.shakespeare.lit'/></items></pubsub>"
        ));
        let bookmarks = read_items(&result).unwrap();
        assert_eq!(
            bookmarks.len(),
            2,
            "items without a room JID or payload are skipped"
        );
        let play = &bookmarks[0];
        assert_eq!(play.room.as_str(), "theplay@conference.shakespeare.lit");
        assert_eq!(play.name.as_deref(), Some("The Play's the Thing"));
        assert!(play.autojoin);
        assert_eq!(play.nick.as_deref(), Some("JC"));
        assert_eq!(play.password.as_deref(), Some("secret"));
        assert!(play.extensions.is_some());
        assert!(!bookmarks[1].autojoin);
        assert_eq!(bookmarks[1].nick, None);
        let other_node = el("<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:microblog:0'/></pubsub>");
        assert_eq!(read_items(&other_node), None);
    }

    #[test]
    fn pushes_add_and_retract() {
        let added = read_push(&event(ME, PLAY), &me()).unwrap();
        let [Change::Set(bookmark)] = added.as_slice() else {
            panic!("{added:?}");
        };
        assert_eq!(bookmark.nick.as_deref(), Some("JC"));
        let removed = read_push(
            &event("", "<retract id='theplay@conference.shakespeare.lit'/>"),
            &me(),
        )
        .unwrap();
        assert_eq!(
            removed,
            [Change::Removed(
                BareJid::new("theplay@conference.shakespeare.lit").unwrap()
            )]
        );
    }

    #[test]
    fn forged_pushes_are_refused() {
        // Another user, the account's own full JID (a client, not the PEP service), and
        // a contact's server.
        for from in [
            "romeo@montague.lit",
            "juliet@capulet.lit/balcony",
            "capulet.lit",
        ] {
            assert_eq!(read_push(&event(from, PLAY), &me()), None, "{from}");
        }
        let chat = Message::try_from(el(&format!(
            "<message xmlns='jabber:client' from='{ME}'><body>hi</body></message>"
        )))
        .unwrap();
        assert_eq!(read_push(&chat, &me()), None);
    }

    #[test]
    fn publish_carries_the_required_options_and_round_trips() {
        let mut bookmark =
            Bookmark::new(BareJid::new("theplay@conference.shakespeare.lit").unwrap());
        bookmark.autojoin = true;
        bookmark.nick = Some("JC".into());
        bookmark.extensions = Some(el(
            "<extensions xmlns='urn:xmpp:bookmarks:1'><x xmlns='urn:example'/></extensions>",
        ));
        let pubsub = publish(&bookmark);
        let item = pubsub
            .get_child("publish", ns::PUBSUB)
            .filter(|p| p.attr("node") == Some(ns::BOOKMARKS))
            .and_then(|p| p.get_child("item", ns::PUBSUB))
            .unwrap();
        assert_eq!(item.attr("id"), Some("theplay@conference.shakespeare.lit"));
        assert_eq!(Bookmark::read(item), Some(bookmark));
        let options = pubsub
            .get_child("publish-options", ns::PUBSUB)
            .and_then(|o| o.get_child("x", ns::DATA_FORMS))
            .map(xep0004::Form::read)
            .unwrap();
        let value = |var: &str| {
            options
                .fields
                .iter()
                .find(|f| f.var.as_deref() == Some(var))
                .and_then(|f| f.values.first().cloned())
        };
        assert_eq!(
            value("FORM_TYPE").as_deref(),
            Some(ns::PUBSUB_PUBLISH_OPTIONS)
        );
        assert_eq!(value("pubsub#persist_items").as_deref(), Some("true"));
        assert_eq!(value("pubsub#max_items").as_deref(), Some("max"));
        assert_eq!(
            value("pubsub#send_last_published_item").as_deref(),
            Some("never")
        );
        assert_eq!(value("pubsub#access_model").as_deref(), Some("whitelist"));
    }

    #[test]
    fn retract_and_request_name_the_node() {
        let room = BareJid::new("theplay@conference.shakespeare.lit").unwrap();
        let retract = retract(&room);
        let r = retract.get_child("retract", ns::PUBSUB).unwrap();
        assert_eq!(r.attr("node"), Some(ns::BOOKMARKS));
        assert_eq!(r.attr("notify"), Some("true"));
        assert_eq!(
            r.get_child("item", ns::PUBSUB).and_then(|i| i.attr("id")),
            Some("theplay@conference.shakespeare.lit")
        );
        let request = request();
        assert_eq!(
            request
                .get_child("items", ns::PUBSUB)
                .and_then(|i| i.attr("node")),
            Some(ns::BOOKMARKS)
        );
    }
}
