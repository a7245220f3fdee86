//! The store in memory: the twin of the IndexedDB store for native tests, and what the
//! app runs on when the browser gives it no storage. Same trait, same ordering rules.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::*;

/// Every table is a map of this one type: the browser build carries this store as its
/// fallback, and each B-tree key and value type links its own copy of the B-tree code
/// (some kilobytes each); one for the six tables.
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
}

#[derive(Default)]
struct Tables {
    accounts: Table,
    roster_versions: Table,
    roster: Table,
    outbox: Table,
    posts: Table,
    cursors: Table,
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

    async fn wipe_account(&self, account: &str) -> StoreResult<()> {
        let mut t = self.tables.borrow_mut();
        t.accounts.remove(&key(&[account]));
        t.roster_versions.remove(&key(&[account]));
        t.roster.retain(|k, _| !of_account(k, account));
        t.outbox.retain(|k, _| !of_account(k, account));
        t.posts.retain(|k, _| !of_account(k, account));
        t.cursors.retain(|k, _| !of_account(k, account));
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
        }
        ready(s.wipe_account(A)).unwrap();
        assert!(ready(s.outbox(A)).unwrap().is_empty());
        assert!(ready(s.posts(A, 10)).unwrap().is_empty());
        assert_eq!(ready(s.cursor(A, "k")).unwrap(), None);
        assert_eq!(ready(s.last_account()).unwrap().unwrap().jid, B);
        assert_eq!(ready(s.outbox(B)).unwrap().len(), 1);
        assert_eq!(ready(s.cursor(B, "k")).unwrap().as_deref(), Some("v"));
    }
}
