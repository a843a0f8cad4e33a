//! The async runtime of the slow paths (credentials, `verify`, `key`): one
//! builder, so they all run alike. The cache-hit path never builds one.

use anyhow::{Context, Result};

/// A current-thread runtime with timers and I/O: the SDK's calls are few
/// and sequential, and a thread pool would cost more to start than they do.
pub fn current_thread() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
