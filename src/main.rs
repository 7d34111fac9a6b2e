//! The `convene` server binary: reads configuration, runs the server until
//! SIGINT/SIGTERM.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    convene::server::telemetry::init();
    let config = match convene::server::config::Config::load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("convene: configuration error: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match convene::server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("convene stopped: {error:#}");
            eprintln!("convene: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build starts from `convene::hydrate`, not from here.
}
