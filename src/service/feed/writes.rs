//! The person's feed writes, composed here (sans-IO): publish, edit, comment, like,
//! unlike, delete. Fresh ids and `now` are passed in, so every payload is tested natively;
//! the caller stores each [`OutboxEntry`] and shows the [`Composed::echo`] at once. Beside
//! them, what to do when the server refuses one ([`recover`]).

use crate::proto::date::DateTime;
use crate::proto::ns;
use crate::proto::rfc6120::{DefinedCondition, Iq, StanzaError};

use super::{
    configure_node_iq, create_comments_node_iq, create_node_iq, is_precondition_not_met,
    is_publish_option_refused, publish_iq, retract_iq, Access, Feed, ItemKey,
};
use crate::proto::xep0277::{CommentsLink, Entry, Link, PostDraft};
use crate::service::outbox::{OutboxEntry, WriteKind};

/// The outbox entries of one action, in sending order (each pending, its payload
/// serialised), and what the person sees at once: the item with its new entry, or gone
/// (`None`).
#[derive(Clone, Debug)]
pub struct Composed {
    pub entries: Vec<OutboxEntry>,
    pub echo: (ItemKey, Option<Entry>),
}

/// A post as the composer hands it over, its image already uploaded.
#[derive(Clone, Debug)]
pub struct PostInput {
    pub title: String,
    pub markdown: String,
    pub access: Access,
    /// Uploaded images, after those an edited post already has.
    pub enclosures: Vec<Link>,
    /// Republish this post (same item id, same `published`) instead of a new one.
    pub editing: Option<ItemKey>,
}

/// A source of fresh client-chosen ids (items and iqs).
pub type Ids<'a> = &'a mut dyn FnMut() -> String;

impl Feed {
    /// A new post, or an edit of one of the person's own posts. `Err` is a sentence for
    /// the composer.
    pub fn compose_post(
        &self,
        input: PostInput,
        now: DateTime,
        ids: Ids<'_>,
    ) -> Result<Composed, &'static str> {
        let title = input.title.trim().to_owned();
        if title.is_empty() {
            return Err("A post needs a title");
        }
        // Only a post on the person's own node can be edited.
        let old = input
            .editing
            .as_ref()
            .and_then(|key| self.own_post(key).map(|p| p.entry().clone()));
        if input.editing.is_some() && old.is_none() {
            return Err("This post can no longer be edited here");
        }
        let mut enclosures = old
            .as_ref()
            .map(|e| e.enclosures.clone())
            .unwrap_or_default();
        enclosures.extend(input.enclosures);
        let id = match (&input.editing, &old) {
            (Some(key), Some(_)) => key.id.clone(),
            _ => ids(),
        };
        let comments = match &old {
            Some(old) => old.comments.clone(),
            None => Some(CommentsLink::for_post(self.comments_service(), &id)),
        };
        let written = PostDraft {
            title,
            markdown: input.markdown,
            ..Default::default()
        };
        let me = self.account.clone();
        let mut entry = Entry::new_post(&id, &me, None, written, comments.clone(), now);
        enclosures.extend(std::mem::take(&mut entry.enclosures));
        entry.enclosures = enclosures;
        if let Some(old) = &old {
            // An edit keeps the original date: it is the same post.
            entry.published = old.published.clone().or(entry.published);
        }
        let key = ItemKey::post(&me, &id);
        // One queue for the person's feed writes: the comments node exists before the
        // post that links to it, and a delete never overtakes its publish.
        let about_post =
            |id, kind, iq| OutboxEntry::new(id, ns::MICROBLOG, kind, Some(key.clone()), iq);
        let mut entries = Vec::new();
        if let (None, Some(link)) = (&old, &comments) {
            let rid = ids();
            let iq = create_comments_node_iq(&rid, &link.service, &link.node);
            entries.push(about_post(rid, WriteKind::CommentsNode, iq));
        }
        let rid = ids();
        let iq = publish_iq(&rid, None, ns::MICROBLOG, &entry, Some(input.access));
        let kind = WriteKind::Post {
            access: input.access,
        };
        entries.push(about_post(rid, kind, iq));
        Ok(Composed {
            entries,
            echo: (key, Some(entry)),
        })
    }

    /// A comment on post `key`: an entry whose title is the text, on its comments node.
    pub fn compose_comment(
        &self,
        key: &ItemKey,
        text: &str,
        now: DateTime,
        ids: Ids<'_>,
    ) -> Result<Composed, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Write something first");
        }
        let link = self
            .comments_link(key)
            .ok_or("This post does not take comments")?;
        let id = ids();
        let entry = Entry::new_comment(&id, &self.account, None, text, now);
        Ok(self.comments_write(WriteKind::Comment, &link, id, Some(entry), ids))
    }

    /// Like post `key` (a comment titled ♥) or unlike it (retract the person's own like).
    /// `None` when the post takes no comments, or there is no own like to retract.
    pub fn compose_like(
        &self,
        key: &ItemKey,
        like: bool,
        now: DateTime,
        ids: Ids<'_>,
    ) -> Option<Composed> {
        let link = self.comments_link(key)?;
        if like {
            let id = ids();
            let entry = Entry::new_like(&id, &self.account, now);
            Some(self.comments_write(WriteKind::Like, &link, id, Some(entry), ids))
        } else {
            let mine = self.likes(key).1?.to_owned();
            Some(self.comments_write(WriteKind::Unlike, &link, mine, None, ids))
        }
    }

    /// Deletes the person's post `key`: retracted with notification, and its comments
    /// node deleted ([`Feed::delete_post`]). `None` for a post not on the own node.
    pub fn compose_delete(&self, key: &ItemKey, ids: Ids<'_>) -> Option<Composed> {
        let (retract_id, node_id) = (ids(), ids());
        let deletion = self.delete_post(key, &retract_id, &node_id)?;
        let write = |id: String, kind, iq: Iq| {
            OutboxEntry::new(id, ns::MICROBLOG, kind, Some(key.clone()), iq)
        };
        let mut entries = vec![write(retract_id, WriteKind::Delete, deletion.retract)];
        if let Some(iq) = deletion.comments_node {
            entries.push(write(node_id, WriteKind::DeleteCommentsNode, iq));
        }
        Some(Composed {
            entries,
            echo: (key.clone(), None),
        })
    }

    /// The comments node of a post, where comments and likes go.
    fn comments_link(&self, key: &ItemKey) -> Option<CommentsLink> {
        self.post(key).and_then(|p| p.entry().comments.clone())
    }

    /// Publishes `entry` as item `item_id` of the comments node, or retracts that item
    /// (`None`); queued by the node.
    fn comments_write(
        &self,
        kind: WriteKind,
        link: &CommentsLink,
        item_id: String,
        entry: Option<Entry>,
        ids: Ids<'_>,
    ) -> Composed {
        let rid = ids();
        let service = Some(link.service.clone());
        let iq = match &entry {
            Some(entry) => publish_iq(&rid, service, &link.node, entry, None),
            None => retract_iq(&rid, service, &link.node, &item_id),
        };
        let item = ItemKey::new(link.service.to_string(), link.node.clone(), item_id);
        Composed {
            entries: vec![OutboxEntry::new(
                rid,
                link.node.clone(),
                kind,
                Some(item.clone()),
                iq,
            )],
            echo: (item, entry),
        }
    }
}

