//! The use cases of ucz, one function each, with the access policy: create a lease, plan a
//! region, accept a placement, check import rows, read a firm's package… The JSON API, the web
//! pages and the command line all call these; none of them knows HTTP. Each takes the
//! `Services` (the store, the catalog and its rulebook) and the `Caller`.

pub mod access;
pub mod accounts;
pub mod analysis;
pub mod awards;
pub mod bookings;
pub mod caller;
pub mod calls;
pub mod demo;
pub mod error;
pub mod evaluation;
pub mod firms;
pub mod housing;
pub mod hubs;
pub mod import;
pub mod jobs;
pub mod ladder;
pub mod leases;
pub mod network;
pub mod notices;
pub mod occupancy;
pub mod parts;
pub mod pipeline;
pub mod records;
pub mod statements;
pub mod suitability;
pub mod tokens;
pub mod turn;
pub mod zones;

use std::sync::Arc;

use ucz_core::eligibility::Rulebook;
use ucz_core::{Catalog, Clock};
use ucz_store::Store;

pub use caller::{Caller, Role};
pub use error::{Code, Error, FieldError, Key, Message};
pub use parts::{facilities, institutions, spaces};
pub use records::{ListParams, Page};

/// What every use case works with.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub rulebook: Arc<Rulebook>,
    /// Where "now" and "today" come from: the store's clock.
    pub clock: Clock,
    /// The open calls in memory (rules parsed, search index), caught up with the store by revision.
    pub calls: Arc<calls::CallBook>,
    /// Where mail goes and the links in it point.
    pub mail: MailSettings,
    /// What checks an uploaded file before it is kept (a virus scanner); none: not checked.
    pub file_scan: Option<Arc<dyn awards::FileScan>>,
    /// Suitability surfaces scored lately, kept for their map tiles and downloads.
    pub surfaces: Arc<suitability::Surfaces>,
    /// Heavy planning work (pipeline simulations, networks timed over a GTFS feed) runs one at
    /// a time, so that one request does not starve the server.
    pub heavy: Arc<tokio::sync::Semaphore>,
}

/// What the use cases that mail need to know of the edge.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// The server's public address, which mailed links start with (`https://ucz.example.kr`).
    pub site: String,
    /// Whether a relay sends mail; without one, mail is held in the outbox for administrators
    /// to read in the browser.
    pub relay: bool,
    /// Wakes the sender when a mail that should not wait (a verification link) is queued.
    pub wake: Arc<tokio::sync::Notify>,
}

impl MailSettings {
    /// How a mail enters the outbox: `queued` for the relay, or `held` when there is none.
    pub fn status(&self) -> &'static str {
        if self.relay { "queued" } else { "held" }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            site: "http://127.0.0.1:8080".into(),
            relay: false,
            wake: Arc::default(),
        }
    }
}

impl Services {
    pub fn new(store: Store, catalog: Catalog) -> Self {
        let rulebook = Rulebook::new(&catalog);
        Services {
            clock: *store.clock(),
            store,
            catalog: Arc::new(catalog),
            rulebook: Arc::new(rulebook),
            calls: Arc::default(),
            mail: MailSettings::default(),
            file_scan: None,
            surfaces: Arc::default(),
            heavy: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// The services, and their store, reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.store = self.store.with_clock(clock);
        self.clock = clock;
        self
    }

    /// Stores the catalog in the database (read-only through the API), replacing what an
    /// earlier start stored when it changed.
    pub async fn sync_catalog(&self) -> Result<bool, ucz_store::StoreError> {
        let all = serde_json::to_value(self.catalog.as_ref()).unwrap_or_default();
        let mut entries = Vec::new();
        if let serde_json::Value::Object(kinds) = all {
            for (kind, items) in kinds {
                for item in items.as_array().into_iter().flatten() {
                    let id = item["id"].as_str().unwrap_or_default().to_string();
                    entries.push((kind.clone(), id, item.clone()));
                }
            }
        }
        self.store.sync_catalog(&entries).await
    }
}
