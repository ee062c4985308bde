//! The OpenAPI 3.1 document of the API, made from the same list of operations as the router,
//! and an offline reference page (plain HTML, no script, nothing from the network).

use serde_json::{Map, Value, json};

use crate::operations;

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;

use crate::api::operations::Answer;

/// The problem document every error answers with; its `code` values are `ucz_service::Code`'s.
fn problem() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details; `code` is stable",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "code": {"type": "string", "enum": ucz_service::Code::names()},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
        }
    })
}

/// Schemas as the document holds them: named types under `#/components/schemas/`.
fn generator(inline: bool) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.inline_subschemas = inline;
            s.meta_schema = None;
        })
        .into_generator()
}

/// A page of records: `{items, total, limit, offset}`.
fn page(items: Value) -> Value {
    json!({
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": items},
            "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}
        }
    })
}

/// A record as the API answers with it: its body's fields and what the server adds — its `id`,
/// and `demo` marking demo data. Each record schema gets a `…Record` twin for the answers.
fn answers_as_records(paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>) {
    fn record_of(reference: &mut Value, schemas: &mut Map<String, Value>) {
        let Some(name) = reference["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
        else {
            return;
        };
        // The records the API keeps, the type of their id, and whether demo data marks them.
        let Some((_, id, demo)) = [
            ("Zone", "string", true),
            ("Firm", "string", true),
            ("Hub", "string", true),
            ("Facility", "integer", false),
            ("Space", "integer", false),
            ("Institution", "integer", false),
            ("Lease", "integer", false),
            ("Rejection", "integer", false),
        ]
        .into_iter()
        .find(|(record, _, _)| *record == name) else {
            return;
        };
        let Some(body) = schemas.get(&name) else {
            return;
        };
        let mut record = body.clone();
        if let Some(object) = record.as_object_mut() {
            // What the server adds is not the client's to send, but it is in the answer.
            object.remove("additionalProperties");
        }
        record["properties"]["id"] = json!({"type": id, "description": "The record's id"});
        if demo {
            record["properties"]["demo"] = json!({"type": "boolean", "description": "Demo data"});
        }
        if name == "Lease" {
            record["properties"]["warnings"] = json!({
                "type": "array",
                "description": "In the answer to a write: how the lease goes beyond its facility's or hub's terms (written all the same); empty when it keeps them",
                "items": {"type": "object", "required": ["field", "message"], "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}
            });
        }
        match record["required"].as_array_mut() {
            Some(required) if !required.contains(&Value::from("id")) => {
                required.push(Value::from("id"))
            }
            Some(_) => {}
            None => record["required"] = json!(["id"]),
        }
        let twin = format!("{name}Record");
        schemas.insert(twin.clone(), record);
        *reference = json!({"$ref": format!("#/components/schemas/{twin}")});
    }
    for operations in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in operations.values_mut() {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                if status == "default" {
                    continue;
                }
                if let Some(items) =
                    response.pointer_mut("/content/application~1json/schema/properties/items/items")
                {
                    record_of(items, schemas);
                } else if let Some(schema) =
                    response.pointer_mut("/content/application~1json/schema")
                {
                    record_of(schema, schemas);
                }
            }
        }
    }
}

/// Any one of the values of the fields of the type `reference` names (defined in `named`).
fn one_field_of(reference: Value, named: &schemars::SchemaGenerator) -> Value {
    let name = reference["$ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default();
    let fields: Vec<Value> = named
        .definitions()
        .get(name)
        .and_then(|schema| schema["properties"].as_object())
        .map(|properties| properties.values().cloned().collect())
        .unwrap_or_default();
    json!({"anyOf": fields})
}

/// The query parameters of a type's fields.
fn query_parameters(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| {
                    let mut parameter = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": property});
                    // The doc comment of the query type's field describes the parameter.
                    if let Some(description) = property.get("description") {
                        parameter["description"] = description.clone();
                    }
                    parameter
                })
                .collect()
        })
        .unwrap_or_default()
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
    let mut named = generator(false);
    let mut inline = generator(true);
    let mut paths = Map::new();
    for op in operations() {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        let content = match op.answer {
            Answer::Undescribed | Answer::File => None,
            Answer::One(schema) => Some(schema(&mut named).to_value()),
            Answer::Page(schema) => Some(page(schema(&mut named).to_value())),
            Answer::FieldOf(schema) => Some(one_field_of(schema(&mut named).to_value(), &named)),
        };
        let mut responses = Map::new();
        for status in op.statuses {
            let mut response = json!({"description": "Success"});
            if let Some(schema) = &content {
                response["content"] = json!({"application/json": {"schema": schema}});
            }
            if matches!(op.answer, Answer::File) {
                response["content"] = json!({"*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}});
            }
            responses.insert((*status).to_string(), response);
        }
        // Every route refuses a query parameter it does not take (those without a query type
        // refuse any), and a body or parameter value it cannot accept.
        responses.insert(
            "422".into(),
            json!({"description": "A parameter or field that cannot be accepted: each is named in `errors`", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
        );
        responses.insert(
            "default".into(),
            json!({"description": "A problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
        );
        let mut operation = json!({
            "summary": op.summary,
            "description": format!("Who: {}.", op.access),
            // Clients generated from earlier documents call operations by these ids; the
            // operation's name in ucz is `x-name`.
            "operationId": format!("{}_{}", op.method, op.path.trim_start_matches('/').replace(['/', '{', '}'], "_")),
            "x-name": op.id,
            "responses": responses,
        });
        let mut parameters: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if let Some(query) = op.query {
            parameters.extend(query_parameters(&query(&mut inline).to_value()));
        }
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(body) = op.body_schema {
            operation["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": body(&mut named).to_value()}}
            });
        }
        entry[op.method] = operation;
    }
    let mut schemas = named.take_definitions(true);
    answers_as_records(&mut paths, &mut schemas);
    schemas.insert("Problem".into(), problem());
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
            "schemas": schemas,
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
    if let Value::Object(schemas) = openapi()["components"]["schemas"].take() {
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
