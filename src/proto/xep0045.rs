//! XEP-0045: Multi-User Chat — entering a room, the presence of its occupants, its subject
//! and invitations, and the admin and owner requests Kith sends (the `<query/>` payloads of
//! iqs to the room). What the room's disco says is read into [`RoomInfo`].

use minidom::Element;

use super::jid::{BareJid, FullJid, Jid};
use super::ns;
use super::rfc6120::{DefinedCondition, StanzaError};
use super::rfc6121::{Message, MessageType, Presence, PresenceType};
use super::xep0004::{self, Form};
use super::xep0030::DiscoInfo;
use super::xml::Attrs;

/// §5.1: an occupant's role in the room, least to most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    #[default]
    None,
    Visitor,
    Participant,
    Moderator,
}

impl Role {
    const ALL: [(Role, &'static str); 4] = [
        (Role::None, "none"),
        (Role::Visitor, "visitor"),
        (Role::Participant, "participant"),
        (Role::Moderator, "moderator"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("none", |(_, s)| s)
    }

    fn parse(text: &str) -> Option<Role> {
        Self::ALL.iter().find(|(_, s)| *s == text).map(|(r, _)| *r)
    }
}

/// §5.2: a user's long-lived affiliation with the room, least to most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Affiliation {
    Outcast,
    #[default]
    None,
    Member,
    Admin,
    Owner,
}

impl Affiliation {
    const ALL: [(Affiliation, &'static str); 5] = [
        (Affiliation::Outcast, "outcast"),
        (Affiliation::None, "none"),
        (Affiliation::Member, "member"),
        (Affiliation::Admin, "admin"),
        (Affiliation::Owner, "owner"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("none", |(_, s)| s)
    }

    fn parse(text: &str) -> Option<Affiliation> {
        Self::ALL.iter().find(|(_, s)| *s == text).map(|(a, _)| *a)
    }
}

/// §15.6: the status codes Kith acts on.
pub mod status {
    /// The room shows every occupant's real JID.
    pub const NON_ANONYMOUS: u16 = 100;
    /// This presence is about the receiving occupant itself.
    pub const SELF: u16 = 110;
    /// The room is logged.
    pub const LOGGED: u16 = 170;
    /// A new room was created (and is locked until configured, §10.1).
    pub const CREATED: u16 = 201;
    /// The service chose or changed the nickname.
    pub const NICK_ASSIGNED: u16 = 210;
    pub const BANNED: u16 = 301;
    /// The occupant changed nickname; the item's `nick` is the new one.
    pub const NICK_CHANGED: u16 = 303;
    pub const KICKED: u16 = 307;
    /// Removed because the affiliation changed.
    pub const REMOVED_AFFILIATION: u16 = 321;
    /// Removed because the room became members-only.
    pub const REMOVED_MEMBERS_ONLY: u16 = 322;
    /// Removed because the service is shutting down.
    pub const REMOVED_SHUTDOWN: u16 = 332;
}

/// §7.2.13: how much of the room's history to send on entering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum History {
    /// What the room sends by default.
    RoomDefault,
    /// At most this many messages (0: none, when the archive is read instead).
    MaxStanzas(u32),
    /// Messages since this time (ms since the epoch), e.g. the newest one already held.
    Since(f64),
}

/// §7.2: the presence that enters the room as `occupant` (room@service/nick), with the
/// room's password if it has one.
pub fn join(occupant: FullJid, password: Option<&str>, history: History) -> Presence {
    let password = password.map(|p| Element::builder("password", ns::MUC).append(p).build());
    let history = match history {
        History::RoomDefault => None,
        History::MaxStanzas(n) => Some(
            Element::builder("history", ns::MUC)
                .a("maxstanzas", n.to_string())
                .build(),
        ),
        History::Since(ms) => chrono::DateTime::from_timestamp_millis(ms as i64).map(|t| {
            Element::builder("history", ns::MUC)
                .a(
                    "since",
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                )
                .build()
        }),
    };
    let x = Element::builder("x", ns::MUC)
        .append_all(password)
        .append_all(history)
        .build();
    let mut presence = Presence::new(PresenceType::None).with_to(occupant);
    presence.payloads.push(x);
    presence
}

/// §5.2 item of a `muc#user` or `muc#admin` element: who an occupant is to the room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    pub affiliation: Affiliation,
    pub role: Role,
    /// The real JID, when the room shows it to us.
    pub jid: Option<Jid>,
    /// The new nickname of a nick change (303), or the nickname an admin request names.
    pub nick: Option<String>,
    /// The actor's nickname, for a kick or a ban.
    pub actor: Option<String>,
    pub reason: Option<String>,
}

impl Item {
    /// `None` when an attribute holds a value the XEP does not define.
    fn read(el: &Element) -> Option<Item> {
        Some(Item {
            affiliation: match el.attr("affiliation") {
                Some(a) => Affiliation::parse(a)?,
                None => Affiliation::None,
            },
            role: match el.attr("role") {
                Some(r) => Role::parse(r)?,
                None => Role::None,
            },
            jid: el.attr("jid").and_then(|j| Jid::new(j).ok()),
            nick: el.attr("nick").map(str::to_owned),
            actor: el
                .children()
                .find(|c| c.name() == "actor")
                .and_then(|a| a.attr("nick"))
                .map(str::to_owned),
            reason: reason(el),
        })
    }
}

/// The text of a `<reason/>` child in the element's own namespace, if not empty.
fn reason(el: &Element) -> Option<String> {
    el.get_child("reason", el.ns().as_str())
        .map(Element::text)
        .filter(|r| !r.is_empty())
}

/// §15.6: the `<x xmlns='…muc#user'/>` of an occupant's presence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MucUser {
    pub item: Item,
    pub statuses: Vec<u16>,
}

