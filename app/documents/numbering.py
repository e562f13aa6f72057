"""Document numbers (文号) by the agency's rule, per (department, kind, year).

The counter is a row bumped by an upsert that stays locked until the issuing
transaction commits: two workers issuing at once get consecutive numbers, and a
transaction that rolls back gives its number back, so numbers never repeat or skip.
"""

import string

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.numbering import next_number
from app.models.document import Document, DocumentNumberRule
from app.models.identity import Department
from app.workflow.document_declaration import DocumentKind

DEFAULT_TEMPLATE = "{dept_abbr}{kind_code}〔{year}〕{seq}号"
FIELDS = frozenset({"dept_abbr", "dept_code", "kind_code", "year", "seq"})


NUMBER_LENGTH = Document.__table__.c.number.type.length  # type: ignore[attr-defined]
LONGEST_SEQ = 999_999  # a counter the rule must leave room for


def template_problem(
    template: str, dept_abbr: str = "", dept_code: str = "", kind_code: str = ""
) -> str | None:
    """Why ``template`` cannot number documents, or None: only plain ``{field}``
    placeholders (a format spec such as ``{seq:>99999999}`` makes a number of any size),
    and the number made with the department's values must fit the documents' column."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        return f"The template is not valid: {error}"
    if any(spec or conversion for _, name, spec, conversion in parsed if name is not None):
        return "Placeholders are plain {field}: no format spec or conversion"
    fields = [name for _, name, _, _ in parsed if name is not None]
    unknown = set(fields) - FIELDS
    if unknown:
        return f"Unknown fields {sorted(unknown)}: use {', '.join(sorted(FIELDS))}"
    if "seq" not in fields or "year" not in fields:
        return "The template needs {seq} and {year}: numbers restart each year"
    try:
        longest = template.format(
            dept_abbr=dept_abbr, dept_code=dept_code, kind_code=kind_code, year=9999,
            seq=LONGEST_SEQ,
        )  # fmt: skip
    except (ValueError, IndexError, KeyError) as error:
        return f"The template is not valid: {error}"
    if len(longest) > NUMBER_LENGTH:
        return f"A number by this template can exceed {NUMBER_LENGTH} characters: {longest}"
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
