//! `/api/v1/firms`: firm profiles (docs/firm.md).

use super::crud::crud;

crud!(
    handlers,
    ucz_service::firms,
    ucz_service::records::FirmQuery
);
pub use handlers::*;
