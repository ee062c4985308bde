//! Named reads scoped to what a request needs — one zone's parts, the leases that could clash
//! with one lease, counts — each a fixed number of statements filtered, sorted and limited in
//! SQL, so that no request reads a whole table.

use serde_json::Value;
use ucz_core::record::{FacilityBody, InstitutionBody, LeaseBody, SpaceBody};

use crate::records::{
    FACILITIES, INSTITUTIONS, LEASES, SPACES, Table, ZONES, select_list_as, to_json, trusted,
};
use crate::repo::{Listed, Stored, all_stored};
use crate::{Backend, Store, StoreError};

/// A value bound to a query.
#[derive(Clone, Debug)]
pub(crate) enum Bound {
    Text(String),
    Int(i64),
}

impl Bound {
    /// `value` as the type of `table`'s `column` (a numeric column's unreadable text matches
    /// nothing).
    pub(crate) fn of(table: &Table, column: &str, value: &str) -> Bound {
        let numeric = column == "id" && table.numeric_key
            || table.columns.iter().any(|(c, t)| {
                *c == column
                    && matches!(
                        t,
                        crate::records::Column::Int | crate::records::Column::OptionalInt
                    )
            });
        if numeric {
            Bound::Int(value.parse().unwrap_or(-1))
        } else {
            Bound::Text(value.to_string())
        }
    }
}

pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[Bound],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Bound::Text(text) => query.bind(text.clone()),
            Bound::Int(n) => query.bind(*n),
        };
    }
    query
}

/// A zone's facilities and institutions, by id.
#[derive(Debug, Default)]
pub struct ZoneParts {
    pub facilities: Vec<Stored<FacilityBody>>,
    pub institutions: Vec<Stored<InstitutionBody>>,
}

/// The leases a lease of `space_id` to `firm_id` from `starts` to `ends` (half-open, `YYYY-MM-DD`)
/// could clash with: those of the space or of the firm whose period overlaps it.
#[derive(Clone, Debug)]
pub struct LeaseScope {
    pub space_id: i64,
    pub firm_id: String,
    pub starts: String,
    pub ends: String,
}

/// Rows of one table under alias `x`: `tail` follows `FROM table x` and uses `$1…` for `values`.
pub(crate) async fn rows_where<'e, E>(
    executor: E,
    table: &Table,
    tail: &str,
    values: &[Bound],
) -> Result<Vec<Value>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {} FROM {} x {tail}",
        select_list_as(table, "x"),
        table.name
    );
    bind_all(trusted(&sql), values)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|row| to_json(table, row))
        .collect()
}

/// `x.space_id IN (…)`'s subquery: the spaces in the facilities of zone `$n`.
fn zone_spaces(n: usize) -> String {
    format!(
        "SELECT s.id FROM spaces s JOIN facilities f ON f.id = s.facility_id WHERE f.zone_id = ${n}"
    )
}

/// The condition of the leases in a [`LeaseScope`], its values from `$1` to `$4`. Dates are
/// stored in their one text form, so text order is day order.
pub(crate) const LEASES_IN_THE_WAY: &str =
    "WHERE (x.space_id = $1 OR x.firm_id = $2) AND x.starts < $3 AND x.ends > $4 ORDER BY x.id";

impl LeaseScope {
    pub(crate) fn values(&self) -> [Bound; 4] {
        [
            Bound::Int(self.space_id),
            Bound::Text(self.firm_id.clone()),
            Bound::Text(self.ends.clone()),
            Bound::Text(self.starts.clone()),
        ]
    }
}

impl Store {
    /// A zone's facilities and institutions (two statements, by the zone's index).
    pub async fn zone_parts(&self, zone_id: &str) -> Result<ZoneParts, StoreError> {
        let zone = [Bound::Text(zone_id.to_string())];
        let of_zone = "WHERE x.zone_id = $1 ORDER BY x.id";
        Ok(ZoneParts {
            facilities: all_stored(rows_where(&self.pool, &FACILITIES, of_zone, &zone).await?)?,
            institutions: all_stored(rows_where(&self.pool, &INSTITUTIONS, of_zone, &zone).await?)?,
        })
    }

