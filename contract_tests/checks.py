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
from .undocumented import member, undocumented_fields

JSON_MEDIA_TYPE = "application/json"


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
    if exchange.status in op.statuses:
        return
    if 300 <= exchange.status < 400:
        received = (f"{exchange.status} redirect to {exchange.location or '(no Location)'}: not "
                    "followed, the suite sends the key to the base URL's origin only")
    else:
        media = exchange.content_type or "(no Content-Type)"
        received = f"{exchange.status} {media}: {_body(answer)}"
    raise ContractFailure(f"Undocumented status code {exchange.status} for {op.label}",
                          request=answer.request, received=received,
                          documented=", ".join(map(str, op.statuses)))


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
    pointer = op.schemas[answer.status]
    error = best_match(document.validator(pointer).iter_errors(answer.body))
    if error is None:
        return
    path = _json_path(error.absolute_path)
    raise ContractFailure(
        "The body does not match the documented schema", request=answer.request,
        received=f"{answer.status} with {path} = {show(error.instance, 160)}",
        documented=f"the {answer.status} schema of {op.label} in {document.source}",
        details=[("JSON path", path), ("Rule", f"{error.validator}: {show(error.validator_value)}"),
                 ("Value", show(error.instance)), ("Why", clip(error.message, 400))])


def undocumented_field_conformance(answer: Answer, document: Document, strict: bool) -> list[str]:
    """Fields no schema declares: returned as notes, or a failure when `strict`."""
    fields = undocumented_fields(document, answer.operation.schemas[answer.status], answer.body)
    if fields and strict:
        raise ContractFailure(f"Undocumented field{'s' * (len(fields) > 1)} in the answer "
                              "(a failure because of --strict)", request=answer.request,
                              received=f"{answer.status} with {', '.join(fields)}",
                              documented=f"only the fields the {answer.status} schema of "
                                         f"{answer.operation.label} declares")
    return fields


def conforms(answer: Answer, document: Document, strict: bool) -> list[str]:
    """Every check a documented answer passes; returns the undocumented fields (if allowed)."""
    status_code_conformance(answer)
    content_type_conformance(answer)
    answer.body = json_body_conformance(answer)
    response_schema_conformance(answer, document)
    return undocumented_field_conformance(answer, document, strict)


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


def grouped_accounts(answer: Answer) -> dict[str, Any]:
    """`data.socialAccounts` of a list answer (already schema-checked)."""
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
    if answer.status == 200 and all(grouped.get(p) == [] for p in platforms):
        return
    raise ContractFailure("The empty workspace's list is not four empty arrays",
                          request=answer.request, received=f"{answer.status} {show(grouped)}",
                          documented=f"200 with {', '.join(f'{p}: []' for p in platforms)}")


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
