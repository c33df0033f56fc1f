"""Projections: PCA equals scikit-learn's, results are cached, small inputs degrade with a notice."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from tokenlens.embeddings import projection


@pytest.fixture()
def data():
    return np.random.default_rng(7).normal(size=(40, 50)).astype(np.float32)


def test_pca_equals_scikit_learn(data):
    ours = projection.project(data, "PCA", 2)
    theirs = PCA(n_components=2, random_state=0).fit_transform(data)
    assert np.allclose(ours.points, theirs, atol=1e-5)
    assert len(ours.explained) == 2 and 0 < sum(ours.explained) < 1


def test_slow_projections_are_served_from_the_cache(data):
    first = projection.project(data[:12], "t-SNE", 2)
    again = projection.project(data[:12].copy(), "t-SNE", 2)
    assert again is first
    assert projection.project(data[:12] + 1, "t-SNE", 2) is not first
    assert projection.project(data[:12], "t-SNE", 3) is not first


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


def test_umap_warmup_runs_once_in_the_background():
    state = projection.warm_umap_in_background()
    assert state["status"] in {"warming", "warm"}
    assert projection.warm_umap_in_background()["status"] != "cold"


def test_umap_note_says_what_is_measured_not_a_guess():
    warming = projection.umap_note({"status": "warming", "started": 100.0, "seconds": None}, now=107.4)
    assert "began 7 s ago" in warming and "once per server" in warming
    warm = projection.umap_note({"status": "warm", "started": 100.0, "seconds": 9.2})
    assert "took 9 s" in warm
    for note in (warming, warm, projection.umap_note({"status": "cold"})):
        assert "half a minute" not in note
    started = projection.warm_umap_in_background()
    assert started["started"] is not None  # the clock the page's note reads
