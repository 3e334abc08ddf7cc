"""A student's real browser session on the hub: `make test-hub` (as root), after test_exchange.py.

Debian's `chromium` (or BOOK_CHROMIUM=/path/to/chrome), headless, driven by Playwright's Python API as
book/test_site.py does: Playwright never downloads a browser, and every request to a host other than the
hub is blocked (and fails the test). A fresh hub (hub/jupyterhub_config.py) with an instructor and one
student, temporary Unix users as in test_hub.py; the instructor releases lab 01 from their server's
environment as in test_exchange.py. Then, in the browser, the student:

1. logs in through the hub's login form (user name and Unix password) and lands in their JupyterLab;
2. opens the Assignments tab (menu Nbgrader > Assignment List: nbgrader's assignment-list extension), where
   lab 01 is listed as released;
3. presses its Fetch button; the lab moves to "Downloaded assignments" and the notebook is in their home;
4. opens the notebook in JupyterLab and runs its first code cell (the Colab setup, which prints nothing off
   Colab) and the next one (the lab's setup: imports torch and the course, prints "PyTorch <version> on
   cpu"); each gets its execution count and no error output, and the setup cell prints that line.

A screenshot of each step goes to build/hub/screenshots/. Everything started is stopped; users, the exchange
and the group are removed, whatever happens.
"""

import os
import pwd
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_exchange import COURSE_ID, LAB, as_user, home, server_environment  # noqa: E402
from test_hub import (  # noqa: E402, F401  (student_venv is a fixture used by name)
    Hub,
    api_token,
    logged_in,
    login,
    needs_root,
    pid_alive,
    start_servers,
    student_venv,
    temporary_users,
)

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "hub" / "screenshots"
# as book/test_site.py: the flags Debian's Chromium needs here, and no calls to Google's services at start
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# a JupyterLab page, a spawn or a torch import on two busy cores
STEP_TIMEOUT_MS = int(os.environ.get("HUB_BROWSER_STEP_MS", 180_000))


