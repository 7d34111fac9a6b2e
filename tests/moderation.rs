//! Host controls, the lobby, the mesh limit and chat extras, enforced by
//! the hub and driven by real WebSocket clients.

#![cfg(feature = "ssr")]

mod common;

use common::{client, expect_error, spawn_app_with, TestApp, TestUser, WsClient};
use convene::error::AppError;
use convene::meeting::protocol::{
    ClientMessage, CloseReason, ErrorCode, Knock, PeerId, RoomAccess, RoomRole, ServerMessage,
    TrackKind, REACTIONS,
};
use convene::meeting::JoinTicket;
use sqlx::Row;

/// A server with one meeting organized by Ann (signed in).
async fn meeting() -> (TestApp, TestUser, String) {
    meeting_with(|_| {}).await
}

async fn meeting_with(
    adjust: impl FnOnce(&mut convene::server::config::Config),
) -> (TestApp, TestUser, String) {
    let app = spawn_app_with(adjust).await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    (app, ann, room)
}

/// Sends `message` and expects exactly the error `code` back.
async fn refused(ws: &mut WsClient, message: ClientMessage, code: ErrorCode) {
    ws.send(&message).await;
    match ws.recv().await {
        ServerMessage::Error { code: got, .. } => assert_eq!(got, code, "for {message:?}"),
        other => panic!("expected error {code:?} for {message:?}, got {other:?}"),
    }
}

async fn lobby(ws: &mut WsClient) -> Vec<Knock> {
    match ws.recv().await {
        ServerMessage::Lobby { knocks } => knocks,
        other => panic!("expected lobby, got {other:?}"),
    }
}

fn names(knocks: &[Knock]) -> Vec<&str> {
    knocks.iter().map(|k| k.name.as_str()).collect()
}

/// Sends `join` and expects to be put in the lobby.
async fn knock(ws: &mut WsClient) {
    ws.join_with(None).await;
    assert_eq!(ws.recv().await, ServerMessage::Waiting);
}

/// Sends a public chat; returns the message as its sender got it back.
async fn say(ws: &mut WsClient, text: &str) -> convene::chat::ChatMessage {
    ws.send(&ClientMessage::Chat {
        text: text.into(),
        to: None,
    })
    .await;
    expect_chat(ws, text).await
}

/// The next message is a chat with `text` (so nothing else came first).
async fn expect_chat(ws: &mut WsClient, text: &str) -> convene::chat::ChatMessage {
    match ws.recv().await {
        ServerMessage::Chat { message } => {
            assert_eq!(message.text, text);
            message
        }
        other => panic!("expected chat {text:?}, got {other:?}"),
    }
}

/// One chat from `from` that every client in `others` must see next:
/// proof that nothing else was queued for any of them.
async fn sentinel(from: &mut WsClient, others: &mut [&mut WsClient], text: &str) {
    say(from, text).await;
    for ws in others.iter_mut() {
        expect_chat(ws, text).await;
    }
}

#[tokio::test]
async fn the_organizer_is_host_by_session_or_ticket_and_everyone_else_a_participant() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;

    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let welcome = ann_ws.welcome().await;
    assert_eq!(welcome.role, RoomRole::Host);
    assert_eq!(welcome.access, RoomAccess::Open);
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let welcome = bob_ws.welcome().await;
    assert_eq!(welcome.role, RoomRole::Participant);
    assert_eq!(welcome.peers[0].role, RoomRole::Host);
    assert!(welcome.lobby.is_empty());
    assert_eq!(ann_ws.peer_joined().await.role, RoomRole::Participant);
    let mut guest = app.connect_guest(&room, "Gail").await;
    assert_eq!(guest.welcome().await.role, RoomRole::Participant);

    // Through a room ticket the organizer is host too, and only of
    // their own meetings.
    let (_, bobs_room) = app.create_meeting(&bob, "Bob's", "").await;
    let mut bob_hosting = app.connect_member(&bob, &bobs_room).await;
    assert_eq!(bob_hosting.welcome().await.role, RoomRole::Host);
    let mut ann_visiting = app.connect_member(&ann, &bobs_room).await;
    assert_eq!(ann_visiting.welcome().await.role, RoomRole::Participant);
}

#[tokio::test]
async fn only_the_host_changes_roles_and_never_makes_another_host() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let bob_id = bob_ws.welcome().await.you;
    ann_ws.peer_joined().await;
    let mut gail = app.connect_guest(&room, "Gail").await;
    let gail_id = gail.welcome().await.you;
    ann_ws.peer_joined().await;
    bob_ws.peer_joined().await;

    let co_host = |peer| ClientMessage::SetRole {
        peer,
        role: RoomRole::CoHost,
    };
    refused(&mut bob_ws, co_host(gail_id), ErrorCode::Forbidden).await;
    refused(&mut gail, co_host(gail_id), ErrorCode::Forbidden).await;
    let make_host = ClientMessage::SetRole {
        peer: bob_id,
        role: RoomRole::Host,
    };
    refused(&mut ann_ws, make_host, ErrorCode::Forbidden).await;
    refused(&mut ann_ws, co_host(ann_id), ErrorCode::Forbidden).await;
    refused(
        &mut ann_ws,
        co_host(PeerId(999_999)),
        ErrorCode::UnknownPeer,
    )
    .await;

    ann_ws.send(&co_host(bob_id)).await;
    // The new co-host learns who is knocking, then everyone the new role.
    assert_eq!(lobby(&mut bob_ws).await, Vec::<Knock>::new());
    for ws in [&mut ann_ws, &mut bob_ws, &mut gail] {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.role), (bob_id, RoomRole::CoHost));
    }
    // A co-host moderates but does not hand out roles.
    refused(&mut bob_ws, co_host(gail_id), ErrorCode::Forbidden).await;
    let demote_host = ClientMessage::SetRole {
        peer: ann_id,
        role: RoomRole::Participant,
    };
    refused(&mut bob_ws, demote_host, ErrorCode::Forbidden).await;

    // The role belongs to the person: it holds when they come back.
    bob_ws.close().await;
    for ws in [&mut ann_ws, &mut gail] {
        assert_eq!(ws.recv().await, ServerMessage::PeerLeft { peer: bob_id });
    }
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let welcome = bob_ws.welcome().await;
    assert_eq!(welcome.role, RoomRole::CoHost);
    let bob_id = welcome.you;
    for ws in [&mut ann_ws, &mut gail] {
        assert_eq!(ws.peer_joined().await.role, RoomRole::CoHost);
    }

    ann_ws
        .send(&ClientMessage::SetRole {
            peer: bob_id,
            role: RoomRole::Participant,
        })
        .await;
    for ws in [&mut ann_ws, &mut bob_ws, &mut gail] {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.role), (bob_id, RoomRole::Participant));
    }
    let mute = ClientMessage::Mute {
        peer: gail_id,
        track: TrackKind::Audio,
    };
    refused(&mut bob_ws, mute, ErrorCode::Forbidden).await;
    sentinel(&mut gail, &mut [&mut ann_ws, &mut bob_ws], "roles settled").await;
}

