//! XEP-0198 Stream Management bookkeeping: the handled-stanza counters and the queue of
//! stanzas the server has not acknowledged yet. The session decides when to use it.

use std::collections::VecDeque;

use super::time::Instant;

/// A stanza we sent that the server has not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unacked {
    pub frame: String,
    pub sent_at: Instant,
}

/// The server acknowledged more stanzas than we sent (XEP-0198 §4, `handled-count-too-high`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverAck {
    pub h: u32,
    pub sent: u32,
}

/// Counters run modulo 2^32 (XEP-0198 §4: "h" wraps to zero after 2^32 - 1).
#[derive(Clone, Debug, Default)]
pub struct AckState {
    /// Stanzas handled from the server since `<enabled/>`: what we answer `<r/>` with.
    inbound: u32,
    /// The server's last `h`: how many of ours it has handled.
    acked: u32,
    /// Stanzas we sent since `<enable/>`.
    sent: u32,
    /// Our `sent` count when we last asked for an ack.
    requested_at: u32,
    /// An `<r/>` is out and its `<a/>` not in yet.
    awaiting: bool,
    unacked: VecDeque<Unacked>,
}

impl AckState {
    /// Starts counting from zero both ways, as after `<enable/>` / `<enabled/>`.
    pub fn new() -> Self {
        AckState::default()
    }

    pub fn inbound(&self) -> u32 {
        self.inbound
    }

    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// One message, presence or iq from the server was handled.
    pub fn on_inbound_stanza(&mut self) {
        self.inbound = self.inbound.wrapping_add(1);
    }

    /// One message, presence or iq went to the server.
    pub fn on_sent(&mut self, frame: String, now: Instant) {
        self.sent = self.sent.wrapping_add(1);
        self.unacked.push_back(Unacked {
            frame,
            sent_at: now,
        });
    }

    /// Applies the server's `h` (from `<a/>`, `<resumed/>` or `<failed/>`), dropping what it
    /// confirms, which it returns. An `h` behind the last one is treated as a stale repeat.
    pub fn on_ack(&mut self, h: u32) -> Result<Vec<Unacked>, OverAck> {
        let newly = h.wrapping_sub(self.acked) as usize;
        if newly > self.unacked.len() {
            // Either more than we sent, or an old h wrapped around: both are errors the
            // server made, and trusting either would drop stanzas it never handled.
            return Err(OverAck { h, sent: self.sent });
        }
        let confirmed = self.unacked.drain(..newly).collect();
        self.acked = h;
        self.awaiting = false;
        Ok(confirmed)
    }

    /// Whether stanzas went out since the last `<r/>` and that one was answered: the
    /// session then asks again. One `<r/>` at a time: while a sync sends a request per
    /// answer, one per answer would cost the server an `<a/>` each (XEP-0198 §4 leaves
    /// when to ask to the client); what went out meanwhile is asked about once the
    /// `<a/>` is in.
    pub fn wants_ack_request(&self) -> bool {
        !self.awaiting && self.sent != self.requested_at && !self.unacked.is_empty()
    }

    pub fn ack_requested(&mut self) {
        self.requested_at = self.sent;
        self.awaiting = true;
    }

    pub fn unacked_len(&self) -> usize {
        self.unacked.len()
    }

    /// After a resumption: what to send again, oldest first. They stay counted as sent,
    /// so a later `h` covers them where it would have covered the originals.
    pub fn unacked(&self) -> impl Iterator<Item = &Unacked> {
        self.unacked.iter()
    }

    /// After a failed resumption: everything unacknowledged leaves, to be sent on a new
    /// stream whose counters start again.
    pub fn take_unacked(&mut self) -> Vec<Unacked> {
        self.unacked.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(state: &mut AckState, n: usize) {
        for i in 0..n {
            state.on_sent(format!("<message id='{i}'/>"), Instant(i as u64));
        }
    }

    #[test]
    fn ack_drops_what_the_server_handled() {
        let mut s = AckState::new();
        sent(&mut s, 5);
        assert_eq!(s.on_ack(3).map(|c| c.len()), Ok(3));
        assert_eq!(s.unacked_len(), 2);
        assert_eq!(s.unacked().next().unwrap().frame, "<message id='3'/>");
        assert_eq!(
            s.on_ack(3).map(|c| c.len()),
            Ok(0),
            "a repeated h is harmless"
        );
        assert_eq!(s.on_ack(5).map(|c| c.len()), Ok(2));
        assert_eq!(s.unacked_len(), 0);
    }

    #[test]
    fn over_ack_is_refused_and_keeps_the_queue() {
        let mut s = AckState::new();
        sent(&mut s, 2);
        assert_eq!(s.on_ack(3), Err(OverAck { h: 3, sent: 2 }));
        assert_eq!(s.unacked_len(), 2);
        assert_eq!(s.on_ack(2).map(|c| c.len()), Ok(2));
    }

    #[test]
    fn counters_wrap_at_two_to_the_32() {
        let mut s = AckState {
            inbound: u32::MAX,
            acked: u32::MAX - 1,
            sent: u32::MAX - 1,
            requested_at: u32::MAX - 1,
            awaiting: false,
            unacked: VecDeque::new(),
        };
        s.on_inbound_stanza();
        assert_eq!(s.inbound(), 0);
        sent(&mut s, 3); // sent: MAX, 0, 1
        assert_eq!(s.sent(), 1);
        assert_eq!(s.on_ack(0).map(|c| c.len()), Ok(2), "h wrapped past zero");
        assert_eq!(s.unacked_len(), 1);
        assert_eq!(s.on_ack(1).map(|c| c.len()), Ok(1));
    }

    #[test]
    fn ack_requests_once_per_batch() {
        let mut s = AckState::new();
        assert!(!s.wants_ack_request());
        sent(&mut s, 2);
        assert!(s.wants_ack_request());
        s.ack_requested();
        assert!(!s.wants_ack_request());
        s.on_ack(2).unwrap();
        sent(&mut s, 1);
        assert!(s.wants_ack_request());
        s.ack_requested();
        s.on_ack(3).unwrap();
        assert!(!s.wants_ack_request(), "nothing left to confirm");
    }

    #[test]
    fn one_ack_request_at_a_time() {
        let mut s = AckState::new();
        sent(&mut s, 1);
        s.ack_requested();
        sent(&mut s, 2);
        assert!(!s.wants_ack_request(), "the first <r/> is not answered yet");
        assert_eq!(s.on_ack(1).map(|c| c.len()), Ok(1));
        assert!(
            s.wants_ack_request(),
            "the two sent meanwhile are asked about"
        );
        s.ack_requested();
        assert_eq!(s.on_ack(3).map(|c| c.len()), Ok(2));
        assert!(!s.wants_ack_request());
    }

    #[test]
    fn failed_resumption_hands_back_everything_in_order() {
        let mut s = AckState::new();
        sent(&mut s, 3);
        s.on_ack(1).unwrap();
        let left: Vec<String> = s.take_unacked().into_iter().map(|u| u.frame).collect();
        assert_eq!(left, vec!["<message id='1'/>", "<message id='2'/>"]);
        assert_eq!(s.unacked_len(), 0);
    }
}
