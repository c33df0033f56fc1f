"""Tables and their CSV downloads, from plain rows (tokenlens/tables.py): no pandas on the way.

st.dataframe takes an Arrow table as it is, and a CSV is written only when someone clicks for it
(Streamlit runs a callable `data` on the click), so a rerun pays for neither conversion."""

from __future__ import annotations

from typing import Sequence

import pyarrow as pa
import streamlit as st

from tokenlens.tables import csv_bytes


def rows_table(rows: list[dict], columns: Sequence[str]) -> pa.Table:
    """The rows' `columns` as an Arrow table (all-null columns when there are no rows)."""
    if not rows:
        return pa.table({column: pa.array([], pa.null()) for column in columns})
    return pa.table({column: [row.get(column) for row in rows] for column in columns})


def show_rows(rows: list[dict], columns: Sequence[str], **dataframe_options) -> None:
    st.dataframe(rows_table(rows, columns), hide_index=True, **dataframe_options)


def csv_download(label: str, rows: list[dict], columns: Sequence[str], file_name: str) -> None:
    """A download button whose CSV of the rows' `columns` is written on the click."""
    st.download_button(label, lambda: csv_bytes(rows, columns), file_name=file_name, mime="text/csv")
