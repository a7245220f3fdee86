//! RFC 7622: Jabber IDs (`node@domain/resource`), without linking Unicode tables.
//!
//! Two ways in, by where the text comes from:
//!
//! - **From the wire** ([`Jid::new`], [`BareJid::new`], [`FullJid::new`], `FromStr`): the
//!   server has prepared every address it sends (RFC 6120 §13.7.1.2), so only the structure is
//!   checked (RFC 7622 §3.1: split at the first `/`, then at the `@` before it), each part
//!   1..=1023 bytes, no spaces, controls or code points no profile allows, the domain's
//!   labels well formed (≤ 63 bytes, no empty label, no forbidden ASCII, hyphen rules) and
//!   its one trailing dot stripped. ASCII letters of the node and domain are lowercased, so
//!   `Juliet@Example.COM` from a sloppy peer still equals `juliet@example.com`; anything
//!   non-ASCII is kept as it came.
//! - **From a person** ([`Jid::from_typed`], [`BareJid::from_typed`]): full preparation,
//!   close to nodeprep/nameprep/resourceprep (RFC 3920, which Prosody and ejabberd apply):
//!   characters “commonly mapped to nothing” removed, NFKC, lowercase in node and domain
//!   (with `ß`→`ss` and `ς`→`σ` as stringprep's case folding does), ideographic full stops as
//!   dots, other spaces in the resource as U+0020, then the checks above plus the bidi rule.
//!
//! Where the Unicode tables come from: in the browser, NFKC and lowercasing are the
//! browser's own (`String.prototype.normalize("NFKC")`, `toLowerCase()` through js-sys), so
//! the wasm links no normalisation, stringprep or IDNA tables. Natively (tests, fuzzing) the
//! same steps use the `unicode-normalization` crate and `str::to_lowercase`. Prohibited code
//! points (RFC 3454 C.1–C.9) are checked by cheap ranges in Rust on both targets.
//!
//! Known approximations, all lenient (the server has the last word and rejects):
//! unassigned code points are not detected; the bidi rule takes “right-to-left” to mean the
//! Hebrew, Arabic and other RTL script blocks (combining marks and Arabic-Indic digits in
//! those blocks count as right-to-left) and “left-to-right” to mean any other alphabetic
//! character; non-ASCII domain labels are not checked against the 63-byte limit of their
//! `xn--` form; `xn--` labels are taken as they are.
//!
//! Differences from the `jid` crate (0.12) on input it accepts: wire JIDs are not run through
//! stringprep (non-ASCII is taken as prepared, e.g. `Ä@x` stays `Ä@x` where jid gives `ä@x`);
//! IPv6 literals are lowercased; a trailing dot of the domain is really stripped (jid 0.12
//! strips it only for its checks and keeps `juliet@example.com.` as it came). The part accessors return small `Copy` views
//! ([`NodeRef`], [`DomainRef`], [`ResourceRef`]) by value instead of references.

use core::borrow::Borrow;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::num::NonZeroU16;
use core::ops::Deref;
use core::str::FromStr;

/// The longest node, domain or resource, in bytes (RFC 7622 §3.2–3.4).
const MAX_PART: usize = 1023;
/// The longest DNS label, in bytes (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// Which part of a JID an [`Error`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The localpart, before the `@`.
    Node,
    /// The domainpart, the server's name.
    Domain,
    /// The resourcepart, after the `/`.
    Resource,
}

impl Part {
    /// How a person knows the part.
    fn name(self) -> &'static str {
        match self {
            Part::Node => "The name before the @",
            Part::Domain => "The server name",
            Part::Resource => "The part after the /",
        }
    }
}

