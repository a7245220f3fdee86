//! Browser tests: mount screens in headless Chromium and check the DOM as a screen
//! reader would see it (roles, names, ARIA positions).
#![cfg(target_arch = "wasm32")]

use kith::service::presence::Availability;
use kith::state::{AppState, ContactRow};
use kith::ui::contacts::ContactsScreen;
use kith::ui::login::LoginScreen;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container for one test, so tests do not see each other's DOM.
fn container() -> HtmlElement {
    let div: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

async fn tick() {
    // Let effects and scheduled renders run.
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL))
        .await
        .unwrap();
    sleep(30).await;
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn rows(n: usize) -> Vec<ContactRow> {
    (0..n)
        .map(|i| ContactRow {
            jid: format!("contact{i:05}@example.org"),
            name: format!("Contact {i:05}"),
            availability: RwSignal::new(if i % 2 == 0 {
                Availability::Online
            } else {
                Availability::Offline
            }),
            sharing: Some("Both"),
            groups: vec![],
        })
        .collect()
}

fn query_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

#[wasm_bindgen_test]
async fn five_thousand_contacts_render_a_window_with_aria_positions() {
    let root = container();
    let state = AppState::new();
    state.contacts.set(rows(5_000));
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        kith::app::App::provide(state);
        view! { <ContactsScreen/> }
    });
    tick().await;

    let list = root
        .query_selector("ul[aria-label='Contacts']")
        .unwrap()
        .expect("a list named Contacts");
    let items = query_all(&list, "li");
    assert!(!items.is_empty(), "some rows render");
    assert!(
        items.len() < 200,
        "only the visible window renders, got {}",
        items.len()
    );
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.get_attribute("aria-setsize").as_deref(), Some("5000"));
        assert_eq!(
            item.get_attribute("aria-posinset"),
            Some((i + 1).to_string())
        );
    }
    let first = items[0].text_content().unwrap();
    assert!(
        first.contains("Contact 00000") && first.contains("contact00000@example.org"),
        "{first}"
    );
    assert!(first.contains("Online"), "{first}");
}

#[wasm_bindgen_test]
async fn presence_change_updates_one_row_in_place() {
    let root = container();
    let state = AppState::new();
    let data = rows(3);
    let second = data[1].availability;
    state.contacts.set(data);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        kith::app::App::provide(state);
        view! { <ContactsScreen/> }
    });
    tick().await;
    let item = |i: usize| query_all(&root, "li")[i].text_content().unwrap();
    assert!(item(1).contains("Offline"));
    second.set(Availability::DoNotDisturb);
    tick().await;
    assert!(item(1).contains("Do not disturb"), "{}", item(1));
    assert!(item(0).contains("Online"));
}

#[wasm_bindgen_test]
async fn a_right_to_left_override_in_a_contact_name_stays_inside_it() {
    let root = container();
    let state = AppState::new();
    state.contacts.set(vec![ContactRow {
        jid: "mallory@evil.example".into(),
        name: "\u{202E}Mallory".into(),
        availability: RwSignal::new(Availability::Online),
        sharing: Some("Both"),
        groups: vec![],
    }]);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        kith::app::App::provide(state);
        view! { <ContactsScreen/> }
    });
    tick().await;
    let item = root.query_selector("li.contact").unwrap().unwrap();
    let name = item.query_selector("bdi.contact-name").unwrap().unwrap();
    let jid = item.query_selector(".contact-jid").unwrap().unwrap();
    assert_eq!(name.text_content().unwrap(), "\u{202E}Mallory");
    assert_eq!(jid.text_content().unwrap(), "mallory@evil.example");
    let (name_left, name_right) = (
        name.get_bounding_client_rect().left(),
        name.get_bounding_client_rect().right(),
    );
    let jid_left = jid.get_bounding_client_rect().left();
    assert!(
        jid_left >= name_right - 0.5 && name_left < jid_left,
        "name at {name_left}..{name_right}, JID at {jid_left}"
    );
}

/// How many requests for `config.json` this page made so far.
fn config_requests() -> usize {
    let performance = web_sys::window().unwrap().performance().unwrap();
    performance
        .get_entries_by_type("resource")
        .iter()
        .filter(|e| {
            js_sys::Reflect::get(e, &"name".into())
                .ok()
                .and_then(|name| name.as_string())
                .is_some_and(|name| name.ends_with("/config.json"))
        })
        .count()
}

#[wasm_bindgen_test]
async fn config_json_is_asked_for_once_whoever_asks_at_once() {
    sleep(100).await; // Earlier tests' reads have ended.
                      // (A full resource timing buffer would record nothing.)
    web_sys::window()
        .unwrap()
        .performance()
        .unwrap()
        .clear_resource_timings();
    Owner::new().set();
    let app = kith::app::App::new(AppState::new());
    let before = config_requests();
    let (a, b, c) = futures::join!(app.config(), app.config(), app.config());
    assert!(a.is_ok() && a == b && b == c, "{a:?} {b:?} {c:?}");
    sleep(100).await; // Chromium lists a request a little after its answer.
    assert_eq!(
        config_requests() - before,
        1,
        "one request for three callers"
    );
    // Read (here: missing, so the defaults), it is not asked for again.
    assert!(app.config().await.is_ok());
    sleep(100).await;
    assert_eq!(config_requests() - before, 1);
}

#[wasm_bindgen_test]
async fn malformed_jid_is_refused_inline_before_connecting() {
    let root = container();
    let state = AppState::new();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        kith::app::App::provide(state);
        view! { <LoginScreen/> }
    });
    tick().await;
    let jid: HtmlInputElement = root
        .query_selector("#login-jid")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let label = root
        .query_selector("label[for='login-jid']")
        .unwrap()
        .unwrap();
    assert_eq!(label.text_content().as_deref(), Some("Jabber ID"));
    jid.set_value("not a jid@@");
    jid.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let button: HtmlElement = query_all(&root, "button")
        .into_iter()
        .find(|b| b.text_content().as_deref() == Some("Sign in"))
        .unwrap()
        .unchecked_into();
    button.click();
    // Validation runs after config.json is read; on a loaded machine that takes a while.
    let mut alert = None;
    for _ in 0..100 {
        alert = root.query_selector("[role='alert']").unwrap();
        if alert.is_some() {
            break;
        }
        sleep(50).await;
    }
    let alert = alert.expect("an inline error");
    assert!(alert
        .text_content()
        .unwrap()
        .contains("not a valid Jabber ID"));
    assert_eq!(jid.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        state.status.get_untracked(),
        kith::state::ConnectionStatus::Offline,
        "nothing was opened"
    );
}

