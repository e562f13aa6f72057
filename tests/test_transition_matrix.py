"""Every declared action, from every state, by every role, answers as the declaration says.

Records are real: each state is reached by walking a fresh record there through the API.
An allowed action moves the record to its declared target (200, version + 1); a refused
one is refused for its reason (404 for a role that may not see the record, 409
``transition_not_allowed`` from another state, 403 for another role) and changes nothing;
every guard and availability rule refuses with 422 ``guard_failed`` and its own reason.
"""

import pytest

from app.documents import issuing
from tests.conftest import World
from tests.rectification_office import rectification_office
from tests.transition_matrix import assert_matrix, assert_refusals
from tests.transition_offices import OFFICES as WORKFLOW_OFFICES


@pytest.fixture(autouse=True)
def plain_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documents actions issue are checked in the document tests; rendering each one
    (about a second with the CJK font) would take this matrix past the suite's budget, so
    here a fixed PDF stands in for it. Everything else of issuing still runs."""
    monkeypatch.setattr(issuing, "render_pdf", lambda page, html, font=None: PLAIN_PDF)


PLAIN_PDF = b"%PDF-1.4\n%matrix\n"
OFFICES = {**WORKFLOW_OFFICES, "rectification": rectification_office}


@pytest.mark.parametrize("workflow", sorted(OFFICES))
async def test_every_state_action_and_role_answers_as_declared(world: World, workflow: str) -> None:
    await assert_matrix(await OFFICES[workflow](world))


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_OFFICES))
async def test_every_rule_refuses_with_its_own_reason(world: World, workflow: str) -> None:
    await assert_refusals(await OFFICES[workflow](world))
