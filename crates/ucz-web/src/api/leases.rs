//! `/api/v1/leases`: who rents which space when.

use super::crud::crud;

crud!(
    handlers,
    ucz_service::leases,
    ucz_service::records::LeaseQuery
);
pub use handlers::*;
