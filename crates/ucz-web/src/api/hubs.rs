//! `/api/v1/hubs`: the region's hubs outside the zones.

use super::crud::crud;

crud!(handlers, ucz_service::hubs);
pub use handlers::*;
