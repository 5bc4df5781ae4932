"""Issue 15 attacked: bad rows, races and routes the features' own tests did not try."""

from __future__ import annotations

from datetime import date

import pytest

from portal.cases.sla import tick
from portal.complaints import status as s
from tests.functional.test_holds import at, citizen_mail, held_case, load

# --- the hold tick and a case whose stored clocks cannot be read ---------------------------


@pytest.mark.parametrize(
    "garbage", ["not json", "[]", '{"hold": 0}', '{"hold": "ten"}', '{"unknown_key": 1}']
)
def test_a_held_case_with_unreadable_clocks_does_not_stop_the_tick(app, router, caplog, garbage):
    broken = held_case(clocks_json=garbage)
    fine = held_case()
    broken_code, fine_code, fine_id = broken.tracking_code, fine.tracking_code, fine.id

    result = tick(router, now=at(date(2026, 4, 20)))

    # The readable case ends as it should; the broken one is left as it was and named in
    # the log, for someone to repair, instead of every region's tick failing on it.
    assert result.holds_resumed == 1
    assert load(fine_code).status == s.VERIFIED
    assert len(citizen_mail("hold_expired", fine_id)) == 1
    assert load(broken_code).status == s.ON_HOLD
    assert broken_code in caplog.text or str(broken.id) in caplog.text
