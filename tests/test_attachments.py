"""Files on records: typed by their bytes, size-limited, hashed into the audit chain."""

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.factories import Person, ticket_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
EXE = b"MZ\x90\x00" + b"\x00" * 300


@pytest.fixture
async def dispatched(world: World) -> dict[str, Any]:
    department = await world.department("ATT")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    outsider = await world.user("handler", department=await world.department("OUT"))
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(department["id"])},
    )
    return {"ticket": ticket, "operator": operator, "handler": handler, "outsider": outsider}


async def _upload(
    world: World,
    who: Person,
    ticket: dict[str, Any],
    content: bytes,
    name: str = "现场.png",
    kind: str = "photo",
) -> Any:
    return await world.as_(who).post(
        f"/api/v1/tickets/{ticket['id']}/attachments",
        files={"file": (name, content, "image/jpeg")},
        data={"kind": kind},
    )


async def test_upload_list_download_and_hash_in_the_audit_chain(
    world: World, dispatched: dict[str, Any]
) -> None:
    ticket, handler = dispatched["ticket"], dispatched["handler"]
    response = await _upload(world, handler, ticket, PNG)
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert attachment["content_type"] == "image/png"  # from the bytes, not the client's claim
    assert attachment["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert attachment["size"] == len(PNG) and attachment["file_name"] == "现场.png"
    listed = (await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}/attachments")).json()
    assert [a["id"] for a in listed] == [attachment["id"]]
    content = await world.as_(dispatched["operator"]).get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{attachment['id']}/content"
    )
    assert content.status_code == 200 and content.content == PNG
    assert content.headers["content-type"] == "image/png"
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png" in content.headers["content-disposition"]
    events = (await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}/events")).json()
    added = events["items"][-1]
    assert added["action"] == "attachment_added"
    assert added["payload"]["sha256"] == attachment["sha256"]


async def test_unaccepted_type_is_415_and_unknown_kind_422(
    world: World, dispatched: dict[str, Any]
) -> None:
    ticket, handler = dispatched["ticket"], dispatched["handler"]
    exe = await _upload(world, handler, ticket, EXE, name="photo.jpg")
    assert exe.status_code == 415 and exe.json()["code"] == "unsupported_media_type"
    wrong_kind = await _upload(world, handler, ticket, PNG, kind="video")
    assert wrong_kind.status_code == 422
    listed = (await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}/attachments")).json()
    assert listed == []


async def test_file_over_the_limit_is_413_and_nothing_is_kept(
    world: World, dispatched: dict[str, Any], app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "attachment_max_bytes", 4096)
    ticket, handler = dispatched["ticket"], dispatched["handler"]
    big = await _upload(world, handler, ticket, PNG + b"\x00" * 10_000)
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"
    assert (
        await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}/attachments")
    ).json() == []
    folder = Path(app.state.settings.storage_path) / "ticket" / ticket["id"]
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_files_follow_the_records_visibility(
    world: World, dispatched: dict[str, Any]
) -> None:
    ticket = dispatched["ticket"]
    uploaded = (await _upload(world, dispatched["handler"], ticket, PNG)).json()
    outsider = world.as_(dispatched["outsider"])
    assert (await outsider.get(f"/api/v1/tickets/{ticket['id']}/attachments")).status_code == 404
    assert (
        await outsider.get(f"/api/v1/tickets/{ticket['id']}/attachments/{uploaded['id']}/content")
    ).status_code == 404
    assert (await _upload(world, dispatched["outsider"], ticket, PNG)).status_code == 404


async def test_hostile_file_names_cannot_inject_headers(
    world: World, dispatched: dict[str, Any]
) -> None:
    ticket, handler = dispatched["ticket"], dispatched["handler"]
    name = '../../etc/passwd"\r\nSet-Cookie: x=1;.png'
    uploaded = (await _upload(world, handler, ticket, PNG, name=name)).json()
    assert "/" not in uploaded["file_name"] and "\r" not in uploaded["file_name"]
    content = await world.as_(handler).get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{uploaded['id']}/content"
    )
    assert "set-cookie" not in content.headers
    disposition = content.headers["content-disposition"]
    assert "\n" not in disposition and disposition.count('"') == 2


async def test_photos_can_be_removed_while_open_but_not_after_closing(
    world: World, dispatched: dict[str, Any]
) -> None:
    ticket, handler, operator = dispatched["ticket"], dispatched["handler"], dispatched["operator"]
    first = (await _upload(world, handler, ticket, PNG)).json()
    second = (await _upload(world, handler, ticket, PNG, name="b.png")).json()
    removed = await world.as_(handler).delete(
        f"/api/v1/tickets/{ticket['id']}/attachments/{first['id']}"
    )
    assert removed.status_code == 204
    url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(f"{url}/actions/cancel", json={"reason": "重复"})
    refused = await world.as_(handler).delete(f"{url}/attachments/{second['id']}")
    assert refused.status_code == 422 and refused.json()["code"] == "attachment_immutable"
    events = [e["action"] for e in (await world.as_(operator).get(f"{url}/events")).json()["items"]]
    assert events.count("attachment_deleted") == 1


async def test_storage_that_cannot_be_written_is_a_503_naming_storage_not_the_database(
    world: World, dispatched: dict[str, Any], tmp_path: Path
) -> None:
    from app.files.storage import LocalStorage

    not_a_folder = tmp_path / "storage"
    not_a_folder.write_text("a file where the storage folder should be")
    saved = world.app.state.storage
    world.app.state.storage = LocalStorage(str(not_a_folder))
    try:
        response = await _upload(world, dispatched["handler"], dispatched["ticket"], PNG)
    finally:
        world.app.state.storage = saved
    assert response.status_code == 503, response.text
    problem = response.json()
    assert problem["code"] == "storage_unavailable" and "storage" in problem["detail"]
    assert response.headers["retry-after"] == "30"
    listed = await world.as_(dispatched["handler"]).get(
        f"/api/v1/tickets/{dispatched['ticket']['id']}/attachments"
    )
    assert listed.json() == []
