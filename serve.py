"""Serve the app: `streamlit run serve.py`. The same app as app.py, warmed up as the server starts, so
the first visitor does not wait for JAX to load and compile."""

import threading
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# The pages are declared with st.navigation in app.py. Streamlit would take the folder pages/ for an
# old-style pages directory until the first run of app.py, and show the first visitor after a start
# who follows a link to a lesson a "Page not found" dialog over the right page.
PagesManager.uses_pages_directory = False
IMPORTS_THREAD = "warm imports"  # app.py waits for the thread of this name


def import_lessons():
    """Import the lessons (here, not above: JAX takes seconds to load, and the server answers its first
    visitor meanwhile)."""
    from ui.warm import import_lessons

    import_lessons()


def compile_default_page():
    """Compile the default page's first computations once the imports are done."""
    from ui.warm import compile_default_page

    compile_default_page()


def watch_memory():
    """Keep the server's memory within its budget (engine/memory.py, $LLL_MEMORY_BUDGET_MB)."""
    from engine.memory import watch

    watch()


def warm_up():
    """Import, then compile, then watch the memory. The imports run in their own thread, named
    IMPORTS_THREAD: app.py waits for it (two threads importing the same package at once can meet a
    half-initialized module)."""
    imports = threading.Thread(target=import_lessons, name=IMPORTS_THREAD, daemon=True)
    imports.start()
    imports.join()
    compile_default_page()
    watch_memory()


@asynccontextmanager
async def lifespan(app):
    """Start the warm-up beside the server; it is done long before anybody could ask twice."""
    threading.Thread(target=warm_up, name="warm start", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
