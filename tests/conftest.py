"""Test set-up: find ../shared's assets before any hub library is imported."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_shared = Path(os.environ.get("TOKENLENS_SHARED", ROOT.parent / "shared"))
if _shared.is_dir():
    os.environ.setdefault("TOKENLENS_SHARED", str(_shared))
    if (_shared / "hf-hub").is_dir():
        os.environ.setdefault("HF_HUB_CACHE", str(_shared / "hf-hub"))
# Tests never reach the network: the hub, gensim-data and dataset URLs are offline here.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENLENS_CACHE", tempfile.mkdtemp(prefix="tokenlens-test-cache-"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

SHARED = _shared if _shared.is_dir() else None
HF_HUB = SHARED / "hf-hub" if SHARED and (SHARED / "hf-hub").is_dir() else None
ARTIFACTS = ROOT / "test-artifacts"


def hub_has(repo_id: str) -> bool:
    return bool(HF_HUB) and (HF_HUB / f"models--{repo_id.replace('/', '--')}").is_dir()


def require_hub(repo_id: str) -> None:
    if not hub_has(repo_id):
        pytest.skip(f"{repo_id} is not in ../shared/hf-hub (set TOKENLENS_SHARED to a folder that has it)")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_server(artifacts):
    from browser import require_chromium, streamlit_server

    require_chromium()
    songs = SHARED / "datasets" / "yes_complete" if SHARED else None  # the operator's playlist folder
    with streamlit_server(env={"TOKENLENS_SONGS_DIR": str(songs)} if songs else None) as url:
        yield url


@pytest.fixture()
def browser_page(app_server):
    from browser import chromium_page

    with chromium_page() as page:
        yield page


@pytest.fixture()
def fresh_caches():
    """Empty server caches (components/resources.py) before and after: a test that changes where
    assets come from must not be answered from what earlier tests kept."""
    import streamlit as st

    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
