"""Projector mode: one switch (sidebar or ``?present=1``) that every page honours, kept across pages and in
the URL; in it the explanations fold away and every figure's text is at least 18 px."""

import pytest

from tests.apptest.helpers import assert_healthy, component_args, fresh, widget

PAGES = {
    "pages/gradient_descent/page.py": "player",
    "pages/backpropagation/page.py": "graph",
    "pages/learning_rate/page.py": "player",
    "pages/optimizer_race/page.py": "player",
    "pages/mini_batches/page.py": "player",
    "pages/overfitting/page.py": "boundary",
    "pages/loss_landscape/page.py": "slice",
}
INTRO = "About this lesson"


def fonts(figure):
    """Every font size a figure dict sets (the layout's base font included)."""
    found = []

    def walk(value, key=None):
        if isinstance(value, dict):
            if key in ("font", "tickfont", "textfont") and "size" in value:
                found.append(value["size"])
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(figure)
    return found


def switch(at):
    return widget(at, "toggle", "present")


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_in_projector_mode(page):
    at = fresh(page, {"present": "1"})
    assert_healthy(at, page)
    assert switch(at).value is True
    assert at.query_params.get("present") == ["1"] or at.query_params.get("present") == "1"
    assert INTRO in [e.label for e in at.expander], "the opening explanation is folded away"
    args = component_args(at, PAGES[page])
    assert args["big"] is True
    sizes = fonts(args["figure"])
    assert sizes and min(sizes) >= 18, f"{page}: fonts {sorted(set(sizes))}"


def test_the_usual_view_keeps_its_fonts_and_shows_the_explanation():
    at = fresh("pages/gradient_descent/page.py")
    assert_healthy(at)
    assert switch(at).value is False
    assert INTRO not in [e.label for e in at.expander]
    assert any("gradient" in m.value.lower() for m in at.markdown), "the explanation is on the page"
    args = component_args(at, "player")
    assert args["big"] is False and min(fonts(args["figure"])) < 18
    assert "present" not in at.query_params


def test_the_switch_turns_it_on_and_off_and_the_url_follows():
    at = fresh("pages/gradient_descent/page.py")
    switch(at).set_value(True).run()
    assert_healthy(at)
    assert str(at.query_params.get("present")).strip("[]'") == "1"
    assert component_args(at, "player")["big"] is True
    switch(at).set_value(False).run()
    assert "present" not in at.query_params
    assert component_args(at, "player")["big"] is False


def test_the_mode_stays_on_from_page_to_page():
    at = fresh("pages/gradient_descent/page.py", {"present": "1"})
    at.query_params.clear()  # following a link in the sidebar drops the query
    at.switch_page("pages/learning_rate/page.py")
    at.run()
    assert_healthy(at)
    assert switch(at).value is True
    assert component_args(at, "player")["big"] is True
    assert str(at.query_params.get("present")).strip("[]'") == "1", "the URL says so on the new page too"


@pytest.mark.parametrize("text", ["maybe", "", "1e309", "<script>alert(1)</script>", "0"])
def test_a_malformed_or_off_value_leaves_it_off(text):
    at = fresh("pages/gradient_descent/page.py", {"present": text})
    assert_healthy(at, text)
    assert switch(at).value is False
