"""Count facts by kind over report files, and draw a random sample of facts for a hand check.

Usage:  python scripts/fact_counts.py seeds ../shared/corpus [--sample 30 --seed 4]
Prints a table of counts per relation (and per stage / status), then the sample:
each fact with its evidence text and sentence, to be marked right or wrong by hand.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from kg.facts import Fact, Milestone, Observation, find_facts
from kg.pipeline import extract_many


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--sample", type=int, default=0, help="how many random facts to print")
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    kinds: Counter[str] = Counter()
    detail: Counter[str] = Counter()
    everything: list[tuple[str, str, Fact]] = []
    reports = 0
    for ex in extract_many(args.paths, on_error=lambda e: print(f"skipped {e}")):
        reports += 1
        for f in find_facts(ex):
            kinds[f.relation] += 1
            if isinstance(f, Milestone):
                detail[f"hasStatus/{f.stage}/{f.modality}"] += 1
            elif isinstance(f, Observation):
                detail[f"indicator/{f.status}"] += 1
            everything.append((ex.report.path.name, ex.report.text, f))
    print(f"{reports} reports, {sum(kinds.values())} facts")
    for k, n in sorted(kinds.items()):
        print(f"  {k:<16} {n}")
    for k, n in sorted(detail.items()):
        print(f"    {k:<40} {n}")
    if args.sample:
        rng = random.Random(args.seed)
        for name, text, f in rng.sample(everything, min(args.sample, len(everything))):
            d = {k: v for k, v in f.as_json().items() if not k.endswith("_iri") and k not in ("report",)}
            s = f.evidence.sentence
            print(f"\n{name} {json.dumps(d, ensure_ascii=False)}")
            print(f"  evidence: {text[f.evidence.start : f.evidence.end]}")
            print(f"  sentence: {text[s.start : s.end][:300]}")


if __name__ == "__main__":
    main()
