//! A real SMTP server for tests: `tests/interop/smtp_sink.py` (Python's
//! aiosmtpd) receives what Convene sends, and Python's own MIME parser
//! reads each message back into a JSON summary, so the structure is
//! checked by an implementation independent of the one that wrote it.

use serde_json::Value;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

/// How long to wait for the sink to start or a message to arrive.
pub const WAIT: Duration = Duration::from_secs(10);

/// The SMTP sink process; killed when dropped.
pub struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
    dir: TempDir,
    // Closing it tells the sink to stop, even if this process is killed.
    _stdin: Option<ChildStdin>,
}

impl Sink {
    /// Starts `smtp_sink.py` and waits until it listens.
    pub async fn start() -> Sink {
        require_python();
        let dir = tempfile::tempdir().expect("a folder for the sink");
        let port_file = dir.path().join("port");
        let out = dir.path().join("received");
        let stderr = std::fs::File::create(dir.path().join("stderr")).expect("sink log file");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&port_file)
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start python3 tests/interop/smtp_sink.py");
        let stdin = child.stdin.take();
        let deadline = tokio::time::Instant::now() + WAIT;
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse::<u16>().ok())
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the SMTP sink exited ({status}): {}",
                    read(&dir.path().join("stderr"))
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the SMTP sink did not start within {WAIT:?}: {}",
                read(&dir.path().join("stderr"))
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Sink {
            child,
            port,
            out,
            dir,
            _stdin: stdin,
        }
    }

    /// `CONVENE_SMTP_URL` for this sink (plain text: it has no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// The summaries of the messages received so far, in order.
    pub fn received_now(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.out)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|path| {
                let summary: Value = serde_json::from_str(&read(path))
                    .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
                assert!(
                    summary.get("parse_error").is_none(),
                    "Python could not parse the message: {summary}"
                );
                summary
            })
            .collect()
    }

    /// Waits until `n` messages have arrived and returns their summaries.
    pub async fn received(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let received = self.received_now();
            if received.len() >= n {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} messages, the sink got {} within {WAIT:?}; its log: {}",
                received.len(),
                read(&self.dir.path().join("stderr"))
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    text
}

/// The sink is part of the test suite's tools: without it the test fails
/// (it must not pass by skipping).
pub fn require_python() {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        found,
        "the mail tests need python3 with aiosmtpd (a real SMTP server): run `scripts/install --test`"
    );
}