/// Why a string is not a JID. Its `Display` is a sentence a person can read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `@` with nothing before it.
    NodeEmpty,
    /// No domain: an empty string, or nothing between `@` and `/`.
    DomainEmpty,
    /// `/` with nothing after it.
    ResourceEmpty,
    /// A part longer than 1023 bytes.
    TooLong(Part),
    /// A second `@` before the resource.
    TooManyAts,
    /// Two dots in a row in the domain, or one at its start.
    LabelEmpty,
    /// A domain label longer than 63 bytes.
    LabelTooLong,
    /// A domain label that starts or ends with `-`, or has `--` third and fourth.
    LabelHyphen,
    /// A character the part may not contain.
    Forbidden(Part, char),
    /// Right-to-left text that breaks the bidi rule (RFC 3454 §6).
    Bidi(Part),
    /// A resource where a bare JID was wanted.
    ResourceInBareJid,
    /// No resource where a full JID was wanted.
    ResourceMissingInFullJid,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NodeEmpty => f.write_str("There is nothing before the @."),
            Error::DomainEmpty => {
                f.write_str("The server name is missing (the part after the @, like example.org).")
            }
            Error::ResourceEmpty => f.write_str("There is nothing after the /."),
            Error::TooLong(part) => write!(f, "{} is too long (at most 1023 bytes).", part.name()),
            Error::TooManyAts => f.write_str("A Jabber ID has only one @."),
            Error::LabelEmpty => f.write_str("The server name has an empty part between dots."),
            Error::LabelTooLong => {
                f.write_str("A part of the server name between dots is longer than 63 characters.")
            }
            Error::LabelHyphen => f.write_str(
                "A part of the server name starts or ends with a hyphen, \
                 or has two hyphens as its third and fourth characters.",
            ),
            Error::Forbidden(part, c) if *c == ' ' || whitespace(*c) => {
                write!(f, "{} cannot contain spaces.", part.name())
            }
            Error::Forbidden(part, c) if c.is_ascii_graphic() => {
                write!(f, "{} cannot contain “{c}”.", part.name())
            }
            Error::Forbidden(part, c) => {
                write!(
                    f,
                    "{} cannot contain the character U+{:04X}.",
                    part.name(),
                    *c as u32
                )
            }
            Error::Bidi(part) => write!(
                f,
                "{} mixes right-to-left and left-to-right writing in a way \
                 Jabber IDs do not allow.",
                part.name()
            ),
            Error::ResourceInBareJid => f.write_str("This Jabber ID must not have a “/” part."),
            Error::ResourceMissingInFullJid => {
                f.write_str("This Jabber ID needs a “/” part (a resource).")
            }
        }
    }
}

impl core::error::Error for Error {}

/// A JID, bare or full, in one string with the offsets of its `@` and `/`: cheap to clone,
/// compare and hash (by the prepared string).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Jid {
    text: String,
    /// Byte offset of the `@`, when there is a node (never 0: nodes are not empty).
    at: Option<NonZeroU16>,
    /// Byte offset of the `/`, when there is a resource (never 0: domains are not empty).
    slash: Option<NonZeroU16>,
}

/// A JID without a resource: `node@domain` or `domain`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BareJid(Jid);

/// A JID with a resource: `node@domain/resource` or `domain/resource`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FullJid(Jid);

macro_rules! part_ref {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name<'a>(&'a str);

        impl<'a> $name<'a> {
            /// The part as text.
            pub fn as_str(&self) -> &'a str {
                self.0
            }
        }

        impl Deref for $name<'_> {
            type Target = str;
            fn deref(&self) -> &str {
                self.0
            }
        }

        impl AsRef<str> for $name<'_> {
            fn as_ref(&self) -> &str {
                self.0
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.0, f)
            }
        }

        impl PartialEq<str> for $name<'_> {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name<'_> {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

part_ref!(
    /// The node (localpart) of a JID, borrowed from it; only a parsed JID hands one out.
    NodeRef
);
part_ref!(
    /// The domain of a JID, borrowed from it; only a parsed JID hands one out.
    DomainRef
);
part_ref!(
    /// The resource of a JID, borrowed from it; only a parsed JID hands one out.
    ResourceRef
);

impl Jid {
    /// A JID as it came from the server (already prepared): structure checks and ASCII
    /// lowercasing of node and domain only. See the module documentation.
    pub fn new(text: &str) -> Result<Jid, Error> {
        let (node, domain, resource) = split(text);
        assemble(node, domain, resource, false)
    }

    /// A JID a person typed: fully prepared (NFKC, lowercase, prohibited characters, bidi).
    /// See the module documentation.
    pub fn from_typed(text: &str) -> Result<Jid, Error> {
        // Normalised as a whole first, so a fullwidth `＠` or `／` typed through an input
        // method separates the parts as the person meant.
        let text = nfkc(&without_mapped_to_nothing(text));
        let (node, domain, resource) = split(&text);
        let node = node.map(fold);
        let domain = fold(domain).replace('\u{3002}', ".");
        let resource = resource.map(|r| r.replace(whitespace, " "));
        assemble(node.as_deref(), &domain, resource.as_deref(), true)
    }

    /// The node (before the `@`), if any.
    pub fn node(&self) -> Option<NodeRef<'_>> {
        self.at.map(|at| NodeRef(&self.text[..at.get() as usize]))
    }

    /// The domain.
    pub fn domain(&self) -> DomainRef<'_> {
        let start = self.at.map_or(0, |at| at.get() as usize + 1);
        DomainRef(&self.text[start..self.bare_len()])
    }

    /// The resource (after the `/`), if any.
    pub fn resource(&self) -> Option<ResourceRef<'_>> {
        self.slash
            .map(|slash| ResourceRef(&self.text[slash.get() as usize + 1..]))
    }

    /// The JID without its resource.
    pub fn to_bare(&self) -> BareJid {
        BareJid(Jid {
            text: self.text[..self.bare_len()].to_owned(),
            at: self.at,
            slash: None,
        })
    }

    /// The JID without its resource, reusing the allocation.
    pub fn into_bare(mut self) -> BareJid {
        self.text.truncate(self.bare_len());
        self.slash = None;
        BareJid(self)
    }

    /// Whether the JID has no resource.
    pub fn is_bare(&self) -> bool {
        self.slash.is_none()
    }

    /// Whether the JID has a resource.
    pub fn is_full(&self) -> bool {
        self.slash.is_some()
    }

    /// The full JID, or the bare one if it has no resource.
    pub fn try_into_full(self) -> Result<FullJid, BareJid> {
        if self.is_full() {
            Ok(FullJid(self))
        } else {
            Err(BareJid(self))
        }
    }

    /// The whole JID as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The whole JID as text, without copying.
    pub fn into_inner(self) -> String {
        self.text
    }

    fn bare_len(&self) -> usize {
        self.slash.map_or(self.text.len(), |s| s.get() as usize)
    }
}

