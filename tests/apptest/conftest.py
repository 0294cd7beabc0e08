"""The AppTest layer runs without the background warm-ups (``ui/warm.py``).

A warm-up computes, ahead of a user's next click, what that click would compute anyway (the same
cached call); the tests here walk many settings and would start one for each (a network trained on
both neighbours of every dropout rate, a sweep per surface and optimizer), doubling their compilations
for nothing they check. The real server keeps them on: the browser and load tests run with them.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_warm_ups():
    """LLL_WARM=0 for every AppTest of the session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLL_WARM", "0")
        yield
