"""Every kind of mistake an admin can make in routing_rules.yaml is reported with its line."""

from __future__ import annotations

import textwrap

import pytest

from portal.routing.loader import compile_text, load_router
from portal.routing.model import RoutingFileError
from qr.shortcode import short_code

BASE = """\
version: 1
categories:
  - {id: perilaku-petugas, name: Perilaku petugas}
  - {id: lainnya, name: Lainnya}
regions:
  - id: kalsel
    name: Provinsi Kalimantan Selatan
    prefix: KSL
    timezone: Asia/Makassar
    agencies:
      - id: inspektorat-kalsel
        name: Inspektorat Provinsi Kalimantan Selatan
        units:
          - id: irban-khusus
            name: Inspektur Pembantu Khusus
      - id: rsud-ulin
        name: RSUD Ulin Banjarmasin
        units:
          - id: poli-umum
            name: Poli Umum
            services:
              - id: pendaftaran
                name: Pendaftaran Pasien
"""


def issues_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RoutingFileError) as caught:
        compile_text(textwrap.dedent(text), "test.yaml")
    assert all(issue.file == "test.yaml" for issue in caught.value.issues)
    return [(issue.line, issue.message) for issue in caught.value.issues]


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of `needle`."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def test_base_snippet_is_valid():
    assert compile_text(BASE).summary()["services"] == 1


# --- whole-file problems ------------------------------------------------------------------


def test_yaml_syntax_error_reports_the_parser_line():
    text = BASE + "    rules: [\n      unclosed: {\n"
    [(line, message)] = issues_of(text)
    assert message.startswith("YAML syntax:")
    assert line >= line_with(text, "rules: [")


def test_duplicate_yaml_key_is_a_syntax_issue_on_its_line():
    text = BASE.replace("    prefix: KSL\n", "    prefix: KSL\n    prefix: KSS\n")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "prefix: KSS")
    assert "duplicate key" in message


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file_is_an_error(text):
    assert issues_of(text) == [
        (1, "the file is empty; it needs at least 'version', 'categories', 'regions'")
    ]


def test_top_level_must_be_a_mapping():
    [(line, message)] = issues_of("- id: kalsel\n- id: hst\n")
    assert line == 1
    assert message == "the top level of the file must be a mapping (key: value lines), not a list"


def test_unsupported_version():
    text = BASE.replace("version: 1", "version: 2")
    assert issues_of(text) == [(1, "unsupported schema version 2 (this portal reads version 1)")]


def test_missing_top_level_keys():
    assert issues_of("version: 1\n") == [
        (1, "missing required key 'categories' in the top level"),
        (1, "missing required key 'regions' in the top level"),
    ]


def test_missing_file_is_reported_not_raised_as_oserror(tmp_path):
    with pytest.raises(RoutingFileError) as caught:
        load_router(tmp_path / "nope.yaml")
    [issue] = caught.value.issues
    assert (issue.line, issue.message) == (0, "routing file not found")
    assert issue.file.endswith("nope.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\ncategories: null\nregions: [1, 2]\n",
        "version: 1\ncategories: [x]\nregions: [{id: 5}]\n",
        "version: 1\ncategories: {}\nregions: [{agencies: [{units: [{services: [null]}]}]}]\n",
        "version: 1\ncategories: []\nregions: [{id: a, rules: [{when: [], route_to: 3}]}]\n",
        "version: true\ncategories: []\nregions: 'all of them'\n",
        "version: 1\ncategories: []\nregions: []\nholidays: [{date: [2025]}, {date: 1}]\n",
        "42\n",
        "!!binary aGVsbG8=\n",
        "a: &x [*x]\n",
    ],
)
def test_garbage_never_raises_anything_but_routing_file_error(text):
    assert issues_of(text)


# --- keys and types -----------------------------------------------------------------------


def test_unknown_key_suggests_the_closest_one():
    text = BASE.replace("            services:", "            servces:")
    assert issues_of(text) == [
        (
            line_with(text, "servces"),
            "unknown key 'servces' in unit 'poli-umum' in agency 'rsud-ulin'; "
            "did you mean 'services'?",
        )
    ]


def test_unknown_key_without_close_match_lists_allowed_keys():
    text = BASE.replace("    prefix: KSL\n", "    prefix: KSL\n    bupati: Pak Budi\n")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "bupati")
    assert message.startswith("unknown key 'bupati' in region 'kalsel' (allowed: id, name,")