impl BareJid {
    /// A bare JID from the wire; see [`Jid::new`]. A resource is an error.
    pub fn new(text: &str) -> Result<BareJid, Error> {
        Jid::new(text)?.try_into()
    }

    /// A bare JID a person typed; see [`Jid::from_typed`]. A resource is an error.
    pub fn from_typed(text: &str) -> Result<BareJid, Error> {
        Jid::from_typed(text)?.try_into()
    }

    /// The bare JID of a node and a domain taken from other JIDs (so already checked), e.g.
    /// `BareJid::from_parts(None, account.domain())` for the account's server.
    pub fn from_parts(node: Option<NodeRef<'_>>, domain: DomainRef<'_>) -> BareJid {
        let (text, at) = match node {
            Some(node) => (
                format!("{node}@{domain}"),
                NonZeroU16::new(node.len() as u16),
            ),
            None => (domain.0.to_owned(), None),
        };
        BareJid(Jid {
            text,
            at,
            slash: None,
        })
    }

    /// This JID with a resource, checked as one from the wire.
    pub fn with_resource_str(&self, resource: &str) -> Result<FullJid, Error> {
        let resource = check_resource(resource)?;
        Ok(self.with_resource(resource))
    }

    /// This JID with the resource of another JID.
    pub fn with_resource(&self, resource: ResourceRef<'_>) -> FullJid {
        FullJid(Jid {
            text: format!("{}/{resource}", self.0.text),
            at: self.0.at,
            slash: NonZeroU16::new(self.0.text.len() as u16),
        })
    }

    /// The whole JID as text, without copying.
    pub fn into_inner(self) -> String {
        self.0.text
    }
}

impl FullJid {
    /// A full JID from the wire; see [`Jid::new`]. A missing resource is an error.
    pub fn new(text: &str) -> Result<FullJid, Error> {
        Jid::new(text)?.try_into()
    }

    /// The full JID of parts taken from other JIDs (so already checked).
    pub fn from_parts(
        node: Option<NodeRef<'_>>,
        domain: DomainRef<'_>,
        resource: ResourceRef<'_>,
    ) -> FullJid {
        BareJid::from_parts(node, domain).with_resource(resource)
    }

    /// The resource, always present in a full JID.
    pub fn resource(&self) -> ResourceRef<'_> {
        let slash = self
            .0
            .slash
            .map_or(self.0.text.len(), |s| s.get() as usize + 1);
        ResourceRef(&self.0.text[slash..])
    }

    /// The JID without its resource, reusing the allocation.
    pub fn into_bare(self) -> BareJid {
        self.0.into_bare()
    }

    /// The whole JID as text, without copying.
    pub fn into_inner(self) -> String {
        self.0.text
    }
}

impl Deref for BareJid {
    type Target = Jid;
    fn deref(&self) -> &Jid {
        &self.0
    }
}

impl Deref for FullJid {
    type Target = Jid;
    fn deref(&self) -> &Jid {
        &self.0
    }
}

impl Borrow<Jid> for BareJid {
    fn borrow(&self) -> &Jid {
        &self.0
    }
}

impl Borrow<Jid> for FullJid {
    fn borrow(&self) -> &Jid {
        &self.0
    }
}

impl From<BareJid> for Jid {
    fn from(jid: BareJid) -> Jid {
        jid.0
    }
}

impl From<FullJid> for Jid {
    fn from(jid: FullJid) -> Jid {
        jid.0
    }
}

impl TryFrom<Jid> for BareJid {
    type Error = Error;
    fn try_from(jid: Jid) -> Result<BareJid, Error> {
        if jid.is_bare() {
            Ok(BareJid(jid))
        } else {
            Err(Error::ResourceInBareJid)
        }
    }
}

impl TryFrom<Jid> for FullJid {
    type Error = Error;
    fn try_from(jid: Jid) -> Result<FullJid, Error> {
        jid.try_into_full()
            .map_err(|_| Error::ResourceMissingInFullJid)
    }
}

