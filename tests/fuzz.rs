//! Whatever a client sends — random valid messages, wrong types, garbage,
//! oversize frames, floods — the hub answers as the protocol says, nothing
//! reaches another room, and the rest of the room keeps working.

#![cfg(feature = "ssr")]

mod common;

use common::{client, spawn_app, spawn_app_with, TestApp, TestUser, WsClient};
use convene::chat::ChatText;
use convene::meeting::protocol::{
    ClientMessage, CloseReason, ErrorCode, IceCandidate, PeerId, PeerInfo, RoomAccess, RoomRole,
    ServerMessage, TrackKind, MAX_MESSAGE_BYTES, REACTIONS,
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

/// Whom a generated message is addressed to; resolved to a peer id once
/// the case's clients have joined.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The host, in the same room.
    Mate,
    /// The sender itself.
    Myself,
    /// A peer in another room.
    Stranger,
    /// No peer at all.
    Nobody,
}

/// A well-typed message with symbolic addressees.
#[derive(Clone, Debug)]
enum Template {
    Offer(Target, String),
    Answer(Target, String),
    Candidate(Target, Option<IceCandidate>),
    Media(bool, bool, bool),
    Chat(String, Option<Target>),
    Hand(bool),
    React(String),
    Join(String),
    DeleteChat(String),
    SetAccess(RoomAccess),
    Admit(Target),
    AdmitAll,
    Deny(Target),
    DenyAll,
    AskUnmute(Target),
    Mute(Target, TrackKind),
    LowerHand(Target),
    Remove(Target),
    SetRole(Target, RoomRole),
    EndMeeting,
}

/// One frame a client sends.
#[derive(Clone, Debug)]
enum Input {
    Message(Template),
    /// Any text at all.
    Text(String),
    /// Any JSON, often shaped like a message with fields of the wrong type.
    Json(Value),
    Binary(Vec<u8>),
}

struct Ids {
    mate: PeerId,
    me: PeerId,
    stranger: PeerId,
}

impl Ids {
    fn of(&self, target: Target) -> PeerId {
        match target {
            Target::Mate => self.mate,
            Target::Myself => self.me,
            Target::Stranger => self.stranger,
            Target::Nobody => PeerId(999_999_999),
        }
    }

    fn message(&self, template: &Template) -> ClientMessage {
        use ClientMessage as M;
        match template.clone() {
            Template::Offer(to, sdp) => M::Offer {
                to: self.of(to),
                sdp,
            },
            Template::Answer(to, sdp) => M::Answer {
                to: self.of(to),
                sdp,
            },
            Template::Candidate(to, candidate) => M::Candidate {
                to: self.of(to),
                candidate,
            },
            Template::Media(audio, video, screen) => M::Media {
                audio,
                video,
                screen,
            },
            Template::Chat(text, to) => M::Chat {
                text,
                to: to.map(|t| self.of(t)),
            },
            Template::Hand(raised) => M::Hand { raised },
            Template::React(emoji) => M::React { emoji },
            Template::Join(name) => M::Join { name, resume: None },
            Template::DeleteChat(id) => M::DeleteChat { id },
            Template::SetAccess(access) => M::SetAccess { access },
            Template::Admit(t) => M::Admit { peer: self.of(t) },
            Template::AdmitAll => M::AdmitAll,
            Template::Deny(t) => M::Deny { peer: self.of(t) },
            Template::DenyAll => M::DenyAll,
            Template::AskUnmute(t) => M::AskUnmute { peer: self.of(t) },
            Template::Mute(t, track) => M::Mute {
                peer: self.of(t),
                track,
            },
            Template::LowerHand(t) => M::LowerHand { peer: self.of(t) },
            Template::Remove(t) => M::Remove { peer: self.of(t) },
            Template::SetRole(t, role) => M::SetRole {
                peer: self.of(t),
                role,
            },
            Template::EndMeeting => M::EndMeeting,
        }
    }
}

/// What a client must receive, in order.
#[derive(Clone, Debug)]
enum Expect {
    Exact(ServerMessage),
    Error(ErrorCode),
    Chat {
        text: String,
        from: PeerId,
        to: Option<PeerId>,
    },
}