#[tokio::test]
async fn a_participant_is_refused_every_moderator_action_and_nothing_changes() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut pat = app.connect_guest(&room, "Pat").await;
    let pat_id = pat.welcome().await.you;
    ann_ws.peer_joined().await;
    let mut tess = app.connect_guest(&room, "Tess").await;
    let tess_id = tess.welcome().await.you;
    ann_ws.peer_joined().await;
    pat.peer_joined().await;

    tess.send(&ClientMessage::Hand { raised: true }).await;
    for ws in [&mut ann_ws, &mut pat, &mut tess] {
        assert_eq!(ws.peer_updated().await.hand, Some(1));
    }
    let kept = say(&mut ann_ws, "keep me").await;
    expect_chat(&mut pat, "keep me").await;
    expect_chat(&mut tess, "keep me").await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    for ws in [&mut ann_ws, &mut pat, &mut tess] {
        assert_eq!(
            ws.recv().await,
            ServerMessage::Access {
                access: RoomAccess::AskToJoin
            }
        );
    }
    let mut kim = app.connect_guest(&room, "Kim").await;
    knock(&mut kim).await;
    let kim_id = lobby(&mut ann_ws).await[0].id;

    for message in [
        ClientMessage::SetAccess {
            access: RoomAccess::Locked,
        },
        ClientMessage::SetAccess {
            access: RoomAccess::Open,
        },
        ClientMessage::Admit { peer: kim_id },
        ClientMessage::AdmitAll,
        ClientMessage::Deny { peer: kim_id },
        ClientMessage::DenyAll,
        ClientMessage::AskUnmute { peer: tess_id },
        ClientMessage::Mute {
            peer: tess_id,
            track: TrackKind::Audio,
        },
        ClientMessage::Mute {
            peer: tess_id,
            track: TrackKind::Video,
        },
        ClientMessage::Mute {
            peer: ann_id,
            track: TrackKind::Audio,
        },
        ClientMessage::LowerHand { peer: tess_id },
        ClientMessage::Remove { peer: tess_id },
        ClientMessage::Remove { peer: ann_id },
        ClientMessage::DeleteChat {
            id: kept.id.clone(),
        },
        ClientMessage::SetRole {
            peer: pat_id,
            role: RoomRole::CoHost,
        },
        ClientMessage::SetRole {
            peer: tess_id,
            role: RoomRole::CoHost,
        },
        ClientMessage::EndMeeting,
    ] {
        refused(&mut pat, message, ErrorCode::Forbidden).await;
    }

    // Nobody heard of any of it: no mute, no unmute request, no closing,
    // no lobby change, no deleted chat.
    sentinel(&mut tess, &mut [&mut ann_ws, &mut pat], "still here").await;
    // Kim still waits, and what she finds once let in is the room as it was.
    ann_ws.send(&ClientMessage::Admit { peer: kim_id }).await;
    let welcome = kim.expect_welcome().await;
    assert_eq!(welcome.access, RoomAccess::AskToJoin);
    let listed: Vec<&str> = welcome.peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(listed, vec!["Ann", "Pat", "Tess"]);
    let tess_now = welcome.peers.iter().find(|p| p.id == tess_id).unwrap();
    assert!(tess_now.audio && tess_now.video, "{tess_now:?}");
    assert_eq!(tess_now.hand, Some(1));
    assert_eq!(tess_now.role, RoomRole::Participant);
    let pat_now = welcome.peers.iter().find(|p| p.id == pat_id).unwrap();
    assert_eq!(pat_now.role, RoomRole::Participant);
    let history: Vec<&str> = welcome.chat.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(history, vec!["keep me", "still here"]);
    assert_eq!(ann_ws.peer_joined().await.id, kim_id);
    assert_eq!(lobby(&mut ann_ws).await, Vec::<Knock>::new());
}

/// Indices into the clients of [`a_moderator_can_do_everything`].
const ANN: usize = 0;
const BOB: usize = 1;
const TESS: usize = 2;

