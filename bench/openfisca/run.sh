#!/usr/bin/env bash
# ucz against OpenFisca 46 on the twenty rules of bench/rules-20.toml, side by side.
#
#   bench/openfisca/run.sh [UCZ_BINARY]        (default: target/release/ucz)
#
# Sets up bench/openfisca/.venv (the versions pinned in requirements.txt), generates the firms
# with `ucz synth firms --seed 1` for each size, checks that both give the same eligible firms for
# every rule, then runs ucz and OpenFisca in turn, RUNS times each per size, and prints the
# median, min and max of: evaluation alone, the whole process from the CSV in to the pairs CSV
# out, and peak resident memory.
#
# Settings (environment): SIZES="1000000 4000000", RUNS=10, AS_OF=2026-06-30 (the evaluation
# date of both sides and of the synthetic firms), WORK=bench/openfisca/.work (firms, pairs and
# the measurements; results.jsonl holds one line per run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
ucz=${1:-$root/target/release/ucz}
sizes=${SIZES:-1000000 4000000}
runs=${RUNS:-10}
as_of=${AS_OF:-2026-06-30}
work=${WORK:-$here/.work}
rules=$root/bench/rules-20.toml

die() { echo "error: $*" >&2; exit 1; }

[[ -x $ucz ]] || die "no ucz binary at $ucz (build it: cargo build --release -p ucz)"
"$ucz" match --help | grep -q -- '--summary' ||
    die "$ucz has no \`match --summary\`; build a newer ucz"
"$ucz" match --help | grep -q -- '--rules' ||
    die "$ucz has no \`match --rules\`; build a newer ucz"
[[ $runs -ge 1 ]] || die "RUNS must be at least 1"

# --- the virtualenv ---------------------------------------------------------------------------
venv=$here/.venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/pip" freeze 2>/dev/null | sort |
        diff -q - <(grep -v '^#' "$here/requirements.txt" | sort) >/dev/null; then
    echo "setting up $venv (requirements.txt)…" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
python=$venv/bin/python
"$python" -c 'import openfisca_core, pandas' || die "the virtualenv lacks openfisca-core or pandas"

timer=()
if [[ -x /usr/bin/time ]]; then
    timer=(/usr/bin/time -v)
else
    echo "note: no /usr/bin/time; peak memory is each program's own (ucz's peak_memory_bytes, Python's getrusage)" >&2
fi

mkdir -p "$work"
results=$work/results.jsonl
: >"$results"

# One run: the program's command timed as a whole process (wall clock, and peak RSS by
# /usr/bin/time when there is one); appends a line to results.jsonl.
run_one() {
    local tool=$1 size=$2 run=$3 summary=$4; shift 4
    local timefile=$work/$tool-$size-$run.time
    local start end
    start=$EPOCHREALTIME
    if [[ ${#timer[@]} -gt 0 ]]; then
        "${timer[@]}" -o "$timefile" "$@" 2>"$work/$tool-$size-$run.log" ||
            { cat "$work/$tool-$size-$run.log" >&2; die "$tool failed (size $size, run $run)"; }
    else
        : >"$timefile"
        "$@" 2>"$work/$tool-$size-$run.log" ||
            { cat "$work/$tool-$size-$run.log" >&2; die "$tool failed (size $size, run $run)"; }
    fi
    end=$EPOCHREALTIME
    "$python" "$here/record.py" "$tool" "$size" "$run" "$start" "$end" "$summary" "$timefile" >>"$results"
}

for size in $sizes; do
    firms=$work/firms-$size.csv
    if [[ ! -s $firms ]]; then
        "$ucz" synth firms --count "$size" --seed 1 --as-of "$as_of" --out "$firms"
    fi
    ucz_pairs=$work/pairs-ucz-$size.csv
    of_pairs=$work/pairs-openfisca-$size.csv
    echo "== $size firms: $runs runs each, interleaved (ucz, openfisca, …)" >&2
    for ((run = 1; run <= runs; run++)); do
        run_one ucz "$size" "$run" "$work/ucz-$size-$run.json" \
            "$ucz" match --firms "$firms" --rules "$rules" --as-of "$as_of" \
            --out "$ucz_pairs" --summary "$work/ucz-$size-$run.json"
        run_one openfisca "$size" "$run" "$work/openfisca-$size-$run.json" \
            "$python" "$here/run_openfisca.py" --firms "$firms" --rules "$rules" --as-of "$as_of" \
            --out "$of_pairs" --summary "$work/openfisca-$size-$run.json"
        if [[ $run -eq 1 ]]; then
            # Correctness first: the same eligible firms for every rule, or no figures.
            "$python" "$here/compare.py" "$rules" "$ucz_pairs" "$of_pairs" >&2 || {
                echo "" >&2
                echo "!!!!!!!!!! MISMATCH between ucz and OpenFisca on $size firms !!!!!!!!!!" >&2
                echo "!!!!!!!!!! (files kept: $ucz_pairs, $of_pairs)              !!!!!!!!!!" >&2
                exit 1
            }
        fi
        echo "   run $run/$runs done" >&2
    done
done

"$python" "$here/report.py" "$results"
