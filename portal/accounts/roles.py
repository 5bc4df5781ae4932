"""Staff roles (the values of `users create --role`) and the scope each one needs."""

SUPER_ADMIN = "super-admin"
REGIONAL_ADMIN = "regional-admin"
AGENCY_OFFICER = "agency-officer"
UNIT_OFFICER = "unit-officer"
LEADER = "leader"

ROLES: tuple[str, ...] = (SUPER_ADMIN, REGIONAL_ADMIN, AGENCY_OFFICER, UNIT_OFFICER, LEADER)

# Which of region/agency/unit an account of each role must be tied to.
REQUIRED_SCOPE: dict[str, tuple[str, ...]] = {
    SUPER_ADMIN: (),
    REGIONAL_ADMIN: ("region",),
    LEADER: ("region",),
    AGENCY_OFFICER: ("agency",),
    UNIT_OFFICER: ("agency", "unit"),
}
