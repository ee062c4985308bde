//! The records of the space ladder of some regions (one 시·도, or the members of a 광역경제권),
//! read in SQL by region: their zones and facilities, their hubs, the spaces of both, the leases
//! of those spaces with their firms, and the placement rejections of those spaces. A fixed number
//! of queries whatever the country holds and however many regions are asked for.

use ucz_core::firm::Firm;
use ucz_core::record::{Demo, FacilityBody, HubBody, LeaseBody, SpaceBody, ZonePlan};

use crate::records::{select_list_as, to_json, trusted};
use crate::repo::{Aggregate, Rejection, Stored, all_stored};
use crate::{Backend, Store, StoreError};

/// The ladder records of some regions.
#[derive(Debug, Default)]
pub struct RegionRows {
    pub zones: Vec<Stored<Demo<ZonePlan>>>,
    pub facilities: Vec<Stored<FacilityBody>>,
    pub hubs: Vec<Stored<Demo<HubBody>>>,
    pub spaces: Vec<Stored<SpaceBody>>,
    pub leases: Vec<Stored<LeaseBody>>,
    /// The firms of those leases.
    pub firms: Vec<Stored<Demo<Firm>>>,
    pub rejections: Vec<Stored<Rejection>>,
}

impl Store {
    pub async fn region_rows(&self, regions: &[String]) -> Result<RegionRows, StoreError> {
        // A zone's region is a field of its plan (the body's JSON).
        let zone_region = match self.backend {
            Backend::Sqlite => "json_extract(z.body, '$.region')",
            Backend::Postgres => "(z.body::jsonb ->> 'region')",
        };
        // `$1, $2, …`: one parameter per region, each query binding them all.
        let any = (1..=regions.len().max(1))
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let region_spaces = format!(
            "SELECT s.id FROM spaces s \
             LEFT JOIN facilities f ON f.id = s.facility_id LEFT JOIN zones z ON z.id = f.zone_id \
             LEFT JOIN hubs h ON h.id = s.hub_id \
             WHERE {zone_region} IN ({any}) OR h.region IN ({any})"
        );
        let read = |alias: &'static str, tail: String| Read {
            store: self,
            regions,
            alias,
            tail,
        };
        Ok(RegionRows {
            zones: read("z", format!("WHERE {zone_region} IN ({any})"))
                .rows()
                .await?,
            facilities: read(
                "x",
                format!("JOIN zones z ON z.id = x.zone_id WHERE {zone_region} IN ({any})"),
            )
            .rows()
            .await?,
            hubs: read("x", format!("WHERE x.region IN ({any})")).rows().await?,
            spaces: read("x", format!("WHERE x.id IN ({region_spaces})"))
                .rows()
                .await?,
            leases: read("x", format!("WHERE x.space_id IN ({region_spaces})"))
                .rows()
                .await?,
            firms: read(
                "x",
                format!(
                    "WHERE x.id IN (SELECT l.firm_id FROM leases l WHERE l.space_id IN ({region_spaces}))"
                ),
            )
            .rows()
            .await?,
            rejections: read("x", format!("WHERE x.space_id IN ({region_spaces})"))
                .rows()
                .await?,
        })
    }
}

/// One read of the regions' records: `tail` follows `FROM table alias` and binds the regions as
/// `$1`, `$2`, ….
struct Read<'a> {
    store: &'a Store,
    regions: &'a [String],
    alias: &'static str,
    tail: String,
}

impl Read<'_> {
    async fn rows<T: Aggregate>(self) -> Result<Vec<Stored<T>>, StoreError> {
        let (table, alias) = (T::TABLE, self.alias);
        let sql = format!(
            "SELECT {} FROM {} {alias} {} ORDER BY {alias}.id",
            select_list_as(table, alias),
            table.name,
            self.tail
        );
        let mut query = trusted(&sql);
        if self.regions.is_empty() {
            // No region: a parameter no region matches.
            query = query.bind(String::new());
        }
        for region in self.regions {
            query = query.bind(region.clone());
        }
        let rows = query
            .fetch_all(&self.store.pool)
            .await?
            .iter()
            .map(|row| to_json(table, row))
            .collect::<Result<Vec<_>, StoreError>>()?;
        all_stored(rows)
    }
}