/// The feed screens: untrusted content stays inert, the windowed list keeps its ARIA
/// positions, and the controls carry the names the end-to-end tests look for.
mod feed {
    use super::*;
    use kith::proto::xep0277::{Content, Entry, Link};
    use kith::proto::xhtml::{self, RawNode};
    use kith::service::feed::ItemKey;
    use kith::state::feed::{Body, LazyDetails, PostDetails, PostView};
    use kith::ui::feed::render;
    use kith::ui::feed::FeedScreen;

    fn details(i: usize) -> PostDetails {
        PostDetails {
            title: format!("Post number {i}"),
            author_name: "Juliet".into(),
            body: Body::Nodes(
                xhtml::text_to_nodes(&format!("Body of post {i}.\nSecond line.")).into(),
            ),
            images: Vec::new(),
            files: Vec::new(),
            related: Vec::new(),
            tags: vec!["balcony".into()],
            has_comments: true,
            edit_title: String::new(),
            edit_markdown: String::new(),
        }
    }

    fn with_details(i: usize, details: PostDetails) -> PostView {
        PostView {
            key: ItemKey {
                service: "juliet@capulet.example".into(),
                node: "urn:xmpp:microblog:0".into(),
                id: format!("post-{i:04}"),
            },
            author: "juliet@capulet.example".into(),
            published: 1_770_000_000_000.0 - i as f64 * 60_000.0,
            comment_count: 0,
            like_count: 0,
            liked: false,
            own: false,
            pending: false,
            failed: None,
            public: false,
            details: LazyDetails::ready(details),
        }
    }

    fn post(i: usize) -> PostView {
        with_details(i, details(i))
    }

    /// The entry as the feed would show it, built here so this test does not depend on
    /// how the feed service maps entries.
    fn view_of(entry: &Entry) -> PostDetails {
        let body = match &entry.content {
            Content::Xhtml(div) => {
                Body::Nodes(xhtml::sanitize(&[RawNode::from_element(div)]).into())
            }
            Content::Html(html) => Body::Html(html.as_str().into()),
            Content::Text(text) => Body::Nodes(xhtml::text_to_nodes(text).into()),
            Content::Empty => Body::Nodes(Vec::new().into()),
        };
        let (images, files) = entry.enclosures.iter().cloned().partition(|l| {
            l.media_type
                .as_deref()
                .is_some_and(|t| t.starts_with("image/"))
        });
        PostDetails {
            title: entry.title.clone(),
            author_name: entry.author_name.clone().unwrap_or_default(),
            body,
            images,
            files,
            related: entry.related.clone(),
            ..details(0)
        }
    }

    fn mount_feed(state: AppState) -> (HtmlElement, impl Sized) {
        let root = container();
        let handle = leptos::mount::mount_to(root.clone(), move || {
            kith::app::App::provide(state);
            view! { <FeedScreen/> }
        });
        (root, handle)
    }

    fn pwned() -> bool {
        let window = web_sys::window().unwrap();
        !js_sys::Reflect::get(&window, &"__kith_pwned".into())
            .unwrap()
            .is_undefined()
    }

    fn assert_inert(root: &Element) {
        let dangerous = query_all(
            root,
            "script, iframe, svg, style, object, embed, math, form, frame, link, meta, base",
        );
        let names: Vec<String> = dangerous.iter().map(Element::local_name).collect();
        assert!(names.is_empty(), "dangerous elements: {names:?}");
        for element in query_all(root, "*") {
            for name in element.get_attribute_names().iter() {
                let name = name.as_string().unwrap();
                assert!(
                    !name.starts_with("on"),
                    "<{}> has {name}",
                    element.local_name()
                );
                if matches!(
                    name.as_str(),
                    "href" | "src" | "action" | "formaction" | "data"
                ) {
                    let value = element.get_attribute(&name).unwrap();
                    assert!(
                        value.starts_with("http")
                            || value.starts_with("xmpp:")
                            || value.starts_with("mailto:")
                            || value.starts_with('#'),
                        "<{}> {name}={value}",
                        element.local_name()
                    );
                }
            }
        }
    }

    #[wasm_bindgen_test]
    async fn hostile_posts_render_inert() {
        let xml = include_str!("fixtures/xep0277/hostile-post.xml");
        let entry = Entry::parse(&xml.parse::<minidom::Element>().unwrap()).unwrap();
        let mut hostile = view_of(&entry);
        // Links the parser would already drop, to check the renderer's own guard.
        let evil = |title: &str| Link {
            href: "javascript:window.__kith_pwned=1".into(),
            media_type: Some("image/png".into()),
            title: Some(title.into()),
            length: None,
        };
        hostile.images.push(evil("evil image"));
        hostile.files.push(evil("evil file"));
        hostile.related.push(evil("evil card"));
        let hostile = with_details(0, hostile);
        let mut html = details(1);
        html.body = Body::Html(
            r#"<p>html ok</p><img src=x onerror="window.__kith_pwned=1"><script>window.__kith_pwned=1</script>
            <svg><script>window.__kith_pwned=1</script></svg><a href="javascript:window.__kith_pwned=1">j</a>
            <style>body{display:none}</style><iframe srcdoc="<script>parent.__kith_pwned=1</script>"></iframe>
            <!-- a comment --><b onmouseover="window.__kith_pwned=1">bold</b>
            <a href="https://example.org/">fine link</a>"#
                .into(),
        );
        let state = AppState::new();
        state
            .feed
            .timeline
            .set(vec![hostile, with_details(1, html)]);
        let (root, _handle) = mount_feed(state);
        tick().await;
        sleep(100).await;

        let list = root
            .query_selector("ul[aria-label='Feed']")
            .unwrap()
            .unwrap();
        let articles = query_all(&list, "article");
        assert_eq!(articles.len(), 2);
        assert_inert(&list);
        assert!(!pwned(), "a script ran");
        // Markup in titles and names is shown as the text it is.
        let heading = articles[0].query_selector("h3").unwrap().unwrap();
        assert_eq!(
            heading.text_content().unwrap(),
            "<img src=x onerror=\"window.__kith_pwned=1\"> hello"
        );
        let first = articles[0].text_content().unwrap();
        assert!(
            first.contains("<script>window.__kith_pwned=1</script>"),
            "{first}"
        );
        assert!(first.contains("still readable text"), "{first}");
        let second = articles[1].text_content().unwrap();
        assert!(
            second.contains("html ok") && second.contains("bold"),
            "{second}"
        );
        let link = articles[1]
            .query_selector("a[href='https://example.org/']")
            .unwrap()
            .expect("the safe link stays");
        assert_eq!(
            link.get_attribute("rel").as_deref(),
            Some("noopener noreferrer")
        );

        // The HTML path alone, on content no post list would hold.
        let nodes = render::html_to_nodes(
            "<img src=https://e.example/i.png onerror=alert(1)><math><mi xlink:href=javascript:x>m</mi></math><template><script>x</script></template>",
        );
        let div = document().create_element("div").unwrap();
        let anywhere = kith::service::images::ImageSources::new(true).allow_all(true);
        render::append(&document(), &div, &nodes, &anywhere);
        assert_inert(&div);
        let img = div.query_selector("img").unwrap().unwrap();
        assert_eq!(img.get_attribute("loading").as_deref(), Some("lazy"));
        assert!(!pwned());
    }

