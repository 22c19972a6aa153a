"""The benchmark harness: the floor's bytes, the scale scenario, the verdicts, the one command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import create_app

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of scripts in the checkout, not installed
    sys.path.insert(0, str(ROOT))

from bench import floor, load, loadgen, make_scenario, report, run  # noqa: E402

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40123/social-account
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms    1.02ms  21.30ms   90.12%
    Req/Sec     3.10k   210.55     3.40k    70.00%
  Latency Distribution
     50%  812.00us
     75%    2.75ms
     90%    3.31ms
     99%    1.20s
  9301 requests in 3.00s, 9.63MB read
  Non-2xx or 3xx responses: 4
Requests/sec:   3098.71
Transfer/sec:      3.21MB
"""


def stub_answers(app) -> dict[str, tuple[int, str, bytes]]:
    """What the stub answers on each benchmarked path, with the bench's key."""
    client = app.test_client()
    answers = {}
    for path in run.PATHS.values():
        response = client.get(path, headers=run.KEY_HEADER)
        answers[path] = (response.status_code, response.content_type, response.get_data())
    return answers


@pytest.mark.parametrize("name", sorted(run.PATHS))
def test_the_floor_answers_the_stubs_exact_bytes(name):
    path = run.PATHS[name]
    answers = stub_answers(create_app())
    assert answers[path][0] == 200, f"the bench's {name} path must be a 200 on the default scenario"
    # The same round trip the bench makes: bodies file written, read back by the floor.
    served = floor.create_floor_app(floor.decode_bodies(floor.encode_bodies(answers)))
    response = served.test_client().get(path)
    assert (response.status_code, response.content_type, response.get_data()) == answers[path]


def test_the_floor_has_no_route_but_the_benchmarked_paths():
    served = floor.create_floor_app({"/social-account": (200, "application/json", b"{}")})
    assert served.test_client().get("/social-account/other").status_code == 404