impl MucUser {
    /// The occupant's part of a presence from a room; `None` if it has none or a
    /// malformed one.
    pub fn read(presence: &Presence) -> Option<MucUser> {
        let x = presence.payloads.iter().find(|p| p.is("x", ns::MUC_USER))?;
        let item = match x.get_child("item", ns::MUC_USER) {
            Some(item) => Item::read(item)?,
            None => Item::default(),
        };
        let statuses = x
            .children()
            .filter(|c| c.is("status", ns::MUC_USER))
            .filter_map(|s| s.attr("code")?.parse().ok())
            .collect();
        Some(MucUser { item, statuses })
    }

    pub fn has(&self, code: u16) -> bool {
        self.statuses.contains(&code)
    }
}

/// §7.2.6–7.2.11: why entering a room failed, in terms a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinErrorKind {
    /// `conflict`: someone in the room has that nickname.
    NickConflict,
    /// `not-authorized`: the room asks for a password (or it was wrong).
    PasswordRequired,
    /// `registration-required`: only members may enter.
    MembersOnly,
    /// `forbidden`: the user is banned.
    Banned,
    /// `service-unavailable`: the room is full.
    Full,
    Other(DefinedCondition),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinError {
    pub kind: JoinErrorKind,
    /// The room's own words, if it gave any.
    pub text: Option<String>,
}

impl JoinError {
    /// The error of a presence of type `error` from the room; `None` for any other.
    pub fn read(presence: &Presence) -> Option<JoinError> {
        if presence.type_ != PresenceType::Error {
            return None;
        }
        let error = presence
            .payloads
            .iter()
            .find(|p| p.is("error", ns::DEFAULT_NS))
            .and_then(|e| StanzaError::try_from(e.clone()).ok());
        let Some(error) = error else {
            return Some(JoinError {
                kind: JoinErrorKind::Other(DefinedCondition::UndefinedCondition),
                text: None,
            });
        };
        let kind = match error.defined_condition {
            DefinedCondition::Conflict => JoinErrorKind::NickConflict,
            DefinedCondition::NotAuthorized => JoinErrorKind::PasswordRequired,
            DefinedCondition::RegistrationRequired => JoinErrorKind::MembersOnly,
            DefinedCondition::Forbidden => JoinErrorKind::Banned,
            DefinedCondition::ServiceUnavailable => JoinErrorKind::Full,
            other => JoinErrorKind::Other(other),
        };
        let text = error
            .texts
            .get("")
            .or_else(|| error.texts.values().next())
            .cloned()
            .filter(|t| !t.is_empty());
        Some(JoinError { kind, text })
    }
}