    #[wasm_bindgen_test]
    async fn a_thousand_posts_render_a_window_with_titles_and_positions() {
        let state = AppState::new();
        state.feed.timeline.set((0..1_000).map(post).collect());
        let started = js_sys::Date::now();
        let (root, _handle) = mount_feed(state);
        tick().await;
        web_sys::console::log_1(
            &format!(
                "1,000-post feed mounted in {} ms",
                js_sys::Date::now() - started
            )
            .into(),
        );
        let list = root
            .query_selector("ul[aria-label='Feed']")
            .unwrap()
            .expect("a list named Feed");
        let articles = query_all(&list, "article");
        assert!(!articles.is_empty(), "some posts render");
        assert!(
            articles.len() <= 48,
            "a window renders, got {}",
            articles.len()
        );
        for (i, article) in articles.iter().enumerate() {
            assert_eq!(
                article.get_attribute("aria-setsize").as_deref(),
                Some("1000")
            );
            assert_eq!(
                article.get_attribute("aria-posinset"),
                Some((i + 1).to_string())
            );
            let heading = article.query_selector("h3").unwrap().unwrap();
            assert_eq!(heading.text_content().unwrap(), format!("Post number {i}"));
            assert!(article.text_content().unwrap().contains("Juliet"));
        }
    }

    /// A like or comment waiting in the outbox marks only itself: the post is Pending
    /// only for its own publication (or deletion).
    #[wasm_bindgen_test]
    async fn a_pending_like_or_comment_does_not_mark_its_post() {
        use kith::service::feed::{Access, Feed, ItemKey};
        use kith::service::outbox::WriteKind;
        use kith::state::PendingWrite;
        use kith::store::{PostRecord, ThreadRecord};
        let me = kith::proto::jid::BareJid::new("romeo@montague.example").unwrap();
        let record = PostRecord {
            account: me.to_string(),
            service: "juliet@capulet.example".into(),
            node: "urn:xmpp:microblog:0".into(),
            id: "p1".into(),
            author: "juliet@capulet.example".into(),
            publisher: None,
            published: 1_770_000_000_000.0,
            xml: "<entry xmlns='http://www.w3.org/2005/Atom'><id>p1</id><title>Balcony</title></entry>"
                .into(),
            thread: ThreadRecord::None,
        };
        let feed = Feed::restore(me, &[record], &[]);
        // Their items, as the feed service composes them: the like's and the comment's
        // own, on the post's comments node; the post's for its publication.
        let post = ItemKey::new("juliet@capulet.example", "urn:xmpp:microblog:0", "p1");
        let on_node = |id: &str| ItemKey::new("pubsub.capulet.example", "comments/p1", id);
        let write = |kind: WriteKind| PendingWrite {
            id: format!("w-{}", kind.as_str()),
            item: Some(match kind {
                WriteKind::Post { .. } => post.clone(),
                _ => on_node("l1"),
            }),
            kind,
            failed: None,
        };
        let state = AppState::new();
        let pending_post = || state.feed.timeline.with_untracked(|t| t[0].pending);
        state.feed.show(
            &feed,
            &|_| None,
            &|_| false,
            &[
                write(WriteKind::Like),
                write(WriteKind::Comment),
                write(WriteKind::Unlike),
            ],
        );
        assert!(!pending_post(), "a like or comment marked the post");
        let publish = write(WriteKind::Post {
            access: Access::Open,
        });
        state.feed.show(&feed, &|_| None, &|_| false, &[publish]);
        assert!(pending_post(), "the post's own publication marks it");
    }

    /// A warm start: 1,000 posts (of two contacts: the feed keeps 500 of each) restored
    /// from store records are listed without being parsed; only the rows on screen read
    /// their entries.
    #[wasm_bindgen_test]
    async fn cached_posts_are_parsed_only_for_the_rows_on_screen() {
        use kith::service::feed::Feed;
        use kith::store::{PostRecord, ThreadRecord};
        let me = kith::proto::jid::BareJid::new("romeo@montague.example").unwrap();
        let records: Vec<PostRecord> = (0..1_000)
            .map(|i| PostRecord {
                account: me.to_string(),
                service: format!("juliet{}@capulet.example", i % 2),
                node: "urn:xmpp:microblog:0".into(),
                id: format!("p{i:04}"),
                author: format!("juliet{}@capulet.example", i % 2),
                publisher: None,
                published: 1_770_000_000_000.0 - i as f64 * 60_000.0,
                xml: format!(
                    "<entry xmlns='http://www.w3.org/2005/Atom'><id>p{i:04}</id>\
                     <title>Cached post {i}</title><author><name>Juliet C.</name></author>\
                     <content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>\
                     <p>Body <em>{i}</em></p></div></content></entry>"
                ),
                thread: ThreadRecord::None,
            })
            .collect();
        let feed = Feed::restore(me, &records, &[]);
        let state = AppState::new();
        state.feed.show(&feed, &|_| None, &|_| false, &[]);
        let parsed = || {
            feed.timeline()
                .iter()
                .filter(|p| p.lazy_entry().is_parsed())
                .count()
        };
        assert_eq!(parsed(), 0, "listing needs no entry");
        assert_eq!(state.feed.timeline.with_untracked(Vec::len), 1_000);

        let (root, _handle) = mount_feed(state);
        tick().await;
        let list = root
            .query_selector("ul[aria-label='Feed']")
            .unwrap()
            .unwrap();
        let articles = query_all(&list, "article");
        assert!(!articles.is_empty());
        let heading = articles[0].query_selector("h3").unwrap().unwrap();
        assert_eq!(heading.text_content().unwrap(), "Cached post 0");
        assert!(articles[0].text_content().unwrap().contains("Juliet C."));
        assert_eq!(
            articles[0]
                .query_selector("em")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            "0"
        );
        assert_eq!(
            articles[0].get_attribute("aria-setsize").as_deref(),
            Some("1000")
        );
        let parsed = parsed();
        assert!(
            parsed >= articles.len() && parsed <= 48,
            "{parsed} entries parsed for {} rows",
            articles.len()
        );
    }

