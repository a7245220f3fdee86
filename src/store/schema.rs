//! The IndexedDB schema as data: each version lists the steps that lead to it from the
//! one before, so an upgrade from any older version replays only the missing steps and
//! keeps every record. Never edit a released version's steps; add a version.

/// One change to the database's shape, applied inside `onupgradeneeded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    CreateStore {
        name: &'static str,
        key_path: &'static [&'static str],
    },
    CreateIndex {
        store: &'static str,
        name: &'static str,
        key_path: &'static [&'static str],
        unique: bool,
    },
}

pub const ACCOUNTS: &str = "accounts";
pub const ROSTER: &str = "roster";
pub const OUTBOX: &str = "outbox";
pub const POSTS: &str = "posts";
pub const CURSORS: &str = "cursors";
pub const MESSAGES: &str = "messages";
pub const PEOPLE: &str = "people";
pub const AVATARS: &str = "avatars";

/// Index of the outbox by account then writing order.
pub const OUTBOX_BY_SEQ: &str = "by_seq";
/// Index of posts by account then published time: the timeline.
pub const POSTS_BY_PUBLISHED: &str = "by_published";
/// Index of posts by account then author: a contact's page.
pub const POSTS_BY_AUTHOR: &str = "by_author";
/// Index of messages by account, conversation, then time: a conversation's history.
pub const MESSAGES_BY_PEER_TIME: &str = "by_peer_time";

/// Version `n` is reached by applying `VERSIONS[n - 1]`.
pub const VERSIONS: &[&[Step]] = &[
    // 1: what the first release kept: accounts, roster, outbox.
    &[
        Step::CreateStore {
            name: ACCOUNTS,
            key_path: &["jid"],
        },
        Step::CreateStore {
            name: ROSTER,
            key_path: &["account", "jid"],
        },
        Step::CreateStore {
            name: OUTBOX,
            key_path: &["account", "id"],
        },
        Step::CreateIndex {
            store: OUTBOX,
            name: OUTBOX_BY_SEQ,
            key_path: &["account", "seq"],
            unique: false,
        },
    ],
    // 2: the feed: posts and sync cursors.
    &[
        Step::CreateStore {
            name: POSTS,
            key_path: &["account", "service", "node", "id"],
        },
        Step::CreateIndex {
            store: POSTS,
            name: POSTS_BY_PUBLISHED,
            key_path: &["account", "published"],
            unique: false,
        },
        Step::CreateIndex {
            store: POSTS,
            name: POSTS_BY_AUTHOR,
            key_path: &["account", "author"],
            unique: false,
        },
        Step::CreateStore {
            name: CURSORS,
            key_path: &["account", "key"],
        },
    ],
    // 3: one-to-one chat, each stanza a record by conversation.
    &[
        Step::CreateStore {
            name: MESSAGES,
            key_path: &["account", "peer", "id"],
        },
        Step::CreateIndex {
            store: MESSAGES,
            name: MESSAGES_BY_PEER_TIME,
            key_path: &["account", "peer", "time"],
            unique: false,
        },
    ],
    // 4: people: what contacts published about themselves, and avatar images by hash.
    &[
        Step::CreateStore {
            name: PEOPLE,
            key_path: &["account", "jid"],
        },
        Step::CreateStore {
            name: AVATARS,
            key_path: &["account", "hash"],
        },
    ],
];

/// The version this build writes.
pub const CURRENT: u32 = VERSIONS.len() as u32;

/// The steps that take a database at `from` (0: new) to [`CURRENT`]. `None` if `from`
/// is newer than this build knows: a newer Kith tab upgraded it, and this old page must
/// not touch it (it reloads into the new version instead).
pub fn upgrade(from: u32) -> Option<Vec<Step>> {
    if from > CURRENT {
        return None;
    }
    Some(
        VERSIONS[from as usize..]
            .iter()
            .flat_map(|steps| steps.iter().copied())
            .collect(),
    )
}

/// Every object store of the current version, for a wipe.
pub fn stores() -> Vec<&'static str> {
    upgrade(0)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|step| match step {
            Step::CreateStore { name, .. } => Some(name),
            Step::CreateIndex { .. } => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// What a database looks like after some steps: (store, index) names.
    fn shape(steps: &[Step]) -> BTreeSet<(String, String)> {
        let mut shape = BTreeSet::new();
        for step in steps {
            match *step {
                Step::CreateStore { name, .. } => {
                    assert!(
                        shape.insert((name.to_owned(), String::new())),
                        "{name} created twice"
                    );
                }
                Step::CreateIndex { store, name, .. } => {
                    assert!(
                        shape.contains(&(store.to_owned(), String::new())),
                        "index {name} on {store} before the store exists"
                    );
                    assert!(shape.insert((store.to_owned(), name.to_owned())));
                }
            }
        }
        shape
    }

    #[test]
    fn every_upgrade_path_reaches_the_same_shape() {
        let fresh = shape(&upgrade(0).unwrap());
        let history = (MESSAGES.to_owned(), MESSAGES_BY_PEER_TIME.to_owned());
        assert!(fresh.contains(&history));
        for from in 1..=CURRENT {
            let mut steps: Vec<Step> = VERSIONS[..from as usize].concat();
            steps.extend(upgrade(from).unwrap());
            assert_eq!(shape(&steps), fresh, "upgrading from v{from}");
        }
        assert!(upgrade(CURRENT).unwrap().is_empty());
    }

    #[test]
    fn a_newer_database_is_left_alone() {
        assert_eq!(upgrade(CURRENT + 1), None);
    }

    #[test]
    fn every_store_is_keyed_by_account_first() {
        // Wiping an account is then one key range per store.
        for step in upgrade(0).unwrap() {
            if let Step::CreateStore { name, key_path } = step {
                assert!(
                    name == ACCOUNTS || key_path[0] == "account",
                    "{name} is not keyed by account"
                );
            }
        }
        assert_eq!(
            stores(),
            [ACCOUNTS, ROSTER, OUTBOX, POSTS, CURSORS, MESSAGES, PEOPLE, AVATARS]
        );
    }
}
