//! The fields of each record as a form and as spreadsheet columns: how text typed in a browser
//! or found in a cell becomes the JSON body the API checks, and how a stored record fills a form.

use serde::Serialize;
use serde_json::{Map, Value, json};
use ucz_core::Lang;

use crate::AppState;
use crate::error::FieldError;

/// What a field's text turns into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Number,
    Integer,
    Date,
    Bool,
    /// Several values: checkboxes in a form, `;`-separated in a cell.
    List,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// Names it may also be given by (Korean and English).
    #[serde(skip)]
    pub names: Vec<String>,
}

/// A field of a form, with what the visitor typed and what is wrong with it.
#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Offered values (a select, or checkboxes for a list); empty for free input.
    pub choices: Vec<Choice>,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub values: Vec<String>,
    pub error: Option<String>,
    /// Shown but not editable (a record's id once it exists).
    pub readonly: bool,
}

/// The records a form edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Zone,
    Facility,
    Space,
    Institution,
    Firm,
    /// A hub outside the zones (coordinators keep the region's network).
    Hub,
    /// A bookable resource, updated by id from a spreadsheet (its rules are set as JSON).
    Bookable,
}

impl Resource {
    pub fn parse(text: &str) -> Option<Resource> {
        Some(match text {
            "zones" => Resource::Zone,
            "facilities" => Resource::Facility,
            "spaces" => Resource::Space,
            "institutions" => Resource::Institution,
            "firms" => Resource::Firm,
            "hubs" => Resource::Hub,
            "resources" => Resource::Bookable,
            _ => return None,
        })
    }

    pub fn plural(self) -> &'static str {
        match self {
            Resource::Zone => "zones",
            Resource::Facility => "facilities",
            Resource::Space => "spaces",
            Resource::Institution => "institutions",
            Resource::Firm => "firms",
            Resource::Hub => "hubs",
            Resource::Bookable => "resources",
        }
    }
}

fn catalog_choices(state: &AppState, kind: &str, lang: Lang) -> Vec<Choice> {
    let all = serde_json::to_value(state.catalog.as_ref()).unwrap_or_default();
    all[kind]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            let id = entry["id"].as_str().unwrap_or_default();
            let name = entry[lang.pick("name_ko", "name_en")]
                .as_str()
                .unwrap_or(id);
            Choice {
                value: id.to_string(),
                // The name alone: the id is the option's value, not words for a reader.
                label: name.to_string(),
                names: ["name_ko", "name_en"]
                    .iter()
                    .filter_map(|k| entry[*k].as_str().map(String::from))
                    .collect(),
            }
        })
        .collect()
}

