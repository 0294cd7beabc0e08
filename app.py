"""Loss Landscape Lab: the router. Page config and navigation only; each lesson lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Loss Landscape Lab", page_icon="⛰️", layout="wide")

PAGES = [
    # The default page lives at "/" only; Streamlit gives it no path of its own.
    st.Page("pages/gradient_descent.py", title="Gradient descent", icon="📉", default=True),
    st.Page("pages/backpropagation.py", title="Backpropagation", icon="🔗", url_path="backpropagation"),
    st.Page("pages/learning_rate.py", title="Learning rate", icon="🎚️", url_path="learning-rate"),
    st.Page("pages/optimizer_race.py", title="Optimizer race", icon="🏁", url_path="optimizer-race"),
    st.Page("pages/mini_batches.py", title="Mini-batches", icon="🎲", url_path="mini-batches"),
    st.Page("pages/overfitting.py", title="Overfitting & regularization", icon="🧩", url_path="overfitting"),
]

st.navigation(PAGES).run()
