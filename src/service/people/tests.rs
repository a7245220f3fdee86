use super::*;
use crate::proto::xep0084::sha1_hex;

fn el(xml: &str) -> Element {
    xml.parse().unwrap()
}

fn bare(jid: &str) -> BareJid {
    BareJid::new(jid).unwrap()
}

fn jid(jid: &str) -> Jid {
    Jid::new(jid).unwrap()
}

fn romeo() -> BareJid {
    bare("romeo@montague.lit")
}

fn juliet() -> BareJid {
    bare("juliet@capulet.lit")
}

fn contacts_only(jid: &BareJid) -> bool {
    *jid == juliet()
}

fn roster(items: &str) -> Roster {
    let mut roster = Roster::default();
    roster
        .apply_result(Some(el(&format!(
            "<query xmlns='jabber:iq:roster'>{items}</query>"
        ))))
        .unwrap();
    roster
}

/// A PEP event message `from` (no attribute when `None`).
fn event(from: Option<&str>, inner: &str) -> Message {
    let from = from.map_or(String::new(), |f| format!(" from='{f}'"));
    Message::try_from(el(&format!(
        "<message xmlns='jabber:client'{from} to='romeo@montague.lit/kith' type='headline'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"
    )))
    .unwrap()
}

fn metadata_items(id: &str) -> String {
    format!(
        "<items node='urn:xmpp:avatar:metadata'><item id='{id}'>\
         <metadata xmlns='urn:xmpp:avatar:metadata'><info id='{id}' bytes='3' type='image/png' width='1' height='1'/></metadata>\
         </item></items>"
    )
}

fn nick_items(nick: &str) -> String {
    format!(
        "<items node='http://jabber.org/protocol/nick'><item id='current'>\
         <nick xmlns='http://jabber.org/protocol/nick'>{nick}</nick></item></items>"
    )
}

fn vcard_items(full_name: &str) -> String {
    format!(
        "<items node='urn:xmpp:vcard4'><item id='current'>\
         <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>{full_name}</text></fn>\
         <note><text>About her</text></note></vcard></item></items>"
    )
}

fn presence(xml: &str) -> Presence {
    Presence::try_from(el(xml)).unwrap()
}

// ---- names -------------------------------------------------------------------------

#[test]
fn the_name_rule_takes_the_first_name_there_is() {
    let juliet = juliet();
    let mut person = Person {
        nick: Some("Jules".into()),
        profile: Some(Profile {
            full_name: Some("Juliet Capulet".into()),
            ..Profile::default()
        }),
        ..Person::default()
    };
    assert_eq!(
        display_name(&juliet, Some("My love"), Some(&person)),
        "My love"
    );
    assert_eq!(display_name(&juliet, Some("  "), Some(&person)), "Jules");
    assert_eq!(display_name(&juliet, None, Some(&person)), "Jules");
    person.nick = Some(" ".into());
    assert_eq!(display_name(&juliet, None, Some(&person)), "Juliet Capulet");
    person.profile = None;
    assert_eq!(display_name(&juliet, None, Some(&person)), "juliet");
    assert_eq!(display_name(&juliet, None, None), "juliet");
    assert_eq!(
        display_name(&bare("irc.example.org"), None, None),
        "irc.example.org"
    );
    // The same rule without the last step, for screens with a better fallback.
    assert_eq!(given_name(None, Some(" Jules "), None), Some("Jules"));
    assert_eq!(given_name(Some(""), None, Some("J C")), Some("J C"));
    assert_eq!(given_name(None, Some(" "), None), None);
}

#[test]
fn initials_are_the_first_letters_of_two_words() {
    assert_eq!(initials("Juliet Capulet"), "JC");
    assert_eq!(initials("juliet"), "j");
    assert_eq!(initials("Juliet of House Capulet"), "Jo");
    assert_eq!(initials("<script>alert(1)</script>"), "s");
    assert_eq!(initials("\u{202e}evil \u{202c}name"), "en");
    assert_eq!(initials("Ωμέγα 42"), "Ω4");
    assert_eq!(initials("🙂 !!"), "");
}

#[test]
fn people_name_reads_the_roster_then_what_was_published() {
    let mut people = People::new(romeo());
    people.handle_event(
        &event(Some("juliet@capulet.lit"), &nick_items("Jules")),
        contacts_only,
    );
    let named = roster("<item jid='juliet@capulet.lit' name='Juliet' subscription='both'/>");
    assert_eq!(people.name(&juliet(), &named), "Juliet");
    let unnamed = roster("<item jid='juliet@capulet.lit' subscription='both'/>");
    assert_eq!(people.name(&juliet(), &unnamed), "Jules");
    assert_eq!(people.name(&bare("nurse@capulet.lit"), &unnamed), "nurse");
}

// ---- PEP -----------------------------------------------------------------------------