    /// New posts above what is being read wait behind "N new posts"; older ones (the
    /// rest of the cache, Load older) join below at once.
    #[wasm_bindgen_test]
    fn older_posts_join_below_and_newer_ones_wait() {
        use kith::service::feed::Feed;
        use kith::store::{PostRecord, ThreadRecord};
        let me = kith::proto::jid::BareJid::new("romeo@montague.example").unwrap();
        let juliet = kith::proto::jid::BareJid::new("juliet@capulet.example").unwrap();
        let entry = |i: usize| {
            format!(
                "<entry xmlns='http://www.w3.org/2005/Atom'><id>p{i}</id><title>Post {i}</title>\
                 <published>2026-04-02T10:{i:02}:00Z</published></entry>"
            )
        };
        let record = |i: usize| PostRecord {
            account: me.to_string(),
            service: juliet.to_string(),
            node: "urn:xmpp:microblog:0".into(),
            id: format!("p{i}"),
            author: juliet.to_string(),
            publisher: None,
            published: 1_775_124_000_000.0 + i as f64 * 60_000.0,
            xml: entry(i),
            thread: ThreadRecord::None,
        };
        let newest: Vec<PostRecord> = (7..10).map(record).collect();
        let older: Vec<PostRecord> = (1..7).map(record).collect();
        let mut feed = Feed::restore_newest(me, &newest, &[]);
        feed.set_contacts([juliet]);
        let state = AppState::new();
        state.feed.show(&feed, &|_| None, &|_| false, &[]);
        assert_eq!(state.feed.timeline.with_untracked(Vec::len), 3);

        feed.absorb(&older);
        state.feed.show(&feed, &|_| None, &|_| false, &[]);
        assert_eq!(state.feed.timeline.with_untracked(Vec::len), 9);
        assert!(state.feed.incoming.with_untracked(Vec::is_empty));

        let event: minidom::Element = format!(
            "<message xmlns='jabber:client' from='juliet@capulet.example' to='romeo@montague.example'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:microblog:0'><item id='p30'>{}</item></items></event></message>",
            entry(30)
        )
        .parse()
        .unwrap();
        // The driver's clock (ms since the UNIX epoch): the next day.
        let now = kith::xmpp::Instant(1_775_210_400_000);
        assert!(feed.handle_message(now, &event.try_into().unwrap()));
        state.feed.show(&feed, &|_| None, &|_| false, &[]);
        assert_eq!(state.feed.timeline.with_untracked(Vec::len), 9);
        assert_eq!(state.feed.incoming.with_untracked(Vec::len), 1);
    }

