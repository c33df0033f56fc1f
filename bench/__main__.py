"""Run every benchmark: python -m bench."""

import importlib
import pkgutil
from pathlib import Path

for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
    if module not in {"naive_floor_app", "common"} and not module.startswith("loadtest_"):
        print(f"\n=== bench.{module}")
        importlib.import_module(f"bench.{module}").main()
