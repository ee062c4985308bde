//! Record ids. A zone, hub and firm are known by the id their users gave them; facilities,
//! spaces, institutions and leases by a number the database gives. Each id is its own type, so
//! that a space's id cannot be passed where a facility's is meant.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

text_id!(
    /// A zone's id (`daejeon`), the same in zone files and the API.
    ZoneId
);
text_id!(
    /// A hub's id; hubs and zones share one space of ids.
    HubId
);
text_id!(
    /// A firm's public id, as its users know it.
    FirmId
);
number_id!(
    /// A facility's number.
    FacilityId
);
number_id!(
    /// A space's number.
    SpaceId
);
number_id!(
    /// An institution's number.
    InstitutionId
);
number_id!(
    /// A lease's number.
    LeaseId
);
