"""The regional admin's editor takes `name_en:` and `other_unit:`, checked like the rest."""

from __future__ import annotations

from portal.routing import versions
from portal.routing.active import get_router
from tests.functional.test_routing_admin import _editor, _post

OLD = "    name_en: Hulu Sungai Tengah Regency Health Office\n"
NEW = "    name_en: HST Health Office\n"


def test_the_editor_accepts_a_new_english_name_and_other_unit(hst_admin):
    fields, part = _editor(hst_admin)
    assert OLD in part
    edited = part.replace(OLD, NEW + "    other_unit: puskesmas-birayang\n", 1)
    checked = _post(hst_admin, fields, edited, "check")
    assert checked.status_code == 200, checked.get_data(as_text=True)[:2000]
    done = _post(hst_admin, fields, edited, "activate", comment="Nama Inggris Dinkes")
    assert done.status_code == 302
    router = get_router()
    assert router.agency("dinkes-hst").name_en == "HST Health Office"
    assert router.other_point("dinkes-hst").unit.id == "puskesmas-birayang"
    assert versions.newest().id == 2


def test_the_editor_refuses_a_bad_english_name_with_its_line(hst_admin):
    fields, part = _editor(hst_admin)
    edited = part.replace(OLD, "    name_en: ''\n", 1)
    line = edited.split("\n").index("    name_en: ''") + 1
    page = _post(hst_admin, fields, edited, "check")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f"{line}: &#39;name_en&#39; of agency &#39;dinkes-hst&#39; must not be empty" in html
    assert versions.newest().id == 1


def test_the_editor_refuses_the_reserved_service_id(hst_admin):
    fields, part = _editor(hst_admin)
    edited = part.replace("- id: imunisasi", "- id: layanan-lain", 1)
    page = _post(hst_admin, fields, edited, "activate", comment="x")
    assert page.status_code == 422 and "reserved" in page.get_data(as_text=True)
    assert versions.newest().id == 1
