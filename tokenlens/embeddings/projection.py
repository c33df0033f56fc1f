"""Vectors to 2D/3D points with PCA, UMAP or t-SNE (the app caches the slow two: components/resources.py).

UMAP's first call compiles numba code for many seconds; `warm_umap_in_background` pays that once
in a thread so a person choosing UMAP later does not wait for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

METHODS = ("PCA", "UMAP", "t-SNE")
UMAP_NEIGHBOURS = 15


@dataclass(frozen=True)
class Projection:
    points: np.ndarray  # (n, dims)
    method: str  # the method actually used
    notice: str = ""  # why it differs from the one asked for, or other caveats
    explained: tuple[float, ...] = ()  # PCA: variance ratio per axis


def project(matrix: np.ndarray, method: str = "PCA", dims: int = 2, seed: int = 42) -> Projection:
    """Project the rows of `matrix`; small inputs fall back to what can work, with a notice."""
    if method not in METHODS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    if dims not in (2, 3):
        raise ValueError("Projections are 2D or 3D.")
    matrix = np.asarray(matrix, dtype=np.float32)
    n = matrix.shape[0]
    if n < 2:
        raise ValueError("Give at least two points to project.")
    return _compute(matrix, method, dims, seed)


def _pca(matrix: np.ndarray, dims: int, notice: str = "") -> Projection:
    from sklearn.decomposition import PCA

    n, d = matrix.shape
    usable = min(dims, max(1, n - 1), d)
    model = PCA(n_components=usable, random_state=0)
    points = model.fit_transform(matrix)
    if usable < dims:  # two points have one principal axis; pad so 3D charts still draw
        points = np.hstack([points, np.zeros((n, dims - usable), points.dtype)])
        notice = (notice + " " if notice else "") + f"{n} points span only {usable} axis" + ("" if usable == 1 else "es") + "."
    explained = tuple(float(v) for v in model.explained_variance_ratio_)
    return Projection(points, "PCA", notice, explained)


def _compute(matrix: np.ndarray, method: str, dims: int, seed: int) -> Projection:
    n = matrix.shape[0]
    if method == "PCA":
        return _pca(matrix, dims)
    if method == "t-SNE":
        if n < 4:
            return _pca(matrix, dims, f"t-SNE needs at least 4 points ({n} given): PCA is shown.")
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(1.0, (n - 1) / 3)))
        points = TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=seed,
                      metric="cosine").fit_transform(matrix)
        return Projection(points, "t-SNE", f"perplexity {perplexity:g}")
    # UMAP: its spectral layout needs more points than components + 1, and neighbours < n.
    if n <= dims + 2:
        return _pca(matrix, dims, f"UMAP needs more than {dims + 2} points ({n} given): PCA is shown.")
    import umap

    neighbours = min(UMAP_NEIGHBOURS, n - 1)
    notice = f"{neighbours} neighbours" + (f" (fewer points than UMAP's default {UMAP_NEIGHBOURS})"
                                           if neighbours < UMAP_NEIGHBOURS else "")
    reducer = umap.UMAP(n_components=dims, n_neighbors=neighbours, metric="cosine", random_state=seed,
                        init="random" if n < 4 * dims else "spectral", n_jobs=1)
    return Projection(reducer.fit_transform(matrix), "UMAP", notice)


_warm_lock = threading.Lock()
_warm_state: dict[str, float | str | None] = {"status": "cold", "seconds": None, "started": None}


def warm_umap(seed: int = 0) -> float:
    """Import UMAP and fit a tiny set once so numba's compilation is paid now; returns seconds."""
    start = time.perf_counter()
    import umap

    data = np.random.default_rng(seed).normal(size=(64, 8)).astype(np.float32)
    umap.UMAP(n_components=2, n_neighbors=10, random_state=seed, n_jobs=1).fit_transform(data)
    return time.perf_counter() - start


def warm_umap_in_background() -> dict:
    """Start warming UMAP once per process (non-blocking); returns the warm-up's state."""
    with _warm_lock:
        if _warm_state["status"] == "cold":
            _warm_state["status"] = "warming"
            _warm_state["started"] = time.monotonic()

            def run():
                try:
                    _warm_state["seconds"] = warm_umap()
                    _warm_state["status"] = "warm"
                except Exception as err:  # UMAP missing or broken: the page says so when chosen
                    _warm_state["status"] = f"failed: {err}"

            threading.Thread(target=run, name="umap-warmup", daemon=True).start()
        return dict(_warm_state)


def umap_state() -> dict:
    return dict(_warm_state)


def umap_note(state: dict | None = None, now: float | None = None) -> str:
    """What is true about UMAP's one-off compilation right now, with the measured seconds."""
    state = umap_state() if state is None else state
    status = str(state.get("status") or "cold")
    if status == "warming" and state.get("started") is not None:
        elapsed = (time.monotonic() if now is None else now) - float(state["started"])
        return (f"UMAP compiles its code once per server; that began {elapsed:.0f} s ago in the background, "
                "and this first UMAP projection may wait for it to finish.")
    if status == "warm" and state.get("seconds") is not None:
        return (f"UMAP's one-off compilation took {float(state['seconds']):.0f} s on this server, "
                "in the background when the page first opened.")
    if status.startswith("failed"):
        return "UMAP could not be prepared on this server; choosing it shows why."
    return "UMAP compiles its code once per server, the first time it is used."