/// Every moderator action, by the host (`co_host == false`) or by Bob
/// made co-host. Each client's messages are checked in full, in order.
async fn a_moderator_can_do_everything(co_host: bool) {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let bob_id = bob_ws.welcome().await.you;
    ann_ws.peer_joined().await;
    let mut tess = app.connect_guest(&room, "Tess").await;
    let tess_id = tess.welcome().await.you;
    ann_ws.peer_joined().await;
    bob_ws.peer_joined().await;
    let mut all = vec![ann_ws, bob_ws, tess];
    if co_host {
        all[ANN]
            .send(&ClientMessage::SetRole {
                peer: bob_id,
                role: RoomRole::CoHost,
            })
            .await;
        assert_eq!(lobby(&mut all[BOB]).await, Vec::<Knock>::new());
        for ws in all.iter_mut() {
            assert_eq!(ws.peer_updated().await.role, RoomRole::CoHost);
        }
    }
    let (m, m_id) = if co_host {
        (BOB, bob_id)
    } else {
        (ANN, ann_id)
    };
    // Who gets the lobby list.
    let moderators: Vec<usize> = if co_host { vec![ANN, BOB] } else { vec![ANN] };

    // Asking to unmute reaches the target alone (the others' next
    // message is the mute below).
    all[m]
        .send(&ClientMessage::AskUnmute { peer: tess_id })
        .await;
    assert_eq!(
        all[TESS].recv().await,
        ServerMessage::UnmuteRequest { by: m_id }
    );
    for (track, audio, video) in [
        (TrackKind::Audio, false, true),
        (TrackKind::Video, false, false),
    ] {
        all[m]
            .send(&ClientMessage::Mute {
                peer: tess_id,
                track,
            })
            .await;
        assert_eq!(
            all[TESS].recv().await,
            ServerMessage::MutedBy { by: m_id, track }
        );
        for ws in all.iter_mut() {
            let peer = ws.peer_updated().await;
            assert_eq!((peer.id, peer.audio, peer.video), (tess_id, audio, video));
        }
    }

    all[TESS].send(&ClientMessage::Hand { raised: true }).await;
    for ws in all.iter_mut() {
        assert!(ws.peer_updated().await.hand.is_some());
    }
    all[m]
        .send(&ClientMessage::LowerHand { peer: tess_id })
        .await;
    for ws in all.iter_mut() {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.hand), (tess_id, None));
    }

    let oops = say(&mut all[TESS], "oops").await;
    for i in [ANN, BOB] {
        expect_chat(&mut all[i], "oops").await;
    }
    all[m]
        .send(&ClientMessage::DeleteChat {
            id: oops.id.clone(),
        })
        .await;
    for ws in all.iter_mut() {
        assert_eq!(
            ws.recv().await,
            ServerMessage::ChatDeleted {
                id: oops.id.clone()
            }
        );
    }
    refused(
        &mut all[m],
        ClientMessage::DeleteChat {
            id: oops.id.clone(),
        },
        ErrorCode::NotFound,
    )
    .await;

    // The lobby.
    all[m]
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    for ws in all.iter_mut() {
        assert_eq!(
            ws.recv().await,
            ServerMessage::Access {
                access: RoomAccess::AskToJoin
            }
        );
    }
    let mut kay = app.connect_guest(&room, "Kay").await;
    knock(&mut kay).await;
    let mut kay_id = None;
    for &i in &moderators {
        let knocks = lobby(&mut all[i]).await;
        assert_eq!(names(&knocks), vec!["Kay"]);
        assert!(!knocks[0].member);
        kay_id = Some(knocks[0].id);
    }
    let kay_id = kay_id.unwrap();
    all[m].send(&ClientMessage::Admit { peer: kay_id }).await;
    let welcome = kay.expect_welcome().await;
    assert_eq!((welcome.you, welcome.role), (kay_id, RoomRole::Participant));
    assert!(
        welcome.lobby.is_empty(),
        "participants do not see the lobby"
    );
    for ws in all.iter_mut() {
        assert_eq!(ws.peer_joined().await.id, kay_id);
    }
    for &i in &moderators {
        assert!(lobby(&mut all[i]).await.is_empty());
    }
    all.push(kay);

    let mut dee = app.connect_guest(&room, "Dee").await;
    knock(&mut dee).await;
    let mut dee_id = None;
    for &i in &moderators {
        dee_id = Some(lobby(&mut all[i]).await[0].id);
    }
    all[m]
        .send(&ClientMessage::Deny {
            peer: dee_id.unwrap(),
        })
        .await;
    dee.expect_closed(CloseReason::Denied).await;
    for &i in &moderators {
        assert!(lobby(&mut all[i]).await.is_empty());
    }
    refused(
        &mut all[m],
        ClientMessage::Admit {
            peer: PeerId(999_999),
        },
        ErrorCode::NotFound,
    )
    .await;
    refused(
        &mut all[m],
        ClientMessage::Deny {
            peer: PeerId(999_999),
        },
        ErrorCode::NotFound,
    )
    .await;

    let mut al = app.connect_guest(&room, "Al").await;
    knock(&mut al).await;
    let mut bea = app.connect_guest(&room, "Bea").await;
    knock(&mut bea).await;
    for &i in &moderators {
        assert_eq!(names(&lobby(&mut all[i]).await), vec!["Al"]);
        assert_eq!(names(&lobby(&mut all[i]).await), vec!["Al", "Bea"]);
    }
    all[m].send(&ClientMessage::AdmitAll).await;
    let al_id = al.expect_welcome().await.you;
    let bea_welcome = bea.expect_welcome().await;
    assert!(bea_welcome.peers.iter().any(|p| p.id == al_id));
    assert_eq!(al.peer_joined().await.id, bea_welcome.you);
    for ws in all.iter_mut() {
        assert_eq!(ws.peer_joined().await.id, al_id);
        assert_eq!(ws.peer_joined().await.id, bea_welcome.you);
    }
    for &i in &moderators {
        assert!(lobby(&mut all[i]).await.is_empty());
    }
    all.push(al);
    all.push(bea);

    let mut cy = app.connect_guest(&room, "Cy").await;
    knock(&mut cy).await;
    let mut di = app.connect_guest(&room, "Di").await;
    knock(&mut di).await;
    for &i in &moderators {
        assert_eq!(names(&lobby(&mut all[i]).await), vec!["Cy"]);
        assert_eq!(names(&lobby(&mut all[i]).await), vec!["Cy", "Di"]);
    }
    all[m].send(&ClientMessage::DenyAll).await;
    cy.expect_closed(CloseReason::Denied).await;
    di.expect_closed(CloseReason::Denied).await;
    for &i in &moderators {
        assert!(lobby(&mut all[i]).await.is_empty());
    }

    // Removing.
    all[m].send(&ClientMessage::Remove { peer: tess_id }).await;
    let mut tess = all.remove(TESS);
    tess.expect_closed(CloseReason::Removed).await;
    for ws in all.iter_mut() {
        assert_eq!(ws.recv().await, ServerMessage::PeerLeft { peer: tess_id });
    }

    // Locking, then ending for everyone, the lobby included.
    all[m]
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::Locked,
        })
        .await;
    for ws in all.iter_mut() {
        assert_eq!(
            ws.recv().await,
            ServerMessage::Access {
                access: RoomAccess::Locked
            }
        );
    }
    let mut ed = app.connect_guest(&room, "Ed").await;
    knock(&mut ed).await;
    for &i in &moderators {
        assert_eq!(names(&lobby(&mut all[i]).await), vec!["Ed"]);
    }
    all[m].send(&ClientMessage::EndMeeting).await;
    for ws in all.iter_mut() {
        ws.expect_closed(CloseReason::Ended).await;
    }
    ed.expect_closed(CloseReason::Ended).await;
    let mut later = app.connect_guest(&room, "Later").await;
    let welcome = later.welcome().await;
    assert!(welcome.peers.is_empty(), "{:?}", welcome.peers);
}

