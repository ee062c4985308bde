//! The domain core of ucz: the zone model of the KRIHS policy brief as a catalog, zone plans, and
//! their diagnosis.
//!
//! This crate does no I/O: callers read files and hand their text in, and get values back.
//! It knows nothing about the file system, HTTP, SQL or terminals.

pub mod account;
pub mod award;
pub mod booking;
pub mod call;
pub mod catalog;
pub mod clock;
pub mod credentials;
pub mod crs;
pub mod date;
pub mod diagnosis;
pub mod eligibility;
pub mod evaluation;
pub mod firm;
pub mod housing;
pub mod id;
pub mod lang;
pub mod lease;
pub mod message;
pub mod nearest;
pub mod network;
pub mod notice;
pub mod occupancy;
pub mod pipeline;
pub mod placement;
pub mod record;
pub mod report;
pub mod rule;
pub mod source;
pub mod statement;
pub mod suitability;
pub mod synth;
pub mod text;
pub mod zone;

pub use catalog::{Catalog, CatalogSources};
pub use clock::Clock;
pub use diagnosis::{Diagnosis, diagnose};
pub use id::Id;
pub use lang::Lang;
pub use message::{Key, Message};
pub use source::{InputError, InputErrors, SourceFile};
pub use zone::Zone;
