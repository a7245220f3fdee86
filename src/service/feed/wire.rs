//! What the feed reads from and writes to pubsub services (XEP-0060, XEP-0059 paging,
//! disco): items results and events, the service hints of disco, the iqs of the sync and
//! the write payloads the outbox sends.

use crate::proto::jid::{BareJid, Jid};
use crate::proto::ns;
use minidom::Element;

use crate::proto::rfc6120::{DefinedCondition, Iq, StanzaError};
use crate::proto::xep0030::{self, DiscoInfo, DiscoItem};
use crate::proto::xml::Attrs;
use crate::proto::{xep0004, xep0060};

use super::{Access, ServiceHint, MAX_DISCO_CANDIDATES, MAX_ID_BYTES, MAX_ITEMS_PER_STANZA};
use crate::proto::ns::{ATOM, PUBSUB_PUBLISH_OPTIONS};
use crate::proto::xep0059;
use crate::proto::xep0277::Entry;

/// One `<item/>` of an items result or event.
pub(super) struct ReceivedItem {
    pub(super) id: String,
    pub(super) publisher: Option<BareJid>,
    pub(super) entry: Option<Element>,
}

/// An items result: the items, how many there were, and the RSM position.
pub(super) struct ItemsPage {
    pub(super) items: Vec<ReceivedItem>,
    pub(super) count: usize,
    pub(super) last: Option<String>,
}

// ---- wire: reading ----------------------------------------------------------------

/// XEP-0060 §6.5: `<pubsub><items>…</items><set/>?</pubsub>`, read tolerantly.
pub(super) fn read_items_result(payload: &Element) -> Option<ItemsPage> {
    if !payload.is("pubsub", ns::PUBSUB) {
        return None;
    }
    let items = payload.get_child("items", ns::PUBSUB)?;
    let count = items
        .children()
        .filter(|c| c.is("item", ns::PUBSUB))
        .count();
    Some(ItemsPage {
        items: read_items(items).0,
        count,
        last: xep0059::last(payload),
    })
}

/// The items and retractions of an `<items/>` (result or event, same shape in either
/// namespace), bounded.
pub(super) fn read_items(items: &Element) -> (Vec<ReceivedItem>, Vec<String>) {
    let (mut published, mut retracted) = (vec![], vec![]);
    for child in items.children().take(MAX_ITEMS_PER_STANZA) {
        let Some(id) = child.attr("id").filter(|id| valid_id(id)) else {
            continue;
        };
        match child.name() {
            "item" => published.push(ReceivedItem {
                id: id.to_owned(),
                publisher: child
                    .attr("publisher")
                    .and_then(|p| Jid::new(p).ok())
                    .map(Jid::into_bare),
                entry: child.get_child("entry", ATOM).cloned(),
            }),
            "retract" => retracted.push(id.to_owned()),
            _ => {}
        }
    }
    (published, retracted)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_BYTES
}

/// Reads disco#items of the account's server: a `comments.DOMAIN` wins outright; else
/// the `pubsub.*` items are the candidates to confirm with disco#info.
pub fn comments_service_hint(domain: &str, items: &[DiscoItem]) -> ServiceHint {
    let comments = format!("comments.{domain}");
    if let Some(item) = items.iter().find(|i| i.jid.as_str() == comments) {
        return ServiceHint::Found(item.jid.clone());
    }
    // Other `comments.*` services are asked; a generic `pubsub.` component is not: stock
    // Prosody lets only its admins create nodes there, while the account's own PEP
    // takes comments nodes with an open publish model (XEP-0277 §4 leaves the choice).
    ServiceHint::Ask(
        items
            .iter()
            .filter(|i| i.node.is_none() && i.jid.as_str().starts_with("comments."))
            .map(|i| i.jid.clone())
            .take(MAX_DISCO_CANDIDATES)
            .collect(),
    )
}

/// XEP-0060 §5.1: a pubsub service has the identity pubsub/service.
pub fn is_pubsub_service(info: &DiscoInfo) -> bool {
    info.identities
        .iter()
        .any(|i| i.category == "pubsub" && i.type_ == "service")
}

