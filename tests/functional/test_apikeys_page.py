"""The staff page of Open311 keys (`/staf/kunci-api/`): who may see and do what, a new key
shown once, revoking with a confirmation, every bad input, and each key's latest POSTs."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.open311.keys import create_key, find_active_key, key_hash
from portal.open311.models import ApiKey, ApiPost
from portal.timeutil import utcnow
from tests.factories import stored_complaint
from tests.helpers import hidden_fields

PAGE = "/staf/kunci-api/"
PLAINTEXT = re.compile(r'id="plaintext-key" value="(al311_[A-Za-z0-9_-]+)"')
ERRORS = re.compile(r'<ul class="errors"[^>]*>(.*?)</ul>', re.S)
KNOWN = ("kalsel", "hst", "muara-enim")


def make_key(name: str, *regions: str) -> ApiKey:
    key, _plaintext = create_key(name, regions, known_regions=KNOWN)
    return key


@pytest.fixture
def keys(app):
    """One key per kind of scope, made by the CLI's service."""
    return {
        "kalsel": make_key("kota-bjm-app", "kalsel"),
        "hst": make_key("hst-app", "hst"),
        "both": make_key("dua-wilayah", "kalsel", "hst"),
        "all": make_key("lapor-nasional"),
    }


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def errors(response) -> list[str]:
    found = ERRORS.findall(response.get_data(as_text=True))
    return [html_lib.unescape(e) for block in found for e in re.findall(r"<li>(.*?)</li>", block)]


def token(client) -> str:
    return hidden_fields(client.get("/staf/akun").get_data(as_text=True))["csrf_token"]


def post_create(client, **fields):
    return client.post(PAGE, data={"csrf_token": token(client), **fields})


def post_revoke(client, key_id: int, **fields):
    data = {"csrf_token": token(client), **fields}
    return client.post(f"{PAGE}{key_id}/cabut", data=data)


def listed(response) -> set[str]:
    table = re.search(r'<table class="abuse" id="api-keys">(.*?)</table>', text(response), re.S)
    return set(re.findall(r'/staf/kunci-api/\d+">([^<]+)</a>', table.group(1))) if table else set()


def key_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiKey))


def reload(key: ApiKey) -> ApiKey:
    db.session.expire_all()
    return db.session.get(ApiKey, key.id)


# --- who may open the page ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["agency", "unit", "leader"])
def test_everyone_but_admins_gets_403_and_changes_nothing(staff, keys, who):
    client = staff[who]
    key = keys["kalsel"]
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{key.id}").status_code == 403
    assert client.get(f"{PAGE}999999").status_code == 403  # not even "no such key"
    refused = post_create(client, name="officer-app", regions="kalsel")
    assert refused.status_code == 403
    assert post_revoke(client, key.id, confirm="y").status_code == 403
    assert key_count() == 4
    assert reload(key).revoked_at is None
    assert "Kunci API" not in text(client.get("/staf/akun"))


def test_signed_out_visitors_are_sent_to_sign_in(client, keys):
    assert client.get(PAGE).status_code == 302
    assert client.get(f"{PAGE}{keys['kalsel'].id}").status_code == 302


def test_admins_find_the_page_in_the_staff_navigation(staff, super_admin):
    for client in (staff["admin"], staff["hst_admin"], super_admin):
        assert f'href="{PAGE}"' in text(client.get("/staf/akun"))


# --- the super admin ------------------------------------------------------------------------


def test_super_admin_sees_every_key(super_admin, keys):
    page = super_admin.get(PAGE)
    assert page.status_code == 200
    assert listed(page) == {"kota-bjm-app", "hst-app", "dua-wilayah", "lapor-nasional"}
    assert "Semua wilayah" in text(page)
    for key in keys.values():
        assert super_admin.get(f"{PAGE}{key.id}").status_code == 200


def test_super_admin_makes_a_key_shown_once(super_admin):
    made = post_create(
        super_admin, name="Kota-BJM-App", regions=["kalsel", "hst"], contact="ti@bjm.go.id"
    )
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    plaintext = PLAINTEXT.search(made.get_data(as_text=True)).group(1)
    assert "tidak akan ditampilkan lagi" in text(made)
    key = db.session.execute(select(ApiKey)).scalar_one()
    assert key.name == "kota-bjm-app" and key.region_ids == ("hst", "kalsel")
    assert key.contact == "ti@bjm.go.id" and key.created_by_email == "super@example.org"
    assert key.key_hash == key_hash(plaintext) and plaintext not in (key.key_hash, key.key_prefix)
    assert find_active_key(plaintext).id == key.id
    # never again: not on the list, not on the key's page
    for url in (PAGE, f"{PAGE}{key.id}"):
        again = super_admin.get(url)
        assert again.status_code == 200
        assert plaintext not in again.get_data(as_text=True)
        assert key.key_prefix in again.get_data(as_text=True)


