//! What the person does in the feed: publish (with an image), edit, delete, like,
//! comment, load older, open a post. Every write becomes outbox records — stored first,
//! then sent by the tab holding the connection — and shows at once as **Pending**.

use crate::proto::date::DateTime;
use leptos::prelude::*;

use super::account::Account;
use super::outbox::fresh_id;
use super::UserError;
use crate::net::upload::prepare;
use crate::proto::xep0277::{Entry, Link};
use crate::service::feed::{Access, Composed, ItemKey, PostInput};
use crate::service::upload::attachment_title;
use crate::state::feed::Visibility;

/// What the composer hands over.
#[derive(Clone)]
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

/// The browser's clock, as the feed service takes it.
fn now() -> DateTime {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    // The browser's ISO string is always RFC 3339; the epoch is a harmless fallback.
    iso.parse()
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".parse().expect("a valid date"))
}

impl Account {
    /// Shows the person's own write at once, wherever the feed lives in this tab.
    fn echo(&self, key: ItemKey, entry: Option<Entry>) {
        self.with_feed(move |feed, connection| match (connection, entry) {
            (Some(c), Some(entry)) => {
                c.act(move |client, now| client.apply_local(now, key, &entry))
            }
            (Some(c), None) => c.act(move |client, now| client.apply_local_retract(now, &key)),
            (None, Some(entry)) => feed.apply_local(key, &entry),
            (None, None) => feed.apply_local_retract(&key),
        });
    }

    /// Echoes a composed action and stores and sends its writes, in order.
    async fn apply(&self, composed: Composed) {
        let (key, entry) = composed.echo;
        self.echo(key, entry);
        self.write(composed.entries).await;
    }

    /// Publishes a new post, or republishes an edited one. `Err` is a sentence for the
    /// composer; nothing the person typed is lost then.
    pub async fn publish(&self, draft: Draft) -> Result<(), UserError> {
        if draft.title.trim().is_empty() {
            return Err("A post needs a title".into());
        }
        // Checked before the upload too: an edit that cannot go uploads nothing.
        let editable = draft
            .editing
            .as_ref()
            .is_none_or(|key| self.read_feed(|feed| feed.own_post(key).is_some()));
        if !editable {
            return Err("This post can no longer be edited here".into());
        }
        let state = self.state();
        let mut enclosures = Vec::new();
        if let Some(file) = &draft.image {
            let (image, media_type) = prepare(file).await?;
            let progress = state.feed.upload;
            progress.set(Some(0.0));
            let uploaded = self
                .upload(&image, &media_type, move |p| {
                    let _ = progress.try_set(Some(p));
                })
                .await;
            progress.set(None);
            let uploaded = uploaded?;
            // The person's own images load by themselves, wherever their server keeps
            // them.
            state.images.add_upload_host(self.jid().as_str(), &uploaded);
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
        let composed = self.read_feed(|feed| feed.compose_post(input, now(), &mut fresh_id))?;
        self.apply(composed).await;
        Ok(())
    }

    /// Like (a comment titled ♥) or unlike (retract the person's like).
    pub async fn set_like(&self, key: ItemKey, like: bool) -> Result<(), UserError> {
        let composed = self.read_feed(|feed| feed.compose_like(&key, like, now(), &mut fresh_id));
        // Nothing to do: already (not) liked, or not a post that takes likes.
        if let Some(composed) = composed {
            self.apply(composed).await;
        }
        Ok(())
    }

    /// A comment: an entry whose title is the text, on the post's comments node.
    pub async fn comment(&self, key: ItemKey, text: String) -> Result<(), UserError> {
        if text.trim().is_empty() {
            return Err("Write something first".into());
        }
        let composed =
            self.read_feed(|feed| feed.compose_comment(&key, &text, now(), &mut fresh_id))?;
        self.apply(composed).await;
        Ok(())
    }

    /// Deletes one of the person's posts: retracted with notification (other clients
    /// drop it), and its comments node deleted. Nothing for a post that is not on the
    /// person's own node (`Feed::compose_delete`).
    pub async fn delete(&self, key: ItemKey) -> Result<(), UserError> {
        if let Some(composed) = self.read_feed(|feed| feed.compose_delete(&key, &mut fresh_id)) {
            self.apply(composed).await;
        }
        Ok(())
    }

    /// **Load older**: the next page of the timeline of `who` (everyone's when `None`).
    pub async fn load_older(
        &self,
        who: Option<crate::proto::jid::BareJid>,
    ) -> Result<(), UserError> {
        let connection = self
            .connection()
            .ok_or("Older posts can be loaded while online")?;
        connection.act(move |client, now| {
            client.load_older(now, who);
        });
        Ok(())
    }

    /// A post's page opened: its comments are fetched (and then kept current by
    /// redraws). Offline, the page shows what the cache has.
    pub async fn open_post(&self, key: ItemKey) -> Result<(), UserError> {
        if let Some(c) = self.connection() {
            c.act(move |client, now| client.fetch_comments(now, &key));
        }
        Ok(())
    }
}
