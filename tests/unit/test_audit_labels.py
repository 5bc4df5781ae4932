"""Every action the trail records has a label and a group, and a detail reads as words."""

from __future__ import annotations

import json

import pytest

from portal.audit import actions, labels
from portal.audit.models import AuditEntry

TARGET_KINDS = {"USER", "ROUTING", "CASES", "API_KEY", "ABUSE", "AUDIT"}
ACTIONS = [
    value
    for name, value in vars(actions).items()
    if name.isupper() and isinstance(value, str) and name not in TARGET_KINDS
]


@pytest.fixture
def page(app):
    """A request in Indonesian, as the page's (labels are translated for a reader)."""
    with app.test_request_context("/staf/jejak-audit/"):
        yield


def test_the_list_of_actions_is_read_from_actions_py():
    assert actions.SIGN_IN in ACTIONS and actions.AUDIT_EXPORTED in ACTIONS
    assert actions.USER not in ACTIONS


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_has_a_label_and_exactly_one_group(page, action):
    assert action in labels.ACTION_LABELS, f"add a label for {action!r} to portal/audit/labels.py"
    assert labels.action_label(action) != action
    groups = [
        key
        for key, (_label, prefixes) in labels.GROUPS.items()
        if any(action.startswith(p) for p in prefixes)
    ]
    assert len(groups) == 1, (action, groups)


def _entry(**fields) -> AuditEntry:
    return AuditEntry(**{"action": actions.ACCOUNT_CHANGED, "detail_json": "{}", **fields})


def test_a_detail_reads_as_labelled_words(page):
    detail = {
        "codes": ["KSL-AAAAAA", "KSL-BBBBBB"],
        "count": 2,
        "regions": [],
        "role": ["unit-officer", "agency-officer"],
        "something_new": True,
        "action": "quarantine",
        "filters": {},
    }
    entry = _entry(detail_json=json.dumps(detail, sort_keys=True))
    assert labels.detail(entry) == [
        ("Tindakan", "Karantina"),
        ("Kode laporan", "KSL-AAAAAA, KSL-BBBBBB"),  # a collection, not a change
        ("Jumlah", "2"),
        ("Filter", "—"),
        ("Wilayah", "semua wilayah"),
        ("Peran", "unit-officer → agency-officer"),
        ("something_new", "ya"),  # a key this list does not know yet: shown as stored
    ]
    assert labels.detail_line(_entry(detail_json='{"note": "a"}')) == "Catatan: a"
    assert labels.detail(_entry(detail_json="not json")) == [("", "not json")]


def test_who_and_what(page):
    assert labels.who(_entry(actor_email="cli:root")) == "baris perintah (cli:root)"
    assert labels.who(_entry(actor_email=None)) == "tidak dikenal"
    assert labels.who(_entry(actor_email="a@example.org")) == "a@example.org"
    assert labels.target(_entry(target_kind="routing", target_id="4")) == "versi 4"
    abuse = _entry(target_kind="abuse", target_id="9", target_label="phone")
    assert labels.target(abuse) == "Nomor telepon #9"
    assert labels.action_label("something.new") == "something.new"
