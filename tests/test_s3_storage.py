"""The S3-compatible storage backend, against a local S3 server (moto) on 127.0.0.1."""

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioboto3
import pytest
from moto.server import ThreadedMotoServer

from app.files.storage import S3Storage
from tests.conftest import World
from tests.factories import ticket_body
from tests.receiver import free_port

BUCKET = "govflow-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
async def storage(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Storage:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    async with aioboto3.Session().client("s3", endpoint_url=s3_endpoint) as s3:
        buckets = {b["Name"] for b in (await s3.list_buckets())["Buckets"]}
        if BUCKET not in buckets:
            await s3.create_bucket(Bucket=BUCKET)
    return S3Storage(BUCKET, s3_endpoint, "us-east-1")


async def _chunks(total: int, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    for offset in range(0, total, size):
        yield bytes([offset // size % 251]) * min(size, total - offset)


async def test_large_file_goes_up_in_parts_and_comes_back_whole(storage: S3Storage) -> None:
    total = 2 * S3Storage.PART + 12345  # three parts
    expected = hashlib.sha256()
    async for chunk in _chunks(total):
        expected.update(chunk)
    await storage.write("case/x/evidence", _chunks(total))
    received, size = hashlib.sha256(), 0
    async for chunk in storage.read("case/x/evidence"):
        received.update(chunk)
        size += len(chunk)
    assert size == total and received.hexdigest() == expected.hexdigest()
    await storage.delete("case/x/evidence")
    with pytest.raises(Exception):  # noqa: B017  botocore's NoSuchKey
        async for _ in storage.read("case/x/evidence"):
            pass


async def test_a_failed_upload_leaves_no_object(storage: S3Storage) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * 1024
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        await storage.write("ticket/y/photo", broken())
    async with aioboto3.Session().client("s3", endpoint_url=storage.endpoint_url) as s3:
        listed = await s3.list_objects_v2(Bucket=BUCKET, Prefix="ticket/y/")
    assert listed.get("KeyCount", 0) == 0


async def test_attachments_through_the_api_on_s3(
    storage: S3Storage, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state, "storage", storage)
    operator = await world.user("operator")
    api = world.as_(operator)
    ticket = (await api.post("/api/v1/tickets", json=ticket_body())).json()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000
    uploaded = await api.post(
        f"/api/v1/tickets/{ticket['id']}/attachments",
        files={"file": ("p.png", png, "image/png")},
        data={"kind": "photo"},
    )
    assert uploaded.status_code == 201, uploaded.text
    content = await api.get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{uploaded.json()['id']}/content"
    )
    assert content.content == png