def chromium_path() -> str:
    found = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("No Chromium found: `bash scripts/install_chromium.sh` (as root) installs Debian's chromium, "
                    "or set BOOK_CHROMIUM=/path/to/chrome.", pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser_users():
    tag = secrets.token_hex(3)
    yield from temporary_users({"instructor": f"hubb{tag}i", "student": f"hubb{tag}s"})


def release_lab01(hub: Hub, instructor: str, password: str) -> None:
    """The instructor (as their own Unix user, with their server's environment) makes the course folder,
    generates and releases lab 01, as hub/README.md tells them; then stops their server."""
    session, answer = login(hub, instructor, password)
    assert logged_in(session, answer), answer.status_code
    api = requests.Session()
    api.headers["Authorization"] = f"token {api_token(hub, session, instructor)}"
    env = server_environment(start_servers(hub, api, [instructor])[instructor]["state"]["pid"])
    python = str(Path(env["PATH"].split(":")[0]) / "python")
    course = home(instructor) / "vae-course"
    as_user(instructor, [python, str(ROOT / "hub" / "course_folder.py")], env, home(instructor))
    as_user(instructor, [python, "-m", "nbgrader", "generate_assignment", LAB, "--force"], env, course)
    as_user(instructor, [python, "-m", "nbgrader", "release_assignment", LAB], env, course)
    assert api.delete(f"{hub.url}/hub/api/users/{instructor}/server", timeout=60).status_code in (202, 204)


@needs_root
def test_a_student_fetches_lab01_and_runs_a_cell_in_the_browser(browser_users, student_venv):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    names, passwords = browser_users
    instructor, student = names["instructor"], names["student"]
    workdir = Path(tempfile.mkdtemp(prefix="course-hub-"))
    hub = Hub(workdir, {instructor: "instructor", student: "student"}, student_venv)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    outside: list[str] = []
    errors: list[str] = []
    try:
        hub.start()
        hub.wait_ready()
        release_lab01(hub, instructor, passwords[instructor])

        with sync_playwright() as pw:
            chrome = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = None
            try:
                context = chrome.new_context(viewport={"width": 1400, "height": 900})
                context.set_default_timeout(STEP_TIMEOUT_MS)
                page = context.new_page()

                def route(r):
                    if r.request.url.startswith(hub.url + "/"):
                        r.continue_()
                    else:
                        outside.append((r.request.resource_type, r.request.url))
                        r.abort()

                page.route("**/*", route)
                page.on("pageerror", lambda e: errors.append(str(e)))
                console: list[str] = []
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                page.on("websocket", lambda ws: console.append(f"websocket: {ws.url}"))

                # 1. the hub's login form, then the spawn, then JupyterLab
                page.goto(f"{hub.url}/hub/login")
                page.fill("#username_input", student)
                page.fill("#password_input", passwords[student])
                page.screenshot(path=str(SHOTS / "1-login.png"))
                page.click("#login_submit")
                page.wait_for_url(f"{hub.url}/user/{student}/lab**")
                page.wait_for_selector("#jp-main-dock-panel")
                page.wait_for_selector(".jp-LauncherCard")
                page.screenshot(path=str(SHOTS / "2-jupyterlab.png"))

                # 2. the Assignments tab: menu Nbgrader > Assignment List; lab 01 is released
                page.click(".lm-MenuBar-item:has-text('Nbgrader')")
                page.click(".lm-Menu-item:has-text('Assignment List')")
                released = page.locator("#released_assignments_list .list_item", has_text=LAB)
                expect(released).to_be_visible(timeout=STEP_TIMEOUT_MS)
                page.screenshot(path=str(SHOTS / "3-assignments.png"))

                # 3. its Fetch button: the lab moves to the downloaded assignments, and into the student's home
                released.locator("button", has_text="Fetch").click()
                expect(page.locator("#fetched_assignments_list .list_item", has_text=LAB).first).to_be_visible(
                    timeout=STEP_TIMEOUT_MS)
                page.screenshot(path=str(SHOTS / "4-fetched.png"))
                notebook = home(student) / LAB / f"{LAB}.ipynb"
                assert notebook.is_file() and notebook.stat().st_uid == pwd.getpwnam(student).pw_uid

                # 4. the notebook in JupyterLab: run the first code cell, then the setup cell
                page.goto(f"{hub.url}/user/{student}/lab/tree/{LAB}/{LAB}.ipynb")
                panel = page.locator(".jp-NotebookPanel:visible")
                # the kernel has started and is connected: the status bar names it and says Idle (the
                # toolbar's indicator says idle before there is a kernel, and a cell run then is not run)
                expect(page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").first
                       ).to_be_visible(timeout=STEP_TIMEOUT_MS)
                cells = panel.locator(".jp-CodeCell")
                for k in (0, 1):
                    cell = cells.nth(k)
                    cell.locator(".jp-InputArea-editor").click()
                    page.keyboard.press("Shift+Enter")  # run the cell (and select the next), as a student does
                    expect(cell.locator(".jp-InputArea-prompt")).to_have_text(f"[{k + 1}]:", timeout=STEP_TIMEOUT_MS)
                    assert cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                        ).count() == 0, cell.locator(".jp-OutputArea").inner_text()
                    page.screenshot(path=str(SHOTS / f"{5 + k}-cell{k + 1}-ran.png"))
                printed = cells.nth(1).locator(".jp-OutputArea-output").inner_text()
                assert printed.startswith("PyTorch ") and " on " in printed, printed
                context.close()
            except Exception:
                if page is not None:
                    page.screenshot(path=str(SHOTS / "failed.png"))  # where it stopped
                    print("browser console:", *console[-60:], sep="\n  ")
                raise
            finally:
                chrome.close()
        # blocked, as they must be; the only ones asked for are images the notebook's text links to (its
        # "Open in Colab" badge), which a student offline simply does not see
        assert all(kind == "image" for kind, _ in outside), f"requests to hosts other than the hub: {outside[:10]}"
        assert not errors, f"script errors in JupyterLab: {errors[:10]}"
        assert sorted(p.name for p in SHOTS.glob("*.png")) == [
            "1-login.png", "2-jupyterlab.png", "3-assignments.png", "4-fetched.png", "5-cell1-ran.png",
            "6-cell2-ran.png"]

        hub.stop()
        assert hub.proc.returncode == 0, hub.log_tail()
    finally:
        hub.stop()
        pid = hub.proxy_pid()
        if pid and pid_alive(pid):
            os.kill(pid, 15)
        hub.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    assert COURSE_ID and not hub.gate.exists()
