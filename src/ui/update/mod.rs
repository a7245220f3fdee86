//! "Update available — Reload": shown when a new deployment of Kith has been downloaded
//! and waits (see [`crate::net::worker`]). Nothing changes until the person clicks, so a
//! message being written is never lost to a surprise reload.

use leptos::prelude::*;

use crate::net::worker;

/// Registers the service worker when mounted; renders nothing until an update waits.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let waiting = RwSignal::new(false);
    // try_set: the worker outlives this component, and may call after it is gone.
    worker::register(move || {
        let _ = waiting.try_set(true);
    });

    view! {
        <Show when=move || waiting.get()>
            <div role="status" class="update-banner">
                "Update available — "
                <button type="button" on:click=|_| worker::apply_update()>
                    "Reload"
                </button>
            </div>
        </Show>
    }
}
