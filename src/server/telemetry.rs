//! Structured logs via `tracing`; the filter comes from `RUST_LOG`
//! (default: `info` for Convene, `warn` for libraries).

/// Installs the global subscriber; a second call is a no-op.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,convene=info,tower_http=warn")
    });
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
