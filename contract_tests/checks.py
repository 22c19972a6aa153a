"""Named contract checks: each takes an answer and raises ContractFailure where it departs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import best_match

from .client import Exchange
from .document import Document, DocumentError, Operation
from .failures import ContractFailure, clip, show
from .undocumented import Findings, findings, member

JSON_MEDIA_TYPE = "application/json"
# What the user can do about an answer that stops a check before it starts.
HINTS = {401: "is the key right?", 402: "is the key's plan one that includes the Embed API?",
         404: "does the account belong to that key's workspace?"}
# Fields a live service may change at any moment (a token refresh), whatever the suite does.
VOLATILE_FIELDS = ("updatedAt", "tokenExpiresAt", "accessTokenStatus")


@dataclass
class Answer:
    """One exchange with the operation it belongs to and, once checked, its parsed JSON body."""

    exchange: Exchange
    operation: Operation
    body: Any = None

    @property
    def request(self) -> str:
        """The request line for failure text."""
        return self.exchange.request

    @property
    def status(self) -> int:
        """The HTTP status received."""
        return self.exchange.status


def _json_path(parts: Iterable[Any]) -> str:
    path = "$"
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else member(path, str(part))
    return path


def _media_type(answer: Answer) -> str:
    return (answer.exchange.content_type or "").split(";", 1)[0].strip().lower()


def _looks_like_html(answer: Answer) -> bool:
    start = answer.exchange.body.lstrip()[:64].lower()
    return _media_type(answer) == "text/html" or start.startswith((b"<!doctype", b"<html"))


def _body(answer: Answer) -> str:
    """What the body looks like, for failure text: an HTML page, an empty body, or its start."""
    if not answer.exchange.body.strip():
        return "an empty body"
    if _looks_like_html(answer):
        return f"an HTML page: {show(answer.exchange.body, 120)}"
    return show(answer.exchange.body)


# -- checks every answer goes through ----------------------------------------------------------

def status_code_conformance(answer: Answer) -> None:
    """The status is one the document lists for the operation."""
    exchange, op = answer.exchange, answer.operation
    if op.schema_for(exchange.status) is not None:
        return
    if 300 <= exchange.status < 400:
        received = (f"{exchange.status} redirect to {exchange.location or '(no Location)'}: not "
                    "followed, the suite sends the key to the base URL's origin only")
    else:
        media = exchange.content_type or "(no Content-Type)"
        received = f"{exchange.status} {media}: {_body(answer)}"
    raise ContractFailure(f"Undocumented status code {exchange.status} for {op.label}",
                          request=answer.request, received=received,
                          documented=op.documented)


def content_type_conformance(answer: Answer) -> None:
    """The Content-Type is JSON (parameters such as charset are allowed)."""
    media = _media_type(answer)
    if media == JSON_MEDIA_TYPE:
        return
    exchange = answer.exchange
    if _looks_like_html(answer):
        title = "An HTML page instead of JSON"
    elif not exchange.body:
        title = "An empty body instead of JSON"
    else:
        title = "The Content-Type is not JSON"
    shown = exchange.content_type if exchange.content_type is not None else "(no Content-Type)"
    raise ContractFailure(title, request=answer.request,
                          received=f"{exchange.status} {shown}: {_body(answer)}",
                          documented=f"{exchange.status} {JSON_MEDIA_TYPE}")


def json_body_conformance(answer: Answer) -> Any:
    """The body is a JSON document (not empty, not HTML, valid UTF-8 JSON); returns it parsed."""
    exchange = answer.exchange
    title = None
    if not exchange.body.strip():
        title, why = "An empty body where JSON is documented", "an empty body"
    elif _looks_like_html(answer):
        title, why = "An HTML page where JSON is documented", show(exchange.body)
    else:
        try:
            return json.loads(exchange.body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            title, why = "The body is not UTF-8", f"byte {exc.start} cannot be decoded"
        except ValueError as exc:
            title, why = "The body is not valid JSON", f"{exc}: {show(exchange.body)}"
    raise ContractFailure(title, request=answer.request, received=f"{exchange.status} {why}",
                          documented=f"{exchange.status} a JSON body")


def response_schema_conformance(answer: Answer, document: Document) -> None:
    """The body validates against the schema of its status, `format` included."""
    op = answer.operation
    pointer = op.schema_for(answer.status)
    error = best_match(document.validator(pointer).iter_errors(answer.body))
    if error is None:
        return
    path = _json_path(error.absolute_path)
    raise ContractFailure(
        "The body does not match the documented schema", request=answer.request,
        received=f"{answer.status} with {path} = {show(error.instance, 160)}",
        documented=f"the {op.response_name(answer.status)} schema of {op.label} in "
                   f"{document.source}",
        details=[("JSON path", path), ("Rule", f"{error.validator}: {show(error.validator_value)}"),
                 ("Value", show(error.instance)), ("Why", clip(error.message, 400))])


def beyond_the_document(answer: Answer, document: Document, strict: bool) -> Findings:
    """Undocumented fields and values outside the examples: notes, or a failure when `strict`."""
    op = answer.operation
    found = findings(document, op.schema_for(answer.status), answer.body)
    if not strict:
        return found
    fields = list(found.fields)
    if fields:
        raise ContractFailure(f"Undocumented field{'s' * (len(fields) > 1)} in the answer "
                              "(a failure because of --strict)", request=answer.request,
                              received=f"{answer.status} with {', '.join(fields)}",
                              documented=f"only the fields the {op.response_name(answer.status)} "
                                         f"schema of {op.label} declares")
    if found.values:
        raise ContractFailure("A value outside the document's examples (a failure because of "
                              "--strict)", request=answer.request,
                              received=f"{answer.status} with "
                                       + "; ".join(v.describe() for v in found.values),
                              documented="one of the examples the document shows for that field "
                                         "(it accepts any string; --strict holds the target to "
                                         "its examples)")
    return found


def conforms(answer: Answer, document: Document, strict: bool) -> Findings:
    """Every check a documented answer passes; returns what it holds beyond the document."""
    status_code_conformance(answer)
    content_type_conformance(answer)
    answer.body = json_body_conformance(answer)
    response_schema_conformance(answer, document)
    return beyond_the_document(answer, document, strict)


# -- checks of particular contract points ------------------------------------------------------

def expected_status(answer: Answer, status: int, situation: str) -> None:
    """The answer has the status the situation calls for (documented is not enough)."""
    if answer.status != status:
        raise ContractFailure(f"Expected {status} for {situation}", request=answer.request,
                              received=f"{answer.status} {show(answer.body)}",
                              documented=f"{status} for {situation}")


def documented_answer(answer: Answer, situation: str, *example_names: str) -> None:
    """The status and body fields are those of one of the named examples of the operation."""
    op = answer.operation
    expected = [op.examples[name] for name in example_names if name in op.examples]
    if not expected:
        raise DocumentError(f"{op.label} has none of the examples {', '.join(example_names)}")
    for status, value in expected:
        if answer.status == status and _has_fields(answer.body, value):
            return
    raise ContractFailure(f"Not the documented answer for {situation}", request=answer.request,
                          received=f"{answer.status} {show(answer.body)}",
                          documented=" or ".join(f"{code} {show(body)}" for code, body in expected))


def _has_fields(body: Any, expected: Any) -> bool:
    if not isinstance(expected, dict):
        return body == expected
    return isinstance(body, dict) and all(key in body and body[key] == value
                                          for key, value in expected.items())


def outcome(answer: Answer) -> str:
    """An answer in a few words: `401 "Unable to find embed details…"`."""
    body = answer.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"{answer.status} {show(body['message'], 160)}"
    return f"{answer.status} {show(body, 80)}"


def answered_200(answer: Answer, what: str) -> None:
    """A check that builds on this answer needs it to be a 200: fail in one sentence if not."""
    if answer.status == 200:
        return
    hint = HINTS.get(answer.status, "the target is failing" if answer.status >= 500 else "")
    raise ContractFailure(f"{what} answered {outcome(answer)}{': ' + hint if hint else ''}",
                          request=answer.request, received=f"{answer.status} {show(answer.body)}",
                          documented=f"200, which the checks that build on {what} need")


def grouped_accounts(answer: Answer) -> dict[str, Any]:
    """`data.socialAccounts` of a list answer (a 200, so the schema check has vouched for it)."""
    answered_200(answer, f"The list {answer.exchange.sent_with}")
    return answer.body["data"]["socialAccounts"]


def platform_keys_conformance(answer: Answer, platforms: Sequence[str]) -> None:
    """`socialAccounts` has every platform key, each an array."""
    grouped = grouped_accounts(answer)
    missing = [p for p in platforms if p not in grouped]
    not_arrays = [p for p in platforms if p in grouped and not isinstance(grouped[p], list)]
    if missing or not_arrays:
        problems = [missing and f"no key {', '.join(missing)}",
                    not_arrays and f"not an array: {', '.join(not_arrays)}"]
        received = "; ".join(filter(None, problems))
        raise ContractFailure("The list does not have every platform key as an array",
                              request=answer.request, received=received,
                              documented=f"socialAccounts with arrays {', '.join(platforms)}")


def platform_placement_conformance(answer: Answer) -> None:
    """Each account sits under the key of its own platformType."""
    for key, accounts in grouped_accounts(answer).items():
        for index, account in enumerate(accounts or ()):
            if isinstance(account, dict) and account.get("platformType") != key:
                raise ContractFailure(
                    "An account is listed under another platform's key", request=answer.request,
                    received=f"$.data.socialAccounts.{key}[{index}] (id {show(account.get('id'))}) "
                             f"has platformType {show(account.get('platformType'))}",
                    documented=f"accounts under {key!r} have platformType {key!r}")


def empty_workspace_conformance(answer: Answer, platforms: Sequence[str]) -> None:
    """A workspace with no accounts lists every platform key with an empty array."""
    grouped = grouped_accounts(answer)
    if all(grouped.get(p) == [] for p in platforms):
        return
    raise ContractFailure("The empty workspace's list is not four empty arrays",
                          request=answer.request, received=f"{answer.status} {show(grouped)}",
                          documented=f"200 with {', '.join(f'{p}: []' for p in platforms)}")


def unique_ids_conformance(answer: Answer) -> None:
    """Every account id appears once in the whole list (not twice in a group, nor in two)."""
    seen: dict[str, str] = {}
    for key, accounts in grouped_accounts(answer).items():
        for index, account in enumerate(accounts):
            where = f"{member('$.data.socialAccounts', key)}[{index}]"
            if account["id"] in seen:
                raise ContractFailure(
                    "An account id is listed more than once", request=answer.request,
                    received=f"id {show(account['id'])} at {seen[account['id']]} and at {where}",
                    documented="each account once in the whole list (an id names one account)")
            seen[account["id"]] = where


def listed_ids(answer: Answer) -> dict[str, str]:
    """Account id -> the platform key it is listed under."""
    return {account["id"]: key for key, accounts in grouped_accounts(answer).items()
            for account in accounts}


def removed_exactly(before: Answer, after: Answer, account_id: str) -> None:
    """The list after a delete is the list before without that one account."""
    was, now = listed_ids(before), listed_ids(after)
    expected = {i: key for i, key in was.items() if i != account_id}
    problems = [
        [f"{show(i)} (under {key}) is gone too" for i, key in expected.items() if i not in now],
        [f"{show(i)} is listed, not before" for i in now if i not in was],
        [f"{show(i)} moved from {key} to {now[i]}" for i, key in expected.items()
         if i in now and now[i] != key],
    ]
    found = [p for group in problems for p in group]
    if found:
        raise ContractFailure(f"The delete of {show(account_id)} changed more of the list than "
                              "that account", request=after.request, received="; ".join(found),
                              documented=f"the list before ({len(was)} accounts) without "
                                         f"{show(account_id)} alone")


def reads_as_before(before: Answer, after: Answer, account_id: str) -> None:
    """Another account reads after the delete as it read before it (volatile fields aside)."""
    if after.status != 200:
        raise ContractFailure(f"Another account no longer reads after the delete of "
                              f"{show(account_id)}", request=after.request,
                              received=outcome(after), documented="200, as before the delete")
    was, now = before.body["data"]["socialAccount"], after.body["data"]["socialAccount"]
    differ = [name for name in sorted(set(was) | set(now), key=str)
              if name not in VOLATILE_FIELDS and was.get(name) != now.get(name)]
    if differ:
        raise ContractFailure(
            f"The delete of {show(account_id)} changed another account", request=after.request,
            received="after: " + ", ".join(f"{n}={show(now.get(n), 80)}" for n in differ),
            documented="as before: " + ", ".join(f"{n}={show(was.get(n), 80)}" for n in differ))


def listed_accounts(answer: Answer) -> list[dict[str, Any]]:
    """Every account of a list answer, in order."""
    return [account for accounts in grouped_accounts(answer).values() for account in accounts]


def not_listed(answer: Answer, account_id: str, why: str) -> None:
    """The list does not show an account (one from another workspace, or one just deleted)."""
    for account in listed_accounts(answer):
        if account.get("id") == account_id:
            raise ContractFailure(f"The list shows an account it must not: {why}",
                                  request=answer.request,
                                  received=f"account {show(account_id)} under "
                                           f"{show(account.get('platformType'))}",
                                  documented=f"no account {show(account_id)}")


def list_read_agreement(listed: dict[str, Any], read: Answer) -> None:
    """The read answers the listed account: same id, and every field both show is equal."""
    answered_200(read, f"The read of a listed account {read.exchange.sent_with}")
    account = read.body["data"]["socialAccount"]
    differ = [name for name in listed if name in account and account[name] != listed[name]]
    if differ:
        raise ContractFailure(
            "The read and the list disagree about an account", request=read.request,
            received="read: " + ", ".join(f"{n}={show(account[n], 80)}" for n in differ),
            documented="the same values as the list: "
                       + ", ".join(f"{n}={show(listed[n], 80)}" for n in differ))


def usage_conformance(read: Answer) -> None:
    """Usage rows have distinct statuses and non-negative integer counts."""
    answered_200(read, f"The read of a listed account {read.exchange.sent_with}")
    rows = read.body["data"]["usage"]
    statuses = [row.get("status") for row in rows]
    repeated = sorted({s for s in statuses if statuses.count(s) > 1}, key=str)
    if repeated:
        raise ContractFailure("Usage has more than one row for a status", request=read.request,
                              received=f"status repeated: {', '.join(map(show, repeated))} in "
                                       f"{show(rows)}",
                              documented="one row per status (usage is grouped by status)")
    for index, row in enumerate(rows):
        count = row.get("_count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ContractFailure("A usage count is not a non-negative integer",
                                  request=read.request,
                                  received=f"$.data.usage[{index}]._count = {show(count)}",
                                  documented="_count: an integer >= 0")
