//! What the record use cases share: list parameters and pages, collecting every field error of
//! a body, and handing a body to the core's file parsers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use ucz_core::Catalog;

use crate::error::{Error, FieldError, Key, Message};

/// `?limit=&offset=` and the filters of every list, as the use cases take them. Each route
/// reads its own query type below, which refuses a parameter it does not filter by.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub zone_id: Option<String>,
    pub facility_id: Option<String>,
    pub hub_id: Option<String>,
    pub region: Option<String>,
    pub stage: Option<String>,
    pub zone: Option<String>,
    pub space_id: Option<String>,
    pub firm_id: Option<String>,
}

/// The query of one list: `limit`, `offset` and its own filters; any other parameter is
/// refused rather than ignored.
macro_rules! list_query {
    ($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Records per page, 1 to 500 (default 50).
            #[schemars(range(min = 1, max = 500))]
            pub limit: Option<i64>,
            /// Records to skip, 0 or more (default 0).
            #[schemars(range(min = 0))]
            pub offset: Option<i64>,
            $($(#[$field_doc])* pub $field: Option<String>,)*
        }

        impl From<$name> for ListParams {
            fn from(query: $name) -> ListParams {
                ListParams {
                    limit: query.limit,
                    offset: query.offset,
                    $($field: query.$field,)*
                    ..ListParams::default()
                }
            }
        }
    };
}

list_query!(
    /// `/api/v1/zones`
    ZoneQuery {}
);
list_query!(
    /// `/api/v1/facilities?zone_id=`
    FacilityQuery {
        /// Only the facilities of this zone (a zone id).
        zone_id
    }
);
list_query!(
    /// `/api/v1/spaces?facility_id=&hub_id=`
    SpaceQuery {
        /// Only the spaces of this facility (its number).
        facility_id,
        /// Only the spaces of this hub outside the zones (a hub id).
        hub_id,
    }
);
list_query!(
    /// `/api/v1/institutions?zone_id=`
    InstitutionQuery {
        /// Only the institutions of this zone (a zone id).
        zone_id
    }
);
list_query!(
    /// `/api/v1/hubs?region=`
    HubQuery {
        /// Only the hubs of this region (a region id of the catalog).
        region
    }
);
list_query!(
    /// `/api/v1/leases?space_id=&firm_id=`
    LeaseQuery {
        /// Only the leases of this space (its number).
        space_id,
        /// Only the leases of this firm (a firm id).
        firm_id,
    }
);
list_query!(
    /// `/api/v1/firms?zone=&region=&stage=` (`zone_id` is taken for `zone`)
    FirmQuery {
        /// Only the tenants of this zone (a zone id).
        zone,
        /// The same as `zone`.
        zone_id,
        /// Only the firms of this region (a region id of the catalog).
        region,
        /// Only the firms at this growth stage (a stage id of the catalog).
        stage,
    }
);

impl ListParams {
    /// The page (`limit`, `offset`), once the parameters are known to be able to match: a
    /// stage or region the catalog does not have, or a record number that is not a number, is
    /// refused on its parameter rather than answered with an empty list. A well-formed id of a
    /// record that does not exist still lists nothing.
    pub fn page(&self, catalog: &Catalog) -> Result<(i64, i64), Error> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=500).contains(&limit) {
            errors.push(FieldError::new("limit", Key::PageLimits));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", Key::PageLimits));
        }
        let stages = catalog.stages.iter().map(|s| s.id.as_str());
        let regions = catalog.regions.iter().map(|r| r.id.as_str());
        let mut catalog_ids = ucz_core::record::Fields::of(&Value::Null);
        catalog_ids.known("stage", self.stage.as_deref(), stages, Key::NounStage);
        catalog_ids.known("region", self.region.as_deref(), regions, Key::NounRegion);
        errors.extend(catalog_ids.problems.into_iter().map(FieldError::from));
        for (parameter, value) in [
            ("facility_id", &self.facility_id),
            ("space_id", &self.space_id),
        ] {
            if value.as_ref().is_some_and(|v| v.parse::<i64>().is_err()) {
                errors.push(FieldError::new(parameter, Key::RecordNumber));
            }
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        Ok((limit, offset))
    }
}