#[tokio::test]
async fn the_host_can_use_every_moderator_action() {
    a_moderator_can_do_everything(false).await;
}

#[tokio::test]
async fn a_cohost_can_use_every_moderator_action() {
    a_moderator_can_do_everything(true).await;
}

#[tokio::test]
async fn a_cohost_cannot_act_on_the_host() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let bob_id = bob_ws.welcome().await.you;
    ann_ws.peer_joined().await;
    ann_ws
        .send(&ClientMessage::SetRole {
            peer: bob_id,
            role: RoomRole::CoHost,
        })
        .await;
    lobby(&mut bob_ws).await;
    ann_ws.peer_updated().await;
    bob_ws.peer_updated().await;
    ann_ws.send(&ClientMessage::Hand { raised: true }).await;
    assert_eq!(ann_ws.peer_updated().await.hand, Some(1));
    assert_eq!(bob_ws.peer_updated().await.hand, Some(1));

    for message in [
        ClientMessage::Mute {
            peer: ann_id,
            track: TrackKind::Audio,
        },
        ClientMessage::Mute {
            peer: ann_id,
            track: TrackKind::Video,
        },
        ClientMessage::AskUnmute { peer: ann_id },
        ClientMessage::LowerHand { peer: ann_id },
        ClientMessage::Remove { peer: ann_id },
        ClientMessage::SetRole {
            peer: ann_id,
            role: RoomRole::Participant,
        },
    ] {
        refused(&mut bob_ws, message, ErrorCode::Forbidden).await;
    }
    sentinel(&mut bob_ws, &mut [&mut ann_ws], "hands off").await;
    let mut cat = app.connect_guest(&room, "Cat").await;
    let welcome = cat.welcome().await;
    let host = welcome.peers.iter().find(|p| p.id == ann_id).unwrap();
    assert_eq!(host.role, RoomRole::Host);
    assert!(host.audio && host.video, "{host:?}");
    assert_eq!(host.hand, Some(1));
}

#[tokio::test]
async fn a_removed_member_cannot_come_back_by_ticket_or_session() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    // A ticket fetched before the removal does not help afterwards.
    let old_ticket = app.join(&bob.client, &room, "").await;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    let bob_id = bob_ws.welcome().await.you;
    ann_ws.peer_joined().await;

    ann_ws.send(&ClientMessage::Remove { peer: bob_id }).await;
    bob_ws.expect_closed(CloseReason::Removed).await;
    assert_eq!(
        ann_ws.recv().await,
        ServerMessage::PeerLeft { peer: bob_id }
    );

    async fn barred(app: &TestApp, bob: &TestUser, room: &str, old_ticket: &str) {
        let call = app
            .call::<JoinTicket>(&bob.client, "join_meeting", &[("room", room)])
            .await;
        assert_eq!(call.status.as_u16(), 403);
        assert_eq!(call.result, Err(AppError::Forbidden));
        let mut by_session = app.connect_with_session(bob, room).await;
        by_session.join_with(None).await;
        by_session.expect_closed(CloseReason::Removed).await;
        let mut by_old_ticket = WsClient::connect(&app.ws_url(room, Some(old_ticket))).await;
        by_old_ticket.join_with(None).await;
        by_old_ticket.expect_closed(CloseReason::Removed).await;
    }
    barred(&app, &bob, &room, &old_ticket).await;

    // The removal is stored, not kept in the room: it outlives it.
    ann_ws.close().await;
    let meeting_id: String = {
        let db = app.db().await;
        let row = sqlx::query("SELECT meeting_id, subject FROM meeting_removals")
            .fetch_one(&db)
            .await
            .expect("one removal stored");
        let subject: String = row.get("subject");
        assert!(subject.starts_with("user:"), "{subject}");
        row.get("meeting_id")
    };
    let mut guest = app.connect_guest(&room, "Gail").await;
    let welcome = guest.welcome().await;
    assert!(
        welcome.peers.is_empty(),
        "the room emptied: {:?}",
        welcome.peers
    );
    guest.close().await;
    barred(&app, &bob, &room, &old_ticket).await;

    // Only that meeting: Bob may still join another of Ann's.
    let (other_id, other_room) = app.create_meeting(&ann, "Another", "").await;
    assert_ne!(other_id, meeting_id);
    let mut elsewhere = app.connect_member(&bob, &other_room).await;
    elsewhere.welcome().await;
}

