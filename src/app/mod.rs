//! The app layer: between the screens and the network. [`App`] (in context, `Copy`) holds
//! the page's [`AppState`], the device store and the signed-in [`Account`] — one value,
//! created at sign-in, dropped at sign-out — whose methods are the actions screens call,
//! all shaped `async fn … -> Result<(), UserError>`.
//!
//! The data flow: the connection (`net::socket`) feeds the sans-IO `service::Client`; each
//! `Update` it reports goes to [`sync`], which writes the device store and then redraws
//! the state (in the tab holding the connection the state is fed by the client, the store
//! written behind it); other tabs of the account hear over the tab channel and redraw
//! from the store ([`follow`]). What the person writes is stored in the outbox first
//! ([`outbox`]), then sent by whichever tab holds the connection.

mod account;
mod chat;
mod faces;
mod feed;
mod follow;
mod outbox;
mod people;
mod profile;
mod query;
mod rooms;
mod sync;
mod upload;

use std::rc::Rc;

use leptos::prelude::*;

pub use account::Account;
pub use feed::Draft;
pub use profile::{OwnProfile, ProfileEdit};
pub use rooms::room_address;

use crate::config::AppConfig;
use crate::state::AppState;
use crate::store::device::{open_device_store, DeviceStore};

/// The IndexedDB database's name.
const DATABASE: &str = "kith";

/// Why an action did not happen, as a sentence for the screen that asked. Nothing the
/// person typed is lost then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserError(pub String);

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for UserError {
    fn from(message: String) -> Self {
        UserError(message)
    }
}

impl From<&str> for UserError {
    fn from(message: &str) -> Self {
        UserError(message.to_owned())
    }
}

/// What lives as long as the page: the device store (opened once), the host's
/// `config.json` (read once), and the account signed in, if any.
#[derive(Default)]
struct Page {
    store: Option<Rc<DeviceStore>>,
    config: ConfigRead,
    account: Option<Account>,
}

/// `config.json` as far as it was read: one request at a time, whoever asks (the
/// sign-in screen and an early Sign in ask at once; a second request would cost a
/// round trip more on a slow network, and only the first can use index.html's preload).
#[derive(Default)]
enum ConfigRead {
    #[default]
    Unread,
    Reading(Vec<futures_channel::oneshot::Sender<Result<AppConfig, UserError>>>),
    Read(AppConfig),
}

/// The app as the screens see it: provided once with [`provide_context`], read with
/// [`use_app`].
#[derive(Clone, Copy)]
pub struct App {
    pub state: AppState,
    page: StoredValue<Page, LocalStorage>,
}

/// The app in context (see [`App`]).
pub fn use_app() -> App {
    expect_context::<App>()
}

impl App {
    pub fn new(state: AppState) -> App {
        App {
            state,
            page: StoredValue::new_local(Page::default()),
        }
    }

    /// The app for the components below: its state and itself, in context.
    pub fn provide(state: AppState) -> App {
        let app = App::new(state);
        provide_context(state);
        provide_context(app);
        app
    }

    /// The signed-in account of this tab.
    pub fn account(&self) -> Result<Account, UserError> {
        self.page
            .try_with_value(|p| p.account.clone())
            .flatten()
            .ok_or_else(|| UserError::from("Sign in first"))
    }

    /// The device store, opened on first use. A browser that refuses storage gets a
    /// memory store and the app says so once.
    async fn store(&self) -> Rc<DeviceStore> {
        if let Some(store) = self.page.with_value(|p| p.store.clone()) {
            return store;
        }
        let (store, trouble) = open_device_store(DATABASE).await;
        // Another caller may have opened it meanwhile; keep the first.
        if let Some(store) = self.page.with_value(|p| p.store.clone()) {
            return store;
        }
        let state = self.state;
        if let Some(trouble) = trouble {
            state.notice.set(Some(trouble.describe()));
        }
        store.on_version_change(move || {
            state.notice.set(Some(
                "A newer Kith opened in another tab. Reload this tab to keep using it.".into(),
            ))
        });
        let store = Rc::new(store);
        self.page.update_value(|p| p.store = Some(store.clone()));
        store
    }

    /// The host's `config.json` beside `index.html`, read once: it does not change while
    /// the page lives. Missing is fine (defaults); broken is reported. While offline (the
    /// shell came from the service worker) the defaults serve and the file is asked again
    /// next time.
    pub async fn config(&self) -> Result<AppConfig, UserError> {
        let waiting = self.page.try_update_value(|p| match &mut p.config {
            ConfigRead::Read(config) => Err(Ok(config.clone())),
            ConfigRead::Reading(waiters) => {
                let (tell, told) = futures_channel::oneshot::channel();
                waiters.push(tell);
                Ok(Some(told))
            }
            ConfigRead::Unread => {
                p.config = ConfigRead::Reading(Vec::new());
                Ok(None)
            }
        });
        match waiting {
            Some(Err(read)) => return read,
            Some(Ok(Some(told))) => {
                return told
                    .await
                    .unwrap_or_else(|_| Err(UserError("config.json was not read".into())))
            }
            Some(Ok(None)) => {}
            None => return Err(UserError("Kith has closed".into())),
        }
        let read = crate::net::endpoint::fetch_config().await;
        let (kept, result) = match read {
            Ok(Some(config)) => (ConfigRead::Read(config.clone()), Ok(config)),
            Ok(None) => (ConfigRead::Unread, Ok(AppConfig::default())),
            Err(e) => (ConfigRead::Unread, Err(UserError::from(e))),
        };
        let waiters = self
            .page
            .try_update_value(|p| match std::mem::replace(&mut p.config, kept) {
                ConfigRead::Reading(waiters) => waiters,
                _ => Vec::new(),
            })
            .unwrap_or_default();
        for tell in waiters {
            let _ = tell.send(result.clone());
        }
        result
    }

    /// The WebSocket endpoint for `domain`: the host's choice, else XEP-0156 discovery.
    async fn endpoint(&self, domain: &str) -> Result<String, UserError> {
        let config = self.config().await?;
        Ok(crate::net::endpoint::websocket_url(&config, domain).await?)
    }

    /// Runs an action a button started, saying in the page's alert region why it did
    /// not happen, if it did not. (Forms keep theirs beside the form.)
    pub fn act(&self, action: impl std::future::Future<Output = Result<(), UserError>> + 'static) {
        self.act_boxed(Box::pin(action));
    }

    /// [`App::act`]'s body, once: generic over each caller's future it would be linked
    /// again for every button (about 5 KB of wasm each).
    fn act_boxed(&self, action: futures::future::LocalBoxFuture<'static, Result<(), UserError>>) {
        let state = self.state;
        leptos::task::spawn_local(async move {
            if let Err(e) = action.await {
                state.alert.set(Some(e.0));
            }
        });
    }

    fn set_account(&self, account: Option<Account>) -> Option<Account> {
        self.page
            .try_update_value(|p| std::mem::replace(&mut p.account, account))
            .flatten()
    }
}
