"""What a page shows while a resource loads: progress bars, spinners, status lines.

The loading itself is cached in `components/resources.py`; cached functions never draw, so each
function here draws and then asks resources for the value.
"""

from __future__ import annotations

import streamlit as st

# --- Tokenizers ----------------------------------------------------------------------------------


# --- Embeddings ----------------------------------------------------------------------------------


# --- Songs ---------------------------------------------------------------------------------------


# --- Generation ----------------------------------------------------------------------------------