#[tokio::test]
async fn a_removed_guest_stays_removed_in_that_browser() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    let gus_browser = client();
    let mut gus = app.connect_as(&gus_browser, &room, "Gus").await;
    let gus_id = gus.welcome().await.you;
    ann_ws.peer_joined().await;
    let spare_ticket = app.join(&gus_browser, &room, "Gus").await;

    ann_ws.send(&ClientMessage::Remove { peer: gus_id }).await;
    gus.expect_closed(CloseReason::Removed).await;
    assert_eq!(
        ann_ws.recv().await,
        ServerMessage::PeerLeft { peer: gus_id }
    );
    // A ticket from before the removal does not help.
    let mut spare = WsClient::connect(&app.ws_url(&room, Some(&spare_ticket))).await;
    spare.join_with(None).await;
    spare.expect_closed(CloseReason::Removed).await;

    for name in ["Gus", "Someone Else"] {
        let call = app
            .call::<JoinTicket>(
                &gus_browser,
                "join_meeting",
                &[("room", &room), ("display_name", name)],
            )
            .await;
        assert_eq!(call.status.as_u16(), 403);
        assert_eq!(call.result, Err(AppError::Forbidden));
    }
    // Another browser is another guest.
    let mut other = app.connect_guest(&room, "Gus").await;
    other.welcome().await;
    assert_eq!(ann_ws.peer_joined().await.name, "Gus");
}

#[tokio::test]
async fn ask_to_join_lets_members_in_and_makes_guests_knock() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut pat = app.connect_guest(&room, "Pat").await;
    pat.welcome().await;
    ann_ws.peer_joined().await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    for ws in [&mut ann_ws, &mut pat] {
        assert_eq!(
            ws.recv().await,
            ServerMessage::Access {
                access: RoomAccess::AskToJoin
            }
        );
    }

    let mut gus = app.connect_guest(&room, "Gus").await;
    knock(&mut gus).await;
    let knocks = lobby(&mut ann_ws).await;
    assert_eq!(names(&knocks), vec!["Gus"]);
    assert!(!knocks[0].member);
    let gus_id = knocks[0].id;
    // Waiting is not being in: nothing but `leave` works.
    for message in [
        ClientMessage::Offer {
            to: ann_id,
            sdp: "v=0".into(),
        },
        ClientMessage::Answer {
            to: ann_id,
            sdp: "v=0".into(),
        },
        ClientMessage::Candidate {
            to: ann_id,
            candidate: None,
        },
        ClientMessage::Chat {
            text: "let me in".into(),
            to: None,
        },
        ClientMessage::Chat {
            text: "psst".into(),
            to: Some(ann_id),
        },
        ClientMessage::Media {
            audio: false,
            video: false,
            screen: false,
        },
        ClientMessage::Hand { raised: true },
        ClientMessage::React {
            emoji: REACTIONS[0].into(),
        },
        ClientMessage::AdmitAll,
    ] {
        refused(&mut gus, message, ErrorCode::NotJoined).await;
    }

    let mut bob_ws = app.connect_member(&bob, &room).await;
    let welcome = bob_ws.welcome().await;
    assert_eq!(welcome.access, RoomAccess::AskToJoin);
    assert!(welcome.lobby.is_empty());
    for ws in [&mut ann_ws, &mut pat] {
        assert_eq!(ws.peer_joined().await.name, "Bob");
    }

    ann_ws.send(&ClientMessage::Admit { peer: gus_id }).await;
    let welcome = gus.expect_welcome().await;
    assert_eq!(welcome.you, gus_id);
    assert_eq!(welcome.access, RoomAccess::AskToJoin);
    assert_eq!(welcome.peers.len(), 3);
    for ws in [&mut ann_ws, &mut pat, &mut bob_ws] {
        assert_eq!(ws.peer_joined().await.id, gus_id);
    }
    assert!(lobby(&mut ann_ws).await.is_empty());
    // Pat, not a moderator, never heard of the lobby; Gus's refused
    // messages reached no one.
    sentinel(&mut gus, &mut [&mut ann_ws, &mut pat, &mut bob_ws], "in").await;
}