#[test]
fn pep_events_from_a_contact_set_their_avatar_nick_and_profile() {
    let mut people = People::new(romeo());
    let from = Some("juliet@capulet.lit");
    let hash = sha1_hex(b"abc");
    assert_eq!(
        people.handle_event(&event(from, &metadata_items(&hash)), contacts_only),
        Some(PersonChange::Avatar(juliet()))
    );
    assert_eq!(
        people.handle_event(&event(from, &metadata_items(&hash)), contacts_only),
        None,
        "the same avatar again changes nothing"
    );
    assert_eq!(
        people.handle_event(&event(from, &nick_items("Jules")), contacts_only),
        Some(PersonChange::Nick(juliet()))
    );
    assert_eq!(
        people.handle_event(&event(from, &vcard_items("Juliet Capulet")), contacts_only),
        Some(PersonChange::Profile(juliet()))
    );
    let person = people.get(&juliet()).unwrap();
    assert_eq!(person.avatar(), Some(hash.as_str()));
    assert_eq!(person.avatar_info().unwrap().type_, "image/png");
    assert_eq!(person.nick.as_deref(), Some("Jules"));
    assert_eq!(person.full_name(), Some("Juliet Capulet"));
    assert_eq!(
        person.profile.as_ref().unwrap().note.as_deref(),
        Some("About her")
    );

    // Removed: empty metadata, an empty nick, a retracted vCard.
    let empty = "<items node='urn:xmpp:avatar:metadata'><item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item></items>";
    assert_eq!(
        people.handle_event(&event(from, empty), contacts_only),
        Some(PersonChange::Avatar(juliet()))
    );
    people.handle_event(&event(from, &nick_items("")), contacts_only);
    let retract = "<items node='urn:xmpp:vcard4'><retract id='current'/></items>";
    assert_eq!(
        people.handle_event(&event(from, retract), contacts_only),
        Some(PersonChange::Profile(juliet()))
    );
    assert_eq!(
        people.get(&juliet()).unwrap(),
        &Person {
            pep_avatar: Some(None),
            ..Person::default()
        }
    );
}

#[test]
fn the_accounts_own_events_come_without_from_or_from_its_bare_jid() {
    let mut people = People::new(romeo());
    let nobody = |_: &BareJid| false;
    assert_eq!(
        people.handle_event(&event(None, &nick_items("Romeo")), nobody),
        Some(PersonChange::Nick(romeo()))
    );
    assert_eq!(
        people.handle_event(
            &event(Some("romeo@montague.lit"), &nick_items("R.")),
            nobody
        ),
        Some(PersonChange::Nick(romeo()))
    );
    assert_eq!(people.get(&romeo()).unwrap().nick.as_deref(), Some("R."));
}

#[test]
fn forged_pep_events_change_nobody_elses_profile() {
    let mut people = People::new(romeo());
    people.handle_event(
        &event(Some("juliet@capulet.lit"), &nick_items("Juliet")),
        contacts_only,
    );
    let anyone = |_: &BareJid| true;
    // A client (full JID) is not a PEP service, whoever's resource it is.
    for from in ["juliet@capulet.lit/balcony", "romeo@montague.lit/phone"] {
        assert_eq!(
            people.handle_event(&event(Some(from), &nick_items("Your bank")), anyone),
            None,
            "{from}"
        );
    }
    // A third party's item naming Juliet as its publisher is still the third party's.
    let claimed = "<items node='http://jabber.org/protocol/nick'><item id='current' publisher='juliet@capulet.lit'>\
        <nick xmlns='http://jabber.org/protocol/nick'>Your bank</nick></item></items>";
    people.handle_event(&event(Some("mallory@evil.example"), claimed), anyone);
    // Her server's domain does not speak for her either.
    people.handle_event(
        &event(Some("capulet.lit"), &nick_items("Your bank")),
        anyone,
    );
    assert_eq!(
        people.get(&juliet()).unwrap().nick.as_deref(),
        Some("Juliet")
    );
    assert_eq!(
        people.get(&romeo()),
        None,
        "the account's profile untouched"
    );
    // A stranger's self-description is not kept at all.
    let mut people = People::new(romeo());
    assert_eq!(
        people.handle_event(
            &event(Some("mallory@evil.example"), &nick_items("Juliet")),
            contacts_only
        ),
        None
    );
    assert_eq!(people.get(&bare("mallory@evil.example")), None);
}

