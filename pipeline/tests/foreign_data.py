"""Another company's lead export, generated: nothing like the X Education file.

Dotted column names, a yes/no target named y, a real category named "missing", an id column,
a constant column, a leaky outcome column (deal_value is only non-zero for won leads), and a
non-ASCII city; written ';'-separated in Windows-1252, as a European Excel saves it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HEADER = ["customer.id", "home.owner", "stage", "visits", "city", "region", "deal_value", "y"]
# Not features of a model that scores a new lead; flags a user passes for this file.
DROP_FLAGS = ("--id-column", "customer.id", "--exclude", "deal_value", "--exclude", "region")


def foreign_rows(n: int, seed: int = 1) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    stages = np.array(["new", "contacted", "missing", ""])  # "missing": documents missing
    cities = np.array(["Zürich", "Genève", "Basel"])
    rows = []
    for i in range(n):
        owner = "yes" if rng.random() < 0.4 else "no"
        stage = str(rng.choice(stages, p=[0.35, 0.3, 0.2, 0.15]))
        visits = int(rng.poisson(4))
        score = 0.3 * visits - 1.2 + (1.0 if owner == "yes" else 0.0)
        score += {"contacted": 0.8, "missing": -1.5, "": 0.6}.get(stage, 0.0)
        won = rng.random() < 1.0 / (1.0 + np.exp(-score))
        rows.append(
            [
                f"C{i:05d}",
                owner,
                stage,
                "" if rng.random() < 0.05 else str(visits),
                str(rng.choice(cities)),
                "EU",
                f"{rng.gamma(2.0, 500.0):.2f}" if won else "0",
                "yes" if won else "no",
            ]
        )
    return rows


def write_foreign_csv(
    path: Path,
    rows: list[list[str]],
    delimiter: str = ";",
    encoding: str = "cp1252",
    header: list[str] = HEADER,
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path
