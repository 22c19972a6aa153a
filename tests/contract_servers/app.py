"""A conforming Social Accounts server (plain WSGI, no mockserver code) with a BREAK switch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from typing import Any

API_KEY = "sk-contract-SECRET-populated-7f3a9c"
EMPTY_KEY = "sk-contract-SECRET-empty-2b8d41"
UNPAID_KEY = "sk-contract-SECRET-unpaid-9e6c07"
SECRETS = (API_KEY, EMPTY_KEY, UNPAID_KEY)
DELETABLE_ID = "acc_TH_000004"
JSON = "application/json; charset=utf-8"
NOT_FOUND = {"success": False, "message": "Social account not found"}
DELETED = {"message": "Social account deleted successfully", "success": True}
ID_REQUIRED = {"success": False, "message": "Social account id is required"}
UNKNOWN_KEY = ("Unable to find embed details, please check your Embed API key and make sure to "
               "use the key for API.")
UNPAID = ("Embed API requires a paid main plan with the API Credits add-on, or an active Embed API "
          "subscription.")

# One breakage at a time; each names the one contract point it breaks.
BREAKAGES = {
    "status": "the list answers 201",
    "content-type": "the list answers text/plain",
    "schema": "a read's accountName is a number",
    "date-time": "a read's createdAt is a date without a time",
    "missing-platform": "the list has no threads key",
    "wrong-platform": "the TikTok account is listed under instagram",
    "list-read-disagree": "a read's accountHandle differs from the list's",
    "duplicate-usage": "a read's usage has PUBLISHED twice",
    "negative-count": "a read's usage has _count -1",
    "unknown-id": "an unknown id answers a documented 500 instead of 404",
    "cross-read": "any valid key reads any workspace's account",
    "cross-list": "the empty workspace lists the populated one's accounts",
    "cross-delete": "any valid key deletes any workspace's account",
    "blank-id": "a blank id answers 404 instead of 422",
    "no-key": "a request without a key is served as the populated workspace",
    "unknown-key": "an unknown key gets 401 Unauthorized (the no-key message)",
    "unpaid": "the unpaid key is served",
    "auth-envelope": "refusals use the success envelope instead of status",
    "delete-status": "a delete answers 204 with no body",
    "second-delete": "deleting a deleted account answers 200 again",
    "read-after-delete": "a deleted account can still be read",
    "still-listed": "a deleted account is still listed",
    "undocumented-field": "a read has an extra internalNote field",
    "echo-key": "404 bodies echo the caller's key",
    "redirect": "every request is redirected to another origin",
    "endless": "the list streams an endless JSON body",
    "huge-length": "the list declares a 10 GB Content-Length",
    "drip": "the list drips one byte at a time",
    "silent": "the list never answers",
    "invalid-json": "the list body is cut off mid-JSON",
    "html": "the list answers a 502 HTML error page",
    "empty-body": "the list answers 200 with an empty body",
    "repeated-id": "the list shows the LinkedIn account twice under linkedin",
    "shared-id": "the Instagram account has the LinkedIn account's id",
    "delete-takes-another": "deleting an account also deletes the LinkedIn account",
    "delete-changes-another": "deleting an account renames the LinkedIn account",
    "usage-spelling": "a read's usage status is spelled pending, not PENDING",
    "platform-spelling": "a read's platformType is LinkedIn, not linkedin",
    "message-spelling": "the 404 message is 'Social Account not found'",
    "upstream-502": "the list answers 502 with the documented upstream-failure body",
}


def _account(platform: str, number: int, handle: str) -> dict[str, Any]:
    # Fields deliberately in another order than the page, ids in another style than CUIDs.
    return {"accessTokenStatus": "active", "accountLogo": f"https://cdn.example.test/{handle}.png",
            "accountName": handle.title(), "accountType": "organization",
            "accountHandle": handle, "platformType": platform,
            "id": f"acc_{platform[:2].upper()}_{number:06d}"}


SEED = [_account("linkedin", 1, "acme"), _account("instagram", 2, "acme.gram"),
        _account("tiktok", 3, "acmetok"), _account("threads", 4, "acme.threads")]
USAGE = [{"_count": 7, "status": "PUBLISHED"}, {"_count": 0, "status": "DRAFT"}]


class ContractServer:
    """The WSGI app: workspaces by key, one `breakage` (or None), and `reset()` between runs."""

    def __init__(self, redirect_to: str = "http://localhost:9",
                 seed: list[dict[str, Any]] | None = None,
                 usage: list[dict[str, Any]] | None = None):
        self.breakage: str | None = None
        self.redirect_to = redirect_to
        self.seed = seed or SEED
        self.usage = usage or USAGE
        self.url = ""  # set by serve.serving
        self._lock = threading.Lock()
        self.reset()

    def reset(self, breakage: str | None = None) -> None:
        """Seed afresh with one breakage (None: conforming)."""
        assert breakage is None or breakage in BREAKAGES, breakage
        with self._lock:
            self.breakage = breakage
            self.requests = 0
            self.accounts = {API_KEY: [dict(a) for a in self.seed], EMPTY_KEY: []}
            self.deleted: set[str] = set()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        self.requests += 1
        status, body, headers = self.answer(environ)
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
            headers = {"Content-Length": str(len(data)), **headers}
            body = [data]
        start_response(status, list(headers.items()))
        return body

    # -- the API -------------------------------------------------------------------------------
    def answer(self, environ: dict) -> tuple[str, Any, dict[str, str]]:
        """Status line, body (bytes, or an iterable for streams) and headers for one request."""
        brk, method = self.breakage, environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if brk == "redirect":
            return "307 Temporary Redirect", b"", {"Location": self.redirect_to + path}
        key = environ.get("HTTP_EMBED_API_KEY", "").strip() or None
        if key is None and brk == "no-key":
            key = API_KEY
        if key is None:
            return self._json(422, {"status": False, "message": "Token is required for this call."})
        if key == UNPAID_KEY and brk != "unpaid":
            return self._refuse(402, UNPAID)
        if key not in self.accounts and key != UNPAID_KEY:
            return self._refuse(401, "Unauthorized" if brk == "unknown-key" else UNKNOWN_KEY)
        if key == UNPAID_KEY:
            key = EMPTY_KEY
        if path == "/social-account" and method == "GET":
            return self._list(key)
        if path.startswith("/social-account/") and method in ("GET", "DELETE"):
            account_id = path[len("/social-account/"):]
            if not account_id.strip():
                return self._json(*((404, NOT_FOUND) if brk == "blank-id" else (422, ID_REQUIRED)))
            return self._read(key, account_id) if method == "GET" else self._delete(key, account_id)
        return self._json(404, {"success": False, "message": f"No route {method} {path}"})

    def _list(self, key: str):
        brk = self.breakage
        hostile = self._hostile_list()
        if hostile:
            return hostile
        shown = self.accounts[API_KEY] if brk == "cross-list" else self.accounts[key]
        if brk == "still-listed" and key == API_KEY:
            shown = [a for a in self.seed if a["id"] in {x["id"] for x in shown} | self.deleted]
        grouped: dict[str, list] = {"threads": [], "tiktok": [], "instagram": [], "linkedin": []}
        for account in shown:
            platform = account["platformType"]
            if brk == "wrong-platform" and platform == "tiktok":
                platform = "instagram"
            grouped[platform].append(account)
        if brk == "missing-platform":
            del grouped["threads"]
        if brk == "repeated-id" and grouped["linkedin"]:
            grouped["linkedin"].append(grouped["linkedin"][0])
        if brk == "shared-id" and grouped["linkedin"] and grouped["instagram"]:
            grouped["instagram"][0] = {**grouped["instagram"][0],
                                       "id": grouped["linkedin"][0]["id"]}
        if brk == "upstream-502":
            return self._json(502, {"success": False, "message": "Upstream request failed",
                                    "error": {"code": "ECONNRESET"}})
        status = 201 if brk == "status" else 200
        body = {"data": {"socialAccounts": grouped}, "success": True}
        if brk == "content-type":
            return f"{status} OK", json.dumps(body), {"Content-Type": "text/plain; charset=utf-8"}
        return self._json(status, body)

    def _find(self, key: str, account_id: str, deleting: bool = False) -> dict[str, Any] | None:
        brk = self.breakage
        pools = [self.accounts[key]]
        if brk == "cross-read" and not deleting or brk == "cross-delete" and deleting:
            pools = list(self.accounts.values())
        if brk == "read-after-delete" and not deleting:
            pools.append([a for a in self.seed if a["id"] in self.deleted])
        return next((a for pool in pools for a in pool if a["id"] == account_id), None)

    def _read(self, key: str, account_id: str):
        brk = self.breakage
        account = self._find(key, account_id)
        if account is None:
            if brk == "unknown-id":
                return self._json(500, {"success": False, "error": "no such row",
                                        "message": "Error fetching Social Account"})
            return self._not_found(key)
        full = {"updatedAt": "2026-05-02T08:00:00Z", "createdAt": "2026-05-01T12:00:00+02:00",
                "tokenExpiresAt": "2026-09-01T00:00:00.000Z", **account,
                "workspaceId": "ws-A", "organizationId": "org-A"}
        usage = [dict(row) for row in self.usage]
        if brk == "schema":
            full["accountName"] = 42
        if brk == "date-time":
            full["createdAt"] = "2026-05-01"
        if brk == "list-read-disagree":
            full["accountHandle"] += "-renamed"
        if brk == "duplicate-usage":
            usage.append({"_count": 1, "status": "PUBLISHED"})
        if brk == "negative-count":
            usage[1]["_count"] = -1
        if brk == "usage-spelling":
            usage.append({"_count": 2, "status": "pending"})
        if brk == "platform-spelling" and full["platformType"] == "linkedin":
            full["platformType"] = "LinkedIn"
        body = {"data": {"usage": usage, "socialAccount": full}, "success": True}
        if brk == "undocumented-field":
            full["internalNote"] = "vip"
        return self._json(200, body)

    def _delete(self, key: str, account_id: str):
        brk = self.breakage
        with self._lock:
            account = self._find(key, account_id, deleting=True)
            if account is None and brk == "second-delete" and account_id in self.deleted:
                return self._json(200, DELETED)
            if account is None:
                return self._not_found(key)
            for pool in self.accounts.values():
                if account in pool:
                    pool.remove(account)
            self.deleted.add(account_id)
            first = self.accounts[API_KEY][0] if self.accounts[API_KEY] else None
            if brk == "delete-takes-another" and first is not None:
                self.accounts[API_KEY].remove(first)
                self.deleted.add(first["id"])
            if brk == "delete-changes-another" and first is not None:
                first["accountName"] += " (renamed)"
        if brk == "delete-status":
            return "204 No Content", b"", {}
        return self._json(200, DELETED)

    # -- answers ---------------------------------------------------------------------------------
    def _not_found(self, key: str):
        if self.breakage == "message-spelling":
            return self._json(404, {"success": False, "message": "Social Account not found"})
        if self.breakage == "echo-key":
            echoed = f"{NOT_FOUND['message']} for {key}"
            return self._json(404, {"success": False, "message": echoed})
        return self._json(404, NOT_FOUND)

    def _refuse(self, status: int, message: str):
        envelope = "success" if self.breakage == "auth-envelope" else "status"
        return self._json(status, {envelope: False, "message": message})

    @staticmethod
    def _json(status: int, body: Any):
        reason = {200: "OK", 201: "Created", 401: "Unauthorized", 402: "Payment Required",
                  404: "Not Found", 422: "Unprocessable Entity", 500: "Internal Server Error",
                  502: "Bad Gateway"}
        return f"{status} {reason[status]}", json.dumps(body), {"Content-Type": JSON}

    def _hostile_list(self):
        brk = self.breakage
        if brk == "endless":
            return "200 OK", _endless(), {"Content-Type": JSON}
        if brk == "huge-length":
            return "200 OK", [b"{}"], {"Content-Type": JSON, "Content-Length": str(10 * 1024**3)}
        if brk == "drip":
            return "200 OK", _drip(), {"Content-Type": JSON}
        if brk == "silent":
            time.sleep(3)
            return self._json(200, {})
        if brk == "invalid-json":
            return "200 OK", b'{"success": true, "data": {"socialAc', {"Content-Type": JSON}
        if brk == "html":
            page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"
            return "502 Bad Gateway", page, {"Content-Type": "text/html"}
        if brk == "empty-body":
            return "200 OK", b"", {"Content-Type": JSON}
        return None


def _endless() -> Iterable[bytes]:
    yield b'{"success": true, "data": {"socialAccounts": {"linkedin": ['
    chunk = b'{"id": "x"},' * 8192
    for _ in range(10_000):  # ~1 GB at most, if nobody hangs up first
        yield chunk


def _drip() -> Iterable[bytes]:
    for byte in b'{"success": true, "data": {"socialAccounts": {}}}':
        time.sleep(0.1)  # 5 s in all: longer than the tests' timeout
        yield bytes([byte])
