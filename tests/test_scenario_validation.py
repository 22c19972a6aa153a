"""A bad scenario file stops the stub with one sentence naming the file and the path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mockserver import ScenarioError, create_app, resources

ACCOUNT = "workspaces.pn-demo-key.socialAccounts.linkedin[0]"


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the shipped fixtures folder that a test may break."""
    target = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), target)
    return target


def _edit(fixtures: Path, change) -> None:
    path = fixtures / "default.yaml"
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _first(document):
    return document["workspaces"]["pn-demo-key"]["socialAccounts"]["linkedin"][0]


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        pytest.param(
            lambda d: _first(d).update(accountTyp="x"),
            ACCOUNT,
            "'accountTyp' was unexpected",
            id="typo'd field",
        ),
        pytest.param(
            lambda d: _first(d).update(accountName=42),
            f"{ACCOUNT}.accountName",
            "42 is not of type 'string'",
            id="wrong type",
        ),
        pytest.param(
            lambda d: _first(d).pop("accountHandle"),
            ACCOUNT,
            "'accountHandle' is a required property",
            id="missing field",
        ),
        pytest.param(
            lambda d: _first(d).update(createdAt="last tuesday"),
            f"{ACCOUNT}.createdAt",
            "is not a 'date-time'",
            id="bad date-time",
        ),
        pytest.param(
            lambda d: _first(d).update(platformType="tiktok"),
            f"{ACCOUNT}.platformType",
            "listed under 'linkedin' has platformType 'tiktok'",
            id="wrong platform",
        ),
        pytest.param(
            lambda d: _first(d)["usage"].append({"status": "PENDING", "_count": 1}),
            f"{ACCOUNT}.usage",
            "'PENDING' appears more than once",
            id="duplicate usage status",
        ),
        pytest.param(
            lambda d: _first(d)["usage"][0].update(_count=-1),
            f"{ACCOUNT}.usage[0]._count",
            "-1 is less than the minimum of 0",
            id="negative count",
        ),
        pytest.param(
            lambda d: d["workspaces"]["pn-other-key"]["socialAccounts"]["threads"][0].update(
                id="cmqi7jyir0003v0m91hxnyyaq"
            ),
            "workspaces.pn-other-key.socialAccounts.threads[0].id",
            "already used in workspace 'pn-demo-key'",
            id="id in two workspaces",
        ),
        pytest.param(
            lambda d: d["workspaces"]["pn-demo-key"].update(access="trial"),
            "workspaces.pn-demo-key.access",
            "'trial' is not one of",
            id="unknown access",
        ),
        pytest.param(
            lambda d: d["workspaces"]["pn-demo-key"]["socialAccounts"].update(facebook=[]),
            "workspaces.pn-demo-key.socialAccounts",
            "'facebook' was unexpected",
            id="unknown platform",
        ),
        pytest.param(
            lambda d: d.pop("description"),
            "(top level)",
            "'description' is a required property",
            id="no description",
        ),
        pytest.param(
            lambda d: d.update(faults=[{"operation": "listSocialAccounts", "status": 404}]),
            "faults[0].status",
            "GET /social-account does not document status 404",
            id="undocumented fault status",
        ),
    ],
)
def test_invalid_fixture_refuses_to_start(fixtures, change, path, reason):
    _edit(fixtures, change)
    with pytest.raises(ScenarioError) as caught:
        create_app({"TESTING": True, "FIXTURES_DIR": str(fixtures)})
    message = str(caught.value)
    assert message.startswith(f"{fixtures / 'default.yaml'}: {path}: "), message
    assert reason in message
    assert "\n" not in message


def test_invalid_yaml_names_the_line(fixtures):
    (fixtures / "default.yaml").write_text("description: x\nworkspaces: [\n")
    with pytest.raises(ScenarioError, match=r"default.yaml: line \d+: not valid YAML"):
        create_app({"FIXTURES_DIR": str(fixtures)})


def test_missing_folder_and_unknown_scenario(tmp_path, fixtures):
    with pytest.raises(ScenarioError, match="the fixtures folder does not exist"):
        create_app({"FIXTURES_DIR": str(tmp_path / "nowhere")})
    with pytest.raises(ScenarioError, match=r"'nope': no such scenario .*known: .*default"):
        create_app({"FIXTURES_DIR": str(fixtures), "SCENARIO": "nope"})
    with pytest.raises(ScenarioError, match="is not a scenario name"):
        create_app({"FIXTURES_DIR": str(fixtures), "SCENARIO": ".."})


def test_extends_cycle_is_refused(fixtures):
    (fixtures / "a.yaml").write_text("description: a\nextends: b\n")
    (fixtures / "b.yaml").write_text("description: b\nextends: a\n")
    with pytest.raises(ScenarioError, match="cycle"):
        create_app({"FIXTURES_DIR": str(fixtures), "SCENARIO": "a"})


def test_alias_bomb_is_refused(fixtures):
    bomb = ["description: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]
    (fixtures / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    with pytest.raises(ScenarioError, match="aliases expand it beyond the size limit"):
        create_app({"FIXTURES_DIR": str(fixtures), "SCENARIO": "bomb"})