#[test]
fn fetched_items_count_only_from_whom_they_were_asked() {
    let mut people = People::new(romeo());
    let result = |inner: &str| {
        el(&format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>{inner}</pubsub>"
        ))
    };
    let nick = result(
        "<items node='http://jabber.org/protocol/nick'><item id='current'>\
         <nick xmlns='http://jabber.org/protocol/nick'>Jules</nick></item></items>",
    );
    let her = jid("juliet@capulet.lit");
    for from in [
        Some(jid("mallory@evil.example")),
        Some(jid("juliet@capulet.lit/balcony")),
        None,
    ] {
        assert_eq!(people.handle_items(&juliet(), from.as_ref(), &nick), None);
    }
    assert_eq!(
        people.handle_items(&juliet(), Some(&her), &nick),
        Some(PersonChange::Nick(juliet()))
    );
    // Nothing published: no nickname.
    let none = result("<items node='http://jabber.org/protocol/nick'/>");
    assert_eq!(
        people.handle_items(&juliet(), Some(&her), &none),
        Some(PersonChange::Nick(juliet()))
    );
    assert_eq!(people.get(&juliet()).unwrap().nick, None);
    // The account's own, answered without `from`.
    assert_eq!(
        people.handle_items(&romeo(), None, &nick),
        Some(PersonChange::Nick(romeo()))
    );
    assert_eq!(
        profile_items_iq("q1", &juliet(), ns::NICK),
        Iq::from_get(
            "q1",
            el("<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/nick' max_items='1'/></pubsub>")
        )
        .with_to(her)
    );
}

#[test]
fn avatar_data_is_taken_only_from_its_owner_and_with_its_hash() {
    let people = People::new(romeo());
    let hash = sha1_hex(b"abc");
    let answer = |id: &str| {
        el(&format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>\
             <item id='{id}'><data xmlns='urn:xmpp:avatar:data'>YWJj</data></item></items></pubsub>"
        ))
    };
    let her = jid("juliet@capulet.lit");
    assert_eq!(
        people.avatar_data(&juliet(), Some(&her), &hash, &answer(&hash)),
        Some(b"abc".to_vec())
    );
    let mallory = jid("mallory@evil.example");
    assert_eq!(
        people.avatar_data(&juliet(), Some(&mallory), &hash, &answer(&hash)),
        None
    );
    // An image under an id that is not its hash: refused.
    let other = sha1_hex(b"other");
    assert_eq!(
        people.avatar_data(&juliet(), Some(&her), &other, &answer(&other)),
        None
    );
    assert_eq!(
        avatar_data_iq("a1", &juliet(), &hash),
        Iq::from_get("a1", xep0084::data_request(&hash)).with_to(her)
    );
}

#[test]
fn the_vcard_photo_counts_until_xep_0084_speaks() {
    let mut people = People::new(romeo());
    let photo = sha1_hex(b"old photo");
    let announce = |hash: &str| {
        presence(&format!(
            "<presence xmlns='jabber:client' from='juliet@capulet.lit/balcony'>\
             <x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x></presence>"
        ))
    };
    assert_eq!(
        people.handle_presence(&announce(&photo), contacts_only),
        Some(PersonChange::Avatar(juliet()))
    );
    assert_eq!(
        people.get(&juliet()).unwrap().avatar(),
        Some(photo.as_str())
    );
    // A room occupant or stranger announcing a photo is not kept.
    let stranger = presence(&format!(
        "<presence xmlns='jabber:client' from='mallory@evil.example/x'>\
         <x xmlns='vcard-temp:x:update'><photo>{photo}</photo></x></presence>"
    ));
    assert_eq!(people.handle_presence(&stranger, contacts_only), None);

    // XEP-0084 metadata wins over the photo…
    let avatar = sha1_hex(b"abc");
    let from = Some("juliet@capulet.lit");
    assert_eq!(
        people.handle_event(&event(from, &metadata_items(&avatar)), contacts_only),
        Some(PersonChange::Avatar(juliet()))
    );
    assert_eq!(
        people.get(&juliet()).unwrap().avatar(),
        Some(avatar.as_str())
    );
    assert_eq!(
        people.handle_presence(&announce(&sha1_hex(b"newer photo")), contacts_only),
        None
    );
    // …and so does its removal.
    let empty = "<items node='urn:xmpp:avatar:metadata'><item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item></items>";
    people.handle_event(&event(from, empty), contacts_only);
    assert_eq!(people.get(&juliet()).unwrap().avatar(), None);
    // Metadata pointing only at a URL is not fetched: the photo still counts.
    let remote = format!(
        "<items node='urn:xmpp:avatar:metadata'><item id='{avatar}'><metadata xmlns='urn:xmpp:avatar:metadata'>\
         <info id='{avatar}' bytes='3' type='image/png' url='https://tracker.example/a.png'/></metadata></item></items>"
    );
    people.handle_event(&event(from, &remote), contacts_only);
    assert_eq!(
        people.get(&juliet()).unwrap().avatar(),
        Some(sha1_hex(b"newer photo").as_str())
    );
}

// ---- subscriptions ---------------------------------------------------------------------

