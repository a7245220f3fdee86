//! A signed-in client fed arbitrary sequences of frames, timeouts and reconnections:
//! it must never panic, and it must end at most once.
#![no_main]

use kith::service::{Client, Update};
use kith::xmpp::testing::{config, sign_in_offering, BIND_SM_FEATURES, NONCE};
use kith::xmpp::Instant;
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use std::sync::OnceLock;

fn drain(client: &mut Client, closed: &mut u32) -> Vec<Element> {
    let sent = std::iter::from_fn(|| client.poll_transmit())
        .map(|f| f.parse::<Element>().expect("the client only sends well-formed XML"))
        .collect();
    while let Some(update) = client.poll_update() {
        if let Update::Closed(_) = update {
            *closed += 1;
        }
    }
    sent
}

/// Signed in once (SCRAM's PBKDF2 would otherwise dominate every run), cloned per input.
fn signed_in() -> Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            // A small frame limit, so that inputs reach the skipping of oversized stanzas.
            let mut config = config();
            config.max_frame_bytes = 512;
            let mut client = Client::new(config);
            let mut closed = 0;
            client.handle_connected(Instant(0), NONCE);
            sign_in_offering(BIND_SM_FEATURES, |frame| {
                client.handle_frame(Instant(0), frame);
                drain(&mut client, &mut closed)
            });
            client
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut client = signed_in();
    let mut closed = 0;
    let mut now = 0u64;
    // Steps are separated by NUL; a step's first byte may pick a non-frame input.
    for step in data.split(|b| *b == 0) {
        now += 1 + u64::from(step.first().copied().unwrap_or(0)) * 500;
        match step.first() {
            Some(1) => client.handle_timeout(Instant(now)),
            Some(2) => client.handle_disconnected(Instant(now)),
            Some(3) => client.handle_connected(Instant(now), NONCE),
            Some(4) => client.close(Instant(now)),
            _ => {
                if let Ok(frame) = std::str::from_utf8(step) {
                    client.handle_frame(Instant(now), frame);
                }
            }
        }
        drain(&mut client, &mut closed);
        assert!(closed <= 1, "Closed is final and said once");
    }
});
