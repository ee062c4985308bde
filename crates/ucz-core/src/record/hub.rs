//! A hub of a region's network outside the zones (`/api/v1/hubs`): a campus innovation park,
//! an innovation growth center, a public rental knowledge-industry center, an incubator.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldProblem, Fields, HubId};
use crate::Catalog;
use crate::catalog::LeaseRuleOverride;
use crate::message::{Key, Message};
use crate::zone::Site;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Hub")]
pub struct HubBody {
    /// 1 to 64 lowercase letters, digits, '-' or '_'.
    pub id: HubId,
    pub name: String,
    /// A hub kind id of the catalog.
    pub kind: String,
    /// A region (시도) id of the catalog.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    /// An incubator hub's own lease terms, each replacing the catalog default's for its
    /// incubation rooms; a lease beyond them is written with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_rule: Option<LeaseRuleOverride>,
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
        let id = f.text("id", Key::RequiredId);
        let name = f.text("name", Key::RequiredName);
        let kind = f.text("kind", Key::RequiredHubKindId);
        let region = f.text("region", Key::RequiredRegionId);
        let id = match id {
            Some(id) if !is_hub_id(&id) => {
                f.push("id", Key::HubIdForm);
                None
            }
            id => id,
        };
        let kinds = catalog.hub_kinds.iter().map(|k| k.id.as_str());
        f.known("kind", kind.as_deref(), kinds, Key::NounHubKind);
        let regions = catalog.regions.iter().map(|r| r.id.as_str());
        f.known("region", region.as_deref(), regions, Key::NounRegion);
        let site = match f.raw("site") {
            Value::Null => Some(None),
            site => match serde_json::from_value::<Site>(site.clone()) {
                Ok(site) => Some(Some(site)),
                Err(error) => {
                    f.push("site", Message::input(error));
                    None
                }
            },
        };
        let lease_rule = f.lease_rule("lease_rule");
        let body = (|| {
            Some(HubBody {
                id: HubId(id?),
                name: name?,
                kind: kind?,
                region: region?,
                site: site?,
                lease_rule: lease_rule?,
            })
        })();
        f.finish(body)
    }
}
