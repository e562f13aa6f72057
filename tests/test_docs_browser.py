"""The documentation pages work in a real browser without internet access.

Debian's chromium (installed by ``.ci/run``), driven by Playwright, loads ``/docs`` and
``/redoc`` from a server on loopback while every request to another host is refused, signs
in through "Authorize" with the password flow, and runs one "Try it out" call.
"""

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from tests import factories
from tests.conftest import World

# Generous for a loaded machine; the whole file takes about 15 s on a quiet one.
TIMEOUT_MS = 30_000
# What a page needs to work. ReDoc's attribution logo is an image from its vendor that the
# page hides when it does not load, so images may fail.
NEEDED = {"document", "script", "stylesheet", "font", "fetch", "xhr"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
async def base_url(app: Any) -> AsyncIterator[str]:
    app.openapi()  # built once here, not inside the page's wait
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", ws="none", log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "the documentation server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: `apt-get install -y chromium` (see .ci/run)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def offline_page(browser: Browser, base_url: str) -> tuple[Page, list[str]]:
    """A page that can reach only the app: what it needed from elsewhere is in the list."""
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    elsewhere: list[str] = []

    async def only_the_app(route: Any) -> None:
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            if route.request.resource_type in NEEDED:
                elsewhere.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_the_app)
    return page, elsewhere


async def test_swagger_page_signs_in_and_tries_a_call_without_internet(
    world: World, base_url: str, browser: Browser
) -> None:
    person = await world.user("admin", username="docs-admin")
    page, elsewhere = await offline_page(browser, base_url)

    await page.goto(f"{base_url}/docs")
    await page.locator(".swagger-ui .info .title", has_text="govflow").wait_for()

    await page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".auth-container").first
    await dialog.locator("#oauth_username").fill(person.username)
    await dialog.locator("#oauth_password").fill(factories.PASSWORD)
    for unused in ("client_id", "client_secret", "password_type"):
        assert not await dialog.locator(f"label[for^='{unused}']").is_visible(), unused
    await dialog.locator("button.authorize").click()
    await dialog.get_by_text("Authorized", exact=True).wait_for()
    await dialog.locator("button", has_text="Logout").wait_for()
    await page.locator(".dialog-ux .close-modal").click()

    await page.reload()
    await page.locator(".swagger-ui .info .title", has_text="govflow").wait_for()
    operation = page.locator("#operations-auth-me_get")
    await operation.locator(".opblock-summary").click()
    await operation.locator(".try-out__btn").click()
    await operation.locator(".execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    await status.wait_for()
    assert (await status.inner_text()).strip() == "200"
    body = await operation.locator(".live-responses-table .microlight").first.inner_text()
    assert person.username in body, "the token kept across the reload signed the call"
    assert elsewhere == []


async def test_redoc_page_renders_without_internet(base_url: str, browser: Browser) -> None:
    page, elsewhere = await offline_page(browser, base_url)
    await page.goto(f"{base_url}/redoc")
    await page.locator("h1", has_text="govflow").wait_for()
    await page.locator("h2", has_text="Sign in").first.wait_for(state="attached")
    assert elsewhere == []
