"""The small rules of portal/observability: which inbound ids are kept, what a log line is
cleaned of, the JSON line's shape, and the gunicorn hooks (a real temporary folder)."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
from types import SimpleNamespace

import pytest

from portal.observability import gunicorn_hooks
from portal.observability.json_logs import JsonFormatter, TextFormatter, scrub
from portal.observability.metrics_routes import bearer_token_matches
from portal.observability.request_ids import RequestIdFilter, accepted_or_new, bind, unbind


@pytest.mark.parametrize("kept", ["abcdefgh", "lb-1234.5678_x", "A" * 64, "0" * 32])
def test_a_well_formed_inbound_id_is_kept(kept):
    assert accepted_or_new(kept) == kept


@pytest.mark.parametrize(
    "bad",
    [None, "", "short", "A" * 65, "has space", "tab\there", "new\nline", "é" * 10, "<b>x</b>"],
)
def test_anything_else_is_replaced(bad):
    fresh = accepted_or_new(bad)
    assert re.fullmatch(r"[0-9a-f]{32}", fresh) and fresh != bad


def test_scrub_removes_tokens_numbers_addresses_and_sql_values():
    line = (
        "GET /lacak/KSL-ABC234?t=SeCrEtToKeN123 by siti.aminah@example.org 0812 3456 7890 "
        "/staf/undangan/InViTeToKeN999\n[SQL: INSERT INTO x VALUES (?)]\n"
        "[parameters: ('siti@example.org', '081234567890')]\nDETAIL: Key (email)=(a@b.org)"
    )
    cleaned = scrub(line)
    for gone in ("SeCrEtToKeN123", "siti.aminah@", "0812 3456 7890", "InViTeToKeN999", "a@b.org"):
        assert gone not in cleaned
    assert "s…@example.org" in cleaned and "[parameters: dropped]" in cleaned
    assert "KSL-ABC234" in cleaned  # tracking codes are no secret


def record(message: str, **extra) -> logging.LogRecord:
    made = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, message, (), None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_fields_and_nothing_else():
    token = bind("req-0000-1111")
    try:
        made = record("sent to +62 812-3456-7890", route="/q/<payload>", email="x@y.org")
        RequestIdFilter().filter(made)
    finally:
        unbind(token)
    line = json.loads(JsonFormatter().format(made))
    assert line["request_id"] == "req-0000-1111" and line["route"] == "/q/<payload>"
    assert line["level"] == "WARNING" and line["logger"] == "portal.x"
    assert "email" not in line and "7890" not in line["message"]
    try:
        raise ValueError("for siti@example.org")
    except ValueError:
        failed = record("boom", exc_info=sys.exc_info())
    line = json.loads(JsonFormatter().format(failed))
    assert "ValueError" in line["exception"] and "siti@" not in line["exception"]
    assert line["request_id"] is None


def test_the_text_line_shows_the_request_id_or_a_dash():
    assert "[-]: hello" in TextFormatter().format(record("hello"))
    made = record("hello", request_id="abcd1234")
    assert "portal.x [abcd1234]: hello" in TextFormatter().format(made)


def test_bearer_tokens():
    assert bearer_token_matches("Bearer s3cret", "s3cret")
    assert bearer_token_matches("bearer  s3cret ", "s3cret")
    for header in ("", "Bearer", "Basic s3cret", "Bearer s3cre", "Bearer s3cretx", "s3cret"):
        assert not bearer_token_matches(header, "s3cret")


def test_json_logconfig_only_in_json_mode(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert gunicorn_hooks.json_logconfig() is None
    assert gunicorn_hooks.json_logconfig("text") is None
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = gunicorn_hooks.json_logconfig()
    assert config["formatters"]["json"]["()"] == "portal.observability.json_logs.JsonFormatter"
    assert config["loggers"]["gunicorn.error"]["propagate"] is False
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["discard"]  # it has the IP
    # What dictConfig will import by that name, in gunicorn's master, is the JSON formatter.
    factory = logging.config.BaseConfigurator({}).resolve(config["formatters"]["json"]["()"])
    assert factory is JsonFormatter


def test_the_multiprocess_folder_is_emptied_and_dead_workers_marked(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    monkeypatch.delenv(gunicorn_hooks.MULTIPROC_ENV, raising=False)
    gunicorn_hooks.on_starting(None)  # without the variable: nothing
    assert not folder.exists()
    monkeypatch.setenv(gunicorn_hooks.MULTIPROC_ENV, str(folder))
    gunicorn_hooks.on_starting(None)
    assert folder.is_dir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "gauge_livesum_4242.db").write_bytes(b"x")
    (folder / "sub").mkdir()
    gunicorn_hooks.child_exit(None, SimpleNamespace(pid=4242))
    assert not (folder / "gauge_livesum_4242.db").exists()
    assert (folder / "counter_123.db").exists()  # a dead worker's counts stay counted
    gunicorn_hooks.on_starting(None)
    assert list(folder.iterdir()) == []


def test_scrub_drops_the_values_postgresql_quotes():
    line = (
        '(psycopg.errors.NumericValueOutOfRange) value "081299998888777" is out of range for '
        "type integer\nCONTEXT:  unnamed portal parameter $1 = 'Bu Sari'\n"
        'invalid input syntax for type date: "rumah "Bu Sari" kemarin"'
    )
    cleaned = scrub(line)
    assert "Bu Sari" not in cleaned and "8888" not in cleaned and "kemarin" not in cleaned
    assert 'value "[dropped]" is out of range' in cleaned and "CONTEXT: [dropped]" in cleaned