def test_missing_required_key_points_at_the_entry():
    text = BASE + "          - id: igd\n            services: []\n"
    assert issues_of(text) == [
        (
            line_with(text, "- id: igd"),
            "missing required key 'name' in unit 'igd' in agency 'rsud-ulin'",
        )
    ]


def test_wrong_type_of_list():
    text = BASE.split("      - id: rsud-ulin")[0] + (
        "      - id: rsud-ulin\n        name: RSUD Ulin Banjarmasin\n        units: poli-umum\n"
    )
    assert issues_of(text) == [
        (
            line_with(text, "units: poli-umum"),
            "'units' of agency 'rsud-ulin' must be a list, not text",
        )
    ]


def test_list_item_that_is_not_a_mapping():
    text = BASE + "          - igd\n"
    assert issues_of(text) == [
        (
            line_with(text, "- igd"),
            "unit #2 of agency 'rsud-ulin' must be a mapping with 'id', not text",
        )
    ]


def test_number_where_text_is_expected_suggests_quotes():
    text = BASE.replace("name: Poli Umum", "name: 2024")
    assert issues_of(text) == [
        (
            line_with(text, "name: 2024"),
            "'name' of unit 'poli-umum' in agency 'rsud-ulin' must be text (put it in quotes), "
            "not a number",
        )
    ]


@pytest.mark.parametrize("bad", ["Poli-Umum", "poli_umum", "-poli", "x" * 41, "poli umum"])
def test_bad_slug(bad):
    text = BASE.replace("id: poli-umum", f"id: {bad}")
    [(line, message), *_] = issues_of(text)
    assert line == line_with(text, f"id: {bad}")
    assert message.startswith(f"invalid id '{bad}' for a unit in agency 'rsud-ulin': use a-z")


# --- duplicates ---------------------------------------------------------------------------


def test_duplicate_unit_id_names_the_first_line():
    text = BASE + "          - id: poli-umum\n            name: Poli Umum Lama\n"
    first = line_with(text, "id: poli-umum")
    assert issues_of(text) == [
        (
            line_with(text, "id: poli-umum", 2),
            f"duplicate unit id 'poli-umum' in agency 'rsud-ulin' (first at line {first})",
        )
    ]


def test_same_unit_id_in_two_agencies_is_fine():
    text = BASE.replace("id: irban-khusus", "id: poli-umum")
    assert compile_text(text).summary()["units"] == 2


def test_duplicate_agency_id_across_regions():
    text = BASE + (
        "  - id: hst\n"
        "    name: Kabupaten Hulu Sungai Tengah\n"
        "    prefix: KSL\n"
        "    timezone: Asia/Makassar\n"
        "    agencies:\n"
        "      - {id: rsud-ulin, name: RSUD Lain, units: []}\n"
    )
    assert issues_of(text) == [
        (
            line_with(text, "prefix: KSL", 2),
            f"duplicate prefix 'KSL' (first at line {line_with(text, 'prefix: KSL')})",
        ),
        (
            line_with(text, "id: rsud-ulin", 2),
            f"duplicate agency id 'rsud-ulin' (first at line {line_with(text, 'id: rsud-ulin')})",
        ),
    ]


def test_duplicate_service_and_category_ids():
    text = BASE.replace(
        "  - {id: lainnya, name: Lainnya}",
        "  - {id: lainnya, name: Lainnya}\n  - {id: lainnya, name: X}",
    )
    text += "              - id: pendaftaran\n                name: Lagi\n"
    problems = issues_of(text)
    assert problems == [
        (4 + 1, "duplicate category id 'lainnya' (first at line 4)"),
        (
            line_with(text, "id: pendaftaran", 2),
            f"duplicate service id 'pendaftaran' in unit 'poli-umum' "
            f"(first at line {line_with(text, 'id: pendaftaran')})",
        ),
    ]


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["ks", "K", "KALSE", "K1", "'KS L'"])
def test_bad_prefix(prefix):
    text = BASE.replace("prefix: KSL", f"prefix: {prefix}")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "prefix:")
    assert message.endswith("for region 'kalsel': use 2 to 4 upper-case letters A-Z")