/// §8.1: the subject a groupchat message sets — one with a `<subject/>` and no body
/// (with a body it is a message that has a subject). `Some("")` clears it.
pub fn subject(message: &Message) -> Option<String> {
    if message.type_ != MessageType::Groupchat || !message.bodies.is_empty() {
        return None;
    }
    let subjects: Vec<&Element> = message
        .payloads
        .iter()
        .filter(|p| p.is("subject", ns::DEFAULT_NS))
        .collect();
    let plain = subjects.iter().find(|s| super::xml::lang(s).is_empty());
    plain.or(subjects.first()).map(|s| s.text())
}

/// §8.1: changes the subject of `room`.
pub fn set_subject(room: &BareJid, subject: &str) -> Message {
    let mut message = Message::new(Some(room.clone().into()));
    message.type_ = MessageType::Groupchat;
    message.payloads.push(
        Element::builder("subject", ns::DEFAULT_NS)
            .append(subject)
            .build(),
    );
    message
}

/// §7.5: marks a private message to an occupant as sent through the room.
pub fn private_marker() -> Element {
    Element::builder("x", ns::MUC_USER).build()
}

/// Whether a message carries the `muc#user` marker of a private message (§7.5), rather
/// than an invitation.
pub fn is_private(message: &Message) -> bool {
    message
        .payloads
        .iter()
        .any(|p| p.is("x", ns::MUC_USER) && !p.has_child("invite", ns::MUC_USER))
}

/// An invitation to a room, mediated by the room (§7.8.2) or direct (XEP-0249).
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub room: BareJid,
    /// Who invites, as the room or the message says: shown as a JID, not trusted as a name.
    pub from: Option<Jid>,
    pub reason: Option<String>,
    pub password: Option<String>,
}

/// §7.8.2: a mediated invitation; only a room (a bare JID) sends one.
pub fn read_invitation(message: &Message) -> Option<Invitation> {
    let room = message.from.as_ref().filter(|f| f.is_bare())?.to_bare();
    let x = message.payloads.iter().find(|p| p.is("x", ns::MUC_USER))?;
    let invite = x.get_child("invite", ns::MUC_USER)?;
    Some(Invitation {
        room,
        from: invite.attr("from").and_then(|j| Jid::new(j).ok()),
        reason: reason(invite),
        password: x
            .get_child("password", ns::MUC_USER)
            .map(Element::text)
            .filter(|p| !p.is_empty()),
    })
}

/// §7.8.2: asks `room` to invite `to`.
pub fn invite(room: &BareJid, to: &BareJid, reason: Option<&str>) -> Message {
    let reason = reason.map(|r| Element::builder("reason", ns::MUC_USER).append(r).build());
    let invite = Element::builder("invite", ns::MUC_USER)
        .a("to", to.as_str())
        .append_all(reason)
        .build();
    let mut message = Message::new(Some(room.clone().into()));
    message.type_ = MessageType::Normal;
    message
        .payloads
        .push(Element::builder("x", ns::MUC_USER).append(invite).build());
    message
}

// ---- admin and owner requests (§8–§10) ------------------------------------------------

fn admin(item: Element) -> Element {
    Element::builder("query", ns::MUC_ADMIN)
        .append(item)
        .build()
}

fn admin_item(reason: Option<&str>) -> minidom::ElementBuilder {
    let reason = reason.map(|r| Element::builder("reason", ns::MUC_ADMIN).append(r).build());
    Element::builder("item", ns::MUC_ADMIN).append_all(reason)
}

/// §8.4, §8.5, §9.6: sets the role of the occupant `nick` (`none` kicks, `participant`
/// grants voice, `visitor` revokes it, `moderator` grants moderation).
pub fn set_role(nick: &str, role: Role, reason: Option<&str>) -> Element {
    admin(
        admin_item(reason)
            .a("nick", nick)
            .a("role", role.as_str())
            .build(),
    )
}

/// §9.1, §9.3, §10.3: sets the affiliation of user `jid` (`outcast` bans, `member` grants
/// membership, `none` takes it away).
pub fn set_affiliation(jid: &BareJid, affiliation: Affiliation, reason: Option<&str>) -> Element {
    admin(
        admin_item(reason)
            .a("affiliation", affiliation.as_str())
            .a("jid", jid.as_str())
            .build(),
    )
}

