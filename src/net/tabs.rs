//! Several tabs, one account: exactly one tab holds the connection (and so sends the
//! outbox) — the one holding a Web Lock named after the account — and the others follow
//! the shared store, told what changed over a BroadcastChannel. When the holder closes,
//! the browser hands the lock to the next tab waiting for it, which connects.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::proto::json::Json;
use crate::state::ConnectionStatus;

type Callback = Rc<RefCell<Option<Box<dyn FnOnce()>>>>;

/// The account's lock, held or waited for; dropping it does not release it, `release`
/// does (the lock otherwise goes with the page).
pub struct TabLock {
    release: Rc<RefCell<Option<Function>>>,
    /// Taken when it runs, or dropped by `release` so a lock granted later goes unused.
    acquired: Callback,
}

impl TabLock {
    /// Takes the lock named `name` now if it is free, else calls `waiting` and queues
    /// for it. `acquired` runs once, when this tab holds it. Without Web Locks (old
    /// browsers) every tab is on its own, as before.
    pub fn acquire(
        name: &str,
        acquired: impl FnOnce() + 'static,
        waiting: impl FnOnce() + 'static,
    ) -> TabLock {
        let acquired: Callback = Rc::new(RefCell::new(Some(Box::new(acquired))));
        let lock = TabLock {
            release: Rc::new(RefCell::new(None)),
            acquired: acquired.clone(),
        };
        let Some(locks) = lock_manager() else {
            let run = acquired.borrow_mut().take();
            if let Some(run) = run {
                run();
            }
            return lock;
        };
        // First ask without waiting, to know whether another tab has it.
        let (name_owned, locks_again, release) =
            (name.to_owned(), locks.clone(), lock.release.clone());
        let waiting: Callback = Rc::new(RefCell::new(Some(Box::new(waiting))));
        let first = Closure::once_into_js(move |granted: JsValue| -> JsValue {
            if granted.is_null() {
                if let Some(tell) = waiting.borrow_mut().take() {
                    tell();
                }
                request(&locks_again, &name_owned, false, acquired, release);
                return JsValue::UNDEFINED;
            }
            hold(acquired, release)
        });
        call_request(&locks, name, true, &first);
        lock
    }

