//! The thin driver between browser WebSockets and the sans-IO [`Client`]: it shuttles
//! frames both ways, keeps the timers the client asks for, and opens a new socket when
//! one drops (with backoff, and at once when the browser comes back online or the tab
//! becomes visible). Everything else happens in the client.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, Event, MessageChannel, MessageEvent, WebSocket};

use crate::service::outbox::OutboxEntry;
use crate::service::{Client, Update};
use crate::xmpp::backoff::Backoff;
use crate::xmpp::endpoint::check_websocket_uri;
use crate::xmpp::framing::{redirect_target, FrameError, FrameParser};
use crate::xmpp::scram::Derivation;
use crate::xmpp::{Instant, ScramHash};

/// RFC 7395 §3.1: the WebSocket subprotocol both sides must agree on.
const SUBPROTOCOL: &str = "xmpp";

/// How long to wait for the server to answer our `<close/>` before dropping the socket.
const CLOSE_GRACE_MS: i32 = 1_000;

/// Frames longer than this are parsed this many bytes at a time, each slice in a task of
/// its own, so that the browser can paint and answer clicks in between: a 5,000-contact
/// roster is one frame of some 400 KB, which parsed in one go held the page's only
/// thread for over 100 ms. A slice is some 10 ms of parsing in the release build. What
/// arrives meanwhile waits its turn, and so do the small frames that follow, this many
/// bytes of them per task.
const SLICE_BYTES: usize = 48 * 1024;

/// When the client took longer than this over one input (a large roster applied), what
/// it reports reaches the app in a task of its own: drawing and storing 5,000 contacts
/// is work enough for one task, after the applying.
const HEAVY_INPUT_MS: u64 = 20;

type UpdateSink = Box<dyn Fn(&Client, Update)>;
type FailureSink = Box<dyn Fn(String)>;
type RetrySink = Box<dyn Fn(Option<f64>)>;
type SettledSink = Box<dyn Fn(&Client)>;
type EndpointSink = Box<dyn Fn(String)>;
/// What a socket said, in the order it said it.
enum Inbound {
    Frame(String),
    Closed,
}

/// A large frame on its way to the client: parsed a slice at a time, then handed over
/// in a task of its own (its handling, a roster to apply, is work enough for one task).
struct Parsing {
    generation: u32,
    parser: FrameParser,
    parsed: Option<Result<minidom::Element, FrameError>>,
}

