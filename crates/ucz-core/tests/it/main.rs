//! Integration tests of the domain core on files: the digest, test zones.

mod digest;
mod no_panic;
mod typology;
