#!/usr/bin/env bash
# Sets up the Python that `ucz bench nearest` and `ucz bench site` compare against: a virtual environment with
# shapely (≥ 2, for STRtree.query_nearest), numpy and SciPy (ndimage.distance_transform_edt), at ${UCZ_BENCH_VENV:-$HOME/.cache/ucz-bench-venv}.
# The bench uses that environment's python when it is there.
#
# Usage: scripts/bench-python.sh          (PYTHON=python3.12 scripts/bench-python.sh for another)
set -euo pipefail

venv=${UCZ_BENCH_VENV:-"$HOME/.cache/ucz-bench-venv"}
python=${PYTHON:-python3}

command -v "$python" >/dev/null || { echo "$python not found: install Python 3.9 or later" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv" >&2
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" || {
        echo "cannot create a virtual environment (Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    }
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "shapely>=2" numpy scipy
"$venv/bin/python" -c 'import shapely, numpy, scipy; print("shapely", shapely.__version__, "GEOS", shapely.geos_version_string, "numpy", numpy.__version__, "scipy", scipy.__version__)'
echo "ready: $venv/bin/python (ucz bench nearest uses it)" >&2
