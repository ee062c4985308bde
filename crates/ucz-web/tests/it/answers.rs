//! Answers a client can act on: a filter that can never match, a body field of the wrong type,
//! an unknown field, a refusal and a placement's every problem are each told on their own terms.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::TestApp;

/// The fields of a problem's errors, in order.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The message of the error on `field`.
fn message_on<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
}

/// A list filter that can never match is refused on its parameter, naming what it accepts; a
/// well-formed id of a record that does not exist still lists nothing.
pub async fn list_filters_that_cannot_match_are_refused(app: TestApp) {
    for (path, parameter, told) in [
        ("/firms?stage=nonsense", "stage", "early"),
        ("/firms?region=nowhere", "region", "daejeon"),
        ("/hubs?region=nowhere", "region", "daejeon"),
        ("/spaces?facility_id=abc", "facility_id", "whole number"),
        ("/leases?space_id=abc", "space_id", "whole number"),
    ] {
        let (status, problem) = app.call("admin", Method::GET, path, None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["code"], "validation", "{path}: {problem}");
        assert_eq!(fields(&problem), [parameter], "{path}: {problem}");
        assert!(
            message_on(&problem, parameter).contains(told),
            "{path}: {problem}"
        );
    }
    // Every parameter at fault at once.
    let (status, problem) = app
        .call(
            "admin",
            Method::GET,
            "/firms?stage=x&region=y&limit=0",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["limit", "stage", "region"], "{problem}");
    // Values that can match, and record ids that merely do not exist, still list.
    for (path, empty) in [
        ("/firms?region=daejeon", Some(false)),
        ("/hubs?region=seoul", None),
        ("/spaces?facility_id=999999", Some(true)),
        ("/leases?space_id=999999", Some(true)),
        ("/firms?zone=no-such-zone", Some(true)),
    ] {
        let (status, page) = app.call("admin", Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        if let Some(empty) = empty {
            assert_eq!(page["total"] == 0, empty, "{path}: {page}");
        }
    }
}
