"""Methods and tasks depend on the core (space, fidelity, trial), never on each other."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hpobench"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "forbidden"), [("methods", "hpobench.tasks"), ("tasks", "hpobench.methods")])
def test_no_imports_across(package, forbidden):
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    crossing = {str(f.relative_to(PACKAGE)): sorted(m for m in imported_modules(f)
                                                   if m == forbidden or m.startswith(forbidden + "."))
                for f in files}
    assert {f: m for f, m in crossing.items() if m} == {}
