//! Coordinate reference systems ucz reads and writes: WGS84 and the Korean EPSG:5179, 5186, 5174.