/// A page of a list: its records, the number of all that match, and where it starts.
#[derive(Serialize)]
pub struct Page<T = Value> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T: Serialize> Page<T> {
    /// The page as JSON records, for what shows any record alike (exports, forms).
    pub fn shown(self) -> Page {
        Page {
            items: self.items.iter().map(shown).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// A record as clients read it, as JSON.
pub fn shown<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// The problems found in a body, all of them, so that a client fixes them in one go.
#[derive(Default)]
pub struct Findings(Vec<FieldError>);

impl Findings {
    /// The field errors of a check that may also fail otherwise (a database error passes).
    pub fn and(&mut self, result: Result<(), Error>) -> Result<&mut Self, Error> {
        match result {
            Ok(()) => {}
            Err(error) if error.code == crate::error::Code::Validation => {
                self.0.extend(error.errors);
            }
            Err(error) => return Err(error),
        }
        Ok(self)
    }

    /// A body read into its record: the record, or its problems noted.
    pub fn parsed<T>(
        &mut self,
        result: Result<T, Vec<ucz_core::record::FieldProblem>>,
    ) -> Option<T> {
        match result {
            Ok(record) => Some(record),
            Err(problems) => {
                self.0.extend(problems.into_iter().map(FieldError::from));
                None
            }
        }
    }

    pub fn done(&mut self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid(std::mem::take(&mut self.0)))
        }
    }
}

/// A body without what the server keeps for itself (`demo`, which marks demo data): a client
/// may send back what it read, and the server's value stands.
pub fn without_read_only(mut body: Value) -> Value {
    if let Some(object) = body.as_object_mut() {
        object.remove("demo");
    }
    body
}

/// A body that names an id must name the one of the URL.
pub fn same_id(body: &Value, id: &str) -> Result<(), Error> {
    match body.get("id") {
        Some(given) if given.as_str() != Some(id) => Err(Error::invalid(vec![FieldError {
            field: "id".into(),
            message: Message::new(Key::IdNotUrl)
                .arg("given", given)
                .arg("id", id),
        }])),
        _ => Ok(()),
    }
}

/// JSON turned into TOML text, so that the core's file parsers (and their messages) apply.
/// JSON `null` means absent.
pub fn as_toml(value: &Value) -> Result<String, Error> {
    fn without_nulls(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }
    toml::to_string(&without_nulls(value))
        .map_err(|e| Error::bad_request(Message::new(Key::CannotReadBody).arg("detail", e)))
}

/// The fields a record's body may name: the properties of its type's schema, the same schema
/// the API document gives. Made once per type (an import checks thousands of rows).
pub fn fields_of<T: schemars::JsonSchema>() -> std::sync::Arc<Vec<String>> {
    type Known = std::collections::HashMap<String, std::sync::Arc<Vec<String>>>;
    static FIELDS: std::sync::OnceLock<std::sync::Mutex<Known>> = std::sync::OnceLock::new();
    let name = T::schema_name().into_owned();
    let fields = FIELDS.get_or_init(Default::default);
    if let Some(known) = fields.lock().ok().and_then(|f| f.get(&name).cloned()) {
        return known;
    }
    let schema = schemars::schema_for!(T);
    let found: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
    );
    if let Ok(mut known) = fields.lock() {
        known.insert(name, found.clone());
    }
    found
}

/// Every top-level field of `body` must be a field of the record `T` (or `id`, which a `PUT`
/// body may repeat); each unknown one is a field error naming it and the accepted fields.
pub fn known_fields<T: schemars::JsonSchema>(body: &Value) -> Result<(), Error> {
    let accepted = fields_of::<T>();
    let record = T::schema_name();
    let Some(object) = body.as_object() else {
        return Ok(());
    };
    let errors: Vec<FieldError> = object
        .keys()
        .filter(|key| *key != "id" && !accepted.contains(key))
        .map(|key| FieldError {
            field: key.clone(),
            message: Message::new(Key::UnknownField)
                .arg("key", key)
                .arg("record", &record)
                .arg("fields", accepted.join(", ")),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}
