"""Signed QR payloads: short, upper case, and refused after any edit."""

from __future__ import annotations

import re

import pytest

from qr.payload import InvalidPayload, ServiceRef, SigningKeys, decode, encode

QR_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
OLD = "old-secret-0123456789"
NEW = "new-secret-9876543210"
REF = ServiceRef("rsud-ulin", "poli-umum", "pendaftaran")


@pytest.fixture
def keys() -> SigningKeys:
    return SigningKeys.parse(f"K1:{OLD},K2:{NEW}")


def test_round_trip_and_shape(keys: SigningKeys) -> None:
    payload = encode(REF, keys)
    assert re.fullmatch(r"RSUD-ULIN\.POLI-UMUM\.PENDAFTARAN\.K2\.[A-Z2-7]{16}", payload)
    assert set(payload) <= set(QR_ALPHANUMERIC)
    assert decode(payload, keys) == REF


def test_signature_is_deterministic_and_depends_on_every_id(keys: SigningKeys) -> None:
    tag = encode(REF, keys).rsplit(".", 1)[1]
    assert encode(REF, keys).rsplit(".", 1)[1] == tag
    for other in (
        ServiceRef("rsud-ulim", "poli-umum", "pendaftaran"),
        ServiceRef("rsud-ulin", "poli-gigi", "pendaftaran"),
        ServiceRef("rsud-ulin", "poli-umum", "pembayaran"),
    ):
        assert encode(other, keys).rsplit(".", 1)[1] != tag


def test_any_letter_case_is_accepted(keys: SigningKeys) -> None:
    payload = encode(REF, keys)
    assert decode(payload.lower(), keys) == REF
    assert decode(payload.swapcase()[:10] + payload[10:], keys) == REF


def test_every_single_character_substitution_is_refused(keys: SigningKeys) -> None:
    payload = encode(REF, keys)
    candidates = QR_ALPHANUMERIC + "abcdefghijklmnopqrstuvwxyz_~é"
    tried = 0
    for i, original in enumerate(payload):
        for ch in candidates:
            if ch.upper() == original:  # same character in another case: not an edit
                continue
            edited = payload[:i] + ch + payload[i + 1 :]
            with pytest.raises(InvalidPayload):
                decode(edited, keys)
            tried += 1
    assert tried > len(payload) * 40


def test_insertions_and_deletions_are_refused(keys: SigningKeys) -> None:
    payload = encode(REF, keys)
    for i in range(len(payload) + 1):
        with pytest.raises(InvalidPayload):
            decode(payload[:i] + "A" + payload[i:], keys)
    for i in range(len(payload)):
        with pytest.raises(InvalidPayload):
            decode(payload[:i] + payload[i + 1 :], keys)


def test_rotation_old_codes_still_verify_new_codes_use_active() -> None:
    old_only = SigningKeys.parse(f"K1:{OLD}")
    printed_last_year = encode(REF, old_only)
    rotated = SigningKeys.parse(f"K1:{OLD},K2:{NEW}")
    assert decode(printed_last_year, rotated) == REF
    assert encode(REF, rotated).split(".")[3] == "K2"
    retired = SigningKeys.parse(f"K2:{NEW}")
    with pytest.raises(InvalidPayload) as exc:
        decode(printed_last_year, retired)
    assert exc.value.reason == "unknown-key"


def test_signature_cannot_be_replayed_under_another_key_id() -> None:
    # The same secret under two ids: a tag made for K1 must not verify as K2.
    keys = SigningKeys.parse(f"K1:{OLD},K2:{OLD};active=K1")
    payload = encode(REF, keys)
    swapped = payload.replace(".K1.", ".K2.")
    with pytest.raises(InvalidPayload) as exc:
        decode(swapped, keys)
    assert exc.value.reason == "bad-signature"