impl PartialEq<Jid> for BareJid {
    fn eq(&self, other: &Jid) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Jid> for FullJid {
    fn eq(&self, other: &Jid) -> bool {
        self.0 == *other
    }
}

impl PartialEq<BareJid> for Jid {
    fn eq(&self, other: &BareJid) -> bool {
        *self == other.0
    }
}

impl PartialEq<FullJid> for Jid {
    fn eq(&self, other: &FullJid) -> bool {
        *self == other.0
    }
}

macro_rules! text_traits {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = Error;
            fn from_str(text: &str) -> Result<$name, Error> {
                $name::new(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name))
                    .field(&self.as_str())
                    .finish()
            }
        }

        impl minidom::IntoAttributeValue for $name {
            fn into_attribute_value(self) -> Option<String> {
                Some(self.into_inner())
            }
        }

        impl minidom::IntoAttributeValue for &$name {
            fn into_attribute_value(self) -> Option<String> {
                Some(self.as_str().to_owned())
            }
        }
    };
}

text_traits!(Jid);
text_traits!(BareJid);
text_traits!(FullJid);

/// RFC 7622 §3.1: the resource is everything after the first `/`; the node is what comes
/// before an `@` in the rest.
fn split(text: &str) -> (Option<&str>, &str, Option<&str>) {
    let (bare, resource) = match text.split_once('/') {
        Some((bare, resource)) => (bare, Some(resource)),
        None => (text, None),
    };
    match bare.split_once('@') {
        Some((node, domain)) => (Some(node), domain, resource),
        None => (None, bare, resource),
    }
}

/// Checks the parts and puts them into one string, ASCII letters of node and domain
/// lowercased. `typed` adds the checks the server has already made for prepared JIDs.
fn assemble(
    node: Option<&str>,
    domain: &str,
    resource: Option<&str>,
    typed: bool,
) -> Result<Jid, Error> {
    if domain.contains('@') {
        return Err(Error::TooManyAts);
    }
    if let Some(node) = node {
        check_node(node)?;
        if typed && !bidi_ok(node) {
            return Err(Error::Bidi(Part::Node));
        }
    }
    let domain = check_domain(domain)?;
    if typed && !domain.split('.').all(bidi_ok) {
        return Err(Error::Bidi(Part::Domain));
    }
    let resource = resource.map(check_resource).transpose()?;

    let len = node.map_or(0, |n| n.len() + 1) + domain.len() + resource.map_or(0, |r| r.len() + 1);
    let mut text = String::with_capacity(len);
    let mut at = None;
    if let Some(node) = node {
        push_ascii_lowercase(&mut text, node);
        at = NonZeroU16::new(text.len() as u16);
        text.push('@');
    }
    push_ascii_lowercase(&mut text, domain);
    let mut slash = None;
    if let Some(resource) = resource {
        slash = NonZeroU16::new(text.len() as u16);
        text.push('/');
        text.push_str(resource.0);
    }
    Ok(Jid { text, at, slash })
}

fn push_ascii_lowercase(text: &mut String, part: &str) {
    text.extend(part.chars().map(|c| c.to_ascii_lowercase()));
}

fn check_length(part: &str, which: Part, empty: Error) -> Result<(), Error> {
    if part.is_empty() {
        Err(empty)
    } else if part.len() > MAX_PART {
        Err(Error::TooLong(which))
    } else {
        Ok(())
    }
}

/// Nodeprep's prohibitions (RFC 3920 appendix A.5) and RFC 7622 §3.3.1's.
fn check_node(node: &str) -> Result<(), Error> {
    check_length(node, Part::Node, Error::NodeEmpty)?;
    match node
        .chars()
        .find(|&c| c == ' ' || whitespace(c) || prohibited(c) || "\"&'/:<>@".contains(c))
    {
        Some(c) => Err(Error::Forbidden(Part::Node, c)),
        None => Ok(()),
    }
}

/// The domain with its one trailing dot stripped (RFC 7622 §3.2), if it is an IP literal or
/// a name whose labels pass the checks UTS #46 makes for URLs (AsciiDenyList::URL,
/// CheckHyphens, label lengths), and nameprep's prohibitions.
fn check_domain(domain: &str) -> Result<&str, Error> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    check_length(domain, Part::Domain, Error::DomainEmpty)?;
    if Ipv4Addr::from_str(domain).is_ok()
        || domain
            .strip_prefix('[')
            .and_then(|d| d.strip_suffix(']'))
            .is_some_and(|d| Ipv6Addr::from_str(d).is_ok())
    {
        return Ok(domain);
    }
    if let Some(c) = domain.chars().find(|&c| {
        c <= ' ' || c == '\u{7f}' || "%#/:<>?@[\\]^|".contains(c) || whitespace(c) || prohibited(c)
    }) {
        return Err(Error::Forbidden(Part::Domain, c));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(Error::LabelEmpty);
        }
        if label.is_ascii() && label.len() > MAX_LABEL {
            return Err(Error::LabelTooLong);
        }
        let hyphen34 = label.get(2..4) == Some("--") && !label.starts_with("xn--");
        if label.starts_with('-') || label.ends_with('-') || hyphen34 {
            return Err(Error::LabelHyphen);
        }
    }
    Ok(domain)
}

