"""The floor: a bare Flask app serving precomputed bodies, no validation, no fixtures."""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import sys
import types
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, request

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"


def encode_bodies(bodies: Mapping[str, tuple[int, str, bytes]]) -> str:
    """Bodies by path as JSON text (bytes kept exact with base64), for `--bodies FILE`."""
    return json.dumps({path: [status, ctype, base64.b64encode(body).decode("ascii")]
                       for path, (status, ctype, body) in bodies.items()})


def decode_bodies(text: str) -> dict[str, tuple[int, str, bytes]]:
    """The inverse of `encode_bodies`."""
    return {path: (status, ctype, base64.b64decode(body))
            for path, (status, ctype, body) in json.loads(text).items()}


def create_floor_app(bodies: Mapping[str, tuple[int, str, bytes]]) -> Flask:
    """One static rule per path, answering its precomputed status, media type and bytes."""
    app = Flask(__name__, static_folder=None)
    table = dict(bodies)

    def serve() -> Response:
        status, ctype, body = table[request.path]
        return Response(body, status=status, content_type=ctype)

    for path in table:
        app.add_url_rule(path, endpoint=path, view_func=serve)
    return app


def stub_engine() -> types.ModuleType:
    """The stub's own `mockserver.engine`, without running mockserver/__init__.py.

    The package's __init__ imports the whole stub, which would count in the floor's start-up
    and memory; the floor is served by exactly the stub's engine code, and nothing else of it.
    """
    package = types.ModuleType("mockserver")
    package.__path__ = [str(PACKAGE)]
    sys.modules.setdefault("mockserver", package)
    return importlib.import_module("mockserver.engine")


def main(argv: list[str] | None = None) -> int:
    """Serve the floor on one of the stub's engines, as the stub's CLI does."""
    parser = argparse.ArgumentParser(prog="floor", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--engine", choices=("granian", "waitress"), required=True)
    parser.add_argument("--bodies", required=True, metavar="FILE", help="from encode_bodies")
    args = parser.parse_args(argv)
    with open(args.bodies, encoding="ascii") as handle:
        app = create_floor_app(decode_bodies(handle.read()))
    server = stub_engine().listen(app, "127.0.0.1", args.port, args.threads, args.engine)
    print(f"floor: engine: {server.name}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
