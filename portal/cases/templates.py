"""Response templates per agency: ready answers staff adapt instead of typing from scratch."""

from __future__ import annotations

from sqlalchemy import select

from portal.complaints.models import ResponseTemplate
from portal.extensions import db
from portal.plain_text import has_control


class TemplateError(ValueError):
    """`field` is wrong; `reason` is "length" (empty or too long) or "control" (it holds a
    control character, see portal/plain_text.py)."""

    def __init__(self, field: str, reason: str = "length"):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def templates_for_agency(agency_id: str) -> list[ResponseTemplate]:
    stmt = (
        select(ResponseTemplate)
        .where(ResponseTemplate.agency_id == agency_id)
        .order_by(ResponseTemplate.title)
    )
    return list(db.session.execute(stmt).scalars())


def templates_for_agencies(agency_ids: list[str]) -> list[ResponseTemplate]:
    stmt = (
        select(ResponseTemplate)
        .where(ResponseTemplate.agency_id.in_(agency_ids))
        .order_by(ResponseTemplate.agency_id, ResponseTemplate.title)
    )
    return list(db.session.execute(stmt).scalars())


def add_template(agency_id: str, title: str, body: str) -> ResponseTemplate:
    title, body = title.strip(), body.strip()
    if has_control(title):
        raise TemplateError("title", "control")
    if has_control(body, multiline=True):
        raise TemplateError("body", "control")
    if not title or len(title) > 120:
        raise TemplateError("title")
    if not body or len(body) > 5000:
        raise TemplateError("body")
    template = ResponseTemplate(agency_id=agency_id, title=title, body=body)
    db.session.add(template)
    db.session.commit()
    return template


def delete_template(template: ResponseTemplate) -> None:
    db.session.delete(template)
    db.session.commit()
