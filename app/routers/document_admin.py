"""Administration of documents: templates per kind, numbering per department, and the
on-time disclosure statistics."""

import uuid

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from app.deps import AdminActor, CurrentActor, RegistryDep, SessionDep
from app.documents.numbering import template_problem
from app.documents.schemas import (
    DisclosureCount,
    NumberRuleBody,
    NumberRulePublic,
    TemplateCreate,
    TemplatePublic,
)
from app.documents.statistics import disclosure_counts
from app.documents.templates import add_version
from app.errors import Forbidden, NotFound, UnprocessableEntity, problem_responses
from app.models.base import utcnow
from app.models.document import DocumentNumberRule, DocumentTemplate
from app.models.identity import Department
from app.workflow.registry import Registry

router = APIRouter(prefix="/api/v1", tags=["documents"])


def _template_public(row: DocumentTemplate) -> TemplatePublic:
    return TemplatePublic.model_validate(row, from_attributes=True)


def _kind_codes(registry: Registry) -> dict[str, str]:
    return {
        name: kind.code
        for record_kind in registry
        if record_kind.workflow.documents is not None
        for name, kind in record_kind.workflow.documents.kinds.items()
    }


def _known_kinds(registry: Registry) -> set[str]:
    return set(_kind_codes(registry))


@router.get(
    "/document-templates",
    response_model=list[TemplatePublic],
    summary="Document templates, every version",
    description="The stored Jinja2 templates per document kind; documents record the "
    "version that made them. Administrators only.",
    operation_id="document_templates_list",
    responses=problem_responses(401, 403),
)
async def list_templates(
    session: SessionDep, actor: AdminActor, kind: str | None = None
) -> list[TemplatePublic]:
    query = select(DocumentTemplate).order_by(
        col(DocumentTemplate.kind), col(DocumentTemplate.version)
    )
    if kind is not None:
        query = query.where(col(DocumentTemplate.kind) == kind)
    return [_template_public(row) for row in (await session.scalars(query)).all()]


@router.post(
    "/document-templates",
    response_model=TemplatePublic,
    status_code=201,
    summary="Store a new version of a kind's template (Jinja2 HTML)",
    description="Replaces the kind's template for documents issued from now on, without "
    "touching code; earlier documents keep their version. Runs in Jinja2's sandbox; a "
    "syntax error, an `<img>`, or a template that "
    "renders past the limits (values over 100,000 characters or items, exponents over 1,000, "
    "200,000 loop turns and calls, 200,000 characters of output) with the kind's last "
    "contents is a 422 `invalid_template`; one that does so only with other contents fails "
    "its action with a 422 `template_failed`.",
    operation_id="document_templates_create",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_template(
    body: TemplateCreate, session: SessionDep, actor: AdminActor, registry: RegistryDep
) -> TemplatePublic:
    if body.kind not in _known_kinds(registry):
        raise UnprocessableEntity(
            f"Unknown document kind {body.kind!r}", code="unknown_document_kind"
        )
    return _template_public(await add_version(session, body.kind, body.body, body.note, actor.name))


@router.put(
    "/departments/{department_id}/document-numbers/{kind}",
    response_model=NumberRulePublic,
    summary="Set how a department numbers a kind of document",
    description="A template with `{seq}` and `{year}`, and optionally `{dept_abbr}` (the "
    "abbreviation given), `{dept_code}` and `{kind_code}`, e.g. "
    "`{dept_abbr}综执罚〔{year}〕{seq}号`. The counter runs per department, kind and year. "
    "Placeholders are plain (no format spec or conversion) and the number must fit 64 "
    "characters with a 6-digit sequence, else 422 `invalid_number_template`.",
    operation_id="document_number_rules_set",
    responses=problem_responses(401, 403, 404, 422),
)
async def set_number_rule(
    department_id: uuid.UUID,
    kind: str,
    body: NumberRuleBody,
    session: SessionDep,
    actor: AdminActor,
    registry: RegistryDep,
) -> NumberRulePublic:
    if kind not in _known_kinds(registry):
        raise UnprocessableEntity(f"Unknown document kind {kind!r}", code="unknown_document_kind")
    department = await session.get(Department, department_id)
    if department is None:
        raise NotFound("No such department")
    abbreviation = body.abbreviation or department.code
    if problem := template_problem(
        body.template, abbreviation, department.code, _kind_codes(registry)[kind]
    ):
        raise UnprocessableEntity(problem, code="invalid_number_template")
    rule = await session.get(DocumentNumberRule, (department_id, kind))
    if rule is None:
        rule = DocumentNumberRule(department_id=department_id, kind=kind, template=body.template)
        session.add(rule)
    rule.template, rule.abbreviation, rule.updated_at = body.template, body.abbreviation, utcnow()
    await session.flush()
    return NumberRulePublic(
        department_id=department_id,
        kind=kind,
        template=rule.template,
        abbreviation=rule.abbreviation,
    )


@router.get(
    "/disclosures/statistics",
    response_model=list[DisclosureCount],
    summary="On-time public disclosure (公示) per department",
    description="Decisions due for disclosure, published within their 7 working days or "
    "late, still pending (and past due), and withdrawn. Administrators and supervisors see "
    "every department, others their own.",
    operation_id="disclosures_statistics",
    responses=problem_responses(401, 403),
)
async def disclosure_statistics(session: SessionDep, actor: CurrentActor) -> list[DisclosureCount]:
    if actor.kind != "user" or actor.has_any("citizen"):
        raise Forbidden("Disclosure statistics are for staff")
    everywhere = actor.has_any("admin", "supervisor")
    return await disclosure_counts(session, None if everywhere else actor.department_id, utcnow())
