//! Typed repositories: one per aggregate (zone, facility, space, institution, hub, firm, lease,
//! placement rejection). A use case hands the store a record of the domain's type and gets back
//! [`Stored`] records with their typed ids; how a record's fields map to its table's columns is
//! written once per aggregate, here, beside the table.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use ucz_core::firm::Firm;
use ucz_core::record::{
    Demo, FacilityBody, FacilityId, FirmId, HubBody, HubId, InstitutionBody, InstitutionId,
    LeaseBody, LeaseId, SpaceBody, SpaceId, ZoneId, ZonePlan,
};

use crate::records::{
    FACILITIES, FIRMS, HUBS, INSTITUTIONS, LEASES, PLANS, REJECTIONS, SPACES, Table, ZONES,
};
use crate::{Filter, Store, StoreError};

/// A record's key: the public id a client gave (zones, hubs, firms) or the number the database
/// gave (facilities, spaces, institutions, leases, rejections).
pub trait Key: Clone + fmt::Display + Serialize + Send + Sync + Sized {
    /// The key as a path names it; `None` for text that cannot be one (`/spaces/abc`).
    fn parse(text: &str) -> Option<Self>;
    fn of_row(id: &Value) -> Option<Self>;
}

macro_rules! text_key {
    ($($id:ty),*) => {$(
        impl Key for $id {
            fn parse(text: &str) -> Option<Self> {
                Some(Self(text.to_string()))
            }
            fn of_row(id: &Value) -> Option<Self> {
                id.as_str().map(|id| Self(id.to_string()))
            }
        }
    )*};
}

macro_rules! number_key {
    ($($id:ty),*) => {$(
        impl Key for $id {
            fn parse(text: &str) -> Option<Self> {
                text.parse().ok().map(Self)
            }
            fn of_row(id: &Value) -> Option<Self> {
                id.as_i64().map(Self)
            }
        }
    )*};
}

text_key!(ZoneId, HubId, FirmId);
number_key!(
    FacilityId,
    SpaceId,
    InstitutionId,
    LeaseId,
    RejectionId,
    PlanId
);

/// A placement rejection's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RejectionId(pub i64);

impl fmt::Display for RejectionId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A placement a zone's operator or a coordinator turned down: the plan does not propose it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rejection {
    pub firm_id: FirmId,
    pub space_id: SpaceId,
}

/// A stored placement plan's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlanId(pub i64);

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A placement plan as it was shown: the proposals of a scope (a 시·도 or 광역경제권), stored
/// when they changed. The next plan keeps as many of them as an optimal plan can; alerts on
/// changed proposals read the versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShownPlan {
    /// The 시·도 or 광역경제권 id.
    pub scope: String,
    /// 1 for a scope's first plan, then one more per change.
    pub version: i64,
    /// When it was made (RFC 3339, UTC).
    pub made_at: String,
    /// The day it planned from and its horizon in months.
    pub as_of: String,
    pub horizon: u32,
    pub proposals: Vec<ShownProposal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShownProposal {
    pub firm_id: String,
    pub space_id: String,
}

impl Aggregate for ShownPlan {
    type Id = PlanId;
    const TABLE: &'static Table = &PLANS;
    fn to_row(&self) -> Value {
        json!({
            "scope": self.scope, "version": self.version, "made_at": self.made_at,
            "body": {"as_of": self.as_of, "horizon": self.horizon, "proposals": self.proposals},
        })
    }
    fn from_row(mut row: Value) -> Result<Self, serde_json::Error> {
        if let Some(Value::Object(body)) = row.as_object_mut().and_then(|r| r.remove("body")) {
            for (field, value) in body {
                row[field] = value;
            }
        }
        serde_json::from_value(row)
    }
}

