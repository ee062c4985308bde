//! The records a client writes through the API (facilities, spaces, institutions, hubs,
//! leases), as types: a JSON body is read once, field by field, into its record, and every
//! field that fails is reported at once with its path and what it should be. What needs the
//! database (does the zone exist?) the use cases check after; what needs only the catalog
//! (kinds, stages, regions) is checked here.

pub mod facility;
pub mod fields;
pub mod hub;
pub mod ids;
pub mod institution;
pub mod lease;
pub mod space;
pub mod stored;

pub use facility::FacilityBody;
pub use fields::{FieldProblem, Fields, Json};
pub use hub::HubBody;
pub use ids::{FacilityId, FirmId, HubId, InstitutionId, LeaseId, SpaceId, ZoneId};
pub use institution::InstitutionBody;
pub use lease::{LeaseBody, LeaseStatus, Needs};
pub use space::{Admits, SpaceBody, SpacePlace};
pub use stored::{Demo, ZonePlan};
