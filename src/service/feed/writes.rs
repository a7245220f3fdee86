//! The person's feed writes, composed here (sans-IO): publish, edit, comment, like,
//! unlike, delete. Fresh ids and `now` are passed in, so every payload is tested natively;
//! the caller stores each [`Write`] in the outbox and shows the [`Composed::echo`] at once.

use xmpp_parsers::date::DateTime;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::ns;

use super::{create_comments_node_iq, publish_iq, retract_iq, Access, Feed, ItemKey};
use crate::proto::xep0277::{CommentsLink, Entry, Link, PostDraft};

/// What a write does; [`WriteKind::as_str`] is the kind the outbox record keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    Post,
    CommentsNode,
    Comment,
    Like,
    Unlike,
    Delete,
}

impl WriteKind {
    /// The outbox record's `kind`: stored, so these strings never change.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteKind::Post => "post",
            WriteKind::CommentsNode => "comments-node",
            WriteKind::Comment => "comment",
            WriteKind::Like => "like",
            WriteKind::Unlike => "unlike",
            WriteKind::Delete => "delete",
        }
    }
}

/// One write for the outbox: sent as `iq`, under its own iq id `id`, in `queue` order.
#[derive(Clone, Debug)]
pub struct Write {
    pub id: String,
    pub queue: String,
    pub kind: WriteKind,
    /// The pubsub item the write creates or changes: the post (post, delete, comments
    /// node), or the comment or like.
    pub item: Option<ItemKey>,
    /// The post's item id, the outbox record's `target`.
    pub target: String,
    pub iq: Iq,
}

/// The writes of one action, in sending order, and what the person sees at once: the
/// item with its new entry, or gone (`None`).
#[derive(Clone, Debug)]
pub struct Composed {
    pub writes: Vec<Write>,
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
        let mut writes = Vec::new();
        if let (None, Some(link)) = (&old, &comments) {
            let rid = ids();
            writes.push(Write {
                iq: create_comments_node_iq(&rid, &link.service, &link.node),
                id: rid,
                queue: ns::MICROBLOG.into(),
                kind: WriteKind::CommentsNode,
                item: Some(key.clone()),
                target: id.clone(),
            });
        }
        let rid = ids();
        writes.push(Write {
            iq: publish_iq(&rid, None, ns::MICROBLOG, &entry, Some(input.access)),
            id: rid,
            queue: ns::MICROBLOG.into(),
            kind: WriteKind::Post,
            item: Some(key.clone()),
            target: id,
        });
        Ok(Composed {
            writes,
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
        Ok(self.comments_write(WriteKind::Comment, key, &link, id, Some(entry), ids))
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
            Some(self.comments_write(WriteKind::Like, key, &link, id, Some(entry), ids))
        } else {
            let mine = self.likes(key).1?.to_owned();
            Some(self.comments_write(WriteKind::Unlike, key, &link, mine, None, ids))
        }
    }

    /// Deletes the person's post `key`: retracted with notification, and its comments
    /// node deleted ([`Feed::delete_post`]). `None` for a post not on the own node.
    pub fn compose_delete(&self, key: &ItemKey, ids: Ids<'_>) -> Option<Composed> {
        let (retract_id, node_id) = (ids(), ids());
        let deletion = self.delete_post(key, &retract_id, &node_id)?;
        let write = |id: String, kind, iq| Write {
            id,
            queue: ns::MICROBLOG.into(),
            kind,
            item: Some(key.clone()),
            target: key.id.clone(),
            iq,
        };
        let mut writes = vec![write(retract_id, WriteKind::Delete, deletion.retract)];
        if let Some(iq) = deletion.comments_node {
            writes.push(write(node_id, WriteKind::CommentsNode, iq));
        }
        Some(Composed {
            writes,
            echo: (key.clone(), None),
        })
    }

    /// The comments node of a post, where comments and likes go.
    fn comments_link(&self, key: &ItemKey) -> Option<CommentsLink> {
        self.post(key).and_then(|p| p.entry().comments.clone())
    }

    /// Publishes `entry` as item `item_id` of the comments node, or retracts that item
    /// (`None`); queued by the node, its record's target the post.
    fn comments_write(
        &self,
        kind: WriteKind,
        post: &ItemKey,
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
            writes: vec![Write {
                id: rid,
                queue: link.node.clone(),
                kind,
                item: Some(item.clone()),
                target: post.id.clone(),
                iq,
            }],
            echo: (item, entry),
        }
    }
}
