"""Tables kept as plain rows (one dict per row), and the CSV files people download from them.

Written with the csv module rather than pandas: on the tokenizer page a DataFrame round trip cost more
than tokenizing the text (bench/loadtest.py's profile of a class of sixty)."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence


def csv_bytes(rows: Iterable[dict], columns: Sequence[str]) -> bytes:
    """UTF-8 CSV of the rows' `columns`, a header first; None is an empty cell, as in pandas."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
