"""Loss Landscape Lab: the router. Page config and navigation only; each lesson lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Loss Landscape Lab", page_icon="⛰️", layout="wide")

PAGES = [
    st.Page("pages/gradient_descent.py", title="Gradient descent", icon="📉", default=True,
            url_path="gradient-descent"),
]

st.navigation(PAGES).run()