/// What to do about an outbox entry the server answered with `error`.
#[derive(Clone, Debug, PartialEq)]
pub enum Recovery {
    /// The error means what was asked is already so: the entry is done.
    Done,
    /// Send `before` (in order: a server handles one stream's stanzas in order), then
    /// the entry again, once. `without_max_items`: the service refuses
    /// `pubsub#max_items` as a publish option, so from now on publishes go without it
    /// ([`super::without_max_items_option`]).
    Resend {
        before: Vec<Iq>,
        without_max_items: bool,
    },
    /// Nothing to do about it here: the error stands.
    Refuse,
}

/// The pubsub recovery policy: how `entry`, answered with `error`, can still go
/// through. `tried`: this entry was already resent once after a recovery, which is
/// never repeated (no loop with a server that keeps refusing).
///
/// - Creating a comments node that exists (an earlier attempt got through, its answer
///   was lost) is what was wanted.
/// - XEP-0060 §7.1.5 `precondition-not-met` on a post: the node's access model differs
///   from the one asked for. Reconfigure it and publish once more, as Movim does.
/// - A post's publish options refused (ejabberd 23.01 refuses `max_items`, with a
///   `wait` type that would have us send the same forever): create or configure the
///   node to keep every item, then publish without that option, once.
pub fn recover(entry: &OutboxEntry, error: &StanzaError, tried: bool) -> Recovery {
    let id = &entry.id;
    match (&entry.kind, &entry.item) {
        (WriteKind::CommentsNode, _) if error.defined_condition == DefinedCondition::Conflict => {
            Recovery::Done
        }
        (WriteKind::Post { access }, Some(item)) if !tried => {
            let configure = configure_node_iq(&format!("{id}-configure"), &item.node, *access);
            if is_precondition_not_met(error) {
                Recovery::Resend {
                    before: vec![configure],
                    without_max_items: false,
                }
            } else if is_publish_option_refused(error) {
                let create = create_node_iq(&format!("{id}-create"), &item.node, *access);
                Recovery::Resend {
                    before: vec![create, configure],
                    without_max_items: true,
                }
            } else {
                Recovery::Refuse
            }
        }
        _ => Recovery::Refuse,
    }
}
