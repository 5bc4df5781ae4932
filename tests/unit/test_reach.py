"""How far each kind of account reaches, asked once (`reach_of`) and answered alike in
memory, in SQL and as the organisation a page offers."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import column, select, table

from portal.accounts.reach import reach_of
from portal.routing.loader import load_router

ROOT = Path(__file__).resolve().parents[2]
ROUTER = load_router(ROOT / "routing_rules.yaml")
T = table("t", column("region_id"), column("agency_id"), column("unit_id"))


def user(role, region=None, agency=None, unit=None):
    return SimpleNamespace(role=role, region_id=region, agency_id=agency, unit_id=unit)


SUPER = user("super-admin")
ADMIN = user("regional-admin", "kalsel")
LEADER = user("leader", "kalsel")
AGENCY = user("agency-officer", "kalsel", "rsud-ulin")
UNIT = user("unit-officer", "kalsel", "rsud-ulin", "poli-umum")

ULIN_POLI = ("kalsel", "rsud-ulin", "poli-umum")
ULIN_IGD = ("kalsel", "rsud-ulin", "igd")
OTHER_AGENCY_SAME_REGION = ("kalsel", "inspektorat-kalsel", "irban-1")
OTHER_REGION = ("hst", "rsud-damanhuri", "igd")


@pytest.mark.parametrize(
    ("account", "inside", "outside"),
    [
        (SUPER, [ULIN_POLI, ULIN_IGD, OTHER_AGENCY_SAME_REGION, OTHER_REGION], []),
        (ADMIN, [ULIN_POLI, ULIN_IGD, OTHER_AGENCY_SAME_REGION], [OTHER_REGION]),
        (LEADER, [ULIN_POLI, OTHER_AGENCY_SAME_REGION], [OTHER_REGION]),
        (AGENCY, [ULIN_POLI, ULIN_IGD], [OTHER_AGENCY_SAME_REGION, OTHER_REGION]),
        (UNIT, [ULIN_POLI], [ULIN_IGD, OTHER_AGENCY_SAME_REGION, OTHER_REGION]),
    ],
)
def test_covers(account, inside, outside):
    reach = reach_of(account)
    assert all(reach.covers(*ids) for ids in inside)
    assert not any(reach.covers(*ids) for ids in outside)


@pytest.mark.parametrize(
    "account",
    [
        user("regional-admin"),  # a regional admin without a region
        user("leader"),
        user("agency-officer", "kalsel"),  # an officer without an agency
        user("unit-officer", "kalsel", "rsud-ulin"),  # a unit officer without a unit
        user("citizen", "kalsel", "rsud-ulin", "poli-umum"),  # not a staff role
        user(None),
    ],
)
def test_missing_scope_reaches_nothing_never_everything(account):
    reach = reach_of(account)
    assert reach.nothing
    assert not reach.covers(*ULIN_POLI)
    assert not reach.covers_region("kalsel")
    assert reach.regions(ROUTER) == reach.agencies(ROUTER) == reach.units(ROUTER) == ()
    sql = str(select(T).where(reach.condition(T.c.region_id, T.c.agency_id, T.c.unit_id)))
    assert "false" in sql.lower() or "1 != 1" in sql


def test_covers_region_only_for_whole_regions():
    assert reach_of(SUPER).covers_region("hst")
    assert reach_of(ADMIN).covers_region("kalsel") and not reach_of(ADMIN).covers_region("hst")
    assert not reach_of(AGENCY).covers_region("kalsel")  # an agency is not the whole region
    assert not reach_of(UNIT).covers_region("kalsel")


def _where(account) -> str:
    stmt = reach_of(account).filter(select(T), T.c.region_id, T.c.agency_id, T.c.unit_id)
    return str(stmt.compile(compile_kwargs={"literal_binds": True})).split("WHERE", 1)[-1]


def test_sql_says_what_covers_says():
    assert "WHERE" not in str(reach_of(SUPER).filter(select(T), *T.c))  # no `WHERE true`
    assert _where(ADMIN).strip() == "t.region_id = 'kalsel'"
    assert _where(AGENCY).strip() == "t.agency_id = 'rsud-ulin'"
    assert _where(UNIT).strip() == "t.agency_id = 'rsud-ulin' AND t.unit_id = 'poli-umum'"


def test_the_organisation_within_reach():
    def ids(items):
        return [x.id for x in items]

    assert ids(reach_of(SUPER).regions(ROUTER)) == [x.id for x in ROUTER.regions]
    assert ids(reach_of(ADMIN).regions(ROUTER)) == ["kalsel"]
    assert ids(reach_of(AGENCY).regions(ROUTER)) == ["kalsel"]  # the agency's region
    kalsel = ROUTER.region("kalsel")
    assert ids(reach_of(LEADER).agencies(ROUTER)) == [a.id for a in kalsel.agencies]
    assert ids(reach_of(AGENCY).agencies(ROUTER)) == ["rsud-ulin"]
    assert ids(reach_of(UNIT).agencies(ROUTER)) == ["rsud-ulin"]
    ulin = ROUTER.agency("rsud-ulin")
    assert [u.id for _a, u in reach_of(AGENCY).units(ROUTER)] == [u.id for u in ulin.units]
    assert [(a.id, u.id) for a, u in reach_of(UNIT).units(ROUTER)] == [("rsud-ulin", "poli-umum")]


def test_an_unknown_agency_reaches_no_organisation_but_its_own_cases():
    """An officer of an agency a later routing file removed still sees its old cases."""
    reach = reach_of(user("agency-officer", "kalsel", "dinas-lama"))
    assert reach.regions(ROUTER) == () and reach.agencies(ROUTER) == ()
    assert reach.covers("kalsel", "dinas-lama", "x")


# Every scope decision asks reach_of(); nobody else reads an account's scope columns.
SCOPE_READ = re.compile(r"\b(?:current_user|user)\.(?:region_id|agency_id|unit_id)\b")
# portal/audit/record.py copies an account's own place into its audit entry (the entry is
# then scoped by reach_of like everything else): a record, not a decision about access.
ALLOWED = {
    "portal/accounts/reach.py",
    "portal/accounts/services.py",
    "portal/accounts/cli.py",
    # The account pages' services: they set the scope columns (and show them as chosen).
    "portal/accounts/administration.py",
    "portal/audit/record.py",
}


def test_only_the_accounts_package_reads_scope_columns():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in ALLOWED
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if SCOPE_READ.search(line)
    ]
    templates = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if SCOPE_READ.search(line)
    ]
    assert not offenders + templates, "ask portal.accounts.reach.reach_of(user) instead"


def test_an_old_agency_id_offers_no_other_agencys_choices():
    """After a merger the absorbed agency's ID is an alias of the live one: an account still
    tied to the old ID must not be offered (or allowed to edit) the live agency's templates
    and filters, since `covers` would refuse that agency's cases."""
    from portal.routing.loader import compile_text

    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    marker = "      - id: rsud-ulin\n"
    assert marker in text
    merged = compile_text(text.replace(marker, marker + "        aliases: [rsud-lama]\n", 1))
    assert merged.agency("rsud-lama").id == "rsud-ulin"  # the alias is live
    reach = reach_of(user("agency-officer", "kalsel", "rsud-lama"))
    assert reach.agencies(merged) == () and reach.units(merged) == ()
    assert reach.regions(merged) == ()
    assert not reach.covers("kalsel", "rsud-ulin", "poli-umum")
