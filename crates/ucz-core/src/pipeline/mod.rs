//! The startup pipeline of a region, simulated: births, incubation, graduation, Post-BI placement, growth and leaving.
