//! The feed in the store and back: [`PostRecord`]s and the [`CursorRecord`] a feed is
//! restored from ([`Feed::restore`], [`Feed::restore_newest`], [`Feed::absorb`]), and the
//! records it asks to keep ([`Feed::record`], [`Feed::cursors`]).

use super::*;

/// A stored item, left unparsed when the record says which comments node it links to.
pub(super) fn post_from_record(record: &PostRecord) -> Option<Post> {
    let key = ItemKey::new(&record.service, &record.node, &record.id);
    // Older versions stored a post's claimed publisher as its author: the owner it is.
    let service = BareJid::new(&record.service).ok();
    let author = match service {
        Some(owner) if record.node == ns::MICROBLOG => owner,
        _ => BareJid::new(&record.author).ok()?,
    };
    // Records from before `publisher` was kept: a comment's author other than its service
    // was the publisher the service stamped.
    let publisher = match &record.publisher {
        _ if record.node == ns::MICROBLOG => None,
        Some(publisher) => BareJid::new(publisher).ok(),
        None => Some(author.clone()).filter(|a| a.as_str() != record.service),
    };
    let published = record.published as i64;
    let entry = LazyEntry::stored(record.xml.clone());
    let thread = match &record.thread {
        ThreadRecord::Unknown => {
            let post = Post::new(key, author, published, entry);
            return Some(post.published_by(publisher));
        }
        ThreadRecord::None => None,
        ThreadRecord::Node { service, node } => Some(NodeKey::new(service, node)),
    };
    Some(Post {
        key,
        author,
        published,
        publisher,
        thread,
        entry,
    })
}

/// The cursor record's value: by JID, where each microblog's sync stands. Anything
/// unreadable in it (a damaged record) counts as no cursors at all.
fn cursors_of(text: &str) -> Vec<(String, Cursor)> {
    let Ok(Json::Object(members)) = Json::parse(text) else {
        return Vec::new();
    };
    let cursors = members.into_iter();
    let cursors = cursors.map(|(jid, c)| Cursor::from_json(&c).map(|c| (jid, c)));
    cursors.collect::<Option<_>>().unwrap_or_default()
}

impl Feed {
    /// Starts from what the store kept: posts, comments and likes, and the cursor record
    /// (records of another key are ignored, so the lead may pass them all).
    pub fn restore(account: BareJid, records: &[PostRecord], cursors: &[CursorRecord]) -> Self {
        let mut feed = Feed::new(account);
        for record in records {
            feed.restore_one(record);
        }
        let saved = cursors.iter().find(|c| c.key == CURSOR_KEY);
        for (jid, cursor) in saved.map(|c| cursors_of(&c.value)).unwrap_or_default() {
            if let Ok(jid) = BareJid::new(&jid) {
                feed.sources.entry(jid).or_default().cursor = cursor;
            }
        }
        feed.own_access = cursors
            .iter()
            .find(|c| c.key == ACCESS_KEY)
            .map(|c| Access::from_option(&c.value));
        feed
    }

    /// [`Feed::restore`] from the newest records only, for a first paint that does not
    /// wait for the whole cache; [`Feed::absorb`] adds the rest later.
    pub fn restore_newest(
        account: BareJid,
        records: &[PostRecord],
        cursors: &[CursorRecord],
    ) -> Self {
        let mut feed = Feed::restore(account, records, cursors);
        feed.gone = Some(VecSet::new());
        feed
    }

    /// Adds the rest of the store's records after [`Feed::restore_newest`]: what is here
    /// already is as new or newer, and what was retracted meanwhile stays gone. Nothing is
    /// reported as changed (the store has it all) but for records of an older shape.
    pub fn absorb(&mut self, records: &[PostRecord]) {
        let gone = self.gone.take().unwrap_or_default();
        for record in records {
            let key = ItemKey::new(&record.service, &record.node, &record.id);
            if self.item(&key).is_some() || gone.contains(&key) {
                continue;
            }
            self.restore_one(record);
        }
        if self.roster_known {
            self.drop_unfollowed();
        }
    }

    /// A post stored before records said which comments node it links to is reported
    /// as changed, so that it is stored again with it and parsed only this once.
    pub(super) fn restore_one(&mut self, record: &PostRecord) {
        let Some(post) = post_from_record(record) else {
            return;
        };
        let key = post.key.clone();
        if self.insert(post) && record.thread == ThreadRecord::Unknown && key.node == ns::MICROBLOG
        {
            self.changes.push_back(FeedChange::Upserted(key.clone()));
        }
        self.cap_owner(&key);
    }

    /// The record to store for a post, comment or like.
    pub fn record(&self, key: &ItemKey) -> Option<PostRecord> {
        let post = self.item(key)?;
        Some(PostRecord {
            account: self.account.to_string(),
            service: key.service.clone(),
            node: key.node.clone(),
            id: key.id.clone(),
            author: post.author.to_string(),
            publisher: post.publisher.as_ref().map(BareJid::to_string),
            published: post.published as f64,
            xml: post.xml().to_owned(),
            thread: match &post.thread {
                None => ThreadRecord::None,
                Some(node) => ThreadRecord::Node {
                    service: node.service.clone(),
                    node: node.node.clone(),
                },
            },
        })
    }

    /// The sync positions to store under [`CURSOR_KEY`].
    pub fn cursors(&self) -> Vec<(String, String)> {
        vec![(CURSOR_KEY.to_owned(), self.cursor_value())]
    }
}
