"""The rectification (整改) office the transition matrix runs: each rectification is opened
by a bad real-name rating of a delivered approval, in the approval hall's department."""

from typing import Any

from app.oversight.rectification_workflow import RECTIFICATION_WORKFLOW
from tests.approval_hall import delivered, make_hall
from tests.conftest import World
from tests.transition_matrix import Office, Record
from tests.transition_offices import people_of, preferring


async def rectification_office(world: World) -> Office:
    hall = await make_hall(world, await world.user("admin"))
    given = ("admin", "clerk", "reviewer", "leader", "supervisor", "citizen")
    people = await people_of(world, hall["urban"], **{role: hall[role] for role in given})

    async def create(**fields: Any) -> Record:
        application = await delivered(world, hall)
        rating = await world.as_(hall["citizen"]).post(
            "/api/v1/ratings",
            json={"kind": "approval", "record_id": application["id"], "level": "very_unsatisfied"},
        )
        assert rating.status_code == 201, rating.text
        opened = await world.as_(hall["supervisor"]).get(
            f"/api/v1/rectifications/{rating.json()['rectification_id']}"
        )
        assert opened.status_code == 200, opened.text
        return dict(opened.json())

    return Office(
        world,
        RECTIFICATION_WORKFLOW,
        people,
        create,
        walks={
            "open": (),
            "verified": ("verify",),
            "rectified": ("verify", "rectify"),
            "closed": ("verify", "rectify", "review"),
        },
        bodies={
            "verify": lambda r: {"founded": True, "reasons": "属实：材料告知不清"},
            "rectify": lambda r: {"measures": "补充一次性告知清单并公示"},
            "review": lambda r: {"comment": "整改到位"},
            "send_back": lambda r: {"reason": "清单未公示"},
        },
        acting=preferring({"verify": "clerk", "rectify": "clerk"}, RECTIFICATION_WORKFLOW),
    )
