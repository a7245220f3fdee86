//! XEP-0030: Service Discovery — disco#info and disco#items, as far as Kith asks, answers
//! and reads them.

use crate::proto::jid::Jid;
use minidom::Element;

use super::xml::Attrs;

use super::ns;
use super::rfc6120::ParseError;
use super::xep0004::Form;
use crate::sort::VecSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub category: String,
    pub type_: String,
    pub lang: Option<String>,
    pub name: Option<String>,
}

impl Identity {
    pub fn new(category: &str, type_: &str, lang: &str, name: &str) -> Identity {
        Identity {
            category: category.to_owned(),
            type_: type_.to_owned(),
            lang: Some(lang.to_owned()),
            name: Some(name.to_owned()),
        }
    }
}

/// A disco#info result (or Kith's own answer).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoInfo {
    pub node: Option<String>,
    pub identities: Vec<Identity>,
    pub features: VecSet<String>,
    /// XEP-0128 extensions.
    pub forms: Vec<Form>,
}

impl TryFrom<Element> for DiscoInfo {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<DiscoInfo, ParseError> {
        if !el.is("query", ns::DISCO_INFO) {
            return Err(ParseError("not a disco#info query"));
        }
        let mut info = DiscoInfo {
            node: el.attr("node").map(str::to_owned),
            ..DiscoInfo::default()
        };
        for child in el.children() {
            if child.is("identity", ns::DISCO_INFO) {
                let attr = |name: &str| {
                    child
                        .attr(name)
                        .map(str::to_owned)
                        .ok_or(ParseError("an identity without category or type"))
                };
                info.identities.push(Identity {
                    category: attr("category")?,
                    type_: attr("type")?,
                    lang: Some(super::xml::lang(child)).filter(|l| !l.is_empty()),
                    name: child.attr("name").map(str::to_owned),
                });
            } else if child.is("feature", ns::DISCO_INFO) {
                let var = child
                    .attr("var")
                    .ok_or(ParseError("a feature without var"))?;
                info.features.insert(var.to_owned());
            } else if child.is("x", ns::DATA_FORMS) {
                info.forms.push(Form::read(child));
            }
        }
        Ok(info)
    }
}

impl From<DiscoInfo> for Element {
    fn from(info: DiscoInfo) -> Element {
        let identities = info.identities.into_iter().map(|i| {
            Element::builder("identity", ns::DISCO_INFO)
                .a("category", i.category)
                .a("type", i.type_)
                .lang(i.lang.as_deref())
                .a("name", i.name)
                .build()
        });
        let features = info.features.into_iter().map(|var| {
            Element::builder("feature", ns::DISCO_INFO)
                .a("var", var)
                .build()
        });
        Element::builder("query", ns::DISCO_INFO)
            .a("node", info.node)
            .append_all(identities)
            .append_all(features)
            .build()
    }
}

/// `<query xmlns='…disco#info'/>`, asking about the entity itself.
pub fn info_query() -> Element {
    Element::builder("query", ns::DISCO_INFO).build()
}

/// `<query xmlns='…disco#items'/>`.
pub fn items_query() -> Element {
    Element::builder("query", ns::DISCO_ITEMS).build()
}

/// One `<item/>` of a disco#items result.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoItem {
    pub jid: Jid,
    pub node: Option<String>,
}

/// The items of a disco#items result; an error when an item's JID does not parse.
pub fn read_items(el: &Element) -> Result<Vec<DiscoItem>, ParseError> {
    if !el.is("query", ns::DISCO_ITEMS) {
        return Err(ParseError("not a disco#items query"));
    }
    el.children()
        .filter(|c| c.is("item", ns::DISCO_ITEMS))
        .map(|item| {
            Ok(DiscoItem {
                jid: item
                    .attr("jid")
                    .and_then(|j| Jid::new(j).ok())
                    .ok_or(ParseError("a disco item without a valid JID"))?,
                node: item.attr("node").map(str::to_owned),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disco_info_reads_identities_features_and_form_fields() {
        let info = DiscoInfo::try_from(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='store' type='file' name='Upload'/>\
             <feature var='urn:xmpp:http:upload:0'/>\
             <x xmlns='jabber:x:data' type='result'><field var='max-file-size'><value>42</value></field></x></query>"
                .parse::<Element>()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(info.identities[0].category, "store");
        assert!(info.features.contains(ns::HTTP_UPLOAD));
        assert_eq!(info.forms[0].fields[0].values, vec!["42".to_owned()]);
        let broken =
            "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='x'/></query>";
        assert!(DiscoInfo::try_from(broken.parse::<Element>().unwrap()).is_err());
    }

    #[test]
    fn disco_items_need_valid_jids() {
        let items = |xml: &str| read_items(&xml.parse::<Element>().unwrap());
        let ok = items("<query xmlns='http://jabber.org/protocol/disco#items'><item jid='pubsub.a' node='n'/></query>").unwrap();
        assert_eq!(
            (ok[0].jid.as_str(), ok[0].node.as_deref()),
            ("pubsub.a", Some("n"))
        );
        assert!(items(
            "<query xmlns='http://jabber.org/protocol/disco#items'><item jid='@@'/></query>"
        )
        .is_err());
        assert!(
            items("<query xmlns='http://jabber.org/protocol/disco#items'><item/></query>").is_err()
        );
    }
}
