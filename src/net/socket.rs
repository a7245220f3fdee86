//! The thin driver between a browser WebSocket and the sans-IO [`Client`]: it shuttles
//! frames both ways, keeps the one timer the client asks for, and does nothing else.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

use crate::service::{Client, Update};
use crate::xmpp::{Instant, SessionConfig};

/// RFC 7395 §3.1: the WebSocket subprotocol both sides must agree on.
const SUBPROTOCOL: &str = "xmpp";

/// How long to wait for the server to answer our `<close/>` before dropping the socket.
const CLOSE_GRACE_MS: i32 = 1_000;

type UpdateSink = Box<dyn Fn(&Client, Update)>;
type FailureSink = Box<dyn Fn(String)>;

struct Driver {
    client: Client,
    socket: WebSocket,
    url: String,
    opened: bool,
    timer: Option<i32>,
    on_update: UpdateSink,
    on_failure: FailureSink,
}

/// One live connection. Dropping it does not close it; call [`Connection::close`].
#[derive(Clone)]
pub struct Connection {
    driver: Rc<RefCell<Driver>>,
}

pub fn now() -> Instant {
    let millis = web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default();
    Instant(millis as u64)
}

impl Connection {
    /// Opens the socket and signs in; progress arrives through `on_update`, and a socket
    /// that never opens through `on_failure` with a sentence naming the URL.
    pub fn open(
        url: &str,
        config: SessionConfig,
        on_update: impl Fn(&Client, Update) + 'static,
        on_failure: impl Fn(String) + 'static,
    ) -> Result<Connection, String> {
        let socket = WebSocket::new_with_str(url, SUBPROTOCOL)
            .map_err(|_| format!("“{url}” is not a WebSocket address Kith can open"))?;
        let driver = Rc::new(RefCell::new(Driver {
            client: Client::new(config),
            socket: socket.clone(),
            url: url.to_owned(),
            opened: false,
            timer: None,
            on_update: Box::new(on_update),
            on_failure: Box::new(on_failure),
        }));
        let connection = Connection { driver };

        let c = connection.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| c.on_open());
        let c = connection.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // RFC 7395 §3.2: XMPP travels in text frames only; binary frames are ignored.
            if let Some(frame) = e.data().as_string() {
                c.input(|client, now| client.handle_frame(now, &frame));
            }
        });
        let c = connection.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| c.on_close());
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The socket owns its handlers for its whole life; they go when the page does.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        Ok(connection)
    }

    /// Signs out: unavailable presence and `<close/>`, then the socket goes.
    pub fn close(&self) {
        self.input(|client, now| client.close(now));
        let socket = self.driver.borrow().socket.clone();
        let close = Closure::once_into_js(move || {
            let _ = socket.close();
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                close.unchecked_ref(),
                CLOSE_GRACE_MS,
            );
        }
    }

    fn on_open(&self) {
        let (agreed, url) = {
            let d = self.driver.borrow();
            (d.socket.protocol() == SUBPROTOCOL, d.url.clone())
        };
        if !agreed {
            let socket = self.driver.borrow().socket.clone();
            self.driver.borrow_mut().opened = true;
            self.input(|client, now| client.handle_disconnected(now));
            let _ = socket.close();
            (self.driver.borrow().on_failure)(format!(
                "The server at {url} does not speak XMPP over WebSocket"
            ));
            return;
        }
        self.driver.borrow_mut().opened = true;
        self.input(|client, now| client.handle_connected(now));
    }

    fn on_close(&self) {
        let (opened, url) = {
            let d = self.driver.borrow();
            (d.opened, d.url.clone())
        };
        if opened {
            self.input(|client, now| client.handle_disconnected(now));
        } else {
            (self.driver.borrow().on_failure)(format!("Could not connect to the server at {url}"));
        }
    }

    /// Feeds one input to the client, then writes what it wants written, reports what
    /// changed, and re-arms the timer.
    fn input(&self, handle: impl FnOnce(&mut Client, Instant)) {
        let updates = {
            let mut d = self.driver.borrow_mut();
            let d = &mut *d;
            handle(&mut d.client, now());
            while let Some(frame) = d.client.poll_transmit() {
                if d.socket.ready_state() == WebSocket::OPEN {
                    let _ = d.socket.send_with_str(&frame);
                }
            }
            let updates: Vec<Update> = std::iter::from_fn(|| d.client.poll_update()).collect();
            if d.client.is_closed() && d.socket.ready_state() == WebSocket::OPEN {
                let _ = d.socket.close();
            }
            updates
        };
        self.arm_timer();
        let d = self.driver.borrow();
        for update in updates {
            (d.on_update)(&d.client, update);
        }
    }

    fn arm_timer(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut d = self.driver.borrow_mut();
        if let Some(id) = d.timer.take() {
            window.clear_timeout_with_handle(id);
        }
        let Some(deadline) = d.client.poll_timeout() else {
            return;
        };
        let delay = deadline.millis_since(now()).min(i32::MAX as u64) as i32;
        let c = self.clone();
        let fire = Closure::once_into_js(move || {
            c.driver.borrow_mut().timer = None;
            c.input(|client, now| client.handle_timeout(now));
        });
        d.timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), delay)
            .ok();
    }
}
