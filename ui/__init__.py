"""Streamlit helpers shared by the pages: widgets generated from specs, cached runs, panels."""