    #[wasm_bindgen_test]
    async fn scrolling_moves_the_window_and_keeps_the_dom_bounded() {
        let state = AppState::new();
        state.feed.timeline.set((0..1_000).map(post).collect());
        let (root, _handle) = mount_feed(state);
        tick().await;
        let list: HtmlElement = root
            .query_selector("ul[aria-label='Feed']")
            .unwrap()
            .unwrap()
            .unchecked_into();
        list.scroll_into_view();
        let window = web_sys::window().unwrap();
        window.scroll_by_with_x_and_y(0.0, 40_000.0);
        // A frame to measure, a render, another frame for the new rows.
        sleep(200).await;
        let articles = query_all(&list, "article");
        assert!(
            !articles.is_empty() && articles.len() <= 48,
            "{}",
            articles.len()
        );
        let first: usize = articles[0]
            .get_attribute("aria-posinset")
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            first > 20,
            "the window followed the scroll, starts at {first}"
        );
        for (i, article) in articles.iter().enumerate() {
            let heading = article.query_selector("h3").unwrap().unwrap();
            assert_eq!(
                heading.text_content().unwrap(),
                format!("Post number {}", first - 1 + i)
            );
        }
        assert_ne!(
            list.style().get_property_value("padding-top").unwrap(),
            "0px"
        );
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }

    #[wasm_bindgen_test]
    async fn like_is_a_toggle_with_its_count() {
        let state = AppState::new();
        let mut liked = post(0);
        liked.liked = true;
        liked.like_count = 3;
        liked.comment_count = 2;
        state.feed.timeline.set(vec![liked, post(1)]);
        let (root, _handle) = mount_feed(state);
        tick().await;
        let likes: Vec<Element> = query_all(&root, "article button")
            .into_iter()
            .filter(|b| b.text_content().unwrap().starts_with("Like"))
            .collect();
        assert_eq!(likes.len(), 2);
        assert_eq!(
            likes[0].get_attribute("aria-pressed").as_deref(),
            Some("true")
        );
        assert_eq!(likes[0].text_content().as_deref(), Some("Like 3"));
        assert_eq!(
            likes[1].get_attribute("aria-pressed").as_deref(),
            Some("false")
        );
        let comments = root.query_selector("article a.comments").unwrap().unwrap();
        assert_eq!(comments.text_content().as_deref(), Some("Comments 2"));
        assert!(comments
            .get_attribute("href")
            .unwrap()
            .starts_with("#/post/"));
    }

    #[wasm_bindgen_test]
    async fn a_post_needs_a_title_and_keeps_what_was_written() {
        let state = AppState::new();
        let (root, _handle) = mount_feed(state);
        tick().await;
        for (id, name) in [
            ("composer-title", "Title"),
            ("composer-post", "Post"),
            ("composer-visibility", "Visibility"),
        ] {
            let label = root
                .query_selector(&format!("label[for='{id}']"))
                .unwrap()
                .unwrap();
            assert_eq!(label.text_content().as_deref(), Some(name));
        }
        let options: Vec<String> = query_all(&root, "#composer-visibility option")
            .iter()
            .map(|o| o.text_content().unwrap())
            .collect();
        assert_eq!(options, ["Contacts", "Public"]);
        let text: web_sys::HtmlTextAreaElement = root
            .query_selector("#composer-post")
            .unwrap()
            .unwrap()
            .unchecked_into();
        text.set_value("A draft worth keeping");
        text.dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
        let buttons = query_all(&root, "button");
        let button = |name: &str| -> HtmlElement {
            buttons
                .iter()
                .find(|b| b.text_content().as_deref() == Some(name))
                .unwrap_or_else(|| panic!("a {name} button"))
                .clone()
                .unchecked_into()
        };
        button("Attach image");
        button("Publish").click();
        tick().await;
        let alert = root
            .query_selector("[role='alert']")
            .unwrap()
            .expect("an inline error");
        assert!(alert.text_content().unwrap().contains("title"));
        let title = root.query_selector("#composer-title").unwrap().unwrap();
        assert_eq!(title.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert_eq!(text.value(), "A draft worth keeping");
    }

    #[wasm_bindgen_test]
    async fn sync_new_posts_pending_and_own_post_controls() {
        let state = AppState::new();
        let mut own = with_details(
            0,
            PostDetails {
                edit_title: "Post number 0".into(),
                edit_markdown: "Body of *post* 0".into(),
                ..details(0)
            },
        );
        own.own = true;
        own.pending = true;
        own.public = true;
        let mut refused = post(1);
        refused.failed = Some("The server is out of space.".into());
        state.feed.timeline.set(vec![own, refused]);
        state.feed.incoming.set(vec![post(2)]);
        state.feed.sync.set(Some((2, 5)));
        let (root, _handle) = mount_feed(state);
        tick().await;

        let status = query_all(&root, "[role='status']");
        assert!(status
            .iter()
            .any(|s| s.text_content().as_deref() == Some("Syncing 2 / 5 contacts")));
        let articles = query_all(&root, "article");
        assert!(articles[0].text_content().unwrap().contains("Pending"));
        assert!(articles[1]
            .text_content()
            .unwrap()
            .contains("The server is out of space."));

        let button = |name: &str| -> HtmlElement {
            query_all(&root, "button")
                .into_iter()
                .find(|b| b.text_content().as_deref() == Some(name))
                .unwrap_or_else(|| panic!("a {name} button"))
                .unchecked_into()
        };
        button("1 new post").click();
        tick().await;
        assert_eq!(state.feed.timeline.with_untracked(Vec::len), 3);
        assert!(state.feed.incoming.with_untracked(Vec::is_empty));

        button("Delete").click();
        tick().await;
        button("Delete post");
        button("Cancel").click();
        tick().await;
        assert!(query_all(&root, "button")
            .iter()
            .all(|b| b.text_content().as_deref() != Some("Delete post")));

        button("Edit").click();
        tick().await;
        let title: HtmlInputElement = root
            .query_selector("#composer-title")
            .unwrap()
            .unwrap()
            .unchecked_into();
        assert_eq!(title.value(), "Post number 0");
        let visibility: web_sys::HtmlSelectElement = root
            .query_selector("#composer-visibility")
            .unwrap()
            .unwrap()
            .unchecked_into();
        assert_eq!(visibility.value(), "public");
    }

    /// Where `element` is drawn, left and right edges.
    fn span_of(element: &Element) -> (f64, f64) {
        let rect = element.get_bounding_client_rect();
        (rect.left(), rect.right())
    }

    #[wasm_bindgen_test]
    async fn a_right_to_left_override_in_a_name_does_not_reorder_the_byline() {
        let state = AppState::new();
        let mut details = details(0);
        details.author_name = "\u{202E}Mallory".into();
        state.feed.timeline.set(vec![with_details(0, details)]);
        let (root, _handle) = mount_feed(state);
        tick().await;
        let byline = root.query_selector("article .byline").unwrap().unwrap();
        let name = byline
            .query_selector("bdi")
            .unwrap()
            .expect("the name isolated");
        assert_eq!(name.text_content().unwrap(), "\u{202E}Mallory");
        let time = byline.query_selector("time").unwrap().unwrap();
        assert!(!name.contains(Some(&time)));
        // Drawn in reading order: the date after the name, not reversed before it.
        let (name_left, name_right) = span_of(&name);
        let (time_left, _) = span_of(&time);
        assert!(
            time_left >= name_right - 0.5 && name_left < time_left,
            "name at {name_left}..{name_right}, date at {time_left}"
        );
    }

    /// A post by Juliet with images from her server, Romeo's upload host and a tracker.
    fn with_remote_images(i: usize) -> PostView {
        let image = |href: &str, title: &str| Link {
            href: href.into(),
            media_type: Some("image/png".into()),
            title: Some(title.into()),
            length: None,
        };
        let body = format!(
            "<div xmlns='http://www.w3.org/1999/xhtml'><p>Look</p>\
             <img src='https://media.capulet.example/{i}.png' alt='balcony'/>\
             <img src='https://pixel.tracker.example/{i}.gif' alt='pixel'/>\
             <p>after</p></div>"
        );
        let div: minidom::Element = body.parse().unwrap();
        let mut details = details(i);
        details.body = Body::Nodes(xhtml::sanitize(&[RawNode::from_element(&div)]).into());
        details.images = vec![
            image(&format!("https://upload.montague.example/{i}.png"), "own"),
            image(&format!("https://cdn.tracker.example/{i}.png"), "tracked"),
        ];
        with_details(i, details)
    }

    fn srcs(root: &Element) -> Vec<String> {
        query_all(root, "img")
            .iter()
            .map(|img| img.get_attribute("src").unwrap_or_default())
            .collect()
    }

    fn signed_in() -> AppState {
        let state = AppState::new();
        state.account.set(Some("romeo@montague.example".into()));
        state.endpoint.set(Some((
            "montague.example".into(),
            "wss://xmpp.montague.example/ws".into(),
        )));
        state
    }

    /// Nothing in the page names the tracker's address: no `src`, so no request.
    fn tracker_addresses(root: &Element) -> Vec<String> {
        query_all(root, "*")
            .iter()
            .flat_map(|e| {
                e.get_attribute_names()
                    .iter()
                    .filter_map(|n| e.get_attribute(&n.as_string()?))
                    .collect::<Vec<_>>()
            })
            .filter(|value| value.contains("tracker.example"))
            .collect()
    }

    #[wasm_bindgen_test]
    async fn images_from_other_hosts_wait_for_show_image_one_post_at_a_time() {
        let state = signed_in();
        state.images.set_always(false);
        state
            .feed
            .timeline
            .set(vec![with_remote_images(0), with_remote_images(1)]);
        let (root, _handle) = mount_feed(state);
        tick().await;
        let articles = || query_all(&root, "article");
        assert_eq!(articles().len(), 2);
        for (i, article) in articles().iter().enumerate() {
            assert_eq!(
                srcs(article),
                [
                    format!("https://media.capulet.example/{i}.png"),
                    format!("https://upload.montague.example/{i}.png"),
                ]
            );
            assert_eq!(tracker_addresses(article), Vec::<String>::new());
            let text = article.text_content().unwrap();
            assert!(
                text.contains("pixel (not loaded, from pixel.tracker.example)")
                    && text.contains("tracked (not loaded, from cdn.tracker.example)"),
                "{text}"
            );
        }
        let show: Vec<HtmlElement> = query_all(&root, "article button")
            .into_iter()
            .filter(|b| b.text_content().as_deref() == Some("Show image"))
            .map(|b| b.unchecked_into())
            .collect();
        assert_eq!(show.len(), 2, "one Show image per post");
        show[1].click();
        tick().await;
        let articles = articles();
        assert_eq!(tracker_addresses(&articles[0]), Vec::<String>::new());
        assert_eq!(
            srcs(&articles[1]),
            [
                "https://media.capulet.example/1.png",
                "https://pixel.tracker.example/1.gif",
                "https://upload.montague.example/1.png",
                "https://cdn.tracker.example/1.png",
            ]
        );
        let left = query_all(&root, "article button")
            .iter()
            .filter(|b| b.text_content().as_deref() == Some("Show image"))
            .count();
        assert_eq!(left, 1, "the other post still asks");
    }

    #[wasm_bindgen_test]
    async fn always_show_images_loads_every_image_and_is_remembered() {
        let state = signed_in();
        state.images.set_always(false);
        state.feed.timeline.set(vec![with_remote_images(0)]);
        let (root, _handle) = mount_feed(state);
        tick().await;
        assert_eq!(srcs(&root).len(), 2);
        let label = query_all(&root, "label")
            .into_iter()
            .find(|l| l.text_content().as_deref() == Some("Always show images"))
            .expect("an Always show images checkbox");
        let checkbox: HtmlInputElement = label
            .query_selector("input[type='checkbox']")
            .unwrap()
            .unwrap()
            .unchecked_into();
        assert!(!checkbox.checked());
        checkbox.click();
        tick().await;
        assert_eq!(srcs(&root).len(), 4);
        assert!(query_all(&root, "article button")
            .iter()
            .all(|b| b.text_content().as_deref() != Some("Show image")));
        assert!(
            kith::state::images::ImageChoices::new()
                .always
                .get_untracked(),
            "remembered on this device"
        );
        state.images.set_always(false);
    }
}

