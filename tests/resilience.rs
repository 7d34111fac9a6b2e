//! Dropped sockets and resuming, silent clients, and the ICE servers a
//! participant is given.

#![cfg(feature = "ssr")]

mod common;

use common::{app_with_room, client, spawn_app, spawn_app_with, WsClient};
use convene::meeting::protocol::{ClientMessage, CloseReason, PeerId, ServerMessage};
use std::time::{Duration, Instant};

/// `from` says `text`; it and every one of `others` must get it next.
async fn sentinel(from: &mut WsClient, others: &mut [&mut WsClient], text: &str) {
    from.send(&ClientMessage::Chat {
        text: text.into(),
        to: None,
    })
    .await;
    for ws in std::iter::once(from).chain(others.iter_mut().map(|ws| &mut **ws)) {
        match ws.recv().await {
            ServerMessage::Chat { message } => assert_eq!(message.text, text),
            other => panic!("expected chat {text:?}, got {other:?}"),
        }
    }
}

/// The next message is `peer_updated` about `peer` with `reconnecting`.
async fn expect_reconnecting(ws: &mut WsClient, peer: PeerId, reconnecting: bool) {
    let info = ws.peer_updated().await;
    assert_eq!(
        (info.id, info.reconnecting),
        (peer, reconnecting),
        "{info:?}"
    );
}

#[tokio::test]
async fn a_dropped_socket_resumes_as_the_same_peer_within_the_grace_window() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let b_browser = client();
    let mut b = app.connect_as(&b_browser, &room, "B").await;
    let first = b.welcome().await;
    assert!(!first.resumed);
    assert_eq!(a.peer_joined().await.id, first.you);

    b.drop_abruptly();
    expect_reconnecting(&mut a, first.you, true).await;
    // B is still someone to talk to while away.
    a.send(&ClientMessage::Offer {
        to: first.you,
        sdp: "v=0 while away".into(),
    })
    .await;

    let mut b = app.connect_as(&b_browser, &room, "B").await;
    b.join_with(Some(first.resume.clone())).await;
    let welcome = b.expect_welcome().await;
    assert!(welcome.resumed);
    assert_eq!(welcome.you, first.you);
    assert_eq!(welcome.role, first.role);
    let listed: Vec<PeerId> = welcome.peers.iter().map(|p| p.id).collect();
    assert_eq!(listed, vec![a_id]);
    // What was queued meanwhile follows the welcome.
    assert_eq!(
        b.recv().await,
        ServerMessage::Offer {
            from: a_id,
            sdp: "v=0 while away".into()
        }
    );
    expect_reconnecting(&mut b, first.you, false).await;
    expect_reconnecting(&mut a, first.you, false).await;
    // No peer_left / peer_joined for A, now or when the window would
    // have run out.
    sentinel(&mut b, &mut [&mut a], "back").await;
    // Both keep reading (so answering pings) past the end of the window.
    let window = Duration::from_millis(2500);
    let (heard_a, heard_b) = tokio::join!(a.recv_within(window), b.recv_within(window));
    assert_eq!((heard_a, heard_b), (None, None));
    sentinel(&mut a, &mut [&mut b], "still together").await;
}

#[tokio::test]
async fn a_member_resumes_with_a_fresh_ticket_but_nobody_else_can_use_the_token() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let cora = app.register("Cora", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let first = bob_ws.welcome().await;
    ann_ws.peer_joined().await;
    // Tickets fetched ahead, so that all of this fits the grace window.
    let bob_ticket = app.join(&bob.client, &room, "").await;
    let cora_ticket = app.join(&cora.client, &room, "").await;
    let guest_ticket = app.join(&client(), &room, "Mallory").await;

    bob_ws.drop_abruptly();
    expect_reconnecting(&mut ann_ws, first.you, true).await;
    for (ticket, name) in [(&cora_ticket, "Cora"), (&guest_ticket, "Mallory")] {
        let mut other = WsClient::connect(&app.ws_url(&room, Some(ticket))).await;
        other.join_with(Some(first.resume.clone())).await;
        let welcome = other.expect_welcome().await;
        assert!(!welcome.resumed, "{name} took over Bob's place");
        assert_ne!(welcome.you, first.you);
        let joined = ann_ws.peer_joined().await;
        assert_eq!((joined.id, joined.name.as_str()), (welcome.you, name));
        other.close().await;
        assert_eq!(
            ann_ws.recv().await,
            ServerMessage::PeerLeft { peer: welcome.you }
        );
    }
    // Bob himself, with a fresh ticket, is back as the same peer.
    let mut bob_ws = WsClient::connect(&app.ws_url(&room, Some(&bob_ticket))).await;
    bob_ws.join_with(Some(first.resume.clone())).await;
    let welcome = bob_ws.expect_welcome().await;
    assert!(welcome.resumed);
    assert_eq!(welcome.you, first.you);
    assert_eq!(welcome.peers.len(), 1, "{:?}", welcome.peers);
    // What happened while away follows the welcome, in order.
    for name in ["Cora", "Mallory"] {
        let joined = bob_ws.peer_joined().await;
        assert_eq!(joined.name, name);
        assert_eq!(
            bob_ws.recv().await,
            ServerMessage::PeerLeft { peer: joined.id }
        );
    }
    expect_reconnecting(&mut bob_ws, first.you, false).await;
    expect_reconnecting(&mut ann_ws, first.you, false).await;
    sentinel(&mut ann_ws, &mut [&mut bob_ws], "welcome back, Bob").await;
}

