"""The retry schedule (pure): waits double from a minute to an hour, and a row is given up
once it has been retried for the give-up age along the schedule, or at the optional cap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.outbox.backoff import DEFAULT_SCHEDULE, RetrySchedule, backoff, tried_for

HOUR = timedelta(hours=1)


def test_waits_double_from_a_minute_and_stop_at_an_hour():
    assert [backoff(n) / timedelta(minutes=1) for n in (1, 2, 3, 6, 7, 8, 100, 10**6)] == [
        1,
        2,
        4,
        32,
        60,
        60,
        60,
        60,
    ]


def test_tried_for_is_the_sum_of_the_waits_before_an_attempt():
    assert tried_for(1) == timedelta(0)  # the first attempt starts the series
    assert tried_for(2) == timedelta(minutes=1)
    assert tried_for(7) == timedelta(minutes=63)  # 1 + 2 + 4 + 8 + 16 + 32
    assert tried_for(12) == timedelta(hours=6, minutes=3)
    for n in range(1, 200):
        assert tried_for(n + 1) - tried_for(n) == backoff(n)


def test_by_default_a_row_is_retried_for_three_days_not_six_hours():
    assert not DEFAULT_SCHEDULE.gives_up(12)  # the old limit
    assert not DEFAULT_SCHEDULE.gives_up(77)
    assert DEFAULT_SCHEDULE.gives_up(78)
    allowed = DEFAULT_SCHEDULE.attempts_allowed()
    assert allowed == 78
    # The last attempt starts at least 72 hours after the first: an outage of up to three
    # days loses nothing; one attempt earlier it would have been under 72 hours.
    assert tried_for(allowed) >= 72 * HOUR > tried_for(allowed - 1)


@pytest.mark.parametrize("hours", [0.01, 1, 6, 24, 72, 168, 2160])
def test_the_give_up_age_is_honoured_for_any_setting(hours):
    schedule = RetrySchedule(give_up_after=hours * HOUR)
    allowed = schedule.attempts_allowed()
    assert tried_for(allowed) >= hours * HOUR
    assert allowed == 1 or tried_for(allowed - 1) < hours * HOUR
    assert all(not schedule.gives_up(n) for n in range(1, allowed))


def test_a_cap_on_attempts_gives_up_first_when_it_is_reached_first():
    capped = RetrySchedule(give_up_after=72 * HOUR, max_attempts=12)
    assert not capped.gives_up(11) and capped.gives_up(12)
    assert capped.attempts_allowed() == 12
    # A short age wins over a generous cap.
    short = RetrySchedule(give_up_after=HOUR, max_attempts=50)
    assert short.attempts_allowed() == 7  # the 7th attempt starts 63 minutes in
