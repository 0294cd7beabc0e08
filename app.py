"""Loss Landscape Lab: the router. Page config and navigation only; each lesson lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Loss Landscape Lab", page_icon=":material/landscape:", layout="wide")

PAGES = [
    # The default page lives at "/" only; Streamlit gives it no path of its own.
    st.Page("pages/gradient_descent/page.py", title="Gradient descent", icon=":material/trending_down:",
            default=True),
    st.Page("pages/backpropagation/page.py", title="Backpropagation", icon=":material/account_tree:",
            url_path="backpropagation"),
    st.Page("pages/learning_rate/page.py", title="Learning rate", icon=":material/speed:",
            url_path="learning-rate"),
    st.Page("pages/optimizer_race/page.py", title="Optimizer race", icon=":material/sports_score:",
            url_path="optimizer-race"),
    st.Page("pages/mini_batches/page.py", title="Mini-batches", icon=":material/shuffle:",
            url_path="mini-batches"),
    st.Page("pages/overfitting/page.py", title="Overfitting & regularization", icon=":material/tune:",
            url_path="overfitting"),
    st.Page("pages/loss_landscape/page.py", title="Loss landscape", icon=":material/terrain:",
            url_path="loss-landscape"),
]

st.navigation(PAGES).run()
