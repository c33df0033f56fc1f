"""Reusable Streamlit pieces. They take plain data from `tokenlens` and lay it out."""
