//! Signaling load generator: `scripts/bench signaling`.
//!
//! Load shape: `--rooms` meetings (250) of `--peers` guests (4) each, so
//! 1,000 real WebSocket connections by default, every one set up as a
//! browser does (`join_meeting` ticket, socket, `join`, `welcome`). Each
//! connection sends to its room-mates in turn, in a fixed mix: of every
//! 25 messages, 24 are signaling relayed to one peer (per 6: one SDP
//! offer, one answer, four ICE candidates; the SDP is a 1.3 KB
//! audio+video offer, a candidate about 0.2 KB) and one is a chat message
//! for the room (stored by the server and delivered to all peers of the
//! room, the sender included; each delivery counts as one relayed
//! message; `--chat-every`). Each connection starts at its own point of
//! the mix, so chat does not fall due everywhere at once. Chat is held to
//! at most 2 per second per connection and all messages to 180 per second
//! per connection, below the server's per-connection limits.
//!
//! Every message carries its sender and the instant it was sent
//! (`xbench=<sender>.<ns since start>.<phase>`, inside the SDP, candidate
//! or chat text); latency is measured at the addressee against the same
//! clock, since every connection lives in this process.
//!
//! 1. Memory: the server's `VmRSS` before the sockets open and after all
//!    of them have joined and sat idle for a moment, per connection.
//! 2. Saturation (throughput): closed loop, at most `--window` messages
//!    of each connection in flight (a permit comes back when the
//!    addressee, or for chat the sender, receives it); `--warmup`
//!    seconds, then deliveries are counted for `--duration` seconds.
//! 3. Fixed load (latency): `--rate` messages per second in total (10,000),
//!    each connection sending every `connections / rate` seconds with the
//!    connections' start times spread evenly over that period, for
//!    `--warmup` + `--duration` seconds; percentiles over the latter.
//!
//! `--phases saturation` or `--phases latency` runs one of the two.
//!
//! Errors: failed connections, any `error` or `closed` message (or a
//! peer dropped from a room), sockets that close, and messages not
//! delivered within 5 s after each phase. The last line of the output
//! sums the run up for scripts:
//! `relayed_msgs_per_s=N p50_ms=N p99_ms=N kb_per_conn=N errors=N`.

use convene_bench::api::Api;
use convene_bench::procfs::{self, CpuMeter, MachineMeter};
use convene_bench::stats::Latencies;
use futures::{SinkExt, StreamExt};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const USAGE: &str = "\
usage: signaling --url http://HOST:PORT [--server-pid PID] [--rooms 250] [--peers 4]
                 [--warmup 2] [--duration 10] [--rate 10000] [--window 8] [--threads 2]
                 [--chat-every 25] [--phases both|saturation|latency]";

/// Command-line settings.
#[derive(Clone, Debug)]
struct Options {
    url: String,
    /// The server's process, for its memory and CPU; without it those
    /// figures are left out.
    server_pid: Option<u32>,
    rooms: usize,
    peers: usize,
    /// Seconds before each phase's measurement starts.
    warmup_s: f64,
    /// Seconds each phase is measured.
    duration_s: f64,
    /// Messages per second offered in total in the latency phase.
    rate: f64,
    /// Messages of one connection in flight in the saturation phase.
    window: usize,
    /// Worker threads of the generator's runtime.
    threads: usize,
    /// One message in this many is chat (when the chat pace allows); 0
    /// for none.
    chat_every: u64,
    /// Which phases run.
    phases: Phases,
}