/// RFC 6121 Appendix A's state names.
fn state(name: &str) -> SubscriptionState {
    let s = |to, from, pending_out, pending_in| SubscriptionState {
        to,
        from,
        pending_out,
        pending_in,
    };
    match name {
        "None" => s(false, false, false, false),
        "None + Pending Out" => s(false, false, true, false),
        "None + Pending In" => s(false, false, false, true),
        "None + Pending Out+In" => s(false, false, true, true),
        "To" => s(true, false, false, false),
        "To + Pending In" => s(true, false, false, true),
        "From" => s(false, true, false, false),
        "From + Pending Out" => s(false, true, true, false),
        "Both" => s(true, true, false, false),
        _ => panic!("{name}"),
    }
}

const STATES: [&str; 9] = [
    "None",
    "None + Pending Out",
    "None + Pending In",
    "None + Pending Out+In",
    "To",
    "To + Pending In",
    "From",
    "From + Pending Out",
    "Both",
];

/// One column of Appendix A: the state after, for each of [`STATES`] in order
/// (`""`: no state change).
fn check(table: &str, apply: impl Fn(SubscriptionState) -> SubscriptionState, after: [&str; 9]) {
    for (before, after) in STATES.iter().zip(after) {
        let expected = if after.is_empty() { *before } else { after };
        assert_eq!(apply(state(before)), state(expected), "{table}: {before}");
    }
}

#[test]
fn outbound_subscription_presences_follow_rfc_6121_appendix_a_2() {
    use PresenceType::*;
    check(
        "A.2.1 subscribe",
        |s| s.after_sent(Subscribe),
        [
            "None + Pending Out",
            "",
            "None + Pending Out+In",
            "",
            "",
            "",
            "From + Pending Out",
            "",
            "",
        ],
    );
    check(
        "A.2.2 unsubscribe",
        |s| s.after_sent(Unsubscribe),
        [
            "",
            "None",
            "",
            "None + Pending In",
            "None",
            "None + Pending In",
            "",
            "From",
            "From",
        ],
    );
    check(
        "A.2.3 subscribed",
        |s| s.after_sent(Subscribed),
        ["", "", "From", "From + Pending Out", "", "Both", "", "", ""],
    );
    check(
        "A.2.4 unsubscribed",
        |s| s.after_sent(Unsubscribed),
        [
            "",
            "",
            "None",
            "None + Pending Out",
            "",
            "To",
            "None",
            "None + Pending Out",
            "To",
        ],
    );
}

#[test]
fn inbound_subscription_presences_follow_rfc_6121_appendix_a_3() {
    use PresenceType::*;
    check(
        "A.3.1 subscribe",
        |s| s.after_received(Subscribe),
        [
            "None + Pending In",
            "None + Pending Out+In",
            "",
            "",
            "To + Pending In",
            "",
            "",
            "",
            "",
        ],
    );
    check(
        "A.3.2 unsubscribe",
        |s| s.after_received(Unsubscribe),
        [
            "",
            "",
            "None",
            "None + Pending Out",
            "",
            "To",
            "None",
            "None + Pending Out",
            "To",
        ],
    );
    check(
        "A.3.3 subscribed",
        |s| s.after_received(Subscribed),
        ["", "To", "", "To + Pending In", "", "", "", "Both", ""],
    );
    check(
        "A.3.4 unsubscribed",
        |s| s.after_received(Unsubscribed),
        [
            "",
            "None",
            "",
            "None + Pending In",
            "None",
            "None + Pending In",
            "",
            "From",
            "From",
        ],
    );
}

#[test]
fn what_the_contacts_list_shows() {
    let shown: Vec<Option<&str>> = STATES.iter().map(|s| state(s).shown().label()).collect();
    assert_eq!(
        shown,
        [
            None,
            Some("Awaiting their answer"),
            None,
            Some("Awaiting their answer"),
            Some("You don't share"),
            Some("You don't share"),
            Some("They don't share"),
            Some("Awaiting their answer"),
            Some("Both"),
        ]
    );
    // From the roster.
    let r = roster(
        "<item jid='a@x' subscription='both'/><item jid='b@x' subscription='to'/>\
         <item jid='c@x' subscription='from'/><item jid='d@x' ask='subscribe'/>",
    );
    let shown = |j: &str| SubscriptionState::of(r.get(&bare(j)), false).shown();
    assert_eq!(shown("a@x"), Sharing::Both);
    assert_eq!(shown("b@x"), Sharing::YouDontShare);
    assert_eq!(shown("c@x"), Sharing::TheyDontShare);
    assert_eq!(shown("d@x"), Sharing::RequestPending);
    assert_eq!(shown("e@x"), Sharing::Nothing);
    // A request from someone who already sees the user is no request.
    assert!(!SubscriptionState::of(r.get(&bare("a@x")), true).pending_in);
}

#[test]
fn accepting_asks_back_unless_already_seeing_them() {
    let r = roster("<item jid='b@x' subscription='to'/><item jid='d@x' ask='subscribe'/>");
    let types = |j: &str| -> Vec<PresenceType> {
        accept(&bare(j), r.get(&bare(j)))
            .into_iter()
            .inspect(|p| assert_eq!(p.to, Some(jid(j))))
            .map(|p| p.type_)
            .collect()
    };
    use PresenceType::*;
    assert_eq!(types("stranger@x"), [Subscribed, Subscribe]);
    assert_eq!(types("b@x"), [Subscribed]);
    assert_eq!(types("d@x"), [Subscribed]);
    assert_eq!(decline(&bare("stranger@x")).type_, Unsubscribed);
}

