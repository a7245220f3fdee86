//! RFC 6120: XMPP Core — iq stanzas, stanza errors, stream errors, stream features, SASL
//! and resource binding. Read from `minidom` elements into small plain types (only what
//! Kith uses), written back with `Element::builder`.

use std::fmt;

use crate::proto::jid::{FullJid, Jid};
use minidom::Element;

use super::xml::Attrs;

use super::ns;
use crate::sort::VecMap;

/// Why an element is not the stanza or payload it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError(pub &'static str);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An optional JID attribute: absent is `None`, one that does not parse is an error.
pub(crate) fn jid_attr(el: &Element, name: &str) -> Result<Option<Jid>, ParseError> {
    el.attr(name)
        .map(|text| Jid::new(text).map_err(|_| ParseError("a JID that does not parse")))
        .transpose()
}

/// Whether an element holds text other than whitespace (which no stanza here may).
pub(crate) fn has_text(el: &Element) -> bool {
    el.texts().any(|t| !t.trim().is_empty())
}

// ---- iq (§8.2.3) ------------------------------------------------------------------------

/// An `<iq/>` stanza: a get or set carries exactly one payload, a result at most one, an
/// error its `<error/>` (and perhaps the request echoed).
#[derive(Debug, Clone, PartialEq)]
pub enum Iq {
    Get {
        from: Option<Jid>,
        to: Option<Jid>,
        id: String,
        payload: Element,
    },
    Set {
        from: Option<Jid>,
        to: Option<Jid>,
        id: String,
        payload: Element,
    },
    Result {
        from: Option<Jid>,
        to: Option<Jid>,
        id: String,
        payload: Option<Element>,
    },
    Error {
        from: Option<Jid>,
        to: Option<Jid>,
        id: String,
        error: StanzaError,
        payload: Option<Element>,
    },
}

impl Iq {
    pub fn from_get(id: impl Into<String>, payload: impl Into<Element>) -> Iq {
        Iq::Get {
            from: None,
            to: None,
            id: id.into(),
            payload: payload.into(),
        }
    }

    pub fn from_set(id: impl Into<String>, payload: impl Into<Element>) -> Iq {
        Iq::Set {
            from: None,
            to: None,
            id: id.into(),
            payload: payload.into(),
        }
    }

    pub fn with_to(mut self, jid: Jid) -> Iq {
        match &mut self {
            Iq::Get { to, .. }
            | Iq::Set { to, .. }
            | Iq::Result { to, .. }
            | Iq::Error { to, .. } => *to = Some(jid),
        }
        self
    }

    pub fn id(&self) -> &str {
        match self {
            Iq::Get { id, .. }
            | Iq::Set { id, .. }
            | Iq::Result { id, .. }
            | Iq::Error { id, .. } => id,
        }
    }

    pub fn to(&self) -> Option<&Jid> {
        match self {
            Iq::Get { to, .. }
            | Iq::Set { to, .. }
            | Iq::Result { to, .. }
            | Iq::Error { to, .. } => to.as_ref(),
        }
    }
}

impl TryFrom<Element> for Iq {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<Iq, ParseError> {
        if !el.is("iq", ns::DEFAULT_NS) {
            return Err(ParseError("not an iq"));
        }
        let id = el
            .attr("id")
            .ok_or(ParseError("an iq without id"))?
            .to_owned();
        let (from, to) = (jid_attr(&el, "from")?, jid_attr(&el, "to")?);
        if has_text(&el) {
            return Err(ParseError("text in an iq"));
        }
        let type_ = el.attr("type").ok_or(ParseError("an iq without type"))?;
        let mut children = el.children().cloned();
        let first = children.next();
        let second = children.next();
        Ok(match type_ {
            "get" | "set" => {
                let (Some(payload), None) = (first, second) else {
                    return Err(ParseError("a get or set iq carries exactly one payload"));
                };
                if type_ == "get" {
                    Iq::Get {
                        from,
                        to,
                        id,
                        payload,
                    }
                } else {
                    Iq::Set {
                        from,
                        to,
                        id,
                        payload,
                    }
                }
            }
            // RFC 6120 allows at most one payload; of more, the first is kept as it
            // always was (xmpp-parsers did), rather than losing the answer.
            "result" => {
                let _ = second;
                Iq::Result {
                    from,
                    to,
                    id,
                    payload: first,
                }
            }
            "error" => {
                let (mut error, mut payload) = (None, None);
                for child in first.into_iter().chain(second).chain(children) {
                    if child.is("error", ns::DEFAULT_NS) && error.is_none() {
                        error = Some(StanzaError::try_from(child)?);
                    } else if payload.is_none() {
                        payload = Some(child);
                    } else {
                        return Err(ParseError("an error iq with more than one payload"));
                    }
                }
                Iq::Error {
                    from,
                    to,
                    id,
                    error: error.ok_or(ParseError("an error iq without error"))?,
                    payload,
                }
            }
            _ => return Err(ParseError("an iq of unknown type")),
        })
    }
}