/// The fields of a resource, in form order. `options` offers the zones and facilities the
/// visitor may choose from.
pub fn fields(state: &AppState, resource: Resource, lang: Lang, options: &Options) -> Vec<Field> {
    let word = |key: &str| state.pages.word(lang, key);
    let field = |name: &'static str, kind: Kind, required: bool, choices: Vec<Choice>| Field {
        name,
        kind,
        required,
        choices,
        label: word(&format!("f_{name}")),
        hint: {
            let hint = word(&format!("h_{name}"));
            if hint.starts_with("h_") {
                String::new()
            } else {
                hint
            }
        },
        value: String::new(),
        values: Vec::new(),
        error: None,
        readonly: false,
    };
    let catalog = |kind: &str| catalog_choices(state, kind, lang);
    use Kind::*;
    match resource {
        Resource::Zone => vec![
            field("id", Text, true, vec![]),
            field("name", Text, true, vec![]),
            field("name_en", Text, false, vec![]),
            field("zone_type", Text, true, catalog("zone_types")),
            field("region", Text, true, catalog("regions")),
            field("location", Text, false, vec![]),
            field("site_lat", Number, false, vec![]),
            field("site_lon", Number, false, vec![]),
            field("area_km2", Number, false, vec![]),
            field("designated", Date, false, vec![]),
            field("strategic_industries", List, false, vec![]),
            field("designations", List, false, catalog("designations")),
            field("programs", List, false, catalog("programs")),
            field("support_programs", List, false, catalog("support_programs")),
            field("linkage_programs", List, false, catalog("linkage_programs")),
        ],
        Resource::Facility => vec![
            field("zone_id", Text, true, options.zones.clone()),
            field("type", Text, true, catalog("facility_types")),
            field("name", Text, true, vec![]),
            field("floor_area_m2", Number, true, vec![]),
            field("units", Integer, false, vec![]),
            field("planned", Bool, false, vec![]),
            // An incubator's own lease terms (`lease_rule`); empty keeps the catalog default.
            field("lease_max_months", Integer, false, vec![]),
            field("lease_renewal_months", Integer, false, vec![]),
            field("lease_max_renewals", Integer, false, vec![]),
        ],
        Resource::Bookable => vec![
            field("id", Text, true, vec![]),
            field("name", Text, false, vec![]),
            field("kind", Text, false, {
                let choice = |value: &str| Choice {
                    value: value.to_string(),
                    label: word(&format!("bk_kind_{value}")),
                    names: vec![word(&format!("bk_kind_{value}"))],
                };
                vec![
                    choice("room"),
                    choice("equipment"),
                    choice("desk"),
                    choice("mentor"),
                ]
            }),
            field("facility_id", Integer, false, options.facilities.clone()),
            field("approval", Bool, false, vec![]),
            field("training", Text, false, vec![]),
            field("grace_minutes", Integer, false, vec![]),
            field("tenant_per_hour", Integer, false, vec![]),
            field("other_per_hour", Integer, false, vec![]),
            field("per_use", Integer, false, vec![]),
            field("tenant_free_hours_month", Integer, false, vec![]),
        ],
        Resource::Hub => vec![
            field("id", Text, true, vec![]),
            field("name", Text, true, vec![]),
            field("kind", Text, true, catalog("hub_kinds")),
            field("region", Text, true, catalog("regions")),
            field("site_lat", Number, false, vec![]),
            field("site_lon", Number, false, vec![]),
            // An incubator hub's own lease terms (`lease_rule`); empty keeps the catalog default.
            field("lease_max_months", Integer, false, vec![]),
            field("lease_renewal_months", Integer, false, vec![]),
            field("lease_max_renewals", Integer, false, vec![]),
        ],
        Resource::Space => vec![
            field("facility_id", Integer, true, options.facilities.clone()),
            field("name", Text, true, vec![]),
            field(
                "kind",
                Text,
                true,
                state
                    .catalog
                    .space_kinds
                    .iter()
                    .map(|k| {
                        let name = lang.pick(&k.name_ko, &k.name_en).to_string();
                        Choice {
                            value: k.id.to_string(),
                            label: name.clone(),
                            names: vec![name],
                        }
                    })
                    .collect(),
            ),
            field("area_m2", Number, true, vec![]),
            field("monthly_rent_krw", Integer, false, vec![]),
        ],
        Resource::Institution => vec![
            field("zone_id", Text, true, options.zones.clone()),
            field("kind", Text, true, catalog("institution_kinds")),
            field("name", Text, true, vec![]),
            field("status", Text, false, {
                let choice = |value: &str| Choice {
                    value: value.to_string(),
                    label: word(&format!("institution_{value}")),
                    names: vec![word(&format!("institution_{value}"))],
                };
                vec![choice("secured"), choice("planned")]
            }),
            field("ownership", Text, false, {
                let choice = |value: &str| Choice {
                    value: value.to_string(),
                    label: word(&format!("ownership_{value}")),
                    names: vec![word(&format!("ownership_{value}"))],
                };
                vec![
                    Choice {
                        value: String::new(),
                        label: word("ownership_of_kind"),
                        names: Vec::new(),
                    },
                    choice("public"),
                    choice("private"),
                ]
            }),
        ],
        Resource::Firm => vec![
            field("id", Text, true, vec![]),
            field("name", Text, false, vec![]),
            field("founded", Date, false, vec![]),
            field("stage", Text, true, catalog("stages")),
            field("founder_age", Integer, true, vec![]),
            field("employees", Integer, false, vec![]),
            field("youth_employees", Integer, false, vec![]),
            field("revenue_krw", Integer, false, vec![]),
            field("assets_krw", Integer, false, vec![]),
            field("rnd_spend_krw", Integer, false, vec![]),
            field("export_revenue_krw", Integer, false, vec![]),
            field("sector", Text, false, vec![]),
            field("region", Text, true, catalog("regions")),
            field("zone", Text, false, {
                let mut zones = vec![Choice {
                    value: String::new(),
                    label: word("none"),
                    names: Vec::new(),
                }];
                zones.extend(options.zones.iter().cloned());
                zones
            }),
            field("designations", List, false, catalog("designations")),
            field("in_incubator", Bool, false, vec![]),
            field("graduated_incubator", Bool, false, vec![]),
            field("venture_certified", Bool, false, vec![]),
            field("has_rnd_lab", Bool, false, vec![]),
            field("research_institute_share", Integer, false, vec![]),
            field("high_tech_sales_share", Integer, false, vec![]),
            field("strategic_industry", Bool, false, vec![]),
            field("owns_home", Bool, false, vec![]),
        ],
    }
}