// ---- requests ------------------------------------------------------------------------

fn subscribe(from: &str, nick: Option<&str>) -> Presence {
    let nick = nick.map_or(String::new(), |n| {
        format!("<nick xmlns='http://jabber.org/protocol/nick'>{n}</nick>")
    });
    presence(&format!(
        "<presence xmlns='jabber:client' from='{from}' type='subscribe'>{nick}</presence>"
    ))
}

#[test]
fn a_strangers_request_is_listed_with_its_claimed_nick() {
    let (mut requests, r, blocked) = (Requests::default(), Roster::default(), Blocklist::default());
    assert!(requests.handle_presence(
        &romeo(),
        &subscribe("tybalt@capulet.lit", Some("Juliet")),
        &r,
        &blocked
    ));
    assert!(!requests.handle_presence(
        &romeo(),
        &subscribe("tybalt@capulet.lit", None),
        &r,
        &blocked
    ));
    let listed: Vec<_> = requests.iter().cloned().collect();
    assert_eq!(
        listed,
        [Request {
            jid: bare("tybalt@capulet.lit"),
            nick: Some("Juliet".into())
        }]
    );
    // The claim never becomes a name.
    assert_eq!(
        People::new(romeo()).name(&bare("tybalt@capulet.lit"), &r),
        "tybalt"
    );
    // Withdrawn by them, or answered by the user: gone.
    let withdraw =
        presence("<presence xmlns='jabber:client' from='tybalt@capulet.lit' type='unsubscribe'/>");
    assert!(requests.handle_presence(&romeo(), &withdraw, &r, &blocked));
    assert!(requests.is_empty());
    requests.handle_presence(
        &romeo(),
        &subscribe("nurse@capulet.lit/kitchen", None),
        &r,
        &blocked,
    );
    assert!(requests.contains(&bare("nurse@capulet.lit")));
    assert!(requests.answered(&bare("nurse@capulet.lit")));
    assert!(requests.is_empty());
}

#[test]
fn a_request_from_a_blocked_jid_or_a_sharing_contact_is_not_listed() {
    let mut blocked = Blocklist::default();
    blocked
        .apply_result(&el(
            "<blocklist xmlns='urn:xmpp:blocking'>\
            <item jid='mallory@evil.example'/><item jid='spam.example'/></blocklist>",
        ))
        .unwrap();
    let r = roster("<item jid='juliet@capulet.lit' subscription='from'/>");
    let mut requests = Requests::default();
    for from in [
        "mallory@evil.example",
        "mallory@evil.example/bot",
        "anyone@spam.example",
        "juliet@capulet.lit",
        "romeo@montague.lit",
    ] {
        assert!(
            !requests.handle_presence(&romeo(), &subscribe(from, None), &r, &blocked),
            "{from}"
        );
    }
    assert!(requests.is_empty());
    // Blocking someone already listed drops their request.
    requests.handle_presence(
        &romeo(),
        &subscribe("tybalt@capulet.lit", None),
        &r,
        &blocked,
    );
    let push = el("<block xmlns='urn:xmpp:blocking'><item jid='tybalt@capulet.lit'/></block>");
    blocked.apply_push(&romeo(), None, &push).unwrap();
    requests.prune(&r, &blocked);
    assert!(requests.is_empty());
}

#[test]
fn requests_stay_bounded() {
    let (mut requests, r, blocked) = (Requests::default(), Roster::default(), Blocklist::default());
    for i in 0..MAX_REQUESTS + 100 {
        requests.handle_presence(
            &romeo(),
            &subscribe(&format!("s{i}@flood.example"), None),
            &r,
            &blocked,
        );
    }
    assert_eq!(requests.len(), MAX_REQUESTS);
}

// ---- blocking ------------------------------------------------------------------------

#[test]
fn blocking_matches_jids_as_privacy_lists_do() {
    let mut blocked = Blocklist::default();
    blocked
        .apply_result(&el(
            "<blocklist xmlns='urn:xmpp:blocking'>\
            <item jid='mallory@evil.example'/><item jid='iago@venice.lit/phone'/>\
            <item jid='spam.example'/><item jid='relay.example/bot'/></blocklist>",
        ))
        .unwrap();
    for (who, is) in [
        ("mallory@evil.example", true),
        ("mallory@evil.example/any", true),
        ("iago@venice.lit/phone", true),
        ("iago@venice.lit/laptop", false),
        ("iago@venice.lit", false),
        ("anyone@spam.example/x", true),
        ("spam.example", true),
        ("relay.example/bot", true),
        // XEP-0016 §2.1 tries `domain/resource` for any sender of that domain.
        ("someone@relay.example/bot", true),
        ("someone@relay.example/other", false),
        ("relay.example", false),
        ("juliet@capulet.lit", false),
        ("evil.example", false),
    ] {
        assert_eq!(blocked.is_blocked(&jid(who)), is, "{who}");
    }
    assert_eq!(blocked.len(), 4);
}

