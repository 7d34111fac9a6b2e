//! The signaling hub, driven by real WebSocket clients.

#![cfg(feature = "ssr")]

mod common;

use common::{app_with_room, client, expect_error, spawn_app, spawn_app_with, WsClient, PATIENCE};
use convene::error::{AppError, Invalid};
use convene::meeting::protocol::{
    ClientMessage, ErrorCode, IceCandidate, PeerId, RoomRole, ServerMessage, MAX_MESSAGE_BYTES,
};
use convene::meeting::JoinTicket;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite;

/// The HTTP status of a refused upgrade; panics if a socket opened.
async fn refused_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => panic!("the upgrade of {url} was accepted"),
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected failure for {url}: {other}"),
    }
}

/// Sends a chat and returns the text as it came back to the sender —
/// proof that the connection still works and that nothing else was queued
/// for it before.
async fn chat_round_trip(ws: &mut WsClient, text: &str) {
    ws.send(&ClientMessage::Chat {
        text: text.into(),
        to: None,
    })
    .await;
    match ws.recv().await {
        ServerMessage::Chat { message } => assert_eq!(message.text, text),
        other => panic!("expected the chat echo, got {other:?}"),
    }
}

/// Asserts the next message is a chat with `text` (so nothing else was
/// queued before it).
async fn expect_chat(ws: &mut WsClient, text: &str) {
    match ws.recv().await {
        ServerMessage::Chat { message } => assert_eq!(message.text, text),
        other => panic!("expected chat {text:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn upgrade_without_a_valid_token_is_refused() {
    let (app, room) = app_with_room().await;
    let zed = app.register("Zed", "UTC").await;
    let (_, other_room) = app.create_meeting(&zed, "Elsewhere", "").await;
    let other_token = app.join(&client(), &other_room, "Mallory").await;

    assert_eq!(refused_status(&app.ws_url(&room, None)).await, 401);
    assert_eq!(
        refused_status(&app.ws_url(&room, Some("garbage"))).await,
        401
    );
    assert_eq!(
        refused_status(&app.ws_url(&room, Some(&other_token))).await,
        401,
        "a token for another room"
    );
    // A token whose signature was tampered with.
    let good = app.join(&client(), &room, "Mallory").await;
    let mut tampered: Vec<char> = good.chars().collect();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert_eq!(
        refused_status(&app.ws_url(&room, Some(&tampered))).await,
        401
    );

    assert_eq!(
        refused_status(&app.ws_url("abcdefghijklmnopqrstuv", Some(&good))).await,
        404,
        "an unknown room"
    );

    // The untampered token works, and nobody refused ever joined: the
    // first socket to open is alone.
    let mut ws = WsClient::connect(&app.ws_url(&room, Some(&good))).await;
    let welcome = ws.welcome().await;
    assert!(welcome.peers.is_empty());
}

#[tokio::test]
async fn a_guest_joins_with_a_name_only() {
    let (app, room) = app_with_room().await;
    let guest = client();
    let ticket: JoinTicket = app
        .result(
            &guest,
            "join_meeting",
            &[("room", &room), ("display_name", "  Guest Gail ")],
        )
        .await
        .unwrap();
    assert_eq!(ticket.name, "Guest Gail");
    assert_eq!(ticket.ws_path, format!("/ws/meeting/{room}"));

    assert_eq!(
        app.result::<JoinTicket>(
            &guest,
            "join_meeting",
            &[("room", &room), ("display_name", &"x".repeat(65))]
        )
        .await,
        Err(AppError::Invalid(Invalid::DisplayNameTooLong))
    );
    assert_eq!(
        app.result::<JoinTicket>(
            &guest,
            "join_meeting",
            &[("room", "abcdefghijklmnopqrstuv"), ("display_name", "Gail")]
        )
        .await,
        Err(AppError::NotFound)
    );

    let mut ws = WsClient::connect(&app.ws_url(&room, Some(&ticket.token))).await;
    ws.welcome().await;
    let mut other = app.connect_guest(&room, "Hank").await;
    let welcome = other.welcome().await;
    assert_eq!(welcome.peers.len(), 1);
    assert_eq!(welcome.peers[0].name, "Guest Gail");
    assert_eq!(welcome.peers[0].role, RoomRole::Participant);

    // The pre-join screen fetches its ticket before the name is typed: a
    // guest ticket may carry no name, and the name then comes with `join`.
    let nameless = app
        .call::<JoinTicket>(&guest, "join_meeting", &[("room", &room)])
        .await;
    let nameless = nameless.result.expect("a guest ticket without a name");
    assert_eq!(nameless.name, "");
    let mut socket = WsClient::connect(&app.ws_url(&room, Some(&nameless.token))).await;
    for blank in ["", "   "] {
        socket
            .send(&ClientMessage::Join {
                name: blank.to_owned(),
                resume: None,
            })
            .await;
        match socket.recv().await {
            ServerMessage::Error {
                code: ErrorCode::NameRequired,
                ..
            } => {}
            other => panic!("expected name_required, got {other:?}"),
        }
    }
    socket
        .send(&ClientMessage::Join {
            name: " Nameless Nina ".to_owned(),
            resume: None,
        })
        .await;
    match socket.recv().await {
        ServerMessage::Welcome { .. } => {}
        other => panic!("expected welcome, got {other:?}"),
    }
    let mut second = app.connect_guest(&room, "Second").await;
    let welcome = second.welcome().await;
    assert!(welcome.peers.iter().any(|p| p.name == "Nameless Nina"));
}

#[tokio::test]
async fn members_join_under_their_account_and_the_organizer_as_host() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let bob = app.register("Bob", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;

    let ann_ticket: JoinTicket = app
        .result(&ann.client, "join_meeting", &[("room", &room)])
        .await
        .unwrap();
    assert_eq!(ann_ticket.name, "Ann");
    let bob_ticket: JoinTicket = app
        .result(&bob.client, "join_meeting", &[("room", &room)])
        .await
        .unwrap();
    assert_eq!(bob_ticket.name, "Bob");

    let mut ann_ws = WsClient::connect(&app.ws_url(&room, Some(&ann_ticket.token))).await;
    ann_ws.welcome().await;
    let mut bob_ws = WsClient::connect(&app.ws_url(&room, Some(&bob_ticket.token))).await;
    let welcome = bob_ws.welcome().await;
    assert_eq!(welcome.peers.len(), 1);
    assert_eq!(welcome.peers[0].name, "Ann");
    assert_eq!(welcome.peers[0].role, RoomRole::Host);
    match ann_ws.recv().await {
        ServerMessage::PeerJoined { peer } => {
            assert_eq!(peer.name, "Bob");
            assert_eq!(peer.role, RoomRole::Participant);
        }
        other => panic!("expected peer_joined, got {other:?}"),
    }
}

#[tokio::test]
async fn first_is_welcomed_alone_and_second_is_introduced_both_ways() {
    let (app, room) = app_with_room().await;
    let mut first = app.connect_guest(&room, "First").await;
    let first_welcome = first.welcome().await;
    assert!(first_welcome.peers.is_empty());
    assert!(first_welcome.chat.is_empty());

    let mut second = app.connect_guest(&room, "Second").await;
    let second_welcome = second.welcome().await;
    assert_ne!(second_welcome.you, first_welcome.you);
    assert_eq!(second_welcome.peers.len(), 1);
    let listed = &second_welcome.peers[0];
    assert_eq!(listed.id, first_welcome.you);
    assert_eq!(listed.name, "First");

    match first.recv().await {
        ServerMessage::PeerJoined { peer } => {
            assert_eq!(peer.id, second_welcome.you);
            assert_eq!(peer.name, "Second");
        }
        other => panic!("expected peer_joined, got {other:?}"),
    }
}

#[tokio::test]
async fn offer_answer_and_candidates_reach_only_the_addressed_peer_from_the_real_sender() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    let mut c = app.connect_guest(&room, "C").await;
    let c_id = c.welcome().await.you;
    for (ws, n) in [(&mut a, 2), (&mut b, 1)] {
        for _ in 0..n {
            assert!(matches!(ws.recv().await, ServerMessage::PeerJoined { .. }));
        }
    }

    // A claims to be C; the server knows better.
    a.send_raw(&format!(
        r#"{{"type":"offer","to":{},"from":{},"sdp":"v=0 offer"}}"#,
        b_id.0, c_id.0
    ))
    .await;
    assert_eq!(
        b.recv().await,
        ServerMessage::Offer {
            from: a_id,
            sdp: "v=0 offer".into()
        }
    );

    b.send(&ClientMessage::Answer {
        to: a_id,
        sdp: "v=0 answer".into(),
    })
    .await;
    assert_eq!(
        a.recv().await,
        ServerMessage::Answer {
            from: b_id,
            sdp: "v=0 answer".into()
        }
    );

    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
    };
    a.send(&ClientMessage::Candidate {
        to: b_id,
        candidate: Some(candidate.clone()),
    })
    .await;
    a.send(&ClientMessage::Candidate {
        to: b_id,
        candidate: None,
    })
    .await;
    assert_eq!(
        b.recv().await,
        ServerMessage::Candidate {
            from: a_id,
            candidate: Some(candidate)
        }
    );
    assert_eq!(
        b.recv().await,
        ServerMessage::Candidate {
            from: a_id,
            candidate: None
        }
    );

    // C was addressed by none of it: the next thing C hears is a chat.
    chat_round_trip(&mut c, "only chat for me").await;
    expect_chat(&mut a, "only chat for me").await;
    expect_chat(&mut b, "only chat for me").await;
}