/// The zones and facilities offered in selects.
#[derive(Default)]
pub struct Options {
    pub zones: Vec<Choice>,
    pub facilities: Vec<Choice>,
}

/// The form fields of a facility's own lease terms and the `lease_rule` term each fills.
const LEASE_TERMS: [(&str, &str); 3] = [
    ("lease_max_months", "max_months"),
    ("lease_renewal_months", "renewal_months"),
    ("lease_max_renewals", "max_renewals"),
];

/// Fills the fields from a stored record (as the API shows it).
pub fn fill(fields: &mut [Field], record: &Value) {
    for field in fields.iter_mut() {
        let value = match field.name {
            "site_lat" => &record["site"]["lat"],
            "site_lon" => &record["site"]["lon"],
            name => match LEASE_TERMS.iter().find(|(field, _)| *field == name) {
                Some((_, term)) => &record["lease_rule"][*term],
                None => &record[name],
            },
        };
        match value {
            Value::Array(items) => {
                field.values = items.iter().map(plain).collect();
                field.value = field.values.join("; ");
            }
            Value::Null => {}
            other => field.value = plain(other),
        }
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads the submitted pairs into the fields (a list field collects every value of its name).
pub fn read(fields: &mut [Field], pairs: &[(String, String)]) {
    for field in fields.iter_mut() {
        let choices = std::mem::take(&mut field.choices);
        read_field(field, &choices, pairs);
        field.choices = choices;
    }
}

/// The fields without their choices, for `read_by`: what an import clones for each row.
pub fn without_choices(fields: &[Field]) -> Vec<Field> {
    fields
        .iter()
        .map(|f| Field {
            choices: Vec::new(),
            ..f.clone()
        })
        .collect()
}

/// `read` into fields made by `without_choices`, their choices taken from `template`.
pub fn read_by(fields: &mut [Field], template: &[Field], pairs: &[(String, String)]) {
    for (field, model) in fields.iter_mut().zip(template) {
        read_field(field, &model.choices, pairs);
    }
}

fn read_field(field: &mut Field, choices: &[Choice], pairs: &[(String, String)]) {
    let given: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == field.name)
        .map(|(_, v)| v.as_str())
        .collect();
    match field.kind {
        Kind::List if choices.is_empty() => {
            field.value = given.join("; ");
            field.values = split(&field.value);
        }
        Kind::List => {
            field.values = given.iter().flat_map(|v| split(v)).collect();
            field.value = field.values.join("; ");
        }
        _ => {
            field.value = given
                .last()
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        }
    }
    // A choice may be given by its name ("초기창업", "대전광역시") as well as by its id.
    if !choices.is_empty() {
        let by_name = |text: &str| {
            choices
                .iter()
                .find(|c| c.value != text && c.names.iter().any(|n| n == text))
                .map(|c| c.value.clone())
        };
        if let Some(id) = by_name(&field.value) {
            field.value = id;
        }
        let values: Vec<String> = field
            .values
            .iter()
            .map(|v| by_name(v).unwrap_or_else(|| v.clone()))
            .collect();
        field.values = values;
    }
}

fn split(text: &str) -> Vec<String> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// "예", "true", "1", "Y", "O" and "on" are true; empty and their opposites are false.
fn truth(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "false" | "0" | "n" | "no" | "x" | "off" | "아니오" | "아니요" => Some(false),
        "true" | "1" | "y" | "yes" | "o" | "on" | "예" | "네" => Some(true),
        _ => None,
    }
}