/// A refusal of `pubsub#max_items` as a publish option. XEP-0060 registers only
/// `pubsub#access_model` for publish-options (§16.4.5) and leaves to the service how it
/// treats other fields (§7.1.5); Prosody takes `max_items`, ejabberd 23.01 answers it with
/// `<resource-constraint/>` of type `wait` ("Unknown field 'pubsub#max_items' of type
/// '…#publish-options'"), which must not read as "send the same again". Others may say
/// `bad-request`, `not-acceptable` or `feature-not-implemented`. The answer:
/// [`without_max_items_option`], once.
pub fn is_publish_option_refused(error: &StanzaError) -> bool {
    !is_precondition_not_met(error)
        && matches!(
            error.defined_condition,
            DefinedCondition::ResourceConstraint
                | DefinedCondition::BadRequest
                | DefinedCondition::NotAcceptable
                | DefinedCondition::FeatureNotImplemented
        )
}

/// XEP-0060 §7.1.5: the node's configuration does not match the publish options. Movim's
/// answer, followed here: reconfigure the node ([`configure_node_iq`]) and publish again,
/// once. Decided by the pubsub condition, whatever general condition a server pairs
/// with it (the XEP says `conflict`).
pub fn is_precondition_not_met(error: &StanzaError) -> bool {
    error
        .other
        .as_ref()
        .is_some_and(|e| e.is("precondition-not-met", ns::PUBSUB_ERRORS))
}

// ---- wire: writing ----------------------------------------------------------------

/// XEP-0060 §6.5.7 items request, with XEP-0059 paging: `max_items` for services that
/// ignore RSM (Prosody's PEP), `<set><max/>` for those that page (ejabberd). A page
/// `after` a position sends RSM only, since `max_items` would mean "the newest N".
pub(super) fn items_iq(
    id: &str,
    to: Jid,
    node: &str,
    max: u32,
    after: Option<&str>,
    rsm: bool,
) -> Iq {
    let items = xep0060::items(node, after.is_none().then_some(max));
    let set = rsm.then(|| xep0059::set(max as usize, after));
    let pubsub = Element::builder("pubsub", ns::PUBSUB)
        .append(items)
        .append_all(set);
    Iq::Get {
        from: None,
        to: Some(to),
        id: id.to_owned(),
        payload: pubsub.build(),
    }
}

pub(super) fn disco_items_iq(id: &str, to: Jid) -> Iq {
    Iq::from_get(id, xep0030::items_query()).with_to(to)
}

pub(super) fn disco_info_iq(id: &str, to: Jid) -> Iq {
    Iq::from_get(id, xep0030::info_query()).with_to(to)
}

fn addressed(iq: Iq, to: Option<Jid>) -> Iq {
    match to {
        Some(to) => iq.with_to(to),
        None => iq,
    }
}

fn submit_form(form_type: &str, fields: &[(&str, &str)]) -> Element {
    let fields = fields.iter().map(|(var, value)| xep0004::field(var, value));
    xep0004::submit(form_type, fields)
}

/// XEP-0060 §7.1.5: publishes `entry` as item `entry.id` on `node` (of `service`, or the
/// account's PEP when `None`), on condition that the node's access model is `access`.
/// Comments and likes go to someone else's node as it is: `None`, no condition.
pub fn publish_iq(
    iq_id: &str,
    service: Option<Jid>,
    node: &str,
    entry: &Entry,
    access: Option<Access>,
) -> Iq {
    // `max_items` too: a PEP node keeps one item unless told otherwise (XEP-0163 §8),
    // and a microblog is every post.
    let options = access.map(|access| {
        submit_form(
            PUBSUB_PUBLISH_OPTIONS,
            &[
                ("pubsub#access_model", access.as_str()),
                ("pubsub#max_items", "max"),
            ],
        )
    });
    let payload = xep0060::publish(node, &entry.id, entry.to_element(), options);
    addressed(Iq::from_set(iq_id, payload), service)
}

