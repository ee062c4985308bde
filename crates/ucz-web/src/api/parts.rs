//! `/api/v1/facilities`, `/api/v1/spaces` and `/api/v1/institutions`: what a zone holds.

use super::crud::crud;

crud!(
    facilities,
    ucz_service::facilities,
    ucz_service::records::FacilityQuery
);
crud!(
    spaces,
    ucz_service::spaces,
    ucz_service::records::SpaceQuery
);
crud!(
    institutions,
    ucz_service::institutions,
    ucz_service::records::InstitutionQuery
);