/// The JSON body of the fields (empty text is absent), and whether every field could be read;
/// a field whose text cannot be read gets its error and is left out of the body.
pub fn body(fields: &mut [Field], lang: Lang) -> (Value, bool) {
    let mut body = Map::new();
    let mut ok = true;
    for field in fields.iter_mut() {
        let text = field.value.trim();
        let value = match field.kind {
            Kind::List => Value::from(field.values.clone()),
            Kind::Bool => match truth(text) {
                Some(b) => Value::from(b),
                None => {
                    field.error = Some(lang.pick("예 또는 아니오", "yes or no").into());
                    ok = false;
                    continue;
                }
            },
            _ if text.is_empty() => {
                if field.required {
                    field.error = Some(lang.pick("필수 항목입니다", "required").into());
                    ok = false;
                }
                continue;
            }
            Kind::Text | Kind::Date => Value::from(text),
            Kind::Number => match text.replace(',', "").parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => {
                    field.error = Some(lang.pick("숫자를 입력하세요", "enter a number").into());
                    ok = false;
                    continue;
                }
            },
            Kind::Integer => match text.replace(',', "").parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    field.error = Some(
                        lang.pick("정수를 입력하세요", "enter a whole number")
                            .into(),
                    );
                    ok = false;
                    continue;
                }
            },
        };
        body.insert(field.name.to_string(), value);
    }
    // A site is one point: both coordinates or neither.
    match (body.remove("site_lat"), body.remove("site_lon")) {
        (Some(lat), Some(lon)) => {
            body.insert("site".into(), json!({"lat": lat, "lon": lon}));
        }
        (None, None) => {}
        (lat, _) => {
            let missing = if lat.is_none() {
                "site_lat"
            } else {
                "site_lon"
            };
            if let Some(field) = fields.iter_mut().find(|f| f.name == missing) {
                field.error = Some(
                    lang.pick(
                        "위도와 경도를 함께 입력하세요",
                        "give both latitude and longitude",
                    )
                    .into(),
                );
            }
            ok = false;
        }
    }
    // The lease terms are one object, absent when none is typed (the catalog default).
    let terms: Map<String, Value> = LEASE_TERMS
        .iter()
        .filter_map(|(field, term)| body.remove(*field).map(|v| (term.to_string(), v)))
        .collect();
    if !terms.is_empty() {
        body.insert("lease_rule".into(), Value::Object(terms));
    }
    (Value::Object(body), ok)
}

