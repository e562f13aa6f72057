"""Workflow definitions as JSON and as Mermaid ``stateDiagram-v2`` text.

``python -m app.workflow.diagram`` rewrites the diagrams in README.md from the definitions,
and the roles table in docs/roles.md (and in README.md where it has the roles markers).
"""

import re
import sys
from pathlib import Path
from typing import Any

from app.workflow.definition import Action, ClockEffect, Workflow
from app.workflow.roles import markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES_DOC = README.parent / "docs" / "roles.md"
BEGIN, END = "<!-- workflow-diagrams:begin -->", "<!-- workflow-diagrams:end -->"
ROLES_BEGIN, ROLES_END = "<!-- roles-table:begin -->", "<!-- roles-table:end -->"


def mermaid(workflow: Workflow) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.initial}"]
    for action in workflow.actions.values():
        for source in sorted(action.sources):
            lines.append(f"    {source} --> {action.target or source}: {action.name}")
    lines += [f"    {state} --> [*]" for state in workflow.states if state in workflow.terminal]
    return "\n".join(lines)


def _clock(effect: ClockEffect[Any, Any]) -> dict[str, Any]:
    return {"op": str(effect.op), "rule": effect.describe or None}


def _action(action: Action[Any, Any]) -> dict[str, Any]:
    schema = action.body.model_json_schema()
    return {
        "name": action.name,
        "summary": action.summary,
        "from": sorted(action.sources),
        "to": action.target,
        "roles": sorted(action.roles),
        "roles_by_state": {state: sorted(r) for state, r in action.roles_by_state.items()},
        "required_fields": sorted(schema.get("required", [])),
        "body_schema": schema,
        "clock": [_clock(effect) for effect in action.clock],
        "queued": action.queued,
        "issues": list(action.issues),
    }


def definition(workflow: Workflow) -> dict[str, Any]:
    return {
        "name": workflow.name,
        "collection": workflow.collection,
        "description": workflow.description,
        "initial": workflow.initial,
        "states": [
            {"name": state, "terminal": state in workflow.terminal} for state in workflow.states
        ],
        "actions": [_action(action) for action in workflow.actions.values()],
        "visibility": {role: scope.name for role, scope in workflow.role_scopes.items()},
        "documents": [
            {
                "kind": kind.name,
                "title": kind.title,
                "served": kind.service is not None,
                "disclosed": kind.disclosure.category if kind.disclosure else None,
            }
            for kind in (workflow.documents.kinds.values() if workflow.documents else ())
        ],
        "mermaid": mermaid(workflow),
    }


def readme_block(workflows: list[Workflow]) -> str:
    parts = [BEGIN]
    for workflow in sorted(workflows, key=lambda w: w.name):
        parts += [f"#### {workflow.name}", "", "```mermaid", mermaid(workflow), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def roles_block(workflows: list[Workflow]) -> str:
    return "\n".join([ROLES_BEGIN, markdown_table(workflows), ROLES_END])


def roles_document(workflows: list[Workflow]) -> str:
    return "\n".join(
        [
            "# Roles",
            "",
            "Generated from the workflow definitions by `python -m app.workflow.diagram`; "
            "`GET /api/v1/roles` serves the same.",
            "",
            roles_block(workflows),
            "",
        ]
    )


def rewrite_readme(text: str, workflows: list[Workflow]) -> str:
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    text = pattern.sub(lambda _: readme_block(workflows), text)
    roles = re.compile(re.escape(ROLES_BEGIN) + ".*?" + re.escape(ROLES_END), re.DOTALL)
    return roles.sub(lambda _: roles_block(workflows), text)


def main() -> int:
    from app.main import app  # noqa: F401  (imports every module, registering its workflow)
    from app.workflow.registry import record_kinds

    workflows = [kind.workflow for kind in record_kinds()]
    README.write_text(
        rewrite_readme(README.read_text(encoding="utf-8"), workflows), encoding="utf-8"
    )
    ROLES_DOC.write_text(roles_document(workflows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
