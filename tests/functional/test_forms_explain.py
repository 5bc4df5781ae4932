"""Issue 17, item 7: forms that explain themselves.

Required fields say so, the hints state the intake rules' own limits before anything is
typed, each error is tied to its field (aria-invalid, aria-describedby) and listed, with a
link to the field, in a summary at the top of the form.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from portal.accounts.services import create_user
from portal.intake import report as rules

PASSWORD = "kata-sandi-uji-123"


class Elements(HTMLParser):
    """Every element's attributes by id, and the text of each label by its `for`."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        attributes["_tag"] = tag
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
        if tag == "label":
            self._label = attributes.get("for")
            self.labels.setdefault(self._label or "", "")
        if tag == "a" and (attributes.get("href") or "").startswith("#"):
            self.links.append(attributes["href"][1:])

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label is not None:
            self.labels[self._label] += data


def parse(html: str) -> Elements:
    found = Elements()
    found.feed(html)
    return found


def summary_links(html: str) -> list[str]:
    block = re.search(r'<div class="alert error-summary"(.*?)</div>', html, re.S)
    assert block, "no error summary on the page"
    head = block.group(1)
    assert 'role="alert"' in head and 'tabindex="-1"' in head
    assert "<h2" in head
    return re.findall(r'href="#([^"]+)"', head)


def test_the_blank_form_marks_required_fields_and_states_the_lengths(client, ulin_payload):
    html = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    page = parse(html)
    for name in ("title", "description", "consent"):
        assert "(wajib)" in page.labels[name], name
        assert "required" in page.by_id[name] and page.by_id[name]["aria-required"] == "true"
    assert "kecuali Anonim" in page.labels["reporter_name"]
    assert "kecuali Anonim" in page.labels["reporter_phone"]
    assert "required" not in page.by_id["reporter_name"]  # Anonim makes it optional
    title_hint = page.by_id["title-hint"]
    assert page.by_id["title"]["aria-describedby"] == "title-hint"
    assert title_hint["_tag"] == "p"
    assert f"{rules.TITLE_MIN} sampai {rules.TITLE_MAX} karakter" in html
    assert f"Paling sedikit {rules.DESCRIPTION_MIN} karakter" in html
    # Anonim: the name is not recorded; a contact is still how answers arrive.
    assert "Nama Anda tidak dicatat" in html
    assert "Dengan Anonim, nama tidak dicatat" in html
    assert "Kosongkan bila memilih Anonim" not in html
    assert "error-summary" not in html
    assert 'aria-invalid="true"' not in html


def test_errors_are_tied_to_their_fields_and_summarised(client, h, ulin_payload):
    response = h.post_report(
        client,
        f"/q/{ulin_payload}",
        title="abc",
        reporter_name="",
        reporter_phone="",
        reporter_email="",
        consent=None,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = parse(html)
    links = summary_links(html)
    assert links == ["title", "reporter_name", "reporter_phone", "consent"]
    for field in links:
        attributes = page.by_id[field]
        assert attributes["aria-invalid"] == "true", field
        described = (attributes["aria-describedby"] or "").split()
        assert f"{field}-error" in described, field
        assert all(ref in page.by_id for ref in described), (field, described)
    assert page.by_id["title"]["aria-describedby"] == "title-hint title-error"
    assert "Judul harus 5 sampai 150 karakter." in html
    assert "Laporan belum terkirim" in html
    # Fields without an error are not marked.
    assert "aria-invalid" not in page.by_id["description"]


def test_an_anonymous_report_needs_no_name_nor_contact(client, h, ulin_payload):
    response = h.post_report(
        client,
        f"/q/{ulin_payload}",
        anonymous="y",
        reporter_name="",
        reporter_phone="",
        reporter_email="",
    )
    assert response.status_code == 303  # what the hints promise


def test_the_counter_form_has_the_same_summary(app, client, h, router):
    create_user(router, email="admin@example.org", password=PASSWORD, role="super-admin")
    assert h.login(client, "admin@example.org", PASSWORD).status_code == 302
    html = client.get("/staf/loket").get_data(as_text=True)
    page = parse(html)
    assert "(wajib)" in page.labels["title"]
    hidden = h.hidden_fields(html)
    response = client.post("/staf/loket", data={**hidden, "title": "x"})
    assert response.status_code in (400, 422)
    links = summary_links(response.get_data(as_text=True))
    assert links[0] == "service_point"
    assert "title" in links and "consent" in links


def test_the_staff_login_summarises_its_errors(client):
    html = client.get("/staf/masuk").get_data(as_text=True)
    assert "(wajib)" in parse(html).labels["email"]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)
    response = client.post("/staf/masuk", data={"csrf_token": token.group(1), "email": "x"})
    html = response.get_data(as_text=True)
    assert summary_links(html) == ["email", "password"]
    page = parse(html)
    assert page.by_id["email"]["aria-invalid"] == "true"
    assert page.by_id["email"]["aria-describedby"] == "email-error"
