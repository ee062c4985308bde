//! `/api/v1/leases`: who rents which space when.

use super::crud::crud;

crud!(handlers, ucz_service::leases);
pub use handlers::*;
