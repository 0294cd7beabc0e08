"""The layer walls of design.md, read from the source with ``ast`` (nothing is imported to check them):
data flows hyperparams -> landscape + optimizer -> engine -> numpy -> figure -> page, only the pages
talk to streamlit, and the core modules keep the house style (docstrings, short functions)."""

import ast
import importlib.util
from pathlib import Path

import pytest

from optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[2]
CORE = ("hyperparams", "landscapes", "models", "optimizers", "engine", "plotting")  # hyperparams.py: a module
SKIPPED_DIRS = {".venv", "tests", ".git", "__pycache__", "node_modules"}
MAX_FUNCTION_LINES = 60  # the house style says about 40; this is the hard wall
STYLE_FUNCTION_LINES = 40


def python_files(*packages):
    """Every .py file of the given top-level packages (a folder, or a single ``name.py`` module), or
    of the whole repository when none given."""
    roots = [ROOT / p for p in packages] if packages else [ROOT]
    files = []
    for root in roots:
        if not root.is_dir() and root.with_suffix(".py").is_file():
            files.append(root.with_suffix(".py"))
            continue
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if not any(part in SKIPPED_DIRS or part.startswith(".") for part in parts[:-1]):
                files.append(path)
    return files


def parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def absolute(path, node):
    """The dotted module an ``ImportFrom`` names, a relative one resolved against the file's package."""
    if not node.level:
        return node.module or ""
    package = list(path.relative_to(ROOT).parts[:-1])
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imported_names(path):
    """Full dotted names of everything a file imports, statically or by a literal
    ``import_module(...)`` / ``__import__(...)``; relative imports resolved against the file's package."""
    names = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(absolute(path, node))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def imported_modules(path):
    """Top-level names of everything a file imports."""
    return {name.split(".")[0] for name in imported_names(path)}


def streamlit_names(path):
    """The dotted names of everything of streamlit a file imports."""
    return {name for name in imported_names(path) if name.split(".")[0] == "streamlit"}


# Outside the router, the pages and ui, only a benchmark may touch streamlit, and only to drive the app
# from outside: AppTest, and Streamlit's protobuf classes to read the websocket.
BENCH_STREAMLIT = ("streamlit.testing", "streamlit.proto")


def streamlit_offences(where, names):
    """The streamlit imports a file at repository path ``where`` may not make."""
    if where in ("app.py", "serve.py") or where.startswith(("pages/", "ui/")):  # serve.py: the app, warmed
        return set()
    if where.startswith("bench/"):
        return {n for n in names if not any(n == ok or n.startswith(ok + ".") for ok in BENCH_STREAMLIT)}
    return set(names)


def relative(path):
    return path.relative_to(ROOT).as_posix()


def test_the_scan_finds_the_layers():
    for package in (*CORE, "ui", "pages"):
        assert python_files(package), f"no Python files under {package}/"
    assert python_files("hyperparams") == [ROOT / "hyperparams.py"]
    assert "streamlit" in imported_modules(ROOT / "app.py")
    assert "jax" in imported_modules(ROOT / "engine" / "trajectory.py")


@pytest.mark.parametrize("package", CORE)
def test_core_never_imports_streamlit(package):
    offenders = [relative(p) for p in python_files(package) if "streamlit" in imported_modules(p)]
    assert not offenders


@pytest.mark.parametrize("package", ["hyperparams", "landscapes", "models", "optimizers", "engine"])
def test_math_layers_never_import_plotly(package):
    offenders = [relative(p) for p in python_files(package) if "plotly" in imported_modules(p)]
    assert not offenders


def test_plotting_never_imports_jax():
    offenders = [relative(p) for p in python_files("plotting")
                 if imported_modules(p) & {"jax", "jaxlib", "optax"}]
    assert not offenders


def test_only_the_router_pages_and_ui_import_streamlit():
    offenders = {relative(p): sorted(streamlit_offences(relative(p), streamlit_names(p)))
                 for p in python_files()}
    assert not {path: bad for path, bad in offenders.items() if bad}
    assert streamlit_names(ROOT / "app.py")