/// Uploads: a JPEG goes out re-encoded, without the EXIF segment (camera, time, GPS).
mod upload {
    use super::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

    async fn bytes(blob: &Blob) -> Vec<u8> {
        let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
        js_sys::Uint8Array::new(&buffer).to_vec()
    }

    fn blob(bytes: &[u8]) -> Blob {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        Blob::new_with_u8_array_sequence(&parts).unwrap()
    }

    /// A JPEG as the browser encodes one: JFIF, no EXIF.
    async fn canvas_jpeg(width: u32, height: u32) -> Vec<u8> {
        let canvas = OffscreenCanvas::new(width, height).unwrap();
        let context: OffscreenCanvasRenderingContext2d =
            canvas.get_context("2d").unwrap().unwrap().unchecked_into();
        context.fill_rect(0.0, 0.0, f64::from(width) / 2.0, f64::from(height));
        let options = ImageEncodeOptions::new();
        options.set_type("image/jpeg");
        let jpeg = JsFuture::from(canvas.convert_to_blob_with_options(&options).unwrap())
            .await
            .unwrap();
        bytes(jpeg.unchecked_ref()).await
    }

    /// An APP1 segment as cameras write it: `Exif\0\0`, a big-endian TIFF header, IFD0
    /// pointing at a GPS IFD that holds GPSLatitudeRef = "N".
    #[rustfmt::skip]
    const EXIF_APP1: &[u8] = &[
        0xFF, 0xE1, 0x00, 0x34,
        b'E', b'x', b'i', b'f', 0, 0,
        b'M', b'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
        0x00, 0x01, 0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1A,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];

    fn has_exif(bytes: &[u8]) -> bool {
        bytes.windows(6).any(|w| w == b"Exif\0\0")
    }

    #[wasm_bindgen_test]
    async fn a_jpeg_goes_out_without_exif_and_bounded() {
        let plain = canvas_jpeg(3000, 40).await;
        assert_eq!(&plain[..2], &[0xFF, 0xD8]);
        let mut tagged = plain[..2].to_vec();
        tagged.extend_from_slice(EXIF_APP1);
        tagged.extend_from_slice(&plain[2..]);
        assert!(has_exif(&tagged));

        // No type given: the bytes say JPEG.
        let (ready, media_type) = kith::net::upload::prepare(&blob(&tagged)).await.unwrap();
        assert_eq!(media_type, "image/jpeg");
        let out = bytes(&ready).await;
        assert_eq!(&out[..3], &[0xFF, 0xD8, 0xFF]);
        assert!(!has_exif(&out), "the EXIF segment is gone");
        let window = web_sys::window().unwrap();
        let bitmap: web_sys::ImageBitmap =
            JsFuture::from(window.create_image_bitmap_with_blob(&ready).unwrap())
                .await
                .unwrap()
                .unchecked_into();
        assert_eq!((bitmap.width(), bitmap.height()), (2560, 34));
    }

    #[wasm_bindgen_test]
    async fn a_jpeg_that_cannot_be_decoded_is_not_uploaded_at_all() {
        let mut broken = vec![0xFF, 0xD8];
        broken.extend_from_slice(EXIF_APP1);
        broken.extend_from_slice(b"not image data");
        let refused = kith::net::upload::prepare(&blob(&broken)).await;
        let why = refused.expect_err("no original with its EXIF goes out");
        assert!(why.contains("could not be read"), "{why}");
    }
}

/// **Change avatar**: the picture's centred square, at most 192 px a side, as PNG (JPEG
/// for a photo), drawn by the browser's canvas.
mod avatar {
    use super::*;
    use kith::net::upload::avatar;
    use wasm_bindgen::Clamped;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, ImageData, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

    fn canvas(width: u32, height: u32) -> (OffscreenCanvas, OffscreenCanvasRenderingContext2d) {
        let canvas = OffscreenCanvas::new(width, height).unwrap();
        let context = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
        (canvas, context)
    }