#[tokio::test]
async fn a_locked_room_makes_members_knock_but_not_the_host_or_cohosts() {
    let (app, ann, room) = meeting().await;
    let bob = app.register("Bob", "UTC").await;
    let cora = app.register("Cora", "UTC").await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    let mut cora_ws = app.connect_member(&cora, &room).await;
    let cora_id = cora_ws.welcome().await.you;
    ann_ws.peer_joined().await;
    ann_ws
        .send(&ClientMessage::SetRole {
            peer: cora_id,
            role: RoomRole::CoHost,
        })
        .await;
    lobby(&mut cora_ws).await;
    ann_ws.peer_updated().await;
    cora_ws.peer_updated().await;
    cora_ws.close().await;
    assert_eq!(
        ann_ws.recv().await,
        ServerMessage::PeerLeft { peer: cora_id }
    );

    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::Locked,
        })
        .await;
    assert_eq!(
        ann_ws.recv().await,
        ServerMessage::Access {
            access: RoomAccess::Locked
        }
    );
    let mut bob_ws = app.connect_member(&bob, &room).await;
    knock(&mut bob_ws).await;
    let knocks = lobby(&mut ann_ws).await;
    assert_eq!(names(&knocks), vec!["Bob"]);
    assert!(knocks[0].member);

    // The co-host walks in, and sees who is waiting.
    let mut cora_ws = app.connect_member(&cora, &room).await;
    let welcome = cora_ws.welcome().await;
    assert_eq!(welcome.role, RoomRole::CoHost);
    assert_eq!(welcome.access, RoomAccess::Locked);
    assert_eq!(welcome.lobby, knocks);
    assert_eq!(ann_ws.peer_joined().await.role, RoomRole::CoHost);

    // So does the host, coming back.
    ann_ws.close().await;
    let ann_left = match cora_ws.recv().await {
        ServerMessage::PeerLeft { peer } => peer,
        other => panic!("expected peer_left, got {other:?}"),
    };
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let welcome = ann_ws.welcome().await;
    assert_ne!(welcome.you, ann_left);
    assert_eq!(welcome.role, RoomRole::Host);
    assert_eq!(welcome.lobby, knocks);
    assert_eq!(cora_ws.peer_joined().await.role, RoomRole::Host);

    cora_ws
        .send(&ClientMessage::Admit { peer: knocks[0].id })
        .await;
    let welcome = bob_ws.expect_welcome().await;
    assert_eq!(welcome.role, RoomRole::Participant);
    for ws in [&mut ann_ws, &mut cora_ws] {
        assert_eq!(ws.peer_joined().await.name, "Bob");
        assert!(lobby(ws).await.is_empty());
    }
}

#[tokio::test]
async fn a_knocker_who_goes_away_leaves_the_lobby() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    ann_ws.recv().await;
    let mut knockers = Vec::new();
    for name in ["Al", "Bea", "Cy"] {
        let mut ws = app.connect_guest(&room, name).await;
        knock(&mut ws).await;
        lobby(&mut ann_ws).await;
        knockers.push(ws);
    }
    let mut cy = knockers.pop().unwrap();
    let bea = knockers.pop().unwrap();
    let al = knockers.pop().unwrap();
    al.drop_abruptly();
    assert_eq!(names(&lobby(&mut ann_ws).await), vec!["Bea", "Cy"]);
    bea.close().await;
    assert_eq!(names(&lobby(&mut ann_ws).await), vec!["Cy"]);
    cy.send(&ClientMessage::Leave).await;
    assert!(lobby(&mut ann_ws).await.is_empty());
    cy.expect_end().await;
}

#[tokio::test]
async fn opening_the_room_lets_everyone_waiting_in() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::Locked,
        })
        .await;
    ann_ws.recv().await;
    let bob = app.register("Bob", "UTC").await;
    let mut bob_ws = app.connect_member(&bob, &room).await;
    knock(&mut bob_ws).await;
    let mut gus = app.connect_guest(&room, "Gus").await;
    knock(&mut gus).await;
    assert_eq!(names(&lobby(&mut ann_ws).await), vec!["Bob"]);
    assert_eq!(names(&lobby(&mut ann_ws).await), vec!["Bob", "Gus"]);

    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::Open,
        })
        .await;
    assert_eq!(
        ann_ws.recv().await,
        ServerMessage::Access {
            access: RoomAccess::Open
        }
    );
    let bob_welcome = bob_ws.expect_welcome().await;
    assert_eq!(bob_welcome.access, RoomAccess::Open);
    let gus_welcome = gus.expect_welcome().await;
    assert_eq!(gus_welcome.peers.len(), 2);
    assert_eq!(bob_ws.peer_joined().await.id, gus_welcome.you);
    assert_eq!(ann_ws.peer_joined().await.id, bob_welcome.you);
    assert_eq!(ann_ws.peer_joined().await.id, gus_welcome.you);
    assert!(lobby(&mut ann_ws).await.is_empty());
    // And newcomers walk straight in.
    let mut later = app.connect_guest(&room, "Later").await;
    assert_eq!(later.welcome().await.peers.len(), 3);
}

#[tokio::test]
async fn a_host_arriving_later_sees_who_is_knocking() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let ann_id = ann_ws.welcome().await.you;
    let mut pat = app.connect_guest(&room, "Pat").await;
    pat.welcome().await;
    ann_ws.peer_joined().await;
    ann_ws
        .send(&ClientMessage::SetAccess {
            access: RoomAccess::AskToJoin,
        })
        .await;
    ann_ws.recv().await;
    pat.recv().await;
    ann_ws.close().await;
    assert_eq!(pat.recv().await, ServerMessage::PeerLeft { peer: ann_id });

    let mut gus = app.connect_guest(&room, "Gus").await;
    knock(&mut gus).await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    let welcome = ann_ws.welcome().await;
    assert_eq!(welcome.access, RoomAccess::AskToJoin);
    assert_eq!(names(&welcome.lobby), vec!["Gus"]);
    assert_eq!(pat.peer_joined().await.role, RoomRole::Host);
    ann_ws
        .send(&ClientMessage::Admit {
            peer: welcome.lobby[0].id,
        })
        .await;
    assert_eq!(gus.expect_welcome().await.peers.len(), 2);
}

const AUDIO_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
    m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n";

fn with_video(direction: &str) -> String {
    format!("{AUDIO_SDP}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n{direction}")
}

