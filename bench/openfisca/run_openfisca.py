"""OpenFisca's side of the benchmark: firms CSV in, eligible firm_id,program_id pairs out.

    python run_openfisca.py --firms FIRMS.csv --rules bench/rules-20.toml --as-of 2026-06-30 \
        --out PAIRS.csv --summary SUMMARY.json

1. read: pandas.read_csv of the firm columns (categorical columns as pandas categories), and the
   inputs OpenFisca needs that the CSV does not hold as such: the designations list as one
   boolean per catalog designation (computed once per distinct value of the column);
2. load: a Simulation of one Firm per row (SimulationBuilder, as OpenFisca's guide for large
   populations does), every column set with `simulation.set_input`;
3. evaluate: `simulation.calculate` of the twenty rule variables for the evaluation day;
4. write: the pairs, firms in input order and rules in file order (the order of `ucz match`),
   with the header firm_id,program_id.

The summary has the seconds of each step, the pairs written and the process's peak resident
memory (getrusage).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tomllib

import numpy
import pandas
from openfisca_core.simulations import SimulationBuilder

ETERNITY = "eternity"  # the period of the profile inputs

import ucz_rules

BOOL_COLUMNS = ["in_incubator", "graduated_incubator", "venture_certified", "has_rnd_lab"]
INT_COLUMNS = [
    "employees",
    "youth_employees",
    "revenue_krw",
    "rnd_spend_krw",
    "export_revenue_krw",
    "founder_age",
]
CATEGORY_COLUMNS = ["stage", "sector", "region", "zone", "designations"]
DTYPES = {
    # object, not pandas 3's `str` dtype: the same Python strings, without its checks (~10% of
    # the read)
    "id": object,
    "name": object,
    "founded": object,
    **{c: numpy.int64 for c in INT_COLUMNS},
    **{c: "category" for c in CATEGORY_COLUMNS},
    **{c: bool for c in BOOL_COLUMNS},
}


def check_rules(path: str) -> list[str]:
    """The rule ids of the TOML, which must be the model's, in order and with the same CEL."""
    with open(path, "rb") as f:
        rules = tomllib.load(f)["rule"]
    model = [(v.__name__, v.documentation) for v in ucz_rules.RULES]
    given = [(r["id"], r["rule"]) for r in rules]
    if model != given:
        for m, g in zip(model, given, strict=False):
            if m != g:
                sys.exit(f"error: the model's rule {m} differs from the file's {g}")
        sys.exit(f"error: the model has {len(model)} rules, {path} has {len(given)}")
    return [r["id"] for r in rules]


def category_codes(column: pandas.Series, names: list[str]) -> numpy.ndarray:
    """An Enum's indices for a categorical column, mapped once per category."""
    cat = column.cat
    index = {n: i for i, n in enumerate(names)}
    try:
        per_category = numpy.array([index[c] for c in cat.categories], dtype=numpy.int16)
    except KeyError as e:
        sys.exit(f"error: unknown value {e} in column {column.name}")
    return per_category[cat.codes.to_numpy()]


def read(path: str) -> pandas.DataFrame:
    return pandas.read_csv(
        path,
        dtype=DTYPES,
        keep_default_na=False,
        na_filter=False,
        true_values=["true"],
        false_values=["false"],
        engine="c",
    )


def load(df: pandas.DataFrame, system: ucz_rules.UczRules):
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("firm", df["id"].to_numpy())
    simulation = builder.build(system)

    simulation.set_input("name", ETERNITY, df["name"].to_numpy())
    simulation.set_input(
        "founded", ETERNITY, df["founded"].to_numpy().astype("datetime64[D]")
    )  # "" is NaT
    for c in INT_COLUMNS:
        simulation.set_input(c, ETERNITY, df[c].to_numpy())
    for c in BOOL_COLUMNS:
        simulation.set_input(c, ETERNITY, df[c].to_numpy())
    # Enums: indices, from the categories' names (an Enum also encodes strings, row by row
    # through numpy.isin/searchsorted; the categories are the faster way in).
    simulation.set_input("stage", ETERNITY, category_codes(df["stage"], ucz_rules.Stage.names))
    simulation.set_input("region", ETERNITY, category_codes(df["region"], ucz_rules.Region.names))
    zone = df["zone"].cat.rename_categories(lambda z: z or "none")
    simulation.set_input("zone", ETERNITY, category_codes(zone, ucz_rules.Zone.names))
    sector = df["sector"].cat
    simulation.set_input(
        "sector",
        ETERNITY,
        numpy.asarray(sector.categories, dtype="S6")[sector.codes.to_numpy()],
    )
    designations = df["designations"].cat
    held = [set(filter(None, d.split(";"))) for d in designations.categories]
    codes = designations.codes.to_numpy()
    for d in ucz_rules.DESIGNATIONS:
        per_category = numpy.array([d in h for h in held], dtype=bool)
        simulation.set_input(f"designation_{d}", ETERNITY, per_category[codes])
    return simulation


def write(path: str, ids: numpy.ndarray, rule_ids: list[str], results: list[numpy.ndarray]) -> int:
    """Writes the pairs, firm by firm, rules in order; returns how many."""
    rows = numpy.column_stack(results)  # firms x rules
    tails = numpy.array([f",{r}\n" for r in rule_ids], dtype=object)
    written = 0
    chunk = 1 << 18
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("firm_id,program_id\n")
        for start in range(0, len(ids), chunk):
            firm, rule = numpy.nonzero(rows[start : start + chunk])
            lines = ids[start : start + chunk][firm] + tails[rule]
            out.write("".join(lines))
            written += len(firm)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--as-of", required=True, help="evaluation date, YYYY-MM-DD")
    parser.add_argument("--out", required=True)
    parser.add_argument("--summary")
    args = parser.parse_args()

    started = time.perf_counter()
    rule_ids = check_rules(args.rules)
    system = ucz_rules.UczRules()

    t = time.perf_counter()
    df = read(args.firms)
    read_s = time.perf_counter() - t

    t = time.perf_counter()
    simulation = load(df, system)
    ids = df["id"].to_numpy(dtype=object)
    del df
    load_s = time.perf_counter() - t

    t = time.perf_counter()
    results = [simulation.calculate(r, args.as_of) for r in rule_ids]
    evaluate_s = time.perf_counter() - t

    t = time.perf_counter()
    pairs = write(args.out, ids, rule_ids, results)
    write_s = time.perf_counter() - t

    summary = {
        "firms": len(ids),
        "programs": len(rule_ids),
        "pairs": pairs,
        "eligible_per_program": {r: int(x.sum()) for r, x in zip(rule_ids, results, strict=True)},
        "seconds": {
            "read": read_s,
            "load": load_s,
            "evaluate": evaluate_s,
            "write": write_s,
            "total": time.perf_counter() - started,
        },
        "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
    s = summary["seconds"]
    print(
        f"openfisca: firms {len(ids)}, programs {len(rule_ids)}, pairs {pairs}, "
        f"time {s['total']:.2f} s (read {read_s:.2f}, load {load_s:.2f}, "
        f"evaluate {evaluate_s:.3f}, write {write_s:.2f})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
