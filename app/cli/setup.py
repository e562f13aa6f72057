"""``python -m app setup --file org.yaml``: an organisation in one idempotent step.

Departments (with districts and parents), users with roles, ticket routing rules and the
approval services' responsible departments. Each entry is matched by its key (department
code, username, rule's category and district, service code): created when missing,
updated when it differs, never deleted. Record numbers follow fixed per-kind templates, so
there are no numbering rules to set. Everything goes through the same services as the
API, with the same checks, in one transaction: a file with an error changes nothing.
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.approvals import catalogue as approval_catalogue
from app.approvals.schemas import RequiredMaterial, ServiceCreate, ServiceUpdate
from app.cli.context import WORKFLOWS, CommandFailed
from app.errors import GovflowError
from app.identity import service as identity
from app.identity.schemas import (
    Code,
    DepartmentCreate,
    DepartmentUpdate,
    District,
    Name,
    UserCreate,
    Username,
    UserUpdate,
)
from app.models.identity import Department, Role, User
from app.seeds import seed_reference_data
from app.tickets import catalogue as ticket_catalogue
from app.tickets.schemas import RoutingRuleCreate, RoutingRuleUpdate

OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepartmentEntry(Entry):
    code: Code
    name: Name
    parent: Code | None = None
    districts: list[District] = Field(default_factory=list)


class UserEntry(Entry):
    username: Username
    full_name: OptionalText = ""
    roles: list[Role] = Field(default_factory=list)
    department: Code | None = None
    phone: str | None = None
    password: str | None = Field(default=None, description="Better left out: one is generated.")


class RoutingRuleEntry(Entry):
    category: Code | None = None
    district: District | None = None
    department: Code


class ServiceEntry(Entry):
    code: Code
    department: Code
    name: Name | None = None
    legal_limit_days: int | None = None
    committed_limit_days: int | None = None
    on_the_spot: bool | None = None
    required_materials: list[RequiredMaterial] | None = None


class OrgFile(Entry):
    departments: list[DepartmentEntry] = Field(default_factory=list)
    users: list[UserEntry] = Field(default_factory=list)
    routing_rules: list[RoutingRuleEntry] = Field(default_factory=list)
    services: list[ServiceEntry] = Field(default_factory=list)


@dataclass
class SetupReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    current: str = ""  # the entry being applied, to say where an error is

    def count(self, what: str, outcome: str) -> None:
        self.counts.setdefault(what, {"created": 0, "updated": 0, "unchanged": 0})[outcome] += 1

    def lines(self) -> list[str]:
        lines = [
            f"{what}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
            for what, counts in self.counts.items()
        ]
        lines += [
            f"password for {username}: {password}  (shown once: change it after signing in)"
            for username, password in self.passwords.items()
        ]
        return lines


def read_org_file(path: Path) -> OrgFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return OrgFile.model_validate(data)
    except OSError as error:
        raise CommandFailed(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise CommandFailed(f"{path} is not valid YAML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CommandFailed(f"{path}: {where}: {first['msg']}") from None


def _differs(row: Any, wanted: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in wanted.items() if getattr(row, name) != value}


async def _departments(session: AsyncSession, org: OrgFile, report: SetupReport) -> dict[str, Any]:
    rows = {d.code: d for d in (await session.scalars(select(Department))).all()}
    for entry in org.departments:  # parents first in the file, or already stored
        report.current = f"department {entry.code}"
        parent = rows.get(entry.parent) if entry.parent else None
        if entry.parent and parent is None:
            raise CommandFailed(f"department {entry.code}: parent {entry.parent} is not defined")
        wanted = {
            "name": entry.name,
            "parent_id": parent.id if parent else None,
            "districts": entry.districts,
        }
        row = rows.get(entry.code)
        if row is None:
            data = DepartmentCreate(code=entry.code, **wanted)
            rows[entry.code] = await identity.create_department(session, data)
            report.count("departments", "created")
        elif changes := _differs(row, wanted):
            await identity.update_department(session, row, DepartmentUpdate(**changes), None)
            report.count("departments", "updated")
        else:
            report.count("departments", "unchanged")
    return {code: row.id for code, row in rows.items()}


def _department_id(departments: dict[str, Any], code: str | None, where: str) -> Any:
    if code is None:
        return None
    if code not in departments:
        raise CommandFailed(f"{where}: department {code} is not defined")
    return departments[code]


async def _users(
    session: AsyncSession, org: OrgFile, departments: dict[str, Any], report: SetupReport
) -> None:
    for entry in org.users:
        report.current = f"user {entry.username}"
        department_id = _department_id(departments, entry.department, f"user {entry.username}")
        wanted = {
            "full_name": entry.full_name,
            "roles": sorted(str(role) for role in entry.roles),
            "department_id": department_id,
            "phone": entry.phone,
        }
        query = select(User).where(User.username == entry.username)
        row = (await session.scalars(query)).first()
        if row is None:
            password = entry.password or secrets.token_urlsafe(12)
            await identity.create_user(
                session,
                UserCreate(username=entry.username, password=password, **wanted),
                WORKFLOWS,
            )
            if entry.password is None:
                report.passwords[entry.username] = password
            report.count("users", "created")
        elif changes := _differs(row, wanted):
            await identity.update_user(session, row, UserUpdate(**changes), None, WORKFLOWS)
            report.count("users", "updated")
        else:
            report.count("users", "unchanged")


async def _routing_rules(
    session: AsyncSession, org: OrgFile, departments: dict[str, Any], report: SetupReport
) -> None:
    rules = {(r.category_code, r.district): r for r in await ticket_catalogue.list_rules(session)}
    for entry in org.routing_rules:
        where = report.current = f"routing rule {entry.category or '*'}/{entry.district or '*'}"
        department_id = _department_id(departments, entry.department, where)
        rule = rules.get((entry.category, entry.district))
        if rule is None:
            data = RoutingRuleCreate(
                category_code=entry.category, district=entry.district, department_id=department_id
            )
            rules[(entry.category, entry.district)] = await ticket_catalogue.create_rule(
                session, data
            )
            report.count("routing rules", "created")
        elif rule.department_id != department_id:
            update = RoutingRuleUpdate(department_id=department_id)
            await ticket_catalogue.update_rule(session, rule, update, None)
            report.count("routing rules", "updated")
        else:
            report.count("routing rules", "unchanged")


async def _services(
    session: AsyncSession, org: OrgFile, departments: dict[str, Any], report: SetupReport
) -> None:
    for entry in org.services:
        report.current = f"service {entry.code}"
        department_id = _department_id(departments, entry.department, f"service {entry.code}")
        given = entry.model_dump(exclude={"code", "department"}, exclude_none=True)
        wanted = {"department_id": department_id, **given}
        service = await approval_catalogue.service_by_code(session, entry.code)
        if service is None:
            if entry.name is None or entry.legal_limit_days is None:
                raise CommandFailed(
                    f"service {entry.code} is not in the catalogue: give its name, "
                    "legal_limit_days and committed_limit_days to create it"
                )
            data = ServiceCreate(code=entry.code, **{"committed_limit_days": 0, **wanted})
            await approval_catalogue.create_service(session, data)
            report.count("services", "created")
        elif changes := _differs(service, wanted):
            await approval_catalogue.update_service(
                session, service, ServiceUpdate(**changes), None
            )
            report.count("services", "updated")
        else:
            report.count("services", "unchanged")


async def apply_org(session: AsyncSession, org: OrgFile) -> SetupReport:
    """Bring the database in line with ``org``; the caller commits."""
    report = SetupReport()
    await seed_reference_data(session)
    try:
        departments = await _departments(session, org, report)
        await _users(session, org, departments, report)
        await _routing_rules(session, org, departments, report)
        await _services(session, org, departments, report)
    except GovflowError as error:
        raise CommandFailed(f"{report.current}: {error.detail}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CommandFailed(f"{report.current}: {where}: {first['msg']}") from None
    return report