    async fn png(canvas: &OffscreenCanvas) -> Blob {
        JsFuture::from(canvas.convert_to_blob().unwrap())
            .await
            .unwrap()
            .unchecked_into()
    }

    /// The picture `width` × `height`: red, with a green square in its centre.
    async fn picture(width: u32, height: u32) -> Blob {
        let (canvas, context) = canvas(width, height);
        context.set_fill_style_str("#f00");
        context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
        let side = width.min(height);
        context.set_fill_style_str("#0f0");
        context.fill_rect(
            f64::from((width - side) / 2),
            f64::from((height - side) / 2),
            f64::from(side),
            f64::from(side),
        );
        png(&canvas).await
    }

    /// The image's size and RGBA pixels, as the browser decodes it.
    async fn pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let blob = Blob::new_with_u8_array_sequence(&parts).unwrap();
        let window = web_sys::window().unwrap();
        let bitmap: web_sys::ImageBitmap =
            JsFuture::from(window.create_image_bitmap_with_blob(&blob).unwrap())
                .await
                .unwrap()
                .unchecked_into();
        let (w, h) = (bitmap.width(), bitmap.height());
        let (_, context) = canvas(w, h);
        context
            .draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)
            .unwrap();
        let data = context
            .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
            .unwrap();
        (w, h, data.data().0)
    }

    #[wasm_bindgen_test]
    async fn a_wide_picture_becomes_its_centred_square_at_192_px() {
        let image = avatar(&picture(900, 300).await).await.unwrap();
        assert_eq!(image.type_, "image/png");
        assert_eq!((image.width, image.height), (192, 192));
        assert_eq!(&image.bytes[1..4], b"PNG");
        let (w, h, rgba) = pixels(&image.bytes).await;
        assert_eq!((w, h), (192, 192), "what the image says is what it is");
        // Resampling may borrow from just outside the square at its edges: inside, only
        // the green centre is left, the red sides are cut away.
        for y in 2..190 {
            for x in 2..190 {
                let at = (y * 192 + x) * 4;
                let (r, g) = (rgba[at], rgba[at + 1]);
                assert!(g > 200 && r < 50, "({x}, {y}) is rgb({r}, {g}, _)");
            }
        }
    }

    #[wasm_bindgen_test]
    async fn a_small_tall_picture_is_cropped_and_never_enlarged() {
        let image = avatar(&picture(60, 100).await).await.unwrap();
        assert_eq!((image.width, image.height), (60, 60));
        let (w, h, rgba) = pixels(&image.bytes).await;
        assert_eq!((w, h), (60, 60));
        let centre = (30 * 60 + 30) * 4;
        assert!(rgba[centre + 1] > 200 && rgba[centre] < 50);
    }

    #[wasm_bindgen_test]
    async fn a_photo_goes_as_jpeg_to_stay_small() {
        // Noise compresses as badly as a photo, worse.
        let side = 400u32;
        let mut seed = 0x2545_f491u32;
        let noise: Vec<u8> = (0..side * side * 4)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                if i % 4 == 3 {
                    255
                } else {
                    seed as u8
                }
            })
            .collect();
        let (canvas, context) = canvas(side, side);
        let data = ImageData::new_with_u8_clamped_array(Clamped(&noise), side).unwrap();
        context.put_image_data(&data, 0.0, 0.0).unwrap();
        let image = avatar(&png(&canvas).await).await.unwrap();
        assert_eq!(image.type_, "image/jpeg");
        assert_eq!(&image.bytes[..3], &[0xFF, 0xD8, 0xFF]);
        assert!(image.bytes.len() < 64 * 1024, "{}", image.bytes.len());
        let (w, h, _) = pixels(&image.bytes).await;
        assert_eq!((w, h), (192, 192));
    }

    #[wasm_bindgen_test]
    async fn what_is_no_image_is_refused_with_a_sentence() {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&b"not an image"[..]));
        let blob = Blob::new_with_u8_array_sequence(&parts).unwrap();
        let why = avatar(&blob).await.expect_err("nothing to publish");
        assert!(why.contains("could not be read"), "{why}");
    }
}

/// Routes are links people keep: their encoding must not change, and a mangled one
/// falls back to the feed instead of naming another post.
#[wasm_bindgen_test]
fn routes_keep_their_encoding() {
    use kith::service::feed::ItemKey;
    use kith::state::Route;

    assert_eq!(Route::Profile.href(), "#/profile");
    assert_eq!(Route::from_hash("#/profile"), Route::Profile);
    let person = Route::Person("me@x.example".into());
    assert_eq!(person.href(), "#/person/me@x.example");
    assert_eq!(Route::from_hash(&person.href()), person);
    let post = Route::Post(ItemKey {
        service: "pubsub.x.example".into(),
        node: "urn:xmpp:microblog:0".into(),
        id: "a/b c#d%e?♥".into(),
    });
    assert_eq!(
        post.href(),
        "#/post/pubsub.x.example/a%2Fb%20c%23d%25e%3F%E2%99%A5"
    );
    assert_eq!(Route::from_hash(&post.href()), post);
    for mangled in ["#/person/%zz", "#/person/a%4", "#/post/x/%FF", "#/post/%/x"] {
        assert_eq!(Route::from_hash(mangled), Route::Feed, "{mangled}");
    }
}

mod chat {
    use super::*;
    use kith::service::chat::{ChatMessage, Delivery};
    use kith::state::chat::OpenConversation;
    use kith::ui::chat::ConversationScreen;

    fn message(i: usize) -> ChatMessage {
        ChatMessage {
            id: format!("m{i}"),
            archive_id: None,
            outgoing: i.is_multiple_of(3),
            // A minute apart, some days long.
            time: 1_780_000_000_000.0 + i as f64 * 60_000.0,
            body: format!("Message number {i}"),
            edited: false,
            retracted: false,
            reply_to: None,
            attachment: None,
            reactions: [vec![], vec![]],
            delivery: Delivery::Sent,
            markable: false,
            nick: None,
            mentions_me: false,
        }
    }

    fn rendered(root: &Element) -> Vec<Element> {
        let list = root
            .query_selector("ul[aria-label='Messages']")
            .unwrap()
            .expect("a list named Messages");
        query_all(&list, "li[aria-posinset]")
    }

