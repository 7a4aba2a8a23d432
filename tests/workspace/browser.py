"""Chromium, driven by Playwright, on the workspace's pages.

One setting says where the browser is: TELCO_CHURN_CHROMIUM (default /usr/bin/chromium, Debian's
package). Without it the browser tests are skipped with a reason on a laptop, and fail in CI
(CI=true), so that they are never skipped silently there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("TELCO_CHURN_CHROMIUM", "/usr/bin/chromium")
LEAN = Path(__file__).with_name("chromium_lean.sh")  # starts CHROMIUM without the omnibox popups
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
# Set to a folder (docs/images) to save the README's screenshots while the tests run.
SCREENSHOTS = os.environ.get("TELCO_CHURN_UI_SCREENSHOTS")
RUN_ENDED = re.compile(r"^(Succeeded|Failed|Canceled|Timed out|Skipped)$")


def _missing(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: the browser tests must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (conftest.py imports this fixture)."""
    if not Path(CHROMIUM).is_file():
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set TELCO_CHURN_CHROMIUM")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=LEAN, args=ARGS,
                                              env={**os.environ, "TELCO_CHURN_CHROMIUM": CHROMIUM})
        yield launched
        launched.close()


def new_page(browser, viewport: tuple[int, int] = (1280, 800)):
    """A page in a fresh context (no cookies)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(30_000)
    return context.new_page()


def log_in(page, workspace, path: str = "/jobs") -> None:
    """Opens path, which sends a browser without a session to the login form, and logs in."""
    page.goto(workspace.url + path)
    assert "/login?next=" in page.url
    page.get_by_label("Workspace token").fill(workspace.token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(workspace.url + path)


def logged_in_page(browser, workspace, path: str = "/jobs", viewport: tuple[int, int] = (1280, 800)):
    page = new_page(browser, viewport)
    log_in(page, workspace, path)
    return page


def wait_run_ended(page, timeout_s: float = 240) -> str:
    """The run page's state word once the run has ended (the page refreshes itself)."""
    state = page.locator("#run-state")
    expect(state).to_have_text(RUN_ENDED, timeout=timeout_s * 1000)
    return state.inner_text()


def snap(page, name: str) -> None:
    """Saves a screenshot for the README when TELCO_CHURN_UI_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def job_id_named(workspace, name: str) -> int:
    jobs = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/list", query={"name": name}).get("jobs", [])
    assert len(jobs) == 1, jobs
    return jobs[0]["job_id"]


def run_id_of(page) -> int:
    found = re.search(r"/runs/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))
