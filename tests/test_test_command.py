"""Plain `pytest` runs the whole suite from any folder and ends with one line on what it skipped."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SUBFOLDERS = ["tests", "tests/contract_servers", "fixtures", "mockserver", "contract_tests",
              "bench"]


def _root_conftest():
    spec = importlib.util.spec_from_file_location("checkout_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pytest(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def test_skips_are_summed_up_in_one_line_grouped_by_what_they_need():
    conftest = _root_conftest()
    line = conftest.skip_summary([
        "chromium is not on PATH, so /docs cannot be checked in a browser",
        "node and npm are not installed",
        "chromium is not on PATH, so /docs cannot be checked in a browser",
        "the published page is not at /x/shared/spec/social-accounts.txt",
        "port 4010 is taken here (a stub is already running?)",
        "CHROMIUM=/opt/none is not an executable, so /docs cannot be checked in a browser",
    ])
    assert "\n" not in line
    parts = line.split("; ")
    assert parts[0].startswith("6 checks skipped: 3 need Chromium (Debian: `sudo apt-get install ")
    assert "macOS: `brew install --cask chromium`" in parts[0]
    assert parts[1:] == [
        "1 need Node (install Node.js 20 or newer with npm (https://nodejs.org))",
        "1 need the vendor's page (put social-accounts.txt and authentication.md in "
        f"{conftest.PAGE_FOLDER})",
        "1 because port 4010 is taken here (a stub is already running?)",
    ]
    assert conftest.skip_summary([]) is None


def test_a_machine_without_chromium_is_told_what_to_install():
    # Only the virtual environment's bin on PATH: no chromium, as on a fresh machine.
    env = {k: v for k, v in os.environ.items() if k not in {"CHROMIUM", "CI"}}
    env["PATH"] = os.path.dirname(sys.executable)
    done = _pytest("tests/test_docs_browser.py", cwd=ROOT, env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    lines = done.stdout.strip().splitlines()
    skipped = int(re.search(r"(\d+) skipped", lines[-1]).group(1))
    assert skipped >= 4 and "passed" not in lines[-1]
    assert lines[-2].startswith(f"{skipped} checks skipped: {skipped} need Chromium (Debian: ")
    assert "`sudo apt-get install chromium`" in lines[-2]
    assert "set CHROMIUM to the browser's executable" in lines[-2]


# Runs `pytest --collect-only -q` from each folder given, in one process: after the first
# collection the test modules are imported already, so each further folder costs little.
COLLECT_FROM_EACH = """
import json, os, sys
import pytest

class Ids:
    def pytest_collection_finish(self, session):
        self.ids = [item.nodeid for item in session.items]

found = []
for folder, args in json.loads(sys.argv[1]):
    os.chdir(folder)
    ids = Ids()
    code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *args], plugins=[ids])
    found.append([int(code), getattr(ids, "ids", [])])
print("collected:" + json.dumps(found))
"""


def _collected(runs: list[tuple[Path, list[str]]]) -> list[list[str]]:
    # test_fuzz.py costs half of a first collection (schemathesis); which folders are collected
    # is what is compared, so every run alike leaves it out.
    ignore = f"--ignore={ROOT / 'tests' / 'test_fuzz.py'}"
    plan = json.dumps([[str(folder), [ignore, *args]] for folder, args in runs])
    done = subprocess.run([sys.executable, "-c", COLLECT_FROM_EACH, plan], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert last.startswith("collected:"), done.stdout[-2000:] + done.stderr[-2000:]
    found = json.loads(last.removeprefix("collected:"))
    for (folder, args), (code, _ids) in zip(runs, found, strict=True):
        assert code == 0, f"pytest --collect-only {' '.join(args)} in {folder} exited {code}"
    return [ids for _code, ids in found]


def test_pytest_collects_the_same_suite_from_every_subfolder_and_paths_still_narrow_it():
    folders = [ROOT, *(ROOT / name for name in SUBFOLDERS)]
    *runs, narrowed = _collected([*((f, []) for f in folders),
                                  (ROOT / "fixtures", ["../tests/test_cli.py"])])
    whole = runs[0]
    assert any(i.startswith("tests/") for i in whole)
    assert any(i.startswith("contract_tests/") for i in whole)
    for folder, ids in zip(folders[1:], runs[1:], strict=True):
        assert len(ids) == len(whole), f"from {folder.relative_to(ROOT)}/: {len(ids)} tests"
        assert ids == whole, f"pytest from {folder.relative_to(ROOT)}/ collected other tests"
    assert narrowed and all(i.startswith("tests/test_cli.py::") for i in narrowed)
    assert len(narrowed) < len(whole)


@pytest.fixture
def checkout(pytester):
    """A small checkout with this repository's conftest.py and testpaths, and empty folders."""
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\ntestpaths = ["tests", "contract_tests"]\n'
        # Plugins this small checkout does not need, each a second to import per run.
        'addopts = ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]\n'
    )
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    for folder, test in [("tests", "test_a"), ("contract_tests", "test_b")]:
        pytester.mkdir(folder)
        (pytester.path / folder / f"{test}.py").write_text("def test_one(): pass\n")
    for folder in ["fixtures", "mockserver", "bench"]:
        pytester.mkdir(folder)
    return pytester


@pytest.mark.parametrize("folder", ["fixtures", "tests", "mockserver", "bench"])
def test_a_subfolder_runs_the_testpaths_and_says_so(checkout, monkeypatch, folder):
    monkeypatch.chdir(checkout.path / folder)
    result = checkout.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        f"started in {checkout.path / folder}: running the whole suite from {checkout.path} "
        "(give a path, e.g. `pytest .`, to run less)",
    ])


def test_a_path_given_in_a_subfolder_is_all_that_runs(checkout, monkeypatch):
    monkeypatch.chdir(checkout.path / "tests")
    result = checkout.runpytest(".")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("started in *")
