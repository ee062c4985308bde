//! An institution of a zone (`/api/v1/institutions`): a university, a research institute, a
//! support agency.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldProblem, Fields, ZoneId};
use crate::Catalog;
use crate::message::Key;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Institution")]
pub struct InstitutionBody {
    pub zone_id: ZoneId,
    /// An institution kind id of the catalog.
    pub kind: String,
    pub name: String,
}

impl InstitutionBody {
    pub fn parse(body: &Value, catalog: &Catalog) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let zone_id = f.text("zone_id", Key::RequiredZoneId);
        let kind = f.text("kind", Key::RequiredInstitutionKindId);
        let name = f.text("name", Key::RequiredName);
        let kinds = catalog.institution_kinds.iter().map(|k| k.id.as_str());
        f.known("kind", kind.as_deref(), kinds, Key::NounInstitutionKind);
        let body = (|| {
            Some(InstitutionBody {
                zone_id: ZoneId(zone_id?),
                kind: kind?,
                name: name?,
            })
        })();
        f.finish(body)
    }
}
