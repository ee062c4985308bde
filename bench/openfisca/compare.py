"""Checks that two pairs files agree: the same number of eligible firms for every rule.

    python compare.py RULES.toml UCZ_PAIRS.csv OPENFISCA_PAIRS.csv

Prints the count of each rule from both files and exits with 1, naming every rule whose counts
differ, when they do. Where the counts agree but the files are not byte for byte the same, the
pairs themselves are compared as sets (an order of rows other than ucz's is not a mismatch, other
pairs are).
"""

from __future__ import annotations

import filecmp
import sys
import tomllib

import pandas


def counts(path: str) -> pandas.Series:
    pairs = pandas.read_csv(path, usecols=["program_id"], dtype={"program_id": "category"})
    return pairs["program_id"].value_counts()


def main() -> None:
    rules_path, ucz_path, openfisca_path = sys.argv[1:4]
    with open(rules_path, "rb") as f:
        rule_ids = [r["id"] for r in tomllib.load(f)["rule"]]
    ucz, of = counts(ucz_path), counts(openfisca_path)
    unknown = (set(ucz.index) | set(of.index)) - set(rule_ids)
    bad = []
    print(f"{'rule':<24} {'ucz':>10} {'openfisca':>10}")
    for r in rule_ids:
        a, b = int(ucz.get(r, 0)), int(of.get(r, 0))
        print(f"{r:<24} {a:>10} {b:>10}{'' if a == b else '   <-- MISMATCH'}")
        if a != b:
            bad.append(r)
    total_ucz, total_of = int(ucz.sum()), int(of.sum())
    print(f"{'pairs':<24} {total_ucz:>10} {total_of:>10}")
    if unknown:
        print(f"MISMATCH: programs not in {rules_path}: {sorted(unknown)}", file=sys.stderr)
        sys.exit(1)
    if bad:
        print(
            f"\n*** MISMATCH: eligible firms differ for {len(bad)} rule(s): {', '.join(bad)} ***",
            file=sys.stderr,
        )
        sys.exit(1)
    if filecmp.cmp(ucz_path, openfisca_path, shallow=False):
        print("per-rule counts agree; the pairs files are identical")
        return
    a = pandas.read_csv(ucz_path, dtype=str)
    b = pandas.read_csv(openfisca_path, dtype=str)
    merged = a.merge(b, how="outer", indicator=True)
    differ = merged[merged["_merge"] != "both"]
    if len(differ) or len(a) != len(b):
        print(
            f"\n*** MISMATCH: per-rule counts agree but {len(differ)} pairs are in one file only "
            f"(first: {differ.head(5).to_dict('records')}) ***",
            file=sys.stderr,
        )
        sys.exit(1)
    print("per-rule counts agree; the same pairs, in another order")


if __name__ == "__main__":
    main()
