"""Reading documents back through the API: the listing, the PDF's text, the chain."""

import io
from typing import Any

from pypdf import PdfReader

from tests.conftest import World
from tests.factories import Person


async def documents(
    world: World, who: Person, collection: str, record: dict[str, Any]
) -> list[Any]:
    response = await world.as_(who).get(f"/api/v1/{collection}/{record['id']}/documents")
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def pdf_bytes(
    world: World, who: Person, collection: str, record: dict[str, Any], document: dict[str, Any]
) -> bytes:
    response = await world.as_(who).get(
        f"/api/v1/{collection}/{record['id']}/documents/{document['id']}/content"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == 595.28  # A4 in points
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


async def pdf_text(
    world: World, who: Person, collection: str, record: dict[str, Any], document: dict[str, Any]
) -> str:
    return text_of(await pdf_bytes(world, who, collection, record, document))


def of_kind(items: list[Any], kind: str) -> dict[str, Any]:
    matching = [item for item in items if item["kind"] == kind]
    assert matching, f"no {kind} in {[item['kind'] for item in items]}"
    return matching[-1]


async def serve(
    world: World,
    who: Person,
    collection: str,
    record: dict[str, Any],
    document: dict[str, Any],
    expect: int = 201,
    **body: Any,
) -> Any:
    response = await world.as_(who).post(
        f"/api/v1/{collection}/{record['id']}/documents/{document['id']}/service", json=body
    )
    assert response.status_code == expect, response.text
    return response.json()
