//! The service worker (`sw.js`, written from `assets/sw.js` by `scripts/precache`): it
//! keeps the app shell in a cache so Kith opens with no network, and it is how a new
//! deployment arrives. A new version installs beside the running one and waits;
//! [`register`]'s callback says so, and only [`apply_update`] — the person clicking
//! Reload — lets it take over, followed by one reload. So a page never runs old code
//! against new files, or the reverse.
//!
//! Everything here fails softly: with no service worker (an insecure origin, `file://`,
//! a browser without support, a host that lacks `sw.js`) Kith just runs online only.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    Event, RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration,
    ServiceWorkerState, ServiceWorkerUpdateViaCache, VisibilityState,
};

/// Relative, so the worker's scope is the app's folder wherever it is deployed.
const SCRIPT: &str = "./sw.js";

#[derive(Default)]
struct Worker {
    /// `register` was called: the browser-side listeners exist (they are never removed).
    started: bool,
    container: Option<ServiceWorkerContainer>,
    registration: Option<ServiceWorkerRegistration>,
    /// The latest `register` caller's callback: a remounted banner replaces the old one.
    on_update: Option<Rc<dyn Fn()>>,
    /// Set by `apply_update`: the next change of controlling worker reloads the page.
    reload_on_takeover: bool,
}

thread_local! {
    static WORKER: RefCell<Worker> = RefCell::default();
}

/// Registers the service worker (once per page) and calls `on_update` whenever a new
/// deployment has been installed and waits for [`apply_update`]: at once if one already
/// waits, and later when one is found (checked by the browser on navigation, and here
/// each time the tab becomes visible).
pub fn register(on_update: impl Fn() + 'static) {
    let first = WORKER.with_borrow_mut(|w| {
        w.on_update = Some(Rc::new(on_update));
        !std::mem::replace(&mut w.started, true)
    });
    if !first {
        notify_if_waiting();
        return;
    }
    let Some(container) = container() else {
        web_sys::console::info_1(&"Kith: no service worker here; the app works online only".into());
        return;
    };
    spawn_local(async move {
        let options = RegistrationOptions::new();
        // Always ask the server for sw.js, whatever its cache headers say.
        options.set_update_via_cache(ServiceWorkerUpdateViaCache::None);
        // Checked, not assumed: a stubbed register() (test harnesses) resolves to undefined.
        let registration = JsFuture::from(container.register_with_options(SCRIPT, &options))
            .await
            .and_then(JsCast::dyn_into::<ServiceWorkerRegistration>);
        match registration {
            Ok(registration) => watch(container, registration),
            Err(e) => web_sys::console::warn_2(
                &"Kith: the service worker did not register; the app works online only:".into(),
                &e,
            ),
        }
    });
}

/// Lets the waiting version take over; the page reloads once it has. If none waits any
/// more (another tab applied it), the page reloads at once to load the new files.
pub fn apply_update() {
    let waiting = WORKER.with_borrow_mut(|w| {
        let waiting = w.registration.as_ref().and_then(|r| r.waiting());
        w.reload_on_takeover = waiting.is_some();
        waiting
    });
    let Some(waiting) = waiting else {
        reload();
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"skip-waiting".into());
    if let Err(e) = waiting.post_message(&message) {
        web_sys::console::warn_2(&"Kith: could not reach the new version:".into(), &e);
        reload();
    }
}

/// `navigator.serviceWorker`, read without throwing: it is missing in insecure contexts
/// and throws in opaque-origin documents.
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &"serviceWorker".into())
        .ok()?
        .dyn_into()
        .ok()
}

fn watch(container: ServiceWorkerContainer, registration: ServiceWorkerRegistration) {
    // A new version found while this page runs: tell the page once it has installed.
    let on_found = {
        let registration = registration.clone();
        Closure::<dyn FnMut(Event)>::new(move |_| {
            let Some(installing) = registration.installing() else {
                return;
            };
            let worker = installing.clone();
            let on_state = Closure::<dyn FnMut(Event)>::new(move |_| {
                if worker.state() == ServiceWorkerState::Installed {
                    notify_if_waiting();
                }
            });
            listen(&installing, "statechange", &on_state);
            // Leaked on purpose: one small closure per deployment this page sees.
            on_state.forget();
        })
    };
    listen(&registration, "updatefound", &on_found);
    on_found.forget();

    // The new version took over after a Reload click: load its files, once.
    let on_takeover = Closure::<dyn FnMut(Event)>::new(|_| {
        if WORKER.with_borrow_mut(|w| std::mem::take(&mut w.reload_on_takeover)) {
            reload();
        }
    });
    listen(&container, "controllerchange", &on_takeover);
    on_takeover.forget();

    // A tab left open for days learns about deployments when it is looked at again.
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        let registration = registration.clone();
        let doc = document.clone();
        let on_visible = Closure::<dyn FnMut(Event)>::new(move |_| {
            if doc.visibility_state() == VisibilityState::Visible {
                check_for_update(&registration);
            }
        });
        listen(&document, "visibilitychange", &on_visible);
        on_visible.forget();
    }

    WORKER.with_borrow_mut(|w| {
        w.container = Some(container);
        w.registration = Some(registration);
    });
    notify_if_waiting();
}

/// Calls the callback if a new version waits behind the one controlling this page. On a
/// first visit nothing controls the page and the first version activates at once, so
/// there is nothing to offer.
fn notify_if_waiting() {
    let callback = WORKER.with_borrow(|w| {
        let controlled = w
            .container
            .as_ref()
            .is_some_and(|c| c.controller().is_some());
        let waiting = w
            .registration
            .as_ref()
            .is_some_and(|r| r.waiting().is_some());
        (controlled && waiting)
            .then(|| w.on_update.clone())
            .flatten()
    });
    if let Some(callback) = callback {
        callback();
    }
}

fn check_for_update(registration: &ServiceWorkerRegistration) {
    if let Ok(promise) = registration.update() {
        // Rejects when offline or when the host is down: the next visibility change
        // tries again, so there is nothing to report.
        spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}

fn listen(target: &web_sys::EventTarget, event: &str, listener: &Closure<dyn FnMut(Event)>) {
    let _ = target.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
