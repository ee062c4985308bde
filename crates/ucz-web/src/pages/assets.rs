//! The front-end files, embedded in the binary: KRDS, Leaflet, the province map and ucz's own
//! CSS and JavaScript. Nothing is loaded from elsewhere.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "assets/"]
#[exclude = "vendor/update.sh"]
#[exclude = "vendor/SHA256SUMS"]
pub struct Assets;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("geojson" | "json") => "application/geo+json",
        Some("md" | "txt") | None => "text/plain; charset=utf-8",
        Some(_) => "application/octet-stream",
    }
}

pub async fn serve(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            file.data,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// Browsers ask for `/favicon.ico` on their own.
pub async fn favicon() -> Response {
    serve(Path("favicon.svg".to_string())).await
}