#[tokio::test]
async fn a_wrong_resume_token_joins_afresh() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_welcome = a.welcome().await;
    let mut b = app.connect_guest(&room, "B").await;
    b.join_with(Some("not-a-token".into())).await;
    let welcome = b.expect_welcome().await;
    assert!(!welcome.resumed);
    assert_ne!(welcome.you, a_welcome.you);
    assert_ne!(welcome.resume, a_welcome.resume);
    assert_eq!(a.peer_joined().await.id, welcome.you);
}

#[tokio::test]
async fn after_the_grace_window_the_peer_is_gone_and_resuming_starts_afresh() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let b_browser = client();
    let mut b = app.connect_as(&b_browser, &room, "B").await;
    let first = b.welcome().await;
    a.peer_joined().await;

    b.drop_abruptly();
    expect_reconnecting(&mut a, first.you, true).await;
    let away = Instant::now();
    assert_eq!(a.recv().await, ServerMessage::PeerLeft { peer: first.you });
    let waited = away.elapsed();
    assert!(
        waited >= Duration::from_millis(1800) && waited < Duration::from_millis(3500),
        "left {waited:?} after dropping, the grace window is 2 s"
    );

    let mut b = app.connect_as(&b_browser, &room, "B").await;
    b.join_with(Some(first.resume.clone())).await;
    let welcome = b.expect_welcome().await;
    assert!(!welcome.resumed);
    assert_ne!(welcome.you, first.you);
    assert_eq!(a.peer_joined().await.id, welcome.you);
}

#[tokio::test]
async fn leaving_on_purpose_is_immediate_and_cannot_be_resumed() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let b_browser = client();
    for how in ["leave", "close"] {
        let mut b = app.connect_as(&b_browser, &room, "B").await;
        let first = b.welcome().await;
        a.peer_joined().await;
        let started = Instant::now();
        if how == "leave" {
            b.send(&ClientMessage::Leave).await;
            b.expect_end().await;
        } else {
            b.close().await;
        }
        // No `reconnecting` first.
        assert_eq!(a.recv().await, ServerMessage::PeerLeft { peer: first.you });
        assert!(started.elapsed() < Duration::from_millis(1500), "{how}");
        let mut again = app.connect_as(&b_browser, &room, "B").await;
        again.join_with(Some(first.resume)).await;
        let welcome = again.expect_welcome().await;
        assert!(!welcome.resumed, "{how}");
        assert_ne!(welcome.you, first.you);
        assert_eq!(a.peer_joined().await.id, welcome.you);
        again.close().await;
        assert_eq!(
            a.recv().await,
            ServerMessage::PeerLeft { peer: welcome.you }
        );
    }
}

#[tokio::test]
async fn closing_and_dropping_at_once_with_messages_unread_is_still_leaving() {
    // Closing tabs: each sends its close frame and drops the connection
    // at once, with the news of the others' leaving unread (which resets
    // the connection under the server's next write).
    let (app, room) = app_with_room().await;
    let mut observer = app.connect_guest(&room, "Observer").await;
    observer.welcome().await;
    for round in 0..5 {
        let mut tabs = Vec::new();
        for name in ["A", "B", "C"] {
            let mut ws = app.connect_guest(&room, name).await;
            let id = ws.welcome().await.you;
            assert_eq!(observer.peer_joined().await.id, id);
            tabs.push((id, ws));
        }
        let mut ids: Vec<PeerId> = tabs.iter().map(|(id, _)| *id).collect();
        for (_, ws) in tabs {
            ws.close().await;
        }
        let mut left = Vec::new();
        for _ in 0..3 {
            match observer.recv().await {
                ServerMessage::PeerLeft { peer } => left.push(peer),
                other => panic!("round {round}: expected peer_left, got {other:?}"),
            }
        }
        left.sort();
        ids.sort();
        assert_eq!(left, ids, "round {round}");
    }
}

