//! The sign-in form `index.html` carries, for the seconds before the app runs: a first
//! visit on a slow network types there while the wasm downloads and compiles. When the
//! app's own sign-in screen mounts, it takes over everything the person did there (what
//! was typed, the focused field and its caret, a Sign in already pressed, which
//! `assets/signin.js` marks with `data-submitted`) and removes that copy, so that only
//! one form is ever on the page.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

/// The static copy's `<main>` (index.html).
const STATIC_ID: &str = "login-static";

/// What the person did in the static form.
#[derive(Default)]
pub struct Typed {
    pub jid: String,
    pub password: String,
    pub remember: bool,
    pub focus: Option<Focus>,
    /// Sign in (or Enter) was pressed before the app arrived.
    pub submitted: bool,
}

/// The focused control, with the caret (or selection) of a text field.
pub enum Focus {
    Jid(Option<Selection>),
    Password(Option<Selection>),
    Remember,
    SignIn,
}

pub struct Selection {
    start: u32,
    end: u32,
    direction: Option<String>,
}

impl Selection {
    fn of(input: &HtmlInputElement) -> Option<Self> {
        Some(Self {
            start: input.selection_start().ok()??,
            end: input.selection_end().ok()??,
            direction: input.selection_direction().ok().flatten(),
        })
    }

    /// Puts the caret (or selection) back, in a field holding the same text.
    pub fn restore(&self, input: &HtmlInputElement) {
        let _ = match &self.direction {
            Some(d) => input.set_selection_range_with_direction(self.start, self.end, d),
            None => input.set_selection_range(self.start, self.end),
        };
    }
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn input(within: &Element, selector: &str) -> Option<HtmlInputElement> {
    within.query_selector(selector).ok()??.dyn_into().ok()
}

/// Reads what was done in the static form and removes it; `None` when the page has none
/// (it was taken over already, or a test mounted the app on a bare page).
pub fn take() -> Option<Typed> {
    let document = document()?;
    let main = document.get_element_by_id(STATIC_ID)?;
    let jid = input(&main, "#login-jid");
    let password = input(&main, "#login-password");
    let remember = input(&main, "input[type=checkbox]");
    let button = main.query_selector("button").ok().flatten();
    let active = document.active_element();
    let is = |field: Option<&Element>| matches!((field, &active), (Some(f), Some(a)) if a == f);
    let focused = |field: &Option<HtmlInputElement>| is(field.as_ref().map(|f| f.unchecked_ref()));
    let focus = if focused(&jid) {
        jid.as_ref().map(|f| Focus::Jid(Selection::of(f)))
    } else if focused(&password) {
        password.as_ref().map(|f| Focus::Password(Selection::of(f)))
    } else if focused(&remember) {
        Some(Focus::Remember)
    } else if is(button.as_ref()) {
        Some(Focus::SignIn)
    } else {
        None
    };
    let typed = Typed {
        jid: jid.map(|f| f.value()).unwrap_or_default(),
        password: password.map(|f| f.value()).unwrap_or_default(),
        remember: remember.is_some_and(|f| f.checked()),
        focus,
        submitted: main
            .query_selector("form[data-submitted]")
            .ok()
            .flatten()
            .is_some(),
    };
    main.remove();
    Some(typed)
}

/// Removes the static form unread: a remembered account opens without signing in.
pub fn discard() {
    if let Some(main) = document().and_then(|d| d.get_element_by_id(STATIC_ID)) {
        main.remove();
    }
}
