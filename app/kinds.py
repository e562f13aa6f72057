"""The kinds of record govflow serves: the one list the app, the worker, the command line,
the diagrams and ``/workflows`` are built from.

A fourth workflow is served by declaring its ``RecordKind`` in its domain package and
adding it here. Nothing registers itself by being imported; the engine is given this
registry and never imports it.
"""

from app.approvals.service import APPROVALS
from app.cases.service import CASES
from app.oversight.rectifications import RECTIFICATIONS
from app.tickets.service import TICKETS
from app.workflow.registry import RecordKind, Registry

RECORD_KINDS: tuple[RecordKind, ...] = (APPROVALS, CASES, TICKETS, RECTIFICATIONS)
REGISTRY = Registry(RECORD_KINDS)
