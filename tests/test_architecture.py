"""Arrows point down: the platform packages never import a feature, and views never commit."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dps_portal"
# What the platform is made of; every other package of dps_portal is a feature.
PLATFORM = {"core", "audit", "documents", "notifications", "scheduler", "extensions"}
# Users are the platform's: who to tell is asked of accounts.
ALLOWED_FROM_FEATURES = {"dps_portal.accounts.models", "dps_portal.accounts.queries"}
CHECKED = ("core", "audit", "documents", "notifications")


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (PACKAGE / package).rglob("*.py"))


def _imported_names(path: Path) -> list[tuple[int, str]]:
    """Every name an import brings in, in full: `from a.b import c` brings in a.b.c."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return names


def _is_feature(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "dps_portal" or len(parts) < 2:
        return False
    if parts[1] in PLATFORM or not (PACKAGE / parts[1]).is_dir():
        return False
    return not any(name.startswith(f"{allowed}.") for allowed in ALLOWED_FROM_FEATURES)


def _feature_imports(path: Path) -> list[str]:
    where = path.relative_to(PACKAGE.parent)
    return [
        f"{where}:{line} imports {name}"
        for line, name in _imported_names(path)
        if _is_feature(name)
    ]


@pytest.mark.parametrize("package", CHECKED)
def test_platform_packages_import_no_feature(package):
    offences = [offence for path in _modules(package) for offence in _feature_imports(path)]
    assert offences == []


def _session_calls(path: Path, verbs: set[str]) -> list[str]:
    """Calls of db.session.commit() (or another verb) in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in verbs
            and ast.unparse(node.func.value) == "db.session"
        ):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_view_commits_or_rolls_back():
    """The request commits once at its end (core/web.py); a view only calls operations."""
    views = [path for path in PACKAGE.rglob("views.py")]
    assert views
    offences = [call for path in views for call in _session_calls(path, {"commit", "rollback"})]
    assert offences == []