def test_forgery_with_a_wrong_secret_is_refused(keys: SigningKeys) -> None:
    forged = encode(REF, SigningKeys.parse("K2:attacker-guess-123456"))
    with pytest.raises(InvalidPayload) as exc:
        decode(forged, keys)
    assert exc.value.reason == "bad-signature"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "RSUD-ULIN.POLI-UMUM.K2.AAAAAAAAAAAAAAAA",  # a field missing
        "RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K2.AAAAAAAAAAAAAAA",  # tag too short
        "RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K2.AAAAAAAAAAAAAAA1",  # 1 is not base32
        "RSUD-ULIN..PENDAFTARAN.K2.AAAAAAAAAAAAAAAA",  # empty id
        "RSUD_ULIN.POLI-UMUM.PENDAFTARAN.K2.AAAAAAAAAAAAAAAA",  # not a slug
        "RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K2345.AAAAAAAAAAAAAAAA",  # key id too long
        "RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K2.AAAAAAAAAAAAAAAA.X",  # extra field
        "ＲSUD-ULIN.POLI-UMUM.PENDAFTARAN.K2.AAAAAAAAAAAAAAAA",  # non-ASCII
        "A" * 70 + ".B.C.K2.AAAAAAAAAAAAAAAA",  # id longer than any slug
    ],
)
def test_malformed(keys: SigningKeys, payload: str) -> None:
    with pytest.raises(InvalidPayload) as exc:
        decode(payload, keys)
    assert exc.value.reason == "malformed"


def test_unknown_key_id(keys: SigningKeys) -> None:
    payload = encode(REF, keys).replace(".K2.", ".K9.")
    with pytest.raises(InvalidPayload) as exc:
        decode(payload, keys)
    assert exc.value.reason == "unknown-key"


def test_payload_stays_short(keys: SigningKeys) -> None:
    # 3 ids + 4 separators + key id + 16-char tag: the overhead over the ids is fixed.
    payload = encode(REF, keys)
    ids = len("rsud-ulin") + len("poli-umum") + len("pendaftaran")
    assert len(payload) - ids == 4 + 2 + 16


# --- SigningKeys.parse ---------------------------------------------------------------


def test_parse_last_key_is_active_by_default() -> None:
    keys = SigningKeys.parse(f" K1:{OLD} , k2:{NEW} ")
    assert keys.active == "K2"
    assert dict(keys.keys) == {"K1": OLD.encode(), "K2": NEW.encode()}


def test_parse_explicit_active_key() -> None:
    keys = SigningKeys.parse(f"K1:{OLD},K2:{NEW};active=K1")
    assert keys.active == "K1"
    assert encode(REF, keys).split(".")[3] == "K1"


def test_parse_secret_may_contain_colons() -> None:
    keys = SigningKeys.parse("K1:abc:def:0123456789xyz")
    assert keys.keys["K1"] == b"abc:def:0123456789xyz"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty entry"),
        ("K1:", "empty secret"),
        ("K1:short", "too short"),
        (f"K1{OLD}", "has no ':'"),
        (f"KEY12:{OLD}", "key id must be"),
        (f"K-1:{OLD}", "key id must be"),
        (f":{OLD}", "key id must be"),
        (f"K1:{OLD},,K2:{NEW}", "empty entry"),
        (f"K1:{OLD},K1:{NEW}", "listed twice"),
        (f"K1:{OLD};active=K3", "not among"),
        (f"K1:{OLD};primary=K1", "expected ';active=KEYID'"),
    ],
)
def test_parse_rejects_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        SigningKeys.parse(spec)


def test_repr_never_shows_secrets(keys: SigningKeys) -> None:
    text = repr(keys)
    assert OLD not in text and NEW not in text
    assert "K1" in text and "K2" in text


def test_keys_cannot_be_mutated_after_construction() -> None:
    source = {"K1": OLD.encode()}
    keys = SigningKeys(keys=source, active="K1")
    source["K9"] = NEW.encode()
    assert "K9" not in keys.keys
    with pytest.raises(TypeError):
        keys.keys["K9"] = NEW.encode()  # type: ignore[index]


@pytest.mark.parametrize("bad", ["RSUD-ULIN", "rsud ulin", "rsud.ulin", "", "a" * 65])
def test_service_ref_requires_lower_case_slugs(bad: str) -> None:
    with pytest.raises(ValueError, match="agency id"):
        ServiceRef(bad, "poli-umum", "pendaftaran")
