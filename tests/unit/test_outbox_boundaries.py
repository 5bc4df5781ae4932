"""Who may import whom around the delivery core: the core knows no channel, and the channels
(e-mail, the SP4N-LAPOR! mirror) do not know each other's delivery code."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def imports_of(package: str) -> dict[str, set[str]]:
    """Every module a package's files import (at any depth, inside functions too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((PORTAL / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(PORTAL))] = names
    return found


def offending(package: str, forbidden: tuple[str, ...], allowed: frozenset = frozenset()):
    return {
        (path, name)
        for path, names in imports_of(package).items()
        for name in names
        if name.startswith(forbidden) and name not in allowed
    }


def test_the_core_imports_no_channel():
    assert imports_of("outbox")  # the package is there
    assert offending("outbox", ("portal.notifications", "portal.national")) == set()


def test_the_mirror_does_not_import_the_e_mail_outbox():
    assert offending("national", ("portal.notifications",)) == set()


def test_e_mail_uses_the_mirror_only_to_add_its_rows():
    """hooks.py writes the mirror rows with each change; delivery is none of e-mail's business."""
    allowed = frozenset({"portal.national.mirror_rows"})
    assert offending("notifications", ("portal.national",), allowed) == set()
