"""The recap table as CSV: the same rows and figures as the page (figures.rounded)."""

from __future__ import annotations

import io

from portal.csv_safe import write_csv
from portal.dashboard.figures import COLUMNS, rounded
from portal.dashboard.overview import Overview

# Column names a leader reads in a spreadsheet; figures.COLUMNS gives their order.
COLUMN_NAMES = {
    "received": "masuk",
    "handled": "ditangani",
    "resolved": "selesai",
    "resolved_pct": "persen_selesai",
    "answered_on_time": "tepat_waktu",
    "on_time_pct": "persen_tepat_waktu",
    "response_median": "median_hari_tanggapan_pertama",
    "response_mean": "rata_rata_hari_tanggapan_pertama",
    "completion_median": "median_hari_selesai",
    "completion_mean": "rata_rata_hari_selesai",
    "overdue_now": "terlambat_saat_ini",
    "rating_mean": "rata_rata_nilai",
}
HEADER = (
    "daerah",
    "tingkat",  # daerah | instansi | unit
    "id",
    "nama",
    "periode_dari",
    "periode_sampai",
    *(COLUMN_NAMES[c] for c in COLUMNS),
)


def overview_csv(overview: Overview) -> str:
    level = "unit" if overview.agency_id else "instansi"
    first, last = overview.period.first.strftime("%Y-%m"), overview.period.last.strftime("%Y-%m")
    total_id = overview.agency_id or overview.region.id
    total_level = "instansi" if overview.agency_id else "daerah"
    total_name = next(
        (a.name for a in overview.region.agencies if a.id == overview.agency_id),
        overview.region.name,
    )

    def line(lvl: str, ident: str, name: str, figures) -> list:
        values = rounded(figures)
        return [overview.region.id, lvl, ident, name, first, last, *(values[c] for c in COLUMNS)]

    rows = [line(total_level, total_id, total_name, overview.total)]
    rows += [line(level, g.id, g.name, g.figures) for g in overview.groups]
    out = io.StringIO()
    write_csv(out, HEADER, rows)
    return out.getvalue()
