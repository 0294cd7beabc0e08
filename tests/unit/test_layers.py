"""The layer walls of design.md, read from the source with ``ast`` (nothing is imported to check them):
data flows landscape + optimizer -> engine -> numpy -> figure -> page, only the pages talk to
streamlit, and the core modules keep the house style (docstrings, short functions)."""

import ast
import importlib.util
from pathlib import Path

import pytest

from optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[2]
CORE = ("landscapes", "models", "optimizers", "engine", "plotting")
SKIPPED_DIRS = {".venv", "tests", ".git", "__pycache__", "node_modules"}
MAX_FUNCTION_LINES = 60  # the house style says about 40; this is the hard wall
STYLE_FUNCTION_LINES = 40


def python_files(*packages):
    """Every .py file under the given top-level folders, or in the whole repository when none given."""
    roots = [ROOT / p for p in packages] if packages else [ROOT]
    files = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if not any(part in SKIPPED_DIRS or part.startswith(".") for part in parts[:-1]):
                files.append(path)
    return files


def parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_names(path):
    """Full dotted names of everything a file imports, statically or by a literal
    ``import_module(...)`` / ``__import__(...)``; a relative import counts as the file's own package."""
    names = set()
    parts = path.relative_to(ROOT).parts
    package = parts[0] if len(parts) > 1 else ""
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(package if node.level else node.module or "")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def imported_modules(path):
    """Top-level names of everything a file imports."""
    return {name.split(".")[0] for name in imported_names(path)}


def uses_streamlit_ui(path):
    """True if a file imports streamlit itself; ``streamlit.testing`` (driving the app from outside,
    as a benchmark or test harness does) does not count."""
    return any(name.split(".")[0] == "streamlit" and not name.startswith("streamlit.testing")
               for name in imported_names(path))


def relative(path):
    return path.relative_to(ROOT).as_posix()


def test_the_scan_finds_the_layers():
    for package in (*CORE, "ui", "pages"):
        assert python_files(package), f"no Python files under {package}/"
    assert "streamlit" in imported_modules(ROOT / "app.py")
    assert "jax" in imported_modules(ROOT / "engine" / "trajectory.py")


@pytest.mark.parametrize("package", CORE)
def test_core_never_imports_streamlit(package):
    offenders = [relative(p) for p in python_files(package) if "streamlit" in imported_modules(p)]
    assert not offenders


@pytest.mark.parametrize("package", ["landscapes", "models", "optimizers", "engine"])
def test_math_layers_never_import_plotly(package):
    offenders = [relative(p) for p in python_files(package) if "plotly" in imported_modules(p)]
    assert not offenders


def test_plotting_never_imports_jax():
    offenders = [relative(p) for p in python_files("plotting")
                 if imported_modules(p) & {"jax", "jaxlib", "optax"}]
    assert not offenders


def test_only_the_router_pages_and_ui_import_streamlit():
    allowed = ("app.py", "pages/", "ui/")
    offenders = [relative(p) for p in python_files()
                 if uses_streamlit_ui(p) and not relative(p).startswith(allowed)]
    assert not offenders
    assert uses_streamlit_ui(ROOT / "app.py")


def test_the_router_imports_nothing_but_streamlit():
    assert imported_modules(ROOT / "app.py") == {"streamlit"}


# Which of the app's own packages each layer may import: data flows one way only.
OWN = {"landscapes", "models", "optimizers", "engine", "plotting", "ui", "pages", "app"}
ALLOWED_OWN = {
    "optimizers": {"optimizers"},
    "landscapes": {"landscapes", "optimizers"},  # a surface's parameters reuse HyperParam
    "models": {"models"},  # small networks and their data, beside the surfaces
    "engine": {"engine", "landscapes", "models", "optimizers"},
    "plotting": {"plotting"},  # numpy arrays in, figures out
    "ui": {"ui", "engine", "landscapes", "models", "optimizers", "plotting"},
}


@pytest.mark.parametrize("package", sorted(ALLOWED_OWN))
def test_layers_import_only_layers_below(package):
    offenders = {relative(p): sorted((imported_modules(p) & OWN) - ALLOWED_OWN[package])
                 for p in python_files(package)}
    assert not {path: bad for path, bad in offenders.items() if bad}


def test_pages_import_no_other_page_and_not_the_router():
    offenders = {relative(p): sorted(imported_modules(p) & {"pages", "app"}) for p in python_files("pages")}
    assert not {path: bad for path, bad in offenders.items() if bad}


# ---------------------------------------------------------------------------------------- house style


@pytest.mark.parametrize("key", sorted(OPTIMIZERS))
def test_every_optimizer_module_states_its_rule(key):
    """The module docstring names the method and writes its update rule in LaTeX."""
    origin = Path(importlib.util.find_spec(OPTIMIZERS[key].module).origin)
    tree = parse(origin)
    docstring = ast.get_docstring(tree)
    assert docstring and docstring.strip(), relative(origin)
    assert r"\leftarrow" in docstring and "$$" in docstring, f"{relative(origin)}: no LaTeX rule"
    make = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "make"]
    assert len(make) == 1 and ast.get_docstring(make[0]), f"{relative(origin)}: make() undocumented"


def functions(tree):
    """(function node, is_nested) for every def: nested means defined inside another function."""
    found = []

    def visit(node, inside_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((child, inside_function))
                visit(child, True)
            else:
                visit(child, inside_function)

    visit(tree, False)
    return found


def test_every_module_has_a_docstring():
    missing = [relative(p) for p in python_files(*CORE, "ui", "pages") if not ast.get_docstring(parse(p))]
    assert not missing


def test_every_function_has_a_docstring():
    """Module-level functions and methods; closures such as optax-style ``init``/``update`` inside
    ``make`` and dunder methods are documented by their owner and are not checked."""
    missing = []
    for path in python_files(*CORE, "ui"):
        for node, nested in functions(parse(path)):
            dunder = node.name.startswith("__") and node.name.endswith("__")
            if not nested and not dunder and not ast.get_docstring(node):
                missing.append(f"{relative(path)}:{node.lineno} {node.name}")
    assert not missing


def test_functions_are_short():
    lengths = sorted(((node.end_lineno - node.lineno + 1, f"{relative(path)}:{node.lineno} {node.name}")
                      for path in python_files(*CORE, "ui") for node, _ in functions(parse(path))),
                     reverse=True)
    assert lengths, "no functions found"
    too_long = [f"{where} ({n} lines)" for n, where in lengths if n > MAX_FUNCTION_LINES]
    over_style = [f"{where} ({n} lines)" for n, where in lengths if n > STYLE_FUNCTION_LINES]
    print(f"longest functions: {lengths[:5]}; over {STYLE_FUNCTION_LINES} lines: {over_style}")
    assert not too_long