fn check(got: &ServerMessage, expected: &Expect, from_name: &str) -> bool {
    match (expected, got) {
        (Expect::Exact(exact), got) => exact == got,
        (Expect::Error(code), ServerMessage::Error { code: got, .. }) => code == got,
        (Expect::Chat { text, from, to }, ServerMessage::Chat { message }) => {
            &message.text == text
                && message.from == Some(*from)
                && &message.to == to
                && message.from_name == from_name
        }
        _ => false,
    }
}

/// The fuzzing participant as the room should see it, and what each of
/// the two in the room must be told.
struct Model {
    me: PeerInfo,
    mate: PeerId,
    next_hand: u64,
    public_chat: Vec<String>,
    to_me: Vec<Expect>,
    to_mate: Vec<Expect>,
}

impl Model {
    fn tell_both(&mut self, expect: Expect) {
        self.to_me.push(expect.clone());
        self.to_mate.push(expect);
    }

    fn update(&mut self) {
        let update = Expect::Exact(ServerMessage::PeerUpdated {
            peer: self.me.clone(),
        });
        self.tell_both(update);
    }

    fn relay(&mut self, to: PeerId, message: ServerMessage) {
        if to == self.mate {
            self.to_mate.push(Expect::Exact(message));
        } else if to == self.me.id {
            self.to_me.push(Expect::Exact(message));
        } else {
            self.to_me.push(Expect::Error(ErrorCode::UnknownPeer));
        }
    }

    /// A participant in the room sent `message` (never `leave`).
    fn joined(&mut self, message: ClientMessage) {
        let from = self.me.id;
        match message {
            ClientMessage::Offer { to, sdp } => self.relay(to, ServerMessage::Offer { from, sdp }),
            ClientMessage::Answer { to, sdp } => {
                self.relay(to, ServerMessage::Answer { from, sdp })
            }
            ClientMessage::Candidate { to, candidate } => {
                self.relay(to, ServerMessage::Candidate { from, candidate })
            }
            ClientMessage::Media {
                audio,
                video,
                screen,
            } => {
                self.me.audio = audio;
                self.me.video = video;
                self.me.screen = screen;
                self.update();
            }
            ClientMessage::Chat { text, to } => match (ChatText::parse(&text), to) {
                (Err(_), _) => self.to_me.push(Expect::Error(ErrorCode::InvalidChat)),
                (Ok(text), None) => {
                    self.public_chat.push(text.as_str().to_owned());
                    self.tell_both(Expect::Chat {
                        text: text.as_str().to_owned(),
                        from,
                        to: None,
                    });
                }
                (Ok(text), Some(to)) if to == self.mate => self.tell_both(Expect::Chat {
                    text: text.as_str().to_owned(),
                    from,
                    to: Some(to),
                }),
                (Ok(_), Some(_)) => self.to_me.push(Expect::Error(ErrorCode::UnknownPeer)),
            },
            ClientMessage::Hand { raised } => match (raised, self.me.hand) {
                (true, None) => {
                    self.me.hand = Some(self.next_hand);
                    self.next_hand += 1;
                    self.update();
                }
                (false, Some(_)) => {
                    self.me.hand = None;
                    self.update();
                }
                _ => {}
            },
            ClientMessage::React { emoji } => {
                if REACTIONS.contains(&emoji.as_str()) {
                    self.tell_both(Expect::Exact(ServerMessage::Reaction { from, emoji }));
                } else {
                    self.to_me.push(Expect::Error(ErrorCode::InvalidReaction));
                }
            }
            ClientMessage::Join { .. } => self.to_me.push(Expect::Error(ErrorCode::AlreadyJoined)),
            ClientMessage::Leave => unreachable!("never sent"),
            // Every moderator action, whoever it aims at.
            _ => self.to_me.push(Expect::Error(ErrorCode::Forbidden)),
        }
    }
}

/// The frame for `input`, and the message it parses as (if it does).
fn frame(input: &Input, ids: &Ids) -> (Option<String>, Option<ClientMessage>) {
    match input {
        Input::Message(template) => {
            let message = ids.message(template);
            (
                Some(serde_json::to_string(&message).unwrap()),
                Some(message),
            )
        }
        Input::Text(text) => (
            Some(text.clone()),
            serde_json::from_str::<ClientMessage>(text).ok(),
        ),
        Input::Json(value) => {
            let text = value.to_string();
            let parsed = serde_json::from_str::<ClientMessage>(&text).ok();
            (Some(text), parsed)
        }
        Input::Binary(_) => (None, None),
    }
}

