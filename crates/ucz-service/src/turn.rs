//! Heavy work in turns: a planner's scoring, simulation or transit network runs on a blocking
//! thread, one at a time per kind, and the turn goes with the work — a caller that goes away
//! does not free it while the work still runs.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// Waits for a turn.
pub async fn wait(turns: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, Error> {
    turns
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| Error::internal("the server is stopping"))
}

/// Runs `work` on a blocking thread, holding `turn` until it ends.
pub async fn run<T: Send + 'static>(
    turn: OwnedSemaphorePermit,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|_| Error::internal("the work stopped before it ended"))
}