#[tokio::test]
async fn media_changes_reach_the_others_and_later_joiners() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    b.welcome().await;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));

    a.send(&ClientMessage::Media {
        audio: false,
        video: true,
        screen: false,
    })
    .await;
    for ws in [&mut a, &mut b] {
        match ws.recv().await {
            ServerMessage::PeerUpdated { peer } => {
                assert_eq!(peer.id, a_id);
                assert_eq!((peer.audio, peer.video, peer.screen), (false, true, false));
            }
            other => panic!("expected peer_updated, got {other:?}"),
        }
    }
    let mut c = app.connect_guest(&room, "C").await;
    let welcome = c.welcome().await;
    let listed = welcome.peers.iter().find(|p| p.id == a_id).unwrap();
    assert_eq!((listed.audio, listed.video), (false, true));
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));
    chat_round_trip(&mut a, "after media").await;
}

#[tokio::test]
async fn addressing_a_peer_outside_the_room_is_unknown_peer() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Here", "").await;
    let (_, elsewhere) = app.create_meeting(&ann, "There", "").await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let mut stranger = app.connect_guest(&elsewhere, "Stranger").await;
    let stranger_id = stranger.welcome().await.you;

    for to in [PeerId(999_999), stranger_id] {
        a.send(&ClientMessage::Offer {
            to,
            sdp: "v=0".into(),
        })
        .await;
        expect_error(a.recv().await, ErrorCode::UnknownPeer);
    }
    // The peer in the other room got nothing.
    chat_round_trip(&mut stranger, "quiet here").await;
    chat_round_trip(&mut a, "still connected").await;
}