/// How the driver gives the browser its thread back between slices: a message to itself
/// (chained timers would be clamped to 4 ms each).
struct Yielder {
    channel: MessageChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for Yielder {
    fn drop(&mut self) {
        // A message still on its way must not call a closure that is gone.
        self.channel.port1().set_onmessage(None);
    }
}

/// A listener on a window or document event, kept so that sign-out can remove it.
type Listener = (
    web_sys::EventTarget,
    &'static str,
    Closure<dyn FnMut(Event)>,
);

/// What the app hears from a connection.
pub struct Sinks {
    pub update: UpdateSink,
    /// The very first socket could not be opened: sign-in failed, with a sentence.
    pub failure: FailureSink,
    /// The next reconnection attempt is planned for this time (ms since the epoch), or
    /// `None` when one is under way.
    pub retry: RetrySink,
    /// After the updates of one input, when the feed or the outbox changed: one redraw
    /// for a whole burst of sync answers.
    pub settled: SettledSink,
    /// The account's endpoint failed to open while the browser is online: it may have
    /// moved, so look it up again and hand a new one to [`Connection::set_endpoint`].
    /// Called once per run of failures.
    pub endpoint_failed: EndpointSink,
}

struct Driver {
    client: Client,
    /// The account's endpoint: where every connection goes unless redirected.
    url: String,
    /// Where the server's last `<close/>` sent the next connection (RFC 7395 §3.6.1).
    redirect: Option<String>,
    /// Where the current socket goes.
    socket_url: String,
    socket: Option<WebSocket>,
    /// Bumped for every socket, so that events of a dead socket are ignored.
    generation: u32,
    /// The current socket opened.
    opened: bool,
    /// Some socket opened once: later failures are retried, not reported as sign-in errors.
    ever_opened: bool,
    /// Signing out: never reconnect.
    closing: bool,
    /// `endpoint_failed` was called since the last stream came online.
    rediscovered: bool,
    backoff: Backoff,
    timer: Option<(i32, Instant)>,
    retry_timer: Option<i32>,
    sinks: Sinks,
    /// `online` and `visibilitychange` listeners, removed on sign-out.
    listeners: Vec<Listener>,
    /// Frames (and a socket's end) that arrived behind a large frame, with their socket's
    /// generation: handled in order once it is.
    inbox: VecDeque<(u32, Inbound)>,
    /// The large frame being parsed.
    parsing: Option<Parsing>,
    /// A task to go on with the inbox is scheduled.
    pumping: bool,
    /// Updates of a heavy input ([`HEAVY_INPUT_MS`]) not yet handed to the app; they go
    /// first, before those of any later input.
    deferred: Vec<Update>,
    yielder: Option<Yielder>,
}

/// One account's connection, across sockets. Call [`Connection::close`] to sign out.
#[derive(Clone)]
pub struct Connection {
    driver: Rc<RefCell<Driver>>,
}

/// Milliseconds since the UNIX epoch, never going back within the page's life.
pub fn now() -> Instant {
    let millis = web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.time_origin() + p.now())
        .unwrap_or_else(js_sys::Date::now);
    Instant(millis as u64)
}

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    super::random_bytes(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// A fresh SCRAM client nonce: 18 random bytes, base64 (no commas, as RFC 5802 needs).
fn fresh_nonce() -> String {
    let mut bytes = [0u8; 18];
    // Without randomness the nonce would be predictable; the browser always has it.
    assert!(
        super::random_bytes(&mut bytes),
        "the browser's crypto.getRandomValues"
    );
    crate::proto::base64::encode(bytes)
}

impl Connection {
    /// Opens the first socket and signs in; everything after arrives through `sinks`.
    /// `warm`: the person already sees the account (a warm start), so even a first
    /// socket that fails is retried instead of reported as a failed sign-in.
    pub fn open(url: &str, client: Client, sinks: Sinks, warm: bool) -> Connection {
        let driver = Rc::new(RefCell::new(Driver {
            client,
            url: url.to_owned(),
            redirect: None,
            socket_url: url.to_owned(),
            socket: None,
            generation: 0,
            opened: false,
            ever_opened: warm,
            closing: false,
            rediscovered: false,
            backoff: Backoff::default(),
            timer: None,
            retry_timer: None,
            sinks,
            listeners: Vec::new(),
            inbox: VecDeque::new(),
            parsing: None,
            pumping: false,
            deferred: Vec::new(),
            yielder: None,
        }));
        let connection = Connection { driver };
        connection.listen_for_return();
        connection.connect();
        connection
    }

    /// Signs out: unavailable presence and `<close/>`, then the socket goes.
    pub fn close(&self) {
        {
            let mut d = self.driver.borrow_mut();
            d.closing = true;
            if let Some(id) = d.retry_timer.take() {
                clear_timeout(id);
            }
            for (target, name, listener) in d.listeners.drain(..) {
                let _ = target
                    .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
        }
        self.input(|client, now| client.close(now));
        let socket = self.driver.borrow().socket.clone();
        if let Some(socket) = socket {
            let close = Closure::once_into_js(move || {
                let _ = socket.close();
            });
            set_timeout(close.unchecked_ref(), CLOSE_GRACE_MS);
        }
    }

    /// Hands a stored write to the client, which sends it when the stream allows.
    /// An entry it already has (another tab's copy) is ignored.
    pub fn submit(&self, entry: OutboxEntry) {
        self.input(|client, now| {
            let _ = client.submit(now, entry);
        });
    }

    pub fn retry(&self, id: &str, payload: Option<String>) {
        self.input(|client, now| client.retry(now, id, payload));
    }

    pub fn discard(&self, id: &str) {
        self.driver.borrow_mut().client.discard(id);
    }

    /// Where the next connections go (not a redirect): the endpoint found again after
    /// the old one failed. Refused like any endpoint if Kith would not open it.
    pub fn set_endpoint(&self, url: &str) {
        if check_websocket_uri(url).is_ok() {
            self.driver.borrow_mut().url = url.to_owned();
        }
    }

    /// Feeds the client something the person did (a local echo, Load older, a query).
    pub fn act(&self, action: impl FnOnce(&mut Client, Instant)) {
        self.input(action);
    }

    /// Reads the client (roster, keys) without feeding it anything.
    pub fn with_client<T>(&self, read: impl FnOnce(&Client) -> T) -> T {
        read(&self.driver.borrow().client)
    }

    /// Opens a socket now, unless one is open or we are signing out.
    fn connect(&self) {
        let (url, generation) = {
            let mut d = self.driver.borrow_mut();
            if d.closing || d.socket.is_some() || d.client.is_closed() {
                return;
            }
            if let Some(id) = d.retry_timer.take() {
                clear_timeout(id);
            }
            d.generation += 1;
            d.opened = false;
            d.socket_url = d.redirect.take().unwrap_or_else(|| d.url.clone());
            (d.socket_url.clone(), d.generation)
        };
        (self.driver.borrow().sinks.retry)(None);
        // Whatever the endpoint came from, credentials never cross the network in clear.
        if let Err(why) = check_websocket_uri(&url) {
            self.driver.borrow_mut().closing = true;
            (self.driver.borrow().sinks.failure)(why);
            return;
        }
        crate::state::mark("kith:connect");
        let socket = match WebSocket::new_with_str(&url, SUBPROTOCOL) {
            Ok(s) => s,
            Err(_) => {
                if self.driver.borrow().ever_opened {
                    // A later attempt the browser refused outright: try again later, as
                    // for any failed attempt.
                    self.schedule_reconnect();
                } else {
                    (self.driver.borrow().sinks.failure)(format!(
                        "“{url}” is not a WebSocket address Kith can open"
                    ));
                }
                return;
            }
        };
        let c = self.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| c.on_open(generation));
        let c = self.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // RFC 7395 §3.2: XMPP travels in text frames only; binary frames are ignored.
            if let Some(frame) = e.data().as_string() {
                c.receive(generation, Inbound::Frame(frame));
            }
        });
        let c = self.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            c.receive(generation, Inbound::Closed);
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // Each socket owns its handlers for its life; they hold the driver, so they are
        // small leaks per socket, bounded by the reconnection backoff.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        self.driver.borrow_mut().socket = Some(socket);
    }

    fn current(&self, generation: u32) -> bool {
        self.driver.borrow().generation == generation
    }

    /// What a socket said: handled at once, unless it is a large frame (parsed a slice
    /// at a time, see [`SLICE_BYTES`]) or must wait behind one.
    fn receive(&self, generation: u32, inbound: Inbound) {
        let waiting = {
            let d = self.driver.borrow();
            d.parsing.is_some() || !d.inbox.is_empty()
        };
        if !waiting {
            match inbound {
                Inbound::Closed => return self.on_close(generation),
                Inbound::Frame(frame) if frame.len() <= SLICE_BYTES => {
                    if self.current(generation) {
                        self.input(|client, now| client.handle_frame(now, &frame));
                    }
                    return;
                }
                Inbound::Frame(_) => {}
            }
        }
        self.driver
            .borrow_mut()
            .inbox
            .push_back((generation, inbound));
        self.schedule_pump();
    }

    /// One task's worth of what [`Connection::receive`] queued: one slice of the large
    /// frame, or its handling once parsed, or the small frames after it, then a yield.
    fn pump(&self) {
        let deferred = {
            let mut d = self.driver.borrow_mut();
            d.pumping = false;
            std::mem::take(&mut d.deferred)
        };
        if !deferred.is_empty() {
            self.deliver(deferred);
            return self.schedule_pump();
        }
        let mut budget = SLICE_BYTES;
        loop {
            let parsing = self.driver.borrow_mut().parsing.take();
            if let Some(mut p) = parsing {
                if !self.current(p.generation) {
                    continue; // Its socket is gone: so is what it said.
                }
                match p.parsed.take() {
                    Some(parsed) => {
                        self.input(|client, now| {
                            client.handle_parsed(now, p.parser.frame(), parsed)
                        });
                    }
                    None => {
                        p.parsed = p.parser.advance(SLICE_BYTES);
                        self.driver.borrow_mut().parsing = Some(p);
                    }
                }
                return self.schedule_pump();
            }
            if budget == 0 {
                return self.schedule_pump();
            }
            let next = self.driver.borrow_mut().inbox.pop_front();
            match next {
                None => return,
                Some((generation, Inbound::Closed)) => self.on_close(generation),
                Some((generation, Inbound::Frame(frame))) => {
                    if !self.current(generation) {
                        continue;
                    }
                    if frame.len() <= SLICE_BYTES {
                        budget = budget.saturating_sub(frame.len());
                        self.input(|client, now| client.handle_frame(now, &frame));
                    } else {
                        let mut d = self.driver.borrow_mut();
                        let parser = d.client.frame_parser(frame);
                        d.parsing = Some(Parsing {
                            generation,
                            parser,
                            parsed: None,
                        });
                    }
                }
            }
        }
    }

    /// Runs [`Connection::pump`] in a task of its own, after whatever the browser has
    /// waiting (a paint, a click); nothing if there is nothing left to do.
    fn schedule_pump(&self) {
        let mut d = self.driver.borrow_mut();
        if d.pumping || (d.parsing.is_none() && d.inbox.is_empty() && d.deferred.is_empty()) {
            return;
        }
        d.pumping = true;
        if d.yielder.is_none() {
            let weak: Weak<RefCell<Driver>> = Rc::downgrade(&self.driver);
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
                if let Some(driver) = weak.upgrade() {
                    Connection { driver }.pump();
                }
            });
            d.yielder = MessageChannel::new().ok().map(|channel| {
                channel
                    .port1()
                    .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                Yielder {
                    channel,
                    _on_message: on_message,
                }
            });
        }
        let posted = d
            .yielder
            .as_ref()
            .is_some_and(|y| y.channel.port2().post_message(&JsValue::NULL).is_ok());
        drop(d);
        if !posted {
            let c = self.clone();
            let later = Closure::once_into_js(move || c.pump());
            set_timeout(later.unchecked_ref(), 0);
        }
    }

    fn on_open(&self, generation: u32) {
        if !self.current(generation) {
            return;
        }
        let (agreed, url, socket) = {
            let d = self.driver.borrow();
            let socket = d.socket.clone();
            let agreed = socket.as_ref().is_some_and(|s| s.protocol() == SUBPROTOCOL);
            (agreed, d.socket_url.clone(), socket)
        };
        if !agreed {
            if let Some(socket) = socket {
                let _ = socket.close();
            }
            self.driver.borrow_mut().closing = true;
            (self.driver.borrow().sinks.failure)(format!(
                "The server at {url} does not speak XMPP over WebSocket"
            ));
            return;
        }
        {
            let mut d = self.driver.borrow_mut();
            d.opened = true;
            d.ever_opened = true;
        }
        let nonce = fresh_nonce();
        self.input(|client, now| client.handle_connected(now, &nonce));
    }

    fn on_close(&self, generation: u32) {
        if !self.current(generation) {
            return;
        }
        let (opened, ever_opened, url) = {
            let mut d = self.driver.borrow_mut();
            d.socket = None;
            (d.opened, d.ever_opened, d.socket_url.clone())
        };
        if opened {
            self.input(|client, now| client.handle_disconnected(now));
        }
        let (closing, closed) = {
            let d = self.driver.borrow();
            (d.closing, d.client.is_closed())
        };
        if closing || closed {
            return;
        }
        if !ever_opened {
            // The first socket never opened: wrong address or server down at sign-in.
            self.driver.borrow_mut().closing = true;
            (self.driver.borrow().sinks.failure)(format!(
                "Could not connect to the server at {url}"
            ));
            return;
        }
        if !opened {
            self.maybe_rediscover();
        }
        self.schedule_reconnect();
    }

    /// A stored endpoint is reused across starts; when it no longer opens although the
    /// network is up, the domain is asked again (once until a stream comes online).
    fn maybe_rediscover(&self) {
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        let failed = {
            let mut d = self.driver.borrow_mut();
            let ours = d.socket_url == d.url;
            if !online || !ours || std::mem::replace(&mut d.rediscovered, true) {
                return;
            }
            d.url.clone()
        };
        (self.driver.borrow().sinks.endpoint_failed)(failed);
    }

    fn schedule_reconnect(&self) {
        let delay = self.driver.borrow_mut().backoff.next_delay(random_u32());
        let c = self.clone();
        let retry = Closure::once_into_js(move || {
            c.driver.borrow_mut().retry_timer = None;
            c.connect();
        });
        let id = set_timeout(retry.unchecked_ref(), delay.min(i32::MAX as u64) as i32);
        self.driver.borrow_mut().retry_timer = id;
        let at = now().0 as f64 + delay as f64;
        (self.driver.borrow().sinks.retry)(Some(at));
    }

    /// Coming back online or to the tab is the best moment to reconnect: no waiting for
    /// the backoff timer. The tab's visibility also sets the client state (XEP-0352).
    fn listen_for_return(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let c = self.clone();
        let online = Closure::<dyn FnMut(Event)>::new(move |_| c.connect());
        let c = self.clone();
        let visible = Closure::<dyn FnMut(Event)>::new(move |_| {
            let shown = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            // XEP-0352: a hidden tab lets the server hold back what can wait.
            c.input(|client, now| client.set_active(now, shown));
            if shown {
                c.connect();
            }
        });
        let mut targets = vec![(window.clone().unchecked_into(), "online", online)];
        if let Some(doc) = window.document() {
            targets.push((doc.unchecked_into(), "visibilitychange", visible));
        }
        for (target, name, listener) in targets {
            let _ = web_sys::EventTarget::add_event_listener_with_callback(
                &target,
                name,
                listener.as_ref().unchecked_ref(),
            );
            self.driver
                .borrow_mut()
                .listeners
                .push((target, name, listener));
        }
    }

    /// Feeds one input to the client, then writes what it wants written, reports what
    /// changed, and re-arms the timer.
    fn input(&self, handle: impl FnOnce(&mut Client, Instant)) {
        let (updates, dropped, derivation, heavy) = {
            let mut d = self.driver.borrow_mut();
            let d = &mut *d;
            let started = now();
            handle(&mut d.client, started);
            let open = d
                .socket
                .as_ref()
                .filter(|s| s.ready_state() == WebSocket::OPEN);
            while let Some(frame) = d.client.poll_transmit() {
                if let Some(socket) = open {
                    let _ = socket.send_with_str(&frame);
                }
            }
            // A `<close see-other-uri/>`: where the next socket goes, if we follow it.
            if let Some(target) = d.client.poll_redirect() {
                d.redirect = redirect_target(&d.socket_url, &target);
                if d.redirect.is_none() {
                    web_sys::console::warn_1(
                        &format!("Kith: not following the server to {target:?}").into(),
                    );
                }
            }
            // The stream on this socket is over (a dead peer, an error, a final close):
            // let it go now rather than wait for its close handshake, which a half-open
            // network never completes, and ignore anything it still says. Only an opened
            // socket carries that stream: one still opening is the next stream's, and the
            // session stays "disconnected" until it opens (closing it there, on any input
            // meanwhile, would stall reconnection on a slow network).
            let mut dropped = false;
            if d.client.wants_socket_closed() && !d.closing && d.opened {
                if let Some(socket) = d.socket.take() {
                    let _ = socket.close();
                    d.generation += 1;
                    d.opened = false;
                    dropped = true;
                }
            }
            let fresh: Vec<Update> = std::iter::from_fn(|| d.client.poll_update()).collect();
            if fresh
                .iter()
                .any(|u| matches!(u, Update::Online(_) | Update::Resumed))
            {
                d.backoff.reset();
                d.rediscovered = false;
            }
            let mut updates = std::mem::take(&mut d.deferred);
            updates.extend(fresh);
            (
                updates,
                dropped && !d.client.is_closed(),
                d.client.poll_derivation(),
                now().millis_since(started) > HEAVY_INPUT_MS,
            )
        };
        if let Some(derivation) = derivation {
            self.derive(derivation);
        }
        self.arm_timer();
        if heavy && !updates.is_empty() {
            self.driver.borrow_mut().deferred = updates;
            self.schedule_pump();
        } else {
            self.deliver(updates);
        }
        if dropped {
            self.schedule_reconnect();
        }
    }

    /// Hands what the client reported to the app, in order, then one redraw if the feed
    /// or the outbox changed.
    fn deliver(&self, updates: Vec<Update>) {
        {
            let d = self.driver.borrow();
            // `Outbox`: the feed shows which posts are pending.
            let redraw = updates.iter().any(|u| {
                matches!(
                    u,
                    Update::Feed(_)
                        | Update::Outbox(_)
                        | Update::Delivered(_)
                        | Update::Refused { .. }
                )
            });
            for update in updates {
                (d.sinks.update)(&d.client, update);
            }
            if redraw {
                (d.sinks.settled)(&d.client);
            }
        }
    }

    /// Runs a SCRAM exchange's PBKDF2 in the browser's WebCrypto (some 2 ms for Prosody's
    /// 10,000 rounds, where the wasm took some 25) and hands the result to the client;
    /// without WebCrypto, the client derives it itself.
    fn derive(&self, derivation: Derivation) {
        let c = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let salted = webcrypto_pbkdf2(&derivation).await;
            c.input(|client, now| {
                client.handle_salted_password(now, &derivation.exchange, salted.as_deref())
            });
        });
    }

    fn arm_timer(&self) {
        let mut d = self.driver.borrow_mut();
        let deadline = d.client.poll_timeout();
        if d.timer.map(|(_, at)| at) == deadline {
            return; // Already armed for that instant: no churn on every frame.
        }
        if let Some((id, _)) = d.timer.take() {
            clear_timeout(id);
        }
        let Some(deadline) = deadline else { return };
        let delay = deadline.millis_since(now()).min(i32::MAX as u64) as i32;
        let c = self.clone();
        let fire = Closure::once_into_js(move || {
            c.driver.borrow_mut().timer = None;
            c.input(|client, now| client.handle_timeout(now));
        });
        d.timer = set_timeout(fire.unchecked_ref(), delay).map(|id| (id, deadline));
    }
}

