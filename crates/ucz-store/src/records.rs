//! Records as JSON objects over a few tables described by [`Table`]: one way to list, read,
//! create, update and delete zones, facilities, spaces, institutions and firms, each write with
//! its audit row in the same transaction. The web layer validates a record before it gets here.

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::audit::{Author, append};
use crate::queries::{Bound, LEASES_IN_THE_WAY, LeaseScope, rows_where};
use crate::repo::{Aggregate, Stored};
use crate::{Store, StoreError};
use ucz_core::account::{RoleName, Session, TokenInfo, User, UserId};
use ucz_core::message::{Key, Message};
use ucz_core::record::{FirmId, LeaseBody, LeaseId, ZoneId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Text,
    OptionalText,
    Int,
    OptionalInt,
    Real,
    Bool,
    /// JSON stored as text.
    Json,
    /// JSON stored as text, or NULL for `null` (a column added to rows that had none).
    OptionalJson,
}

/// A table of records.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// The entity's name in the audit trail.
    pub entity: &'static str,
    /// What messages call a record of the table, in either language.
    pub noun: Key,
    /// Whether the key is a number the database assigns (else a text id the client gives).
    pub numeric_key: bool,
    /// Columns other than `id`.
    pub columns: &'static [(&'static str, Column)],
}

pub const ZONES: Table = Table {
    name: "zones",
    entity: "zone",
    noun: Key::NounZone,
    numeric_key: false,
    columns: &[("body", Column::Json), ("demo", Column::Bool)],
};
pub const FACILITIES: Table = Table {
    name: "facilities",
    entity: "facility",
    noun: Key::NounFacility,
    numeric_key: true,
    columns: &[
        ("zone_id", Column::Text),
        ("kind", Column::Text),
        ("name", Column::Text),
        ("floor_area_m2", Column::Real),
        ("units", Column::OptionalInt),
        ("planned", Column::Bool),
        // An incubator's own lease terms, `{max_months, renewal_months, max_renewals}`.
        ("lease_rule", Column::OptionalJson),
    ],
};
/// A room or unit, in a zone's facility or in a hub outside the zones (one of the two).
pub const SPACES: Table = Table {
    name: "spaces",
    entity: "space",
    noun: Key::NounSpace,
    numeric_key: true,
    columns: &[
        ("facility_id", Column::OptionalInt),
        ("hub_id", Column::OptionalText),
        ("name", Column::Text),
        ("kind", Column::Text),
        ("area_m2", Column::Real),
        ("monthly_rent_krw", Column::OptionalInt),
        // What it admits: `{stages, sectors, equipment}`.
        ("admits", Column::Json),
    ],
};
/// A hub of a region's network outside the zones (campus innovation park, …).
pub const HUBS: Table = Table {
    name: "hubs",
    entity: "hub",
    noun: Key::NounHub,
    numeric_key: false,
    columns: &[
        ("name", Column::Text),
        ("kind", Column::Text),
        ("region", Column::Text),
        ("body", Column::Json),
        ("demo", Column::Bool),
    ],
};
/// A firm in a space from one day to another; `body` holds what it needs next and where it
/// went when it left.
pub const LEASES: Table = Table {
    name: "leases",
    entity: "lease",
    noun: Key::NounLease,
    numeric_key: true,
    columns: &[
        ("space_id", Column::Int),
        ("firm_id", Column::Text),
        ("starts", Column::Text),
        ("ends", Column::Text),
        ("status", Column::Text),
        ("renewals", Column::Int),
        ("body", Column::Json),
    ],
};
/// A placement a zone's operator or a coordinator turned down: the plan does not propose it again.
pub const REJECTIONS: Table = Table {
    name: "placement_rejections",
    entity: "placement rejection",
    noun: Key::NounPlacementRejection,
    numeric_key: true,
    columns: &[("firm_id", Column::Text), ("space_id", Column::Int)],
};
/// The placement plans shown, one version per change of a scope's proposals.
pub const PLANS: Table = Table {
    name: "placement_plans",
    entity: "placement plan",
    noun: Key::NounPlacementPlan,
    numeric_key: true,
    columns: &[
        ("scope", Column::Text),
        ("version", Column::Int),
        ("made_at", Column::Text),
        ("body", Column::Json),
    ],
};
pub const INSTITUTIONS: Table = Table {
    name: "institutions",
    entity: "institution",
    noun: Key::NounInstitution,
    numeric_key: true,
    columns: &[
        ("zone_id", Column::Text),
        ("kind", Column::Text),
        ("name", Column::Text),
        ("status", Column::Text),
        ("ownership", Column::OptionalText),
    ],
};
pub const FIRMS: Table = Table {
    name: "firms",
    entity: "firm",
    noun: Key::NounFirm,
    numeric_key: false,
    columns: &[
        ("zone", Column::Text),
        ("region", Column::Text),
        ("stage", Column::Text),
        ("body", Column::Json),
        ("demo", Column::Bool),
    ],
};

