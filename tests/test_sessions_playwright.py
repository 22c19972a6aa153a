"""The README's Playwright fixture, run by Playwright itself: parallel tests, a session each."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "playwright"
# Pinned, so that a new release cannot change what this test proves; bump it deliberately.
PLAYWRIGHT = "@playwright/test@1.65.1"
FIXTURE = re.search(r"```js\n(// e2e/fixtures\.js.*?)```", (ROOT / "README.md").read_text(),
                    re.S)


def _unavailable(reason: str):
    # In CI a missing tool is a failure, as for the other browser tests; elsewhere a skip.
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A Playwright project: the README's fixture file, a spec using it, @playwright/test."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    npm = shutil.which("npm")
    if not chromium or not npm or not shutil.which("node"):
        _unavailable("Node, npm and chromium are needed to run the README's Playwright fixture "
                     "(apt-get install -y nodejs npm chromium)")
    folder = tmp_path_factory.mktemp("playwright")
    (folder / "package.json").write_text(json.dumps({"private": True, "type": "module"}))
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", PLAYWRIGHT], cwd=folder, text=True,
        capture_output=True, timeout=300,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
    if installed.returncode != 0:
        _unavailable(f"`npm install {PLAYWRIGHT}` failed: {installed.stderr.strip()[-300:]}")
    (folder / "e2e").mkdir()
    assert FIXTURE, "the README shows no e2e/fixtures.js"
    (folder / "e2e" / "fixtures.js").write_text(FIXTURE.group(1))
    shutil.copy(HERE / "isolation.spec.js", folder / "e2e")
    shutil.copy(HERE / "playwright.config.js", folder)
    return folder


def test_parallel_playwright_tests_each_run_in_their_own_session(project):
    with running_stub() as url:
        run = subprocess.run(
            [shutil.which("npx"), "playwright", "test"], cwd=project, text=True,
            capture_output=True, timeout=600,
            env={**os.environ, "STUB_URL": url,
                 "CHROMIUM": os.environ.get("CHROMIUM") or shutil.which("chromium")})
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert "7 passed" in run.stdout
        listing = requests.get(f"{url}/__admin/sessions", timeout=10).json()["sessions"]
        read = requests.get(f"{url}/social-account/{PAGE_ACCOUNT_ID}",
                            headers={"embed-api-key": DEMO_KEY}, timeout=10)
    # Six tests deleted the same account, each in a session of its own, and all six won; the
    # seventh asked for another scenario with test.use(); the stub itself still has the account.
    sessions = sorted((s["scenario"], s["deleted"]) for s in listing)
    assert sessions == [("default", 1)] * 6 + [("empty-workspace", 0)]
    assert all(s["name"].startswith("e2e-") for s in listing)
    assert read.status_code == 200