#[test]
fn blocklist_pushes_change_the_set_and_forged_ones_do_not() {
    let mut blocked = Blocklist::default();
    let block = el("<block xmlns='urn:xmpp:blocking'><item jid='mallory@evil.example'/></block>");
    assert!(blocked.apply_push(&romeo(), None, &block).is_ok());
    assert!(blocked.is_blocked(&jid("mallory@evil.example")));
    // Mallory unblocking herself, from her JID or a resource of the account.
    let unblock = el("<unblock xmlns='urn:xmpp:blocking'/>");
    for from in ["mallory@evil.example", "romeo@montague.lit/other"] {
        assert_eq!(
            blocked.apply_push(&romeo(), Some(&jid(from)), &unblock),
            Err(PushRejected::ForeignSender(jid(from)))
        );
    }
    assert!(blocked.is_blocked(&jid("mallory@evil.example")));
    let own = jid("romeo@montague.lit");
    blocked
        .apply_push(
            &romeo(),
            None,
            &el("<block xmlns='urn:xmpp:blocking'><item jid='a@x'/></block>"),
        )
        .unwrap();
    let one = el("<unblock xmlns='urn:xmpp:blocking'><item jid='a@x'/></unblock>");
    blocked.apply_push(&romeo(), Some(&own), &one).unwrap();
    assert_eq!(
        blocked.jids().collect::<Vec<_>>(),
        [&jid("mallory@evil.example")]
    );
    // Unblock with no items: everyone.
    blocked.apply_push(&romeo(), Some(&own), &unblock).unwrap();
    assert!(blocked.is_empty());
    assert_eq!(
        block_iq("b1", &jid("mallory@evil.example")),
        Iq::from_set(
            "b1",
            el("<block xmlns='urn:xmpp:blocking'><item jid='mallory@evil.example'/></block>")
        )
    );
    assert_eq!(
        unblock_iq("b2", &jid("mallory@evil.example")),
        Iq::from_set(
            "b2",
            el("<unblock xmlns='urn:xmpp:blocking'><item jid='mallory@evil.example'/></unblock>")
        )
    );
    assert_eq!(
        blocklist_iq("b3"),
        Iq::from_get("b3", el("<blocklist xmlns='urn:xmpp:blocking'/>"))
    );
}

// ---- own profile writes --------------------------------------------------------------

fn counter() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("w{n}")
    }
}

const OPEN_OPTIONS: &str = "<publish-options><x xmlns='jabber:x:data' type='submit'>\
    <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
    <field var='pubsub#access_model'><value>open</value></field></x></publish-options>";

fn publish(id: &str, node: &str, item: &str, payload: &str) -> Element {
    el(&format!(
        "<iq xmlns='jabber:client' id='{id}' type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
         <publish node='{node}'><item id='{item}'>{payload}</item></publish>{OPEN_OPTIONS}</pubsub></iq>"
    ))
}

#[test]
fn an_avatar_is_published_data_first_then_metadata_with_its_hash() {
    let image = AvatarImage {
        bytes: b"\x89PNG...".to_vec(),
        type_: "image/png".into(),
        width: 192,
        height: 192,
    };
    let hash = sha1_hex(&image.bytes);
    let entries = compose_avatar(&romeo(), Some(&image), Access::Open, true, &mut counter());
    let ids: Vec<_> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["w1", "w2", "w3"]);
    assert!(
        entries.iter().all(|e| e.queue == AVATAR_QUEUE),
        "one queue keeps the order"
    );
    let data = crate::proto::base64::encode(&image.bytes);
    assert_eq!(
        el(&entries[0].payload),
        publish(
            "w1",
            ns::AVATAR_DATA,
            &hash,
            &format!("<data xmlns='urn:xmpp:avatar:data'>{data}</data>")
        )
    );
    assert_eq!(
        el(&entries[1].payload),
        publish(
            "w2",
            ns::AVATAR_METADATA,
            &hash,
            &format!("<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='{}' height='192' id='{hash}' type='image/png' width='192'/></metadata>", image.bytes.len())
        )
    );
    assert_eq!(
        el(&entries[2].payload),
        el(&format!(
            "<iq xmlns='jabber:client' id='w3' type='set'><vCard xmlns='vcard-temp'><PHOTO>\
             <TYPE>image/png</TYPE><BINVAL>{data}</BINVAL></PHOTO></vCard></iq>"
        ))
    );
    assert_eq!(
        entries
            .iter()
            .map(|e| e.item.clone().unwrap())
            .collect::<Vec<_>>(),
        [
            ItemKey::new("romeo@montague.lit", ns::AVATAR_DATA, hash.as_str()),
            ItemKey::new("romeo@montague.lit", ns::AVATAR_METADATA, hash.as_str()),
            ItemKey::new("romeo@montague.lit", ns::VCARD_TEMP, "current"),
        ]
    );
    assert_eq!(
        entries[0].kind,
        WriteKind::Profile {
            access: Some(Access::Open)
        }
    );
    assert_eq!(entries[2].kind, WriteKind::Profile { access: None });

    // What a contact then reads back verifies.
    let published = el(&entries[0].payload);
    let item = published
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("publish", ns::PUBSUB))
        .and_then(|p| p.get_child("item", ns::PUBSUB))
        .unwrap();
    assert_eq!(xep0084::read_data_item(item).unwrap(), image.bytes);
}

