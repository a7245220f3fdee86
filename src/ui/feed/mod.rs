//! The social feed. Reading and writing posts (XEP-0277) arrive with the feed issue;
//! until then the screen says so plainly.

use leptos::prelude::*;

#[component]
pub fn FeedScreen() -> impl IntoView {
    view! {
        <section class="feed" aria-labelledby="feed-heading">
            <h2 id="feed-heading">"Feed"</h2>
            <p class="empty">"Posts from you and your contacts will appear here. The feed is not built yet."</p>
        </section>
    }
}