fn select_list(table: &Table) -> String {
    let mut columns = vec!["id"];
    columns.extend(table.columns.iter().map(|(c, _)| *c));
    columns.join(", ")
}

/// The columns of `table` under an alias (`x.id, x.name, …`), for queries that join.
pub(crate) fn select_list_as(table: &Table, alias: &str) -> String {
    std::iter::once("id")
        .chain(table.columns.iter().map(|(c, _)| *c))
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn to_json(table: &Table, row: &AnyRow) -> Result<Value, StoreError> {
    let mut object = Map::new();
    let id = if table.numeric_key {
        Value::from(row.try_get::<i64, _>("id")?)
    } else {
        Value::from(row.try_get::<String, _>("id")?)
    };
    object.insert("id".into(), id);
    for (name, column) in table.columns {
        let value = match column {
            Column::Text => Value::from(row.try_get::<String, _>(*name)?),
            Column::OptionalText => row
                .try_get::<Option<String>, _>(*name)?
                .map_or(Value::Null, Value::from),
            Column::Int => Value::from(row.try_get::<i64, _>(*name)?),
            Column::OptionalInt => row
                .try_get::<Option<i64>, _>(*name)?
                .map_or(Value::Null, Value::from),
            Column::Real => Value::from(row.try_get::<f64, _>(*name)?),
            Column::Bool => Value::from(row.try_get::<i64, _>(*name)? != 0),
            Column::Json | Column::OptionalJson => match row.try_get::<Option<String>, _>(*name)? {
                Some(text) => serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("{}.{name}: {e}", table.name)))?,
                None => Value::Null,
            },
        };
        object.insert((*name).into(), value);
    }
    Ok(Value::Object(object))
}

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// A query whose text is built only from the static table and column names of this module —
/// never from input — with every value bound as a parameter.
pub(crate) fn trusted(sql: &str) -> Query<'static> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
}

/// Binds a record's value for its column. A record the use cases made always has its required
/// values; one without is refused rather than stored as `""`, `0` or `false`.
fn bind<'q>(
    query: Query<'q>,
    table: &Table,
    (name, column): (&str, Column),
    value: &Value,
) -> Result<Query<'q>, StoreError> {
    let missing = || {
        StoreError::Corrupt(format!(
            "{}.{name} is missing or of the wrong type",
            table.name
        ))
    };
    Ok(match column {
        Column::Text => query.bind(value.as_str().ok_or_else(missing)?.to_string()),
        Column::OptionalText => query.bind(value.as_str().map(str::to_string)),
        Column::Int => query.bind(value.as_i64().ok_or_else(missing)?),
        Column::OptionalInt => query.bind(value.as_i64()),
        Column::Real => query.bind(value.as_f64().ok_or_else(missing)?),
        Column::Bool => query.bind(i64::from(value.as_bool().ok_or_else(missing)?)),
        Column::Json => query.bind(value.to_string()),
        Column::OptionalJson => query.bind((!value.is_null()).then(|| value.to_string())),
    })
}

/// Binds a record's id. A numeric key given as text that is no number is bound as NULL, which
/// no record's key equals: such an id names no record.
fn bind_id<'q>(table: &Table, query: Query<'q>, id: &str) -> Query<'q> {
    if table.numeric_key {
        query.bind(id.parse::<i64>().ok())
    } else {
        query.bind(id.to_string())
    }
}