impl From<Iq> for Element {
    fn from(iq: Iq) -> Element {
        let (type_, from, to, id, children) = match iq {
            Iq::Get {
                from,
                to,
                id,
                payload,
            } => ("get", from, to, id, vec![payload]),
            Iq::Set {
                from,
                to,
                id,
                payload,
            } => ("set", from, to, id, vec![payload]),
            Iq::Result {
                from,
                to,
                id,
                payload,
            } => ("result", from, to, id, Vec::from_iter(payload)),
            Iq::Error {
                from,
                to,
                id,
                error,
                payload,
            } => {
                let children = std::iter::once(error.into()).chain(payload).collect();
                ("error", from, to, id, children)
            }
        };
        Element::builder("iq", ns::DEFAULT_NS)
            .a("from", from.map(|j| j.to_string()))
            .a("to", to.map(|j| j.to_string()))
            .a("id", id)
            .a("type", type_)
            .append_all(children)
            .build()
    }
}

// ---- stanza errors (§8.3) ---------------------------------------------------------------

/// §8.3.2: what the sender may do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    Auth,
    Cancel,
    Continue,
    Modify,
    Wait,
}

impl ErrorType {
    const ALL: [(ErrorType, &'static str); 5] = [
        (ErrorType::Auth, "auth"),
        (ErrorType::Cancel, "cancel"),
        (ErrorType::Continue, "continue"),
        (ErrorType::Modify, "modify"),
        (ErrorType::Wait, "wait"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("cancel", |(_, s)| s)
    }

    fn parse(text: &str) -> Option<ErrorType> {
        Self::ALL.iter().find(|(_, s)| *s == text).map(|(t, _)| *t)
    }
}

/// §8.3.3: the defined conditions of stanza errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinedCondition {
    BadRequest,
    Conflict,
    FeatureNotImplemented,
    Forbidden,
    Gone,
    InternalServerError,
    ItemNotFound,
    JidMalformed,
    NotAcceptable,
    NotAllowed,
    NotAuthorized,
    PolicyViolation,
    RecipientUnavailable,
    Redirect,
    RegistrationRequired,
    RemoteServerNotFound,
    RemoteServerTimeout,
    ResourceConstraint,
    ServiceUnavailable,
    SubscriptionRequired,
    UndefinedCondition,
    UnexpectedRequest,
}

impl DefinedCondition {
    const ALL: [(DefinedCondition, &'static str); 22] = [
        (DefinedCondition::BadRequest, "bad-request"),
        (DefinedCondition::Conflict, "conflict"),
        (
            DefinedCondition::FeatureNotImplemented,
            "feature-not-implemented",
        ),
        (DefinedCondition::Forbidden, "forbidden"),
        (DefinedCondition::Gone, "gone"),
        (
            DefinedCondition::InternalServerError,
            "internal-server-error",
        ),
        (DefinedCondition::ItemNotFound, "item-not-found"),
        (DefinedCondition::JidMalformed, "jid-malformed"),
        (DefinedCondition::NotAcceptable, "not-acceptable"),
        (DefinedCondition::NotAllowed, "not-allowed"),
        (DefinedCondition::NotAuthorized, "not-authorized"),
        (DefinedCondition::PolicyViolation, "policy-violation"),
        (
            DefinedCondition::RecipientUnavailable,
            "recipient-unavailable",
        ),
        (DefinedCondition::Redirect, "redirect"),
        (
            DefinedCondition::RegistrationRequired,
            "registration-required",
        ),
        (
            DefinedCondition::RemoteServerNotFound,
            "remote-server-not-found",
        ),
        (
            DefinedCondition::RemoteServerTimeout,
            "remote-server-timeout",
        ),
        (DefinedCondition::ResourceConstraint, "resource-constraint"),
        (DefinedCondition::ServiceUnavailable, "service-unavailable"),
        (
            DefinedCondition::SubscriptionRequired,
            "subscription-required",
        ),
        (DefinedCondition::UndefinedCondition, "undefined-condition"),
        (DefinedCondition::UnexpectedRequest, "unexpected-request"),
    ];

    /// The element name, e.g. `item-not-found`.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("undefined-condition", |(_, s)| s)
    }

