"""The floor: a bare Flask app serving precomputed bodies, no validation, no fixtures."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Mapping

from flask import Flask, Response, request

# waitress names itself in the Server header; the stub's ident, so both send the same bytes.
IDENT = "mockserver"


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


def main(argv: list[str] | None = None) -> int:
    """Serve the floor with waitress, as the stub's CLI does."""
    parser = argparse.ArgumentParser(prog="floor", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--bodies", required=True, metavar="FILE", help="from encode_bodies")
    args = parser.parse_args(argv)
    with open(args.bodies, encoding="ascii") as handle:
        app = create_floor_app(decode_bodies(handle.read()))
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=args.port, threads=args.threads,
                                    ident=IDENT)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
