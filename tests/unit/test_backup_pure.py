"""The pure parts of backups: fingerprints, the manifest's own checksum, the tool check,
and which old backups --keep deletes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.backup import fingerprints, layout, manifest
from portal.backup.create import prune
from portal.backup.postgres_db import version_problem


def test_a_fingerprint_names_the_key_without_showing_it():
    one = fingerprints.fingerprint("a-secret-key-of-the-portal-0000000000")
    assert one == fingerprints.fingerprint("a-secret-key-of-the-portal-0000000000")
    assert one != fingerprints.fingerprint("a-secret-key-of-the-portal-0000000001")
    assert len(one) == fingerprints.LENGTH and "secret" not in one


def test_compare_wants_every_old_key_back_and_allows_new_ones():
    old = fingerprints.of_secrets("key-a" * 8, {"K1": b"q" * 16, "K2": b"r" * 16}, "K2")
    same = fingerprints.compare(old, old)
    assert same.secret_key_same and same.qr_same
    rotated = fingerprints.of_secrets(
        "key-a" * 8, {"K1": b"q" * 16, "K2": b"r" * 16, "K3": b"s" * 16}, "K3"
    )
    assert fingerprints.compare(old, rotated).qr_same  # a key added since: posters still work
    other = fingerprints.of_secrets("key-b" * 8, {"K2": b"x" * 16}, "K2")
    result = fingerprints.compare(old, other)
    assert not result.secret_key_same
    assert result.qr_missing == ("K1",) and result.qr_changed == ("K2",)


def test_the_manifest_catches_an_edited_value(tmp_path: Path):
    (tmp_path / "part").write_bytes(b"data")
    body = {"format": layout.FORMAT, "parts": {"part": manifest.describe_part(tmp_path, "part")}}
    manifest.write(tmp_path, body)
    assert manifest.read(tmp_path) == body
    manifest.verify_parts(tmp_path, body)
    path = tmp_path / layout.MANIFEST
    signed = json.loads(path.read_text())
    signed["parts"]["part"]["bytes"] = 5
    path.write_text(json.dumps(signed))
    with pytest.raises(manifest.DamagedBackup, match="altered"):
        manifest.read(tmp_path)


def test_a_part_outside_the_folder_is_refused(tmp_path: Path):
    body = {"parts": {"../etc": {"bytes": 1, "sha256": "0"}}}
    with pytest.raises(manifest.DamagedBackup, match="outside"):
        manifest.verify_parts(tmp_path, body)


def test_an_older_client_than_the_server_is_named_with_the_fix():
    assert version_problem("pg_dump", 16, 15) is None
    assert version_problem("pg_dump", 15, 15) is None
    problem = version_problem("pg_dump", 14, 16)
    assert problem and "older than the PostgreSQL server (16)" in problem
    assert "postgresql-client-16" in problem


def test_keep_deletes_only_the_oldest_complete_backups(tmp_path: Path):
    names = [f"{layout.PREFIX}2026120{d}T010000Z" for d in range(1, 6)]
    for name in names[:3]:
        (tmp_path / name).mkdir()
    for name in names[3:]:
        (tmp_path / f"{name}.tar.gz").write_bytes(b"x")
    (tmp_path / f"{layout.PREFIX}20261209T010000Z{layout.PARTIAL_SUFFIX}").mkdir()
    (tmp_path / "unrelated.txt").write_text("mine")
    gone = prune(tmp_path, 2)
    assert [p.name for p in gone] == names[:3]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        f"{names[3]}.tar.gz",
        f"{names[4]}.tar.gz",
        f"{layout.PREFIX}20261209T010000Z{layout.PARTIAL_SUFFIX}",
        "unrelated.txt",
    ]
