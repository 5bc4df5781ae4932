"""`flask routing check FILE` on a good and a bad file (no app needed when FILE is given)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from portal.routing.cli import routing_cli

DEMO = Path(__file__).resolve().parents[2] / "routing_rules.yaml"


def test_check_valid_file_prints_a_summary():
    result = CliRunner().invoke(routing_cli, ["check", str(DEMO)])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith(f"{DEMO}: OK — 3 regions, ")
    assert " agencies, " in line and " rules (version " in line
    assert result.stderr == ""


def test_check_invalid_file_lists_issues_on_stderr(tmp_path):
    bad = tmp_path / "routing_rules.yaml"
    bad.write_text(
        "version: 1\ncategories: []\nregions:\n  - id: kalsel\n    name: K\n"
        "    prefix: ksl\n    timezone: Asia/Makasar\n    agencies: []\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(routing_cli, ["check", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"{bad}:6: invalid prefix 'ksl' for region 'kalsel': use 2 to 4 upper-case letters A-Z"
    )
    assert lines[1].startswith(f"{bad}:7: unknown timezone 'Asia/Makasar'")
    assert lines[-1] == "2 problems found"


def test_check_missing_file(tmp_path):
    result = CliRunner().invoke(routing_cli, ["check", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'missing.yaml'}:0: routing file not found"