#[tokio::test]
async fn malformed_messages_get_an_error_and_the_connection_stays() {
    let (app, room) = app_with_room().await;
    let mut ws = app.connect_guest(&room, "A").await;
    ws.welcome().await;
    for bad in [
        "not json",
        r#"{"type":"dance","to":1}"#,
        r#"{"type":"offer","to":"one","sdp":"x"}"#,
        r#"{"type":"chat"}"#,
        "",
    ] {
        ws.send_raw(bad).await;
        expect_error(ws.recv().await, ErrorCode::Malformed);
    }
    ws.send_binary(vec![1, 2, 3]).await;
    expect_error(ws.recv().await, ErrorCode::Malformed);
    chat_round_trip(&mut ws, "still here").await;
}

#[tokio::test]
async fn a_message_over_64_kib_is_too_large_and_the_connection_stays() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));

    let huge = serde_json::to_string(&ClientMessage::Offer {
        to: b_id,
        sdp: "a".repeat(MAX_MESSAGE_BYTES + 1),
    })
    .unwrap();
    a.send_raw(&huge).await;
    expect_error(a.recv().await, ErrorCode::TooLarge);

    // Just under the limit is relayed.
    let sdp = "a".repeat(MAX_MESSAGE_BYTES - 100);
    a.send(&ClientMessage::Offer {
        to: b_id,
        sdp: sdp.clone(),
    })
    .await;
    match b.recv().await {
        ServerMessage::Offer { sdp: got, .. } => assert_eq!(got.len(), sdp.len()),
        other => panic!("expected the offer, got {other:?}"),
    }
    chat_round_trip(&mut a, "after the big one").await;
    expect_chat(&mut b, "after the big one").await;
}

