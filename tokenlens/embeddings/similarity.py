"""Cosine similarity, the one measure every embeddings view (and the song vectors) uses."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def cosine_matrix(matrix: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarities of the rows."""
    unit = unit_rows(matrix)
    return unit @ unit.T