#[tokio::test]
async fn joiners_above_the_mesh_limit_are_audio_only_and_may_not_send_video() {
    let (app, _, room) = meeting_with(|config| config.meeting.mesh_limit = 2).await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    let welcome = b.welcome().await;
    assert!(!welcome.audio_only);
    a.peer_joined().await;
    let mut c = app.connect_guest(&room, "C").await;
    let welcome = c.welcome().await;
    assert!(welcome.audio_only);
    let c_id = welcome.you;
    for ws in [&mut a, &mut b] {
        let peer = ws.peer_joined().await;
        assert!(peer.audio_only && !peer.video, "{peer:?}");
    }

    for (audio, video, screen) in [
        (true, true, false),
        (true, false, true),
        (false, true, true),
    ] {
        refused(
            &mut c,
            ClientMessage::Media {
                audio,
                video,
                screen,
            },
            ErrorCode::VideoLimit,
        )
        .await;
    }
    for sdp in [
        with_video("a=sendrecv\r\n"),
        with_video("a=sendonly\r\n"),
        with_video(""),
    ] {
        let offer = ClientMessage::Offer {
            to: a_id,
            sdp: sdp.clone(),
        };
        refused(&mut c, offer, ErrorCode::VideoLimit).await;
        let answer = ClientMessage::Answer { to: a_id, sdp };
        refused(&mut c, answer, ErrorCode::VideoLimit).await;
    }
    // Receiving video, and sending audio, is fine.
    let recvonly = with_video("a=recvonly\r\n");
    for sdp in [recvonly, AUDIO_SDP.to_owned()] {
        c.send(&ClientMessage::Offer {
            to: a_id,
            sdp: sdp.clone(),
        })
        .await;
        assert_eq!(a.recv().await, ServerMessage::Offer { from: c_id, sdp });
    }
    c.send(&ClientMessage::Media {
        audio: false,
        video: false,
        screen: false,
    })
    .await;
    for ws in [&mut a, &mut b, &mut c] {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.audio, peer.audio_only), (c_id, false, true));
    }
    // The refused offers never reached A: the next thing A hears is this.
    sentinel(&mut b, &mut [&mut a, &mut c], "after the refusals").await;
}

#[tokio::test]
async fn a_freed_video_place_goes_to_the_earliest_audio_only_peer() {
    let (app, _, room) = meeting_with(|config| config.meeting.mesh_limit = 2).await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    a.peer_joined().await;
    let mut c = app.connect_guest(&room, "C").await;
    let c_id = c.welcome().await.you;
    for ws in [&mut a, &mut b] {
        ws.peer_joined().await;
    }
    let mut d = app.connect_guest(&room, "D").await;
    let welcome = d.welcome().await;
    assert!(welcome.audio_only);
    for ws in [&mut a, &mut b, &mut c] {
        assert!(ws.peer_joined().await.audio_only);
    }

    // An audio-only peer leaving frees nothing.
    let mut e = app.connect_guest(&room, "E").await;
    let e_id = e.welcome().await.you;
    for ws in [&mut a, &mut b, &mut c, &mut d] {
        ws.peer_joined().await;
    }
    e.close().await;
    for ws in [&mut a, &mut b, &mut c, &mut d] {
        assert_eq!(ws.recv().await, ServerMessage::PeerLeft { peer: e_id });
    }

    a.close().await;
    for ws in [&mut b, &mut c, &mut d] {
        assert_eq!(ws.recv().await, ServerMessage::PeerLeft { peer: a_id });
        let promoted = ws.peer_updated().await;
        assert_eq!((promoted.id, promoted.audio_only), (c_id, false));
    }
    refused(
        &mut d,
        ClientMessage::Media {
            audio: true,
            video: true,
            screen: false,
        },
        ErrorCode::VideoLimit,
    )
    .await;
    c.send(&ClientMessage::Media {
        audio: true,
        video: true,
        screen: false,
    })
    .await;
    for ws in [&mut b, &mut c, &mut d] {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.video), (c_id, true));
    }
    let sdp = with_video("a=sendrecv\r\n");
    c.send(&ClientMessage::Offer {
        to: b_id,
        sdp: sdp.clone(),
    })
    .await;
    assert_eq!(b.recv().await, ServerMessage::Offer { from: c_id, sdp });
}

