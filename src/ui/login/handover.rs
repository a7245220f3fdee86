//! The sign-in form `index.html` carries, for the seconds before the app runs: a first
//! visit on a slow network types there while the wasm downloads and compiles. When the
//! app's own sign-in screen mounts, it takes over everything the person did there (what
//! was typed, the focused control with its caret, a Sign in already pressed, which
//! `assets/signin.js` marks with `data-submitted`) and removes that copy, so that only
//! one form is ever on the page. A remembered account removes it unread ([`discard`]).
//!
//! index.html's copy must stay the twin of [`super::LoginScreen`]'s markup: same ids,
//! labels and structure (tests/e2e/signin-early.test.mjs compares them). `signin.js` is a
//! file because the Content-Security-Policy allows no inline script; should it not run,
//! the policy's `form-action 'none'` still keeps the form from going anywhere. Plain DOM
//! calls by selector here, no node refs: those would grow the typed view code.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

/// The static copy's `<main>` (index.html).
const STATIC_ID: &str = "login-static";
// Selectors that find a control in either form (both are `main.login`), from the static
// copy's `<main>` as from the page's body.
const JID: &str = "main.login #login-jid";
const PASSWORD: &str = "main.login #login-password";
const REMEMBER: &str = "main.login input[type=checkbox]";
/// The controls focus can be in.
const FOCUSABLE: [&str; 4] = [JID, PASSWORD, REMEMBER, "main.login button"];

/// What the person did in the static form.
#[derive(Default)]
pub struct Typed {
    pub jid: String,
    pub password: String,
    pub remember: bool,
    /// Sign in (or Enter) was pressed before the app arrived.
    pub submitted: bool,
    /// The focused control, with the caret (or selection) of a text field.
    focus: Option<(&'static str, Option<(u32, u32)>)>,
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn find(within: &Element, selector: &str) -> Option<Element> {
    within.query_selector(selector).ok()?
}

fn input(within: &Element, selector: &str) -> Option<HtmlInputElement> {
    find(within, selector)?.dyn_into().ok()
}

/// Reads what was done in the static form and removes it; `None` when the page has none
/// (it was taken over already, or a test mounted the app on a bare page).
pub fn take() -> Option<Typed> {
    let document = document()?;
    let main = document.get_element_by_id(STATIC_ID)?;
    let active = document.active_element();
    let focus = FOCUSABLE.into_iter().find_map(|selector| {
        let control = find(&main, selector)?;
        (Some(&control) == active.as_ref()).then(|| {
            let caret = control
                .dyn_into::<HtmlInputElement>()
                .ok()
                .and_then(|i| Some((i.selection_start().ok()??, i.selection_end().ok()??)));
            (selector, caret)
        })
    });
    let typed = Typed {
        jid: input(&main, JID).map(|f| f.value()).unwrap_or_default(),
        password: input(&main, PASSWORD)
            .map(|f| f.value())
            .unwrap_or_default(),
        remember: input(&main, REMEMBER).is_some_and(|f| f.checked()),
        submitted: find(&main, "form[data-submitted]").is_some(),
        focus,
    };
    main.remove();
    Some(typed)
}

/// Once the app's form is on the page: the focus and caret where they were.
pub fn restore_focus(typed: &Typed) {
    let Some((selector, caret)) = typed.focus else {
        return;
    };
    let Some(control) = document()
        .and_then(|d| d.body())
        .and_then(|b| find(&b, selector))
    else {
        return;
    };
    if let Some(control) = control.dyn_ref::<HtmlElement>() {
        let _ = control.focus();
    }
    if let (Some((start, end)), Some(input)) = (caret, control.dyn_ref::<HtmlInputElement>()) {
        // The field may not hold its text yet (the binding fills it in an effect of its
        // own), and a new value puts the caret at the end: give it the text first, so
        // the binding's later write changes nothing.
        match selector {
            JID => input.set_value(&typed.jid),
            PASSWORD => input.set_value(&typed.password),
            _ => {}
        }
        let _ = input.set_selection_range(start, end);
    }
}

/// Removes the static form unread: a remembered account opens without signing in.
pub fn discard() {
    if let Some(main) = document().and_then(|d| d.get_element_by_id(STATIC_ID)) {
        main.remove();
    }
}