async fn send_input(ws: &mut WsClient, input: &Input, text: Option<String>) {
    match (input, text) {
        (Input::Binary(bytes), _) => ws.send_binary(bytes.clone()).await,
        (_, Some(text)) => ws.send_raw(&text).await,
        (_, None) => unreachable!(),
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        3 => Just(Target::Mate),
        1 => Just(Target::Myself),
        2 => Just(Target::Stranger),
        1 => Just(Target::Nobody),
    ]
}

fn chat_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ,.!?]{1,40}",
        2 => "\\PC{0,40}",
        1 => any::<String>(),
        1 => "[ \t\n\r]{0,4}",
        1 => Just("я".repeat(2000)),
        1 => Just("x".repeat(2001)),
    ]
}

fn template() -> impl Strategy<Value = Template> {
    let sdp = prop_oneof![
        Just("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n".to_owned()),
        "\\PC{0,80}",
    ];
    let candidate = proptest::option::of(
        (
            "\\PC{0,40}",
            proptest::option::of("[0-9]{1,2}"),
            proptest::option::of(0u16..4),
        )
            .prop_map(|(candidate, sdp_mid, sdp_m_line_index)| IceCandidate {
                candidate,
                sdp_mid,
                sdp_m_line_index,
            }),
    );
    let emoji = prop_oneof![
        select(REACTIONS.to_vec()).prop_map(str::to_owned),
        "\\PC{0,4}"
    ];
    let access = select(vec![
        RoomAccess::Open,
        RoomAccess::AskToJoin,
        RoomAccess::Locked,
    ]);
    let role = select(vec![
        RoomRole::Host,
        RoomRole::CoHost,
        RoomRole::Participant,
    ]);
    let track = select(vec![TrackKind::Audio, TrackKind::Video]);
    prop_oneof![
        3 => (target(), sdp.clone()).prop_map(|(t, s)| Template::Offer(t, s)),
        2 => (target(), sdp).prop_map(|(t, s)| Template::Answer(t, s)),
        2 => (target(), candidate).prop_map(|(t, c)| Template::Candidate(t, c)),
        2 => (any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(a, v, s)| Template::Media(a, v, s)),
        3 => (chat_text(), proptest::option::of(target())).prop_map(|(x, t)| Template::Chat(x, t)),
        2 => any::<bool>().prop_map(Template::Hand),
        2 => emoji.prop_map(Template::React),
        1 => "\\PC{0,10}".prop_map(Template::Join),
        1 => "\\PC{0,40}".prop_map(Template::DeleteChat),
        1 => access.prop_map(Template::SetAccess),
        1 => target().prop_map(Template::Admit),
        1 => Just(Template::AdmitAll),
        1 => target().prop_map(Template::Deny),
        1 => Just(Template::DenyAll),
        1 => target().prop_map(Template::AskUnmute),
        1 => (target(), track).prop_map(|(t, k)| Template::Mute(t, k)),
        1 => target().prop_map(Template::LowerHand),
        1 => target().prop_map(Template::Remove),
        1 => (target(), role).prop_map(|(t, r)| Template::SetRole(t, r)),
        1 => Just(Template::EndMeeting),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..64).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const TAGS: [&str; 21] = [
    "join",
    "offer",
    "answer",
    "candidate",
    "media",
    "chat",
    "hand",
    "react",
    "delete_chat",
    "set_access",
    "admit",
    "admit_all",
    "deny",
    "deny_all",
    "ask_unmute",
    "mute",
    "lower_hand",
    "remove",
    "set_role",
    "end_meeting",
    "leave",
];

const FIELDS: [&str; 17] = [
    "to",
    "from",
    "sdp",
    "candidate",
    "audio",
    "video",
    "screen",
    "text",
    "raised",
    "emoji",
    "id",
    "access",
    "peer",
    "track",
    "role",
    "name",
    "resume",
];

/// JSON objects with a message's `type` and fields of any type.
fn message_shaped() -> impl Strategy<Value = Value> {
    let tag = prop_oneof![
        4 => select(TAGS.to_vec()).prop_map(Value::from),
        1 => "[a-z_]{0,12}".prop_map(Value::from),
        1 => json(),
    ];
    (
        tag,
        proptest::collection::btree_map(select(FIELDS.to_vec()), json(), 0..5),
    )
        .prop_map(|(tag, fields)| {
            let mut object = serde_json::Map::new();
            object.insert("type".to_owned(), tag);
            for (key, value) in fields {
                object.insert(key.to_owned(), value);
            }
            Value::Object(object)
        })
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        8 => template().prop_map(Input::Message),
        2 => any::<String>().prop_map(Input::Text),
        1 => json().prop_map(Input::Json),
        3 => message_shaped().prop_map(Input::Json),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Input::Binary),
    ]
}