    fn parse(name: &str) -> Option<DefinedCondition> {
        Self::ALL.iter().find(|(_, s)| *s == name).map(|(c, _)| *c)
    }
}

/// A stanza's `<error/>`: its type, condition, texts by language and any
/// application-specific condition (e.g. XEP-0060's `<precondition-not-met/>`).
#[derive(Debug, Clone, PartialEq)]
pub struct StanzaError {
    pub type_: ErrorType,
    pub defined_condition: DefinedCondition,
    /// Texts by `xml:lang` (`""` when none is given).
    pub texts: VecMap<String, String>,
    pub other: Option<Element>,
}

impl StanzaError {
    pub fn new(
        type_: ErrorType,
        defined_condition: DefinedCondition,
        lang: &str,
        text: impl Into<String>,
    ) -> StanzaError {
        StanzaError {
            type_,
            defined_condition,
            texts: {
                let mut texts = VecMap::new();
                texts.insert(lang.to_owned(), text.into());
                texts
            },
            other: None,
        }
    }
}

impl TryFrom<Element> for StanzaError {
    type Error = ParseError;

    fn try_from(el: Element) -> Result<StanzaError, ParseError> {
        if !el.is("error", ns::DEFAULT_NS) {
            return Err(ParseError("not a stanza error"));
        }
        let type_ = el
            .attr("type")
            .and_then(ErrorType::parse)
            .ok_or(ParseError("a stanza error without a valid type"))?;
        let (mut condition, mut texts, mut other) = (None, VecMap::new(), None);
        for child in el.children() {
            if child.ns() == ns::XMPP_STANZAS {
                if child.name() == "text" {
                    let lang = super::xml::lang(child);
                    texts.insert(lang, child.text());
                } else if condition.is_none() {
                    condition = Some(
                        DefinedCondition::parse(child.name())
                            .ok_or(ParseError("an unknown stanza error condition"))?,
                    );
                } else {
                    return Err(ParseError("a stanza error with two conditions"));
                }
            } else if other.is_none() {
                other = Some(child.clone());
            } else {
                return Err(ParseError("a stanza error with two application conditions"));
            }
        }
        Ok(StanzaError {
            type_,
            defined_condition: condition.ok_or(ParseError("a stanza error without condition"))?,
            texts,
            other,
        })
    }
}

impl From<StanzaError> for Element {
    fn from(error: StanzaError) -> Element {
        let texts = error.texts.into_iter().map(|(lang, text)| {
            Element::builder("text", ns::XMPP_STANZAS)
                .lang(Some(&lang))
                .append(text)
                .build()
        });
        Element::builder("error", ns::DEFAULT_NS)
            .a("type", error.type_.as_str())
            .append(Element::builder(
                error.defined_condition.as_str(),
                ns::XMPP_STANZAS,
            ))
            .append_all(texts)
            .append_all(error.other)
            .build()
    }
}

// ---- stream errors (§4.9) ---------------------------------------------------------------

/// §4.9.3: the stream error conditions.
const STREAM_CONDITIONS: [&str; 24] = [
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "not-well-formed",
    "policy-violation",
    "remote-connection-failed",
    "reset",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-feature",
    "unsupported-stanza-type",
];

/// A `<stream:error/>`'s condition and first text; `None` when it names no known condition.
pub fn read_stream_error(el: &Element) -> Option<(String, Option<String>)> {
    if !el.is("error", ns::STREAM) {
        return None;
    }
    let mut conditions = el
        .children()
        .filter(|c| c.ns() == ns::XMPP_STREAMS && c.name() != "text");
    let condition = conditions.next()?.name();
    if conditions.next().is_some() || !STREAM_CONDITIONS.contains(&condition) {
        return None;
    }
    let text = el
        .children()
        .find(|c| c.is("text", ns::XMPP_STREAMS))
        .map(Element::text);
    Some((condition.to_owned(), text))
}

/// `<stream:error><condition/></stream:error>`, e.g. `policy-violation`.
pub fn stream_error(condition: &str) -> Element {
    Element::builder("error", ns::STREAM)
        .append(Element::builder(condition, ns::XMPP_STREAMS))
        .build()
}

// ---- stream features (§4.3.2) -------------------------------------------------------------

/// What a `<stream:features/>` offers, as far as Kith cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamFeatures {
    pub sasl_mechanisms: Vec<String>,
    pub bind: bool,
    /// XEP-0198.
    pub stream_management: bool,
    /// XEP-0352.
    pub csi: bool,
    /// RFC 6121 §2.6.1.
    pub roster_versioning: bool,
    /// RFC 6121 §3.4.1: subscription pre-approval.
    pub pre_approval: bool,
}