/// Resourceprep's prohibitions (RFC 3920 appendix B.5): ASCII space is allowed.
fn check_resource(resource: &str) -> Result<ResourceRef<'_>, Error> {
    check_length(resource, Part::Resource, Error::ResourceEmpty)?;
    match resource.chars().find(|&c| whitespace(c) || prohibited(c)) {
        Some(c) => Err(Error::Forbidden(Part::Resource, c)),
        None => Ok(ResourceRef(resource)),
    }
}

/// RFC 3454 C.1.2: non-ASCII space characters.
fn whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200b}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// RFC 3454 C.2–C.9: controls, private use, non-characters, surrogates (never in a `str`),
/// characters inappropriate for plain text or canonical representation, those that change
/// display properties, and tags.
fn prohibited(c: char) -> bool {
    let u = c as u32;
    c.is_control()
        || (u & 0xfffe) == 0xfffe
        || matches!(
            u,
            0x06dd
                | 0x070f
                | 0x180e
                | 0x200c..=0x200f
                | 0x2028..=0x202e
                | 0x2060..=0x2063
                | 0x206a..=0x206f
                | 0x2ff0..=0x2ffb
                | 0x0340
                | 0x0341
                | 0xe000..=0xf8ff
                | 0xfdd0..=0xfdef
                | 0xfeff
                | 0xfff9..=0xfffd
                | 0x1d173..=0x1d17a
                | 0xe0001
                | 0xe0020..=0xe007f
                | 0xf0000..=0x10ffff
        )
}

/// RFC 3454 B.1: characters stringprep maps to nothing (soft hyphen, joiners, variation
/// selectors, the byte order mark).
fn without_mapped_to_nothing(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}'
                    | '\u{34f}'
                    | '\u{1806}'
                    | '\u{180b}'..='\u{180d}'
                    | '\u{200b}'..='\u{200d}'
                    | '\u{2060}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
            )
        })
        .collect()
}

/// Case folding as stringprep's table B.2 does it, through the platform's lowercasing:
/// NFKC again afterwards (B.2 is closed under NFKC), `ß` to `ss` and final `ς` to `σ`, which
/// lowercasing keeps but servers applying nodeprep/nameprep fold.
fn fold(part: &str) -> String {
    if part.is_ascii() {
        return part.to_ascii_lowercase();
    }
    nfkc(&super::lowercase(part))
        .replace('ß', "ss")
        .replace('ς', "σ")
}

/// RFC 3454 §6: a part with right-to-left characters must not have left-to-right ones and
/// must start and end with a right-to-left one. Approximated by script blocks, see the
/// module documentation.
fn bidi_ok(part: &str) -> bool {
    let rtl = |c: char| {
        matches!(
            c as u32,
            0x0590..=0x08ff | 0xfb1d..=0xfdff | 0xfe70..=0xfefe | 0x10800..=0x10fff | 0x1e800..=0x1efff
        )
    };
    if !part.chars().any(rtl) {
        return true;
    }
    let ltr = |c: char| c.is_alphabetic() && !rtl(c);
    !part.chars().any(ltr)
        && part.chars().next().is_some_and(rtl)
        && part.chars().next_back().is_some_and(rtl)
}

#[cfg(target_arch = "wasm32")]
fn nfkc(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    js_sys::JsString::from(text).normalize("NFKC").into()
}

#[cfg(not(target_arch = "wasm32"))]
fn nfkc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect()
}

