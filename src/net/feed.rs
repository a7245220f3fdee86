//! What the person does in the feed: publish (with an image), edit, delete, like,
//! comment, load older, open a post. Every write becomes outbox records — stored first,
//! then sent by the tab holding the connection — and shows at once as **Pending**.

use leptos::prelude::Set;
use minidom::Element;
use xmpp_parsers::date::DateTime;
use xmpp_parsers::iq::Iq;

use xmpp_parsers::ns::MICROBLOG;

use super::account::{account, with_feed};
use super::outbox::{fresh_id, record, write};
use super::upload::{prepare, upload};
use crate::proto::xep0277::{CommentsLink, Entry, Link, PostDraft};
use crate::service::feed::{self, Access, Feed, ItemKey};
use crate::service::upload::attachment_title;
use crate::state::feed::Visibility;
use crate::state::AppState;
use crate::store::OutboxRecord;

/// What the composer hands over.
pub struct Draft {
    pub title: String,
    pub markdown: String,
    pub visibility: Visibility,
    pub image: Option<web_sys::File>,
    /// What the person wrote about the image: published as its title.
    pub caption: String,
    /// Republish this post (same item id, same `published`) instead of a new one.
    pub editing: Option<ItemKey>,
}

fn now() -> DateTime {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    // The browser's ISO string is always RFC 3339; the epoch is a harmless fallback.
    iso.parse()
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".parse().expect("a valid date"))
}

fn payload(iq: Iq) -> String {
    String::from(&Element::from(iq))
}

/// Reads the feed this tab shows.
fn read<T>(state: AppState, read: impl FnOnce(&Feed) -> T) -> Option<T> {
    let mut out = None;
    with_feed(state, |feed, connection| {
        out = Some(match connection {
            Some(c) => c.with_client(|client| read(client.feed())),
            None => read(feed),
        });
    });
    out
}

/// Shows the person's own write at once, wherever the feed lives in this tab.
fn echo(state: AppState, key: ItemKey, entry: Option<Entry>) {
    with_feed(state, move |feed, connection| match (connection, entry) {
        (Some(c), Some(entry)) => c.act(move |client, now| client.apply_local(now, key, &entry)),
        (Some(c), None) => c.act(move |client, now| client.apply_local_retract(now, &key)),
        (None, Some(entry)) => feed.apply_local(key, &entry),
        (None, None) => feed.apply_local_retract(&key),
    });
}

/// One write: its own iq id (the outbox's), the item it is about.
fn outbox(kind: &str, queue: &str, target: &str, build: impl FnOnce(&str) -> Iq) -> OutboxRecord {
    let id = fresh_id();
    let iq = build(&id);
    record(kind, queue, id, target, payload(iq))
}

/// Publishes a new post, or republishes an edited one. `Err` is a sentence for the
/// composer; nothing the person typed is lost then.
pub async fn publish(state: AppState, draft: Draft) -> Result<(), String> {
    let title = draft.title.trim().to_owned();
    if title.is_empty() {
        return Err("A post needs a title".into());
    }
    let me = account().ok_or("Sign in to publish")?;
    // Only a post on the person's own node can be edited (the feed checks where it lives).
    let old = draft.editing.as_ref().and_then(|key| {
        read(state, |feed| feed.own_post(key).map(|p| p.entry().clone())).flatten()
    });
    if draft.editing.is_some() && old.is_none() {
        return Err("This post can no longer be edited here".into());
    }
    let mut enclosures = old
        .as_ref()
        .map(|e| e.enclosures.clone())
        .unwrap_or_default();
    if let Some(file) = &draft.image {
        let (image, media_type) = prepare(file).await?;
        let progress = state.feed.upload;
        progress.set(Some(0.0));
        let uploaded = upload(&me, &image, &media_type, move |p| {
            let _ = progress.try_set(Some(p));
        })
        .await;
        progress.set(None);
        let uploaded = uploaded?;
        // The person's own images load by themselves, wherever their server keeps them.
        state.images.add_upload_host(me.as_str(), &uploaded);
        enclosures.push(Link {
            href: uploaded,
            media_type: Some(media_type),
            title: Some(attachment_title(&draft.caption)),
            length: Some(image.size() as u64),
        });
    }
    let id = match (&draft.editing, &old) {
        (Some(key), Some(_)) => key.id.clone(),
        _ => fresh_id(),
    };
    let service = read(state, Feed::comments_service).unwrap_or_else(|| me.clone().into());
    let comments = match &old {
        Some(old) => old.comments.clone(),
        None => Some(CommentsLink::for_post(service, &id)),
    };
    let written = PostDraft {
        title,
        markdown: draft.markdown,
        ..Default::default()
    };
    let mut entry = Entry::new_post(&id, &me, None, written, comments.clone(), now());
    enclosures.extend(std::mem::take(&mut entry.enclosures));
    entry.enclosures = enclosures;
    if let Some(old) = &old {
        // An edit keeps the original date: it is the same post.
        entry.published = old.published.clone().or(entry.published);
    }
    let access = match draft.visibility {
        Visibility::Public => Access::Open,
        Visibility::Contacts => Access::Presence,
    };
    // One queue for the person's feed writes: the comments node exists before the post
    // that links to it, and a delete never overtakes its publish.
    let mut records = Vec::new();
    if let (None, Some(link)) = (&old, &comments) {
        records.push(outbox("comments-node", MICROBLOG, &id, |rid| {
            feed::create_comments_node_iq(rid, &link.service, &link.node)
        }));
    }
    records.push(outbox("post", MICROBLOG, &id, |rid| {
        feed::publish_iq(rid, None, MICROBLOG, &entry, Some(access))
    }));
    echo(state, ItemKey::post(&me, &id), Some(entry));
    write(state, records).await;
    Ok(())
}

