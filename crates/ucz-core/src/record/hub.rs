//! A hub of a region's network outside the zones (`/api/v1/hubs`): a campus innovation park,
//! an innovation growth center, a public rental knowledge-industry center, an incubator.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{FieldProblem, Fields, HubId, NAME};
use crate::Catalog;
use crate::zone::Site;

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Hub")]
pub struct HubBody {
    /// 1 to 64 lowercase letters, digits, '-' or '_'.
    pub id: HubId,
    pub name: String,
    /// A hub kind id of the catalog.
    pub kind: String,
    /// A region (시도) id of the catalog.
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
}

/// 1 to 64 lowercase letters, digits, '-' or '_'.
fn is_hub_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

impl HubBody {
    pub fn parse(body: &Value, catalog: &Catalog) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let id = f.text("id", "an id");
        let name = f.text("name", NAME);
        let kind = f.text("kind", "a hub kind id");
        let region = f.text("region", "a region id");
        let id = match id {
            Some(id) if !is_hub_id(&id) => {
                f.push("id", "1 to 64 lowercase letters, digits, '-' or '_'");
                None
            }
            id => id,
        };
        let kinds = catalog.hub_kinds.iter().map(|k| k.id.as_str());
        f.known("kind", kind.as_deref(), kinds, "hub kind");
        let regions = catalog.regions.iter().map(|r| r.id.as_str());
        f.known("region", region.as_deref(), regions, "region");
        let site = match f.raw("site") {
            Value::Null => Some(None),
            site => match serde_json::from_value::<Site>(site.clone()) {
                Ok(site) => Some(Some(site)),
                Err(error) => {
                    f.push("site", error.to_string());
                    None
                }
            },
        };
        let body = (|| {
            Some(HubBody {
                id: HubId(id?),
                name: name?,
                kind: kind?,
                region: region?,
                site: site?,
            })
        })();
        f.finish(body)
    }
}
