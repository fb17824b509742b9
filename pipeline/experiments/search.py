"""The model search of issue 20: every recipe on the same repeated folds as the pipeline's own
fold metrics, each compared with today's default paired per fold (fold_comparison.py).

    .venv/bin/python -m pipeline.experiments.search \\
        --data ../shared/datasets/leads-x-education.csv --json /tmp/search.json

Same data, preset, split and folds as `python -m pipeline run --preset lead-scoring` (seed 42:
the 80/20 split, then 5 stratified folds × 2 repeats of the 7,389 training rows); the held-out
20 % is never read. Every fit is seeded and single-threaded, so a rerun prints the same table.
Prints one markdown row per recipe as it finishes (with its CPU time), then the whole table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict

from ..config import LEAD_PRESET, data_config_from_preset
from ..ingest import ingest
from ..preprocess import preprocess
from .fold_comparison import compare_per_fold
from .recipes import recipes, score_recipe

HEADER = (
    "| recipe | fold ROC-AUC mean ± sd | − default (95 % corrected interval) | decision |\n"
    "|---|---|---|---|"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.experiments.search")
    parser.add_argument("--data", required=True, help="leads-x-education.csv")
    parser.add_argument("--seed", type=int, default=42, help="split, folds, draws and training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=20, help="draws of a nested search")
    parser.add_argument("--inner-folds", type=int, default=3, help="its selection folds")
    parser.add_argument("--only", action="append", help="run only this recipe (repeatable)")
    parser.add_argument("--json", help="also write every fold's figures here")
    args = parser.parse_args(argv)

    data = ingest(args.data, data_config_from_preset(LEAD_PRESET))
    prep = preprocess(data, 0.2, args.seed)
    todo = recipes(args.seed, args.iterations, args.inner_folds)
    todo = [todo[0]] + [r for r in todo[1:] if not args.only or r.name in args.only]
    print(HEADER, flush=True)
    rows, results = [], []
    default_aucs: list[float] = []
    for recipe in todo:
        start = time.process_time()
        scores = score_recipe(recipe, prep, folds=args.folds, repeats=args.repeats, seed=args.seed)
        cpu = time.process_time() - start
        default_aucs = default_aucs or scores.aucs
        comparison = compare_per_fold(scores.aucs, default_aucs, folds=args.folds)
        low, high = comparison.interval
        decision = (
            "the baseline" if recipe is todo[0] else ("kept" if comparison.kept else "not kept")
        )
        row = (
            f"| {recipe.name} | {comparison.mean:.4f} ± {comparison.sd:.4f} | "
            f"{comparison.mean_difference:+.4f} ({low:+.4f} … {high:+.4f}) | {decision} |"
        )
        print(f"{row}  cpu {cpu:.0f}s", flush=True)
        rows.append(row)
        results.append(
            {
                "recipe": recipe.name,
                "description": recipe.description,
                "folds": scores.aucs,
                "comparison": asdict(comparison),
                "chosen": scores.chosen,
                "cpu_seconds": cpu,
            }
        )
    print("\n" + HEADER + "\n" + "\n".join(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": vars(args), "recipes": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
