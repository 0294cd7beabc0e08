"""A guard that turns an unexpected exception into a friendly message, keeping the page alive."""

import logging
from contextlib import contextmanager

import streamlit as st

LOG = logging.getLogger("loss_landscape_lab")


@contextmanager
def friendly_errors(what):
    """Run a block of a page; on an exception show a plain message instead of a traceback."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - the page must survive any failure of one part
        LOG.exception("failed while %s", what)
        st.error(f"Sorry, something went wrong while {what} ({type(error).__name__}). "
                 "Try other settings; the rest of the page still works.")
