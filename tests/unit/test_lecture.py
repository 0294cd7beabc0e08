"""The lecture's walk as data: every stop's claim holds at its settings (its own run, computed as its page
computes it), every sentence is the lecture's own and the stops follow the lecture's order, every stop
names a page of the app and a check that exists, and what the walk copies from other lessons is equal."""

import ast
import re
from pathlib import Path

import pytest

from pages.lecture import claims, lesson, runs
from pages.lecture.stops import LECTURE, STOPS, page_file

ROOT = Path(__file__).resolve().parents[2]


def words(text):
    """Text with every run of white space as one space (a slide's line break is a space in a stop)."""
    return re.sub(r"\s+", " ", text).strip()


def app_url_paths():
    """The url_path of every st.Page in app.py ("" for the default page), read from its source."""
    paths = {}
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {k.arg: k.value for k in node.keywords}
            default = isinstance(keywords.get("default"), ast.Constant) and keywords["default"].value is True
            paths[node.args[0].value] = "" if default else keywords["url_path"].value
    return paths


@pytest.mark.parametrize("stop", STOPS, ids=[stop.title for stop in STOPS])
def test_every_stops_claim_holds_at_its_settings(stop):
    verdict = claims.check(stop)
    assert verdict.sentence.strip(), f"{stop.title}: no measured sentence"
    assert verdict.holds, f"{stop.title} ({stop.claim}): {verdict.sentence}"


def test_every_sentence_is_the_lectures_own_and_the_stops_follow_its_order():
    text = words(LECTURE.read_text(encoding="utf-8"))
    positions = [text.find(words(stop.sentence)) for stop in STOPS]
    missing = [stop.sentence for stop, at in zip(STOPS, positions, strict=True) if at < 0]
    assert not missing, f"not in the lecture: {missing}"
    assert positions == sorted(positions) and len(set(positions)) == len(positions), \
        [stop.title for _, stop in sorted(zip(positions, STOPS, strict=True), key=lambda pair: pair[0])]


def test_about_a_dozen_stops_visit_every_lesson_of_the_lecture():
    assert 9 <= len(STOPS) <= 12
    lessons = {"", "backpropagation", "loss-landscape", "learning-rate", "optimizer-race", "mini-batches",
               "overfitting"}
    assert lessons <= {stop.page for stop in STOPS}


@pytest.mark.parametrize("stop", STOPS, ids=[stop.title for stop in STOPS])
def test_every_stop_names_a_page_of_the_app_a_check_and_a_figure(stop):
    assert app_url_paths().get(page_file(stop.page)) == stop.page, f"{page_file(stop.page)} is not in app.py"
    assert stop.claim in claims.CLAIMS
    assert stop.page in lesson.PLAYERS or stop.page in lesson.CHARTS
    assert stop.question.strip() and stop.title.strip()
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in stop.settings.items()), \
        "settings are URL text"


def test_the_walk_opens_first_in_the_menu_but_not_at_the_root():
    assert list(app_url_paths().items())[0] == ("pages/lecture/page.py", "lecture")
    assert app_url_paths()["pages/gradient_descent/page.py"] == ""


def test_a_setting_a_check_reads_must_be_given():
    with pytest.raises(KeyError, match="steps"):
        runs.gd_run({key: value for key, value in STOPS[0].settings.items() if key != "steps"})


def test_a_claim_that_does_not_hold_says_so():
    stop = STOPS[0]  # downhill: at η = 0.251 the bowl's run diverges
    verdict = claims.CLAIMS["downhill"](dict(stop.settings, **{"sgd.learning_rate": "0.251"}))
    assert not verdict.holds and "diverged" in verdict.sentence


def test_what_the_walk_copies_from_other_lessons_is_the_same():
    from pages.loss_landscape.lesson import NETWORKS
    from pages.mini_batches.lesson import RUNS

    assert runs.LANDSCAPE_NETWORKS == {key: settings for key, (_, settings) in NETWORKS.items() if settings}
    assert lesson.BATCH_RUNS == RUNS
    assert tuple(runs.MINI_RUNS) == tuple(RUNS)
