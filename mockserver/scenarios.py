"""Scenario files into immutable `Scenario` values: find, read, resolve `extends`, validate."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ScenarioError
from .fast_schema import Accepts, compile_accepts
from .parsing import MAX_DOCUMENT_BYTES, parse_document
from .scenario_schema import build_scenario_schema, inline_refs
from .spec import Spec, format_checker

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
SUFFIXES = (".yaml", ".yml", ".json")

Stamp = tuple[int, int] | None


def file_stamp(path: Path) -> Stamp:
    """A file's (mtime in ns, size), or None if it cannot be read: changes when it is edited."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass(frozen=True)
class Scenario:
    """One validated scenario: workspaces by API key and the faults it declares."""

    name: str
    description: str
    source: str
    workspaces: Mapping[str, Mapping[str, Any]]
    faults: tuple[Mapping[str, Any], ...]
    files: tuple[Path, ...] = ()  # this scenario's file first, then those it extends
    stamps: tuple[Stamp, ...] = ()  # each file's (mtime, size) when it was read, for hot reload
    origin: Any = None  # what `ScenarioLoader.reload` rebuilds it from: a file path or a document


def format_path(parts: Iterable[Any]) -> str:
    """A JSON path such as `workspaces.pn-demo-key.socialAccounts.linkedin[0].id`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


# (schema, file bytes) -> the parsed document if those bytes are known to pass that schema.
Known = Callable[[Mapping[str, Any], bytes], Any]
# (schema, file bytes) -> whether those bytes are known to load under that schema.
Vouch = Callable[[Mapping[str, Any], bytes], bool]


class ScenarioLoader:
    """Finds, reads and validates scenario files; the schema is compiled once, when first needed.

    `known`, when given, returns the parsed document of file bytes already known to pass
    `self.schema` (else None): such a file skips the parse and the schema check. The checks in
    Python still run, since they depend on more than the file and the schema. `vouched`, when
    given, says whether file bytes are known to load in full (`broken` trusts it).
    """

    def __init__(self, spec: Spec, fixtures_dir: str | Path, known: Known | None = None,
                 vouched: Vouch | None = None):
        self.spec = spec
        self.fixtures_dir = Path(fixtures_dir)
        self.schema = build_scenario_schema(spec)
        self.known = known
        self.vouched = vouched
        self._compiled: Draft202012Validator | None = None

    @property
    def validator(self) -> Draft202012Validator:
        """The scenario schema's validator, compiled on first use."""
        # Not at start-up: jsonschema costs about 40 ms to import. The $ref-free schema gives
        # the same verdicts and messages and checks a large scenario about 2.5x faster.
        if self._compiled is None:
            from jsonschema import Draft202012Validator

            self._compiled = Draft202012Validator(
                inline_refs(self.schema), format_checker=format_checker()
            )
        return self._compiled

    @functools.cached_property
    def _quick_yes(self) -> Accepts | None:
        # jsonschema-rs, compiled on first use: 10,000 accounts in a tenth of a second, where
        # jsonschema takes seconds. None where it is not installed.
        return compile_accepts(inline_refs(self.schema), format_checker)

    def schema_accepts(self, document: Any) -> bool:
        """True only if the scenario schema surely accepts `document` (False: ask jsonschema)."""
        quick_yes = self._quick_yes
        return quick_yes is not None and quick_yes(document)

    # -- finding ---------------------------------------------------------------------------
    def names(self) -> list[str]:
        """The names of the scenario files in the fixtures folder, each once."""
        if not self.fixtures_dir.is_dir():
            return []
        # A set: `x.yaml` and `x.json` are one name (path_of picks the first suffix).
        return sorted(
            {
                p.stem
                for p in self.fixtures_dir.iterdir()
                if p.suffix in SUFFIXES and SCENARIO_NAME.match(p.stem) and p.is_file()
            }
        )

    def path_of(self, name: str, near: Path | None = None) -> Path:
        """The file of a named scenario (next to `near` first); names cannot reach outside."""
        if not SCENARIO_NAME.match(name):
            raise ScenarioError(
                "is not a scenario name (letters, digits, '-' and '_' only)", source=repr(name)
            )
        folders = [self.fixtures_dir] if near is None else [near, self.fixtures_dir]
        for folder in folders:
            for suffix in SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        known = ", ".join(self.names()) or "none"
        raise ScenarioError(
            f"no such scenario in {self.fixtures_dir} (known: {known})", source=repr(name)
        )

    def broken(self, besides: Path | None = None) -> list[ScenarioError]:
        """Why each scenario file of the folder does not load, other than the file `besides`.

        A file whose bytes `vouched` says are known to load (e.g. the shipped files, validated
        in full when the package was built) is not read past its bytes.
        """
        skip = besides.resolve() if besides is not None else None
        vouched = self.vouched
        found = []
        for name in self.names():
            try:
                path = self.path_of(name)
                if path.resolve() == skip or (vouched and vouched(self.schema, path.read_bytes())):
                    continue
                self.load(path)
            except OSError:  # gone since the folder was listed
                continue
            except ScenarioError as exc:
                found.append(exc)
        return found

    # -- loading ---------------------------------------------------------------------------
    def load(self, name_or_path: str | Path) -> Scenario:
        """Load a scenario by name (from the fixtures folder) or by file path."""
        text = str(name_or_path)
        is_path = isinstance(name_or_path, Path) or Path(text).suffix in SUFFIXES or "/" in text
        path = Path(text) if is_path else self.path_of(text)
        return self._load_file(path, chain=())

    def load_document(self, document: Any, source: str = "<posted scenario>") -> Scenario:
        """Validate an already-parsed scenario document (e.g. one posted to the admin API)."""
        return self._build(
            document, source=source, name=None, files=(), stamps=(), chain=(), origin=document
        )

    def reload(self, scenario: Scenario) -> Scenario:
        """The same scenario read again from where it came from (its file, or its document)."""
        if isinstance(scenario.origin, Path):
            return self._load_file(scenario.origin, chain=())
        return self.load_document(scenario.origin, scenario.source)

    def _read(self, path: Path) -> tuple[Any, Stamp, bool]:
        # Stamp before reading: an edit made during the read then shows as a change later.
        stamp = file_stamp(path)
        try:
            size = path.stat().st_size
            if size > MAX_DOCUMENT_BYTES:
                raise ScenarioError(
                    f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB", source=str(path)
                )
            text = path.read_bytes()
        except OSError as exc:
            raise ScenarioError(
                f"cannot read the file ({exc.strerror})", source=str(path)
            ) from None
        if self.known is not None:
            document = self.known(self.schema, text)
            if document is not None:
                return document, stamp, True
        return parse_document(text, str(path), as_json=path.suffix == ".json"), stamp, False

    def _load_file(self, path: Path, chain: tuple[str, ...]) -> Scenario:
        document, stamp, schema_checked = self._read(path)
        return self._build(
            document,
            source=str(path),
            name=path.stem,
            files=(path,),
            stamps=(stamp,),
            chain=chain,
            origin=path,
            schema_checked=schema_checked,
        )

    def _build(
        self,
        document: Any,
        *,
        source: str,
        name: str | None,
        files: tuple[Path, ...],
        stamps: tuple[Stamp, ...],
        chain: tuple[str, ...],
        origin: Any,
        schema_checked: bool = False,
    ) -> Scenario:
        problems = self.problems(document, schema_checked)
        if problems:
            raise ScenarioError.from_problems(source, problems)
        workspaces: dict[str, Any] = {}
        faults: list[Any] = []
        parent_name = document.get("extends")
        if parent_name:
            if parent_name in chain or parent_name == name:
                cycle = " -> ".join([*chain, name or source, parent_name])
                raise ScenarioError(
                    f"`extends` makes a cycle ({cycle})", source=source, path="extends"
                )
            try:
                near = files[0].parent if files else None
                parent = self._load_file(self.path_of(parent_name, near), (*chain, name or source))
            except ScenarioError as exc:
                raise ScenarioError(
                    f"cannot extend {parent_name!r}: {exc}", source=source, path="extends"
                ) from None
            workspaces.update(parent.workspaces)
            faults = list(parent.faults)
            files, stamps = files + parent.files, stamps + parent.stamps
        workspaces.update(document.get("workspaces") or {})
        if "faults" in document:
            faults = list(document["faults"])
        problems = list(self._cross_checks(workspaces))
        if problems:
            raise ScenarioError.from_problems(source, problems)
        return Scenario(
            name=name or "posted",
            description=document["description"],
            source=source,
            workspaces=workspaces,
            faults=tuple(faults),
            files=files,
            stamps=stamps,
            origin=origin,
        )

    # -- checking --------------------------------------------------------------------------
    def problems(self, document: Any, schema_checked: bool = False) -> list[tuple[str, str]]:
        """Every (path, reason) by which one document breaks the scenario schema or the document.

        `schema_checked` says it is known to pass the schema (see `known`): then
        only the checks in Python run; they are cheap, and a fault's status depends on parts
        of openapi.yaml that the scenario schema does not hold.
        """
        if not isinstance(document, dict):
            return [("(top level)", "a scenario is a mapping with at least `description`")]
        if not schema_checked and not self.schema_accepts(document):
            errors = sorted(
                self.validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
            )
            found = [(format_path(error.absolute_path), error.message) for error in errors]
            if found:
                return found
        return [
            *self._fault_checks(document.get("faults") or []),
            *self._account_checks(document.get("workspaces") or {}),
        ]

    def _account_checks(self, workspaces: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
        for key, workspace in workspaces.items():
            for platform, accounts in (workspace.get("socialAccounts") or {}).items():
                for index, account in enumerate(accounts):
                    where = format_path(["workspaces", key, "socialAccounts", platform, index])
                    if account["platformType"] != platform:
                        yield (
                            f"{where}.platformType",
                            f"account listed under {platform!r} has platformType "
                            f"{account['platformType']!r}",
                        )
                    statuses = [row["status"] for row in account.get("usage", ())]
                    for status in {s for s in statuses if statuses.count(s) > 1}:
                        yield (f"{where}.usage", f"status {status!r} appears more than once")

    def _fault_checks(self, faults: list[Any]) -> Iterable[tuple[str, str]]:
        for index, fault in enumerate(faults):
            if "status" not in fault:
                continue
            ops = (
                self.spec.operations.values()
                if fault["operation"] == "*"
                else [self.spec.operations[fault["operation"]]]
            )
            for op in ops:
                if fault["status"] not in op.statuses:
                    documented = ", ".join(map(str, sorted(op.statuses)))
                    yield (
                        format_path(["faults", index, "status"]),
                        f"{op.label} does not document status {fault['status']} "
                        f"(it documents {documented})",
                    )

    @staticmethod
    def _cross_checks(workspaces: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
        """Account ids are unique in the whole scenario, so a key can never reach another's."""
        first_seen: dict[str, str] = {}
        for key, workspace in workspaces.items():
            for platform, accounts in (workspace.get("socialAccounts") or {}).items():
                for index, account in enumerate(accounts):
                    where = format_path(
                        ["workspaces", key, "socialAccounts", platform, index, "id"]
                    )
                    if account["id"] in first_seen:
                        yield (
                            where,
                            f"id {account['id']!r} is already used in "
                            f"workspace {first_seen[account['id']]!r}",
                        )
                    else:
                        first_seen[account["id"]] = key