def test_super_admin_makes_an_all_region_key_only_when_asked(super_admin):
    made = post_create(super_admin, name="lapor-nasional", all_regions="y")
    assert made.status_code == 200
    key = db.session.execute(select(ApiKey)).scalar_one()
    assert key.region_ids == () and key.may_file_in("muara-enim")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "app-baru"}, "Pilih paling sedikit satu wilayah, atau Semua wilayah."),
        (
            {"name": "app-baru", "regions": "kalsel", "all_regions": "y"},
            "Pilih wilayah atau Semua wilayah, jangan keduanya.",
        ),
        ({"name": "app-baru", "regions": "kalteng"}, "Wilayah tidak dikenal: kalteng."),
        (
            {"name": "x", "regions": "kalsel"},
            "Nama “x” tidak dapat dipakai: gunakan 2–60 huruf kecil, angka, '.', '_' atau '-' "
            "(mis. kota-banjarmasin-app).",
        ),
        ({"name": "", "regions": "kalsel"}, "Nama “” tidak dapat dipakai"),
        ({"name": "nama\x00nul", "regions": "kalsel"}, "tidak dapat dipakai"),
        ({"name": "n" * 500, "regions": "kalsel"}, "tidak dapat dipakai"),
        (
            {"name": "app-baru", "regions": "kalsel", "contact": "bukan surel"},
            "Kontak harus berupa satu alamat surel, mis. tim-ti@banjarmasinkota.go.id.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(super_admin, fields, message):
    refused = post_create(super_admin, **fields)
    assert refused.status_code == 400
    assert any(message in e for e in errors(refused)), errors(refused)
    assert "al311_" not in refused.get_data(as_text=True)
    assert key_count() == 0


def test_a_taken_name_is_refused(super_admin, keys):
    refused = post_create(super_admin, name="KOTA-BJM-APP", regions="hst")
    assert refused.status_code == 400
    assert errors(refused) == [
        "Sudah ada kunci bernama “kota-bjm-app” (nama tetap terpakai setelah kuncinya dicabut)."
    ]
    assert key_count() == 4


def test_the_page_speaks_english_when_asked(super_admin):
    super_admin.set_cookie("lang", "en")
    assert "API keys (Open311)" in text(super_admin.get(PAGE))
    refused = post_create(super_admin, name="app-baru", regions="kalteng")
    assert errors(refused) == ["Unknown region(s): kalteng."]
    made = post_create(super_admin, name="app-baru", regions="kalsel")
    assert "It will not be shown again" in text(made)


# --- regional admins ------------------------------------------------------------------------


def test_a_regional_admin_sees_only_keys_of_exactly_their_region(staff, keys):
    assert listed(staff["admin"].get(PAGE)) == {"kota-bjm-app"}
    assert listed(staff["hst_admin"].get(PAGE)) == {"hst-app"}
    assert staff["admin"].get(f"{PAGE}{keys['kalsel'].id}").status_code == 200
    for other in ("hst", "both", "all"):
        assert staff["admin"].get(f"{PAGE}{keys[other].id}").status_code == 404
    assert staff["hst_admin"].get(f"{PAGE}{keys['kalsel'].id}").status_code == 404
    assert staff["admin"].get(f"{PAGE}999999").status_code == 404


def test_a_regional_admin_makes_keys_of_their_own_region_only(staff):
    page = text(staff["admin"].get(PAGE))
    assert 'name="all_regions"' not in page and 'name="regions"' not in page
    assert "Wilayah: Provinsi Kalimantan Selatan" in re.sub(r"<[^>]+>", "", page)
    made = post_create(staff["admin"], name="kota-bjm-app", regions="hst", all_regions="y")
    assert made.status_code == 200
    key = db.session.execute(select(ApiKey)).scalar_one()
    assert key.region_ids == ("kalsel",) and key.created_by_email == "admin@kalsel.example.org"
    assert listed(staff["admin"].get(PAGE)) == {"kota-bjm-app"}
    assert listed(staff["hst_admin"].get(PAGE)) == set()


def test_a_regional_admin_cannot_revoke_another_regions_key(staff, keys):
    for other in ("hst", "both", "all"):
        refused = post_revoke(staff["admin"], keys[other].id, confirm="y")
        assert refused.status_code == 404
        assert reload(keys[other]).revoked_at is None


# --- revoking -------------------------------------------------------------------------------


def test_revoking_needs_the_confirmation(staff, keys):
    key = keys["kalsel"]
    refused = post_revoke(staff["admin"], key.id)
    assert refused.status_code == 400
    assert errors(refused) == ["Centang konfirmasi untuk mencabut kunci; tidak ada yang diubah."]
    assert reload(key).revoked_at is None


def test_revoking_stops_the_key_at_once(app, staff):
    key, plaintext = create_key("kota-bjm-app", ["kalsel"], known_regions=KNOWN)
    done = post_revoke(staff["admin"], key.id, confirm="y")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{PAGE}{key.id}")
    assert find_active_key(plaintext) is None
    revoked = reload(key)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by_email == "admin@kalsel.example.org"
    page = staff["admin"].get(f"{PAGE}{key.id}", follow_redirects=True)
    assert "Kunci kota-bjm-app dicabut." in text(page)
    assert 'id="api-key-revoke"' not in text(page)  # no second revoke on offer
    again = post_revoke(staff["admin"], key.id, confirm="y")
    assert again.status_code == 409
    assert "Kunci “kota-bjm-app” sudah dicabut." in text(again)
    assert reload(key).revoked_at == revoked.revoked_at


def test_forms_without_a_csrf_token_change_nothing(super_admin, keys):
    made = super_admin.post(PAGE, data={"name": "tanpa-token", "all_regions": "y"})
    assert made.status_code == 400
    assert key_count() == 4
    forged = super_admin.post(
        PAGE, data={"csrf_token": "palsu", "name": "tanpa-token", "all_regions": "y"}
    )
    assert forged.status_code == 400
    revoke = super_admin.post(f"{PAGE}{keys['all'].id}/cabut", data={"confirm": "y"})
    assert revoke.status_code == 400
    assert key_count() == 4 and reload(keys["all"]).revoked_at is None


# --- the latest POSTs of a key ---------------------------------------------------------------


def record_posts(key: ApiKey, complaint_id: int | None, count: int, start) -> None:
    for n in range(count):
        db.session.add(
            ApiPost(
                api_key_id=key.id,
                received_at=start + timedelta(minutes=n),
                outcome="invalid",
                detail=f"description,lat #{n:02d}",
                service_code="K7Q-3MZ",
            )
        )
    db.session.add(
        ApiPost(
            api_key_id=key.id,
            received_at=start + timedelta(minutes=count),
            outcome="created",
            complaint_id=complaint_id,
            token=f"tok-{key.id}",
        )
    )
    db.session.commit()


def posts_table(response) -> str:
    found = re.search(r'<table class="abuse" id="api-posts">(.*?)</table>', text(response), re.S)
    assert found, "no table of POSTs"
    return found.group(1)


def test_a_key_page_shows_its_latest_20_posts_newest_first(staff, keys):
    case = stored_complaint(channel="api", api_key_id=keys["kalsel"].id)
    start = utcnow() - timedelta(hours=2)
    record_posts(keys["kalsel"], case.id, 24, start)
    record_posts(keys["hst"], None, 2, start)
    table = posts_table(staff["admin"].get(f"{PAGE}{keys['kalsel'].id}"))
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 20
    assert "Laporan dibuat" in rows[0]
    assert f'href="/staf/kasus/{case.tracking_code}">{case.tracking_code}</a>' in rows[0]
    assert "Isian tidak sah" in rows[1] and "description,lat #23" in rows[1]
    assert "description,lat #05" in rows[-1] and "#04" not in table
    assert "tok-" not in table  # the client's token is not the staff's business


def test_the_posts_show_only_cases_the_admin_may_see(staff, super_admin, keys):
    case = stored_complaint(channel="api", api_key_id=keys["kalsel"].id)
    record_posts(keys["kalsel"], case.id, 1, utcnow() - timedelta(hours=1))
    case.region_id, case.agency_id, case.unit_id = "hst", "rsud-damanhuri", "igd"  # moved
    db.session.commit()
    table = posts_table(staff["admin"].get(f"{PAGE}{keys['kalsel'].id}"))
    assert case.tracking_code not in table and "di luar jangkauan Anda" in table
    assert case.tracking_code in posts_table(super_admin.get(f"{PAGE}{keys['kalsel'].id}"))


def test_another_regions_posts_stay_hidden(staff, keys):
    record_posts(keys["hst"], None, 3, utcnow() - timedelta(hours=1))
    assert staff["admin"].get(f"{PAGE}{keys['hst'].id}").status_code == 404
    mine = staff["admin"].get(f"{PAGE}{keys['kalsel'].id}")
    assert "Belum ada kiriman dengan kunci ini." in text(mine)