/// The comments node of a post, where comments and likes go.
fn comments_of(state: AppState, key: &ItemKey) -> Option<CommentsLink> {
    read(state, |feed| {
        feed.post(key).and_then(|p| p.entry().comments.clone())
    })
    .flatten()
}

/// Like (a comment titled ♥) or unlike (retract the person's like).
pub fn set_like(state: AppState, key: ItemKey, like: bool) {
    let (Some(me), Some(link)) = (account(), comments_of(state, &key)) else {
        return;
    };
    let queue = link.node.clone();
    if like {
        let id = fresh_id();
        let entry = Entry::new_like(&id, &me, now());
        let record = outbox("like", &queue, &key.id, |rid| {
            feed::publish_iq(rid, Some(link.service.clone()), &link.node, &entry, None)
        });
        let item = ItemKey::new(link.service.to_string(), link.node.clone(), id);
        echo(state, item, Some(entry));
        leptos::task::spawn_local(write(state, vec![record]));
    } else {
        let mine = read(state, |feed| feed.likes(&key).1.map(str::to_owned)).flatten();
        let Some(like_id) = mine else {
            return;
        };
        let record = outbox("unlike", &queue, &key.id, |rid| {
            feed::retract_iq(rid, Some(link.service.clone()), &link.node, &like_id)
        });
        echo(
            state,
            ItemKey::new(link.service.to_string(), link.node.clone(), like_id),
            None,
        );
        leptos::task::spawn_local(write(state, vec![record]));
    }
}

/// A comment: an entry whose title is the text, on the post's comments node.
pub async fn comment(state: AppState, key: ItemKey, text: String) -> Result<(), String> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err("Write something first".into());
    }
    let me = account().ok_or("Sign in to comment")?;
    let link = comments_of(state, &key).ok_or("This post does not take comments")?;
    let id = fresh_id();
    let entry = Entry::new_comment(&id, &me, None, &text, now());
    let record = outbox("comment", &link.node, &key.id, |rid| {
        feed::publish_iq(rid, Some(link.service.clone()), &link.node, &entry, None)
    });
    echo(
        state,
        ItemKey::new(link.service.to_string(), link.node.clone(), id),
        Some(entry),
    );
    write(state, vec![record]).await;
    Ok(())
}

/// Deletes one of the person's posts: retracted with notification (other clients drop
/// it), and its comments node deleted. Nothing for a post that is not on the person's
/// own node ([`Feed::delete_post`]).
pub async fn delete(state: AppState, key: ItemKey) {
    if account().is_none() {
        return;
    }
    let (retract_id, node_id) = (fresh_id(), fresh_id());
    let deletion = read(state, |feed| feed.delete_post(&key, &retract_id, &node_id)).flatten();
    let Some(deletion) = deletion else {
        return;
    };
    let mut records = vec![record(
        "delete",
        MICROBLOG,
        retract_id,
        &key.id,
        payload(deletion.retract),
    )];
    if let Some(iq) = deletion.comments_node {
        records.push(record(
            "comments-node",
            MICROBLOG,
            node_id,
            &key.id,
            payload(iq),
        ));
    }
    echo(state, key, None);
    write(state, records).await;
}

/// **Load older**: the next page of the timeline.
pub fn load_older(state: AppState) {
    with_feed(state, |_, connection| {
        if let Some(c) = connection {
            c.act(|client, now| {
                client.load_older(now, None);
            });
        }
    });
}

/// A post's page opened: its comments are fetched (and then kept current by redraws).
pub fn open_post(state: AppState, key: ItemKey) {
    with_feed(state, move |_, connection| {
        if let Some(c) = connection {
            c.act(move |client, now| client.fetch_comments(now, &key));
        }
    });
}
