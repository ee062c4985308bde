//! Site suitability (Klosterman's What if?): criteria rated and weighted over a grid.