impl StreamFeatures {
    pub fn read(el: &Element) -> Result<StreamFeatures, ParseError> {
        if !el.is("features", ns::STREAM) {
            return Err(ParseError("not stream features"));
        }
        let mut features = StreamFeatures::default();
        for child in el.children() {
            if child.is("mechanisms", ns::SASL) {
                for mechanism in child.children().filter(|m| m.is("mechanism", ns::SASL)) {
                    features.sasl_mechanisms.push(mechanism.text());
                }
            } else if child.is("bind", ns::BIND) {
                features.bind = true;
            } else if child.is("sm", ns::SM) {
                features.stream_management = true;
            } else if child.is("csi", ns::CSI) {
                features.csi = true;
            } else if child.is("ver", ns::ROSTER_VERSIONING) {
                features.roster_versioning = true;
            } else if child.is("sub", ns::PRE_APPROVAL) {
                features.pre_approval = true;
            }
        }
        Ok(features)
    }
}

// ---- SASL (§6) ----------------------------------------------------------------------------

/// §6.5: why SASL failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslCondition {
    Aborted,
    AccountDisabled,
    CredentialsExpired,
    EncryptionRequired,
    IncorrectEncoding,
    InvalidAuthzid,
    InvalidMechanism,
    MalformedRequest,
    MechanismTooWeak,
    NotAuthorized,
    TemporaryAuthFailure,
}

