//! `/api/v1/facilities`, `/api/v1/spaces` and `/api/v1/institutions`: what a zone holds.

use super::crud::crud;

crud!(facilities, ucz_service::facilities);
crud!(spaces, ucz_service::spaces);
crud!(institutions, ucz_service::institutions);
