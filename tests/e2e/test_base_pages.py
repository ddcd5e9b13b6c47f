"""The base layout in a real browser: navigation, htmx loaded from our own static files."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/backstop-home.png"


def no_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    return errors


def test_home_has_navigation_and_htmx(page, live_server):
    errors = no_errors(page)
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    nav = page.locator("nav.public a")
    assert nav.all_inner_texts() == [
        "Overview",
        "Funds",
        "Markets",
        "Governance",
        "Reserves",
        "API",
    ]
    assert page.locator("nav.public a[aria-current=page]").inner_text() == "Overview"
    assert page.locator("header a", has_text="Staff").is_visible()
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("typeof window.htmx.ajax") == "function"
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # our CSS loaded
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert errors == []


def test_staff_login_page(page, live_server):
    errors = no_errors(page)
    page.goto(live_server.url + "/staff/audit/")
    assert page.url.startswith(live_server.url + "/staff/login/?next=/staff/audit/")
    assert page.locator("h1").inner_text() == "Staff sign in"
    for name in ("username", "password", "otp_token"):
        assert page.locator(f"input[name={name}]").is_visible()
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong password")
    page.fill("input[name=otp_token]", "123456")
    page.click("button[type=submit]")
    assert page.locator(".error").first.is_visible()
    page.screenshot(path="/tmp/backstop-staff-login.png", full_page=True)
    assert errors == []


def test_api_docs_render_offline_under_our_csp(page, live_server):
    errors = no_errors(page)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Backstop API" in page.locator(".swagger-ui .info .title").inner_text()
    page.get_by_text("/api/v1/venue/whoami").first.wait_for()
    page.screenshot(path="/tmp/backstop-api-docs.png")
    assert errors == []