/// Which records to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Column equal to a text value (`zone_id = "daejeon"`).
    pub equals: Vec<(&'static str, String)>,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    pub async fn list(
        &self,
        table: &Table,
        filter: &Filter,
    ) -> Result<(Vec<Value>, i64), StoreError> {
        let mut conditions = Vec::new();
        for (i, (column, _)) in filter.equals.iter().enumerate() {
            conditions.push(format!("{column} = ${}", i + 1));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let n = filter.equals.len();
        let sql = format!(
            "SELECT {} FROM {}{clause} ORDER BY id LIMIT ${} OFFSET ${}",
            select_list(table),
            table.name,
            n + 1,
            n + 2
        );
        let numeric = |column: &str| {
            table
                .columns
                .iter()
                .any(|(c, t)| *c == column && matches!(t, Column::Int | Column::OptionalInt))
        };
        let mut query = trusted(&sql);
        for (column, value) in &filter.equals {
            query = if numeric(column) {
                query.bind(value.parse::<i64>().ok())
            } else {
                query.bind(value.clone())
            };
        }
        let rows = query
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM {}{clause}", table.name);
        let mut count = trusted(&count_sql);
        for (column, value) in &filter.equals {
            count = if numeric(column) {
                count.bind(value.parse::<i64>().ok())
            } else {
                count.bind(value.clone())
            };
        }
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let items = rows
            .iter()
            .map(|r| to_json(table, r))
            .collect::<Result<_, _>>()?;
        Ok((items, total))
    }

    pub async fn get(&self, table: &Table, id: &str) -> Result<Option<Value>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE id = $1",
            select_list(table),
            table.name
        );
        let row = bind_id(table, trusted(&sql), id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| to_json(table, &r)).transpose()
    }

    /// Which of `ids` are keys of `table`: one query per 500 ids rather than one per id (an
    /// import checks thousands of new ids at once).
    pub async fn existing_ids(
        &self,
        table: &Table,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        ids_in(&mut conn, table, ids).await
    }

    /// Creates a record; text keys come in `record["id"]`, numeric keys are assigned.
    pub async fn create(
        &self,
        actor: &str,
        table: &Table,
        record: &Value,
    ) -> Result<Value, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let created = insert(&mut tx, &by, table, record, false)
            .await
            .map_err(|e| taken(dangling(e), table, record))?;
        tx.commit().await?;
        Ok(created)
    }

    /// Creates all the records or none (an import): one transaction, one audit row each.
    pub async fn create_many(
        &self,
        actor: &str,
        table: &Table,
        records: &[Value],
    ) -> Result<Vec<Value>, StoreError> {
        let mut created = Vec::with_capacity(records.len());
        self.create_all(actor, table, records, |record| created.push(record))
            .await?;
        Ok(created)
    }

    /// `create_many` that counts the records created rather than keeping them (an import of
    /// thousands).
    pub async fn create_counted(
        &self,
        actor: &str,
        table: &Table,
        records: &[Value],
    ) -> Result<usize, StoreError> {
        let mut count = 0;
        self.create_all(actor, table, records, |_| count += 1)
            .await?;
        Ok(count)
    }

    async fn create_all(
        &self,
        actor: &str,
        table: &Table,
        records: &[Value],
        mut created: impl FnMut(Value),
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        if !table.numeric_key {
            // Text keys are looked up 500 at a time, under the lock, rather than one by one.
            let ids: Vec<String> = records
                .iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_string())
                .collect();
            let taken = ids_in(&mut tx, table, &ids).await?;
            let mut seen = std::collections::HashSet::new();
            if let Some(id) = ids
                .iter()
                .find(|id| taken.contains(*id) || !seen.insert(*id))
            {
                return Err(StoreError::Conflict {
                    entity: table.entity,
                    what: table.noun,
                    id: id.clone(),
                });
            }
        }
        for record in records {
            created(
                insert(&mut tx, &by, table, record, true)
                    .await
                    .map_err(dangling)?,
            );
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Creates `creates` and replaces `updates` (by id) in one transaction, each with its audit
    /// row: an import that adds and updates rows writes all of them or none. An update of a
    /// record that is gone refuses the whole write.
    pub async fn create_and_update(
        &self,
        actor: &str,
        table: &Table,
        creates: &[Value],
        updates: &[(String, Value)],
    ) -> Result<(usize, usize), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        for record in creates {
            insert(&mut tx, &by, table, record, true)
                .await
                .map_err(dangling)?;
        }
        for (id, record) in updates {
            if update_in(&mut tx, &by, table, id, record)
                .await
                .map_err(dangling)?
                .is_none()
            {
                return Err(StoreError::Rejected(Key::ChangedMeanwhile.into()));
            }
        }
        tx.commit().await?;
        Ok((creates.len(), updates.len()))
    }
}