/// A record type kept in one table.
pub trait Aggregate: Sized + Send + Sync {
    type Id: Key;
    const TABLE: &'static Table;
    /// The row's columns as [`Table`] binds them, with `id` for a key the client gives.
    fn to_row(&self) -> Value;
    /// The record from its row (all its columns, `id` included).
    fn from_row(row: Value) -> Result<Self, serde_json::Error>;
}

/// A record as stored, with its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored<T: Aggregate> {
    pub id: T::Id,
    pub record: T,
}

/// A stored record as clients read it: its fields with `id`, keys in one order (by name).
impl<T: Aggregate + Serialize> Serialize for Stored<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut shown = serde_json::to_value(&self.record).map_err(serde::ser::Error::custom)?;
        let id = serde_json::to_value(&self.id).map_err(serde::ser::Error::custom)?;
        if let Some(object) = shown.as_object_mut() {
            object.insert("id".into(), id);
        }
        shown.serialize(serializer)
    }
}

/// The stored record of a row read from `T`'s table.
pub(crate) fn stored<T: Aggregate>(row: Value) -> Result<Stored<T>, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("{}: {what}", T::TABLE.name));
    let id = T::Id::of_row(&row["id"]).ok_or_else(|| corrupt(format!("id {}", row["id"])))?;
    let record = T::from_row(row).map_err(|e| corrupt(format!("{id}: {e}")))?;
    Ok(Stored { id, record })
}

pub(crate) fn all_stored<T: Aggregate>(rows: Vec<Value>) -> Result<Vec<Stored<T>>, StoreError> {
    rows.into_iter().map(stored).collect()
}

/// A page of records and the number of all that match.
pub type Listed<T> = (Vec<Stored<T>>, i64);

/// The records of one aggregate.
pub struct Repo<'s, T> {
    store: &'s Store,
    of: PhantomData<fn() -> T>,
}

impl Store {
    pub fn repo<T: Aggregate>(&self) -> Repo<'_, T> {
        Repo {
            store: self,
            of: PhantomData,
        }
    }
}

