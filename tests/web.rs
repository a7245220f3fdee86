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
        provide_context(state);
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
        provide_context(state);
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
async fn malformed_jid_is_refused_inline_before_connecting() {
    let root = container();
    let state = AppState::new();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
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
    sleep(200).await;
    let alert = root
        .query_selector("[role='alert']")
        .unwrap()
        .expect("an inline error");
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