@pytest.mark.parametrize(("where", "names", "bad"), [
    ("bench/browser.py", {"streamlit.proto.ForwardMsg_pb2", "streamlit.testing.v1"}, set()),
    ("bench/harness.py", {"streamlit"}, {"streamlit"}),  # the whole of streamlit: st.* calls
    ("bench/harness.py", {"streamlit.runtime.scriptrunner"}, {"streamlit.runtime.scriptrunner"}),
    ("bench/harness.py", {"streamlit.protobuf"}, {"streamlit.protobuf"}),  # a prefix is not a package
    ("scripts/tool.py", {"streamlit.testing.v1"}, {"streamlit.testing.v1"}),  # only bench/ may
    ("engine/grid.py", {"streamlit"}, {"streamlit"}),
    ("pages/overfitting/page.py", {"streamlit"}, set()),
    ("ui/state.py", {"streamlit.runtime"}, set()),
])
def test_the_streamlit_wall_lets_a_benchmark_read_the_websocket_and_nothing_more(where, names, bad):
    assert streamlit_offences(where, names) == bad


def test_the_router_imports_nothing_but_streamlit():
    # and threading, to wait for serve.py's warm-up to finish importing (tests/unit/test_serve.py)
    assert imported_modules(ROOT / "app.py") == {"streamlit", "threading"}


# Which of the app's own packages each layer may import: data flows one way only.
OWN = {"hyperparams", "landscapes", "models", "optimizers", "engine", "plotting", "ui", "pages", "app"}
ALLOWED_OWN = {
    "hyperparams": set(),  # the slider record everybody shares: a leaf
    "optimizers": {"optimizers", "hyperparams"},
    # A surface's parameters are HyperParams; the logistic surface's loss is models.losses' cross-entropy.
    "landscapes": {"landscapes", "models", "hyperparams"},
    "models": {"models"},  # small networks and their data, beside the surfaces
    "engine": {"engine", "landscapes", "models", "optimizers", "hyperparams"},
    "plotting": {"plotting"},  # numpy arrays in, figures out
    "ui": {"ui", "engine", "landscapes", "models", "optimizers", "plotting", "hyperparams"},
}


@pytest.mark.parametrize("package", sorted(ALLOWED_OWN))
def test_layers_import_only_layers_below(package):
    offenders = {relative(p): sorted((imported_modules(p) & OWN) - ALLOWED_OWN[package])
                 for p in python_files(package)}
    assert not {path: bad for path, bad in offenders.items() if bad}


def page_offences(where, names):
    """The imports of another lesson's page, of the bare ``pages`` package or of the router that a file at
    ``where`` (pages/<lesson>/...) makes; its own lesson folder's modules are allowed."""
    parts = where.removesuffix(".py").split("/")
    own = "pages." + parts[1] if len(parts) > 2 else None
    return {n for n in names if n.split(".")[0] in ("pages", "app")
            and not (own and (n == own or n.startswith(own + ".")))}


def test_pages_import_only_their_own_lesson_folder_and_not_the_router():
    offenders = {relative(p): sorted(page_offences(relative(p), imported_names(p)))
                 for p in python_files("pages")}
    assert not {path: bad for path, bad in offenders.items() if bad}


@pytest.mark.parametrize(("where", "names", "bad"), [
    ("pages/learning_rate/page.py", {"pages.learning_rate", "pages.learning_rate.lesson", "ui"}, set()),
    ("pages/learning_rate/page.py", {"pages.overfitting.lesson"}, {"pages.overfitting.lesson"}),
    ("pages/learning_rate/page.py", {"pages.learning_rate_old"}, {"pages.learning_rate_old"}),  # a prefix
    ("pages/learning_rate/page.py", {"pages"}, {"pages"}),  # from pages import <another lesson>
    ("pages/mini_batches/lesson.py", {"app"}, {"app"}),
    ("pages/__init__.py", {"pages.overfitting"}, {"pages.overfitting"}),
])
def test_the_page_wall_allows_only_the_own_lesson_folder(where, names, bad):
    assert page_offences(where, names) == bad


def test_a_relative_import_resolves_against_the_files_own_package():
    page = ROOT / "pages" / "learning_rate" / "page.py"
    tree = ast.parse("from . import lesson\nfrom .lesson import x\nfrom .. import overfitting\n")
    assert [absolute(page, node) for node in tree.body] == [
        "pages.learning_rate", "pages.learning_rate.lesson", "pages"]


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
