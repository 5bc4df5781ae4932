"""The recap's figures for one group of cases, and how they add up.

Definitions (the README's "Dasbor pimpinan" repeats them for leaders):
- received: reports filed in the period; handled: received minus those rejected (spam,
  duplicate) or forwarded elsewhere, which the region is not answerable for;
- resolved share: closed after an answer, out of handled;
- on-time share: answered by the follow-up deadline, out of the answered ones plus those
  still unanswered after their deadline (so letting a case rot lowers it, not raises it);
- days to first response and to completion: working days, hold time left out, median and
  mean over the cases that got there;
- overdue now: open cases past their running deadline today, whatever the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from portal.dashboard import histogram


@dataclass
class Figures:
    received: int = 0
    excluded: int = 0
    resolved: int = 0
    answered: int = 0
    answered_on_time: int = 0
    late_unanswered: int = 0
    rated: int = 0
    rating_sum: int = 0
    overdue_now: int = 0
    response: Counter[int] = field(default_factory=Counter)
    completion: Counter[int] = field(default_factory=Counter)

    @classmethod
    def of_recap_row(cls, row) -> Figures:
        """One stats_monthly row (any object with its column names), histograms decoded."""
        return cls(
            received=row.received,
            excluded=row.excluded,
            resolved=row.resolved,
            answered=row.answered,
            answered_on_time=row.answered_on_time,
            rated=row.rated,
            rating_sum=row.rating_sum,
            response=histogram.decode(row.response_hist),
            completion=histogram.decode(row.completion_hist),
        )

    def add(self, other: Figures) -> None:
        self.received += other.received
        self.excluded += other.excluded
        self.resolved += other.resolved
        self.answered += other.answered
        self.answered_on_time += other.answered_on_time
        self.late_unanswered += other.late_unanswered
        self.rated += other.rated
        self.rating_sum += other.rating_sum
        self.overdue_now += other.overdue_now
        if other.response:
            self.response.update(other.response)
        if other.completion:
            self.completion.update(other.completion)

    @property
    def handled(self) -> int:
        return self.received - self.excluded

    @property
    def resolved_share(self) -> float | None:
        return _share(self.resolved, self.handled)

    @property
    def on_time_share(self) -> float | None:
        return _share(self.answered_on_time, self.answered + self.late_unanswered)

    @property
    def response_median(self) -> float | None:
        return histogram.median(self.response)

    @property
    def response_mean(self) -> float | None:
        return histogram.mean(self.response)

    @property
    def completion_median(self) -> float | None:
        return histogram.median(self.completion)

    @property
    def completion_mean(self) -> float | None:
        return histogram.mean(self.completion)

    @property
    def rating_mean(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def empty(self) -> bool:
        """No report filed in the period (cases overdue today may still exist)."""
        return self.received == 0


def _share(part: int, whole: int) -> float | None:
    """None, not 0 and never a ZeroDivisionError, when there is nothing to divide."""
    return part / whole if whole > 0 else None


# The columns of the table, in order, as (key, value getter): shared by the page's table,
# the CSV export and the public page, so the three cannot show different figures.
COLUMNS: tuple[str, ...] = (
    "received",
    "handled",
    "resolved",
    "resolved_pct",
    "answered_on_time",
    "on_time_pct",
    "response_median",
    "response_mean",
    "completion_median",
    "completion_mean",
    "overdue_now",
    "rating_mean",
)


def rounded(f: Figures) -> dict[str, int | float | None]:
    """The figures as shown: shares in percent and days to one decimal, ratings to two."""

    def r1(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "received": f.received,
        "handled": f.handled,
        "resolved": f.resolved,
        "resolved_pct": r1(None if f.resolved_share is None else f.resolved_share * 100),
        "answered_on_time": f.answered_on_time,
        "on_time_pct": r1(None if f.on_time_share is None else f.on_time_share * 100),
        "response_median": r1(f.response_median),
        "response_mean": r1(f.response_mean),
        "completion_median": r1(f.completion_median),
        "completion_mean": r1(f.completion_mean),
        "overdue_now": f.overdue_now,
        "rating_mean": None if f.rating_mean is None else round(f.rating_mean, 2),
    }
