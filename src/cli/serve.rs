//! `policy-search serve`: logging, the runtime, the listener and a graceful stop.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use policy_search::server::ServerOptions;
use policy_search::{Error, Result};

use super::args::time_budget;
use super::open_or_build;

pub fn run(
    index: &Path,
    addr: &str,
    cors: Option<String>,
    timeout_ms: u64,
    synonyms: Option<&Path>,
) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("policy_search=info,warn"));
    let ansi = std::io::stderr().is_terminal();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
    let options = ServerOptions {
        cors_origin: cors,
        ..ServerOptions::default()
    };
    options.check()?;
    let engine = Arc::new(
        open_or_build(index, synonyms)?
            .with_time_budget(time_budget(timeout_ms))
            .warmed()?,
    );
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Internal(e.to_string()))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| {
            let hint = if source.kind() == std::io::ErrorKind::AddrInUse {
                ": another program listens there; pick another port, or --addr 127.0.0.1:0 for any free one"
            } else {
                ""
            };
            Error::InvalidParameter {
                name: "addr",
                message: format!("cannot listen on {addr}: {source}{hint}"),
            }
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Internal(e.to_string()))?;
        eprintln!(
            "serving {} on http://{bound} (Ctrl-C to stop)",
            super::print::count(engine.num_docs() as usize, "document")
        );
        policy_search::server::serve(engine, listener, options, shutdown_signal()).await;
        eprintln!("stopped");
        Ok(())
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
