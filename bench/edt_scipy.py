"""SciPy's exact Euclidean distance transform of a seed grid, timed (ucz bench site).

Arguments: seeds.u8 (row-major bytes, 0 at a seed), rows, cols, out.f32 (distances in cells).
Prints the seconds the transform took.
"""
import sys
import time

import numpy as np
from scipy import ndimage

seeds = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(int(sys.argv[2]), int(sys.argv[3]))
started = time.perf_counter()
distance = ndimage.distance_transform_edt(seeds)
took = time.perf_counter() - started
distance.astype(np.float32).tofile(sys.argv[4])
print(f"{took:.4f}")