#[tokio::test]
async fn private_chat_reaches_only_its_recipient_and_sender_and_is_never_replayed() {
    let (app, _, room) = meeting().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    a.peer_joined().await;
    let mut c = app.connect_guest(&room, "C").await;
    c.welcome().await;
    a.peer_joined().await;
    b.peer_joined().await;

    a.send(&ClientMessage::Chat {
        text: " psst ".into(),
        to: Some(b_id),
    })
    .await;
    let sent = expect_chat(&mut a, "psst").await;
    let got = expect_chat(&mut b, "psst").await;
    assert_eq!(sent, got);
    assert_eq!((got.from, got.to), (Some(a_id), Some(b_id)));
    for to in [a_id, PeerId(999_999)] {
        let message = ClientMessage::Chat {
            text: "to nobody".into(),
            to: Some(to),
        };
        refused(&mut a, message, ErrorCode::UnknownPeer).await;
    }
    // Had C been told, the private message would come first.
    sentinel(&mut a, &mut [&mut b, &mut c], "public").await;

    let mut d = app.connect_guest(&room, "D").await;
    let history: Vec<String> = d.welcome().await.chat.into_iter().map(|m| m.text).collect();
    assert_eq!(history, vec!["public"]);
    // Nor is it stored: the history read back from the database has the
    // public message only.
    for ws in [a, b, c, d] {
        ws.close().await;
    }
    let mut e = loop {
        let mut e = app.connect_guest(&room, "E").await;
        let welcome = e.welcome().await;
        if welcome.peers.is_empty() {
            let history: Vec<String> = welcome.chat.into_iter().map(|m| m.text).collect();
            assert_eq!(history, vec!["public"]);
            break e;
        }
        // The others' sockets are still closing; look again.
        e.close().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    e.send(&ClientMessage::Chat {
        text: "hello?".into(),
        to: Some(PeerId(999_999)),
    })
    .await;
    expect_error(e.recv().await, ErrorCode::UnknownPeer);
}

#[tokio::test]
async fn a_deleted_chat_message_is_gone_for_everyone_and_for_later_joiners() {
    let (app, ann, room) = meeting().await;
    let mut ann_ws = app.connect_with_session(&ann, &room).await;
    ann_ws.welcome().await;
    let mut pat = app.connect_guest(&room, "Pat").await;
    let pat_id = pat.welcome().await.you;
    ann_ws.peer_joined().await;
    let first = say(&mut pat, "first").await;
    expect_chat(&mut ann_ws, "first").await;
    say(&mut pat, "second").await;
    expect_chat(&mut ann_ws, "second").await;
    ann_ws
        .send(&ClientMessage::Chat {
            text: "private".into(),
            to: Some(pat_id),
        })
        .await;
    let private = expect_chat(&mut ann_ws, "private").await;
    expect_chat(&mut pat, "private").await;

    ann_ws
        .send(&ClientMessage::DeleteChat {
            id: first.id.clone(),
        })
        .await;
    for ws in [&mut ann_ws, &mut pat] {
        assert_eq!(
            ws.recv().await,
            ServerMessage::ChatDeleted {
                id: first.id.clone()
            }
        );
    }
    for id in [first.id, private.id, "no-such-id".to_owned()] {
        refused(
            &mut ann_ws,
            ClientMessage::DeleteChat { id },
            ErrorCode::NotFound,
        )
        .await;
    }
    let mut later = app.connect_guest(&room, "Later").await;
    let history: Vec<String> = later
        .welcome()
        .await
        .chat
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(history, vec!["second"]);

    // Also in the history read back from the database once the room empties.
    for ws in [ann_ws, pat, later] {
        ws.close().await;
    }
    loop {
        let mut fresh = app.connect_guest(&room, "Fresh").await;
        let welcome = fresh.welcome().await;
        if welcome.peers.is_empty() {
            let history: Vec<String> = welcome.chat.into_iter().map(|m| m.text).collect();
            assert_eq!(history, vec!["second"]);
            break;
        }
        fresh.close().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reactions_reach_everyone_and_only_the_offered_emoji_pass() {
    let (app, _, room) = meeting().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    b.welcome().await;
    a.peer_joined().await;
    for emoji in REACTIONS {
        a.send(&ClientMessage::React {
            emoji: emoji.into(),
        })
        .await;
        for ws in [&mut a, &mut b] {
            assert_eq!(
                ws.recv().await,
                ServerMessage::Reaction {
                    from: a_id,
                    emoji: emoji.into()
                }
            );
        }
    }
    for emoji in ["", "💩", "👍👍", " 👍", "<img src=x>", "x"] {
        let message = ClientMessage::React {
            emoji: emoji.into(),
        };
        refused(&mut a, message, ErrorCode::InvalidReaction).await;
    }
    sentinel(&mut a, &mut [&mut b], "no more reactions").await;
}

#[tokio::test]
async fn raised_hands_are_numbered_in_the_order_they_went_up() {
    let (app, _, room) = meeting().await;
    let mut a = app.connect_guest(&room, "A").await;
    let a_id = a.welcome().await.you;
    let mut b = app.connect_guest(&room, "B").await;
    let b_id = b.welcome().await.you;
    a.peer_joined().await;
    let mut c = app.connect_guest(&room, "C").await;
    let c_id = c.welcome().await.you;
    a.peer_joined().await;
    b.peer_joined().await;

    let mut order = Vec::new();
    for raiser in [b_id, c_id, a_id] {
        let ws = match raiser {
            id if id == a_id => &mut a,
            id if id == b_id => &mut b,
            _ => &mut c,
        };
        ws.send(&ClientMessage::Hand { raised: true }).await;
        let mut seen = Vec::new();
        for ws in [&mut a, &mut b, &mut c] {
            let peer = ws.peer_updated().await;
            assert_eq!(peer.id, raiser);
            seen.push(peer.hand.expect("a raised hand"));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
        order.push(seen[0]);
    }
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    // Raising a raised hand changes nothing; lowering clears it, and
    // raising again goes to the back of the queue.
    b.send(&ClientMessage::Hand { raised: true }).await;
    b.send(&ClientMessage::Hand { raised: false }).await;
    for ws in [&mut a, &mut b, &mut c] {
        let peer = ws.peer_updated().await;
        assert_eq!((peer.id, peer.hand), (b_id, None));
    }
    b.send(&ClientMessage::Hand { raised: false }).await;
    b.send(&ClientMessage::Hand { raised: true }).await;
    for ws in [&mut a, &mut b, &mut c] {
        let peer = ws.peer_updated().await;
        assert_eq!(peer.id, b_id);
        assert!(peer.hand.unwrap() > order[2], "{peer:?}");
    }
    let mut d = app.connect_guest(&room, "D").await;
    let welcome = d.welcome().await;
    let hand = |id| welcome.peers.iter().find(|p| p.id == id).unwrap().hand;
    assert_eq!(hand(c_id), Some(order[1]));
    assert_eq!(hand(a_id), Some(order[2]));
    assert!(hand(b_id) > Some(order[2]));
}