/// `--phases`: both (the default), or only one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phases {
    Both,
    Saturation,
    Latency,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            url: String::new(),
            server_pid: None,
            rooms: 250,
            peers: 4,
            warmup_s: 2.0,
            duration_s: 10.0,
            rate: 10_000.0,
            window: 8,
            threads: 2,
            chat_every: 25,
            phases: Phases::Both,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "-h" || flag == "--help" {
                return Err(String::new());
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
            match flag.as_str() {
                "--url" => options.url = value.clone(),
                "--server-pid" => options.server_pid = Some(value.parse().map_err(|e| bad(&e))?),
                "--rooms" => options.rooms = value.parse().map_err(|e| bad(&e))?,
                "--peers" => options.peers = value.parse().map_err(|e| bad(&e))?,
                "--warmup" => options.warmup_s = value.parse().map_err(|e| bad(&e))?,
                "--duration" => options.duration_s = value.parse().map_err(|e| bad(&e))?,
                "--rate" => options.rate = value.parse().map_err(|e| bad(&e))?,
                "--window" => options.window = value.parse().map_err(|e| bad(&e))?,
                "--threads" => options.threads = value.parse().map_err(|e| bad(&e))?,
                "--chat-every" => options.chat_every = value.parse().map_err(|e| bad(&e))?,
                "--phases" => {
                    options.phases = match value.as_str() {
                        "both" => Phases::Both,
                        "saturation" => Phases::Saturation,
                        "latency" => Phases::Latency,
                        _ => return Err(bad(&"expected both, saturation or latency")),
                    }
                }
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if options.url.is_empty() {
            return Err("--url is required".into());
        }
        if options.peers < 2 || options.rooms == 0 {
            return Err("a room needs at least 2 peers, and there must be a room".into());
        }
        if options.window == 0 || options.threads == 0 || options.rate <= 0.0 {
            return Err("--window, --threads and --rate must be positive".into());
        }
        Ok(options)
    }

    fn connections(&self) -> usize {
        self.rooms * self.peers
    }
}

/// Each connection's sending ceiling, messages/s: the server allows 200
/// sustained (burst 400) and disconnects a client that keeps on above.
const MAX_PER_CONN_PER_S: f64 = 180.0;
/// Burst allowed on top of [`MAX_PER_CONN_PER_S`].
const MAX_BURST: u32 = 20;
/// Chat messages per second per connection, at most (the server allows 5).
const CHAT_PER_S: f64 = 2.0;
/// Messages written to a socket before one flush in the saturation phase.
const BATCH: usize = 16;
/// How long a phase's last messages may take to arrive.
const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// What the connections are doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Joined, reading (which answers the server's pings), not sending.
    Idle,
    /// Closed loop, as fast as the window and the server allow.
    Saturate,
    /// Paced: every connection on its own evenly spread schedule.
    Paced,
    /// Close the socket and hand in the statistics.
    Stop,
}