def test_the_generated_scale_scenario_passes_mockserver_check(tmp_path):
    path = make_scenario.write_scenario(tmp_path / "scale.yaml", 25)
    done = subprocess.run([sys.executable, "-m", "mockserver", "check", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_generated_scale_scenario_serves_every_account_once(tmp_path):
    path = make_scenario.write_scenario(tmp_path / "scale.yaml", 25)
    client = create_app({"TESTING": True, "SCENARIO": str(path)}).test_client()
    response = client.get("/social-account", headers={"embed-api-key": make_scenario.SCALE_KEY})
    grouped = response.get_json()["data"]["socialAccounts"]
    ids = [account["id"] for accounts in grouped.values() for account in accounts]
    assert sorted(ids) == sorted(make_scenario.account_id(i) for i in range(25))


def test_a_negative_account_count_is_refused():
    with pytest.raises(ValueError, match="accounts must be 0 or more"):
        make_scenario.scenario_text(-1, ("linkedin",))


def results(**stub_overrides) -> dict:
    floor_side = {"startup_ms": 100.0, "peak_rss_mib": 30.0,
                  "list": {"rps": 1000.0, "p50_ms": 2.0, "p99_ms": 10.0},
                  "read": {"rps": 1000.0, "p50_ms": 2.0, "p99_ms": 10.0}}
    stub = json.loads(json.dumps(floor_side))
    for key, value in stub_overrides.items():
        *parents, leaf = key.split("__")
        node = stub
        for parent in parents:
            node = node[parent]
        node[leaf] = value
    return {"stub": stub, "floor": floor_side, "contract": {"wall_s": 2.0}}


def verdicts(rows) -> dict[str, str]:
    return {row["key"]: row["verdict"] for row in rows}


@pytest.mark.parametrize(("override", "key", "expected"), [
    ({"startup_ms": 130.0}, "startup_ms", "PASS"),
    ({"startup_ms": 131.0}, "startup_ms", "FAIL"),
    ({"list__rps": 850.0}, "list.rps", "PASS"),
    ({"list__rps": 849.0}, "list.rps", "FAIL"),
    ({"read__p99_ms": 13.0}, "read.p99_ms", "PASS"),
    ({"read__p99_ms": 13.1}, "read.p99_ms", "FAIL"),
    ({"peak_rss_mib": 45.0}, "peak_rss_mib", "PASS"),
    ({"peak_rss_mib": 45.3}, "peak_rss_mib", "FAIL"),
], ids=lambda value: str(value))
def test_each_target_is_a_bound_on_stub_over_floor(override, key, expected):
    assert verdicts(report.evaluate(results(**override)))[key] == expected


def test_the_ratio_is_stub_over_floor():
    rows = {row["key"]: row for row in report.evaluate(results(startup_ms=150.0))}
    assert rows["startup_ms"]["ratio"] == pytest.approx(1.5)
    assert rows["list.p50_ms"]["verdict"] == "-"  # no target: shown, not judged


@pytest.mark.parametrize(("wall", "expected"), [(2.99, "PASS"), (3.0, "FAIL"), (None, "n/a")])
def test_the_contract_suite_must_take_under_three_seconds(wall, expected):
    data = results()
    data["contract"] = {"wall_s": wall, "note": "" if wall else "contract_tests/ has no tests"}
    assert verdicts(report.evaluate(data))["contract.wall_s"] == expected


def test_a_figure_not_measured_is_na_not_a_failure():
    data = results()
    del data["floor"]["read"]
    rows = report.evaluate(data)
    assert verdicts(rows)["read.rps"] == "n/a"
    assert "read: requests/s n/a" in report.summary(rows)
    assert "| read: requests/s | 1,000/s | n/a |" in report.table(rows)


def test_wrk_output_is_read_in_milliseconds():
    figures = load.parse_wrk(WRK_OUTPUT)
    assert figures == {"requests": 9301, "rps": 3098.71, "p50_ms": pytest.approx(0.812),
                       "p99_ms": pytest.approx(1200.0), "errors": 0, "non_200": 4}


def test_wrk_output_without_latency_distribution_is_refused():
    with pytest.raises(ValueError, match="--latency"):
        load.parse_wrk(WRK_OUTPUT.replace("99%", "98%"))


def test_the_load_generator_takes_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert (loadgen.percentile(values, 0.50), loadgen.percentile(values, 0.99)) == (50.0, 99.0)


def test_the_contract_run_ignores_settings_that_point_elsewhere():
    env = {"PATH": "/bin", "CONTRACT_BASE_URL": "https://embed-api.postnitro.ai",
           "EMBED_API_KEY": "pn-real-key", "CONTRACT_DELETE_ACCOUNT_ID": "acc-1",
           "PYTEST_ADDOPTS": "--base-url https://example.test"}
    assert run.contract_env(env) == {"PATH": "/bin"}


def test_load_goes_only_to_localhost():
    with pytest.raises(ValueError, match="127.0.0.1"):
        load.run_load("python", "http://example.com/", {}, 1, 0.1)


def test_the_bench_command_runs_end_to_end(tmp_path):
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--starts", "1", "--rounds", "1", "--duration", "0.3",
         "--warmup", "0", "--loader", "python", "--scale", "20", "--scale-starts", "1",
         "--contract-runs", "0", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    for side in ("stub", "floor"):
        assert data[side]["startup_ms"] > 0 and data[side]["peak_rss_mib"] > 0
        assert data[side]["list"]["rps"] > 0 and data[side]["read"]["rps"] > 0
    assert data["scale"]["accounts"] == 20 and data["scale"]["stub"]["list"]["rps"] > 0
    assert [row["key"] for row in data["rows"]][:len(report.ROWS)] == [r[0] for r in report.ROWS]
    assert "| start-up to first 200 (median) |" in done.stdout
    assert out.with_suffix(".md").read_text() in done.stdout
