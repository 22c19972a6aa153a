"""`mockserver record`: a real workspace, read with GETs only, as an anonymised checked scenario."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from . import resources, shapes
from .anonymise import Pseudonyms
from .errors import ConfigError, MockServerError, ScenarioError
from .remote import (
    KEYS,
    Answer,
    Remote,
    RemoteError,
    Target,
    ToolParser,
    account_path,
    add_target_options,
    origin,
    resolve_target,
)
from .scenarios import SUFFIXES, ScenarioLoader
from .spec import Spec
from .validation import response_problem

LIST = "/social-account"
FLAGS = {role: flag for role, flag, _, _ in KEYS}


def scenario_loader(fixtures: str | None = None) -> ScenarioLoader:
    """The loader `mockserver check` uses: the shipped document, every file validated in full."""
    return ScenarioLoader(Spec.load(resources.spec_path()), fixtures or resources.fixtures_dir())


def parser(prog: str = "mockserver record") -> argparse.ArgumentParser:
    """Flags of `mockserver record`."""
    parser = ToolParser(
        prog=prog,
        description=(
            "Read a real workspace (GET requests only; never a DELETE) and write it as a scenario "
            "file that `mockserver check` accepts and `mockserver --scenario FILE` serves. Ids, "
            "handles, names, logo URLs and organization and workspace ids are replaced by stable "
            "pseudonyms; platforms, account types, token statuses, dates and usage are kept."
        ),
    )
    parser.add_argument("--out", metavar="FILE", required=True,
                        help="the scenario file to write (.yaml, .yml or .json); written only "
                             "when complete and valid")
    add_target_options(parser, key_help="key of the workspace to record")
    parser.add_argument("--keep-real-values", action="store_true",
                        help="do not anonymise: the file holds real ids, handles, names and logos")
    return parser


# -- reading ------------------------------------------------------------------------------------
@dataclass
class Recording:
    """What was read: accounts by platform (scenario fields), ids, and what the document lacks."""

    platforms: dict[str, list[dict[str, Any]]]
    organization_id: str | None = None
    workspace_id: str | None = None
    undocumented: dict[str, int] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)  # listed, then 404 when read
    empty: bool = False  # --empty-api-key was read and is empty
    unqualified: bool = False  # --unqualified-api-key was read and is refused with 402

    @property
    def count(self) -> int:
        """How many accounts were recorded."""
        return sum(len(accounts) for accounts in self.platforms.values())


class Progress:
    """A one-line progress bar on a terminal; nothing at all elsewhere (logs, CI)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.terminal = stream.isatty()
        self.shown = False

    def update(self, done: int, total: int) -> None:
        """Redraw the bar."""
        if self.terminal and total:
            self.shown = True
            filled = done * 30 // total
            self.stream.write(f"\rreading accounts {done}/{total} [{'#' * filled:<30}]")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