#[tokio::test]
async fn chat_is_broadcast_verbatim_persisted_and_replayed_to_later_joiners() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "Анна").await;
    a.welcome().await;
    let mut b = app.connect_guest(&room, "Bob").await;
    b.welcome().await;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));

    let texts = ["<b>hi</b>", "привет & \"quotes\"\nline two", "third"];
    a.send(&ClientMessage::Chat {
        text: texts[0].into(),
        to: None,
    })
    .await;
    let mut seen = Vec::new();
    for ws in [&mut a, &mut b] {
        match ws.recv().await {
            ServerMessage::Chat { message } => {
                assert_eq!(message.text, "<b>hi</b>");
                assert_eq!(message.from_name, "Анна");
                seen.push(message);
            }
            other => panic!("expected chat, got {other:?}"),
        }
    }
    assert_eq!(seen[0], seen[1], "everyone sees the same message");
    b.send(&ClientMessage::Chat {
        text: texts[1].into(),
        to: None,
    })
    .await;
    expect_chat(&mut a, texts[1]).await;
    expect_chat(&mut b, texts[1]).await;
    a.send(&ClientMessage::Chat {
        text: format!("  {}  ", texts[2]),
        to: None,
    })
    .await;
    expect_chat(&mut a, texts[2]).await;
    expect_chat(&mut b, texts[2]).await;

    let mut c = app.connect_guest(&room, "Cat").await;
    let welcome = c.welcome().await;
    let history: Vec<(&str, &str)> = welcome
        .chat
        .iter()
        .map(|m| (m.from_name.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        history,
        vec![("Анна", texts[0]), ("Bob", texts[1]), ("Анна", texts[2])]
    );
    // The same message; only live messages say which peer sent them.
    assert_eq!(
        welcome.chat[0],
        convene::chat::ChatMessage {
            from: None,
            ..seen[0].clone()
        }
    );

    // Everyone leaves; the history is in the database, not in the room.
    a.close().await;
    b.close().await;
    c.close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut d = app.connect_guest(&room, "Dan").await;
    let welcome = d.welcome().await;
    assert!(welcome.peers.is_empty(), "{:?}", welcome.peers);
    assert_eq!(welcome.chat.len(), 3);
    assert_eq!(welcome.chat[2].text, texts[2]);
}

