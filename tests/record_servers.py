"""A "real service" for record and drift tests: plain WSGI, many accounts, one quirk at a time."""

from __future__ import annotations

import json
import threading
from typing import Any

from contract_servers.app import API_KEY, EMPTY_KEY, UNKNOWN_KEY, UNPAID, UNPAID_KEY

PLATFORMS = ("linkedin", "instagram", "tiktok", "threads")
JSON = "application/json; charset=utf-8"
NOT_FOUND = "Social account not found"
STATUSES = ("PENDING", "PUBLISHED", "DRAFT", "FAILED")


def _cuid(number: int) -> str:
    # CUID-like: `c`, then 24 lower-case letters and digits; unique per number.
    letter = "zyxwvutsrqponmlkjihg"[number % 20]
    return f"cr{number:06d}q{letter}{number * 7919 % 10**9:09d}abcdef"[:25]


def make_accounts(count: int) -> list[dict[str, Any]]:
    """`count` accounts over the four platforms (uneven), with varied types, tokens and usage."""
    accounts = []
    for number in range(count):
        platform = PLATFORMS[(number * number + number // 3) % 4]
        handle = f"realperson{number:02d}.{platform[:3]}"
        accounts.append({
            "id": _cuid(number),
            "platformType": platform,
            "accountHandle": handle,
            "accountType": "personal" if number % 3 else "organization",
            "accountName": f"Real Person {number:02d}",
            "accountLogo": f"https://cdn.realservice.test/avatars/{handle}.jpg",
            "accessTokenStatus": "expired" if number % 4 == 1 else "active",
            "tokenExpiresAt": f"2026-{1 + number % 12:02d}-15T08:30:00.000Z",
            "createdAt": f"2025-{1 + number % 12:02d}-01T12:00:00.000Z",
            "updatedAt": f"2026-{1 + number % 12:02d}-02T09:15:00.000Z",
            "usage": [{"status": STATUSES[k], "_count": (number * (k + 3)) % 17}
                      for k in range(number % 4)],
        })
    return accounts


class WorkspaceServer:
    """Answers as the stub does (same fields, same messages), from its own data and code.

    Quirks, each off by default: `not_found_message` (a changed 404 message), `rate_limit`
    (every n-th request answers 429 with `retry_after`), `extra_field` (an undocumented field in
    each read), `broken_read` (a read whose accountName is a number), `vanished` (listed ids that
    read 404, as if disconnected between the list and the read). Every request's method and
    path is kept in `requests`.
    """

    def __init__(self, count: int = 60, **quirks: Any):
        self.url = ""  # set by contract_servers.serve.serving
        self.accounts = make_accounts(count)
        self.organization_id, self.workspace_id = "org_8841", "ws_5512"
        self.not_found_message = quirks.pop("not_found_message", NOT_FOUND)
        self.rate_limit = quirks.pop("rate_limit", 0)
        self.retry_after = quirks.pop("retry_after", "0")
        self.extra_field = quirks.pop("extra_field", False)
        self.broken_read = quirks.pop("broken_read", False)
        self.vanished = set(quirks.pop("vanished", ()))  # listed ids whose read answers 404
        assert not quirks, quirks
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response):
        with self._lock:
            self.requests.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
            seen = len(self.requests)
        if self.rate_limit and seen % self.rate_limit == 0:
            start_response("429 Too Many Requests",
                           [("Content-Type", "text/plain"), ("Retry-After", self.retry_after)])
            return [b"Too many requests, please try again later."]
        status, body = self.answer(environ)
        data = json.dumps(body, separators=(",", ":")).encode()
        start_response(f"{status} X", [("Content-Type", JSON), ("Content-Length", str(len(data)))])
        return [data]

    def answer(self, environ: dict) -> tuple[int, Any]:
        """Status and body of one request."""
        key = environ.get("HTTP_EMBED_API_KEY", "").strip()
        if not key:
            return 401, {"status": False, "message": "Unauthorized"}
        if key == UNPAID_KEY:
            return 402, {"status": False, "message": UNPAID}
        if key not in (API_KEY, EMPTY_KEY):
            return 401, {"status": False, "message": UNKNOWN_KEY}
        mine = self.accounts if key == API_KEY else []
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path == "/social-account" and method == "GET":
            grouped = {p: [self._summary(a) for a in mine if a["platformType"] == p]
                       for p in PLATFORMS}
            return 200, {"success": True, "data": {"socialAccounts": grouped}}
        if not path.startswith("/social-account/"):
            return 404, {"success": False, "message": f"Cannot {method} {path}"}
        account_id = path[len("/social-account/"):]
        if not account_id.strip():
            return 422, {"success": False, "message": "Social account id is required"}
        account = next((a for a in mine if a["id"] == account_id
                        and a["id"] not in self.vanished), None)
        if account is None:
            return 404, {"success": False, "message": self.not_found_message}
        if method == "DELETE":
            self.accounts.remove(account)
            return 200, {"success": True, "message": "Social account deleted successfully"}
        return 200, {"success": True, "data": {"socialAccount": self._full(account),
                                               "usage": account["usage"]}}

    @staticmethod
    def _summary(account: dict[str, Any]) -> dict[str, Any]:
        names = ("id", "platformType", "accountHandle", "accountType", "accountName",
                 "accountLogo", "accessTokenStatus")
        return {name: account[name] for name in names}

    def _full(self, account: dict[str, Any]) -> dict[str, Any]:
        full = {"id": account["id"], "organizationId": self.organization_id,
                "workspaceId": self.workspace_id,
                **{name: account[name] for name in (
                    "platformType", "accountHandle", "accountName", "accountLogo",
                    "accessTokenStatus", "tokenExpiresAt", "createdAt", "updatedAt")}}
        if self.extra_field:
            full["internalNote"] = "vip customer"
        if self.broken_read:
            full["accountName"] = 42
        return full