    /// The spaces in a zone's facilities, by id.
    pub async fn zone_spaces(&self, zone_id: &str) -> Result<Vec<Stored<SpaceBody>>, StoreError> {
        all_stored(
            rows_where(
                &self.pool,
                &SPACES,
                &format!("WHERE x.id IN ({}) ORDER BY x.id", zone_spaces(1)),
                &[Bound::Text(zone_id.to_string())],
            )
            .await?,
        )
    }

    /// The leases of the spaces in a zone's facilities, by id.
    pub async fn zone_leases(&self, zone_id: &str) -> Result<Vec<Stored<LeaseBody>>, StoreError> {
        all_stored(
            rows_where(
                &self.pool,
                &LEASES,
                &format!("WHERE x.space_id IN ({}) ORDER BY x.id", zone_spaces(1)),
                &[Bound::Text(zone_id.to_string())],
            )
            .await?,
        )
    }

    /// The leases a lease could clash with (see [`LeaseScope`]), by id.
    pub async fn leases_in_the_way(
        &self,
        scope: &LeaseScope,
    ) -> Result<Vec<Stored<LeaseBody>>, StoreError> {
        all_stored(rows_where(&self.pool, &LEASES, LEASES_IN_THE_WAY, &scope.values()).await?)
    }

    /// A firm's lease that ends last (of two ending on the same day, the later one).
    pub async fn latest_lease_of_firm(
        &self,
        firm_id: &str,
    ) -> Result<Option<Stored<LeaseBody>>, StoreError> {
        let rows = rows_where(
            &self.pool,
            &LEASES,
            "WHERE x.firm_id = $1 ORDER BY x.ends DESC, x.id DESC LIMIT 1",
            &[Bound::Text(firm_id.to_string())],
        )
        .await?;
        Ok(all_stored(rows)?.into_iter().next())
    }

    /// The latest plan shown for a scope (a 시·도 or 광역경제권), if any.
    pub async fn latest_plan(
        &self,
        scope: &str,
    ) -> Result<Option<Stored<crate::ShownPlan>>, StoreError> {
        let rows = rows_where(
            &self.pool,
            &crate::PLANS,
            "WHERE x.scope = $1 ORDER BY x.version DESC LIMIT 1",
            &[Bound::Text(scope.to_string())],
        )
        .await?;
        Ok(all_stored(rows)?.into_iter().next())
    }

    /// A page of leases matching `filter` and, with `zone`, only those of the spaces in that
    /// zone's facilities; with the number of all that match.
    pub async fn list_leases(
        &self,
        filter: &crate::Filter,
        zone: Option<&str>,
    ) -> Result<Listed<LeaseBody>, StoreError> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        for (column, value) in &filter.equals {
            values.push(Bound::of(&LEASES, column, value));
            conditions.push(format!("x.{column} = ${}", values.len()));
        }
        if let Some(zone) = zone {
            values.push(Bound::Text(zone.to_string()));
            conditions.push(format!("x.space_id IN ({})", zone_spaces(values.len())));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let n = values.len();
        let mut paged = values.clone();
        paged.extend([Bound::Int(filter.limit), Bound::Int(filter.offset)]);
        let items = rows_where(
            &self.pool,
            &LEASES,
            &format!("{clause} ORDER BY x.id LIMIT ${} OFFSET ${}", n + 1, n + 2),
            &paged,
        )
        .await?;
        let count = format!("SELECT COUNT(*) AS n FROM leases x {clause}");
        let total = bind_all(trusted(&count), &values)
            .fetch_one(&self.pool)
            .await?;
        Ok((all_stored(items)?, sqlx::Row::try_get(&total, "n")?))
    }

