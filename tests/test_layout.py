"""Repo-wide rules of the layout: the library (tokenlens/) never needs streamlit, nor torch to import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "tokenlens"
IMPORTS_STREAMLIT = re.compile(r"^\s*(?:import\s+streamlit\b|from\s+streamlit\b)", re.MULTILINE)

_IMPORT_ALL = """
import json, pkgutil, sys, importlib
import tokenlens
names = [m.name for m in pkgutil.walk_packages(tokenlens.__path__, "tokenlens.")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "streamlit": "streamlit" in sys.modules, "torch": "torch" in sys.modules}))
"""


def test_importing_every_library_module_loads_neither_streamlit_nor_torch():
    """Heavy imports sit inside the functions that need them: the CLI and tests start fast."""
    run = subprocess.run([sys.executable, "-c", _IMPORT_ALL], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "tokenlens.songs.link" in found["modules"] and len(found["modules"]) > 30
    assert not found["streamlit"], "a tokenlens module imports streamlit"
    assert not found["torch"], "a tokenlens module imports torch when imported"


def test_no_library_file_imports_streamlit():
    offenders = [str(path.relative_to(ROOT)) for path in LIBRARY.rglob("*.py")
                 if IMPORTS_STREAMLIT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert IMPORTS_STREAMLIT.search("from streamlit.testing.v1 import AppTest")  # the pattern itself works
