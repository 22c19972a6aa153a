"""Clients generated from openapi.yaml (Python, TypeScript) parse every documented answer."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import npm_tools
import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import resources
from mockserver.spec import Spec

SPEC = Spec.load(resources.spec_path())
CASES = [
    (op.operation_id, status, name, value)
    for op in SPEC.operations.values()
    for name, (status, value) in sorted(op.examples.items())
]
# The allOf-with-$ref pattern generators cannot merge: the generator must say so.
MERGED = """
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /x:
    get:
      operationId: getX
      responses:
        "404":
          description: d
          content:
            application/json:
              schema:
                allOf:
                  - {$ref: "#/components/schemas/Error"}
                  - properties: {message: {const: Social account not found}}
components:
  schemas:
    Error:
      type: object
      required: [success, message]
      properties: {success: {const: false}, message: {type: string}}
"""


def _generate(document: Path, out: Path) -> str:
    """Run openapi-python-client; its output, with the one expected line removed."""
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document),
         "--meta", "none", "--output-path", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.startswith("Generating"))


@pytest.fixture(scope="module")
def python_client(tmp_path_factory):
    """The package openapi-python-client generates from openapi.yaml, imported."""
    folder = tmp_path_factory.mktemp("python-client")
    warnings = _generate(resources.spec_path(), folder / "postnitro_generated")
    assert warnings == "", f"openapi-python-client reported:\n{warnings}"
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("postnitro_generated")
    finally:
        sys.path.remove(str(folder))


def test_the_generator_reports_a_schema_it_cannot_read(tmp_path):
    document = tmp_path / "merged.yaml"
    document.write_text(MERGED)
    assert "response will be omitted" in _generate(document, tmp_path / "merged_client")


def _call(package, operation_id: str, client):
    module = importlib.import_module(
        f"{package.__name__}.api.social_accounts."
        + "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id))
    args = {} if operation_id == "listSocialAccounts" else {"id": PAGE_ACCOUNT_ID}
    return module.sync_detailed(client=client, **args)


def _dates(value):
    """A body with its date-time strings as datetimes (the client writes them back its own way)."""
    if isinstance(value, dict):
        return {key: _dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates(item) for item in value]
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def test_the_python_client_parses_every_documented_answer(python_client):
    checked = set()
    with running_stub(["--validate-responses"]) as url:
        for operation_id, status, name, value in CASES:
            headers = {"embed-api-key": DEMO_KEY, "Prefer": f"code={status}, example={name}"}
            with python_client.Client(base_url=url, headers=headers) as client:
                answer = _call(python_client, operation_id, client)
            where = f"{operation_id} {status} {name}"
            assert answer.status_code == status, where
            assert answer.parsed is not None, f"{where}: the client parsed nothing"
            assert type(answer.parsed).__module__.startswith(f"{python_client.__name__}.models")
            assert _dates(answer.parsed.to_dict()) == _dates(value), where
            checked.add((operation_id, status))
    documented = {(op.operation_id, s) for op in SPEC.operations.values() for s in op.statuses}
    assert checked == documented


def test_a_wrong_message_does_not_parse_into_the_model(python_client):
    model = python_client.models.NotFoundError
    assert model.from_dict({"success": False, "message": "Social account not found"})
    with pytest.raises(ValueError):
        model.from_dict({"success": False, "message": "Not found"})


TS_CHECKS = """
import createClient from "openapi-fetch";
import type { paths } from "./api";
import { deepStrictEqual, strictEqual, ok } from "node:assert";
import { readFileSync } from "node:fs";

type Body<P extends keyof paths, M extends "get" | "delete", S extends number> =
  paths[P][M] extends { responses: infer R }
    ? S extends keyof R ? R[S] extends { content: { "application/json": infer B } } ? B : never
    : never : never;

// Each documented message is a literal type: a wrong one does not compile.
%(types)s

interface Case { operation: string; status: number; name: string; value: unknown; id: string }
const cases: Case[] = JSON.parse(readFileSync(process.argv[2], "utf8"));
const client = createClient<paths>({ baseUrl: process.env.BASE_URL });

async function call(c: Case) {
  const headers = { "embed-api-key": "%(key)s", Prefer: `code=${c.status}, example=${c.name}` };
  if (c.operation === "listSocialAccounts") return client.GET("/social-account", { headers });
  const params = { path: { id: c.id } };
  if (c.operation === "getSocialAccount") {
    return client.GET("/social-account/{id}", { params, headers });
  }
  return client.DELETE("/social-account/{id}", { params, headers });
}

async function main() {
  let passed = 0;
  for (const c of cases) {
    const answer = await call(c);
    const where = `${c.operation} ${c.status} ${c.name}`;
    strictEqual(answer.response.status, c.status, where);
    const body = c.status < 300 ? answer.data : answer.error;
    ok(body !== undefined, `${where}: openapi-fetch parsed nothing`);
    deepStrictEqual(body, c.value, where);
    passed += 1;
  }
  console.log(`${passed} passed, 0 failed`);
}
main().catch((error) => { console.error(String(error)); process.exit(1); });
"""


def _type_checks() -> str:
    lines = []
    for index, (operation_id, status, _name, value) in enumerate(CASES):
        if not isinstance(value, dict) or "message" not in value:
            continue
        op = SPEC.operations[operation_id]
        body = f'Body<"{op.path}", "{op.method}", {status}>["message"]'
        message = json.dumps(value["message"])
        lines.append(f"export const ok{index}: {body} = {message};")
        lines.append(f'// @ts-expect-error\nexport const wrong{index}: {body} = {json.dumps("x")};')
    return "\n".join(lines)


def test_the_typescript_client_parses_every_documented_answer(tmp_path):
    tools = npm_tools.tools_or_skip()
    (tmp_path / "node_modules").symlink_to(tools / "node_modules")
    generated = subprocess.run(
        [npm_tools.binary(tools, "openapi-typescript"), str(resources.spec_path()),
         "-o", str(tmp_path / "api.ts")],
        capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stderr
    noise = [line for line in (generated.stdout + generated.stderr).splitlines()
             if line.strip() and "openapi-typescript" not in line and "→" not in line]
    assert noise == [], "\n".join(noise)
    (tmp_path / "check.ts").write_text(TS_CHECKS % {"types": _type_checks(), "key": DEMO_KEY})
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "target": "es2022", "module": "nodenext",
                            "moduleResolution": "nodenext", "skipLibCheck": True,
                            "outDir": "out", "types": ["node"]},
        "files": ["check.ts"]}))
    compiled = subprocess.run([npm_tools.binary(tools, "tsc"), "-p", str(tmp_path)],
                              capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    cases = [{"operation": o, "status": s, "name": n, "value": v, "id": PAGE_ACCOUNT_ID}
             for o, s, n, v in CASES]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    with running_stub(["--validate-responses"]) as url:
        ran = subprocess.run([shutil.which("node"), str(tmp_path / "out" / "check.js"),
                              str(tmp_path / "cases.json")],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "BASE_URL": url})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip() == f"{len(CASES)} passed, 0 failed"