#[tokio::test]
async fn empty_or_too_long_chat_is_invalid_chat() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    for text in [String::new(), "  \n\t ".into(), "x".repeat(2001)] {
        a.send(&ClientMessage::Chat { text, to: None }).await;
        expect_error(a.recv().await, ErrorCode::InvalidChat);
    }
    let longest = "я".repeat(2000);
    chat_round_trip(&mut a, &longest).await;
    let mut b = app.connect_guest(&room, "B").await;
    let welcome = b.welcome().await;
    assert_eq!(welcome.chat.len(), 1, "only the valid message was stored");
}

#[tokio::test]
async fn closing_a_socket_tells_the_others_peer_left() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));

    b.close().await;
    let started = Instant::now();
    assert_eq!(a.recv().await, ServerMessage::PeerLeft { peer: b_id });
    assert!(started.elapsed() < Duration::from_secs(5));

    // A newcomer no longer sees B.
    let mut c = app.connect_guest(&room, "C").await;
    let welcome = c.welcome().await;
    let names: Vec<&str> = welcome.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["A"]);
}

#[tokio::test]
async fn leave_message_removes_the_peer() {
    let (app, room) = app_with_room().await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));
    b.send(&ClientMessage::Leave).await;
    assert_eq!(a.recv().await, ServerMessage::PeerLeft { peer: b_id });
    assert_eq!(b.recv_within(PATIENCE).await, None, "the server closes B");
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let app = spawn_app_with(|config| {
        config.meeting.ping_interval_ms = 300;
        config.meeting.peer_timeout_ms = 900;
        // No window to resume in: gone at the timeout (the window is
        // tested in tests/resilience.rs).
        config.meeting.resume_grace_ms = 0;
    })
    .await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut alive = app.connect_guest(&room, "Alive").await;
    alive.welcome().await;
    // Never read again: tungstenite answers pings only while reading.
    let mut silent = app.connect_guest(&room, "Silent").await;
    silent
        .send(&ClientMessage::Join {
            name: String::new(),
            resume: None,
        })
        .await;
    let started = Instant::now();

    let silent_id = match alive.recv().await {
        ServerMessage::PeerJoined { peer } => peer.id,
        other => panic!("expected peer_joined, got {other:?}"),
    };
    let left = alive.recv_within(Duration::from_secs(6)).await;
    assert_eq!(left, Some(ServerMessage::PeerLeft { peer: silent_id }));
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(800),
        "dropped after {elapsed:?}, before the timeout"
    );

    // The peer that kept answering is still connected, well past the
    // timeout.
    tokio::time::sleep(Duration::from_millis(100)).await;
    chat_round_trip(&mut alive, "still here").await;
    let mut later = app.connect_guest(&room, "Later").await;
    let names: Vec<String> = later
        .welcome()
        .await
        .peers
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Alive"]);
    drop(silent);
}

#[tokio::test]
async fn peers_in_another_room_never_see_a_rooms_messages() {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Here", "").await;
    let (_, elsewhere) = app.create_meeting(&ann, "There", "").await;

    let mut outsider = app.connect_guest(&elsewhere, "Outsider").await;
    let outsider_welcome = outsider.welcome().await;
    assert!(outsider_welcome.peers.is_empty());

    let mut a = app.connect_guest(&room, "A").await;
    let a_welcome = a.welcome().await;
    assert!(a_welcome.peers.is_empty(), "the outsider is not listed");
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));
    b.send(&ClientMessage::Offer {
        to: a_welcome.you,
        sdp: "v=0".into(),
    })
    .await;
    assert!(matches!(a.recv().await, ServerMessage::Offer { .. }));
    b.send(&ClientMessage::Media {
        audio: false,
        video: false,
        screen: false,
    })
    .await;
    assert!(matches!(a.recv().await, ServerMessage::PeerUpdated { .. }));
    assert!(matches!(b.recv().await, ServerMessage::PeerUpdated { .. }));
    chat_round_trip(&mut a, "room one only").await;
    expect_chat(&mut b, "room one only").await;
    b.close().await;
    assert_eq!(a.recv().await, ServerMessage::PeerLeft { peer: b_id });

    // Had any of that reached the outsider, it would come before this.
    chat_round_trip(&mut outsider, "room two").await;
    let mut c = app.connect_guest(&elsewhere, "C").await;
    let history: Vec<String> = c.welcome().await.chat.into_iter().map(|m| m.text).collect();
    assert_eq!(history, vec!["room two"]);
}