def test_bad_timezone_suggests_a_real_one():
    text = BASE.replace("Asia/Makassar", "Asia/Makasar")
    assert issues_of(text) == [
        (
            line_with(text, "timezone:"),
            "unknown timezone 'Asia/Makasar' for region 'kalsel'; did you mean 'Asia/Makassar'?",
        )
    ]


def test_timezone_path_tricks_are_rejected():
    text = BASE.replace("Asia/Makassar", "../../etc/passwd")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "timezone:")
    assert message.startswith("unknown timezone '../../etc/passwd'")


@pytest.mark.parametrize(
    "email", ["foo@bar", "foo bar@example.org", "@example.org", "foo@@example.org", "foo"]
)
def test_bad_email(email):
    text = BASE.replace(
        "        name: RSUD Ulin Banjarmasin\n",
        f"        name: RSUD Ulin Banjarmasin\n        contacts:\n          - email: '{email}'\n",
    )
    assert issues_of(text) == [
        (line_with(text, "email:"), f"invalid e-mail '{email}' in contacts of agency 'rsud-ulin'")
    ]


def test_contacts_without_email_and_duplicates():
    text = BASE.replace(
        "    timezone: Asia/Makassar\n",
        "    timezone: Asia/Makassar\n    contacts:\n      - name: Admin\n"
        "      - email: a@example.org\n      - email: A@example.org\n",
    )
    assert issues_of(text) == [
        (
            line_with(text, "name: Admin"),
            "missing required key 'email' in contacts of region 'kalsel'",
        ),
        (
            line_with(text, "A@example.org"),
            "duplicate e-mail 'A@example.org' in contacts of region 'kalsel' "
            f"(first at line {line_with(text, 'a@example.org')})",
        ),
    ]


@pytest.mark.parametrize(
    "value", ["2025-02-30", "14-08-2025", "2025-8-14", "'tomorrow'", "20250814"]
)
def test_bad_holiday_date(value):
    text = BASE + f"holidays:\n  - date: {value}\n    name: Hari Jadi\n"
    shown = value.strip("'")
    assert issues_of(text) == [
        (
            line_with(text, "date:"),
            f"invalid date '{shown}' in holidays of the file: use YYYY-MM-DD",
        )
    ]


def test_holiday_needs_a_name_and_a_single_entry_per_date():
    text = BASE + (
        "holidays:\n  - date: 2025-08-14\n    name: A\n  - date: 2025-08-14\n    name: B\n"
        "  - date: 2025-08-15\n"
    )
    assert issues_of(text) == [
        (
            line_with(text, "date: 2025-08-14", 2),
            "duplicate holiday 2025-08-14 in holidays of the file "
            f"(first at line {line_with(text, 'date: 2025-08-14')})",
        ),
        (
            line_with(text, "date: 2025-08-15"),
            "missing required key 'name' in holidays of the file",
        ),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "complain: 3",
            "unknown clock 'complain' in agency 'rsud-ulin'; did you mean 'complaint'?",
        ),
        ("complaint: 0", "must be a whole number of days from 1 to 365, not 0"),
        ("complaint: 366", "must be a whole number of days from 1 to 365, not 366"),
        ("complaint: true", "must be a whole number of days from 1 to 365, not True"),
        ("complaint: '14'", "must be a whole number of days from 1 to 365, not '14'"),
        ("complaint: 2.5", "must be a whole number of days from 1 to 365, not 2.5"),
    ],
)
def test_bad_clocks(entry, message):
    text = BASE.replace(
        "        name: RSUD Ulin Banjarmasin\n",
        f"        name: RSUD Ulin Banjarmasin\n        clocks:\n          {entry}\n",
    )
    [(line, found)] = issues_of(text)
    assert line == line_with(text, entry)
    assert found.endswith(message)


def test_bad_explicit_code():
    text = BASE.replace(
        "name: Pendaftaran Pasien", "name: Pendaftaran Pasien\n                code: ABC10O"
    )
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "code:")
    assert message.startswith("invalid code 'ABC10O' for service 'pendaftaran'")


# --- references between entries -----------------------------------------------------------

RULE = """\
    rules:
      - id: integritas
        when:
          classification: complaint
          category: perilaku-petugas
        route_to:
          agency: inspektorat-kalsel
          unit: irban-khusus
"""


def test_valid_rule_compiles():
    assert compile_text(BASE + RULE).rules[0].id == "integritas"