/// Puts the API's field errors beside their fields; returns those that match no field.
pub fn attach(fields: &mut [Field], errors: Vec<FieldError>, lang: Lang) -> Vec<FieldError> {
    let mut rest = Vec::new();
    for error in errors {
        let target = fields.iter_mut().find(|f| {
            let name = if f.name.starts_with("site_") {
                "site"
            } else if f.name.starts_with("lease_") {
                "lease_rule"
            } else {
                f.name
            };
            error.field == name
                || error.field.starts_with(&format!("{name}."))
                || error.field.starts_with(&format!("{name}["))
        });
        match target {
            Some(field) if field.error.is_none() => field.error = Some(error.message.render(lang)),
            Some(_) => {}
            None => rest.push(error),
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;

    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 512, failure_persistence: None, ..Default::default() })]

        /// Any text typed in a form or found in an import's cells becomes a body or errors
        /// beside the fields that could not be read: never a panic, never an unexplained refusal.
        #[test]
        fn any_typed_text_becomes_a_body_or_field_errors(
            pairs in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["name", "area", "units", "planned", "designated", "tags", "site_lat", "site_lon", "other"]),
                    proptest::prop_oneof![
                        proptest::string::string_regex("[0-9,.eE+ -]{0,12}").unwrap_or_else(|e| panic!("{e}")),
                        proptest::sample::select(vec!["예", "아니오", "on", "NaN", "inf", "1e400", "9223372036854775808", "초기창업", "a; b\nc", ""]).prop_map(String::from),
                        proptest::arbitrary::any::<String>(),
                    ],
                ),
                0..12,
            ),
            lang in proptest::sample::select(vec![Lang::Ko, Lang::En]),
        ) {
            let mut fields = vec![
                field("name", Kind::Text, true),
                field("area", Kind::Number, true),
                field("units", Kind::Integer, false),
                field("planned", Kind::Bool, false),
                field("designated", Kind::Date, false),
                field("tags", Kind::List, false),
                field("site_lat", Kind::Number, false),
                field("site_lon", Kind::Number, false),
            ];
            fields[5].choices = vec![Choice {
                value: "early".into(),
                label: "초기창업".into(),
                names: vec!["초기창업".into()],
            }];
            let pairs: Vec<(String, String)> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            read(&mut fields, &pairs);
            let (body, ok) = body(&mut fields, lang);
            let errors: Vec<&Field> = fields.iter().filter(|f| f.error.is_some()).collect();
            proptest::prop_assert_eq!(ok, errors.is_empty(), "{:?}", errors);
            for f in &errors {
                proptest::prop_assert!(f.error.as_deref().is_some_and(|e| !e.is_empty()));
            }
            if ok {
                // What was read is what the API gets: numbers are finite, the site is one point.
                proptest::prop_assert!(body["area"].as_f64().is_some_and(f64::is_finite));
                proptest::prop_assert!(body.get("site_lat").is_none() && body.get("site_lon").is_none());
            }
        }
    }

    fn field(name: &'static str, kind: Kind, required: bool) -> Field {
        Field {
            name,
            kind,
            required,
            choices: Vec::new(),
            label: name.into(),
            hint: String::new(),
            value: String::new(),
            values: Vec::new(),
            error: None,
            readonly: false,
        }
    }

    #[test]
    fn typed_text_becomes_the_json_body() {
        let mut fields = vec![
            field("name", Kind::Text, true),
            field("floor_area_m2", Kind::Number, true),
            field("units", Kind::Integer, false),
            field("planned", Kind::Bool, false),
            field("strategic_industries", Kind::List, false),
        ];
        let pairs: Vec<(String, String)> = [
            ("name", " 센터 "),
            ("floor_area_m2", "12,000.5"),
            ("units", ""),
            ("planned", "on"),
            ("strategic_industries", "로봇; UAM"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        read(&mut fields, &pairs);
        let (body, ok) = body(&mut fields, Lang::Ko);
        assert!(ok);
        assert_eq!(
            body,
            json!({"name": "센터", "floor_area_m2": 12000.5, "planned": true, "strategic_industries": ["로봇", "UAM"]})
        );
    }

    #[test]
    fn a_facilitys_own_lease_terms_are_one_object_both_ways() {
        let mut fields = vec![
            field("name", Kind::Text, true),
            field("lease_max_months", Kind::Integer, false),
            field("lease_renewal_months", Kind::Integer, false),
            field("lease_max_renewals", Kind::Integer, false),
        ];
        let pairs: Vec<(String, String)> = [("name", "센터"), ("lease_max_months", "36")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read(&mut fields, &pairs);
        let (typed, ok) = body(&mut fields, Lang::Ko);
        assert!(ok);
        assert_eq!(
            typed,
            json!({"name": "센터", "lease_rule": {"max_months": 36}})
        );
        let (none, _) = body(&mut fields[..1], Lang::Ko);
        assert_eq!(none, json!({"name": "센터"}), "no terms typed: the default");
        // A stored facility fills the form with its terms, so saving the form keeps them.
        fill(
            &mut fields,
            &json!({"name": "센터", "lease_rule": {"max_renewals": 2}}),
        );
        assert_eq!(fields[3].value, "2");
        let errors = attach(
            &mut fields,
            vec![FieldError {
                field: "lease_rule".into(),
                message: ucz_core::message::Key::LeaseRuleRange.into(),
            }],
            Lang::En,
        );
        assert!(errors.is_empty() && fields[1].error.is_some());
    }

    #[test]
    fn unreadable_text_is_reported_beside_its_field() {
        let mut fields = vec![
            field("name", Kind::Text, true),
            field("units", Kind::Integer, false),
            field("site_lat", Kind::Number, false),
            field("site_lon", Kind::Number, false),
        ];
        let pairs = vec![
            ("units".to_string(), "many".to_string()),
            ("site_lat".to_string(), "36.3".to_string()),
        ];
        read(&mut fields, &pairs);
        let (partial, ok) = body(&mut fields, Lang::En);
        assert!(!ok);
        assert_eq!(partial, json!({}), "unreadable fields are left out");
        assert_eq!(fields[0].error.as_deref(), Some("required"));
        assert_eq!(fields[1].error.as_deref(), Some("enter a whole number"));
        assert_eq!(
            fields[3].error.as_deref(),
            Some("give both latitude and longitude")
        );
    }

    #[test]
    fn api_errors_land_on_their_fields_in_the_pages_language() {
        use crate::error::{Key, Message};
        let mut fields = vec![
            field("designations", Kind::List, false),
            field("site_lat", Kind::Number, false),
        ];
        let rest = attach(
            &mut fields,
            vec![
                FieldError::new(
                    "designations[1]",
                    Message::new(Key::UnknownDesignation).arg("id", "x"),
                ),
                FieldError::new(
                    "site",
                    Message::new(Key::OutsideKorea).arg("lat", 1).arg("lon", 2),
                ),
                FieldError::new("other", Key::Invalid),
            ],
            Lang::Ko,
        );
        assert_eq!(
            fields[0].error.as_deref(),
            Some("알 수 없는 지정제도 \"x\"")
        );
        assert_eq!(
            fields[1].error.as_deref(),
            Some("위도 1 경도 2은(는) 대한민국 범위 밖입니다 (위도 33.0–38.7, 경도 124.5–131.9)")
        );
        assert_eq!(rest.len(), 1);
    }

    #[test]
    fn yes_and_no_are_read_in_both_languages() {
        assert_eq!(truth("예"), Some(true));
        assert_eq!(truth("No"), Some(false));
        assert_eq!(truth(""), Some(false));
        assert_eq!(truth("maybe"), None);
    }
}