impl SaslCondition {
    const ALL: [(SaslCondition, &'static str); 11] = [
        (SaslCondition::Aborted, "aborted"),
        (SaslCondition::AccountDisabled, "account-disabled"),
        (SaslCondition::CredentialsExpired, "credentials-expired"),
        (SaslCondition::EncryptionRequired, "encryption-required"),
        (SaslCondition::IncorrectEncoding, "incorrect-encoding"),
        (SaslCondition::InvalidAuthzid, "invalid-authzid"),
        (SaslCondition::InvalidMechanism, "invalid-mechanism"),
        (SaslCondition::MalformedRequest, "malformed-request"),
        (SaslCondition::MechanismTooWeak, "mechanism-too-weak"),
        (SaslCondition::NotAuthorized, "not-authorized"),
        (
            SaslCondition::TemporaryAuthFailure,
            "temporary-auth-failure",
        ),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("not-authorized", |(_, s)| s)
    }

    /// The condition of a `<failure/>`; `None` if it names none we know.
    pub fn read_failure(el: &Element) -> Option<SaslCondition> {
        let mut conditions = el
            .children()
            .filter(|c| c.ns() == ns::SASL && c.name() != "text");
        let name = conditions.next()?.name();
        if conditions.next().is_some() {
            return None;
        }
        Self::ALL.iter().find(|(_, s)| *s == name).map(|(c, _)| *c)
    }
}

/// `<auth mechanism=…>` with its initial response.
pub fn sasl_auth(mechanism: &str, data: &[u8]) -> Element {
    Element::builder("auth", ns::SASL)
        .a("mechanism", mechanism)
        .append(super::base64::encode(data))
        .build()
}

/// `<response/>` to a challenge.
pub fn sasl_response(data: &[u8]) -> Element {
    Element::builder("response", ns::SASL)
        .append(super::base64::encode(data))
        .build()
}

/// The data of a `<challenge/>` or `<success/>`: base64, empty for none (§6.4.2 allows
/// `=` for an empty one); `None` when it is not base64.
pub fn sasl_data(el: &Element) -> Option<Vec<u8>> {
    let text = el.text();
    let text = text.trim();
    if text == "=" {
        return Some(vec![]);
    }
    super::base64::decode(text)
}

// ---- resource binding (§7) ----------------------------------------------------------------

/// `<bind/>`, asking for `resource` or letting the server choose.
pub fn bind_request(resource: Option<&str>) -> Element {
    Element::builder("bind", ns::BIND)
        .append_all(resource.map(|r| Element::builder("resource", ns::BIND).append(r).build()))
        .build()
}

/// The full JID a bind result gives.
pub fn read_bind(el: &Element) -> Option<FullJid> {
    if !el.is("bind", ns::BIND) {
        return None;
    }
    FullJid::new(&el.get_child("jid", ns::BIND)?.text()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn iqs_that_break_rfc_6120_are_refused() {
        for xml in [
            "<iq xmlns='jabber:client' type='get'><ping xmlns='urn:xmpp:ping'/></iq>",
            "<iq xmlns='jabber:client' id='1'><ping xmlns='urn:xmpp:ping'/></iq>",
            "<iq xmlns='jabber:client' id='1' type='fetch'><ping xmlns='urn:xmpp:ping'/></iq>",
            "<iq xmlns='jabber:client' id='1' type='get'/>",
            "<iq xmlns='jabber:client' id='1' type='set'><a xmlns='x'/><b xmlns='x'/></iq>",
            "<iq xmlns='jabber:client' id='1' type='get' from='@@'><a xmlns='x'/></iq>",
            "<iq xmlns='jabber:client' id='1' type='result'>text</iq>",
            "<iq xmlns='jabber:client' id='1' type='error'/>",
            "<iq xmlns='jabber:client' id='1' type='error'><error type='nope'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
            "<iq xmlns='jabber:client' id='1' type='error'><error type='cancel'><no-such xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
            "<iq xmlns='jabber:server' id='1' type='result'/>",
        ] {
            assert!(Iq::try_from(el(xml)).is_err(), "{xml}");
        }
    }

    #[test]
    fn an_error_iq_reads_type_condition_texts_and_application_condition() {
        let iq = Iq::try_from(el(
            "<iq xmlns='jabber:client' id='e' type='error' from='pubsub.example.org'>\
            <error type='cancel' code='409'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
            <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>\
            <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>No</text></error></iq>",
        ))
        .unwrap();
        let Iq::Error {
            id,
            from,
            error,
            payload,
            ..
        } = iq
        else {
            panic!("an error iq");
        };
        assert_eq!(id, "e");
        assert_eq!(from.unwrap().as_str(), "pubsub.example.org");
        assert_eq!(payload, None);
        assert_eq!(error.type_, ErrorType::Cancel);
        assert_eq!(error.defined_condition, DefinedCondition::Conflict);
        assert_eq!(error.texts.get("en").map(String::as_str), Some("No"));
        assert!(error
            .other
            .is_some_and(|o| o.is("precondition-not-met", ns::PUBSUB_ERRORS)));
    }

    #[test]
    fn a_stanza_error_survives_its_own_serialisation() {
        let error = StanzaError::new(
            ErrorType::Wait,
            DefinedCondition::ResourceConstraint,
            "en",
            "Busy",
        );
        let iq = Iq::Error {
            from: None,
            to: Some(Jid::new("a@b/c").unwrap()),
            id: "x".into(),
            error: error.clone(),
            payload: None,
        };
        let back = Iq::try_from(Element::from(iq.clone())).unwrap();
        assert_eq!(back, iq);
    }

    #[test]
    fn stream_errors_name_a_known_condition_or_none() {
        let read = |xml: &str| read_stream_error(&el(xml));
        assert_eq!(
            read("<error xmlns='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
                  <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Bye</text></error>"),
            Some(("system-shutdown".into(), Some("Bye".into())))
        );
        assert_eq!(
            read("<error xmlns='http://etherx.jabber.org/streams'/>"),
            None
        );
        assert_eq!(
            read("<error xmlns='http://etherx.jabber.org/streams'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>"),
            None
        );
    }

    #[test]
    fn sasl_data_is_base64_or_nothing() {
        let data = |xml: &str| sasl_data(&el(xml));
        assert_eq!(
            data("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>YWJj</success>"),
            Some(b"abc".to_vec())
        );
        assert_eq!(
            data("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</success>"),
            Some(vec![])
        );
        assert_eq!(
            data("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            Some(vec![])
        );
        assert_eq!(
            data("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!</challenge>"),
            None
        );
        assert_eq!(
            SaslCondition::read_failure(&el("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><account-disabled/><text>x</text></failure>")),
            Some(SaslCondition::AccountDisabled)
        );
        assert_eq!(
            SaslCondition::read_failure(&el("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")),
            None
        );
    }

    #[test]
    fn a_bind_result_gives_a_full_jid_only() {
        let bind = |jid: &str| {
            read_bind(&el(&format!(
                "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{jid}</jid></bind>"
            )))
        };
        assert_eq!(
            bind("a@b/c").map(|j| j.to_string()).as_deref(),
            Some("a@b/c")
        );
        assert_eq!(bind("a@b"), None);
        assert_eq!(bind("@@"), None);
    }
}
