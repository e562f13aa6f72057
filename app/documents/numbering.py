"""Document numbers (文号) by the agency's rule, per (department, kind, year).

The counter is a row bumped by an upsert that stays locked until the issuing
transaction commits: two workers issuing at once get consecutive numbers, and a
transaction that rolls back gives its number back, so numbers never repeat or skip.
"""

import string

from sqlalchemy.ext.asyncio import AsyncSession

from app.documents.declaration import DocumentKind
from app.models.document import DocumentNumberRule
from app.models.identity import Department
from app.services.numbering import next_number

DEFAULT_TEMPLATE = "{dept_abbr}{kind_code}〔{year}〕{seq}号"
FIELDS = frozenset({"dept_abbr", "dept_code", "kind_code", "year", "seq"})


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot number documents, or None."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        return f"The template is not valid: {error}"
    unknown = set(fields) - FIELDS
    if unknown:
        return f"Unknown fields {sorted(unknown)}: use {', '.join(sorted(FIELDS))}"
    if "seq" not in fields or "year" not in fields:
        return "The template needs {seq} and {year}: numbers restart each year"
    try:
        template.format(dept_abbr="", dept_code="", kind_code="", year=2026, seq=1)
    except (ValueError, IndexError) as error:
        return f"The template is not valid: {error}"
    return None


def counter_name(department: Department, kind: str, year: int) -> str:
    return f"doc:{department.id.hex}:{kind}:{year}"


async def take_number(
    session: AsyncSession, department: Department, kind: DocumentKind, year: int
) -> str:
    rule = await session.get(DocumentNumberRule, (department.id, kind.name))
    template = rule.template if rule else DEFAULT_TEMPLATE
    abbreviation = (rule.abbreviation if rule else "") or department.code
    seq = await next_number(session, counter_name(department, kind.name, year))
    return template.format(
        dept_abbr=abbreviation,
        dept_code=department.code,
        kind_code=kind.code,
        year=year,
        seq=seq,
    )
