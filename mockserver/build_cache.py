"""The build step that writes the start-up cache from the shipped document and scenarios.

Run `python -m mockserver.build_cache` after editing `openapi.yaml` or a shipped scenario; a
test fails while the cache is out of date (a stale cache only costs speed: its entries miss).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from . import resources
from .errors import MockServerError
from .parsing import parse_document
from .scenarios import SUFFIXES, ScenarioLoader
from .spec import Spec
from .startup_cache import FOLDER, document_key, scenario_key


def _round_trips(document: Any) -> bool:
    """Whether JSON gives the document back exactly (a YAML date or int key would not)."""
    try:
        return repr(json.loads(json.dumps(document))) == repr(document)
    except (TypeError, ValueError):
        return False


def entries(spec_path: Path, scenarios_dir: Path) -> dict[str, str]:
    """Each entry's file name and text: the document, and every shipped scenario, fully checked."""
    spec = Spec.load(spec_path)  # raises SpecError unless it is usable
    loader = ScenarioLoader(spec, scenarios_dir)
    documents = {document_key(spec_path.read_bytes()): spec.document}
    names = set(loader.names())
    for path in sorted(scenarios_dir.iterdir()):
        if path.suffix not in SUFFIXES or path.stem not in names:
            continue
        loader.load(path)  # raises ScenarioError, naming file and path, unless fully valid
        raw = path.read_bytes()
        documents[scenario_key(loader.schema, raw)] = parse_document(
            raw, str(path), as_json=path.suffix == ".json")
    return {f"{key}.json": json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
            for key, document in documents.items() if _round_trips(document)}


def write(folder: Path, files: dict[str, str]) -> None:
    """Make `folder` hold exactly these files."""
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def main() -> int:
    """Rebuild the cache; a shipped file that does not validate is one line and exit 2."""
    try:
        files = entries(resources.spec_path(), resources.fixtures_dir())
    except MockServerError as exc:
        print(f"build_cache: error: {exc}", file=sys.stderr)
        return 2
    write(FOLDER, files)
    print(f"{FOLDER}: {len(files)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