#[test]
fn removing_the_avatar_publishes_empty_metadata() {
    let entries = compose_avatar(&romeo(), None, Access::Open, false, &mut counter());
    assert_eq!(
        entries.len(),
        1,
        "no data, and no vcard-temp where the server converts"
    );
    assert_eq!(
        el(&entries[0].payload),
        publish(
            "w1",
            ns::AVATAR_METADATA,
            "current",
            "<metadata xmlns='urn:xmpp:avatar:metadata'/>"
        )
    );
    let with_legacy = compose_avatar(&romeo(), None, Access::Open, true, &mut counter());
    assert_eq!(
        el(&with_legacy[1].payload),
        el("<iq xmlns='jabber:client' id='w2' type='set'><vCard xmlns='vcard-temp'/></iq>")
    );
    assert_eq!(
        describe_write(entries[0].item.as_ref()),
        "Changing your avatar"
    );
}

#[test]
fn nick_and_profile_edits_are_publishes_to_their_nodes() {
    let nick = compose_nick(&romeo(), Some("Romeo"), Access::Open, &mut counter());
    assert_eq!(
        el(&nick.payload),
        publish(
            "w1",
            ns::NICK,
            "current",
            "<nick xmlns='http://jabber.org/protocol/nick'>Romeo</nick>"
        )
    );
    assert_eq!(nick.queue, ns::NICK);
    assert_eq!(describe_write(nick.item.as_ref()), "Changing your nickname");

    let profile = Profile {
        full_name: Some("Romeo Montague".into()),
        note: Some("Of Verona".into()),
        ..Profile::default()
    };
    let entry = compose_profile(&romeo(), &profile, Access::Open, &mut counter());
    assert_eq!(
        el(&entry.payload),
        publish(
            "w1",
            ns::VCARD4_NODE,
            "current",
            "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>Romeo Montague</text></fn>\
             <note><text>Of Verona</text></note></vcard>"
        )
    );
    assert_eq!(describe_write(entry.item.as_ref()), "Saving your profile");

    // The own event the server then sends reads back the same.
    let mut people = People::new(romeo());
    let item = el(&entry.payload)
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("publish", ns::PUBSUB))
        .and_then(|p| p.get_child("item", ns::PUBSUB))
        .map(String::from)
        .unwrap();
    let item = item.replace(ns::PUBSUB, ns::PUBSUB_EVENT);
    people.handle_event(
        &event(
            None,
            &format!("<items node='urn:xmpp:vcard4'>{item}</items>"),
        ),
        |_| false,
    );
    assert_eq!(
        people.get(&romeo()).unwrap().profile.as_ref(),
        Some(&profile)
    );
}

/// The account as it published itself: nick, and a vCard with fields the form does not show.
fn published_self() -> Person {
    let mut people = People::new(romeo());
    for items in [
        nick_items("Romeo"),
        "<items node='urn:xmpp:vcard4'><item id='current'>\
         <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>Romeo Montague</text></fn>\
         <note><text>Of Verona</text></note><url><uri>https://verona.example/</uri></url>\
         <bday><date>1597-07-31</date></bday></vcard></item></items>"
            .to_owned(),
    ] {
        let result = el(&format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>{items}</pubsub>"
        ));
        people.handle_items(&romeo(), None, &result).unwrap();
    }
    people.get(&romeo()).unwrap().clone()
}

#[test]
fn the_form_shows_what_the_account_published() {
    let form = ProfileForm::of(Some(&published_self()));
    assert_eq!(
        form,
        ProfileForm {
            nick: "Romeo".into(),
            full_name: "Romeo Montague".into(),
            about: "Of Verona".into(),
        }
    );
    assert_eq!(ProfileForm::of(None), ProfileForm::default());
}

