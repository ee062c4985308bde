//! `/api/v1/hubs`: the region's hubs outside the zones.

use super::crud::crud;

crud!(handlers, ucz_service::hubs, ucz_service::records::HubQuery);
pub use handlers::*;