/// XEP-0060 §8.2.4: sets the access model of one of the account's PEP nodes, and that
/// it keeps every item: `max`, "no specific limit other than a server imposed maximum"
/// (Prosody 0.12 and ejabberd 23.01 both take it; ejabberd refuses a number above its
/// `max_items_node`, 1000 by default).
pub fn configure_node_iq(iq_id: &str, node: &str, access: Access) -> Iq {
    Iq::from_set(iq_id, xep0060::configure(node, node_config(access)))
}

/// XEP-0060 §8.1.3: creates one of the account's PEP nodes configured as
/// [`configure_node_iq`] would. A node that exists answers `conflict`.
pub fn create_node_iq(iq_id: &str, node: &str, access: Access) -> Iq {
    Iq::from_set(iq_id, xep0060::create(node, node_config(access)))
}

fn node_config(access: Access) -> Element {
    submit_form(
        ns::PUBSUB_CONFIGURE,
        &[
            ("pubsub#access_model", access.as_str()),
            ("pubsub#max_items", "max"),
        ],
    )
}

/// The same publish (same item, same id) without `pubsub#max_items` among its publish
/// options, for a service that refuses that option ([`is_publish_option_refused`]); the
/// node must then be told to keep every item another way ([`create_node_iq`] and
/// [`configure_node_iq`], sent before it: a server handles one stream's stanzas in
/// order). `None` when `publish` is not a publish to the account's own PEP carrying it.
pub fn without_max_items_option(publish: &Iq) -> Option<Iq> {
    let Iq::Set {
        to: None,
        id,
        payload,
        ..
    } = publish
    else {
        return None; // Someone else's node: Kith never sends options there.
    };
    if !payload.is("pubsub", ns::PUBSUB) {
        return None;
    }
    let publish = payload.get_child("publish", ns::PUBSUB)?;
    let form = payload
        .get_child("publish-options", ns::PUBSUB)?
        .get_child("x", ns::DATA_FORMS)?;
    let is_max_items =
        |f: &Element| f.is("field", ns::DATA_FORMS) && f.attr("var") == Some("pubsub#max_items");
    if !form.children().any(is_max_items) {
        return None;
    }
    let stripped = Element::builder("x", ns::DATA_FORMS)
        .a("type", form.attr("type"))
        .append_all(form.children().filter(|f| !is_max_items(f)).cloned());
    let options = Element::builder("publish-options", ns::PUBSUB)
        .append(stripped)
        .build();
    let payload = Element::builder("pubsub", ns::PUBSUB)
        .append(publish.clone())
        .append(options)
        .build();
    Some(Iq::from_set(id.clone(), payload))
}

/// XEP-0060 §8.1.3: creates a post's comments node, open for anyone to read and to
/// comment on (XEP-0277 §4). Since anyone may publish there, the service is asked to
/// stamp each item with its publisher (`itemreply`; ejabberd does, Prosody 0.12 ignores
/// the field): only that makes a comment's author verified rather than claimed.
pub fn create_comments_node_iq(iq_id: &str, service: &Jid, node: &str) -> Iq {
    let form = submit_form(
        ns::PUBSUB_CONFIGURE,
        &[
            ("pubsub#access_model", Access::Open.as_str()),
            ("pubsub#publish_model", "open"),
            ("pubsub#max_items", "max"),
            ("pubsub#itemreply", "publisher"),
        ],
    );
    Iq::from_set(iq_id, xep0060::create(node, form)).with_to(service.clone())
}

/// XEP-0060 §7.2: deletes an item, telling subscribers (so other clients drop it too).
pub fn retract_iq(iq_id: &str, service: Option<Jid>, node: &str, item_id: &str) -> Iq {
    addressed(
        Iq::from_set(iq_id, xep0060::retract(node, item_id)),
        service,
    )
}

/// XEP-0060 §8.4: deletes a node (a deleted post's comments).
pub fn delete_node_iq(iq_id: &str, service: Option<Jid>, node: &str) -> Iq {
    addressed(Iq::from_set(iq_id, xep0060::delete(node)), service)
}
