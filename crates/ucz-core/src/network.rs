//! The hub network of a region or 광역경제권: hubs, the links between them and the inter-hub linkage check.
