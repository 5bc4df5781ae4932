"""`flask --app wsgi apikeys …`: every command, and every way an operator can get it wrong."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.open311.keys import KEY_RE, find_active_key, key_hash
from portal.open311.models import ApiKey


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["apikeys", *args])

    return invoke


def printed_key(output: str) -> str:
    found = re.findall(r"^al311_\S+$", output, re.M)
    assert len(found) == 1, output
    return found[0]


def stored_keys() -> list[ApiKey]:
    db.session.expire_all()
    return db.session.execute(select(ApiKey).order_by(ApiKey.name)).scalars().all()


def test_create_prints_the_key_once_and_stores_only_its_hash(run):
    result = run(
        "create", "--name", "Kota-BJM-App", "--region", "kalsel", "--contact", "ti@bjm.go.id"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "created kota-bjm-app (regions: kalsel)"
    plaintext = printed_key(result.output)
    assert KEY_RE.match(plaintext)
    assert lines[2] == "This key will not be shown again: give it to the application now."
    (key,) = stored_keys()
    assert key.name == "kota-bjm-app" and key.region_ids == ("kalsel",)
    assert key.contact == "ti@bjm.go.id" and key.created_by_email == "cli"
    assert key.key_hash == key_hash(plaintext) and key.key_hash != plaintext
    assert plaintext not in {key.key_hash, key.key_prefix, key.name, key.regions}
    assert plaintext.startswith(key.key_prefix) and len(key.key_prefix) < len(plaintext)
    # the key works with the lookup every Open311 POST makes
    assert find_active_key(plaintext).id == key.id
    assert find_active_key(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    # and the listing never prints it again
    listing = run("list")
    assert plaintext not in listing.output
    assert key.key_prefix in listing.output


def test_create_without_region_makes_an_all_region_key(run):
    result = run("create", "--name", "lapor-nasional")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "created lapor-nasional (regions: all regions)"
    (key,) = stored_keys()
    assert key.region_ids == () and key.may_file_in("hst") and key.may_file_in("kalsel")


def test_create_with_several_regions(run):
    result = run("create", "--name", "dua-wilayah", "--region", "HST", "--region", "kalsel")
    assert result.exit_code == 0, result.output
    (key,) = stored_keys()
    assert key.region_ids == ("hst", "kalsel")
    assert key.may_file_in("hst") and not key.may_file_in("muara-enim")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--name", "x"),
            "error: Nama “x” tidak dapat dipakai: gunakan 2–60 huruf kecil, angka, '.', '_' "
            "atau '-' (mis. kota-banjarmasin-app). / The name “x” cannot be used: use 2–60 "
            "lower-case letters, digits, '.', '_' or '-' (e.g. kota-banjarmasin-app).",
        ),
        (("--name", "spasi di nama"), "The name “spasi di nama” cannot be used"),
        (("--name", "-mulai-tanda"), "The name “-mulai-tanda” cannot be used"),
        (("--name", "a" * 61), "cannot be used"),
        (("--name", "nama\x00nul"), "cannot be used"),
        (
            ("--name", "app-baru", "--region", "kalteng"),
            "error: Wilayah tidak dikenal: kalteng. / Unknown region(s): kalteng.",
        ),
        (("--name", "app-baru", "--region", "kalsel", "--region", ""), "Unknown region(s): ''."),
        (("--name", "app-baru", "--region", " "), "Unknown region(s): ''."),
        (
            ("--name", "app-baru", "--contact", "bukan surel"),
            "error: Kontak harus berupa satu alamat surel, mis. tim-ti@banjarmasinkota.go.id. / "
            "The contact must be one e-mail address, e.g. tim-ti@banjarmasinkota.go.id.",
        ),
        (("--name", "app-baru", "--contact", "a@" + "b" * 250 + ".id"), "one e-mail address"),
    ],
)
def test_create_refuses_bad_input_and_stores_nothing(run, args, message):
    result = run("create", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "al311_" not in result.output
    assert stored_keys() == []


def test_create_needs_a_name(run):
    result = run("create", "--region", "kalsel")
    assert result.exit_code == 2
    assert "Missing option '--name'" in result.output
    assert stored_keys() == []


def test_a_name_stays_taken_even_after_revoking(run):
    assert run("create", "--name", "kota-bjm-app", "--region", "kalsel").exit_code == 0
    again = run("create", "--name", "KOTA-BJM-APP", "--region", "hst")
    assert again.exit_code == 1
    assert (
        "error: Sudah ada kunci bernama “kota-bjm-app” (nama tetap terpakai setelah kuncinya "
        "dicabut). / A key named “kota-bjm-app” already exists" in again.stderr
    )
    assert run("revoke", "kota-bjm-app").exit_code == 0
    after_revoke = run("create", "--name", "kota-bjm-app")
    assert after_revoke.exit_code == 1 and "already exists" in after_revoke.stderr
    (key,) = stored_keys()
    assert key.region_ids == ("kalsel",)


def test_revoke_stops_the_key_and_keeps_the_row(run):
    plaintext = printed_key(run("create", "--name", "kota-bjm-app", "--region", "kalsel").output)
    result = run("revoke", "Kota-BJM-App")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "revoked kota-bjm-app"
    assert find_active_key(plaintext) is None
    (key,) = stored_keys()
    assert key.revoked_at is not None and key.revoked_by_email == "cli"


def test_revoke_refuses_an_unknown_or_revoked_key(run):
    unknown = run("revoke", "tidak-ada")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == (
        "error: Tidak ada kunci bernama “tidak-ada”. / There is no key named “tidak-ada”."
    )
    run("create", "--name", "kota-bjm-app")
    assert run("revoke", "kota-bjm-app").exit_code == 0
    first = stored_keys()[0].revoked_at
    twice = run("revoke", "kota-bjm-app")
    assert twice.exit_code == 1
    assert twice.stderr.strip() == (
        "error: Kunci “kota-bjm-app” sudah dicabut. / The key “kota-bjm-app” was already revoked."
    )
    assert stored_keys()[0].revoked_at == first  # the first date stays
    missing = run("revoke")
    assert missing.exit_code == 2 and "Missing argument 'NAME'" in missing.output


def test_list_shows_every_key_with_its_regions_and_state(run):
    assert run("list").output.strip() == "0 key(s)"
    run("create", "--name", "kota-bjm-app", "--region", "kalsel")
    run("create", "--name", "lapor-nasional")
    run("create", "--name", "hst-app", "--region", "hst")
    run("revoke", "hst-app")
    lines = run("list").output.splitlines()
    assert lines[-1] == "3 key(s)"
    by_name = {line.split()[0]: line for line in lines[:-1]}
    assert set(by_name) == {"hst-app", "kota-bjm-app", "lapor-nasional"}
    assert " kalsel " in by_name["kota-bjm-app"] and by_name["kota-bjm-app"].endswith("active")
    assert "all regions" in by_name["lapor-nasional"]
    assert "last used -" in by_name["lapor-nasional"]
    assert re.search(r"revoked \d{4}-\d\d-\d\d \d\d:\d\d UTC$", by_name["hst-app"])
    assert re.search(r"created \d{4}-\d\d-\d\d \d\d:\d\d UTC", by_name["hst-app"])
    for key in stored_keys():
        assert f"{key.key_prefix}..." in by_name[key.name]


def test_list_json(run):
    run("create", "--name", "kota-bjm-app", "--region", "kalsel", "--contact", "ti@bjm.go.id")
    run("create", "--name", "lapor-nasional")
    run("revoke", "lapor-nasional")
    rows = json.loads(run("list", "--json").output)
    assert [r["name"] for r in rows] == ["kota-bjm-app", "lapor-nasional"]
    assert rows[0]["regions"] == ["kalsel"] and rows[0]["contact"] == "ti@bjm.go.id"
    assert rows[0]["revoked"] is None and rows[0]["last_used"] == "-"
    assert rows[1]["regions"] == [] and rows[1]["revoked"].endswith(" UTC")
    assert all(r["prefix"].startswith("al311_") for r in rows)
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 2