/// §8.2: kicks the occupant `nick`.
pub fn kick(nick: &str, reason: Option<&str>) -> Element {
    set_role(nick, Role::None, reason)
}

/// §9.1: bans user `jid`.
pub fn ban(jid: &BareJid, reason: Option<&str>) -> Element {
    set_affiliation(jid, Affiliation::Outcast, reason)
}

/// §10.1.2: accepts the default configuration of a room just created (an instant room).
pub fn instant_room() -> Element {
    let form = Element::builder("x", ns::DATA_FORMS)
        .a("type", "submit")
        .build();
    Element::builder("query", ns::MUC_OWNER)
        .append(form)
        .build()
}

/// §10.1.3 and §10.2: asks for the room's configuration form (an iq get).
pub fn config_request() -> Element {
    Element::builder("query", ns::MUC_OWNER).build()
}

/// The settings of a room Kith lets owners choose (§15.5.3 fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomConfig {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Listed in the service's rooms (else hidden).
    pub public: bool,
    pub members_only: bool,
    /// Stays when the last occupant leaves.
    pub persistent: bool,
}

const ROOMNAME: &str = "muc#roomconfig_roomname";
const ROOMDESC: &str = "muc#roomconfig_roomdesc";
const PUBLICROOM: &str = "muc#roomconfig_publicroom";
const MEMBERSONLY: &str = "muc#roomconfig_membersonly";
const PERSISTENTROOM: &str = "muc#roomconfig_persistentroom";

impl RoomConfig {
    /// §10.1.3: the owner `<query/>` submitting this configuration. Fields not named keep
    /// the room's values.
    pub fn submit(&self) -> Element {
        let flag = |b: bool| if b { "1" } else { "0" };
        let texts = [(ROOMNAME, &self.name), (ROOMDESC, &self.description)];
        let fields = texts
            .into_iter()
            .filter_map(|(var, value)| Some(xep0004::field(var, value.as_deref()?)))
            .chain([
                xep0004::field(PUBLICROOM, flag(self.public)),
                xep0004::field(MEMBERSONLY, flag(self.members_only)),
                xep0004::field(PERSISTENTROOM, flag(self.persistent)),
            ]);
        Element::builder("query", ns::MUC_OWNER)
            .append(xep0004::submit(ns::MUC_ROOMCONFIG, fields))
            .build()
    }

    /// The current values from the form of an owner `<query/>` result.
    pub fn read(query: &Element) -> Option<RoomConfig> {
        if !query.is("query", ns::MUC_OWNER) {
            return None;
        }
        let form = Form::read(query.get_child("x", ns::DATA_FORMS)?);
        Some(RoomConfig {
            name: text_field(&form, ROOMNAME),
            description: text_field(&form, ROOMDESC),
            public: flag_field(&form, PUBLICROOM),
            members_only: flag_field(&form, MEMBERSONLY),
            persistent: flag_field(&form, PERSISTENTROOM),
        })
    }
}

fn text_field(form: &Form, var: &str) -> Option<String> {
    form.fields
        .iter()
        .find(|f| f.var.as_deref() == Some(var))?
        .values
        .first()
        .filter(|v| !v.is_empty())
        .cloned()
}

/// XEP-0004 §3.3: a boolean is `1` or `true`.
fn flag_field(form: &Form, var: &str) -> bool {
    matches!(text_field(form, var).as_deref(), Some("1" | "true"))
}

// ---- discovery (§6) -------------------------------------------------------------------

/// §6.3: one room of a service's disco#items.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomItem {
    pub jid: BareJid,
    pub name: Option<String>,
}

/// §6.3: the rooms a service lists. Items that are no room's bare JID (occupants, nodes)
/// are left out.
pub fn read_rooms(query: &Element) -> Vec<RoomItem> {
    if !query.is("query", ns::DISCO_ITEMS) {
        return vec![];
    }
    query
        .children()
        .filter(|c| c.is("item", ns::DISCO_ITEMS) && c.attr("node").is_none())
        .filter_map(|item| {
            let jid = BareJid::new(item.attr("jid")?).ok()?;
            jid.node()?;
            let name = item.attr("name").filter(|n| !n.is_empty());
            Some(RoomItem {
                jid,
                name: name.map(str::to_owned),
            })
        })
        .collect()
}

