//! XEP-0060: Publish-Subscribe — the requests Kith sends, built as elements. What it reads
//! (items results and events) is read where it is used (`service::feed::wire`).

use minidom::Element;

use super::xml::Attrs;

use super::ns;

fn pubsub(namespace: &str, children: impl IntoIterator<Item = Element>) -> Element {
    Element::builder("pubsub", namespace)
        .append_all(children)
        .build()
}

/// §6.5: `<items node=… max_items=…/>`, the child of an items request.
pub fn items(node: &str, max_items: Option<u32>) -> Element {
    Element::builder("items", ns::PUBSUB)
        .a("max_items", max_items.map(|m| m.to_string()))
        .a("node", node)
        .build()
}

/// §7.1: publishes `payload` as item `item_id`, with `options` (a submit form) if any.
pub fn publish(node: &str, item_id: &str, payload: Element, options: Option<Element>) -> Element {
    let item = Element::builder("item", ns::PUBSUB)
        .a("id", item_id)
        .append(payload)
        .build();
    let publish = Element::builder("publish", ns::PUBSUB)
        .a("node", node)
        .append(item)
        .build();
    let options = options.map(|form| {
        Element::builder("publish-options", ns::PUBSUB)
            .append(form)
            .build()
    });
    pubsub(ns::PUBSUB, std::iter::once(publish).chain(options))
}

/// §8.1.3: creates `node` configured by `form`.
pub fn create(node: &str, form: Element) -> Element {
    pubsub(
        ns::PUBSUB,
        [
            Element::builder("create", ns::PUBSUB)
                .a("node", node)
                .build(),
            Element::builder("configure", ns::PUBSUB)
                .append(form)
                .build(),
        ],
    )
}

/// §8.2.4: submits a node configuration (owner namespace).
pub fn configure(node: &str, form: Element) -> Element {
    pubsub(
        ns::PUBSUB_OWNER,
        [Element::builder("configure", ns::PUBSUB_OWNER)
            .a("node", node)
            .append(form)
            .build()],
    )
}

/// §7.2: retracts item `item_id`, telling subscribers.
pub fn retract(node: &str, item_id: &str) -> Element {
    let item = Element::builder("item", ns::PUBSUB)
        .a("id", item_id)
        .build();
    pubsub(
        ns::PUBSUB,
        [Element::builder("retract", ns::PUBSUB)
            .a("node", node)
            .a("notify", "true")
            .append(item)
            .build()],
    )
}

/// §8.4: deletes `node` (owner namespace).
pub fn delete(node: &str) -> Element {
    pubsub(
        ns::PUBSUB_OWNER,
        [Element::builder("delete", ns::PUBSUB_OWNER)
            .a("node", node)
            .build()],
    )
}