/// Reads one message per expectation, in order, then the sentinel chat.
async fn expect_all(
    ws: &mut WsClient,
    who: &str,
    expected: &[Expect],
    from_name: &str,
    sentinel: &str,
) -> Result<(), TestCaseError> {
    for (i, want) in expected.iter().enumerate() {
        let got = ws.recv().await;
        if !check(&got, want, from_name) {
            return Err(TestCaseError::fail(format!(
                "{who}: message {i}: expected {want:?}, got {got:?}"
            )));
        }
    }
    match ws.recv().await {
        ServerMessage::Chat { message } if message.text == sentinel => Ok(()),
        other => Err(TestCaseError::fail(format!(
            "{who}: expected the sentinel chat, got {other:?}"
        ))),
    }
}

/// One case: a guest ("Fuzz") sends `before` while still in standby,
/// joins, then sends `after`; the host of the room and a guest of another
/// room watch.
async fn run_case(
    app: &TestApp,
    ann: &TestUser,
    before: &[Input],
    after: &[Input],
) -> Result<(), TestCaseError> {
    let (_, room) = app.create_meeting(ann, "Fuzzed", "").await;
    let (_, other_room) = app.create_meeting(ann, "Elsewhere", "").await;
    let mut stranger = app.connect_guest(&other_room, "Stranger").await;
    let stranger_id = stranger.welcome().await.you;
    let mut mate = app.connect_with_session(ann, &room).await;
    let mate_id = mate.welcome().await.you;
    let mut fuzz = app.connect_guest(&room, "Fuzz").await;

    // Standby: only `join` (and `leave`) mean anything.
    let ids = Ids {
        mate: mate_id,
        me: PeerId(0),
        stranger: stranger_id,
    };
    for input in before {
        let (text, parsed) = frame(input, &ids);
        let expected = match parsed {
            Some(ClientMessage::Join { .. } | ClientMessage::Leave) => continue,
            Some(_) => ErrorCode::NotJoined,
            None if text.as_ref().is_some_and(|t| t.len() > MAX_MESSAGE_BYTES) => {
                ErrorCode::TooLarge
            }
            None => ErrorCode::Malformed,
        };
        send_input(&mut fuzz, input, text).await;
        match fuzz.recv().await {
            ServerMessage::Error { code, .. } if code == expected => {}
            other => {
                return Err(TestCaseError::fail(format!(
                    "standby: {input:?}: expected {expected:?}, got {other:?}"
                )))
            }
        }
    }
    let welcome = fuzz.welcome().await;
    prop_assert_eq!(welcome.peers.len(), 1);
    let me = match mate.recv().await {
        ServerMessage::PeerJoined { peer } => peer,
        other => {
            return Err(TestCaseError::fail(format!(
                "expected peer_joined, got {other:?}"
            )))
        }
    };
    prop_assert_eq!(me.id, welcome.you);
    prop_assert_eq!(
        (me.name.as_str(), me.role, me.audio, me.video, me.screen),
        ("Fuzz", RoomRole::Participant, true, true, false)
    );
    let mate_info = welcome.peers[0].clone();
    prop_assert_eq!(mate_info.role, RoomRole::Host);

    let ids = Ids { me: me.id, ..ids };
    let mut model = Model {
        me,
        mate: mate_id,
        next_hand: 1,
        public_chat: Vec::new(),
        to_me: Vec::new(),
        to_mate: Vec::new(),
    };
    for input in after {
        let (text, parsed) = frame(input, &ids);
        match parsed {
            Some(ClientMessage::Leave) => continue,
            Some(message) => model.joined(message),
            None if text.as_ref().is_some_and(|t| t.len() > MAX_MESSAGE_BYTES) => {
                model.to_me.push(Expect::Error(ErrorCode::TooLarge))
            }
            None => model.to_me.push(Expect::Error(ErrorCode::Malformed)),
        }
        send_input(&mut fuzz, input, text).await;
    }

    // Everything expected arrived, in order, and nothing else before the
    // sentinel.
    fuzz.send(&ClientMessage::Chat {
        text: "fuzz sentinel".into(),
        to: None,
    })
    .await;
    model.public_chat.push("fuzz sentinel".into());
    expect_all(&mut fuzz, "fuzzer", &model.to_me, "Fuzz", "fuzz sentinel").await?;
    expect_all(&mut mate, "host", &model.to_mate, "Fuzz", "fuzz sentinel").await?;
    // Nothing reached the other room.
    stranger
        .send(&ClientMessage::Chat {
            text: "stranger sentinel".into(),
            to: None,
        })
        .await;
    match stranger.recv().await {
        ServerMessage::Chat { message } if message.text == "stranger sentinel" => {}
        other => {
            return Err(TestCaseError::fail(format!(
                "the other room heard {other:?}"
            )))
        }
    }
    // The room is as the model says, to a newcomer.
    let mut newcomer = app.connect_guest(&room, "Newcomer").await;
    let seen = newcomer.welcome().await;
    prop_assert_eq!(&seen.peers, &vec![mate_info, model.me.clone()]);
    prop_assert_eq!(seen.access, RoomAccess::Open);
    let history: Vec<String> = seen.chat.into_iter().map(|m| m.text).collect();
    prop_assert_eq!(history, model.public_chat);
    for ws in [fuzz, mate, stranger, newcomer] {
        ws.close().await;
    }
    Ok(())
}

