//! The OpenAPI 3.1 document of the API, made from the same list of operations as the router,
//! and an offline reference page (plain HTML, no script, nothing from the network).

use serde_json::{Map, Value, json};

use crate::operations;

fn schemas() -> Value {
    let text = |d: &str| json!({"type": "string", "description": d});
    json!({
        "Problem": {
            "type": "object",
            // The codes come from the one list the web maps to statuses, so none is missing.
            "description": "RFC 9457 problem details; `code` is stable",
            "required": ["type", "title", "status", "code", "detail"],
            "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                "code": {"type": "string", "enum": ucz_service::Code::names()},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
            }
        },
        "Zone": {
            "type": "object", "description": "A zone's plan: the top-level fields of a zone file (docs/zone-file.md)",
            "required": ["id", "name", "zone_type", "region"],
            "properties": {
                "id": text("lower snake_case"), "name": text("Korean name"), "name_en": text("English name"),
                "zone_type": text("new_town | urban_regeneration | industrial_complex"), "region": text("시도 id"),
                "location": text("where"), "area_km2": {"type": "number"}, "designated": text("YYYY-MM-DD"),
                "strategic_industries": {"type": "array", "items": {"type": "string"}},
                "designations": {"type": "array", "items": {"type": "string"}},
                "programs": {"type": "array", "items": {"type": "string"}},
                "support_programs": {"type": "array", "items": {"type": "string"}},
                "linkage_programs": {"type": "array", "items": {"type": "string"}}
            }
        },
        "Facility": {
            "type": "object", "required": ["zone_id", "type", "name", "floor_area_m2"],
            "properties": {"zone_id": {"type": "string"}, "type": text("facility type id"), "name": {"type": "string"},
                "floor_area_m2": {"type": "number", "exclusiveMinimum": 0}, "units": {"type": "integer", "minimum": 0}, "planned": {"type": "boolean"}}
        },
        "Space": {
            "type": "object", "description": "In a zone's facility (facility_id) or in a hub outside the zones (hub_id)",
            "required": ["name", "kind", "area_m2"],
            "properties": {"facility_id": {"type": "integer"}, "hub_id": {"type": "string"}, "name": {"type": "string"},
                "kind": text("a space kind id (catalog/space_kinds.toml)"),
                "area_m2": {"type": "number", "exclusiveMinimum": 0}, "monthly_rent_krw": {"type": "integer", "minimum": 0},
                "admits": {"type": "object", "properties": {
                    "stages": {"type": "array", "items": {"type": "string"}},
                    "sectors": {"type": "array", "items": text("KSIC prefix")},
                    "equipment": {"type": "array", "items": {"type": "string"}}}}}
        },
        "Hub": {
            "type": "object", "required": ["id", "name", "kind", "region"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "kind": text("hub kind id"),
                "region": text("시도 id"), "site": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}}}
        },
        "Lease": {
            "type": "object", "required": ["space_id", "firm_id", "starts", "ends"],
            "properties": {"space_id": {"type": "integer"}, "firm_id": {"type": "string"},
                "starts": text("YYYY-MM-DD"), "ends": text("YYYY-MM-DD (the first day after the lease)"),
                "status": {"type": "string", "enum": ["active", "ended"]}, "renewals": {"type": "integer", "minimum": 0},
                "needs": {"type": "object", "description": "What the tenant will need when it graduates",
                    "properties": {"area_m2": {"type": "number"}, "budget_krw": {"type": "integer"},
                        "equipment": {"type": "array", "items": {"type": "string"}},
                        "preferred_hubs": {"type": "array", "items": {"type": "string"}}}},
                "left_to": text("the region a firm moved to when it left"), "note": {"type": "string"}}
        },
        "Decision": {
            "type": "object", "required": ["firm_id", "space_id"],
            "properties": {"firm_id": {"type": "string"}, "space_id": {"type": "integer"},
                "starts": text("YYYY-MM-DD, for an accepted proposal"), "months": {"type": "integer", "minimum": 1}}
        },
        "Institution": {
            "type": "object", "required": ["zone_id", "kind", "name"],
            "properties": {"zone_id": {"type": "string"}, "kind": text("institution kind id"), "name": {"type": "string"}}
        },
        "Firm": {
            "type": "object", "description": "A firm profile (docs/firm.md)", "required": ["id", "stage", "region", "founder_age"],
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "founded": text("YYYY-MM-DD"), "stage": text("stage id"),
                "employees": {"type": "integer", "minimum": 0}, "youth_employees": {"type": "integer", "minimum": 0},
                "revenue_krw": {"type": "integer", "minimum": 0}, "rnd_spend_krw": {"type": "integer", "minimum": 0},
                "export_revenue_krw": {"type": "integer", "minimum": 0}, "sector": text("KSIC code"), "region": text("시도 id"),
                "zone": text("designated zone id"), "designations": {"type": "array", "items": {"type": "string"}},
                "in_incubator": {"type": "boolean"}, "graduated_incubator": {"type": "boolean"}, "venture_certified": {"type": "boolean"},
                "has_rnd_lab": {"type": "boolean"}, "founder_age": {"type": "integer", "minimum": 0}
            }
        },
        "Login": {"type": "object", "required": ["username", "password"], "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
        "NewToken": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {"name": {"type": "string", "maxLength": 100}, "days": {"type": "integer", "minimum": 1, "maximum": 365}}}
    })
}

