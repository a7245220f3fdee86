//! Chats: the list of conversations (and message requests), and one conversation.
//! Bodies are text nodes; only `http(s)` links become links.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html::{Input, Textarea, Ul};
use leptos::prelude::*;

use crate::app::use_app;
use crate::proto::jid::BareJid;
use crate::service::chat::{ChatMessage, Compose, Delivery};
use crate::state::chat::ConversationRow;
use crate::state::{AppState, Route};
use crate::ui::avatar::Avatar;
use crate::ui::px;
use crate::ui::window::{row_key, windowed};

/// Height assumed for a message not yet rendered (one line, its time and buttons).
const ESTIMATE_PX: f64 = 96.0;
/// Without a key for this long, the contact is told the person paused (XEP-0085).
const PAUSED_AFTER: std::time::Duration = std::time::Duration::from_secs(5);
/// The reactions offered by **React**.
const EMOJIS: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

/// `14:05` in the person's own time zone.
fn clock(epoch_ms: f64) -> String {
    let date = js_sys::Date::new(&epoch_ms.into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// The day a message was written, as the browser says it in the person's language.
fn day(epoch_ms: f64) -> String {
    let date = js_sys::Date::new(&epoch_ms.into());
    String::from(date.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

#[component]
pub fn ChatsScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move |contact: bool| {
        state.chat.rows.with(|rows| {
            rows.iter()
                .filter(|r| r.contact == contact)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let app = use_app();
    let item = move |row: ConversationRow| {
        let href = Route::Chat(row.peer.clone()).href();
        // A stranger's message: Block is one click away.
        let block = (!row.contact).then(|| {
            let peer = row.peer.clone();
            view! {
                <button type="button" class="plain" on:click=move |_| crate::ui::contacts::block_jid(app, &peer, true)>"Block"</button>
            }
        });
        view! {
            <li class="conversation">
                <Avatar jid=row.peer.clone() name=row.name.clone()/>
                <a href=href><bdi>{row.name}</bdi></a>
                <Show when=move || { row.unread > 0 }>
                    <span class="unread">{row.unread}" unread"</span>
                </Show>
                <span class="last"><bdi>{row.last.clone()}</bdi></span>
                <time>{clock(row.time)}</time>
                {block}
            </li>
        }
    };
    view! {
        <section class="chats" aria-labelledby="chats-heading">
            <h2 id="chats-heading">"Chats"</h2>
            <Show when=move || state.chat.rows.with(|r| !r.iter().any(|r| r.contact)) && state.rooms.rows.with(|r| !r.iter().any(|r| r.listed))>
                <p class="empty">"No conversations yet. Open a contact and choose Message."</p>
            </Show>
            <NotificationsButton/>
            <crate::ui::rooms::JoinRoom/>
            <GapNote/>
            <ul role="list" aria-label="Conversations" class="conversations">
                <crate::ui::rooms::RoomItems/>
                {move || rows(true).into_iter().map(item).collect_view()}
            </ul>
            <Show when=move || !rows(false).is_empty()>
                <h3>"Message requests"</h3>
                <p class="hint">"From people who are not your contacts."</p>
                <ul role="list" aria-label="Message requests" class="conversations requests">
                    {move || rows(false).into_iter().map(item).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

/// Said wherever messages show, once a catch-up fell short (`ChatState::gap`): never a
/// silent hole in a conversation.
#[component]
fn GapNote() -> impl IntoView {
    let gap = expect_context::<AppState>().chat.gap;
    move || {
        gap.get().map(|at| {
            view! {
                <p class="gap" role="note">
                    "Some messages from before " {clock(at)}
                    " could not be fetched from the server's archive: they may be missing here."
                </p>
            }
        })
    }
}

/// Asks for permission to notify, on the person's click (never at load).
#[component]
fn NotificationsButton() -> impl IntoView {
    use web_sys::{Notification, NotificationPermission};
    let asked = RwSignal::new(Notification::permission() != NotificationPermission::Default);
    let ask = move |_| {
        let _ = Notification::request_permission();
        asked.set(true);
    };
    view! {
        <Show when=move || !asked.get()>
            <button type="button" class="plain" on:click=ask>"Notify me of new messages"</button>
        </Show>
    }
}

/// What the composer is doing: writing anew, answering a message, or correcting one.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Write,
    Reply(String),
    Correct(String),
}

/// A conversation with a contact, or a `room`'s (with its subject and occupants).
#[component]
pub fn ConversationScreen(peer: String, #[prop(optional)] room: bool) -> impl IntoView {
    let app = use_app();
    let state = app.state;
    let Ok(jid) = BareJid::new(&peer) else {
        return view! { <p class="alert" role="alert">"That is not a Jabber ID."</p> }.into_any();
    };
    // The conversation on screen, with its stored history.
    {
        let jid = jid.clone();
        // Named at once: what arrives before the connection does (a warm start) is drawn
        // into it by the next redraw.
        state.chat.open.set(crate::state::chat::OpenConversation {
            peer: jid.to_string(),
            ..Default::default()
        });
        match app.account() {
            Ok(account) if room => account.open_room(jid),
            Ok(account) => {
                account.with_chat(|chat| state.chat.show_open(chat, &jid));
                account.open_conversation(jid);
            }
            Err(_) => {}
        }
    }
    on_cleanup(move || {
        state.chat.open.set(Default::default());
        state.rooms.open.set(Default::default());
    });
    let name = {
        let peer = peer.clone();
        Memo::new(move |_| {
            match room {
                true => Some(state.rooms.open.with(|o| o.name.clone())),
                false => state
                    .contacts
                    .with(|c| c.iter().find(|c| c.jid == peer).map(|c| c.name.clone())),
            }
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| peer.clone())
        })
    };
    let total = Signal::derive(move || state.chat.open.with(|o| o.messages.len()));
    let keys = Memo::new(move |_| {
        state
            .chat
            .open
            .with(|o| o.messages.iter().map(message_key).collect::<Vec<_>>())
    });
    let list = NodeRef::<Ul>::new();
    let win = windowed(keys, list, ESTIMATE_PX);
    // Older messages added above keep what is on screen in place: the page scrolls down
    // by their (estimated) height. (Scroll anchoring cannot: the rows it would anchor to
    // are drawn anew.)
    let first = StoredValue::new(None::<u64>);
    Effect::new(move |_| {
        let before = first.get_value();
        first.set_value(keys.with(|k| k.first().copied()));
        let added = before
            .and_then(|before| keys.with_untracked(|k| k.iter().position(|key| *key == before)));
        if let Some(n) = added.filter(|&n| n > 0) {
            let by = win.offset(n);
            request_animation_frame(move || window().scroll_by_with_x_and_y(0.0, by));
        }
    });
    // Past what this device holds, the server's archive is asked for a page more (once,
    // however often this runs meanwhile); it is added above, where the browser keeps
    // what is on screen in place.
    let older = {
        let jid = jid.clone();
        move || {
            if let Ok(account) = app.account() {
                account.load_older_messages(&jid);
            }
        }
    };
    // Whether the newest message is in view: then what arrives (or a row measured
    // taller than estimated) keeps it there, as a conversation does.
    let stick = StoredValue::new(true);
    let scrolled = {
        let older = older.clone();
        window_event_listener(leptos::ev::scroll, move |_| {
            let page = window();
            let y = page.scroll_y().unwrap_or(0.0);
            let height = page
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            let end = document().body().map_or(0, |b| b.scroll_height());
            stick.set_value(y + height >= f64::from(end) - 80.0);
            if y < 300.0 && win.range.get_untracked().0 == 0 {
                older();
            }
        })
    };
    on_cleanup(move || scrolled.remove());
    // A conversation opens at its newest message, and stays there while it is in view.
    Effect::new(move |_| {
        win.height();
        if total.get() > 0 && stick.get_value() {
            request_animation_frame(|| {
                let height = document().body().map_or(0, |b| b.scroll_height());
                window().scroll_to_with_x_and_y(0.0, f64::from(height));
            });
        }
    });
    let text = RwSignal::new(String::new());
    let mode = RwSignal::new(Mode::Write);
    let input = NodeRef::<Textarea>::new();
    let file = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let actions = Actions {
        app,
        peer: StoredValue::new(jid.clone()),
        mode,
        text,
        input,
        error,
    };
    let error = move || error.get();
    let submit = move || {
        let body = text.get_untracked().trim_end().to_owned();
        if body.trim().is_empty() {
            return;
        }
        let what = match mode.get_untracked() {
            Mode::Correct(id) => Compose::Correct { id, body },
            Mode::Reply(id) => Compose::Text {
                body,
                reply: Some(id),
                attachment: None,
            },
            Mode::Write => Compose::Text {
                body,
                reply: None,
                attachment: None,
            },
        };
        text.set(String::new());
        mode.set(Mode::Write);
        actions.send(what);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit();
    };
    // Enter sends; Shift+Enter is a new line.
    // XEP-0085: "composing" once per message written (the message itself says "active"),
    // "paused" after a few seconds without a key.
    let composing = StoredValue::new(false);
    let pause = StoredValue::new(None::<TimeoutHandle>);
    let stop_pause = move || {
        if let Some(handle) = pause.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(stop_pause);
    let on_key = move |ev: KeyboardEvent| {
        stop_pause();
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            composing.set_value(false);
            submit();
            return;
        }
        if !composing.get_value() {
            composing.set_value(true);
            if let Ok(account) = app.account() {
                account.typing(&actions.peer.get_value(), true);
            }
        }
        let paused = move || {
            if composing.try_set_value(false).is_none() {
                if let Ok(account) = app.account() {
                    account.typing(&actions.peer.get_value(), false);
                }
            }
        };
        let handle = set_timeout_with_handle(paused, PAUSED_AFTER).ok();
        pause.set_value(handle);
    };
    let attach = {
        let jid = jid.clone();
        move |_| {
            let Some(input) = file.get_untracked() else {
                return;
            };
            let Some(chosen) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let jid = jid.clone();
            app.act(async move { app.account()?.send_file(jid, chosen).await });
        }
    };
    view! {
        <section class="conversation-screen" aria-labelledby="conversation-heading">
            <p class="back"><a href=Route::Chats.href()>"All chats"</a></p>
            <div class="person-head">
                {
                    let peer = peer.clone();
                    move || view! { <Avatar jid=peer.clone() name=name.get()/> }
                }
                <h2 id="conversation-heading"><bdi>{move || name.get()}</bdi></h2>
            </div>
            {room.then(|| view! { <crate::ui::rooms::RoomHeader jid=jid.clone()/> })}
            // (A room's archive is not read yet.)
            <Show when=move || { total.get() > 0 && !room }>
                <button type="button" class="plain" on:click={
                    let older = older.clone();
                    move |_| older()
                }>"Show older messages"</button>
            </Show>
            <GapNote/>
            <ul
                role="list"
                aria-label="Messages"
                class="messages"
                node_ref=list
                style:padding-top=move || px(win.padding(false))
                style:padding-bottom=move || px(win.padding(true))
            >
                // Drawn anew when the window moves or the conversation changes: a few
                // dozen rows, and less code than a keyed list.
                {move || {
                    let (start, end) = win.range.get();
                    let total = total.get();
                    state.chat.open.with(|o| {
                        let shown = o.messages.get(start..end).unwrap_or_default();
                        let mut last_day = start
                            .checked_sub(1)
                            .and_then(|i| o.messages.get(i))
                            .map(|m| day(m.time));
                        shown
                            .iter()
                            .enumerate()
                            .map(|(i, m)| {
                                let today = day(m.time);
                                let new_day = last_day.replace(today.clone()) != Some(today);
                                view! { <MessageItem index=start + i total message=m.clone() new_day actions/> }
                            })
                            .collect_view()
                    })
                }}
            </ul>
            <Show when=move || state.chat.open.with(|o| o.typing)>
                <p class="typing" role="status">"typing…"</p>
            </Show>
            <form class="message-composer" on:submit=on_submit>
                <Show when=move || mode.get() != Mode::Write>
                    <p class="composer-mode">
                        {move || match mode.get() {
                            Mode::Correct(_) => "Correcting your message",
                            _ => "Replying",
                        }}
                        <button type="button" class="plain" on:click=move |_| { mode.set(Mode::Write); text.set(String::new()); }>"Cancel"</button>
                    </p>
                </Show>
                <textarea
                    aria-label="Message"
                    rows="2"
                    node_ref=input
                    bind:value=text
                    on:keydown=on_key
                ></textarea>
                <button type="submit">"Send"</button>
                <input type="file" node_ref=file hidden on:change=attach/>
                <button type="button" on:click=move |_| { if let Some(f) = file.get_untracked() { f.click(); } }>"Attach file"</button>
                <Show when=move || error().is_some()>
                    <p class="field-error" role="alert">{move || error().unwrap_or_default()}</p>
                </Show>
            </form>
            {room.then(|| view! { <crate::ui::rooms::Occupants/> })}
        </section>
    }
    .into_any()
}

/// What a message's buttons change in the composer, or send.
#[derive(Clone, Copy)]
struct Actions {
    app: crate::app::App,
    peer: StoredValue<BareJid>,
    mode: RwSignal<Mode>,
    text: RwSignal<String>,
    input: NodeRef<Textarea>,
    /// Why the last send did not happen.
    error: RwSignal<Option<String>>,
}

impl Actions {
    fn send(self, what: Compose) {
        let (app, error, to) = (self.app, self.error, self.peer.get_value());
        error.set(None);
        leptos::task::spawn_local(async move {
            let sent = match app.account() {
                Ok(account) => account.send_message(to, what).await,
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                error.set(Some(e.0));
            }
        });
    }
}

/// A message's row key: its id, on its side (the two sides choose ids independently).
fn message_key(message: &ChatMessage) -> u64 {
    let side = if message.outgoing { ">" } else { "<" };
    row_key(&[
        side,
        message.nick.as_deref().unwrap_or_default(),
        &message.id,
    ])
}

#[component]
fn MessageItem(
    index: usize,
    total: usize,
    message: ChatMessage,
    new_day: bool,
    actions: Actions,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = message.id.clone();
    let pending = {
        let id = id.clone();
        move || {
            state
                .pending
                .with(|p| p.iter().any(|w| w.id == id && w.failed.is_none()))
        }
    };
    let delivery = move || match (pending(), message.delivery) {
        (true, _) => "Pending",
        (false, Delivery::Sent) => "Sent",
        (false, Delivery::Delivered) => "Delivered",
        (false, Delivery::Read) => "Read",
    };
    let quote = message.reply_to.as_ref().map(|r| {
        state.chat.open.with_untracked(|o| {
            o.messages
                .iter()
                .find(|m| &m.id == r || m.archive_id.as_ref() == Some(r))
                .map(|m| m.body.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_else(|| "an earlier message".to_owned())
        })
    });
    let picking = RwSignal::new(false);
    let mine = StoredValue::new((id.clone(), message.reactions[0].clone()));
    // Copy (it holds only handles), so every button gets its own.
    let react = {
        move |emoji: &str| {
            let (id, mut emojis) = mine.get_value();
            match emojis.iter().position(|e| e == emoji) {
                Some(at) => {
                    emojis.remove(at);
                }
                None => emojis.push(emoji.to_owned()),
            }
            picking.set(false);
            actions.send(Compose::React { id, emojis });
        }
    };
    let focus = move || {
        if let Some(el) = actions.input.get_untracked() {
            let _ = el.focus();
        }
    };
    let reply = {
        let id = id.clone();
        move |_| {
            actions.mode.set(Mode::Reply(id.clone()));
            focus();
        }
    };
    let correct = {
        let (id, body) = (id.clone(), message.body.clone());
        move |_| {
            actions.mode.set(Mode::Correct(id.clone()));
            actions.text.set(body.clone());
            focus();
        }
    };
    let retract = {
        let id = id.clone();
        move |_| actions.send(Compose::Retract { id: id.clone() })
    };
    let counts = message.reaction_counts();
    let own = message.outgoing;
    let live = !message.retracted;
    view! {
        <li
            class="message-row"
            class:own=own
            class:mention=message.mentions_me
            data-pos=index.to_string()
            aria-setsize=total.to_string()
            aria-posinset=(index + 1).to_string()
        >
            {new_day.then(|| view! { <p class="day" aria-hidden="true">{day(message.time)}</p> })}
            <div class="message">
            {message.nick.clone().map(|nick| view! { <p class="nick"><bdi>{nick}</bdi></p> })}
            {quote.map(|q| view! { <p class="quote">"Replying to: "<bdi>{q}</bdi></p> })}
            {match live {
                true => view! { <p class="body">{linked(&message.body)}</p> }.into_any(),
                false => view! { <p class="body deleted">"Message deleted"</p> }.into_any(),
            }}
            {message.attachment.clone().filter(|_| live).and_then(|url| safe_link(&url).map(|href| view! {
                <p class="attachment"><a href=href rel="noopener noreferrer" target="_blank">"Attachment"</a></p>
            }))}
            <p class="meta">
                <time>{clock(message.time)}</time>
                {message.edited.then_some(" · edited")}
                {message.mentions_me.then(|| view! { " · " <strong class="mention-mark">"Mentions you"</strong> })}
                {own.then(|| view! { " · " <span class="delivery">{delivery}</span> })}
                " "
            </p>
            <p class="reactions">
                {counts.into_iter().map(|(emoji, n, mine)| {
                    let e = emoji.clone();
                    view! { <button type="button" class="reaction" aria-pressed=mine.to_string() on:click=move |_| react(&e)>{emoji}" "{n}</button> }
                }).collect_view()}
            </p>
            <Show when=move || live>
                <p class="message-actions">
                    <button type="button" class="plain" aria-expanded=move || picking.get().to_string() on:click=move |_| picking.update(|p| *p = !*p)>"React"</button>
                    <button type="button" class="plain" on:click=reply.clone()>"Reply"</button>
                    {own.then(|| view! {
                        <button type="button" class="plain" on:click=correct.clone()>"Correct"</button>
                        <button type="button" class="plain danger" on:click=retract.clone()>"Delete for everyone"</button>
                    })}
                </p>
                <Show when=move || picking.get()>
                    <p class="emoji-picker" role="group" aria-label="Reactions">
                        {EMOJIS.iter().map(|emoji| {
                            view! { <button type="button" on:click=move |_| react(emoji)>{*emoji}</button> }
                        }).collect_view()}
                    </p>
                </Show>
            </Show>
            </div>
        </li>
    }
}

/// `url` if it may be a link here: only `http` and `https` (DESIGN.md: untrusted links).
fn safe_link(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_owned())
}

/// A body as text, its `http(s)` URLs as links: nothing from the wire becomes markup.
fn linked(body: &str) -> impl IntoView {
    let mut parts = Vec::new();
    let mut text = String::new();
    for (i, word) in body.split(' ').enumerate() {
        if i > 0 {
            text.push(' ');
        }
        match safe_link(word) {
            Some(href) => {
                parts.push(view! { {std::mem::take(&mut text)} }.into_any());
                parts.push(
                    view! { <a href=href rel="noopener noreferrer" target="_blank">{word.to_owned()}</a> }
                        .into_any(),
                );
            }
            None => text.push_str(word),
        }
    }
    parts.push(view! { {text} }.into_any());
    parts
}

/// The Contacts screen's and a person page's **Message** button: opens the conversation.
#[component]
pub fn MessageButton(jid: String) -> impl IntoView {
    let go = move |_| {
        let _ = window()
            .location()
            .set_hash(&Route::Chat(jid.clone()).href());
    };
    view! { <button type="button" class="plain" on:click=go>"Message"</button> }
}

/// The Chats link of the navigation, with the unread count after the word.
#[component]
pub fn ChatsLink() -> impl IntoView {
    let state = expect_context::<AppState>();
    let current = move || {
        state
            .route
            .with(|r| r.section() == Route::Chats)
            .then_some("page")
    };
    let unread = move || match state.chat.unread() {
        0 => String::new(),
        n => format!(" {n}"),
    };
    view! { <a href=Route::Chats.href() aria-current=current>"Chats"{unread}</a> }
}

/// The page title carries the unread count while there is one.
pub fn title_effect() {
    let state = expect_context::<AppState>();
    Effect::new(move |_| {
        let n = state.chat.unread();
        let title = match n {
            0 => "Kith".to_owned(),
            n => format!("({n}) Kith"),
        };
        document().set_title(&title);
    });
}
