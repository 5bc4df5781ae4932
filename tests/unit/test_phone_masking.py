"""Phone numbers inside free text (log lines, provider errors) are masked; nothing else is."""

from __future__ import annotations

import pytest

from portal.cases.message_state import (
    DELIVERED,
    FAILED,
    NOT_SENT,
    READ,
    SENT,
    WAITING,
    delivery_state,
    reason_for,
)
from portal.phone_numbers import mask_numbers_in


@pytest.mark.parametrize(
    "typed",
    [
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "62 812 3456 7890",
        "0812-3456-7890",
        "0812 3456 7890",
        "081234567890",
    ],
)
def test_every_way_of_writing_a_number_is_masked_to_the_same_text(typed):
    assert mask_numbers_in(f"send to {typed} failed") == "send to 62…890 failed"
    assert mask_numbers_in(f"to={typed}") == "to=62…890"
    assert mask_numbers_in(f"from=%2B{typed.lstrip('+')}") == "from=%2B62…890"
    assert mask_numbers_in(typed) == "62…890"


@pytest.mark.parametrize(
    "text",
    [
        "case KSL-7K3Q9M row 6212 attempt 3",
        "2026-12-02 06:15:41,123 INFO portal.outbox.worker: batch of 62",
        "2026-08-14T08:12:34+08:00",
        "took 0.0812345678 s",
        "batch 20261202061541 message 123456789012",
        "from 10.62.81.234 port 62812",
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ",
        "<20261202.6281234567890.abc@aduan.example.go.id>x",
        "id 62811500017081234567",  # 20 digits: no phone number
        "0511 3300 1709 is a landline, printed on posters",
    ],
)
def test_codes_ids_timestamps_and_other_digits_are_left_alone(text):
    assert mask_numbers_in(text) == text


def test_a_number_followed_by_a_short_count_keeps_the_count():
    assert mask_numbers_in("0812-3456-7890 12 attempts") == "62…890 12 attempts"
    assert mask_numbers_in("a 0812 3456 7890, b +62 813-1111-2222.") == "a 62…890, b 62…222."


def test_delivery_states_in_the_words_of_the_case_page():
    assert delivery_state("pending").key == WAITING
    assert delivery_state("sending", attempts=2, last_error="HTTP 503").reason == "HTTP 503"
    assert delivery_state("pending", attempts=0, last_error="old").reason is None
    assert delivery_state("sent").key == SENT
    assert delivery_state("sent", delivery_status="sent").key == SENT
    assert delivery_state("sent", delivery_status="delivered").key == DELIVERED
    assert delivery_state("sent", delivery_status="read").key == READ
    failed = delivery_state("sent", delivery_status="failed", delivery_error="131026")
    assert (failed.key, failed.reason, failed.resendable) == (FAILED, "131026", False)
    dead = delivery_state("dead", last_error="template_missing", attempts=4)
    assert (dead.key, dead.reason, dead.resendable) == (FAILED, "template_missing", True)
    assert delivery_state("stale").key == NOT_SENT


def test_a_reason_hides_the_recipient_from_who_may_not_see_it():
    reason = "550 5.1.1 <siti@example.org>: unknown; also 0812-3456-7890"
    assert reason_for(reason, "siti@example.org", True) == reason
    hidden = reason_for(reason, "siti@example.org", False)
    assert "siti@example.org" not in hidden and "3456" not in hidden
    assert hidden == "550 5.1.1 <…>: unknown; also 62…890"
    assert reason_for(None, "x", False) is None