    /// How many records of `table` match every `column = value` of `equals`.
    pub(crate) async fn count(
        &self,
        table: &Table,
        equals: &[(&'static str, String)],
    ) -> Result<i64, StoreError> {
        let (clause, values) = equals_clause(table, equals);
        let sql = format!("SELECT COUNT(*) AS n FROM {} x {clause}", table.name);
        let row = bind_all(trusted(&sql), &values)
            .fetch_one(&self.pool)
            .await?;
        Ok(sqlx::Row::try_get(&row, "n")?)
    }

    /// The number of records of `table` matching `equals` for each value of `column` that has
    /// any, by that value.
    pub async fn count_by(
        &self,
        table: &Table,
        column: &'static str,
        equals: &[(&'static str, String)],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let (clause, values) = equals_clause(table, equals);
        let sql = format!(
            "SELECT x.{column} AS value, COUNT(*) AS n FROM {} x {clause} GROUP BY x.{column} ORDER BY x.{column}",
            table.name
        );
        bind_all(trusted(&sql), &values)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    sqlx::Row::try_get(row, "value")?,
                    sqlx::Row::try_get(row, "n")?,
                ))
            })
            .collect()
    }

    /// Whether `table` holds no record.
    pub(crate) async fn is_empty(&self, table: &Table) -> Result<bool, StoreError> {
        let sql = format!("SELECT id FROM {} LIMIT 1", table.name);
        Ok(trusted(&sql).fetch_optional(&self.pool).await?.is_none())
    }

    /// Up to `size` records of `table` matching `equals` whose id follows `after` (from the
    /// first with `None`), by id: a list read page by page, each page one statement, however
    /// long the list.
    pub(crate) async fn page_after(
        &self,
        table: &'static Table,
        equals: &[(&'static str, String)],
        after: Option<&Value>,
        size: i64,
    ) -> Result<Vec<Value>, StoreError> {
        let (clause, mut values) = equals_clause(table, equals);
        let mut conditions = vec![clause];
        if let Some(after) = after {
            values.push(match after {
                Value::Number(n) => Bound::Int(n.as_i64().unwrap_or(i64::MIN)),
                other => Bound::Text(other.as_str().unwrap_or_default().to_string()),
            });
            let joint = if conditions[0].is_empty() {
                "WHERE"
            } else {
                "AND"
            };
            conditions.push(format!("{joint} x.id > ${}", values.len()));
        }
        values.push(Bound::Int(size));
        let tail = format!(
            "{} ORDER BY x.id LIMIT ${}",
            conditions.join(" "),
            values.len()
        );
        rows_where(&self.pool, table, &tail, &values).await
    }

    /// The internal key of a zone, hub or firm (`None` when there is no such record): the
    /// number that never changes and is never given again, which accounts hold; its public id
    /// may name a later record after a deletion.
    pub async fn key_of<T: crate::Aggregate>(&self, id: &T::Id) -> Result<Option<i64>, StoreError> {
        let table = T::TABLE;
        if ![
            ZONES.name,
            crate::records::HUBS.name,
            crate::records::FIRMS.name,
        ]
        .contains(&table.name)
        {
            return Ok(None);
        }
        let sql = format!("SELECT key FROM {} WHERE id = $1", table.name);
        let row = trusted(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| sqlx::Row::try_get(&r, "key")).transpose()?)
    }

    /// The regions of the zones, each once, in the order of their first zone's id.
    pub async fn zone_regions(&self) -> Result<Vec<String>, StoreError> {
        let region = match self.backend {
            Backend::Sqlite => "json_extract(z.body, '$.region')",
            Backend::Postgres => "(z.body::jsonb ->> 'region')",
        };
        let sql = format!(
            "SELECT region FROM (SELECT COALESCE({region}, '') AS region, MIN(z.id) AS first FROM {} z GROUP BY 1) r ORDER BY first",
            ZONES.name
        );
        trusted(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok(sqlx::Row::try_get(row, "region")?))
            .collect()
    }
}

/// `WHERE x.column = $1 AND …` for `equals` (empty when there are none), and its values.
fn equals_clause(table: &Table, equals: &[(&'static str, String)]) -> (String, Vec<Bound>) {
    let mut values = Vec::new();
    let mut conditions = Vec::new();
    for (column, value) in equals {
        values.push(Bound::of(table, column, value));
        conditions.push(format!("x.{column} = ${}", values.len()));
    }
    if conditions.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", conditions.join(" AND ")), values)
    }
}