#[test]
fn saving_the_profile_publishes_only_what_changed_and_keeps_the_other_fields() {
    let before = published_self();
    let same = ProfileForm::of(Some(&before));
    let save = |form: &ProfileForm| {
        let mut published = before.clone();
        let entries =
            compose_profile_edits(&romeo(), &mut published, form, Access::Open, &mut counter());
        let trimmed = |s: &str| s.trim().to_owned();
        assert_eq!(
            ProfileForm::of(Some(&published)),
            ProfileForm {
                nick: trimmed(&form.nick),
                full_name: trimmed(&form.full_name),
                about: trimmed(&form.about),
            },
            "what is now published"
        );
        entries
    };
    assert!(save(&same).is_empty(), "nothing changed, nothing sent");
    let padded = ProfileForm {
        nick: " Romeo ".into(),
        ..same.clone()
    };
    assert!(save(&padded).is_empty(), "spaces around are not a change");

    let nick_only = save(&ProfileForm {
        nick: "Romeo of Verona".into(),
        ..same.clone()
    });
    assert_eq!(nick_only.len(), 1);
    assert_eq!(
        nick_only[0].item,
        Some(ItemKey::new("romeo@montague.lit", ns::NICK, "current"))
    );

    let about = save(&ProfileForm {
        about: "Banished".into(),
        ..same.clone()
    });
    assert_eq!(about.len(), 1);
    assert_eq!(
        el(&about[0].payload),
        publish(
            "w1",
            ns::VCARD4_NODE,
            "current",
            "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>Romeo Montague</text></fn>\
             <note><text>Banished</text></note><url><uri>https://verona.example/</uri></url>\
             <bday><date>1597-07-31</date></bday></vcard>"
        ),
        "the URL and birthday another client set stay"
    );

    // Cleared fields: the empty nick that removes it (XEP-0172 §4.5), a vCard without them.
    let cleared = save(&ProfileForm::default());
    assert_eq!(cleared.len(), 2);
    assert_eq!(
        el(&cleared[0].payload),
        publish(
            "w1",
            ns::NICK,
            "current",
            "<nick xmlns='http://jabber.org/protocol/nick'/>"
        )
    );
    assert!(!cleared[1].payload.contains("<fn>") && !cleared[1].payload.contains("<note>"));

    // Nothing published before: what is typed is new.
    let first = compose_profile_edits(
        &romeo(),
        &mut Person::default(),
        &ProfileForm {
            nick: "Romeo".into(),
            ..ProfileForm::default()
        },
        Access::Presence,
        &mut counter(),
    );
    assert_eq!(first.len(), 1);
    assert!(first[0].payload.contains("<value>presence</value>"));
}

#[test]
fn a_profile_node_with_another_access_model_is_reconfigured_once() {
    let nick = compose_nick(&romeo(), Some("Romeo"), Access::Presence, &mut counter());
    let error = |xml: &str| {
        StanzaError::try_from(el(&format!(
            "<error xmlns='jabber:client' type='cancel'>{xml}</error>"
        )))
        .unwrap()
    };
    let precondition = error(
        "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>",
    );
    let Recovery::Resend {
        before,
        without_max_items: false,
    } = recover(&nick, &precondition, false)
    else {
        panic!("a reconfiguration");
    };
    assert_eq!(
        before,
        [Iq::from_set(
            "w1-configure",
            el("<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\
                <configure node='http://jabber.org/protocol/nick'><x xmlns='jabber:x:data' type='submit'>\
                <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
                <field var='pubsub#access_model'><value>presence</value></field></x></configure></pubsub>")
        )],
        "the access model only: no max_items on a profile node"
    );
    assert_eq!(recover(&nick, &precondition, true), Recovery::Refuse);
    let forbidden = error("<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
    assert_eq!(recover(&nick, &forbidden, false), Recovery::Refuse);
    // The vcard-temp copy has no node to reconfigure.
    let image = AvatarImage {
        bytes: vec![1, 2, 3],
        type_: "image/png".into(),
        width: 1,
        height: 1,
    };
    let avatar = compose_avatar(&romeo(), Some(&image), Access::Open, true, &mut counter());
    assert_eq!(recover(&avatar[2], &precondition, false), Recovery::Refuse);
    assert!(matches!(
        recover(&avatar[0], &precondition, false),
        Recovery::Resend { .. }
    ));
}

#[test]
fn the_servers_own_vcard_conversion_is_read_from_the_accounts_disco_info() {
    assert_eq!(
        account_info_iq("d1", &romeo()),
        Iq::from_get(
            "d1",
            el("<query xmlns='http://jabber.org/protocol/disco#info'/>")
        )
        .with_to(jid("romeo@montague.lit"))
    );
    let info = |features: &str| {
        el(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='account' type='registered'/>{features}</query>"
        ))
    };
    assert!(converts_vcard(info(
        "<feature var='urn:xmpp:pep-vcard-conversion:0'/>"
    )));
    assert!(!converts_vcard(info(
        "<feature var='http://jabber.org/protocol/pubsub#publish'/>"
    )));
    assert!(!converts_vcard(el("<query xmlns='jabber:iq:version'/>")));
}
