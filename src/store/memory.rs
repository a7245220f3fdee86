//! The store in memory: the twin of the IndexedDB store for native tests, and what the
//! app runs on when the browser gives it no storage. Same trait, same ordering rules.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::*;

/// Every table is a map of this one type: the browser build carries this store as its
/// fallback, and each B-tree key and value type links its own copy of the B-tree code
/// (some kilobytes each); one for the nine tables.
type Table = BTreeMap<Key, Row>;

/// A row's key: its parts in order (account first), compared as a tuple of them would be.
type Key = Vec<String>;

fn key(parts: &[&str]) -> Key {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

fn of_account(key: &Key, account: &str) -> bool {
    key.first().is_some_and(|a| a == account)
}

enum Row {
    Account(AccountRecord),
    RosterVersion(Option<String>),
    Contact(ContactRecord),
    Outbox(OutboxRecord),
    Post(PostRecord),
    Cursor(CursorRecord),
    Message(MessageRecord),
    Person(PersonRecord),
    Avatar(AvatarRecord),
}

#[derive(Default)]
struct Tables {
    accounts: Table,
    roster_versions: Table,
    roster: Table,
    outbox: Table,
    posts: Table,
    cursors: Table,
    messages: Table,
    people: Table,
    avatars: Table,
}

/// Data lives as long as the value; clones are independent.
#[derive(Default)]
pub struct MemoryStore {
    tables: RefCell<Tables>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    async fn last_account(&self) -> StoreResult<Option<AccountRecord>> {
        let t = self.tables.borrow();
        Ok(t.accounts
            .values()
            .filter_map(|r| match r {
                Row::Account(a) => Some(a),
                _ => None,
            })
            .max_by(|a, b| a.last_used.total_cmp(&b.last_used))
            .cloned())
    }

    async fn put_account(&self, record: &AccountRecord) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.accounts
            .insert(key(&[&record.jid]), Row::Account(record.clone()));
        Ok(())
    }

    async fn roster(&self, account: &str) -> StoreResult<CachedRoster> {
        let t = self.tables.borrow();
        let version = match t.roster_versions.get(&key(&[account])) {
            Some(Row::RosterVersion(v)) => v.clone(),
            _ => None,
        };
        Ok(CachedRoster {
            version,
            contacts: t
                .roster
                .values()
                .filter_map(|r| match r {
                    Row::Contact(c) if c.account == account => Some(c.clone()),
                    _ => None,
                })
                .collect(),
        })
    }

    async fn replace_roster(&self, account: &str, roster: &CachedRoster) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.roster.retain(|k, _| !of_account(k, account));
        for c in &roster.contacts {
            t.roster
                .insert(key(&[account, &c.jid]), Row::Contact(c.clone()));
        }
        t.roster_versions
            .insert(key(&[account]), Row::RosterVersion(roster.version.clone()));
        Ok(())
    }

    async fn update_contact(
        &self,
        account: &str,
        version: Option<&str>,
        change: Result<&ContactRecord, &str>,
    ) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        match change {
            Ok(c) => {
                t.roster
                    .insert(key(&[account, &c.jid]), Row::Contact(c.clone()));
            }
            Err(jid) => {
                t.roster.remove(&key(&[account, jid]));
            }
        }
        t.roster_versions.insert(
            key(&[account]),
            Row::RosterVersion(version.map(str::to_owned)),
        );
        Ok(())
    }

    async fn outbox(&self, account: &str) -> StoreResult<Vec<OutboxRecord>> {
        let t = self.tables.borrow();
        let mut entries: Vec<OutboxRecord> = t
            .outbox
            .values()
            .filter_map(|r| match r {
                Row::Outbox(e) if e.account == account => Some(e.clone()),
                _ => None,
            })
            .collect();
        crate::sort::sort_by(&mut entries, |a, b| a.seq.total_cmp(&b.seq));
        Ok(entries)
    }

    async fn put_outbox(&self, record: &OutboxRecord) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.outbox.insert(
            key(&[&record.account, &record.id]),
            Row::Outbox(record.clone()),
        );
        Ok(())
    }

    async fn delete_outbox(&self, account: &str, id: &str) -> StoreResult<()> {
        self.tables.borrow_mut().outbox.remove(&key(&[account, id]));
        Ok(())
    }

    async fn posts(&self, account: &str, limit: usize) -> StoreResult<Vec<PostRecord>> {
        let t = self.tables.borrow();
        let mut posts: Vec<PostRecord> = t
            .posts
            .values()
            .filter_map(|r| match r {
                Row::Post(p) if p.account == account => Some(p.clone()),
                _ => None,
            })
            .collect();
        // Newest first; ties in reverse key order, as IndexedDB's reverse cursor gives.
        crate::sort::sort_by(&mut posts, |a, b| {
            let key = |p: &PostRecord| (p.service.clone(), p.node.clone(), p.id.clone());
            b.published
                .total_cmp(&a.published)
                .then_with(|| key(b).cmp(&key(a)))
        });
        posts.truncate(limit);
        Ok(posts)
    }

    async fn put_posts(&self, records: &[PostRecord]) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        for p in records {
            t.posts.insert(
                key(&[&p.account, &p.service, &p.node, &p.id]),
                Row::Post(p.clone()),
            );
        }
        Ok(())
    }

    async fn delete_post(
        &self,
        account: &str,
        service: &str,
        node: &str,
        id: &str,
    ) -> StoreResult<()> {
        self.tables
            .borrow_mut()
            .posts
            .remove(&key(&[account, service, node, id]));
        Ok(())
    }

    async fn cursor(&self, account: &str, name: &str) -> StoreResult<Option<String>> {
        let t = self.tables.borrow();
        Ok(match t.cursors.get(&key(&[account, name])) {
            Some(Row::Cursor(c)) => Some(c.value.clone()),
            _ => None,
        })
    }

    async fn put_cursor(&self, record: &CursorRecord) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.cursors.insert(
            key(&[&record.account, &record.key]),
            Row::Cursor(record.clone()),
        );
        Ok(())
    }

    async fn messages(
        &self,
        account: &str,
        peer: &str,
        before: Option<f64>,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        let t = self.tables.borrow();
        let mut found: Vec<MessageRecord> = t
            .messages
            .values()
            .filter_map(|r| match r {
                Row::Message(m)
                    if m.account == account
                        && m.peer == peer
                        && before.is_none_or(|before| m.time < before) =>
                {
                    Some(m.clone())
                }
                _ => None,
            })
            .collect();
        crate::sort::sort_by(&mut found, MessageRecord::newest_first);
        found.truncate(limit);
        Ok(found)
    }

    async fn put_messages(&self, records: &[MessageRecord]) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        for m in records {
            t.messages
                .insert(key(&[&m.account, &m.peer, &m.id]), Row::Message(m.clone()));
        }
        Ok(())
    }

    async fn conversations(&self, account: &str) -> StoreResult<Vec<MessageRecord>> {
        let t = self.tables.borrow();
        // Keys sort by peer, so each conversation's records are adjacent: keep the
        // newest of each run.
        let mut newest: Vec<MessageRecord> = Vec::new();
        for row in t.messages.values() {
            let Row::Message(m) = row else { continue };
            if m.account != account {
                continue;
            }
            match newest.last_mut() {
                Some(last) if last.peer == m.peer => {
                    if MessageRecord::newest_first(m, last).is_lt() {
                        *last = m.clone();
                    }
                }
                _ => newest.push(m.clone()),
            }
        }
        crate::sort::sort_by(&mut newest, MessageRecord::newest_first);
        Ok(newest)
    }

    async fn people(&self, account: &str) -> StoreResult<Vec<PersonRecord>> {
        let t = self.tables.borrow();
        Ok(t.people
            .values()
            .filter_map(|r| match r {
                Row::Person(p) if p.account == account => Some(p.clone()),
                _ => None,
            })
            .collect())
    }

    async fn put_people(&self, records: &[PersonRecord]) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        for p in records {
            t.people
                .insert(key(&[&p.account, &p.jid]), Row::Person(p.clone()));
        }
        Ok(())
    }

    async fn avatar(&self, account: &str, hash: &str) -> StoreResult<Option<AvatarRecord>> {
        let t = self.tables.borrow();
        Ok(match t.avatars.get(&key(&[account, hash])) {
            Some(Row::Avatar(a)) => Some(a.clone()),
            _ => None,
        })
    }

    async fn put_avatar(&self, record: &AvatarRecord) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.avatars.insert(
            key(&[&record.account, &record.hash]),
            Row::Avatar(record.clone()),
        );
        Ok(())
    }

    async fn avatar_hashes(&self, account: &str) -> StoreResult<Vec<String>> {
        let t = self.tables.borrow();
        Ok(t.avatars
            .keys()
            .filter(|k| of_account(k, account))
            .filter_map(|k| k.get(1).cloned())
            .collect())
    }

    async fn wipe_account(&self, account: &str) -> StoreResult<()> {
        let t = &mut *self.tables.borrow_mut();
        t.accounts.remove(&key(&[account]));
        t.roster_versions.remove(&key(&[account]));
        // One loop, so the wasm links one inlined `retain` rather than one per table.
        let keyed_by_account = [
            &mut t.roster,
            &mut t.outbox,
            &mut t.posts,
            &mut t.cursors,
            &mut t.messages,
            &mut t.people,
            &mut t.avatars,
        ];
        for table in keyed_by_account {
            table.retain(|k, _| !of_account(k, account));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::testing::ready;

    pub fn contact(account: &str, jid: &str) -> ContactRecord {
        ContactRecord {
            account: account.into(),
            jid: jid.into(),
            name: None,
            subscription: "both".into(),
            pending_out: false,
            groups: vec![],
        }
    }

    pub fn entry(account: &str, id: &str, queue: &str, seq: f64) -> OutboxRecord {
        OutboxRecord {
            account: account.into(),
            id: id.into(),
            queue: queue.into(),
            seq,
            kind: "roster".into(),
            target: String::new(),
            payload: format!("<iq id='{id}'/>"),
            failed: None,
            item: None,
            access: None,
            name: None,
        }
    }

    pub fn post(account: &str, id: &str, published: f64) -> PostRecord {
        PostRecord {
            account: account.into(),
            service: "bob@example.org".into(),
            node: "urn:xmpp:microblog:0".into(),
            id: id.into(),
            author: "bob@example.org".into(),
            publisher: None,
            published,
            xml: format!("<entry><id>{id}</id></entry>"),
            thread: ThreadRecord::None,
        }
    }

    pub fn message(account: &str, peer: &str, id: &str, time: f64) -> MessageRecord {
        MessageRecord {
            account: account.into(),
            peer: peer.into(),
            id: id.into(),
            time,
            outgoing: false,
            xml: format!("<message id='{id}'><body>{id}</body></message>"),
        }
    }

    fn ids(records: Vec<MessageRecord>) -> Vec<String> {
        records.into_iter().map(|m| m.id).collect()
    }

    const A: &str = "alice@example.org";
    const B: &str = "bob@example.org";

    #[test]
    fn the_newest_account_is_the_warm_start() {
        let s = MemoryStore::new();
        assert_eq!(ready(s.last_account()), Ok(None));
        for (jid, at) in [(A, 2.0), (B, 1.0)] {
            let record = AccountRecord {
                jid: jid.into(),
                keys: None,
                last_used: at,
            };
            ready(s.put_account(&record)).unwrap();
        }
        assert_eq!(ready(s.last_account()).unwrap().unwrap().jid, A);
    }

    #[test]
    fn roster_replace_and_pushes_keep_the_version() {
        let s = MemoryStore::new();
        let roster = CachedRoster {
            version: Some("v1".into()),
            contacts: vec![contact(A, "x@y"), contact(A, "z@y")],
        };
        ready(s.replace_roster(A, &roster)).unwrap();
        ready(s.update_contact(A, Some("v2"), Err("x@y"))).unwrap();
        ready(s.update_contact(A, Some("v3"), Ok(&contact(A, "w@y")))).unwrap();
        let back = ready(s.roster(A)).unwrap();
        assert_eq!(back.version.as_deref(), Some("v3"));
        let jids: Vec<_> = back.contacts.iter().map(|c| c.jid.as_str()).collect();
        assert_eq!(jids, ["w@y", "z@y"]);
        assert_eq!(ready(s.roster(B)).unwrap(), CachedRoster::default());
    }

    #[test]
    fn outbox_comes_back_in_writing_order() {
        let s = MemoryStore::new();
        for (id, seq) in [("c", 3.0), ("a", 1.0), ("b", 2.0)] {
            ready(s.put_outbox(&entry(A, id, "q", seq))).unwrap();
        }
        ready(s.delete_outbox(A, "b")).unwrap();
        let ids: Vec<_> = ready(s.outbox(A))
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, ["a", "c"]);
    }

    #[test]
    fn posts_newest_first_and_replaced_by_key() {
        let s = MemoryStore::new();
        ready(s.put_posts(&[post(A, "1", 10.0), post(A, "2", 30.0), post(A, "3", 20.0)])).unwrap();
        // An edit republishes the same item: one record, not two.
        ready(s.put_posts(&[post(A, "1", 40.0)])).unwrap();
        let ids: Vec<_> = ready(s.posts(A, 3))
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["1", "2", "3"]);
        ready(s.delete_post(A, B, "urn:xmpp:microblog:0", "2")).unwrap();
        assert_eq!(ready(s.posts(A, 10)).unwrap().len(), 2);
    }

    #[test]
    fn messages_come_back_a_page_at_a_time_newest_first() {
        let s = MemoryStore::new();
        let batch = [
            message(A, B, "1", 10.0),
            message(A, B, "3", 30.0),
            message(A, B, "2", 20.0),
            message(A, B, "4", 40.0),
            message(A, "carol@example.org", "c", 50.0),
            message(B, A, "x", 60.0),
        ];
        ready(s.put_messages(&batch)).unwrap();
        assert_eq!(
            ids(ready(s.messages(A, B, None, 10)).unwrap()),
            ["4", "3", "2", "1"]
        );
        assert_eq!(ids(ready(s.messages(A, B, None, 2)).unwrap()), ["4", "3"]);
        // The next page starts below the oldest shown, exclusive.
        assert_eq!(
            ids(ready(s.messages(A, B, Some(30.0), 2)).unwrap()),
            ["2", "1"]
        );
        assert!(ready(s.messages(A, B, Some(10.0), 2)).unwrap().is_empty());
        assert!(ready(s.messages(A, B, None, 0)).unwrap().is_empty());
        // The same id again replaces: a correction folded in, or the archive's copy.
        let again = MessageRecord {
            outgoing: true,
            ..message(A, B, "1", 45.0)
        };
        ready(s.put_messages(std::slice::from_ref(&again))).unwrap();
        let page = ready(s.messages(A, B, None, 10)).unwrap();
        assert_eq!(page.len(), 4);
        assert_eq!(page[0], again);
        // Equal times: highest id first, as IndexedDB's reverse cursor gives.
        ready(s.put_messages(&[message(A, B, "0", 45.0)])).unwrap();
        assert_eq!(ids(ready(s.messages(A, B, None, 2)).unwrap()), ["1", "0"]);
    }

    #[test]
    fn conversations_are_each_peers_newest_newest_first() {
        let s = MemoryStore::new();
        assert!(ready(s.conversations(A)).unwrap().is_empty());
        ready(s.put_messages(&[
            message(A, B, "b1", 10.0),
            message(A, B, "b2", 40.0),
            message(A, B, "b3", 20.0),
            message(A, "carol@example.org", "c1", 30.0),
            message(A, "dave@example.org", "d1", 50.0),
            message(A, "dave@example.org", "d0", 5.0),
            message(B, A, "x", 60.0),
        ]))
        .unwrap();
        assert_eq!(ids(ready(s.conversations(A)).unwrap()), ["d1", "b2", "c1"]);
        assert_eq!(ids(ready(s.conversations(B)).unwrap()), ["x"]);
    }

    #[test]
    fn people_by_jid_and_avatars_by_hash_per_account() {
        let s = MemoryStore::new();
        let hash = "a9993e364706816aba3e25717850c26c9cd0d89d";
        let bob = PersonRecord {
            account: A.into(),
            jid: B.into(),
            nick: Some("Bobby".into()),
            avatar: Some(hash.into()),
            ..Default::default()
        };
        ready(s.put_people(std::slice::from_ref(&bob))).unwrap();
        let renamed = PersonRecord {
            nick: Some("Bob".into()),
            ..bob
        };
        ready(s.put_people(std::slice::from_ref(&renamed))).unwrap();
        assert_eq!(ready(s.people(A)).unwrap(), [renamed]);
        assert!(ready(s.people(B)).unwrap().is_empty());
        let image = AvatarRecord {
            account: A.into(),
            hash: hash.into(),
            type_: "image/png".into(),
            bytes: b"abc".to_vec(),
        };
        ready(s.put_avatar(&image)).unwrap();
        assert_eq!(ready(s.avatar(A, hash)).unwrap(), Some(image));
        assert_eq!(ready(s.avatar(B, hash)).unwrap(), None);
        assert_eq!(ready(s.avatar_hashes(A)).unwrap(), [hash]);
        ready(s.wipe_account(A)).unwrap();
        assert!(ready(s.people(A)).unwrap().is_empty());
        assert!(ready(s.avatar_hashes(A)).unwrap().is_empty());
    }

    #[test]
    fn wipe_removes_one_account_only() {
        let s = MemoryStore::new();
        for account in [A, B] {
            let record = AccountRecord {
                jid: account.into(),
                keys: None,
                last_used: 1.0,
            };
            ready(s.put_account(&record)).unwrap();
            ready(s.put_outbox(&entry(account, "1", "q", 1.0))).unwrap();
            ready(s.put_posts(&[post(account, "1", 1.0)])).unwrap();
            let cursor = CursorRecord {
                account: account.into(),
                key: "k".into(),
                value: "v".into(),
            };
            ready(s.put_cursor(&cursor)).unwrap();
            ready(s.put_messages(&[message(account, "c@d", "1", 1.0)])).unwrap();
        }
        ready(s.wipe_account(A)).unwrap();
        assert!(ready(s.messages(A, "c@d", None, 10)).unwrap().is_empty());
        assert!(ready(s.conversations(A)).unwrap().is_empty());
        assert_eq!(ready(s.messages(B, "c@d", None, 10)).unwrap().len(), 1);
        assert!(ready(s.outbox(A)).unwrap().is_empty());
        assert!(ready(s.posts(A, 10)).unwrap().is_empty());
        assert_eq!(ready(s.cursor(A, "k")).unwrap(), None);
        assert_eq!(ready(s.last_account()).unwrap().unwrap().jid, B);
        assert_eq!(ready(s.outbox(B)).unwrap().len(), 1);
        assert_eq!(ready(s.cursor(B, "k")).unwrap().as_deref(), Some("v"));
    }
}
