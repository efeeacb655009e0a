"""The domain core stays free of the web and the database, so it can be tested and reused alone."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "quizapp" / "core"
FORBIDDEN = (
    "flask",
    "flask_sqlalchemy",
    "sqlalchemy",
    "werkzeug",
    "quizapp.models",
    "quizapp.services",
)


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_neither_flask_nor_sqlalchemy():
    offenders = {
        f"{path.name}: {name}"
        for path in CORE.glob("*.py")
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert offenders == set()