/// The phase and the tag its messages carry, so each delivery is
/// attributed to the phase it was sent in.
#[derive(Clone, Copy, Debug)]
struct Stage {
    phase: Phase,
    tag: Tag,
    /// When the paced schedule starts.
    start: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Tag {
    Warmup = 0,
    Saturation = 1,
    Latency = 2,
}

impl Tag {
    fn from_digit(digit: u8) -> Option<Tag> {
        match digit {
            b'0' => Some(Tag::Warmup),
            b'1' => Some(Tag::Saturation),
            b'2' => Some(Tag::Latency),
            _ => None,
        }
    }
}

/// State every connection task shares.
struct Shared {
    /// Zero of the timestamps inside messages.
    epoch: std::time::Instant,
    peers: usize,
    /// Per connection: permits to send in the saturation phase.
    windows: Vec<Semaphore>,
    /// Per connection: its peer id in its room (0 if it never joined).
    peer_ids: OnceLock<Vec<u64>>,
    /// Deliveries owed: one per relayed message, one per room member per
    /// chat message.
    expected: AtomicU64,
    /// Deliveries received.
    delivered: AtomicU64,
    /// Connections that could not be opened or joined, or that closed.
    failed: AtomicU64,
    /// `error` and `closed` messages, and peers dropped from a room.
    refused: AtomicU64,
    /// The first few problems, for the report.
    notes: Mutex<Vec<String>>,
    /// Set before the sockets close at the end: the `peer_left` messages
    /// that follow are expected.
    stopping: AtomicBool,
    chat_every: u64,
}

impl Shared {
    fn note(&self, what: String) {
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if notes.len() < 10 {
            notes.push(what);
        }
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

/// What one connection measured.
#[derive(Default)]
struct ConnStats {
    saturation_signal: Latencies,
    saturation_chat: Latencies,
    latency_signal: Latencies,
    latency_chat: Latencies,
    bytes_sent: u64,
    messages_sent: u64,
}

fn main() -> std::process::ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("signaling: {message}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("signaling: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(message) => {
            eprintln!("signaling: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark; returns the number of errors.
async fn run(options: Options) -> Result<u64, String> {
    let conns = options.connections();
    println!(
        "signaling: {} rooms x {} peers = {conns} WebSocket connections to {}",
        options.rooms, options.peers, options.url
    );
    // Other work on the machine shows in every figure: say how busy it was.
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!(
        "machine: {cores} cores, load average {} before the run; generator on {} threads",
        load.join(" "),
        options.threads
    );
    let setup_started = Instant::now();
    let ws_base;
    let tickets: Vec<(String, String)> = {
        let api = Api::new(&options.url).map_err(|e| e.to_string())?;
        ws_base = api.ws_base();
        api.register_organizer("Load Generator")
            .await
            .map_err(|e| e.to_string())?;
        let rooms: Vec<String> = futures::stream::iter(0..options.rooms)
            .map(|r| {
                let api = &api;
                async move { api.create_meeting(&format!("Load room {r}")).await }
            })
            .buffered(8)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        futures::stream::iter(0..conns)
            .map(|i| {
                let (api, room) = (&api, rooms[i / options.peers].clone());
                async move {
                    let token = api.join_ticket(&room, &format!("Peer {i}")).await?;
                    Ok::<_, convene_bench::api::ApiError>((room, token))
                }
            })
            .buffered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?
    };
    // The HTTP clients are gone (their keep-alive connections with them),
    // so only the sockets count in the memory after.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = options.server_pid.and_then(procfs::rss_kb);

    let shared = Arc::new(Shared {
        epoch: std::time::Instant::now(),
        peers: options.peers,
        windows: (0..conns).map(|_| Semaphore::new(0)).collect(),
        peer_ids: OnceLock::new(),
        expected: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        notes: Mutex::new(Vec::new()),
        stopping: AtomicBool::new(false),
        chat_every: options.chat_every,
    });
    let (stage_tx, stage_rx) = watch::channel(Stage {
        phase: Phase::Idle,
        tag: Tag::Warmup,
        start: Instant::now(),
    });
    let (joined_tx, mut joined_rx) = mpsc::channel::<(usize, u64)>(conns);
    // Sockets open a few dozen at a time, as a crowd arriving would.
    let opening = Arc::new(Semaphore::new(32));
    let period = Duration::from_secs_f64(conns as f64 / options.rate);
    let tasks: Vec<_> = tickets
        .into_iter()
        .enumerate()
        .map(|(me, (room, token))| {
            let url = format!("{ws_base}/ws/meeting/{room}?token={token}");
            let connection = Connection {
                me,
                shared: shared.clone(),
                stage: stage_rx.clone(),
                // Spread the connections' paced sends evenly over a period.
                offset: period.mul_f64(me as f64 / conns as f64),
                period,
                stats: ConnStats::default(),
            };
            let (opening, joined) = (opening.clone(), joined_tx.clone());
            tokio::spawn(connection.run(url, opening, joined))
        })
        .collect();
    drop(joined_tx);
    let mut peer_ids = vec![0u64; conns];
    let mut joined = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while joined < conns {
        match tokio::time::timeout_at(deadline, joined_rx.recv()).await {
            Ok(Some((me, id))) => {
                peer_ids[me] = id;
                joined += 1;
            }
            // Every task has reported or failed.
            Ok(None) => break,
            Err(_) => {
                shared.note(format!("only {joined} of {conns} joined within 60 s"));
                break;
            }
        }
    }
    let _ = shared.peer_ids.set(peer_ids);
    println!(
        "setup: account, {} meetings, {conns} tickets, {joined} sockets joined in {:.1} s",
        options.rooms,
        setup_started.elapsed().as_secs_f64()
    );
    // Let the last `peer_joined` messages go out and the server settle.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rss_after = options.server_pid.and_then(procfs::rss_kb);
    let kb_per_conn = match (rss_before, rss_after) {
        (Some(before), Some(after)) => {
            let per = after.saturating_sub(before) as f64 / conns as f64;
            println!(
                "memory: server VmRSS {:.1} MB before the sockets, {:.1} MB with {conns} idle \
                 joined sockets: {per:.1} KB per connection",
                before as f64 / 1024.0,
                after as f64 / 1024.0
            );
            Some(per)
        }
        _ => {
            println!("memory: no --server-pid (or no /proc): not measured");
            None
        }
    };

    let measure = Measure {
        shared: &shared,
        stage: &stage_tx,
        options: &options,
    };
    let saturation = if options.phases != Phases::Latency {
        Some(measure.saturation().await)
    } else {
        None
    };
    let paced = if options.phases != Phases::Saturation {
        Some(measure.fixed_load().await)
    } else {
        None
    };

    shared.stopping.store(true, Ordering::Release);
    stage_tx.send_replace(Stage {
        phase: Phase::Stop,
        tag: Tag::Warmup,
        start: Instant::now(),
    });
    let mut totals = ConnStats::default();
    for task in tasks {
        if let Ok(stats) = task.await {
            totals.saturation_signal.extend(stats.saturation_signal);
            totals.saturation_chat.extend(stats.saturation_chat);
            totals.latency_signal.extend(stats.latency_signal);
            totals.latency_chat.extend(stats.latency_chat);
            totals.bytes_sent += stats.bytes_sent;
            totals.messages_sent += stats.messages_sent;
        }
    }

    let mut relayed_per_s = 0.0;
    let mut lost = 0;
    if let Some(result) = &saturation {
        relayed_per_s = result.relayed as f64 / result.seconds;
        lost += result.lost;
        println!(
            "saturation: window {} per connection, {:.0} s measured after {:.0} s warm-up: \
             {relayed_per_s:.0} relayed msgs/s ({} deliveries); {}",
            options.window, options.duration_s, options.warmup_s, result.relayed, result.cpu
        );
        let chat = totals.saturation_chat.summary();
        println!(
            "  latency, signaling: {}",
            totals.saturation_signal.summary()
        );
        println!(
            "  latency, chat:      {chat} ({:.0} chat deliveries/s)",
            chat.count as f64 / result.seconds
        );
    }
    let mut all = Latencies::default();
    let signal = totals.latency_signal.summary();
    let chat = totals.latency_chat.summary();
    all.extend(totals.latency_signal);
    all.extend(totals.latency_chat);
    let latency = all.summary();
    if let Some(result) = &paced {
        lost += result.lost;
        println!(
            "fixed load: {:.0} msgs/s offered, {:.0} deliveries/s received over {:.0} s; {}",
            options.rate,
            result.relayed as f64 / result.seconds,
            options.duration_s,
            result.cpu
        );
        println!("  latency, all:       {latency}");
        println!("  latency, signaling: {signal}");
        println!("  latency, chat:      {chat}");
    }
    if totals.messages_sent > 0 {
        println!(
            "sent: {} messages, {:.0} bytes each on average",
            totals.messages_sent,
            totals.bytes_sent as f64 / totals.messages_sent as f64
        );
    }
    let failed = shared.failed.load(Ordering::Relaxed);
    let refused = shared.refused.load(Ordering::Relaxed);
    let errors = failed + refused + lost;
    println!(
        "errors: {errors} ({failed} connections failed or closed, {refused} error/closed \
         messages or dropped peers, {lost} messages lost)"
    );
    for note in shared
        .notes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
    {
        println!("  {note}");
    }
    // A figure a run did not measure (`--phases`, no `--server-pid`) is NA.
    let figure = |measured: bool, value: f64, decimals: usize| {
        if measured {
            format!("{value:.decimals$}")
        } else {
            "NA".to_owned()
        }
    };
    println!(
        "relayed_msgs_per_s={} p50_ms={} p99_ms={} kb_per_conn={} errors={errors}",
        figure(saturation.is_some(), relayed_per_s, 0),
        figure(paced.is_some(), latency.p50_ms, 3),
        figure(paced.is_some(), latency.p99_ms, 3),
        figure(kb_per_conn.is_some(), kb_per_conn.unwrap_or(0.0), 1),
    );
    Ok(errors)
}

/// What one phase measured.
struct PhaseResult {
    /// Deliveries while measuring.
    relayed: u64,
    /// How long that was, s.
    seconds: f64,
    /// Deliveries missing after the phase.
    lost: u64,
    /// The server's and the generator's CPU use while measuring.
    cpu: String,
}

/// Runs the load phases over the joined connections.
struct Measure<'a> {
    shared: &'a Shared,
    stage: &'a watch::Sender<Stage>,
    options: &'a Options,
}

impl Measure<'_> {
    fn set(&self, phase: Phase, tag: Tag, start: Instant) {
        self.stage.send_replace(Stage { phase, tag, start });
    }

    /// Warms up in `phase`, measures for the duration, then stops sending
    /// and waits for what is still on its way.
    async fn run(&self, phase: Phase, tag: Tag) -> PhaseResult {
        let options = self.options;
        // Paced schedules start a moment later, all from the same instant.
        self.set(
            phase,
            Tag::Warmup,
            Instant::now() + Duration::from_millis(20),
        );
        tokio::time::sleep(Duration::from_secs_f64(options.warmup_s)).await;
        let server_cpu = options.server_pid.map(CpuMeter::start);
        let own_cpu = CpuMeter::start(std::process::id());
        let machine = MachineMeter::start();
        let from = self.shared.delivered.load(Ordering::Relaxed);
        let started = Instant::now();
        self.stage.send_modify(|stage| stage.tag = tag);
        tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
        let relayed = self.shared.delivered.load(Ordering::Relaxed) - from;
        let seconds = started.elapsed().as_secs_f64();
        // What else ran meanwhile is in `other`: a busy machine explains
        // a bad run.
        let (own, busy) = (own_cpu.cores(), machine.cores());
        let cpu = match server_cpu.map(|meter| meter.cores()) {
            Some(server) => format!(
                "CPU: server {server:.2} cores, generator {own:.2}, other processes {:.2}",
                (busy - server - own).max(0.0)
            ),
            None => format!(
                "CPU: generator {own:.2} cores, other processes {:.2}",
                (busy - own).max(0.0)
            ),
        };
        self.set(Phase::Idle, Tag::Warmup, Instant::now());
        let lost = drain(self.shared).await;
        PhaseResult {
            relayed,
            seconds,
            lost,
            cpu,
        }
    }

    /// Phase 1: closed loop, `--window` messages of each connection in
    /// flight.
    async fn saturation(&self) -> PhaseResult {
        for window in &self.shared.windows {
            window.add_permits(self.options.window);
        }
        self.run(Phase::Saturate, Tag::Saturation).await
    }

    /// Phase 2: `--rate` messages per second in total, evenly paced.
    async fn fixed_load(&self) -> PhaseResult {
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.run(Phase::Paced, Tag::Latency).await
    }
}

/// Waits until every delivery owed so far has arrived, or
/// [`DRAIN_WAIT`]; returns how many did not.
async fn drain(shared: &Shared) -> u64 {
    let deadline = Instant::now() + DRAIN_WAIT;
    loop {
        let owed = shared.expected.load(Ordering::Acquire);
        let got = shared.delivered.load(Ordering::Acquire);
        if got >= owed {
            return 0;
        }
        if Instant::now() >= deadline {
            shared.note(format!(
                "{} of {owed} deliveries missing {DRAIN_WAIT:?} after sending stopped",
                owed - got
            ));
            return owed - got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One participant: its socket, and where it is in the load.
struct Connection {
    me: usize,
    shared: Arc<Shared>,
    stage: watch::Receiver<Stage>,
    /// Its place in the paced schedule, and the schedule's period.
    offset: Duration,
    period: Duration,
    stats: ConnStats,
}

/// The kinds of message, in the order a connection cycles through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Offer,
    Answer,
    Candidate,
    Chat,
}

/// Signaling in the proportions of a negotiation: an offer, an answer,
/// and four trickled candidates.
const SIGNALING: [Kind; 6] = [
    Kind::Offer,
    Kind::Candidate,
    Kind::Candidate,
    Kind::Answer,
    Kind::Candidate,
    Kind::Candidate,
];

/// A sending pace (generic cell rate algorithm): one message per
/// `interval`, with `burst` more allowed at once.
struct Pace {
    interval: Duration,
    tolerance: Duration,
    /// Theoretical arrival time of the next message.
    tat: Instant,
}

impl Pace {
    fn new(per_s: f64, burst: u32) -> Pace {
        let interval = Duration::from_secs_f64(1.0 / per_s);
        Pace {
            interval,
            tolerance: interval * burst,
            tat: Instant::now(),
        }
    }

    /// The earliest instant the next message may go.
    fn next_at(&self) -> Instant {
        self.tat.checked_sub(self.tolerance).unwrap_or(self.tat)
    }

    fn allows(&self, now: Instant) -> bool {
        self.next_at() <= now
    }

    fn take(&mut self, now: Instant) {
        self.tat = self.tat.max(now) + self.interval;
    }
}

/// What a connection reads from the server.
enum Read {
    Frame(Message),
    /// The socket closed or failed.
    Gone(String),
}

impl Connection {
    async fn run(
        mut self,
        url: String,
        opening: Arc<Semaphore>,
        joined: mpsc::Sender<(usize, u64)>,
    ) -> ConnStats {
        let socket = {
            let _turn = opening.acquire().await;
            self.open(&url).await
        };
        let mut socket = match socket {
            Ok((socket, you)) => {
                let _ = joined.send((self.me, you)).await;
                socket
            }
            Err(why) => {
                self.shared.failed.fetch_add(1, Ordering::Relaxed);
                self.shared.note(format!("connection {}: {why}", self.me));
                return self.stats;
            }
        };
        drop(joined);
        if let Err(why) = self.serve(&mut socket).await {
            self.shared.failed.fetch_add(1, Ordering::Relaxed);
            self.shared.note(format!("connection {}: {why}", self.me));
        }
        let _ = socket.close(None).await;
        self.stats
    }

    /// Opens the socket, sends `join` and waits for `welcome`; returns the
    /// peer id the server assigned.
    async fn open(&mut self, url: &str) -> Result<(Socket, u64), String> {
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .map_err(|e| format!("WebSocket upgrade: {e}"))?;
        let join = format!(r#"{{"type":"join","name":"Peer {}"}}"#, self.me);
        socket
            .send(Message::text(join))
            .await
            .map_err(|e| format!("sending join: {e}"))?;
        let wait = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(frame) = socket.next().await {
                let frame = frame.map_err(|e| format!("waiting for welcome: {e}"))?;
                if let Message::Text(text) = frame {
                    let message: serde_json::Value = serde_json::from_str(text.as_str())
                        .map_err(|e| format!("unreadable message {text}: {e}"))?;
                    match message["type"].as_str() {
                        Some("welcome") => {
                            return message["you"]
                                .as_u64()
                                .ok_or_else(|| format!("welcome without an id: {text}"));
                        }
                        Some("peer_joined") => continue,
                        _ => return Err(format!("expected welcome, got {text}")),
                    }
                }
            }
            Err("the socket closed before welcome".to_owned())
        });
        let you = wait
            .await
            .map_err(|_| "no welcome within 30 s".to_owned())??;
        Ok((socket, you))
    }

    /// Follows the stages until [`Phase::Stop`]; an error ends the
    /// connection.
    async fn serve(&mut self, socket: &mut Socket) -> Result<(), String> {
        let shared = self.shared.clone();
        let peers = shared.peers;
        let room_start = self.me / peers * peers;
        let mut stage = *self.stage.borrow_and_update();
        let mut others: Vec<u64> = Vec::new();
        let mut pace = Pace::new(MAX_PER_CONN_PER_S, MAX_BURST);
        let mut chat_pace = Pace::new(CHAT_PER_S, 0);
        let mut schedule: Option<tokio::time::Interval> = None;
        // Connections start at different places in the mix, so their
        // chat messages (say) do not all fall due at the same moment.
        let mut count = self.me as u64;
        let mut buf = String::with_capacity(2048);
        loop {
            let window = &shared.windows[self.me];
            let saturating = stage.phase == Phase::Saturate && !others.is_empty();
            let pacing = schedule.is_some() && !others.is_empty();
            let next_at = pace.next_at();
            tokio::select! {
                biased;
                frame = socket.next() => {
                    let read = match frame {
                        Some(Ok(frame)) => Read::Frame(frame),
                        Some(Err(e)) => Read::Gone(format!("socket failed: {e}")),
                        None => Read::Gone("socket closed by the server".to_owned()),
                    };
                    match read {
                        Read::Frame(Message::Text(text)) => self.on_text(text.as_str(), stage.phase),
                        Read::Frame(Message::Close(frame)) => {
                            return Err(format!("server closed the socket: {frame:?}"));
                        }
                        Read::Frame(_) => {}
                        Read::Gone(why) => return Err(why),
                    }
                }
                changed = self.stage.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    let next = *self.stage.borrow_and_update();
                    if next.phase == Phase::Stop {
                        return Ok(());
                    }
                    if others.is_empty() {
                        if let Some(ids) = shared.peer_ids.get() {
                            others = (room_start..room_start + peers)
                                .filter(|&i| i != self.me && ids[i] != 0)
                                .map(|i| ids[i])
                                .collect();
                        }
                    }
                    if next.phase == Phase::Paced && stage.phase != Phase::Paced {
                        let mut interval =
                            tokio::time::interval_at(next.start + self.offset, self.period);
                        // Open loop: a late tick is caught up, not skipped.
                        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
                        schedule = Some(interval);
                    } else if next.phase != Phase::Paced {
                        schedule = None;
                    }
                    stage = next;
                }
                permit = async {
                    if next_at > Instant::now() {
                        tokio::time::sleep_until(next_at).await;
                    }
                    window.acquire().await
                }, if saturating => {
                    let Ok(permit) = permit else { return Ok(()) };
                    permit.forget();
                    let mut sent = 0;
                    loop {
                        let now = Instant::now();
                        pace.take(now);
                        self.compose(&mut buf, &mut count, &others, &mut chat_pace, now, stage.tag);
                        socket.feed(Message::text(buf.as_str())).await.map_err(|e| format!("send: {e}"))?;
                        sent += 1;
                        if sent == BATCH || !pace.allows(Instant::now()) {
                            break;
                        }
                        match window.try_acquire() {
                            Ok(permit) => permit.forget(),
                            Err(_) => break,
                        }
                    }
                    socket.flush().await.map_err(|e| format!("send: {e}"))?;
                }
                _ = async {
                    match schedule.as_mut() {
                        Some(schedule) => schedule.tick().await,
                        None => std::future::pending().await,
                    }
                }, if pacing => {
                    let now = Instant::now();
                    pace.take(now);
                    self.compose(&mut buf, &mut count, &others, &mut chat_pace, now, stage.tag);
                    socket.send(Message::text(buf.as_str())).await.map_err(|e| format!("send: {e}"))?;
                }
            }
        }
    }

    /// Writes the next message of this connection's mix into `buf` and
    /// accounts for its deliveries.
    fn compose(
        &mut self,
        buf: &mut String,
        count: &mut u64,
        others: &[u64],
        chat_pace: &mut Pace,
        now: Instant,
        tag: Tag,
    ) {
        let n = *count;
        *count += 1;
        let every = self.shared.chat_every;
        let kind = if every > 0 && n % every == every - 1 && chat_pace.allows(now) {
            chat_pace.take(now);
            Kind::Chat
        } else {
            SIGNALING[(n % SIGNALING.len() as u64) as usize]
        };
        let to = others[(n % others.len() as u64) as usize];
        let owed = if kind == Kind::Chat {
            self.shared.peers as u64
        } else {
            1
        };
        self.shared.expected.fetch_add(owed, Ordering::Release);
        buf.clear();
        let marker = Marker {
            from: self.me,
            sent_ns: self.shared.now_ns(),
            tag,
        };
        // Writing to a String cannot fail.
        let _ = match kind {
            Kind::Offer | Kind::Answer => {
                let (name, setup) = if kind == Kind::Offer {
                    ("offer", "actpass")
                } else {
                    ("answer", "active")
                };
                write!(
                    buf,
                    r#"{{"type":"{name}","to":{to},"sdp":"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=x-bench:{marker}\r\n{SDP_BODY_1}a=setup:{setup}\r\n{SDP_BODY_2}a=setup:{setup}\r\n{SDP_BODY_3}"}}"#
                )
            }
            Kind::Candidate => write!(
                buf,
                r#"{{"type":"candidate","to":{to},"candidate":{{"candidate":"candidate:3885250869 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag EsAw network-id 1 network-cost 10 {marker}","sdp_mid":"0","sdp_m_line_index":0}}}}"#
            ),
            Kind::Chat => write!(
                buf,
                r#"{{"type":"chat","text":"{marker} Hello everyone, can you hear me?"}}"#
            ),
        };
        self.stats.messages_sent += 1;
        self.stats.bytes_sent += buf.len() as u64;
    }

    /// One text frame from the server.
    fn on_text(&mut self, text: &str, phase: Phase) {
        let kind = message_type(text);
        match kind {
            "offer" | "answer" | "candidate" | "chat" => {
                let Some(marker) = Marker::find(text) else {
                    // Someone else's message; none are expected.
                    return;
                };
                let shared = &*self.shared;
                let latency = shared.now_ns().saturating_sub(marker.sent_ns);
                shared.delivered.fetch_add(1, Ordering::Release);
                let chat = kind == "chat";
                match marker.tag {
                    Tag::Saturation if chat => self.stats.saturation_chat.push(latency),
                    Tag::Saturation => self.stats.saturation_signal.push(latency),
                    Tag::Latency if chat => self.stats.latency_chat.push(latency),
                    Tag::Latency => self.stats.latency_signal.push(latency),
                    Tag::Warmup => {}
                }
                // The sender's permit comes back with its message; a chat
                // message's with the sender's own copy.
                let release = if chat {
                    marker.from == self.me
                } else {
                    marker.from < shared.windows.len()
                };
                if release {
                    shared.windows[marker.from].add_permits(1);
                }
            }
            // Room-mates still arriving during set-up, and leaving at the end.
            "peer_joined" if phase == Phase::Idle => {}
            "peer_left" | "peer_updated" if self.shared.stopping.load(Ordering::Acquire) => {}
            _ => {
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                let shown: String = text.chars().take(200).collect();
                self.shared
                    .note(format!("connection {} received {shown}", self.me));
            }
        }
    }
}

/// The `type` of a server message. The server writes the tag first
/// (`{"type":"offer",...}`), which saves parsing every frame.
fn message_type(text: &str) -> &str {
    text.strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split_once('"'))
        .map_or("", |(kind, _)| kind)
}

/// Who sent a message, when, and in which phase: `xbench=<from>.<ns>.<tag>`.
struct Marker {
    from: usize,
    sent_ns: u64,
    tag: Tag,
}

impl Marker {
    const PREFIX: &'static str = "xbench=";

    fn find(text: &str) -> Option<Marker> {
        let at = text.find(Self::PREFIX)? + Self::PREFIX.len();
        let bytes = text.as_bytes().get(at..)?;
        let (from, rest) = digits(bytes)?;
        let (sent_ns, rest) = digits(rest.strip_prefix(b".")?)?;
        let tag = Tag::from_digit(*rest.strip_prefix(b".")?.first()?)?;
        Some(Marker {
            from: usize::try_from(from).ok()?,
            sent_ns,
            tag,
        })
    }
}

impl std::fmt::Display for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}.{}.{}",
            Self::PREFIX,
            self.from,
            self.sent_ns,
            self.tag as u8
        )
    }
}

