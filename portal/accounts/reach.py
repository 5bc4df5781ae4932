"""How far a staff account reaches: everything, one region, one agency, one unit, or nothing.

This is the one answer to "who may see what". The case queue and case look-up, hints and
counts, e-mail recipients, posters, dashboards, response templates and the routing editor
all ask `reach_of(user)` and never read a role's scope columns themselves, so a new role or
a new kind of scope is written here once. What a role may *do* within its reach (verify,
print, edit the routing file) is a separate question, answered by each feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, false, true

from portal.accounts import roles
from portal.routing.engine import Router
from portal.routing.model import Agency, Region, Unit

EVERYTHING = "everything"
REGION = "region"
AGENCY = "agency"
UNIT = "unit"
NOTHING = "nothing"


@dataclass(frozen=True)
class Reach:
    level: str
    region_id: str | None = None
    agency_id: str | None = None
    unit_id: str | None = None

    @property
    def everything(self) -> bool:
        return self.level == EVERYTHING

    @property
    def nothing(self) -> bool:
        return self.level == NOTHING

    def covers(self, region_id: str | None, agency_id: str | None, unit_id: str | None) -> bool:
        """Whether a case or service point at these IDs is within reach (in memory)."""
        if self.level == EVERYTHING:
            return True
        if self.level == REGION:
            return region_id == self.region_id
        if self.level == AGENCY:
            return agency_id == self.agency_id
        if self.level == UNIT:
            return (agency_id, unit_id) == (self.agency_id, self.unit_id)
        return False

    def covers_region(self, region_id: str | None) -> bool:
        """Whether the whole region is within reach (its recap, its part of the routing)."""
        return self.level == EVERYTHING or (self.level == REGION and region_id == self.region_id)

    def condition(self, region_col, agency_col, unit_col) -> ColumnElement[bool]:
        """The same test as `covers`, as SQL over a table's region/agency/unit columns."""
        if self.level == EVERYTHING:
            return true()
        if self.level == REGION:
            return region_col == self.region_id
        if self.level == AGENCY:
            return agency_col == self.agency_id
        if self.level == UNIT:
            return and_(agency_col == self.agency_id, unit_col == self.unit_id)
        return false()

    def filter(self, stmt: Select, region_col, agency_col, unit_col) -> Select:
        """`stmt` limited to what is within reach; unchanged (no `WHERE true`) for everything,
        so the super admin's queries keep their plans."""
        if self.level == EVERYTHING:
            return stmt
        return stmt.where(self.condition(region_col, agency_col, unit_col))

    # --- the organisation within reach, for choices on pages ------------------------------

    def regions(self, router: Router) -> tuple[Region, ...]:
        """Regions with anything within reach (an officer's is their agency's region)."""
        if self.level == EVERYTHING:
            return router.regions
        region_id = self.region_id
        if self.level in (AGENCY, UNIT):
            agency = self._own_agency(router)
            region_id = agency.region_id if agency else None
        region = router.region(region_id) if region_id else None
        return (region,) if region is not None and region.id == region_id else ()

    def agencies(self, router: Router) -> tuple[Agency, ...]:
        """Agencies with anything within reach, in file order."""
        if self.level in (EVERYTHING, REGION):
            return tuple(a for r in self.regions(router) for a in r.agencies)
        if self.level in (AGENCY, UNIT):
            agency = self._own_agency(router)
            return (agency,) if agency is not None else ()
        return ()

    def _own_agency(self, router: Router) -> Agency | None:
        """The account's agency by its exact ID: an old (aliased) ID would offer another
        agency's choices, which `covers` would then refuse."""
        agency = router.agency(self.agency_id or "")
        return agency if agency is not None and agency.id == self.agency_id else None

    def units(self, router: Router) -> tuple[tuple[Agency, Unit], ...]:
        """(agency, unit) pairs within reach, in file order."""
        return tuple(
            (agency, unit)
            for agency in self.agencies(router)
            for unit in agency.units
            if self.level != UNIT or unit.id == self.unit_id
        )


NO_REACH = Reach(NOTHING)


def reach_of(user) -> Reach:
    """The reach of a staff account; an account missing the scope its role needs reaches
    nothing (never everything)."""
    role = getattr(user, "role", None)
    if role == roles.SUPER_ADMIN:
        return Reach(EVERYTHING)
    if role in (roles.REGIONAL_ADMIN, roles.LEADER) and user.region_id:
        return Reach(REGION, region_id=user.region_id)
    if role == roles.AGENCY_OFFICER and user.agency_id:
        return Reach(AGENCY, agency_id=user.agency_id)
    if role == roles.UNIT_OFFICER and user.agency_id and user.unit_id:
        return Reach(UNIT, agency_id=user.agency_id, unit_id=user.unit_id)
    return NO_REACH
