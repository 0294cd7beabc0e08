"""Serve the app: `streamlit run serve.py`. The same app as app.py, warmed up as the server starts, so
the first visitor does not wait for JAX to load and compile."""

import threading
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def lifespan(app):
    """Start the warm-up beside the server; it is done long before anybody could ask twice."""
    from ui.warm import start_of_server

    threading.Thread(target=start_of_server, name="warm start", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