def test_dangling_route_to_agency_and_unit():
    text = (
        BASE
        + RULE
        + RULE.replace("id: integritas", "id: kedua")
        .replace("irban-khusus", "irban-umum")
        .replace("    rules:\n", "")
    )
    text = text.replace("agency: inspektorat-kalsel", "agency: inspektorat-kalsl", 1)
    assert issues_of(text) == [
        (
            line_with(text, "agency: inspektorat-kalsl"),
            "rule 'integritas' routes to unknown agency 'inspektorat-kalsl'; "
            "did you mean 'inspektorat-kalsel'?",
        ),
        (
            line_with(text, "unit: irban-umum"),
            "rule 'kedua' routes to unknown unit 'irban-umum' in agency 'inspektorat-kalsel'; "
            "did you mean 'irban-khusus'?",
        ),
    ]


def test_duplicate_rule_id_and_missing_route_to():
    text = BASE + RULE + "      - id: integritas\n"
    assert issues_of(text) == [
        (
            line_with(text, "id: integritas", 2),
            "missing required key 'route_to' in rule 'integritas'",
        ),
        (
            line_with(text, "id: integritas", 2),
            f"duplicate rule id 'integritas' (first at line {line_with(text, 'id: integritas')})",
        ),
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("category: [lainnya, pungli]", "unknown category 'pungli' in 'when' of rule 'integritas'"),
        (
            "agency: rsud-uln",
            "unknown agency 'rsud-uln' in 'when' of rule 'integritas'; did you mean 'rsud-ulin'?",
        ),
        ("unit: igd", "unknown unit 'igd' in 'when' of rule 'integritas' (not in region 'kalsel')"),
        (
            "service: antrian",
            "unknown service 'antrian' in 'when' of rule 'integritas' (not in region 'kalsel')",
        ),
        (
            "supervised: ya",
            "'supervised' in 'when' of rule 'integritas' must be true or false, not text",
        ),
        (
            "category: []",
            "'category' in 'when' of rule 'integritas' must be text or a non-empty "
            "list of texts, not a list",
        ),
        (
            "agensi: rsud-ulin",
            "unknown key 'agensi' in 'when' of rule 'integritas'; did you mean 'agency'?",
        ),
    ],
)
def test_bad_when_conditions(condition, message):
    text = BASE + RULE.replace("category: perilaku-petugas", condition)
    assert issues_of(text) == [(line_with(text, condition), message)]


def test_unknown_classification_suggests_the_english_word():
    text = BASE + RULE.replace("classification: complaint", "classification: komplain")
    assert issues_of(text) == [
        (
            line_with(text, "komplain"),
            "unknown classification 'komplain' in 'when' of rule 'integritas'; "
            "did you mean 'complaint'?",
        )
    ]


def test_when_unit_must_be_in_the_named_agency():
    text = BASE + RULE.replace(
        "category: perilaku-petugas", "agency: rsud-ulin\n          unit: irban-khusus"
    )
    assert issues_of(text) == [
        (
            line_with(text, "unit: irban-khusus"),
            "unknown unit 'irban-khusus' in 'when' of rule 'integritas' "
            "(not in the agency named in the rule)",
        )
    ]


def test_when_agency_of_another_region_is_explained():
    text = (
        BASE + "  - id: hst\n"
        "    name: Kabupaten Hulu Sungai Tengah\n"
        "    prefix: HST\n"
        "    timezone: Asia/Makassar\n"
        "    agencies:\n"
        "      - id: rsud-damanhuri\n"
        "        name: RSUD H. Damanhuri Barabai\n"
        "        units: [{id: igd, name: Instalasi Gawat Darurat}]\n"
        + RULE.replace("category: perilaku-petugas", "agency: rsud-ulin")
    )
    assert issues_of(text) == [
        (
            line_with(text, "agency: rsud-ulin"),
            "agency 'rsud-ulin' in 'when' of rule 'integritas' is in region 'kalsel', "
            "but the rule only sees reports from region 'hst'",
        )
    ]


# --- aliases and short codes --------------------------------------------------------------


def test_alias_may_not_shadow_a_live_id():
    text = BASE + "          - id: igd\n            name: IGD\n            aliases: [poli-umum]\n"
    assert issues_of(text) == [
        (
            line_with(text, "aliases: [poli-umum]"),
            "alias 'poli-umum' of unit 'rsud-ulin/igd' is the id of unit 'rsud-ulin/poli-umum'",
        )
    ]