/// Which of `ids` are keys of `table`, 500 to a statement.
async fn ids_in(
    conn: &mut sqlx::AnyConnection,
    table: &Table,
    ids: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id FROM {} WHERE id IN ({})",
            table.name,
            placeholders.join(", ")
        );
        let mut query = trusted(&sql);
        for id in chunk {
            query = bind_id(table, query, id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(if table.numeric_key {
                row.try_get::<i64, _>("id")?.to_string()
            } else {
                row.try_get::<String, _>("id")?
            });
        }
    }
    Ok(found)
}

async fn exists(
    tx: &mut sqlx::Transaction<'_, Any>,
    table: &Table,
    id: &str,
) -> Result<bool, StoreError> {
    let sql = format!("SELECT id FROM {} WHERE id = $1", table.name);
    Ok(bind_id(table, trusted(&sql), id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

async fn update_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    by: &Author<'_>,
    table: &Table,
    id: &str,
    record: &Value,
) -> Result<Option<Value>, StoreError> {
    let select = format!(
        "SELECT {} FROM {} WHERE id = $1",
        select_list(table),
        table.name
    );
    let Some(before) = bind_id(table, trusted(&select), id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let before = to_json(table, &before)?;
    let sets: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${} RETURNING {}",
        table.name,
        sets.join(", "),
        table.columns.len() + 1,
        select_list(table)
    );
    let mut query = trusted(&sql);
    for (name, column) in table.columns {
        query = bind(query, table, (name, *column), &record[*name])?;
    }
    let after = to_json(
        table,
        &bind_id(table, query, id).fetch_one(&mut **tx).await?,
    )?;
    append(
        tx,
        by,
        "update",
        table.entity,
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(Some(after))
}

/// Inserts a record with its audit row. A text key is looked up first unless `known_new` (an
/// import looked its keys up in batches).
async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    by: &Author<'_>,
    table: &Table,
    record: &Value,
    known_new: bool,
) -> Result<Value, StoreError> {
    let mut names: Vec<&str> = Vec::new();
    if !table.numeric_key {
        names.push("id");
    }
    names.extend(table.columns.iter().map(|(c, _)| *c));
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    // The stored record comes back from the insert itself.
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
        table.name,
        names.join(", "),
        placeholders.join(", "),
        select_list(table)
    );
    let mut query = trusted(&sql);
    if !table.numeric_key {
        let id = record["id"].as_str().unwrap_or_default().to_string();
        if !known_new && exists(tx, table, &id).await? {
            return Err(StoreError::Conflict {
                entity: table.entity,
                what: table.noun,
                id,
            });
        }
        query = query.bind(id);
    }
    for (name, column) in table.columns {
        query = bind(query, table, (name, *column), &record[*name])?;
    }
    let created = to_json(table, &query.fetch_one(&mut **tx).await?)?;
    let id = match &created["id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    append(tx, by, "create", table.entity, &id, None, Some(&created)).await?;
    Ok(created)
}

impl Store {
    /// Replaces a record's columns; `None` when there is no such record.
    pub async fn update(
        &self,
        actor: &str,
        table: &Table,
        id: &str,
        record: &Value,
    ) -> Result<Option<Value>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let updated = update_in(&mut tx, &by, table, id, record)
            .await
            .map_err(dangling)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Creates (`id` none) or updates a record only if `check` accepts the records of the same
    /// table that match any of `related` (`column = value`), read under the write lock in the
    /// same transaction: a rule across records — one lease per space at a time — holds even when
    /// requests race. A refusal is `StoreError::Rejected` with the check's reason.
    pub async fn write_checked(
        &self,
        actor: &str,
        table: &Table,
        id: Option<&str>,
        record: &Value,
        related: &[(&'static str, String)],
        check: impl FnOnce(&[Value]) -> Result<(), Message>,
    ) -> Result<Option<Value>, StoreError> {
        self.write_after_check(actor, table, id, record, Related::Equals(related), check)
            .await
    }

    /// Creates (`id` none) or updates a lease if `check` accepts the leases in its way (those
    /// of its space or its firm overlapping its period), read under the write lock in the
    /// write's transaction, so that one lease per space and per firm at a time holds when
    /// requests race. A refusal is `StoreError::Rejected` with the check's reason.
    pub async fn write_lease(
        &self,
        actor: &str,
        id: Option<&LeaseId>,
        lease: &LeaseBody,
        scope: &LeaseScope,
        check: impl FnOnce(&[Stored<LeaseBody>]) -> Result<(), Message>,
    ) -> Result<Option<Stored<LeaseBody>>, StoreError> {
        let related = Related::LeasesInTheWay(scope);
        let id = id.map(LeaseId::to_string);
        let check = |rows: &[Value]| {
            let leases = crate::repo::all_stored(rows.to_vec())
                .map_err(|e| Message::new(Key::InputText).arg("text", e))?;
            check(&leases)
        };
        let written = self
            .write_after_check(
                actor,
                &LEASES,
                id.as_deref(),
                &lease.to_row(),
                related,
                check,
            )
            .await?;
        written.map(crate::repo::stored).transpose()
    }

    async fn write_after_check(
        &self,
        actor: &str,
        table: &Table,
        id: Option<&str>,
        record: &Value,
        related: Related<'_>,
        check: impl FnOnce(&[Value]) -> Result<(), Message>,
    ) -> Result<Option<Value>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let rows = match related {
            Related::Equals(equals) => {
                let mut rows = Vec::new();
                for (column, value) in equals {
                    let tail = format!("WHERE x.{column} = $1 ORDER BY x.id");
                    let value = Bound::of(table, column, value);
                    rows.extend(rows_where(&mut *tx, table, &tail, &[value]).await?);
                }
                rows
            }
            Related::LeasesInTheWay(scope) => {
                rows_where(&mut *tx, &LEASES, LEASES_IN_THE_WAY, &scope.values()).await?
            }
        };
        check(&rows).map_err(StoreError::Rejected)?;
        let written = match id {
            None => Some(insert(&mut tx, &by, table, record, false).await),
            Some(id) => update_in(&mut tx, &by, table, id, record).await.transpose(),
        };
        let written = written.transpose().map_err(dangling)?;
        tx.commit().await?;
        Ok(written)
    }

    /// Deletes a record (and, by foreign keys, what belongs to it); `false` when there is none.
    /// A record that leases depend on (a firm, a space, or what holds the space) is refused with
    /// `StoreError::Rejected`: leases are the record of who used what. The check runs under the
    /// same locks as lease writes, so a lease created at the same moment is never lost.
    pub async fn delete(&self, actor: &str, table: &Table, id: &str) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let select = format!(
            "SELECT {} FROM {} WHERE id = $1",
            select_list(table),
            table.name
        );
        let Some(before) = bind_id(table, trusted(&select), id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let before = to_json(table, &before)?;
        // What the foreign keys delete with the record gets its own audit rows, children first.
        let mut doomed = Vec::new();
        dependants(&mut tx, table, id, &mut doomed).await?;
        let leases: Vec<String> = doomed
            .iter()
            .filter(|(child, _)| child.name == LEASES.name)
            .map(|(_, lease)| lease["id"].to_string())
            .collect();
        if !leases.is_empty() {
            return Err(StoreError::Rejected(
                Message::new(Key::LeasesKeepRecord)
                    .with("what", table.noun)
                    .arg("id", id)
                    .arg("count", leases.len())
                    .arg("leases", leases.join(", ")),
            ));
        }
        if table.name == FIRMS.name {
            disable_accounts(&mut tx, &by, Holder::Firm, id).await?;
        }
        if table.name == ZONES.name {
            disable_accounts(&mut tx, &by, Holder::Zone, id).await?;
        }
        for (child, record) in doomed.iter().rev() {
            let child_id = record["id"].to_string();
            append(
                &mut tx,
                &by,
                "delete",
                child.entity,
                &child_id,
                Some(record),
                None,
            )
            .await?;
        }
        let sql = format!("DELETE FROM {} WHERE id = $1", table.name);
        bind_id(table, trusted(&sql), id)
            .execute(&mut *tx)
            .await
            .map_err(|e| dangling(e.into()))?;
        append(
            &mut tx,
            &by,
            "delete",
            table.entity,
            id,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The records a checked write reads under the lock.
enum Related<'a> {
    /// Those matching any `column = value`.
    Equals(&'a [(&'static str, String)]),
    LeasesInTheWay(&'a LeaseScope),
}

/// The tables whose rows a deletion removes through foreign keys, and leases, which refuse it:
/// (table, its key column).
fn children(table: &Table) -> &'static [(&'static Table, &'static str)] {
    match table.name {
        "zones" => &[(&FACILITIES, "zone_id"), (&INSTITUTIONS, "zone_id")],
        "facilities" => &[(&SPACES, "facility_id")],
        "hubs" => &[(&SPACES, "hub_id")],
        "spaces" => &[(&LEASES, "space_id"), (&REJECTIONS, "space_id")],
        "firms" => &[(&LEASES, "firm_id"), (&REJECTIONS, "firm_id")],
        _ => &[],
    }
}

/// A write that refers to a record deleted meanwhile (a foreign key violation) is a refusal the
/// caller can act on, not a database failure.
fn dangling(error: StoreError) -> StoreError {
    match &error {
        StoreError::Database(sqlx::Error::Database(e))
            if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation =>
        {
            StoreError::Rejected(Key::ChangedMeanwhile.into())
        }
        _ => error,
    }
}

/// A write that a racing one made a duplicate of (a unique violation) is a conflict the caller
/// can act on.
fn taken(error: StoreError, table: &Table, record: &Value) -> StoreError {
    match &error {
        StoreError::Database(sqlx::Error::Database(e))
            if e.kind() == sqlx::error::ErrorKind::UniqueViolation =>
        {
            StoreError::Conflict {
                entity: table.entity,
                what: table.noun,
                id: record["id"]
                    .as_str()
                    .map_or_else(|| record["id"].to_string(), str::to_string),
            }
        }
        _ => error,
    }
}

/// What an account is bound to by its internal key.
#[derive(Clone, Copy)]
enum Holder {
    Firm,
    Zone,
}

/// A deleted firm's or zone's accounts are disabled (they held its internal key, which is never
/// given to another record), their sessions and tokens removed, with an audit row each.
async fn disable_accounts(
    tx: &mut sqlx::Transaction<'_, Any>,
    by: &Author<'_>,
    holder: Holder,
    id: &str,
) -> Result<(), StoreError> {
    let (sql, field) = match holder {
        Holder::Firm => (
            format!(
                "SELECT {USER_COLUMNS} FROM {USER_JOIN} WHERE firms.id = $1 AND users.disabled = 0"
            ),
            "firm_id",
        ),
        Holder::Zone => (
            format!(
                "SELECT {USER_COLUMNS} FROM {USER_JOIN} WHERE zones.id = $1 AND users.disabled = 0"
            ),
            "zone_id",
        ),
    };
    let accounts = trusted(&sql)
        .bind(id.to_string())
        .fetch_all(&mut **tx)
        .await?;
    for row in accounts {
        let account = user(&row)?;
        sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
            .bind(account.id.0)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(account.id.0)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(account.id.0)
            .execute(&mut **tx)
            .await?;
        let before = serde_json::json!({"id": account.id, "username": account.username, field: id, "disabled": false});
        let after = serde_json::json!({"id": account.id, "username": account.username, field: id, "disabled": true});
        append(
            tx,
            by,
            "disable",
            "user",
            &account.id.to_string(),
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}

/// Every record that depends on `table`'s record `id`, parents before their children.
async fn dependants(
    tx: &mut sqlx::Transaction<'_, Any>,
    table: &Table,
    id: &str,
    out: &mut Vec<(&'static Table, Value)>,
) -> Result<(), StoreError> {
    for (child, column) in children(table) {
        let sql = format!(
            "SELECT {} FROM {} WHERE {column} = $1 ORDER BY id",
            select_list(child),
            child.name
        );
        let query = if table.numeric_key {
            trusted(&sql).bind(id.parse::<i64>().ok())
        } else {
            trusted(&sql).bind(id.to_string())
        };
        let rows = query.fetch_all(&mut **tx).await?;
        for row in rows {
            let record = to_json(child, &row)?;
            let child_id = record["id"].to_string();
            out.push((child, record));
            Box::pin(dependants(tx, child, &child_id, out)).await?;
        }
    }
    Ok(())
}

pub(crate) fn user(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: UserId(row.try_get("id")?),
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        role: RoleName::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("users.role {role:?}")))?,
        zone_id: row.try_get::<Option<String>, _>("zone_id")?.map(ZoneId),
        firm_id: row.try_get::<Option<String>, _>("firm_id")?.map(FirmId),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

/// The columns of [`User`], from `users` joined to `firms` and `zones` by their internal keys
/// (`USER_JOIN`): an account names the firm or zone it was bound to, or none once it is gone.
pub(crate) const USER_COLUMNS: &str = "users.id AS id, username, users.email AS email, password_hash, role, zones.id AS zone_id, firms.id AS firm_id, disabled";
pub(crate) const USER_JOIN: &str = concat!("users ", key_joins!());
/// The joins from `users` to the records its accounts hold by key.
const KEY_JOINS: &str = key_joins!();
macro_rules! key_joins {
    () => {
        "LEFT JOIN firms ON firms.key = users.firm_key LEFT JOIN zones ON zones.key = users.zone_key"
    };
}
use key_joins;

/// "no firm F-1": an account bound to a record that is not there.
fn no_record(what: Key, id: &str) -> Message {
    Message::new(Key::NoRecordToBind)
        .with("what", what)
        .arg("id", id)
}

/// The public id of a token: the first 16 hex digits of its hash.
fn token_id(token_hash: &str) -> String {
    token_hash.chars().take(16).collect()
}

impl Store {
    pub async fn add_user(
        &self,
        actor: &str,
        username: &str,
        password_hash: &str,
        role: RoleName,
        zone_id: Option<&str>,
        firm_id: Option<&str>,
    ) -> Result<User, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let exists = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict {
                entity: "user",
                what: Key::NounUser,
                id: username.to_string(),
            });
        }
        let firm_key: Option<i64> = match firm_id {
            None => None,
            Some(firm) => Some(
                sqlx::query("SELECT key FROM firms WHERE id = $1")
                    .bind(firm)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::Rejected(no_record(Key::NounFirm, firm)))?
                    .try_get("key")?,
            ),
        };
        let zone_key: Option<i64> = match zone_id {
            None => None,
            Some(zone) => Some(
                sqlx::query("SELECT key FROM zones WHERE id = $1")
                    .bind(zone)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::Rejected(no_record(Key::NounZone, zone)))?
                    .try_get("key")?,
            ),
        };
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, zone_id, firm_id, firm_key, zone_key) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(zone_id.map(str::to_string))
        .bind(firm_id.map(str::to_string))
        .bind(firm_key)
        .bind(zone_key)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let record = serde_json::json!({"id": id, "username": username, "role": role, "zone_id": zone_id, "firm_id": firm_id});
        append(
            &mut tx,
            &by,
            "create",
            "user",
            &id.to_string(),
            None,
            Some(&record),
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id: UserId(id),
            username: username.into(),
            email: None,
            password_hash: password_hash.into(),
            role,
            zone_id: zone_id.map(|z| ZoneId(z.into())),
            firm_id: firm_id.map(|f| FirmId(f.into())),
            disabled: false,
        })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM {USER_JOIN} WHERE username = $1");
        trusted(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| user(&r))
            .transpose()
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// Opens a session. Sessions are not audited (logins are frequent and change no record);
    /// they live twelve hours and end with logout or the account's disabling.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        csrf: &str,
        expires_at: &str,
        agent: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, expires_at, created_at, agent) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id.0)
        .bind(csrf)
        .bind(expires_at)
        .bind(self.clock().stamp())
        .bind(agent.map(|a| a.chars().take(200).collect::<String>()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of an enabled account.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, csrf, expires_at FROM sessions JOIN users ON users.id = sessions.user_id {KEY_JOINS} WHERE token_hash = $1 AND disabled = 0"
        );
        let Some(row) = trusted(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("expires_at")?;
        if expires_at < self.clock().stamp() {
            return Ok(None);
        }
        Ok(Some(Session {
            user: user(&row)?,
            csrf: row.try_get("csrf")?,
            expires_at,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token for an account, audited, unless the account already has `limit`
    /// live tokens (`StoreError::Rejected`); expired tokens are removed first.
    pub async fn create_token(
        &self,
        actor: &str,
        token_hash: &str,
        user_id: UserId,
        name: &str,
        expires_at: &str,
        limit: i64,
    ) -> Result<TokenInfo, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let at = by.at.clone();
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND expires_at < $2")
            .bind(user_id.0)
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        let live: i64 = sqlx::query("SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = $1")
            .bind(user_id.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if live >= limit {
            return Err(StoreError::Rejected(
                Message::new(Key::TooManyTokens).arg("live", live),
            ));
        }
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id.0)
        .bind(name)
        .bind(at.clone())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let info = TokenInfo {
            id: token_id(token_hash),
            name: name.into(),
            created_at: at,
            expires_at: expires_at.into(),
        };
        let record = serde_json::json!({"user_id": user_id, "token": info});
        append(
            &mut tx,
            &by,
            "create",
            "api token",
            &info.id,
            None,
            Some(&record),
        )
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The live tokens of an account, newest first.
    pub async fn tokens_of(&self, user_id: UserId) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT token_hash, name, created_at, expires_at FROM api_tokens WHERE user_id = $1 AND expires_at >= $2 ORDER BY created_at DESC, token_hash",
        )
        .bind(user_id.0)
        .bind(self.clock().stamp())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: token_id(&r.try_get::<String, _>("token_hash")?),
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Revokes an account's token by its public id (or, with `by_hash`, by its whole hash), with
    /// an audit row; `false` when the account has no such token.
    pub async fn revoke_token(
        &self,
        actor: &str,
        user_id: UserId,
        id_or_hash: &str,
    ) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let rows = sqlx::query(
            "SELECT token_hash, name, created_at, expires_at FROM api_tokens WHERE user_id = $1",
        )
        .bind(user_id.0)
        .fetch_all(&mut *tx)
        .await?;
        let mut found = None;
        for row in &rows {
            let hash: String = row.try_get("token_hash")?;
            if hash == id_or_hash || (id_or_hash.len() == 16 && token_id(&hash) == id_or_hash) {
                found = Some((
                    hash.clone(),
                    TokenInfo {
                        id: token_id(&hash),
                        name: row.try_get("name")?,
                        created_at: row.try_get("created_at")?,
                        expires_at: row.try_get("expires_at")?,
                    },
                ));
                break;
            }
        }
        let Some((hash, info)) = found else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        let record = serde_json::json!({"user_id": user_id, "token": info});
        append(
            &mut tx,
            &by,
            "revoke",
            "api token",
            &info.id,
            Some(&record),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The enabled account of a live token.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens JOIN users ON users.id = api_tokens.user_id {KEY_JOINS} WHERE token_hash = $1 AND disabled = 0 AND expires_at >= $2"
        );
        trusted(&sql)
            .bind(token_hash)
            .bind(self.clock().stamp())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| user(&r))
            .transpose()
    }
}

impl Store {
    /// Replaces the stored catalog with `entries` (kind, id, entry) when it differs, in one
    /// transaction with an audit row; returns whether anything changed.
    pub async fn sync_catalog(
        &self,
        entries: &[(String, String, Value)],
    ) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let rows = sqlx::query("SELECT kind, id, body FROM catalog_entries ORDER BY kind, id")
            .fetch_all(&mut *tx)
            .await?;
        let mut stored: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("id")?, r.try_get("body")?)))
            .collect::<Result<_, StoreError>>()?;
        stored.sort();
        let mut wanted: Vec<(String, String, String)> = entries
            .iter()
            .map(|(k, i, b)| (k.clone(), i.clone(), b.to_string()))
            .collect();
        wanted.sort();
        if stored == wanted {
            return Ok(false);
        }
        sqlx::query("DELETE FROM catalog_entries")
            .execute(&mut *tx)
            .await?;
        for (kind, id, body) in &wanted {
            sqlx::query("INSERT INTO catalog_entries (kind, id, body) VALUES ($1, $2, $3)")
                .bind(kind.clone())
                .bind(id.clone())
                .bind(body.clone())
                .execute(&mut *tx)
                .await?;
        }
        let summary = serde_json::json!({"entries": wanted.len(), "before": stored.len()});
        append(
            &mut tx,
            &self.author("ucz"),
            "sync",
            "catalog",
            "",
            None,
            Some(&summary),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn catalog_entry_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM catalog_entries")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}
