//! `ucz housing verify`: the published example round re-runs to the same result; a changed
//! applicant or random value does not; and the algorithm as docs/housing-draw.md states it,
//! written again in Python from the docs alone, gives the same hashes and allocation.

use std::io::Write;
use std::process::{Command, Stdio};

use super::ucz;

const ROUND: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/housing/round.json"
);
const INPUTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/housing/inputs.json"
);

#[test]
fn a_published_round_verifies_and_a_changed_one_does_not() {
    let out = ucz(&["housing", "verify", ROUND]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("the draw matches"), "{text}");

    // Drawing the inputs again prints the published file.
    let drawn = ucz(&[
        "housing",
        "draw",
        INPUTS,
        "--round",
        "대전 도심융합특구 근로자 주택 2026년 1차",
    ]);
    assert!(drawn.status.success());
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ROUND).unwrap()).unwrap();
    let again: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    assert_eq!(published, again);

    let dir = tempfile::tempdir().unwrap();
    for (change, field) in [("random", "seed"), ("applicant", "list_hash")] {
        let mut round = published.clone();
        match change {
            "random" => round["inputs"]["random"] = "제1231회 3 11 19 24 33 42 + 7".into(),
            _ => round["inputs"]["list"][5]["tier"] = "general".into(),
        }
        let path = dir.path().join(format!("{change}.json"));
        std::fs::write(&path, round.to_string()).unwrap();
        let out = ucz(&["housing", "verify", path.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains("does NOT match") && text.contains(field),
            "{change}: {text}"
        );
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"round\": \"x\",\n \"inputs\": 5}").unwrap();
    let out = ucz(&["housing", "verify", bad.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("bad.json:2:"), "the line: {text}");
}

/// The algorithm of docs/housing-draw.md in Python (standard library only).
const PYTHON: &str = r#"
import hashlib, json, sys
def canon(v): return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
def h(s): return hashlib.sha256(s.encode("utf-8")).hexdigest()
r = json.load(sys.stdin); i = r["inputs"]
lst = sorted(i["list"], key=lambda e: e["number"])
list_hash = h(canon(lst))
seed = h(canon({"list_hash": list_hash, "random": i["random"]}))
key = lambda n: h(seed + ":" + n)
units = dict(i["units"]); left = {t: 0 for t in units}
unassigned = {t: units[t] - sum(t_["quotas"].get(t, 0) for t_ in i["tiers"]) for t in units}
housed, waiting = [], []
for k, tier in enumerate(i["tiers"]):
    last = k == len(i["tiers"]) - 1
    order = sorted([e for e in i["list"] if e["tier"] == tier["id"]], key=lambda e: (e["score_rank"], key(e["number"])))
    offer = {t: tier["quotas"].get(t, 0) + (left[t] if i["leftover"] == "next_tier" else 0) + (unassigned[t] if last else 0) for t in units}
    for rank, e in enumerate(order, 1):
        p = {"number": e["number"], "tier": tier["id"], "unit_type": e["unit_type"], "rank": rank}
        t = e["unit_type"]
        if offer[t] > 0 and units[t] > 0:
            offer[t] -= 1; units[t] -= 1; housed.append(p)
        else:
            waiting.append(p)
    left = offer
reserve = {}
for p in waiting:
    l = reserve.setdefault(p["unit_type"], [])
    if len(l) < i["reserve"]: l.append(p)
result_hash = h(canon({"housed": housed, "reserve": reserve}))
o = r["outcome"]
print(list_hash == o["list_hash"], seed == o["seed"], housed == o["housed"], reserve == o["reserve"], result_hash == o["result_hash"])
"#;

#[test]
fn the_documented_algorithm_reimplemented_agrees() {
    let mut child = Command::new("python3")
        .args(["-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(ROUND).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "True True True True True"
    );
}