#[tokio::test]
async fn resuming_while_the_old_socket_is_still_open_replaces_it() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let b_browser = client();
    let mut old = app.connect_as(&b_browser, &room, "B").await;
    let first = old.welcome().await;
    a.peer_joined().await;

    let mut new = app.connect_as(&b_browser, &room, "B").await;
    new.join_with(Some(first.resume.clone())).await;
    let welcome = new.expect_welcome().await;
    assert!(welcome.resumed);
    assert_eq!(welcome.you, first.you);
    old.expect_closed(CloseReason::Replaced).await;
    // The old socket ending does not take the peer with it.
    expect_reconnecting(&mut new, first.you, false).await;
    expect_reconnecting(&mut a, first.you, false).await;
    sentinel(&mut new, &mut [&mut a], "one of me").await;
    let mut c = app.connect_guest(&room, "C").await;
    let names: Vec<String> = c
        .welcome()
        .await
        .peers
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["A", "B"]);
}

#[tokio::test]
async fn a_silent_client_is_gone_for_the_others_within_five_seconds_of_its_last_message() {
    let (app, room) = app_with_room().await;
    let mut alive = app.connect_guest(&room, "Alive").await;
    alive.welcome().await;
    // Sends `join`, then never reads nor writes again: it does not even
    // answer pings (tungstenite answers them only while reading).
    let mut silent = app.connect_guest(&room, "Silent").await;
    silent.join_with(None).await;
    let last_message = Instant::now();
    let silent_id = alive.peer_joined().await.id;

    expect_reconnecting(&mut alive, silent_id, true).await;
    let timed_out = last_message.elapsed();
    assert!(
        timed_out >= Duration::from_millis(2400),
        "given up after {timed_out:?}, before the 2.5 s timeout"
    );
    assert_eq!(
        alive.recv_within(Duration::from_secs(6)).await,
        Some(ServerMessage::PeerLeft { peer: silent_id })
    );
    let gone = last_message.elapsed();
    assert!(
        gone >= Duration::from_millis(4400) && gone < Duration::from_secs(5),
        "gone after {gone:?}; timeout 2.5 s + grace 2 s"
    );
    // The one that kept reading (and so answering pings) is still there.
    sentinel(&mut alive, &mut [], "still here").await;
    drop(silent);
}

const TURN_SECRET: &str = "a-long-shared-turn-secret-0123456789";

/// `base64(HMAC-SHA1(secret, username))`, computed here independently.
fn expected_credential(username: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TURN_SECRET.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn welcome_carries_turn_credentials_by_the_rest_scheme() {
    let turn_urls = vec![
        "turn:turn.example.com:3478?transport=udp".to_owned(),
        "turns:turn.example.com:5349".to_owned(),
    ];
    let ttl_s = 3600;
    let app = spawn_app_with(|config| {
        config.meeting.stun_urls = vec!["stun:stun.example.com:3478".into()];
        config.meeting.turn_urls = turn_urls.clone();
        config.meeting.turn_secret = Some(TURN_SECRET.into());
        config.meeting.turn_ttl_s = ttl_s;
    })
    .await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;

    let mut users = Vec::new();
    let mut sockets = [
        app.connect_with_session(&ann, &room).await,
        app.connect_member(&bob, &room).await,
        app.connect_guest(&room, "Gail").await,
    ];
    for ws in sockets.iter_mut() {
        let welcome = ws.welcome().await;
        let now_s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let stun = welcome
            .ice_servers
            .iter()
            .find(|s| s.urls == vec!["stun:stun.example.com:3478".to_owned()])
            .expect("the STUN server");
        assert_eq!((&stun.username, &stun.credential), (&None, &None));
        let turn = welcome
            .ice_servers
            .iter()
            .find(|s| s.urls == turn_urls)
            .expect("the TURN servers");
        let username = turn.username.clone().expect("a TURN username");
        let (expiry, user) = username.split_once(':').expect("expiry:user");
        let expiry: i64 = expiry.parse().expect("expiry in Unix seconds");
        assert!(
            (expiry - (now_s + ttl_s)).abs() <= 5,
            "expiry {expiry}, expected about {}",
            now_s + ttl_s
        );
        assert!(!user.is_empty());
        assert_eq!(
            turn.credential.as_deref(),
            Some(expected_credential(&username).as_str())
        );
        users.push(user.to_owned());
    }
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 3, "each participant has their own: {users:?}");

    // Without TURN configured, no credentials are handed out.
    let (plain, plain_room) = app_with_room().await;
    let mut ws = plain.connect_guest(&plain_room, "Gail").await;
    let welcome = ws.welcome().await;
    assert!(welcome
        .ice_servers
        .iter()
        .all(|s| s.username.is_none() && s.credential.is_none()));
}