    #[wasm_bindgen_test]
    async fn ten_thousand_messages_render_a_window_that_opens_at_the_newest_and_slides() {
        let root = container();
        let state = AppState::new();
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            kith::app::App::provide(state);
            view! { <ConversationScreen peer="juliet@example.com".to_owned()/> }
        });
        tick().await;
        let started = js_sys::Date::now();
        state.chat.open.set(OpenConversation {
            peer: "juliet@example.com".into(),
            messages: (0..10_000).map(message).collect(),
            typing: false,
        });
        // Drawn, scrolled to the newest, measured, drawn again.
        for _ in 0..4 {
            tick().await;
        }
        web_sys::console::log_1(
            &format!(
                "10,000-message conversation drawn in {} ms",
                js_sys::Date::now() - started
            )
            .into(),
        );
        let items = rendered(&root);
        assert!(
            !items.is_empty() && items.len() <= 48,
            "a window renders, got {}",
            items.len()
        );
        let positions: Vec<usize> = items
            .iter()
            .map(|i| i.get_attribute("aria-posinset").unwrap().parse().unwrap())
            .collect();
        for item in &items {
            assert_eq!(item.get_attribute("aria-setsize").as_deref(), Some("10000"));
        }
        assert_eq!(*positions.last().unwrap(), 10_000, "opens at the newest");
        assert!(
            positions.windows(2).all(|w| w[1] == w[0] + 1),
            "{positions:?}"
        );
        let last = items.last().unwrap().text_content().unwrap();
        assert!(last.contains("Message number 9999"), "{last}");

        // Scrolled to the top, the window slides there: the oldest, and still a window.
        web_sys::window().unwrap().scroll_to_with_x_and_y(0.0, 0.0);
        for _ in 0..4 {
            tick().await;
        }
        let items = rendered(&root);
        assert!(items.len() <= 48, "{}", items.len());
        assert_eq!(
            items[0].get_attribute("aria-posinset").as_deref(),
            Some("1")
        );
        assert!(items[0]
            .text_content()
            .unwrap()
            .contains("Message number 0"));

        // A message arriving keeps the count true on every row.
        state.chat.open.update(|o| o.messages.push(message(10_000)));
        tick().await;
        for item in rendered(&root) {
            assert_eq!(item.get_attribute("aria-setsize").as_deref(), Some("10001"));
        }
    }
}

mod avatars {
    use super::*;
    use kith::proto::xep0084::sha1_hex;
    use kith::state::people::PersonView;
    use kith::ui::avatar::Avatar;

    /// A 1×1 PNG.
    const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    fn png() -> Vec<u8> {
        kith::proto::base64::decode(PNG).unwrap()
    }

    fn face(hash: &str) -> PersonView {
        PersonView {
            avatar: Some(hash.into()),
            ..Default::default()
        }
    }

    fn number(el: &Element, name: &str) -> f64 {
        js_sys::Reflect::get(el, &name.into())
            .unwrap()
            .as_f64()
            .unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn a_cached_avatar_is_an_image_named_by_the_person() {
        let root = container();
        let state = AppState::new();
        let hash = sha1_hex(&png());
        state.people.set("bob@example.org", face(&hash));
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            kith::app::App::provide(state);
            view! { <Avatar jid="bob@example.org" name="Bob"/> }
        });
        tick().await;
        // Not read yet: his initials, on his colour, named by his name.
        let initials = root.query_selector("[role='img']").unwrap().unwrap();
        assert_eq!(initials.get_attribute("aria-label").as_deref(), Some("Bob"));
        assert_eq!(initials.text_content().unwrap(), "B");
        // The image in the cache, by its hash: shown wherever that hash is his.
        state.people.show_image(&hash, "image/png", &png());
        tick().await;
        let img = root.query_selector("img").unwrap().expect("an img");
        assert_eq!(img.get_attribute("alt").as_deref(), Some("Bob"));
        let src = img.get_attribute("src").unwrap();
        assert!(src.starts_with("blob:"), "{src}");
        for _ in 0..20 {
            if number(&img, "naturalWidth") > 0.0 {
                break;
            }
            sleep(20).await;
        }
        assert_eq!(number(&img, "naturalWidth"), 1.0, "the picture decodes");
        // The same hash again costs nothing: one URL, and the store is not asked.
        state.people.show_image(&hash, "image/png", &png());
        assert_eq!(state.people.url(&hash).as_deref(), Some(src.as_str()));
        assert!(!state.people.wants(&hash));
        assert!(state.people.wants("b".repeat(40).as_str()));
        assert!(!state.people.wants("b".repeat(40).as_str()), "asked once");
    }

    #[wasm_bindgen_test]
    async fn without_a_picture_a_hostile_name_is_only_text() {
        let root = container();
        let state = AppState::new();
        let name = "<img src=x onerror=alert(1)><script>alert(2)</script>\u{202E}evil";
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            kith::app::App::provide(state);
            view! { <Avatar jid="mallory@evil.example" name=name/> }
        });
        tick().await;
        let face = root.query_selector("[role='img']").unwrap().unwrap();
        assert_eq!(face.get_attribute("aria-label").as_deref(), Some(name));
        assert!(root.query_selector("img, script").unwrap().is_none());
        assert_eq!(
            face.text_content().unwrap(),
            "is",
            "the first letters of its first two words"
        );
        // The colour of the JID: XEP-0392's hue, in the stylesheet's 24 steps of 15°,
        // and no inline style.
        let expected = kith::proto::xep0392::hue_degrees("mallory@evil.example") / 15 % 24;
        assert_eq!(face.get_attribute("data-hue"), Some(expected.to_string()));
        assert!(face.get_attribute("style").is_none());
    }

    #[wasm_bindgen_test]
    async fn a_contact_row_shows_the_contacts_face_named_by_the_row() {
        let root = container();
        let state = AppState::new();
        let mut data = rows(2);
        data[0].name = "Juliet".into();
        let jid = data[0].jid.clone();
        state.contacts.set(data);
        let hash = sha1_hex(&png());
        state.people.set(&jid, face(&hash));
        state.people.show_image(&hash, "image/png", &png());
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            kith::app::App::provide(state);
            view! { <ContactsScreen/> }
        });
        tick().await;
        let items = query_all(&root, "li.contact");
        let img = items[0].query_selector("img").unwrap().expect("her face");
        assert_eq!(img.get_attribute("alt").as_deref(), Some("Juliet"));
        // The other has no picture: initials, named by the row's name.
        let other = items[1].query_selector("[role='img']").unwrap().unwrap();
        assert_eq!(
            other.get_attribute("aria-label").as_deref(),
            Some("Contact 00001")
        );
    }
}