    /// Lets the next tab have the connection (sign-out), or stops waiting for it.
    pub fn release(&self) {
        self.acquired.borrow_mut().take();
        if let Some(resolve) = self.release.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

fn request(
    locks: &JsValue,
    name: &str,
    if_available: bool,
    acquired: Callback,
    release: Rc<RefCell<Option<Function>>>,
) {
    let queued = Closure::once_into_js(move |_granted: JsValue| hold(acquired, release));
    call_request(locks, name, if_available, &queued);
}

/// `navigator.locks.request(name, {ifAvailable}, callback)`; web-sys has it only behind
/// its unstable-API flag, so it is called by name.
fn call_request(locks: &JsValue, name: &str, if_available: bool, callback: &JsValue) {
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &if_available.into());
    let request = Reflect::get(locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(request) = request {
        let _ = request.call3(locks, &name.into(), &options, callback);
    }
}

/// Runs `acquired` and returns a promise that keeps the lock until `release` resolves it.
fn hold(acquired: Callback, release: Rc<RefCell<Option<Function>>>) -> JsValue {
    let Some(run) = acquired.borrow_mut().take() else {
        // Released while waiting: give the lock straight back.
        return Promise::resolve(&JsValue::UNDEFINED).into();
    };
    let promise = Promise::new(&mut |resolve, _reject| {
        *release.borrow_mut() = Some(resolve);
    });
    run();
    promise.into()
}

/// What one tab tells the account's other tabs. It crosses the channel as JSON: data, so
/// a change of label or wording in one place cannot break the other end.
#[derive(Clone, Debug, PartialEq)]
pub enum TabMessage {
    /// The shared outbox changed: the holder sends what a follower wrote; followers redraw
    /// what is Pending.
    Outbox,
    /// The stored roster changed.
    Roster,
    /// The stored posts changed.
    Posts,
    /// The stored people (names, avatars) changed.
    People,
    /// The account signed out: every tab leaves.
    SignOut,
    /// A follower asks the holder where the connection stands.
    StatusAsked,
    /// Where the holder's connection stands.
    Status { status: ConnectionStatus },
}

impl TabMessage {
    /// `{"kind":"outbox"}`, `{"kind":"status","status":"Online"}`: the shape serde gave
    /// them before, so tabs of the previous deployment still understand this one.
    fn to_json(&self) -> String {
        let kind = match self {
            TabMessage::Outbox => "outbox",
            TabMessage::Roster => "roster",
            TabMessage::Posts => "posts",
            TabMessage::People => "people",
            TabMessage::SignOut => "sign-out",
            TabMessage::StatusAsked => "status-asked",
            TabMessage::Status { .. } => "status",
        };
        let message = Json::object().with("kind", Json::str(kind));
        let message = match self {
            TabMessage::Status { status } => message.with("status", Json::str(status.label())),
            _ => message,
        };
        message.to_text()
    }

    fn from_json(text: &str) -> Option<TabMessage> {
        let json = Json::parse(text).ok()?;
        Some(match json.get("kind")?.as_str()? {
            "outbox" => TabMessage::Outbox,
            "roster" => TabMessage::Roster,
            "posts" => TabMessage::Posts,
            "people" => TabMessage::People,
            "sign-out" => TabMessage::SignOut,
            "status-asked" => TabMessage::StatusAsked,
            "status" => TabMessage::Status {
                status: ConnectionStatus::from_label(json.get("status")?.as_str()?)?,
            },
            _ => return None,
        })
    }
}

/// The channel between the tabs of one account.
pub struct TabChannel {
    channel: Option<BroadcastChannel>,
    _listener: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl TabChannel {
    /// Listens on `name`; `heard` gets each message other tabs post. One it cannot read
    /// (a tab still running another deployment) is ignored.
    pub fn open(name: &str, heard: impl Fn(TabMessage) + 'static) -> TabChannel {
        let Ok(channel) = BroadcastChannel::new(name) else {
            return TabChannel {
                channel: None,
                _listener: None,
            };
        };
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let message = e.data().as_string();
            if let Some(message) = message.and_then(|t| TabMessage::from_json(&t)) {
                heard(message);
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        TabChannel {
            channel: Some(channel),
            _listener: Some(listener),
        }
    }

    pub fn post(&self, message: &TabMessage) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&message.to_json().into());
        }
    }

    pub fn close(&self) {
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn messages_cross_as_the_json_tabs_of_the_last_deployment_wrote() {
        let all = [
            (TabMessage::Outbox, r#"{"kind":"outbox"}"#),
            (TabMessage::Roster, r#"{"kind":"roster"}"#),
            (TabMessage::Posts, r#"{"kind":"posts"}"#),
            (TabMessage::People, r#"{"kind":"people"}"#),
            (TabMessage::SignOut, r#"{"kind":"sign-out"}"#),
            (TabMessage::StatusAsked, r#"{"kind":"status-asked"}"#),
            (
                TabMessage::Status {
                    status: ConnectionStatus::Connecting,
                },
                r#"{"kind":"status","status":"Connecting"}"#,
            ),
            (
                TabMessage::Status {
                    status: ConnectionStatus::Online,
                },
                r#"{"kind":"status","status":"Online"}"#,
            ),
            (
                TabMessage::Status {
                    status: ConnectionStatus::Offline,
                },
                r#"{"kind":"status","status":"Offline"}"#,
            ),
        ];
        for (message, text) in all {
            assert_eq!(message.to_json(), text);
            assert_eq!(TabMessage::from_json(text), Some(message));
        }
        for unreadable in [
            "",
            "outbox",
            r#"{"kind":"later"}"#,
            r#"{"kind":"status"}"#,
            r#"{"kind":"status","status":"Away"}"#,
            r#"{"type":"outbox"}"#,
        ] {
            assert_eq!(TabMessage::from_json(unreadable), None, "{unreadable}");
        }
    }
}
