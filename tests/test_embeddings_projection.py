"""Projections: PCA is the principal axes (checked with numpy's SVD), small inputs degrade with a
notice, UMAP warms up once. The cache of slow projections is tested in test_embeddings_resources.py."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tokenlens.embeddings import projection


@pytest.fixture()
def data():
    return np.random.default_rng(7).normal(size=(40, 50)).astype(np.float32)


def test_pca_is_the_projection_on_the_principal_axes(data):
    ours = projection.project(data, "PCA", 2)
    centred = data.astype(np.float64) - data.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ axes[:2].T
    signs = np.sign((ours.points * expected).sum(axis=0))  # an axis's direction is arbitrary
    assert np.allclose(ours.points * signs, expected, atol=1e-4)
    assert np.allclose(ours.explained, singular[:2] ** 2 / (singular ** 2).sum(), atol=1e-5)


@pytest.mark.parametrize("method", ["PCA", "UMAP", "t-SNE"])
def test_two_points_fall_back_to_pca_with_a_notice(method):
    pair = np.eye(2, 5, dtype=np.float32)
    result = projection.project(pair, method, 3)
    assert result.points.shape == (2, 3) and result.method == "PCA"
    assert "axis" in result.notice
    if method != "PCA":
        assert method in result.notice


def test_one_point_is_refused():
    with pytest.raises(ValueError, match="at least two"):
        projection.project(np.ones((1, 5)), "PCA", 2)


def test_unknown_method_and_dims_are_refused(data):
    with pytest.raises(ValueError, match="Unknown projection"):
        projection.project(data, "MDS", 2)
    with pytest.raises(ValueError, match="2D or 3D"):
        projection.project(data, "PCA", 4)


def test_tsne_adapts_its_perplexity(data):
    result = projection.project(data[:9], "t-SNE", 2)
    assert result.method == "t-SNE" and result.points.shape == (9, 2)
    assert "perplexity" in result.notice


def test_umap_with_fewer_points_than_its_neighbours(data):
    # One real UMAP fit (numba compiles once per process: the slowest test here).
    result = projection.project(data[:8], "UMAP", 2)
    assert result.method == "UMAP" and result.points.shape == (8, 2)
    assert np.isfinite(result.points).all()
    assert "7 neighbours" in result.notice


def warmup_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "umap-warmup"]


def test_umap_warmup_runs_once_in_the_background():
    first = projection.warm_umap_in_background()
    running = warmup_threads()
    again = projection.warm_umap_in_background()  # a second page view while it warms
    assert len(warmup_threads()) <= 1 and again["started"] == first["started"]
    for thread in running:
        thread.join(timeout=300)
    done = projection.umap_state()
    assert done["status"] == "warm", done["status"]  # it succeeded, and says how long it took
    assert done["seconds"] > 0 and done["started"] == first["started"]
    assert projection.warm_umap_in_background() == done and not warmup_threads()  # not run again


def test_umap_note_says_what_is_measured_not_a_guess():
    warming = projection.umap_note({"status": "warming", "started": 100.0, "seconds": None}, now=107.4)
    assert "began 7 s ago" in warming and "once per server" in warming
    warm = projection.umap_note({"status": "warm", "started": 100.0, "seconds": 9.2})
    assert "took 9 s" in warm
    for note in (warming, warm, projection.umap_note({"status": "cold"})):
        assert "half a minute" not in note
    started = projection.warm_umap_in_background()
    assert started["started"] is not None  # the clock the page's note reads