/// RFC 5802 `Hi()` by WebCrypto: PBKDF2 with HMAC over the exchange's hash, of the
/// password's UTF-8 bytes; `None` where WebCrypto is missing (an insecure origin) or fails.
async fn webcrypto_pbkdf2(d: &Derivation) -> Option<Vec<u8>> {
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen_futures::JsFuture;
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let password = Uint8Array::from(d.password.as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let import = subtle
        .import_key_with_str("raw", &password, "PBKDF2", false, &usages)
        .ok()?;
    let key: web_sys::CryptoKey = JsFuture::from(import).await.ok()?.dyn_into().ok()?;
    let params = Object::new();
    let hash = match d.hash {
        ScramHash::Sha1 => "SHA-1",
        ScramHash::Sha256 => "SHA-256",
    };
    for (name, value) in [
        ("name", JsValue::from_str("PBKDF2")),
        ("hash", JsValue::from_str(hash)),
        ("salt", Uint8Array::from(&d.salt[..]).into()),
        ("iterations", JsValue::from(d.iterations)),
    ] {
        Reflect::set(&params, &JsValue::from_str(name), &value).ok()?;
    }
    let bits = subtle
        .derive_bits_with_object(&params, &key, (d.hash.output_len() * 8) as u32)
        .ok()?;
    let bits = JsFuture::from(bits).await.ok()?;
    Some(Uint8Array::new(&bits).to_vec())
}

fn set_timeout(callback: &js_sys::Function, ms: i32) -> Option<i32> {
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms)
        .ok()
}

fn clear_timeout(id: i32) {
    if let Some(window) = web_sys::window() {
        window.clear_timeout_with_handle(id);
    }
}
