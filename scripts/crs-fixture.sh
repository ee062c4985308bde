#!/usr/bin/env bash
# Regenerates the reference points ucz_core::crs's tests compare against, with PROJ's cs2cs and the
# very PROJ strings ucz uses (read from crates/ucz-core/src/crs.rs):
#   crates/ucz-core/tests/fixtures/crs-reference.csv: points across Korea from WGS84 to EPSG:5179,
#     5186 and 5174; its header also records how far those strings are from PROJ's own EPSG
#     definitions;
#   crates/ucz-core/tests/fixtures/crs-reference-inverse.csv: those x, y back to WGS84 (cs2cs's
#     inverse, which for the 5174 Helmert shift is not an exact inverse of its forward).
#
# Needs cs2cs (Debian/Ubuntu: proj-bin; installed here with apt-get if missing).
# Usage: scripts/crs-fixture.sh [OUTPUT_DIR]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
crs_rs="$root/crates/ucz-core/src/crs.rs"
dir=${1:-"$root/crates/ucz-core/tests/fixtures"}
out="$dir/crs-reference.csv"
inverse_out="$dir/crs-reference-inverse.csv"

if ! command -v cs2cs >/dev/null; then
    echo "cs2cs not found: installing proj-bin" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo apt-get install -y proj-bin
fi

# The PROJ string of a `pub const NAME: &str = "...";` in crs.rs.
proj_string() {
    sed -n "s/^pub const $1: &str = \"\(.*\)\";\$/\1/p" "$crs_rs"
}
wgs84=$(proj_string WGS84_PROJ)
declare -A strings=(
    [5179]=$(proj_string EPSG5179_PROJ)
    [5186]=$(proj_string EPSG5186_PROJ)
    [5174]=$(proj_string EPSG5174_PROJ)
)
for code in 5179 5186 5174; do
    [ -n "${strings[$code]}" ] || { echo "no PROJ string for $code in $crs_rs" >&2; exit 1; }
done
[ -n "$wgs84" ] || { echo "no WGS84_PROJ in $crs_rs" >&2; exit 1; }

# name lon lat (WGS84 degrees): city halls and the corners of the country.
points="seoul-city-hall 126.9779692 37.5662952
busan-city-hall 129.0750223 35.1798200
daegu-city-hall 128.6017630 35.8713900
incheon-city-hall 126.7052062 37.4562557
gwangju-city-hall 126.8513380 35.1601037
daejeon-city-hall 127.3849508 36.3504119
ulsan-city-hall 129.3113596 35.5394773
sejong-city-hall 127.2890000 36.4800000
cheongju 127.4890000 36.6424000
jeonju 127.1480000 35.8242000
chuncheon 127.7298000 37.8813000
changwon 128.6811000 35.2280000
pohang 129.3435000 36.0190000
andong 128.7294000 36.5684000
mokpo 126.3922000 34.8118000
yeosu 127.6622000 34.7604000
gangneung 128.8761000 37.7519000
sokcho 128.5918000 38.2070000
cheorwon 127.3134000 38.1466000
jeju-city-hall 126.5311884 33.4996213
seogwipo 126.5600000 33.2541000
marado 126.2670000 33.1140000
baengnyeong 124.6800000 37.9560000
ulleung 130.9057000 37.4845000
dokdo 131.8660000 37.2411000"

fmt="%.6f"
version=$(cs2cs 2>&1 | head -n 1 || true)

# cs2cs on the points' "lon lat": prints "x y" per line.
with_string() { # target PROJ string
    # shellcheck disable=SC2086 # the PROJ strings are meant to split into arguments
    awk '{print $2, $3}' <<<"$points" | cs2cs -f "$fmt" $wgs84 +to $1 | awk '{print $1, $2}'
}
# The same with PROJ's EPSG definitions: authority axis order (lat lon in, northing easting out).
with_epsg() { # code
    awk '{print $3, $2}' <<<"$points" | cs2cs -f "$fmt" EPSG:4326 "EPSG:$1" | awk '{print $2, $1}'
}
# Largest distance (m) between two "x y" lists.
max_difference() {
    paste -d ' ' <(echo "$1") <(echo "$2") |
        awk 'BEGIN { m = 0 } { d = sqrt(($1 - $3)^2 + ($2 - $4)^2); if (d > m) m = d } END { printf "%.4f", m }'
}

tmp=$(mktemp)
tmp_inverse=$(mktemp)
trap 'rm -f "$tmp" "$tmp_inverse"' EXIT
{
    echo "# Reference points for ucz_core::crs, made by scripts/crs-fixture.sh with PROJ's cs2cs."
    echo "# PROJ: $version"
    echo "# Command: cs2cs -f \"$fmt\" $wgs84 +to <PROJ string below>, input \"lon lat\"."
    echo "# The PROJ strings (ucz's, from crates/ucz-core/src/crs.rs):"
    echo "# EPSG:4326: $wgs84"
    for code in 5179 5186 5174; do
        echo "# EPSG:$code: ${strings[$code]}"
    done
    echo "# Against PROJ's own definitions (cs2cs -f \"$fmt\" EPSG:4326 EPSG:<code>, lat lon in),"
    echo "# the largest distance over these points:"
    for code in 5179 5186 5174; do
        diff=$(max_difference "$(with_string "${strings[$code]}")" "$(with_epsg "$code")")
        case $code in
        5174) note="PROJ's Korean 1985 to WGS 84 (1) is a Molodensky-Badekas transformation; the +towgs84 above approximates it" ;;
        *) note="Korea 2000 to WGS 84 (1) is a null transformation" ;;
        esac
        echo "#   EPSG:$code: $diff m ($note)"
    done
    echo "name,lon,lat,epsg,x,y"
    for code in 5179 5186 5174; do
        paste -d ' ' <(echo "$points") <(with_string "${strings[$code]}") |
            awk -v code="EPSG:$code" '{ printf "%s,%s,%s,%s,%s,%s\n", $1, $2, $3, code, $4, $5 }'
    done
} >"$tmp"
{
    echo "# The x, y of crs-reference.csv back to WGS84 by PROJ's cs2cs, made by scripts/crs-fixture.sh."
    echo "# PROJ: $version"
    echo "# Command: cs2cs -f \"%.10f\" <PROJ string of crs-reference.csv> +to $wgs84, input \"x y\"."
    echo "# lon, lat are cs2cs's output for x, y (for EPSG:5174 a few mm from crs-reference.csv's lon, lat:"
    echo "# PROJ inverts the +towgs84 Helmert shift with the transposed rotation, not exactly)."
    echo "name,lon,lat,epsg,x,y"
    grep -v '^#' "$tmp" | tail -n +2 | while IFS=, read -r name _ _ code x y; do
        # shellcheck disable=SC2086
        lonlat=$(echo "$x $y" | cs2cs -f "%.10f" ${strings[${code#EPSG:}]} +to $wgs84 | awk '{print $1 "," $2}')
        echo "$name,$lonlat,$code,$x,$y"
    done
} >"$tmp_inverse"
mkdir -p "$dir"
chmod 644 "$tmp" "$tmp_inverse"
mv "$tmp" "$out"
mv "$tmp_inverse" "$inverse_out"
trap - EXIT
echo "wrote $out and $inverse_out ($(grep -vc '^#' "$out") lines each)" >&2
