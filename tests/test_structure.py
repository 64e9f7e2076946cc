"""Issue 9's size rules, checked rather than remembered: no module in `bot/` over 450 lines (except
`texts.py`, which is all the user-facing words, and Alembic migrations, which are history), and no
class with more than 25 public methods.

Why: every feature adds a little to the module or object it touches, and a file nobody can read
in one sitting, or a facade with a method per command, grows until someone splits it in a hurry.
A failing test here names what to split while the split is still small.

What counts as a public method: every `def` / `async def` written directly in the class body
whose name does not start with `_` — plain methods, properties, static and class methods alike,
since a reader sees each of them as part of the class's surface. Dunder methods and private
helpers do not count; neither do methods of nested classes (they count for the nested class).
Lines are physical lines of the file, blank lines and docstrings included (what an editor shows).
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
MAX_MODULE_LINES = 450
MAX_PUBLIC_METHODS = 25


def _modules() -> list[Path]:
    return sorted(
        p for p in BOT.rglob("*.py") if p.name != "texts.py" and "migrations" not in p.relative_to(BOT).parts
    )


def public_methods(cls: ast.ClassDef) -> list[str]:
    return [
        node.name
        for node in cls.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
    ]


def test_the_walk_sees_the_package() -> None:
    modules = {p.relative_to(BOT).as_posix() for p in _modules()}
    assert {"assistant/facade.py", "helpdesk/facade.py", "kb/service.py"} <= modules
    assert "texts.py" not in modules
    assert not any(m.startswith("helpdesk/migrations/") for m in modules)


def test_public_methods_counts_what_a_reader_sees() -> None:
    tree = ast.parse(
        "class C:\n"
        "    def __init__(self): ...\n"
        "    def _helper(self): ...\n"
        "    def a(self): ...\n"
        "    async def b(self): ...\n"
        "    @property\n"
        "    def c(self): ...\n"
        "    @staticmethod\n"
        "    def d(): ...\n"
        "    class Inner:\n"
        "        def e(self): ...\n"
    )
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    assert public_methods(cls) == ["a", "b", "c", "d"]


def test_no_module_over_450_lines() -> None:
    too_long = {}
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long[path.relative_to(BOT.parent).as_posix()] = lines
    assert too_long == {}, f"split these modules (at most {MAX_MODULE_LINES} lines): {too_long}"


def test_no_class_over_25_public_methods() -> None:
    too_wide = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and len(public_methods(node)) > MAX_PUBLIC_METHODS:
                too_wide[f"{path.relative_to(BOT.parent).as_posix()}:{node.name}"] = len(public_methods(node))
    assert too_wide == {}, f"regroup these classes (at most {MAX_PUBLIC_METHODS} public methods): {too_wide}"