def test_alias_may_not_be_claimed_twice():
    text = BASE.replace(
        "            name: Poli Umum\n",
        "            name: Poli Umum\n            aliases: [poli]\n",
    )
    text += "          - id: igd\n            name: IGD\n            aliases: [poli]\n"
    assert issues_of(text) == [
        (
            line_with(text, "aliases: [poli]", 2),
            "alias 'poli' of unit 'rsud-ulin/igd' is already an alias of unit "
            f"'rsud-ulin/poli-umum' (line {line_with(text, 'aliases: [poli]')})",
        )
    ]


def test_agency_alias_may_not_be_an_agency_id():
    text = BASE.replace(
        "        name: RSUD Ulin Banjarmasin\n",
        "        name: RSUD Ulin Banjarmasin\n        aliases: [inspektorat-kalsel]\n",
    )
    assert issues_of(text) == [
        (
            line_with(text, "aliases: [inspektorat-kalsel]"),
            "alias 'inspektorat-kalsel' of agency 'rsud-ulin' is the id of an agency "
            f"(line {line_with(text, 'id: inspektorat-kalsel')})",
        )
    ]


def test_bad_alias_forms():
    text = BASE.replace(
        "            name: Poli Umum\n",
        "            name: Poli Umum\n            aliases: [a/b/c, 7]\n",
    )
    line = line_with(text, "aliases: [a/b/c, 7]")
    assert issues_of(text) == [
        (
            line,
            "invalid alias 'a/b/c' of unit 'poli-umum' in agency 'rsud-ulin': use a-z, 0-9 "
            "and '-' only, at most 40 characters (or 'old-agency/old-unit')",
        ),
        (line, "alias of unit 'poli-umum' in agency 'rsud-ulin' must be text, not a number"),
    ]


def test_short_code_collision_names_both_service_points():
    taken = short_code("rsud-ulin", "poli-umum", "pendaftaran")
    text = BASE.replace(
        "            name: Inspektur Pembantu Khusus\n",
        "            name: Inspektur Pembantu Khusus\n            services:\n"
        f"              - id: konsultasi\n                name: Konsultasi\n"
        f"                code: {taken}\n",
    )
    code_line = line_with(text, f"code: {taken}")
    assert issues_of(text) == [
        (
            line_with(text, "id: pendaftaran"),
            f"short code '{taken}' of 'rsud-ulin/poli-umum/pendaftaran' is already used by "
            f"'inspektorat-kalsel/irban-khusus/konsultasi' (line {code_line}); "
            "set a different 'code:' on one of them",
        )
    ]


def test_old_short_code_may_not_collide_with_a_live_one():
    old_code = short_code("rsud-ulin", "apotek", "pendaftaran")
    text = BASE.replace(
        "            name: Poli Umum\n",
        "            name: Poli Umum\n            aliases: [apotek]\n",
    ).replace(
        "            name: Inspektur Pembantu Khusus\n",
        "            name: Inspektur Pembantu Khusus\n            services:\n"
        f"              - {{id: konsultasi, name: Konsultasi, code: {old_code}}}\n",
    )
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "id: pendaftaran")
    assert message.startswith(
        f"short code '{old_code}' of old ids 'rsud-ulin/apotek/pendaftaran' "
        "(now 'rsud-ulin/poli-umum/pendaftaran') is already used by "
        "'inspektorat-kalsel/irban-khusus/konsultasi'"
    )


# --- many problems at once ----------------------------------------------------------------


def test_all_problems_are_reported_together_in_line_order():
    text = BASE.replace(
        "version: 1", "version: 1\nholidays: [{date: 2025-13-01, name: X}]"
    ).replace("timezone: Asia/Makassar", "timezone: WITA").replace(
        "id: poli-umum", "id: Poli-Umum"
    ) + RULE.replace("unit: irban-khusus", "unit: irban")
    problems = issues_of(text)
    assert [line for line, _ in problems] == [
        line_with(text, "2025-13-01"),
        line_with(text, "timezone: WITA"),
        line_with(text, "Poli-Umum"),
        line_with(text, "unit: irban"),
    ]
    assert "invalid date '2025-13-01'" in problems[0][1]
    assert "unknown timezone 'WITA'" in problems[1][1]
    assert "invalid id 'Poli-Umum'" in problems[2][1]
    assert "routes to unknown unit 'irban'" in problems[3][1]
