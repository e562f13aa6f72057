"""``python -m app``: administration from the command line.

    python -m app setup --file org.yaml         departments, users, routing, services
    python -m app users create NAME --role R [--department CODE] [--full-name N]
    python -m app users reset-password NAME
    python -m app users deactivate NAME
    python -m app check                         configuration, database, migrations, storage
    python -m app diagrams                      README's workflow diagrams, docs/roles.md
    python -m app rollups rebuild               recount the statistics' rollups from the records
    python -m app rollups refresh               recount only the days changed since the last pass

Settings come from the environment (``GOVFLOW_*``) as for the server. A password is read
from standard input with ``--password-stdin``; otherwise one is generated and printed once.
"""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import check, setup, users
from app.cli.context import WORKFLOWS, CommandFailed, database
from app.records.rollups import rebuild, refresh
from app.startup import settings_or_exit
from app.tickets.stats import TICKET_ROLLUP
from app.workflow.diagram import write_documents


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="govflow administration")
    commands = parser.add_subparsers(dest="command", required=True)
    setup_command = commands.add_parser("setup", help="set up an organisation from a YAML file")
    setup_command.add_argument("--file", type=Path, required=True)
    commands.add_parser("check", help="check configuration, database, migrations, storage")
    commands.add_parser("diagrams", help="rewrite README's workflow diagrams and docs/roles.md")
    rollups = commands.add_parser("rollups", help="the statistics' per-day rollups")
    rollups.add_argument("rollups_command", choices=["rebuild", "refresh"])

    user_commands = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    create = user_commands.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument("--role", action="append", default=[], dest="roles")
    create.add_argument("--department", help="department code")
    create.add_argument("--full-name", default="")
    for name in ("create", "reset-password", "deactivate"):
        command = create if name == "create" else user_commands.add_parser(name)
        if name != "create":
            command.add_argument("username")
        if name != "deactivate":
            command.add_argument("--password-stdin", action="store_true")
    return parser


async def _in_database(work: Callable[..., Awaitable[object]], *args: object) -> list[str]:
    async with database(settings_or_exit()) as session:
        result = await work(session, *args)
    if isinstance(result, setup.SetupReport):
        return result.lines()
    return [str(result)]


async def rebuild_rollups(session: AsyncSession) -> str:
    days = await rebuild(session, TICKET_ROLLUP, settings_or_exit().timezone)
    return f"rebuilt the ticket statistics' rollups: {days} days"


async def refresh_rollups(session: AsyncSession) -> str:
    """The worker's pass, once: the days records changed on since the watermark."""
    days = await refresh(session, TICKET_ROLLUP, settings_or_exit().timezone)
    return f"refreshed the ticket statistics' rollups: {days} days recounted"


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command == "check":
        findings = asyncio.run(check.run_checks())
        for finding in findings:
            print(finding.line())
        return 0 if all(finding.ok for finding in findings) else 1
    if arguments.command == "diagrams":
        for path in write_documents(WORKFLOWS):
            print(f"wrote {path}")
        return 0
    if arguments.command == "rollups":
        work = rebuild_rollups if arguments.rollups_command == "rebuild" else refresh_rollups
        print("\n".join(asyncio.run(_in_database(work))))
        return 0
    password = None
    if getattr(arguments, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\n")
    if arguments.command == "setup":
        org = setup.read_org_file(arguments.file)
        lines = asyncio.run(_in_database(setup.apply_org, org))
    elif arguments.users_command == "create":
        lines = asyncio.run(
            _in_database(
                users.create,
                arguments.username,
                arguments.roles,
                arguments.department,
                arguments.full_name,
                password,
            )
        )
    elif arguments.users_command == "reset-password":
        lines = asyncio.run(_in_database(users.reset_password, arguments.username, password))
    else:
        lines = asyncio.run(_in_database(users.deactivate, arguments.username))
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return _run(arguments)
    except CommandFailed as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