/// §6.2: whether a disco#info answer is a MUC service's (or a room's: a room also has a
/// node part in its JID).
pub fn is_muc(info: &DiscoInfo) -> bool {
    info.features.contains(ns::MUC)
        && info
            .identities
            .iter()
            .any(|i| i.category == "conference" && i.type_ == "text")
}

/// §6.4: what a room's disco#info says about it, for display before and after entering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomInfo {
    pub name: Option<String>,
    pub description: Option<String>,
    pub occupants: Option<u32>,
    pub password_protected: bool,
    pub members_only: bool,
    pub moderated: bool,
    pub persistent: bool,
    /// Listed in the service's rooms.
    pub public: bool,
    /// Every occupant's real JID is shown to every occupant.
    pub non_anonymous: bool,
    /// The room keeps an archive (XEP-0313).
    pub archived: bool,
    /// The room stamps messages with its own stanza-id (XEP-0359): only then is one
    /// with `by` the room to be trusted.
    pub stanza_ids: bool,
}

impl RoomInfo {
    pub fn read(info: &DiscoInfo) -> RoomInfo {
        let has = |feature: &str| info.features.contains(feature);
        let form = info.forms.iter().find(|f| {
            f.fields.iter().any(|field| {
                field.var.as_deref() == Some("FORM_TYPE")
                    && field.values.first().map(String::as_str) == Some(ns::MUC_ROOMINFO)
            })
        });
        let name = info
            .identities
            .iter()
            .find(|i| i.category == "conference")
            .and_then(|i| i.name.clone())
            .filter(|n| !n.is_empty());
        RoomInfo {
            name,
            description: form.and_then(|f| text_field(f, "muc#roominfo_description")),
            occupants: form
                .and_then(|f| text_field(f, "muc#roominfo_occupants"))
                .and_then(|n| n.parse().ok()),
            password_protected: has("muc_passwordprotected"),
            members_only: has("muc_membersonly"),
            moderated: has("muc_moderated"),
            persistent: has("muc_persistent"),
            public: has("muc_public"),
            non_anonymous: has("muc_nonanonymous"),
            archived: has(ns::MAM),
            stanza_ids: has(ns::SID),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn presence(xml: &str) -> Presence {
        Presence::try_from(el(xml)).unwrap()
    }

    fn message(xml: &str) -> Message {
        Message::try_from(el(xml)).unwrap()
    }

    #[test]
    fn join_presence_carries_password_and_history() {
        let occupant = FullJid::new("coven@chat.shakespeare.lit/thirdwitch").unwrap();
        let p = Element::from(join(
            occupant.clone(),
            Some("cauldron"),
            History::MaxStanzas(0),
        ));
        assert_eq!(p.attr("to"), Some("coven@chat.shakespeare.lit/thirdwitch"));
        assert_eq!(p.attr("type"), None);
        let x = p.get_child("x", ns::MUC).unwrap();
        assert_eq!(x.get_child("password", ns::MUC).unwrap().text(), "cauldron");
        assert_eq!(
            x.get_child("history", ns::MUC).unwrap().attr("maxstanzas"),
            Some("0")
        );
        let since = Element::from(join(
            occupant.clone(),
            None,
            History::Since(1_000_000_000.0),
        ));
        let history = since
            .get_child("x", ns::MUC)
            .and_then(|x| x.get_child("history", ns::MUC))
            .unwrap();
        assert_eq!(history.attr("since"), Some("1970-01-12T13:46:40Z"));
        let plain = Element::from(join(occupant, None, History::RoomDefault));
        let x = plain.get_child("x", ns::MUC).unwrap();
        assert_eq!(x.children().count(), 0);
    }

    #[test]
    fn occupant_presence_reads_item_and_status_codes() {
        let p = presence(
            "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
             to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' role='participant' jid='hag66@shakespeare.lit/pda'/>\
             <status code='100'/><status code='110'/><status code='170'/><status code='201'/>\
             <status code='210'/><status code='oops'/></x></presence>",
        );
        let user = MucUser::read(&p).unwrap();
        assert_eq!(user.item.affiliation, Affiliation::Member);
        assert_eq!(user.item.role, Role::Participant);
        assert_eq!(
            user.item.jid.as_ref().map(Jid::as_str),
            Some("hag66@shakespeare.lit/pda")
        );
        for code in [
            status::NON_ANONYMOUS,
            status::SELF,
            status::LOGGED,
            status::CREATED,
            status::NICK_ASSIGNED,
        ] {
            assert!(user.has(code), "{code}");
        }
        assert_eq!(user.statuses.len(), 5, "an unreadable code is skipped");
    }

    #[test]
    fn nick_change_kick_and_ban_carry_nick_actor_and_reason() {
        let nick = presence(
            "<presence xmlns='jabber:client' type='unavailable' from='coven@chat.shakespeare.lit/thirdwitch'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' nick='oldhag'/>\
             <status code='303'/></x></presence>",
        );
        let user = MucUser::read(&nick).unwrap();
        assert!(user.has(status::NICK_CHANGED));
        assert_eq!(user.item.nick.as_deref(), Some("oldhag"));
        let kick = presence(
            "<presence xmlns='jabber:client' type='unavailable' from='harfleur@chat.shakespeare.lit/pistol'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'>\
             <actor nick='Fluellen'/><reason>Avaunt, you cullion!</reason></item>\
             <status code='110'/><status code='307'/></x></presence>",
        );
        let user = MucUser::read(&kick).unwrap();
        assert!(user.has(status::KICKED) && user.has(status::SELF));
        assert_eq!(user.item.reason.as_deref(), Some("Avaunt, you cullion!"));
        assert_eq!(user.item.actor.as_deref(), Some("Fluellen"));
        let ban = presence(
            "<presence xmlns='jabber:client' type='unavailable' from='southampton@chat.shakespeare.lit/cambridge'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'>\
             <reason>Treason</reason></item><status code='301'/></x></presence>",
        );
        let user = MucUser::read(&ban).unwrap();
        assert_eq!(user.item.affiliation, Affiliation::Outcast);
        assert!(user.has(status::BANNED));
        for code in [321, 322, 332] {
            let p = presence(&format!(
                "<presence xmlns='jabber:client' type='unavailable' from='r@c.example/n'>\
                 <x xmlns='http://jabber.org/protocol/muc#user'><item role='none'/><status code='{code}'/></x></presence>"
            ));
            assert!(MucUser::read(&p).unwrap().has(code));
        }
    }

    #[test]
    fn unknown_roles_and_presence_without_muc_user_are_refused() {
        let bad = presence(
            "<presence xmlns='jabber:client' from='r@c.example/n'>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item role='king'/></x></presence>",
        );
        assert_eq!(MucUser::read(&bad), None);
        let plain = presence("<presence xmlns='jabber:client' from='r@c.example/n'/>");
        assert_eq!(MucUser::read(&plain), None);
    }

    #[test]
    fn join_errors_are_told_apart() {
        let error = |condition: &str, text: &str| {
            let p = presence(&format!(
                "<presence xmlns='jabber:client' type='error' from='coven@chat.shakespeare.lit/thirdwitch'>\
                 <x xmlns='http://jabber.org/protocol/muc'/><error type='cancel'>\
                 <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>{text}</error></presence>"
            ));
            JoinError::read(&p).unwrap()
        };
        assert_eq!(error("conflict", "").kind, JoinErrorKind::NickConflict);
        assert_eq!(
            error("not-authorized", "").kind,
            JoinErrorKind::PasswordRequired
        );
        assert_eq!(
            error("registration-required", "").kind,
            JoinErrorKind::MembersOnly
        );
        assert_eq!(error("forbidden", "").kind, JoinErrorKind::Banned);
        assert_eq!(error("service-unavailable", "").kind, JoinErrorKind::Full);
        let other = error(
            "item-not-found",
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Room is locked</text>",
        );
        assert_eq!(
            other.kind,
            JoinErrorKind::Other(DefinedCondition::ItemNotFound)
        );
        assert_eq!(other.text.as_deref(), Some("Room is locked"));
        let available = presence("<presence xmlns='jabber:client' from='r@c.example/n'/>");
        assert_eq!(JoinError::read(&available), None);
    }

    #[test]
    fn subject_only_without_a_body() {
        let set = message(
            "<message xmlns='jabber:client' type='groupchat' from='coven@chat.shakespeare.lit/secondwitch'>\
             <subject>Fire Burn and Cauldron Bubble!</subject></message>",
        );
        assert_eq!(
            subject(&set).as_deref(),
            Some("Fire Burn and Cauldron Bubble!")
        );
        let cleared = message(
            "<message xmlns='jabber:client' type='groupchat' from='coven@chat.shakespeare.lit'><subject/></message>",
        );
        assert_eq!(subject(&cleared).as_deref(), Some(""));
        let with_body = message(
            "<message xmlns='jabber:client' type='groupchat' from='r@c.example/n'>\
             <subject>Re</subject><body>hi</body></message>",
        );
        assert_eq!(subject(&with_body), None);
        let none = message("<message xmlns='jabber:client' type='groupchat' from='r@c.example/n'><body>hi</body></message>");
        assert_eq!(subject(&none), None);
        let built = Element::from(set_subject(&BareJid::new("r@c.example").unwrap(), "Topic"));
        assert_eq!(built.attr("type"), Some("groupchat"));
        let reread = Message::try_from(built).unwrap();
        assert_eq!(subject(&reread).as_deref(), Some("Topic"));
    }

    #[test]
    fn mediated_invitations_parse_and_build() {
        let got = message(
            "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' to='hecate@shakespeare.lit'>\
             <x xmlns='http://jabber.org/protocol/muc#user'>\
             <invite from='crone1@shakespeare.lit/desktop'><reason>Hey Hecate, this is the place for all good witches!</reason></invite>\
             <password>cauldronburn</password></x></message>",
        );
        assert!(!is_private(&got));
        let invitation = read_invitation(&got).unwrap();
        assert_eq!(invitation.room.as_str(), "coven@chat.shakespeare.lit");
        assert_eq!(
            invitation.from.as_ref().map(Jid::as_str),
            Some("crone1@shakespeare.lit/desktop")
        );
        assert_eq!(
            invitation.reason.as_deref(),
            Some("Hey Hecate, this is the place for all good witches!")
        );
        assert_eq!(invitation.password.as_deref(), Some("cauldronburn"));
        // Only a room, from its bare JID, mediates one.
        let mut forged = got.clone();
        forged.from = Some(Jid::new("coven@chat.shakespeare.lit/crone1").unwrap());
        assert_eq!(read_invitation(&forged), None);

        let room = BareJid::new("coven@chat.shakespeare.lit").unwrap();
        let to = BareJid::new("hecate@shakespeare.lit").unwrap();
        let sent = Element::from(invite(&room, &to, Some("Join us")));
        assert_eq!(sent.attr("to"), Some("coven@chat.shakespeare.lit"));
        assert_eq!(sent.attr("type"), Some("normal"));
        let invite = sent
            .get_child("x", ns::MUC_USER)
            .and_then(|x| x.get_child("invite", ns::MUC_USER))
            .unwrap();
        assert_eq!(invite.attr("to"), Some("hecate@shakespeare.lit"));
        assert_eq!(
            invite.get_child("reason", ns::MUC_USER).unwrap().text(),
            "Join us"
        );
    }

    #[test]
    fn admin_requests_name_the_occupant_and_the_reason() {
        let kick = kick("pistol", Some("Avaunt, you cullion!"));
        assert!(kick.is("query", ns::MUC_ADMIN));
        let item = kick.get_child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(
            (item.attr("nick"), item.attr("role")),
            (Some("pistol"), Some("none"))
        );
        assert_eq!(
            item.get_child("reason", ns::MUC_ADMIN).unwrap().text(),
            "Avaunt, you cullion!"
        );
        let jid = BareJid::new("earlofcambridge@shakespeare.lit").unwrap();
        let ban = ban(&jid, Some("Treason"));
        let item = ban.get_child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(
            (item.attr("jid"), item.attr("affiliation")),
            (Some("earlofcambridge@shakespeare.lit"), Some("outcast"))
        );
        let voice = set_role("thirdwitch", Role::Participant, None);
        let item = voice.get_child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("role"), Some("participant"));
        assert!(item.get_child("reason", ns::MUC_ADMIN).is_none());
        let member = set_affiliation(&jid, Affiliation::Member, None);
        let item = member.get_child("item", ns::MUC_ADMIN).unwrap();
        assert_eq!(item.attr("affiliation"), Some("member"));
    }

    #[test]
    fn instant_and_configured_rooms() {
        let instant = instant_room();
        let x = instant
            .get_child("x", ns::DATA_FORMS)
            .filter(|_| instant.is("query", ns::MUC_OWNER))
            .unwrap();
        assert_eq!(x.attr("type"), Some("submit"));
        assert_eq!(x.children().count(), 0);

        let config = RoomConfig {
            name: Some("A Dark Cave".into()),
            description: None,
            public: false,
            members_only: true,
            persistent: true,
        };
        let submitted = config.submit();
        let form = Form::read(submitted.get_child("x", ns::DATA_FORMS).unwrap());
        let value = |var: &str| {
            form.fields
                .iter()
                .find(|f| f.var.as_deref() == Some(var))
                .map(|f| f.values.clone())
        };
        assert_eq!(
            value("FORM_TYPE"),
            Some(vec![ns::MUC_ROOMCONFIG.to_owned()])
        );
        assert_eq!(value(ROOMNAME), Some(vec!["A Dark Cave".to_owned()]));
        assert_eq!(value(ROOMDESC), None, "an unset text is not sent");
        assert_eq!(value(PUBLICROOM), Some(vec!["0".to_owned()]));
        assert_eq!(value(MEMBERSONLY), Some(vec!["1".to_owned()]));
        // The owner's form as a room sends it reads back to the same settings.
        let form = el("<query xmlns='http://jabber.org/protocol/muc#owner'>\
            <x xmlns='jabber:x:data' type='form'>\
            <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\
            <field var='muc#roomconfig_roomname' type='text-single'><value>A Dark Cave</value></field>\
            <field var='muc#roomconfig_roomdesc' type='text-single'/>\
            <field var='muc#roomconfig_publicroom' type='boolean'><value>false</value></field>\
            <field var='muc#roomconfig_membersonly' type='boolean'><value>1</value></field>\
            <field var='muc#roomconfig_persistentroom' type='boolean'><value>true</value></field>\
            </x></query>");
        assert_eq!(RoomConfig::read(&form), Some(config));
    }

    #[test]
    fn rooms_of_a_service_and_room_features() {
        let items = read_rooms(&el(
            "<query xmlns='http://jabber.org/protocol/disco#items'>\
            <item jid='heath@chat.shakespeare.lit' name='A Lonely Heath'/>\
            <item jid='darkcave@chat.shakespeare.lit'/>\
            <item jid='heath@chat.shakespeare.lit/firstwitch'/>\
            <item jid='chat.shakespeare.lit'/><item jid='@@'/></query>",
        ));
        assert_eq!(
            items
                .iter()
                .map(|i| (i.jid.as_str(), i.name.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("heath@chat.shakespeare.lit", Some("A Lonely Heath")),
                ("darkcave@chat.shakespeare.lit", None)
            ]
        );
        let info = DiscoInfo::try_from(el("<query xmlns='http://jabber.org/protocol/disco#info'>\
            <identity category='conference' name='A Dark Cave' type='text'/>\
            <feature var='http://jabber.org/protocol/muc'/>\
            <feature var='muc_passwordprotected'/><feature var='muc_membersonly'/>\
            <feature var='muc_persistent'/><feature var='muc_hidden'/><feature var='muc_semianonymous'/>\
            <feature var='urn:xmpp:mam:2'/><feature var='urn:xmpp:sid:0'/>\
            <x xmlns='jabber:x:data' type='result'>\
            <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>\
            <field var='muc#roominfo_description'><value>The place for all good witches!</value></field>\
            <field var='muc#roominfo_occupants'><value>3</value></field></x></query>"))
        .unwrap();
        assert!(is_muc(&info));
        let room = RoomInfo::read(&info);
        assert_eq!(room.name.as_deref(), Some("A Dark Cave"));
        assert_eq!(
            room.description.as_deref(),
            Some("The place for all good witches!")
        );
        assert_eq!(room.occupants, Some(3));
        assert!(room.password_protected && room.members_only && room.persistent);
        assert!(!room.public && !room.non_anonymous && !room.moderated);
        assert!(room.archived && room.stanza_ids);
    }
}
