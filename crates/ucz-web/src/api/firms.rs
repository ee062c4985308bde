//! `/api/v1/firms`: firm profiles (docs/firm.md).

use super::crud::crud;

crud!(handlers, ucz_service::firms);
pub use handlers::*;