impl<T: Aggregate> Repo<'_, T> {
    pub async fn get(&self, id: &T::Id) -> Result<Option<Stored<T>>, StoreError> {
        let row = self.store.get(T::TABLE, &id.to_string()).await?;
        row.map(stored).transpose()
    }

    /// The record a path's id names; `None` for none, or for text that is no key.
    pub async fn find(&self, id: &str) -> Result<Option<Stored<T>>, StoreError> {
        match T::Id::parse(id) {
            Some(id) => self.get(&id).await,
            None => Ok(None),
        }
    }

    pub async fn list(&self, filter: &Filter) -> Result<Listed<T>, StoreError> {
        let (rows, total) = self.store.list(T::TABLE, filter).await?;
        Ok((all_stored(rows)?, total))
    }

    pub async fn create(&self, actor: &str, record: &T) -> Result<Stored<T>, StoreError> {
        stored(self.store.create(actor, T::TABLE, &record.to_row()).await?)
    }

    /// Creates all the records or none: one transaction, one audit row each; returns how many.
    pub async fn create_all(&self, actor: &str, records: &[T]) -> Result<usize, StoreError> {
        let rows: Vec<Value> = records.iter().map(T::to_row).collect();
        self.store.create_counted(actor, T::TABLE, &rows).await
    }

    /// Creates some records and replaces others by id, all in one transaction (an import that
    /// adds and updates rows); the numbers created and updated.
    pub async fn create_and_update(
        &self,
        actor: &str,
        creates: &[T],
        updates: &[(T::Id, T)],
    ) -> Result<(usize, usize), StoreError> {
        let creates: Vec<Value> = creates.iter().map(T::to_row).collect();
        let updates: Vec<(String, Value)> = updates
            .iter()
            .map(|(id, r)| (id.to_string(), r.to_row()))
            .collect();
        self.store
            .create_and_update(actor, T::TABLE, &creates, &updates)
            .await
    }

    /// Replaces a record; `None` when there is no such record.
    pub async fn update(
        &self,
        actor: &str,
        id: &T::Id,
        record: &T,
    ) -> Result<Option<Stored<T>>, StoreError> {
        let row = self
            .store
            .update(actor, T::TABLE, &id.to_string(), &record.to_row())
            .await?;
        row.map(stored).transpose()
    }

    /// The records as they stood at `as_of` (RFC 3339, UTC), read back from the audit trail: a
    /// later edit or delete does not change them. A record with no audit row at all (written
    /// before the trail began) is read as it is now.
    pub async fn as_of(&self, as_of: &str) -> Result<Vec<Stored<T>>, StoreError> {
        let (then, audited) = self.store.audited_as_of(T::TABLE, as_of).await?;
        let mut out = all_stored::<T>(then)?;
        let mut offset = 0;
        const PAGE: i64 = 5_000;
        loop {
            let (page, _) = self
                .list(&Filter {
                    equals: Vec::new(),
                    limit: PAGE,
                    offset,
                })
                .await?;
            let n = page.len() as i64;
            out.extend(
                page.into_iter()
                    .filter(|r| !audited.contains(&r.id.to_string())),
            );
            if n < PAGE {
                return Ok(out);
            }
            offset += PAGE;
        }
    }

    /// Deletes a record and what belongs to it; `false` when there is none. Records that leases
    /// depend on are refused (`StoreError::Rejected`).
    pub async fn delete(&self, actor: &str, id: &T::Id) -> Result<bool, StoreError> {
        self.store.delete(actor, T::TABLE, &id.to_string()).await
    }

    /// Which of `ids` are keys of records, looked up 500 at a time.
    pub async fn existing(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        self.store.existing_ids(T::TABLE, ids).await
    }

    /// How many records match every `column = value` of `equals`.
    pub async fn count(&self, equals: &[(&'static str, String)]) -> Result<i64, StoreError> {
        self.store.count(T::TABLE, equals).await
    }

    /// Whether there is no record at all.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        self.store.is_empty(T::TABLE).await
    }

    /// Up to `size` records matching `equals` whose key follows `after`, by key: a list read
    /// page by page, each page one statement.
    pub async fn page_after(
        &self,
        equals: &[(&'static str, String)],
        after: Option<&T::Id>,
        size: i64,
    ) -> Result<Vec<Stored<T>>, StoreError> {
        let after = after
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = self
            .store
            .page_after(T::TABLE, equals, after.as_ref(), size)
            .await?;
        all_stored(rows)
    }
}

/// `row` with `from` renamed `to`.
fn renamed(mut row: Value, from: &str, to: &str) -> Value {
    if let Some(object) = row.as_object_mut() {
        if let Some(value) = object.remove(from) {
            object.insert(to.into(), value);
        }
    }
    row
}

/// A row's `demo` flag.
fn demo_of(row: &Value) -> bool {
    row["demo"].as_bool().unwrap_or(false)
}

impl Aggregate for FacilityBody {
    type Id = FacilityId;
    const TABLE: &'static Table = &FACILITIES;
    fn to_row(&self) -> Value {
        json!({
            "zone_id": self.zone_id, "kind": self.kind, "name": self.name,
            "floor_area_m2": self.floor_area_m2, "units": self.units, "planned": self.planned,
            "lease_rule": self.lease_rule,
        })
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        // A zone file calls a facility's kind its `type`; the column is `kind`.
        serde_json::from_value(renamed(row, "kind", "type"))
    }
}

impl Aggregate for SpaceBody {
    type Id = SpaceId;
    const TABLE: &'static Table = &SPACES;
    fn to_row(&self) -> Value {
        json!({
            "facility_id": self.facility_id, "hub_id": self.hub_id, "name": self.name,
            "kind": self.kind, "area_m2": self.area_m2,
            "monthly_rent_krw": self.monthly_rent_krw, "admits": self.admits,
        })
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(row)
    }
}

impl Aggregate for InstitutionBody {
    type Id = InstitutionId;
    const TABLE: &'static Table = &INSTITUTIONS;
    fn to_row(&self) -> Value {
        json!({"zone_id": self.zone_id, "kind": self.kind, "name": self.name,
            "status": self.status, "ownership": self.ownership})
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(row)
    }
}

impl Aggregate for LeaseBody {
    type Id = LeaseId;
    const TABLE: &'static Table = &LEASES;
    fn to_row(&self) -> Value {
        json!({
            "space_id": self.space_id, "firm_id": self.firm_id,
            "starts": self.starts, "ends": self.ends,
            "status": self.status.as_str(), "renewals": self.renewals,
            // What the tenant needs next and where it went: no column of their own.
            "body": {"needs": self.needs, "left_to": self.left_to, "note": self.note},
        })
    }
    fn from_row(mut row: Value) -> Result<Self, serde_json::Error> {
        if let Some(Value::Object(body)) = row.as_object_mut().and_then(|r| r.remove("body")) {
            for (field, value) in body {
                row[field] = value;
            }
        }
        serde_json::from_value(row)
    }
}

impl Aggregate for Rejection {
    type Id = RejectionId;
    const TABLE: &'static Table = &REJECTIONS;
    fn to_row(&self) -> Value {
        json!({"firm_id": self.firm_id, "space_id": self.space_id})
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(row)
    }
}

impl Aggregate for Demo<HubBody> {
    type Id = HubId;
    const TABLE: &'static Table = &HUBS;
    fn to_row(&self) -> Value {
        let hub = &self.record;
        json!({
            "id": hub.id, "name": hub.name, "kind": hub.kind, "region": hub.region,
            "body": hub, "demo": self.demo,
        })
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        Ok(Demo {
            demo: demo_of(&row),
            record: serde_json::from_value(row["body"].clone())?,
        })
    }
}

impl Aggregate for Demo<Firm> {
    type Id = FirmId;
    const TABLE: &'static Table = &FIRMS;
    fn to_row(&self) -> Value {
        let firm = &self.record;
        json!({
            "id": firm.id, "zone": firm.zone, "region": firm.region.as_str(),
            "stage": firm.stage.as_str(), "body": firm, "demo": self.demo,
        })
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        let mut body = row["body"].clone();
        // The zone column is the firm's zone (a body may leave it out for none).
        body["zone"] = row["zone"].clone();
        Ok(Demo {
            demo: demo_of(&row),
            record: serde_json::from_value(body)?,
        })
    }
}

impl Aggregate for Demo<ZonePlan> {
    type Id = ZoneId;
    const TABLE: &'static Table = &ZONES;
    fn to_row(&self) -> Value {
        json!({"id": self.record.id(), "body": self.record, "demo": self.demo})
    }
    fn from_row(row: Value) -> Result<Self, serde_json::Error> {
        Ok(Demo {
            demo: demo_of(&row),
            record: serde_json::from_value(row["body"].clone())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_reads_back_from_its_row() {
        let lease: LeaseBody = serde_json::from_value(json!({
            "space_id": 3, "firm_id": "acme", "starts": "2024-01-01", "ends": "2026-01-01",
            "status": "ended", "renewals": 1, "left_to": "seoul",
        }))
        .expect("a lease");
        let mut row = lease.to_row();
        row["id"] = json!(7);
        assert_eq!(row["body"]["left_to"], "seoul");
        let back = stored::<LeaseBody>(row).expect("the row");
        assert_eq!(back.id, LeaseId(7));
        assert_eq!(back.record, lease);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_corrupt_not_a_panic() {
        let row = json!({"id": 1, "zone_id": 5, "kind": "x"});
        assert!(matches!(
            stored::<FacilityBody>(row),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            stored::<SpaceBody>(json!({"id": "one"})),
            Err(StoreError::Corrupt(_))
        ));
    }
}