/// A decimal number at the start of `bytes`, and what follows it.
fn digits(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    if end == 0 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in &bytes[..end] {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some((value, &bytes[end..]))
}

// An audio+video offer as a browser makes it (trimmed to the common
// codecs), JSON-escaped; `a=setup` is filled in per offer/answer.
const SDP_BODY_1: &str = r"a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS 3a1f2c\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\na=ice-options:trickle\r\na=fingerprint:sha-256 D6:8E:1F:52:0B:77:6A:93:4C:2E:9D:A0:3B:15:C8:F4:60:7E:21:DB:89:3A:5F:C6:0D:E4:72:18:9B:AF:43:6C\r\n";
const SDP_BODY_2: &str = r"a=mid:0\r\na=sendrecv\r\na=msid:3a1f2c 6b0e8d\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1001 cname:bench\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\na=ice-options:trickle\r\na=fingerprint:sha-256 D6:8E:1F:52:0B:77:6A:93:4C:2E:9D:A0:3B:15:C8:F4:60:7E:21:DB:89:3A:5F:C6:0D:E4:72:18:9B:AF:43:6C\r\n";
const SDP_BODY_3: &str = r"a=mid:1\r\na=sendrecv\r\na=msid:3a1f2c 9c4d2a\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\na=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\na=ssrc-group:FID 2001 2002\r\na=ssrc:2001 cname:bench\r\na=ssrc:2002 cname:bench\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_survive_the_round_trip() {
        let marker = Marker {
            from: 17,
            sent_ns: 123_456_789,
            tag: Tag::Latency,
        };
        let text = format!(r#"{{"type":"chat","message":{{"text":"{marker} hi"}}}}"#);
        let found = Marker::find(&text).expect("marker");
        assert_eq!(
            (found.from, found.sent_ns, found.tag),
            (17, 123_456_789, Tag::Latency)
        );
        assert_eq!(message_type(&text), "chat");
    }

    #[test]
    fn pace_allows_a_burst_then_one_per_interval() {
        let mut pace = Pace::new(10.0, 2);
        let now = pace.tat;
        for _ in 0..3 {
            assert!(pace.allows(now));
            pace.take(now);
        }
        assert!(!pace.allows(now));
        assert!(pace.allows(now + Duration::from_millis(100)));
    }
}
