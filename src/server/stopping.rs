//! Stopping the service: at SIGTERM or SIGINT it stops accepting connections, lets the
//! requests in flight finish (within [`GRACE`]), then returns.
//!
//! The HTTP layer (actix-server 2.6) is not relied on for the second part. On SIGINT it drops
//! the requests in flight; and on a graceful stop, a worker thread that sees the listener close
//! before it is told to stop ends at once, and its connections with it. So the service installs
//! its own signal handlers and, at the signal, pauses the HTTP layer (the listener stays open
//! but nothing more is accepted: new connections wait in the listen queue), waits for the
//! connections it counts itself to close, and only then stops it, which closes the listener
//! (the connections left waiting are then closed unanswered).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long the requests in flight have to finish after the signal.
pub const GRACE: Duration = Duration::from_secs(30);

/// The client connections open, across the worker threads.
#[derive(Clone, Default)]
pub struct OpenConnections(Arc<AtomicUsize>);

/// Held by a connection (in its extensions) while it is open.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl OpenConnections {
    /// Counts a new connection until the HTTP layer drops its extensions (when it closes).
    pub fn track(&self, extensions: &mut actix_web::dev::Extensions) {
        self.0.fetch_add(1, Ordering::SeqCst);
        extensions.insert(Open(Arc::clone(&self.0)));
    }

    /// How many are open.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits until every connection has closed, or `within` has passed; true when all closed.
    pub async fn drained(&self, within: Duration) -> bool {
        let until = std::time::Instant::now() + within;
        while self.count() > 0 {
            if std::time::Instant::now() >= until {
                return false;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }
}

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C). The handlers are installed when this is
/// called, so a signal that comes afterwards never ends the process at once.
#[cfg(unix)]
pub fn signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    })
}

/// Resolves at the first Ctrl-C.
#[cfg(not(unix))]
pub fn signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}
