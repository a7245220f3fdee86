//! What the person does in the feed: publish (with an image), edit, delete, like,
//! comment, load older, open a post. Every write becomes outbox records — stored first,
//! then sent by the tab holding the connection — and shows at once as **Pending**.

use leptos::prelude::Set;
use xmpp_parsers::date::DateTime;

use super::account::{account, with_feed};
use super::outbox::{fresh_id, record, write};
use super::upload::{prepare, upload};
use crate::proto::xep0277::{Entry, Link};
use crate::service::feed::{Access, Composed, Feed, ItemKey, PostInput};
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

/// Echoes a composed action and hands back its outbox records, in sending order.
fn apply(state: AppState, composed: Composed) -> Vec<OutboxRecord> {
    let records = composed.entries.into_iter().map(record).collect();
    let (key, entry) = composed.echo;
    echo(state, key, entry);
    records
}

/// Publishes a new post, or republishes an edited one. `Err` is a sentence for the
/// composer; nothing the person typed is lost then.
pub async fn publish(state: AppState, draft: Draft) -> Result<(), String> {
    if draft.title.trim().is_empty() {
        return Err("A post needs a title".into());
    }
    let me = account().ok_or("Sign in to publish")?;
    // Checked before the upload too: an edit that cannot go uploads nothing.
    let editable = draft
        .editing
        .as_ref()
        .is_none_or(|key| read(state, |feed| feed.own_post(key).is_some()).unwrap_or(false));
    if !editable {
        return Err("This post can no longer be edited here".into());
    }
    let mut enclosures = Vec::new();
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
    let input = PostInput {
        title: draft.title,
        markdown: draft.markdown,
        access: match draft.visibility {
            Visibility::Public => Access::Open,
            Visibility::Contacts => Access::Presence,
        },
        enclosures,
        editing: draft.editing,
    };
    let composed = read(state, |feed| feed.compose_post(input, now(), &mut fresh_id))
        .ok_or("Sign in to publish")??;
    let records = apply(state, composed);
    write(state, records).await;
    Ok(())
}

/// Like (a comment titled ♥) or unlike (retract the person's like).
pub fn set_like(state: AppState, key: ItemKey, like: bool) {
    if account().is_none() {
        return;
    }
    let composed = read(state, |feed| {
        feed.compose_like(&key, like, now(), &mut fresh_id)
    });
    let Some(composed) = composed.flatten() else {
        return;
    };
    let records = apply(state, composed);
    leptos::task::spawn_local(write(state, records));
}

/// A comment: an entry whose title is the text, on the post's comments node.
pub async fn comment(state: AppState, key: ItemKey, text: String) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("Write something first".into());
    }
    account().ok_or("Sign in to comment")?;
    let composed = read(state, |feed| {
        feed.compose_comment(&key, &text, now(), &mut fresh_id)
    })
    .unwrap_or(Err("This post does not take comments"))?;
    let records = apply(state, composed);
    write(state, records).await;
    Ok(())
}

/// Deletes one of the person's posts: retracted with notification (other clients drop
/// it), and its comments node deleted. Nothing for a post that is not on the person's
/// own node ([`Feed::compose_delete`]).
pub async fn delete(state: AppState, key: ItemKey) {
    if account().is_none() {
        return;
    }
    let composed = read(state, |feed| feed.compose_delete(&key, &mut fresh_id));
    let Some(composed) = composed.flatten() else {
        return;
    };
    let records = apply(state, composed);
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