/// Typed input and its preparation, for the native rule and the browser's alike:
/// fullwidth letters and the fullwidth @ of an input method, compatibility forms, case
/// folding as servers do it (ß → ss, final sigma), an ideographic full stop, and
/// decomposed input coming out composed.
#[cfg(test)]
const TYPED: &[(&str, &str)] = &[
    ("ａｌｉｃｅ＠Example.org", "alice@example.org"),
    ("ﬁsh@example.org", "fish@example.org"),
    ("ÄLICE@EXAMPLE.ORG/Phone", "älice@example.org/Phone"),
    ("STRAẞE@example.org", "strasse@example.org"),
    ("ΟΔΥΣΣΕΥΣ@example.org", "οδυσσευσ@example.org"),
    ("ℌ@example.org", "h@example.org"),
    ("bob@例え。テスト", "bob@例え.テスト"),
    ("a\u{308}@example.org", "ä@example.org"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn jid(text: &str) -> Jid {
        Jid::new(text).unwrap()
    }

    #[test]
    fn splits_node_domain_resource() {
        let j = jid("juliet@example.com/balcony");
        assert_eq!(j.node().unwrap(), "juliet");
        assert_eq!(j.domain().as_str(), "example.com");
        assert_eq!(j.resource().unwrap().as_str(), "balcony");
        assert!(j.is_full());

        let j = jid("example.com");
        assert_eq!(
            (j.node(), j.domain().as_str(), j.resource()),
            (None, "example.com", None)
        );

        let j = jid("example.com/x");
        assert_eq!((j.node(), j.domain().as_str()), (None, "example.com"));
        assert_eq!(j.resource().unwrap(), "x");
    }

    #[test]
    fn the_resource_is_everything_after_the_first_slash() {
        let j = jid("juliet@example.com/a@b/c d");
        assert_eq!(j.resource().unwrap(), "a@b/c d");
        assert_eq!(j.node().unwrap(), "juliet");
        // An @ after the first / belongs to the resource, even without a node.
        let j = jid("example.com/x@y");
        assert_eq!((j.node(), j.domain().as_str()), (None, "example.com"));
        assert_eq!(j.resource().unwrap(), "x@y");
    }

    #[test]
    fn empty_parts_are_rejected() {
        assert_eq!(Jid::new(""), Err(Error::DomainEmpty));
        assert_eq!(Jid::new("@example.com"), Err(Error::NodeEmpty));
        assert_eq!(Jid::new("juliet@"), Err(Error::DomainEmpty));
        assert_eq!(Jid::new("juliet@/r"), Err(Error::DomainEmpty));
        assert_eq!(Jid::new("juliet@example.com/"), Err(Error::ResourceEmpty));
        assert_eq!(Jid::new("."), Err(Error::DomainEmpty));
        assert_eq!(Jid::new("a@b@example.com"), Err(Error::TooManyAts));
        assert_eq!(Jid::new("a..example.com"), Err(Error::LabelEmpty));
        assert_eq!(Jid::new(".example.com"), Err(Error::LabelEmpty));
    }

    #[test]
    fn parts_are_at_most_1023_bytes() {
        let long = "a".repeat(1023);
        let j = jid(&format!("{long}@example.com/{long}"));
        assert_eq!(j.node().unwrap().len(), 1023);
        assert_eq!(j.resource().unwrap().len(), 1023);
        let longer = "a".repeat(1024);
        assert_eq!(
            Jid::new(&format!("{longer}@example.com")),
            Err(Error::TooLong(Part::Node))
        );
        assert_eq!(
            Jid::new(&format!("a@example.com/{longer}")),
            Err(Error::TooLong(Part::Resource))
        );
        let labels = vec!["a".repeat(63); 17].join(".");
        assert_eq!(Jid::new(&labels), Err(Error::TooLong(Part::Domain)));
        assert_eq!(
            Jid::new(&format!("{}.example", "a".repeat(64))),
            Err(Error::LabelTooLong)
        );
        assert!(Jid::new(&format!("{}.example", "a".repeat(63))).is_ok());
    }

    #[test]
    fn one_trailing_dot_of_the_domain_is_stripped() {
        assert_eq!(jid("juliet@example.com.").as_str(), "juliet@example.com");
        assert_eq!(jid("example.com./r").as_str(), "example.com/r");
        assert_eq!(jid("example.com.").domain(), "example.com");
        assert_eq!(Jid::new("example.com.."), Err(Error::LabelEmpty));
    }

    #[test]
    fn ascii_letters_of_node_and_domain_are_lowercased_resource_kept() {
        let j = jid("Juliet@Example.COM/Balcony");
        assert_eq!(j.as_str(), "juliet@example.com/Balcony");
        assert_eq!(j, jid("juliet@example.com/Balcony"));
        assert_ne!(j, jid("juliet@example.com/balcony"));
        let set: HashSet<BareJid> = [
            "JULIET@example.com",
            "juliet@EXAMPLE.com",
            "juliet@example.com.",
        ]
        .iter()
        .map(|t| BareJid::new(t).unwrap())
        .collect();
        assert_eq!(set.len(), 1);
        // Non-ASCII from the wire is taken as prepared.
        assert_eq!(jid("Ä@example.com").node().unwrap(), "Ä");
    }

    #[test]
    fn forbidden_characters_are_named() {
        assert_eq!(
            Jid::new("ju liet@example.com"),
            Err(Error::Forbidden(Part::Node, ' '))
        );
        assert_eq!(
            Jid::new("a:b@example.com"),
            Err(Error::Forbidden(Part::Node, ':'))
        );
        assert_eq!(
            Jid::new("a\tb@example.com"),
            Err(Error::Forbidden(Part::Node, '\t'))
        );
        assert_eq!(
            Jid::new("exa mple.com"),
            Err(Error::Forbidden(Part::Domain, ' '))
        );
        assert_eq!(
            Jid::new("exa|mple.com"),
            Err(Error::Forbidden(Part::Domain, '|'))
        );
        assert_eq!(Jid::new("-x.example.com"), Err(Error::LabelHyphen));
        assert_eq!(Jid::new("ab--c.example.com"), Err(Error::LabelHyphen));
        assert!(Jid::new("xn--bcher-kva.example").is_ok());
        assert_eq!(
            Jid::new("a@example.com/\u{200e}"),
            Err(Error::Forbidden(Part::Resource, '\u{200e}'))
        );
        assert_eq!(
            Jid::new("a\u{e000}@example.com"),
            Err(Error::Forbidden(Part::Node, '\u{e000}'))
        );
        // A space is fine in a resource.
        assert_eq!(
            jid("a@example.com/Home laptop").resource().unwrap(),
            "Home laptop"
        );
        assert_eq!(
            Jid::new("a@example.com/a\u{a0}b"),
            Err(Error::Forbidden(Part::Resource, '\u{a0}'))
        );
    }

    #[test]
    fn ip_literals_are_domains() {
        assert_eq!(jid("a@192.0.2.1/r").domain(), "192.0.2.1");
        assert_eq!(jid("a@[2001:db8::1]").domain(), "[2001:db8::1]");
        assert_eq!(
            Jid::new("a@[nope]"),
            Err(Error::Forbidden(Part::Domain, '['))
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            Error::Forbidden(Part::Node, '&').to_string(),
            "The name before the @ cannot contain “&”."
        );
        assert_eq!(
            Error::Forbidden(Part::Node, '\u{3000}').to_string(),
            "The name before the @ cannot contain spaces."
        );
        assert_eq!(
            Error::Forbidden(Part::Resource, '\u{200e}').to_string(),
            "The part after the / cannot contain the character U+200E."
        );
        assert_eq!(
            Error::NodeEmpty.to_string(),
            "There is nothing before the @."
        );
    }

    #[test]
    fn bare_and_full() {
        let full = FullJid::new("juliet@example.com/balcony").unwrap();
        assert_eq!(full.resource(), "balcony");
        let bare = full.to_bare();
        assert_eq!(bare.as_str(), "juliet@example.com");
        assert_eq!(full.clone().into_bare(), bare);
        assert_eq!(bare.with_resource_str("balcony").unwrap(), full);
        assert_eq!(bare.with_resource_str(""), Err(Error::ResourceEmpty));
        assert_eq!(BareJid::new("a@b/c"), Err(Error::ResourceInBareJid));
        assert_eq!(FullJid::new("a@b"), Err(Error::ResourceMissingInFullJid));
        let server = BareJid::from_parts(None, bare.domain());
        assert_eq!(server.as_str(), "example.com");
        assert_eq!(BareJid::from_parts(bare.node(), server.domain()), bare);
        let again = FullJid::from_parts(bare.node(), bare.domain(), full.resource());
        assert_eq!(again, full);
        assert_eq!(again.node().unwrap(), "juliet");
        assert_eq!(Jid::from(bare.clone()), bare);
        assert_eq!(Jid::from(full.clone()), full);
        assert_eq!(BareJid::try_from(jid("a@b")).unwrap().as_str(), "a@b");
        assert_eq!(jid("a@b/c").try_into_full().unwrap().resource(), "c");
        assert_eq!(jid("a@b").try_into_full().unwrap_err().as_str(), "a@b");
        assert!(jid("a@b") < jid("b@a"));
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "juliet@example.com/balcony/x@y",
            "example.com",
            "ä@ü.example/ö",
        ] {
            let j = jid(text);
            assert_eq!(j.to_string(), text);
            assert_eq!(j.to_string().parse::<Jid>().unwrap(), j);
            assert_eq!(format!("{j:?}"), format!("Jid({text:?})"));
        }
        let bare: BareJid = "juliet@example.com".parse().unwrap();
        assert_eq!(format!("{bare}"), "juliet@example.com");
        assert_eq!(format!("{bare:?}"), "BareJid(\"juliet@example.com\")");
        let attr = minidom::IntoAttributeValue::into_attribute_value(&bare);
        assert_eq!(attr.as_deref(), Some("juliet@example.com"));
    }

    #[test]
    fn typed_input_is_normalised_and_case_folded() {
        let t = |s: &str| Jid::from_typed(s).map(|j| j.to_string());
        for (typed, prepared) in TYPED {
            assert_eq!(t(typed).as_deref(), Ok(*prepared), "{typed}");
        }
        assert_eq!(t("so\u{ad}ft@example.org").unwrap(), "soft@example.org");
        // Resources keep their case; other spaces become U+0020.
        assert_eq!(
            t("a@b.example/Big\u{2003}Phone").unwrap(),
            "a@b.example/Big Phone"
        );
        assert_eq!(
            BareJid::from_typed("Juliet@Example.com").unwrap(),
            BareJid::new("juliet@example.com").unwrap()
        );
        assert_eq!(
            BareJid::from_typed("juliet@example.com/x"),
            Err(Error::ResourceInBareJid)
        );
    }

    #[test]
    fn typed_input_with_prohibited_characters_is_rejected() {
        let t = Jid::from_typed;
        assert_eq!(t("a&b@example.org"), Err(Error::Forbidden(Part::Node, '&')));
        // NFKC makes the ideographic space a plain one.
        assert_eq!(
            t("a\u{3000}b@example.org"),
            Err(Error::Forbidden(Part::Node, ' '))
        );
        assert_eq!(
            t("a\u{e001}@example.org"),
            Err(Error::Forbidden(Part::Node, '\u{e001}'))
        );
        assert_eq!(
            t("a\u{202e}@example.org"),
            Err(Error::Forbidden(Part::Node, '\u{202e}'))
        );
        assert_eq!(
            t("a@b\u{fffd}.org"),
            Err(Error::Forbidden(Part::Domain, '\u{fffd}'))
        );
        assert_eq!(
            t("a@x.\u{e0041}"),
            Err(Error::Forbidden(Part::Domain, '\u{e0041}'))
        );
        assert_eq!(
            t("a@\u{2ff0}.org"),
            Err(Error::Forbidden(Part::Domain, '\u{2ff0}'))
        );
        assert_eq!(t("\u{200b}@example.org"), Err(Error::NodeEmpty));
        // Bidi: right-to-left must not mix with left-to-right, and must start and end the part.
        assert!(t("שלום@example.org").is_ok());
        assert!(t("محمد@example.org").is_ok());
        assert_eq!(t("שלוםabc@example.org"), Err(Error::Bidi(Part::Node)));
        assert_eq!(t("שלום1@example.org"), Err(Error::Bidi(Part::Node)));
        assert_eq!(t("a@שלום1.example"), Err(Error::Bidi(Part::Domain)));
        assert!(t("a@שלום.example").is_ok());
        assert!(t("1שלום1@example.org").is_err());
    }

    /// The `jid` crate (stringprep and UTS #46) agrees on prepared input and on what it
    /// rejects structurally.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_the_jid_crate() {
        let same = [
            "juliet@example.com",
            "juliet@example.com/balcony",
            "juliet@example.com/a@b/c d",
            "example.com",
            "example.com/x@y",
            "pubsub.example.org",
            "ä@ü.example/Ö",
            "οδυσσευσ@example.org",
            "bob@例え.テスト",
            "a@192.0.2.1",
            "a@[2001:db8::1]",
            "x_y@example.com",
            "xn--bcher-kva.example",
            "Juliet@Example.COM/Balcony",
        ];
        for text in same {
            let ours = Jid::new(text).unwrap();
            let theirs = jid::Jid::new(text).unwrap();
            assert_eq!(ours.as_str(), theirs.as_str(), "{text}");
            assert_eq!(
                ours.node().map(|n| n.as_str()),
                theirs.node().map(|n| n.as_str())
            );
            assert_eq!(ours.domain().as_str(), theirs.domain().as_str());
            assert_eq!(
                ours.resource().map(|r| r.as_str()),
                theirs.resource().map(|r| r.as_str())
            );
        }
        let typed = [
            "ａｌｉｃｅ@Example.org",
            "ﬁsh@example.org",
            "ÄLICE@EXAMPLE.ORG/Phone",
            "STRASSE@example.org",
            "Straße@example.org",
            "ΟΔΥΣΣΕΥΣ@example.org",
            "ℌ@example.org",
            "so\u{ad}ft@example.org",
            "a\u{308}@example.org",
            "שלום@example.org",
        ];
        for text in typed {
            let ours = Jid::from_typed(text).unwrap();
            let theirs = jid::Jid::new(text).unwrap();
            assert_eq!(ours.as_str(), theirs.as_str(), "{text}");
        }
        let rejected = [
            "",
            "@example.com",
            "a@",
            "a@example.com/",
            "a@b@example.com",
            "a..example.com",
            "a b@example.com",
            "a:b@example.com",
            "a@exa mple.com",
            "a@exa|mple.com",
            "a@-x.example",
            "a@example.com/\u{200e}",
            "a\u{e000}@example.com",
        ];
        for text in rejected {
            assert!(Jid::new(text).is_err(), "{text}");
            assert!(jid::Jid::new(text).is_err(), "{text}");
        }
    }
}

/// The typed path through the browser's own Unicode tables, as shipped.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn typed_input_is_prepared_by_the_browser() {
        let t = |s: &str| Jid::from_typed(s).map(|j| j.to_string());
        for (typed, prepared) in TYPED {
            assert_eq!(t(typed).as_deref(), Ok(*prepared), "{typed}");
        }
        assert_eq!(t("a&b@example.org"), Err(Error::Forbidden(Part::Node, '&')));
        assert_eq!(t("שלוםabc@example.org"), Err(Error::Bidi(Part::Node)));
    }
}