#[tokio::test]
async fn chat_history_keeps_the_order_messages_were_sent_in() {
    // Above the chat rate limit's burst, which is not what this is about.
    let app = spawn_app_with(|config| config.meeting.chat_burst = 100).await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    // A burst: many land in the same millisecond.
    let texts: Vec<String> = (0..40).map(|i| format!("message {i}")).collect();
    for text in &texts {
        a.send(&ClientMessage::Chat {
            text: text.clone(),
            to: None,
        })
        .await;
    }
    for text in &texts {
        expect_chat(&mut a, text).await;
    }
    let mut b = app.connect_guest(&room, "B").await;
    let history: Vec<String> = b.welcome().await.chat.into_iter().map(|m| m.text).collect();
    assert_eq!(history, texts);
}

#[tokio::test]
async fn a_signed_in_member_may_upgrade_with_the_session_cookie_alone() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut request = app.ws_url(&room, None).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", ann.cookie_header(&app).parse().unwrap());
    let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut ann_ws = WsClient { stream };
    ann_ws.welcome().await;
    let mut guest = app.connect_guest(&room, "Guest").await;
    let welcome = guest.welcome().await;
    assert_eq!(welcome.peers.len(), 1);
    assert_eq!(welcome.peers[0].name, "Ann");
    assert_eq!(welcome.peers[0].role, RoomRole::Host);
}

#[tokio::test]
async fn an_expired_room_token_is_refused() {
    let app = spawn_app_with(|config| config.meeting.room_token_ttl_ms = -10_000).await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let token = app.join(&client(), &room, "Late").await;
    assert_eq!(refused_status(&app.ws_url(&room, Some(&token))).await, 401);
}

#[tokio::test]
async fn a_peer_that_cannot_keep_up_is_evicted() {
    let app = spawn_app_with(|config| {
        config.meeting.peer_queue = 4;
        // Only the full queue may end the slow peer here, not the rate
        // limit nor the keep-alive timeout.
        config.meeting.rate_burst = 100_000;
        config.meeting.peer_timeout_ms = 30_000;
    })
    .await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut fast = app.connect_guest(&room, "Fast").await;
    fast.welcome().await;
    // Never reads: once the socket buffers are full, its queue fills.
    let mut slow = app.connect_guest(&room, "Slow").await;
    slow.send(&ClientMessage::Join {
        name: String::new(),
        resume: None,
    })
    .await;
    let slow_id = match fast.recv().await {
        ServerMessage::PeerJoined { peer } => peer.id,
        other => panic!("expected peer_joined, got {other:?}"),
    };
    let started = Instant::now();
    let sdp = "a".repeat(60 * 1024);
    let mut evicted = false;
    for _ in 0..2000 {
        fast.send(&ClientMessage::Offer {
            to: slow_id,
            sdp: sdp.clone(),
        })
        .await;
        if let Some(message) = fast.recv_within(Duration::from_millis(1)).await {
            match message {
                ServerMessage::PeerLeft { peer } if peer == slow_id => {
                    evicted = true;
                    break;
                }
                ServerMessage::Error {
                    code: ErrorCode::UnknownPeer,
                    ..
                } => panic!("sent to an evicted peer without hearing peer_left first"),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(evicted, "the slow peer was never evicted");
    // Well before the ping timeout (4.5 s) would have dropped it.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    fast.send(&ClientMessage::Offer {
        to: slow_id,
        sdp: "v=0".into(),
    })
    .await;
    expect_error(fast.recv().await, ErrorCode::UnknownPeer);
    drop(slow);
}