class Reader:
    """Reads the workspace through a Remote and checks every answer against the document."""

    def __init__(self, remote: Remote, spec: Spec, account_fields: Sequence[str]):
        self.remote, self.spec, self.fields = remote, spec, tuple(account_fields)
        self.origin = remote.origin

    def read(self, progress: Progress) -> Recording:
        """The workspace of --api-key, then the optional empty and unqualified keys."""
        listed = self._ok(self.remote.get(LIST, "api_key"), "listSocialAccounts", "api_key")
        grouped = listed["data"]["socialAccounts"]
        recording = Recording({platform: [] for platform in grouped})
        self._note_undocumented(recording, "listSocialAccounts", listed)
        total = sum(len(accounts) for accounts in grouped.values())
        done = 0
        for platform, summaries in grouped.items():
            for summary in summaries:
                if summary["platformType"] != platform:
                    raise RemoteError(
                        f"{self.origin}: the list shows account {summary['id']!r} under "
                        f"{platform!r} but its platformType is {summary['platformType']!r}")
                account = self._read_account(recording, summary)
                if account is not None:
                    recording.platforms[platform].append(account)
                done += 1
                progress.update(done, total)
        progress.close()
        keys = self.remote.target.keys
        if "empty_api_key" in keys:
            body = self._ok(self.remote.get(LIST, "empty_api_key"), "listSocialAccounts",
                            "empty_api_key")
            count = sum(len(a) for a in body["data"]["socialAccounts"].values())
            if count:
                raise RemoteError(f"{self.origin}: the workspace of --empty-api-key is not empty "
                                  f"({count} account{'s' * (count != 1)})")
            recording.empty = True
        if "unqualified_api_key" in keys:
            answer = self.remote.get(LIST, "unqualified_api_key")
            if answer.status != 402:
                raise RemoteError(f"{self.origin} answered {answer.status} to "
                                  "--unqualified-api-key, not the 402 of a key without a paid plan")
            self._conforms(answer, "listSocialAccounts")
            recording.unqualified = True
        return recording

    def _read_account(self, recording: Recording, summary: dict[str, Any]) -> dict | None:
        answer = self.remote.get(account_path(summary["id"]), "api_key")
        if answer.status == 404:
            self._conforms(answer, "getSocialAccount")
            recording.vanished.append(summary["id"])  # disconnected while we were reading
            return None
        body = self._ok(answer, "getSocialAccount", "api_key")
        self._note_undocumented(recording, "getSocialAccount", body)
        full = body["data"]["socialAccount"]
        for name in ("id", "platformType"):
            if full[name] != summary[name]:
                raise RemoteError(f"{self.origin}: GET {answer.path} answers {name} "
                                  f"{full[name]!r} but the list shows {summary[name]!r}")
        if recording.organization_id is None:
            recording.organization_id = full["organizationId"]
            recording.workspace_id = full["workspaceId"]
        account = {name: full.get(name, summary.get(name)) for name in self.fields
                   if name in full or name in summary}
        account["usage"] = [{"status": row["status"], "_count": row["_count"]}
                            for row in body["data"]["usage"]]
        statuses = [row["status"] for row in account["usage"]]
        twice = sorted({status for status in statuses if statuses.count(status) > 1})
        if twice:  # the stub could not serve it: usage is one count per status
            raise RemoteError(f"{self.origin}: GET {answer.path} answers more than one usage row "
                              f"for status {', '.join(map(repr, twice))}")
        return account

    def _ok(self, answer: Answer, operation_id: str, role: str) -> Any:
        """The body of a 200 that conforms; a refusal or anything else is one sentence."""
        if answer.status in (401, 402, 422):
            raise RemoteError(f"{self.origin} refused {FLAGS[role]} with {answer.status}"
                              f"{_said(answer)}")
        if answer.status != 200:
            raise RemoteError(f"{self.origin} answered {answer.status} to GET {answer.path}"
                              f"{_said(answer)}, not 200")
        return self._conforms(answer, operation_id)

    def _conforms(self, answer: Answer, operation_id: str) -> Any:
        problem = None
        if answer.media_type != "application/json":
            problem = f"its Content-Type is {answer.content_type or 'missing'}, not JSON"
        else:
            problem = response_problem(self.spec, operation_id, answer.status, answer.body)
        if problem:
            raise RemoteError(f"the answer of {self.origin} to GET {answer.path} does not match "
                              f"openapi.yaml ({problem})")
        return answer.json()

    def _note_undocumented(self, recording: Recording, operation_id: str, body: Any) -> None:
        schema = shapes.response_schema(self.spec.document, operation_id, 200)
        for path in shapes.undocumented(self.spec.document, schema, body):
            recording.undocumented[path] = recording.undocumented.get(path, 0) + 1


def _said(answer: Answer) -> str:
    try:
        message = answer.json().get("message")
    except (ValueError, AttributeError):
        return ""
    return f" ({message!r})" if isinstance(message, str) else ""


# -- writing ------------------------------------------------------------------------------------
def fake_key() -> str:
    """A fresh key in the vendor's style (`pn-` and 24 letters and digits), never a real one."""
    return "pn-" + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                           for _ in range(24))


