"""serve.py's warm-up and app.py agree on the thread app.py waits for; that thread only imports."""

import ast
import threading
import time
from pathlib import Path

import serve

ROOT = Path(__file__).resolve().parents[2]


def waited_thread_names():
    """The thread names app.py compares ``thread.name`` with."""
    names = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
                and node.left.attr == "name" and isinstance(node.comparators[0], ast.Constant)):
            names.append(node.comparators[0].value)
    return names


def test_app_waits_for_the_thread_serve_imports_in():
    assert waited_thread_names() == [serve.IMPORTS_THREAD]


def test_the_router_blocks_until_the_imports_thread_ends():
    """Run app.py's waiting loop (its lines before st.navigation are plain Python) beside a thread of
    that name: it returns only once the thread has ended."""
    source = (ROOT / "app.py").read_text()
    gate = source[source.index("for thread in threading.enumerate()"):source.index("st.set_page_config")]
    ended = []
    imports = threading.Thread(target=lambda: (time.sleep(0.3), ended.append(time.monotonic())),
                               name=serve.IMPORTS_THREAD)
    imports.start()
    exec(gate, {"threading": threading})  # noqa: S102 - the project's own source
    assert ended, "app.py went on while the imports thread was still running"
