//! The records of one region's space ladder, read in SQL by region: its zones and their
//! facilities, its hubs, the spaces of both, the leases of those spaces with their firms, and the
//! placement rejections of those spaces. A fixed number of queries whatever the country holds.

use serde_json::Value;

use crate::records::{
    FACILITIES, FIRMS, HUBS, LEASES, REJECTIONS, SPACES, Table, ZONES, select_list_as, to_json,
    trusted,
};
use crate::{Backend, Store, StoreError};

/// One region's ladder records, each in the shape `Store::get` returns.
#[derive(Debug, Default)]
pub struct RegionRows {
    pub zones: Vec<Value>,
    pub facilities: Vec<Value>,
    pub hubs: Vec<Value>,
    pub spaces: Vec<Value>,
    pub leases: Vec<Value>,
    /// The firms of those leases.
    pub firms: Vec<Value>,
    pub rejections: Vec<Value>,
}

impl Store {
    pub async fn region_rows(&self, region: &str) -> Result<RegionRows, StoreError> {
        // A zone's region is a field of its plan (the body's JSON).
        let zone_region = match self.backend {
            Backend::Sqlite => "json_extract(z.body, '$.region')",
            Backend::Postgres => "(z.body::jsonb ->> 'region')",
        };
        let region_spaces = format!(
            "SELECT s.id FROM spaces s \
             LEFT JOIN facilities f ON f.id = s.facility_id LEFT JOIN zones z ON z.id = f.zone_id \
             LEFT JOIN hubs h ON h.id = s.hub_id \
             WHERE {zone_region} = $1 OR h.region = $1"
        );
        let read = |table: &'static Table, alias: &'static str, tail: String| {
            let sql = format!(
                "SELECT {} FROM {} {alias} {tail} ORDER BY {alias}.id",
                select_list_as(table, alias),
                table.name
            );
            async move {
                trusted(&sql)
                    .bind(region.to_string())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| to_json(table, row))
                    .collect::<Result<Vec<_>, StoreError>>()
            }
        };
        Ok(RegionRows {
            zones: read(&ZONES, "z", format!("WHERE {zone_region} = $1")).await?,
            facilities: read(
                &FACILITIES,
                "x",
                format!("JOIN zones z ON z.id = x.zone_id WHERE {zone_region} = $1"),
            )
            .await?,
            hubs: read(&HUBS, "x", "WHERE x.region = $1".into()).await?,
            spaces: read(&SPACES, "x", format!("WHERE x.id IN ({region_spaces})")).await?,
            leases: read(&LEASES, "x", format!("WHERE x.space_id IN ({region_spaces})")).await?,
            firms: read(
                &FIRMS,
                "x",
                format!(
                    "WHERE x.id IN (SELECT l.firm_id FROM leases l WHERE l.space_id IN ({region_spaces}))"
                ),
            )
            .await?,
            rejections: read(
                &REJECTIONS,
                "x",
                format!("WHERE x.space_id IN ({region_spaces})"),
            )
            .await?,
        })
    }
}
