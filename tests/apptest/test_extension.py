"""The extension points, tried for real: in a temporary copy of the app, a new optimizer is one new file
in optimizers/ (sign-SGD, with no internals) and a new surface is one new entry in landscapes/, and every
page runs with them, with no exception and no error on the page."""

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from bench.harness import app_pages
from tests.apptest.helpers import ROOT

SIGN_SGD = '''"""Sign-SGD (Bernstein et al., 2018): only the sign of the gradient.

$$W \\\\leftarrow W - \\\\eta \\\\, \\\\mathrm{sign}(g)$$
"""

import jax
import jax.numpy as jnp

from optimizers.base import GradientTransformation, OptimizerSpec, learning_rate

LATEX = r"W \\leftarrow W - \\eta \\, \\mathrm{sign}(g)"


def make(learning_rate):
    """Sign-SGD: updates = -lr sign(g)."""

    def init(params):
        return ()

    def update(grads, state, params=None):
        return jax.tree.map(lambda g: -learning_rate * jnp.sign(g), grads), state

    return GradientTransformation(init, update)


SPEC = OptimizerSpec(key="signsgd", name="Sign-SGD", make=make, latex=LATEX,
                     paper="Bernstein et al. (2018)", hyperparams=(learning_rate(0.01),),
                     module=__name__, colour="#17a589", race_rate=0.001)
'''
NEW_SURFACE = '''
from landscapes.base import Landscape as _Landscape

LANDSCAPES["bowl_plus_ripple"] = _Landscape(
    "bowl_plus_ripple", "Bowl with a ripple",
    lambda p, theta: p[0] ** 2 + p[1] ** 2 + 0.1 * jnp.sin(5 * p[0]),
    ((-2.0, 2.0), (-2.0, 2.0)), (), None, r"x^2 + y^2 + 0.1 \\sin 5x", (1.5, 1.5))
'''
# Runs inside the copy: every page, then the pages that pick an optimizer or a surface with the new ones.
DRIVER = textwrap.dedent('''
    import json, sys
    from streamlit.testing.v1 import AppTest

    def run(page, **values):
        at = AppTest.from_file("app.py", default_timeout=300)
        at.run()
        at.switch_page(page)
        at.run()
        for key, value in values.items():
            widget = [w for kind in ("selectbox", "multiselect") for w in getattr(at, kind) if w.key == key]
            widget[0].set_value(value)
            at.run()
        return dict(page=page, settings=values, exceptions=[e.message for e in at.exception],
                    errors=[e.value for e in at.error], titles=[t.value for t in at.title])

    pages = json.loads(sys.argv[1])
    results = [run(page) for page in pages]
    results.append(run("pages/gradient_descent/page.py", optimizer="signsgd", landscape="bowl_plus_ripple"))
    results.append(run("pages/learning_rate/page.py", optimizer="signsgd", landscape="bowl_plus_ripple"))
    results.append(run("pages/optimizer_race/page.py", landscape="bowl_plus_ripple", settings="signsgd"))
    print(json.dumps(results))
''')
COPIED = ("app.py", "hyperparams.py", ".streamlit", "engine", "landscapes", "models", "optimizers", "pages",
          "plotting", "ui")


@pytest.fixture(scope="module")
def extended_app(tmp_path_factory):
    """A copy of the app with sign-SGD and a new surface added the documented way."""
    copy = tmp_path_factory.mktemp("extended")
    ignore = shutil.ignore_patterns("__pycache__", "cache", "plotly.min.js")
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree(source, copy / name, ignore=ignore) if source.is_dir()
         else shutil.copy(source, copy / name))
    (copy / "optimizers" / "signsgd.py").write_text(SIGN_SGD)
    registry = copy / "landscapes" / "__init__.py"
    source = registry.read_text().replace("import math\n", "import math\n\nimport jax.numpy as jnp\n")
    registry.write_text(source + NEW_SURFACE)
    return copy


def test_every_page_runs_with_a_new_optimizer_and_a_new_surface(extended_app):
    pages = [page.file for page in app_pages()]
    env = {"PYTHONPATH": str(extended_app), "PATH": "/usr/bin:/bin",
           "LLL_CACHE_DIR": str(ROOT / ".cache" / "jax"), "LLL_WARM": "0"}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(pages)], cwd=extended_app,
                          capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == len(pages) + 3
    for result in results:
        assert result["titles"], result
        assert not result["exceptions"] and not result["errors"], result


def test_the_new_optimizer_joined_the_registry_of_the_copy(extended_app):
    code = ("from optimizers import OPTIMIZERS; import jax.numpy as jnp; "
            "t = OPTIMIZERS['signsgd'].make(learning_rate=0.5); "
            "print(list(OPTIMIZERS), t.update(jnp.array([3.0, -0.1]), t.init(jnp.zeros(2)))[0].tolist())")
    done = subprocess.run([sys.executable, "-c", code], cwd=extended_app, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(extended_app), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'signsgd'" in done.stdout and "[-0.5, 0.5]" in done.stdout, done.stdout