/// 201 for creations, 204 for deletions, 200 otherwise.
fn success(method: &str) -> &'static str {
    match method {
        "post" => "201",
        "delete" => "204",
        _ => "200",
    }
}

/// The document as the server serves it: a space's `kind` is one of its catalog's space kinds.
pub fn openapi_for(catalog: &ucz_core::Catalog) -> Value {
    let mut document = openapi();
    document["components"]["schemas"]["Space"]["properties"]["kind"]["enum"] = catalog
        .space_kinds
        .iter()
        .map(|k| Value::from(k.id.as_str()))
        .collect();
    document
}

pub fn openapi() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        let mut operation = json!({
            "summary": op.summary,
            "description": format!("Who: {}.", op.access),
            "operationId": format!("{}_{}", op.method, op.path.trim_start_matches('/').replace(['/', '{', '}'], "_")),
            "responses": {
                if op.path == "/api/v1/session" { "200" } else { success(op.method) }: {"description": "Success"},
                "default": {"description": "A problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
        });
        let parameters: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(body) = op.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}
            });
        }
        entry[op.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ucz — Urban Convergence Special Zones platform",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Zones, what they hold, firms and their program packages. Send `Authorization: Bearer <token>`, or log in for a session cookie and send `X-CSRF-Token` with every write."
        },
        "paths": paths,
        "security": [{}, {"token": []}, {"session": []}],
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}
            }
        }
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The reference page: every operation with who may call it, and the schemas.
pub fn reference_page() -> String {
    let mut rows = String::new();
    for op in operations() {
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            op.method.to_uppercase(),
            escape(op.path),
            escape(op.summary),
            escape(op.access),
            op.body.map(|b| format!("<a href=\"#{b}\">{b}</a>")).unwrap_or_default()
        ));
    }
    let mut schemas_html = String::new();
    if let Value::Object(schemas) = schemas() {
        for (name, schema) in schemas {
            let pretty = serde_json::to_string_pretty(&schema).unwrap_or_default();
            schemas_html.push_str(&format!(
                "<h3 id=\"{name}\">{name}</h3>\n<pre>{}</pre>\n",
                escape(&pretty)
            ));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ucz API</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}pre{{background:#f6f6f6;padding:.5rem}}</style>\
         </head><body><h1>ucz API reference</h1>\
         <p>JSON under <code>/api/v1</code>; errors are <code>application/problem+json</code> with a stable <code>code</code>. \
         The machine-readable document is <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>\
         <table><tr><th>method</th><th>path</th><th>what</th><th>who</th><th>body</th></tr>\n{rows}</table>\
         <h2>Schemas</h2>\n{schemas_html}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_problem_schema_lists_every_code() {
        let document = super::openapi();
        let codes = &document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"];
        let names = ucz_service::Code::names();
        assert_eq!(codes, &serde_json::json!(names));
        assert!(names.contains(&"busy"));
    }
}
