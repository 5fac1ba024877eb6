# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""fleet_report.html in a real headless Chromium (Debian's chromium and chromium-driver, `make browser-deps`):
the rows and counts shown, the status and text filters, sorting by a column header, the status colours, and a
hostile server name that stays text. A screenshot is kept in .work/artifacts/fleet_report.png.

Selenium gets the driver's path, so Selenium Manager never runs (and SE_OFFLINE forbids it any download); the page
is opened from a file:// URL and Chromium is told to resolve no name, so nothing leaves the machine.
"""

from __future__ import annotations

import os
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.report import html, rows

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".work" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def server(name: str, status: str, address: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "name": name,
        "addresses": [address],
        "manageability": status,
        "os": {"caption": "Windows Server 2022 Standard", "version": "10.0.20348", "release": "2022"},
        "wsman_stack": "3.0",
        "last_update": "2026-01-31T11:58:02+00:00",
        **extra,
    }


FLEET = [
    server("web01.contoso.com", "Online", "10.0.0.11"),
    server("web02.contoso.com", "Online", "10.0.0.12", last_update="2026-01-31T10:00:00+00:00"),
    server("app01.contoso.com", "Online - Access denied", "10.0.0.13", reasons=["WinRM denied access (fault 5)"]),
    server(
        "old01.contoso.com",
        "Not accessible",
        "10.0.0.21",
        os={"caption": "Windows Server 2008 R2 Enterprise", "version": "6.1.7601", "release": "2008 R2"},
        wsman_stack="2.0",
        reasons=["Windows Server 2008 R2 needs WMF 4.0 or later (found PowerShell 2.0)"],
    ),
    server(
        "gone01.contoso.com",
        "Not accessible",
        "10.0.0.31",
        os=None,
        wsman_stack="",
        reachable=False,
        reasons=["WinRM did not answer at http://10.0.0.31:5985/wsman: connection refused"],
    ),
    server("krb01.contoso.com", "Kerberos target resolution error", "10.0.0.41", reasons=["no SPN for krb01"]),
    server('<img src=x onerror="window.pwned=1">&"q"', "Credentials not valid", "10.0.0.51"),
]


def require_chromium() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: run `make browser-deps` (Debian's chromium, chromium-driver)")


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "fleet_report.html"
    path.write_text(html.render(rows.build(FLEET, "All Servers", "2026-01-31T12:00:00Z")), encoding="utf-8")
    return path


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[t.Any]:
    require_chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing from the venv: pip install -r requirements-dev.txt (make venv)")
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root in containers, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,900",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    try:
        yield driver
    finally:
        driver.quit()


def visible_names(driver: t.Any) -> list[str]:
    return t.cast(
        list[str],
        driver.execute_script(
            "return Array.from(document.querySelectorAll('#servers tbody tr'))"
            ".filter(r => !r.hidden && r.offsetParent !== null).map(r => r.cells[0].textContent);"
        ),
    )


def test_the_page_in_chromium(browser: t.Any, page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(page.as_uri())
    assert browser.title == "All Servers"
    by_name = sorted((s["name"] for s in FLEET), key=str.casefold)
    assert visible_names(browser) == by_name
    assert browser.find_element(By.ID, "shown").text == str(len(FLEET))

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "fleet_report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # the summary: one chip per status with its count, problems first
    chips = browser.find_elements(By.CSS_SELECTOR, "[data-filter-status]")
    assert [(c.get_attribute("data-filter-status"), c.find_element(By.CLASS_NAME, "count").text) for c in chips] == [
        ("Not accessible", "2"),
        ("Kerberos target resolution error", "1"),
        ("Credentials not valid", "1"),
        ("Online - Access denied", "1"),
        ("Online", "2"),
    ]

    # the hostile name is text: no image loaded, no handler ran
    assert browser.execute_script("return window.pwned === undefined && document.images.length === 0;")
    assert '<img src=x onerror="window.pwned=1">&"q"' in visible_names(browser)

    # the status select hides every other row
    select = Select(browser.find_element(By.ID, "filter-status"))
    select.select_by_value("Online")
    assert visible_names(browser) == ["web01.contoso.com", "web02.contoso.com"]
    assert browser.find_element(By.ID, "shown").text == "2"
    select.select_by_value("")
    assert len(visible_names(browser)) == len(FLEET)

    # a chip filters too, and a second click shows everything again
    chips[0].click()
    assert visible_names(browser) == ["gone01.contoso.com", "old01.contoso.com"]
    assert chips[0].get_attribute("aria-pressed") == "true" and select.first_selected_option.text.startswith("Not")
    chips[0].click()
    assert len(visible_names(browser)) == len(FLEET)

    # the text box matches names, addresses and reasons
    search = browser.find_element(By.ID, "filter-text")
    search.send_keys("WMF 4.0")
    assert visible_names(browser) == ["old01.contoso.com"]
    search.clear()
    search.send_keys("nothing-like-this")
    assert visible_names(browser) == [] and browser.find_element(By.ID, "no-match").is_displayed()
    search.clear()
    search.send_keys(" ")  # clear() fires no input event; a blank needle matches every row
    assert len(visible_names(browser)) == len(FLEET)

    # clicking a column header sorts by it and says so with aria-sort
    headers = browser.find_elements(By.CSS_SELECTOR, "#servers thead th")
    name_header, status_header, update_header = headers[0], headers[2], headers[6]
    name_header.find_element(By.TAG_NAME, "button").click()
    assert visible_names(browser) == list(reversed(by_name))
    assert name_header.get_attribute("aria-sort") == "descending"
    status_header.find_element(By.TAG_NAME, "button").click()
    assert status_header.get_attribute("aria-sort") == "ascending" and name_header.get_attribute("aria-sort") is None
    statuses = browser.execute_script(
        "return Array.from(document.querySelectorAll('#servers tbody tr')).map(r => r.dataset.status);"
    )
    assert statuses == [
        "Not accessible",
        "Not accessible",
        "Kerberos target resolution error",
        "Credentials not valid",
        "Online - Access denied",
        "Online",
        "Online",
    ]
    update_header.find_element(By.TAG_NAME, "button").click()
    assert visible_names(browser)[0] == "web02.contoso.com"  # the oldest update first

    # the colours differ by status: green, amber, red
    colours = browser.execute_script(
        "const c = {}; for (const s of document.querySelectorAll('#servers tbody .status')) {"
        " const k = s.className.split(' ')[1]; c[k] = getComputedStyle(s).backgroundColor; } return c;"
    )
    assert set(colours) == {"sev-ok", "sev-warning", "sev-error"}
    assert len(set(colours.values())) == 3, colours
    assert colours["sev-ok"] == "rgb(218, 251, 225)" and colours["sev-error"] == "rgb(255, 235, 233)"
    amber = browser.find_element(By.XPATH, "//tr[th='old01.contoso.com']//span[contains(@class,'status')]")
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor;", amber)
        == colours["sev-warning"]
    )  # old01 answered and lacks prerequisites: amber, where gone01 (no answer) is red

    # the page's own script and style ran under its Content-Security-Policy: no violation was logged
    log = browser.get_log("browser")
    assert not [entry for entry in log if "Content Security Policy" in entry.get("message", "")], log


def test_missing_chromium_fails_naming_make_browser_deps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMEDRIVER", Path("/nonexistent/chromedriver"))
    with pytest.raises(pytest.fail.Exception, match=r"make browser-deps"):
        require_chromium()
