"""Stored, versioned document templates (Jinja2), replaceable by an agency without code.

Each kind starts with the default shipped in ``default_templates/``; an administrator's
upload is a new version, and every document records the version that made it. Uploaded
templates run in Jinja2's sandbox with HTML autoescaping.
"""

import re
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.template_limits import LimitedEnvironment, TemplateTooCostly
from app.errors import Conflict, UnprocessableEntity
from app.models.document import Document, DocumentTemplate

_IMAGE_TAG = re.compile(r"<\s*img", re.IGNORECASE)
DEFAULTS = Path(__file__).parent / "default_templates"
_ENVIRONMENT = LimitedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


def default_body(kind: str) -> str:
    return (DEFAULTS / f"{kind}.html.j2").read_text(encoding="utf-8")


def default_kinds() -> list[str]:
    return sorted(path.name.removesuffix(".html.j2") for path in DEFAULTS.glob("*.html.j2"))


def check_syntax(body: str) -> None:
    if _IMAGE_TAG.search(body):
        raise UnprocessableEntity(
            "Templates cannot embed images: the renderer would read their src from the "
            "server's disk or network",
            code="invalid_template",
        )
    try:
        _ENVIRONMENT.parse(body)
    except jinja2.TemplateSyntaxError as error:
        raise UnprocessableEntity(
            f"Template syntax error on line {error.lineno}: {error.message}",
            code="invalid_template",
        ) from None


def render_body(body: str, data: dict[str, Any]) -> str:
    try:
        html = _ENVIRONMENT.render_limited(body, data)
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError) as error:
        raise UnprocessableEntity(
            f"The document template failed: {error}", code="template_failed"
        ) from None
    if _IMAGE_TAG.search(html):  # built by the template, e.g. "<" ~ "img"
        raise UnprocessableEntity(
            "The document template failed: it makes an image tag", code="template_failed"
        )
    return html


async def check_cost(session: AsyncSession, kind: str, body: str) -> None:
    """Renders ``body`` with the contents of the kind's last document (or none), so a
    template the limits refuse is refused when stored, not when the next action runs.
    Other failures may come from contents this sample lacks and are let through."""
    query = (
        select(col(Document.data))
        .where(col(Document.kind) == kind)
        .order_by(col(Document.issued_at).desc())
        .limit(1)
    )
    sample = (await session.scalars(query)).first() or {}
    try:
        html = _ENVIRONMENT.render_limited(body, sample)
    except TemplateTooCostly as error:
        raise UnprocessableEntity(
            f"The template costs too much to render: {error}", code="invalid_template"
        ) from None
    except Exception:  # other failures: the sample's contents may not fit this template
        pass
    else:
        if _IMAGE_TAG.search(html):
            raise UnprocessableEntity(
                "Templates cannot embed images: the template makes an image tag",
                code="invalid_template",
            )


async def _latest(session: AsyncSession, kind: str) -> DocumentTemplate | None:
    query = (
        select(DocumentTemplate)
        .where(col(DocumentTemplate.kind) == kind)
        .order_by(col(DocumentTemplate.version).desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def current_template(session: AsyncSession, kind: str) -> DocumentTemplate:
    """The newest version of ``kind``'s template, the shipped default when none is stored."""
    template = await _latest(session, kind)
    if template is not None:
        return template
    try:
        async with session.begin_nested():
            template = DocumentTemplate(kind=kind, version=1, body=default_body(kind))
            session.add(template)
    except IntegrityError:  # another issuer stored it first
        template = await _latest(session, kind)
    assert template is not None
    return template


async def seed_default_templates(session: AsyncSession) -> None:
    stored = set((await session.scalars(select(col(DocumentTemplate.kind)).distinct())).all())
    for kind in default_kinds():
        if kind not in stored:
            session.add(DocumentTemplate(kind=kind, version=1, body=default_body(kind)))
    await session.commit()


async def add_version(
    session: AsyncSession, kind: str, body: str, note: str, author: str
) -> DocumentTemplate:
    check_syntax(body)
    await check_cost(session, kind, body)
    latest = (
        await session.execute(
            select(func.max(DocumentTemplate.version)).where(col(DocumentTemplate.kind) == kind)
        )
    ).scalar_one()
    template = DocumentTemplate(
        kind=kind, version=(latest or 0) + 1, body=body, note=note, created_by_name=author
    )
    try:
        async with session.begin_nested():
            session.add(template)
    except IntegrityError:
        raise Conflict(
            "Another version was stored meanwhile: retry", code="template_conflict"
        ) from None
    return template
