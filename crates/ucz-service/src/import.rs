//! Importing records from a spreadsheet: each row checked as its API write would be (the same
//! rules and role checks), with what rows share looked up once, and the valid rows written all
//! or nothing. Reading the file into rows is the web's; this is what the rows mean.

use std::collections::HashSet;

use serde_json::Value;

use crate::access::Owner;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use crate::parts::Known;
use crate::{Services, access, firms, parts};

/// The records an import may create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Firm,
    Facility,
    Space,
}

impl ImportKind {
    fn table(self) -> &'static ucz_store::Table {
        match self {
            ImportKind::Firm => &ucz_store::FIRMS,
            ImportKind::Facility => &ucz_store::FACILITIES,
            ImportKind::Space => &ucz_store::SPACES,
        }
    }
}

/// What the rows of one import look up: zones, facilities and hubs once each, and which new
/// firm ids exist already, a chunk of rows at a time.
#[derive(Default)]
pub struct Lookups {
    pub known: Known,
    existing: HashSet<String>,
}

impl Lookups {
    /// Notes which of a chunk's new firm ids are taken, in one query.
    pub async fn firms_taken(&mut self, state: &Services, ids: &[String]) -> Result<(), Error> {
        self.existing = state.store.existing_ids(&ucz_store::FIRMS, ids).await?;
        Ok(())
    }
}

/// Checks a row's body as the API would, returning the record to store.
pub async fn check_row(
    state: &Services,
    caller: &Caller,
    kind: ImportKind,
    body: &Value,
    lookups: &Lookups,
) -> Result<Value, Error> {
    match kind {
        ImportKind::Firm => {
            let zone = body["zone"].as_str().unwrap_or_default();
            access::create_or_delete_firm(caller, zone)?;
            let stored_zone = match firms::stored_zone_id(state, zone) {
                Some(zone) => lookups.known.get(state, &ucz_store::ZONES, zone).await?,
                None => None,
            };
            let record = firms::validate_in(state, body, false, stored_zone.as_deref())?;
            let id = record["id"].as_str().unwrap_or_default();
            if lookups.existing.contains(id) {
                return Err(Error::invalid(vec![FieldError {
                    field: "id".into(),
                    message: Message::new(Key::FirmExists).arg("id", id),
                }]));
            }
            Ok(record)
        }
        ImportKind::Facility => {
            let record = parts::facility_in(state, &lookups.known, body).await?;
            let zone = record["zone_id"].as_str().unwrap_or_default();
            access::write_zone_part(caller, &Owner::Zone(zone.to_string()))?;
            Ok(record)
        }
        ImportKind::Space => {
            let record = parts::space_in(state, &lookups.known, body).await?;
            access::write_zone_part(
                caller,
                &parts::space_zone_in(state, &lookups.known, &record).await?,
            )?;
            Ok(record)
        }
    }
}

/// Writes the checked records of an import in one transaction, each with its audit row; the
/// number written.
pub async fn write(
    state: &Services,
    caller: &Caller,
    kind: ImportKind,
    records: &[Value],
) -> Result<usize, Error> {
    Ok(state
        .store
        .create_counted(&caller.actor(), kind.table(), records)
        .await?)
}