async fn health(app: &TestApp) {
    let response = client()
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET /health");
    assert_eq!(response.status().as_u16(), 200);
}

#[test]
fn random_traffic_from_a_participant_gets_the_protocols_answers_and_stays_in_its_room() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, ann) = runtime.block_on(async {
        let app = spawn_app_with(|config| {
            // Chat is rate limited per connection; here it must not be.
            config.meeting.chat_burst = 10_000;
        })
        .await;
        let ann = app.register("Ann", "UTC").await;
        (app, ann)
    });
    let mut runner = TestRunner::new(Config {
        cases: 96,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::collection::vec(input(), 0..6),
        proptest::collection::vec(input(), 0..40),
    );
    let result = runner.run(&strategy, |(before, after)| {
        runtime.block_on(run_case(&app, &ann, &before, &after))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    runtime.block_on(async {
        health(&app).await;
        let (_, room) = app.create_meeting(&ann, "After", "").await;
        let mut ws = app.connect_guest(&room, "After").await;
        assert!(ws.welcome().await.peers.is_empty());
    });
}

/// A server with one meeting and two guests in it; returns them.
async fn room_of_two() -> (TestApp, String, WsClient, WsClient) {
    let app = spawn_app().await;
    let ann = app.register("Ann", "UTC").await;
    let (_, room) = app.create_meeting(&ann, "Standup", "").await;
    let mut a = app.connect_guest(&room, "A").await;
    a.welcome().await;
    let mut b = app.connect_guest(&room, "B").await;
    b.welcome().await;
    assert!(matches!(a.recv().await, ServerMessage::PeerJoined { .. }));
    (app, room, a, b)
}

async fn joined_by(ws: &mut WsClient) -> PeerId {
    match ws.recv().await {
        ServerMessage::PeerJoined { peer } => peer.id,
        other => panic!("expected peer_joined, got {other:?}"),
    }
}

async fn chat_between(from: &mut WsClient, to: &mut WsClient, text: &str) {
    from.send(&ClientMessage::Chat {
        text: text.into(),
        to: None,
    })
    .await;
    for ws in [from, to] {
        match ws.recv().await {
            ServerMessage::Chat { message } => assert_eq!(message.text, text),
            other => panic!("expected chat {text:?}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_flooding_client_is_told_once_then_cut_off_and_its_room_mates_carry_on() {
    let (app, room, mut a, mut b) = room_of_two().await;
    let mut flooder = app.connect_guest(&room, "Flooder").await;
    flooder.welcome().await;
    let flooder_id = joined_by(&mut a).await;
    joined_by(&mut b).await;

    // Lowering a hand that is not raised does nothing and answers
    // nothing: all the flooder hears back is about the flood.
    let noop = serde_json::to_string(&ClientMessage::Hand { raised: false }).unwrap();
    flooder.flood(std::iter::repeat_n(noop, 3000)).await;
    match flooder.recv().await {
        ServerMessage::Error {
            code: ErrorCode::RateLimited,
            ..
        } => {}
        other => panic!("expected rate_limited, got {other:?}"),
    }
    flooder.expect_closed(CloseReason::RateLimited).await;

    for ws in [&mut a, &mut b] {
        assert_eq!(
            ws.recv().await,
            ServerMessage::PeerLeft { peer: flooder_id }
        );
    }
    chat_between(&mut a, &mut b, "calm again").await;
    chat_between(&mut b, &mut a, "indeed").await;
    let mut c = app.connect_guest(&room, "C").await;
    assert_eq!(c.welcome().await.peers.len(), 2);
    health(&app).await;
}

#[tokio::test]
async fn a_chat_flood_is_rate_limited_while_the_room_carries_on() {
    let (app, room, mut a, mut b) = room_of_two().await;
    let texts: Vec<String> = (0..30).map(|i| format!("spam {i}")).collect();
    let frames = texts.iter().map(|text| {
        serde_json::to_string(&ClientMessage::Chat {
            text: text.clone(),
            to: None,
        })
        .unwrap()
    });
    a.flood(frames).await;
    // The burst (20, and maybe one more earned meanwhile) goes through, in
    // order; then one `rate_limited`, and the rest is dropped.
    let mut passed = 0;
    loop {
        match a.recv().await {
            ServerMessage::Chat { message } => {
                assert_eq!(message.text, texts[passed]);
                passed += 1;
            }
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            } => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!((20..=22).contains(&passed), "{passed} passed");
    for text in &texts[..passed] {
        match b.recv().await {
            ServerMessage::Chat { message } => assert_eq!(&message.text, text),
            other => panic!("expected chat {text:?}, got {other:?}"),
        }
    }
    // B was not limited by A's flood; nothing more of A's came through.
    chat_between(&mut b, &mut a, "b is fine").await;
    let mut c = app.connect_guest(&room, "C").await;
    let history = c.welcome().await.chat;
    assert_eq!(history.len(), passed + 1);
}

#[tokio::test]
async fn oversize_messages_are_refused_and_absurd_ones_close_the_socket() {
    let (app, room, mut a, mut b) = room_of_two().await;
    for size in [MAX_MESSAGE_BYTES + 1, 100 * 1024, 250 * 1024] {
        let text = serde_json::to_string(&ClientMessage::Chat {
            text: "x".repeat(size),
            to: None,
        })
        .unwrap();
        b.send_raw(&text).await;
        match b.recv().await {
            ServerMessage::Error {
                code: ErrorCode::TooLarge,
                ..
            } => {}
            other => panic!("expected too_large for {size} bytes, got {other:?}"),
        }
    }
    // Nothing of it reached A.
    chat_between(&mut b, &mut a, "still here").await;

    // Far beyond the limit, the server stops reading and closes.
    let mut absurd = app.connect_guest(&room, "Absurd").await;
    absurd.welcome().await;
    let absurd_id = joined_by(&mut a).await;
    joined_by(&mut b).await;
    absurd.flood(std::iter::once("x".repeat(300 * 1024))).await;
    absurd.expect_end().await;
    // It is gone for the others (after the grace window any broken
    // connection gets), and they carry on.
    for ws in [&mut a, &mut b] {
        loop {
            match ws.recv().await {
                ServerMessage::PeerUpdated { peer }
                    if peer.id == absurd_id && peer.reconnecting => {}
                ServerMessage::PeerLeft { peer } if peer == absurd_id => break,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    chat_between(&mut a, &mut b, "carry on").await;
    health(&app).await;
}