def build_document(recording: Recording, target: Target, keep_real: bool,
                   pseudonyms: Pseudonyms | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario document, and its fresh keys by role."""
    fake = pseudonyms or Pseudonyms()
    accounts = [a for platform in recording.platforms.values() for a in platform]
    org, ws = recording.organization_id, recording.workspace_id
    fake.reserve([org, ws, *(a.get(n) for a in accounts for n in ("id", "accountHandle",
                                                                 "accountName", "accountLogo"))])

    def anonymised(account: dict[str, Any]) -> dict[str, Any]:
        if keep_real:
            return account
        return {**account, "id": fake.id(account["id"]),
                "accountHandle": fake.handle(account["accountHandle"]),
                "accountName": fake.name(account["accountName"]),
                "accountLogo": fake.logo(account["accountLogo"])}

    def ids(tag: str | None) -> dict[str, str]:
        if org is None or ws is None:  # no account was read: the ids were never shown
            return {"organizationId": f"org_{tag or 'recorded'}",
                    "workspaceId": f"ws_{tag or 'recorded'}"}
        if tag is None:
            return {"organizationId": org if keep_real else fake.id(org),
                    "workspaceId": ws if keep_real else fake.id(ws)}
        return {"organizationId": fake.variant(org, tag), "workspaceId": fake.variant(ws, tag)}

    keys = {"api_key": fake_key()}
    workspaces: dict[str, Any] = {keys["api_key"]: {**ids(None), "socialAccounts": {
        platform: [anonymised(a) for a in listed]
        for platform, listed in recording.platforms.items()}}}
    if recording.empty:
        keys["empty_api_key"] = fake_key()
        workspaces[keys["empty_api_key"]] = ids("empty")
    if recording.unqualified:
        keys["unqualified_api_key"] = fake_key()
        workspaces[keys["unqualified_api_key"]] = {**ids("unpaid"), "access": "unpaid"}
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    kept = "real values kept" if keep_real else "anonymised"
    description = (f"Recorded from {origin(target.base_url)} on {when} ({kept}): {recording.count} "
                   f"account{'s' * (recording.count != 1)}.")
    return {"description": description, "workspaces": workspaces}, keys


def dumps(document: dict[str, Any], out: Path) -> str:
    """The document as the file's text: JSON for .json, else YAML with a comment on top."""
    if out.suffix == ".json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    header = (f"# Written by `mockserver record`. Serve it: mockserver --scenario {out}\n"
              "# Check it: mockserver check " + str(out) + "\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def write_checked(text: str, out: Path, loader: ScenarioLoader) -> None:
    """Write to a temporary file beside `out`, validate it, then rename it into place."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.",
                                         suffix=out.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            loader.load(Path(temporary))
        except ScenarioError as exc:
            where = f"{exc.path}: " if exc.path else ""
            raise MockServerError(f"the recording does not make a valid scenario, so {out} was "
                                  f"not written ({where}{exc.message})") from None
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _scenario_account(schema: dict[str, Any]) -> dict[str, Any]:
    """The scenario schema's account object: the fields a scenario file may hold per account."""
    platforms = schema["$defs"]["Workspace"]["properties"]["socialAccounts"]["properties"]
    ref = next(iter(platforms.values()))["items"]["$ref"]
    return schema["$defs"][ref.rsplit("/", 1)[1]]


# -- the command --------------------------------------------------------------------------------
def _output_path(raw: str) -> Path:
    out = Path(raw)
    if out.suffix not in SUFFIXES:
        raise ConfigError(f"--out must end in {', '.join(SUFFIXES)}, not {raw!r}")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {raw}: the folder {str(out.parent)!r} does not exist")
    if out.is_dir():
        raise ConfigError(f"--out {raw} is a folder; give a file name")
    return out


def run(argv: Sequence[str]) -> int:
    """Record the workspace; print the fresh key, the serve command and undocumented fields."""
    args = parser().parse_args(argv)
    target = resolve_target(args, "mockserver record")
    out = _output_path(args.out)
    loader = scenario_loader()
    if args.keep_real_values:
        print(f"mockserver record: warning: --keep-real-values writes real ids, handles, names "
              f"and logo URLs into {out}; do not commit or share it", file=sys.stderr)
    remote = Remote(target)
    account_fields = [name for name in _scenario_account(loader.schema)["properties"]
                      if name != "usage"]
    try:
        try:
            recording = Reader(remote, loader.spec, account_fields).read(Progress(sys.stderr))
        finally:
            remote.close()
        document, keys = build_document(recording, target, args.keep_real_values)
        write_checked(dumps(document, out), out, loader)
    except MockServerError as exc:
        raise type(exc)(target.redact(str(exc))) from None
    except KeyboardInterrupt:
        print(f"\nmockserver record: interrupted; {out} was not written", file=sys.stderr)
        return 130
    _report(recording, remote, out, keys, args.keep_real_values)
    return 0


def _report(recording: Recording, remote: Remote, out: Path, keys: dict[str, str],
            keep_real: bool) -> None:
    by_platform = ", ".join(f"{platform} {len(accounts)}"
                            for platform, accounts in recording.platforms.items())
    kept = "real values kept" if keep_real else "anonymised"
    print(f"recorded {recording.count} account{'s' * (recording.count != 1)} "
          f"({by_platform}) from {remote.origin} into {out} ({kept})")
    if recording.vanished:
        print(f"  {len(recording.vanished)} listed account(s) answered 404 when read "
              "(disconnected meanwhile?) and are not in the file")
    if remote.rate_limited:
        print(f"  rate limited {remote.rate_limited} time(s); waited as Retry-After asked")
    if recording.undocumented:
        print("undocumented fields the service sent (not written into the scenario):")
        for path, count in sorted(recording.undocumented.items()):
            print(f"  {path} (in {count} answer{'s' * (count != 1)})")
    print("keys in the file (fresh fake keys, not the service's):")
    for role, key in keys.items():
        print(f"  {FLAGS[role]:<22} {key}")
    print(f"serve it: mockserver --scenario {out}")
