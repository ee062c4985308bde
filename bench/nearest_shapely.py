"""The shapely side of `ucz bench nearest`: the nearest facility to every query point with
shapely.STRtree (GEOS), vectorized.

Usage: python nearest_shapely.py FACILITIES QUERIES DISTANCES
  FACILITIES, QUERIES: little-endian f64 pairs x, y (metres, EPSG:5179), no header
  DISTANCES: written, one little-endian f64 per query point, in their order
Prints one JSON line of timings (seconds) and versions. Exit 3 when shapely >= 2 or numpy is
missing (scripts/bench-python.sh sets them up).
"""

import json
import sys
import time

try:
    import numpy as np
    import shapely
except ImportError as e:
    print(f"missing: {e.name}", file=sys.stderr)
    sys.exit(3)

if int(shapely.__version__.split(".")[0]) < 2:
    print(f"shapely {shapely.__version__} is older than 2 (no STRtree.query_nearest)", file=sys.stderr)
    sys.exit(3)


def read_points(path):
    return np.fromfile(path, dtype="<f8").reshape(-1, 2)


def main(facilities_path, queries_path, distances_path):
    facilities = read_points(facilities_path)
    queries = read_points(queries_path)

    started = time.perf_counter()
    facility_points = shapely.points(facilities)
    query_points = shapely.points(queries)
    make_points = time.perf_counter() - started

    started = time.perf_counter()
    tree = shapely.STRtree(facility_points)
    # The tree is built lazily, on the first query: force it here so that building is timed
    # apart from querying.
    tree.query(facility_points[:1])
    build = time.perf_counter() - started

    started = time.perf_counter()
    (query_index, _tree_index), distances = tree.query_nearest(
        query_points, return_distance=True, all_matches=False
    )
    query = time.perf_counter() - started

    nearest = np.full(len(queries), np.inf)
    nearest[query_index] = distances
    nearest.astype("<f8").tofile(distances_path)
    print(
        json.dumps(
            {
                "shapely": shapely.__version__,
                "geos": shapely.geos_version_string,
                "numpy": np.__version__,
                "facilities": len(facilities),
                "queries": len(queries),
                "make_points_s": make_points,
                "build_s": build,
                "query_s": query,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
