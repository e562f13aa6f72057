"""The roles, what each does, and which actions each may take: read from the workflows.

What a role may do is never written here: it comes from each workflow's actions and
visibility, so this table cannot drift from what the engine enforces. Only the plain
description of each role is written by hand.
"""

from dataclasses import dataclass

from app.models.identity import Role
from app.workflow.definition import SYSTEM_ROLE, Workflow

DESCRIPTIONS: dict[str, str] = {
    Role.admin: "Administers the platform: departments, users, catalogues, routing rules, "
    "API clients, webhooks, the calendar. Sees every record.",
    Role.operator: "Hotline operator (话务员/派单员): registers tickets from calls and "
    "dispatches them to departments.",
    Role.handler: "Department handler (承办人): signs for, handles and answers the tickets "
    "dispatched to the department.",
    Role.supervisor: "Supervisor (督办): oversees every department's records, urges and "
    "verifies them, reads statistics and the audit chains.",
    Role.clerk: "Approval-hall clerk (窗口受理): registers and accepts applications for "
    "the department's services.",
    Role.reviewer: "Approval reviewer (审查): examines accepted applications and recommends "
    "a decision.",
    Role.leader: "Department leader (负责人): decides the department's approvals and "
    "enforcement cases.",
    Role.inspector: "Law-enforcement officer (执法人员, with a credential): registers, files, "
    "investigates and serves the department's enforcement cases.",
    Role.legal_reviewer: "Legal reviewer (法制审核): reviews enforcement cases in legal review, "
    "whichever department they belong to.",
    Role.citizen: "Citizen or company account: files tickets and applications and follows its own.",
}
SYSTEM_DESCRIPTION = (
    "Not a role anyone is given: the deadline sweeper acts under it when a clock runs out "
    "(for example an approval deemed accepted). It cannot be assigned to a user."
)


@dataclass(frozen=True)
class RoleSummary:
    name: str
    description: str
    needs_department: bool
    assignable: bool
    visibility: dict[str, str]  # workflow -> which records the role relates to
    actions: dict[str, list[str]]  # workflow -> actions the role may take


def _may_take(role: str, workflow: Workflow) -> list[str]:
    return [
        action.name
        for action in workflow.actions.values()
        if role in action.roles or any(role in roles for roles in action.roles_by_state.values())
    ]


def needs_department(role: str, workflows: list[Workflow]) -> bool:
    """A role that sees a workflow's records by department is useless without one."""
    return any(
        (scope := workflow.role_scopes.get(role)) is not None and scope.name == "department"
        for workflow in workflows
    )


def roles_needing_department(workflows: list[Workflow]) -> set[str]:
    return {role for role in DESCRIPTIONS if needs_department(role, workflows)}


def role_summaries(workflows: list[Workflow]) -> list[RoleSummary]:
    ordered = sorted(workflows, key=lambda w: w.name)
    summaries = [
        RoleSummary(
            name=role,
            description=description,
            needs_department=needs_department(role, ordered),
            assignable=True,
            visibility={w.name: w.role_scopes[role].name for w in ordered if role in w.role_scopes},
            actions={w.name: _may_take(role, w) for w in ordered},
        )
        for role, description in DESCRIPTIONS.items()
    ]
    summaries.append(
        RoleSummary(
            name=SYSTEM_ROLE,
            description=SYSTEM_DESCRIPTION,
            needs_department=False,
            assignable=False,
            visibility={},
            actions={w.name: _may_take(SYSTEM_ROLE, w) for w in ordered},
        )
    )
    return summaries


def markdown_table(workflows: list[Workflow]) -> str:
    ordered = sorted(workflows, key=lambda w: w.name)
    header = ["Role", "What it does", "Needs a department", *(f"{w.name} actions" for w in ordered)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for summary in role_summaries(ordered):
        name = f"`{summary.name}`" + ("" if summary.assignable else " (not assignable)")
        cells = [
            name,
            summary.description,
            "yes" if summary.needs_department else "no",
            *(", ".join(f"`{a}`" for a in summary.actions[w.name]) or "—" for w in ordered),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
