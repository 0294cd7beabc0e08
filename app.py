"""Loss Landscape Lab: the router. Page config and navigation only; each lesson lives in pages/."""

import threading

import streamlit as st

# serve.py imports every lesson in a thread of this name as the server starts. A page importing the
# same modules at the same moment could meet one half-initialized (Python locks imports per module, and
# a package importing its own submodules deadlocks with a thread importing a submodule first): wait.
for thread in threading.enumerate():
    if thread.name == "warm imports":
        thread.join(timeout=120)

st.set_page_config(page_title="Loss Landscape Lab", page_icon=":material/landscape:", layout="wide")

PAGES = [
    st.Page("pages/lecture/page.py", title="Lecture", icon=":material/school:", url_path="lecture"),
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
