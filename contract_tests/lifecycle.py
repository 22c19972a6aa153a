"""The delete lifecycle: run once, in order, on the one deletable account; tests check each step."""

from __future__ import annotations

from .api import ITEM, LIST, Contract, Target
from .checks import HINTS, Answer, listed_ids, outcome
from .client import Exchange
from .failures import ContractFailure, TargetError

# step -> (method, path template, key role), in the order they are sent
STEPS = {
    "list before": ("GET", LIST, "api"),
    "read before": ("GET", ITEM, "api"),
    "delete from the empty workspace": ("DELETE", ITEM, "empty"),
    "read after that": ("GET", ITEM, "api"),
    "delete": ("DELETE", ITEM, "api"),
    "read after delete": ("GET", ITEM, "api"),
    "list after delete": ("GET", LIST, "api"),
    "second delete": ("DELETE", ITEM, "api"),
}
RESTORE = ("an earlier run may have deleted it: POST /__admin/reset brings it back on this "
           "project's stub; on a real service, connect a fresh account and pass its id")
Outcome = Exchange | TargetError


class DeleteStory:
    """The steps' outcomes, sent the first time any test asks for one."""

    def __init__(self, target: Target):
        self.target = target
        self.outcomes: dict[str, Outcome] | None = None
        # every other listed account -> its read before the delete, and after it
        self.others: dict[str, tuple[Outcome, Outcome | None]] = {}
        self.stopped: ContractFailure | None = None  # why no DELETE was sent

    def _send(self, method: str, template: str, role: str, account_id: str,
              cached: bool = False) -> Outcome:
        path = LIST if template == LIST else f"{LIST}/{account_id}"
        try:
            return self.target.exchange(method, path, role, cached=cached)
        except TargetError as exc:
            return exc

    def _run(self, contract: Contract) -> dict[str, Outcome]:
        account_id = contract.deletable_id()
        if self.outcomes is not None:
            return self.outcomes
        self.outcomes = {}
        for step, (method, template, role) in STEPS.items():
            if role == "empty" and self.target.settings.empty_api_key is None:
                continue
            self.outcomes[step] = self._send(method, template, role, account_id)
            if step == "list before":
                self.stopped = self._unusable(contract, step, "The list with --api-key", "")
            elif step == "read before":
                self.stopped = self._unusable(contract, step, f"--delete-account-id "
                                              f"{account_id!r} with --api-key", RESTORE)
                if self.stopped is None:
                    for other in self._other_ids(contract, account_id):
                        self.others[other] = (self._send("GET", ITEM, "api", other, True), None)
            elif step == "list after delete":
                for other, (before, _) in self.others.items():
                    self.others[other] = (before, self._send("GET", ITEM, "api", other))
            if self.stopped is not None:
                break  # not an account this key may delete: send no DELETE at all
        return self.outcomes

    def _unusable(self, contract: Contract, step: str, what: str, why: str
                  ) -> ContractFailure | None:
        """Why the lifecycle can't go on after this step (None when it can)."""
        found = self.outcomes[step] if self.outcomes else None
        if isinstance(found, Exchange) and found.status == 200:
            return None
        if isinstance(found, TargetError):
            received = found.title
        else:
            method, template, _ = STEPS[step]
            try:
                answer = contract.check(found, method, template)
                hint = HINTS.get(answer.status)
                received = outcome(answer) + (f": {hint}" if hint else "")
            except ContractFailure as exc:
                received = f"{found.status}, which is not a documented answer ({exc.title})"
        return ContractFailure("The delete lifecycle was not run: no DELETE was sent",
                               request=f"{step}: {found.request if found else '?'}",
                               received=f"{what} answered {received}",
                               documented=f"200 before the suite deletes anything"
                                          f"{'; ' + why if why else ''}")

    def _other_ids(self, contract: Contract, account_id: str) -> list[str]:
        try:
            listing = contract.check(self.outcomes["list before"], "GET", LIST)
            return [other for other in listed_ids(listing) if other != account_id]
        except ContractFailure:
            return []  # the step's own test reports the list; no others are compared

    def step(self, contract: Contract, name: str) -> Answer:
        """The checked answer of one step (the whole story is sent on first use)."""
        outcomes = self._run(contract)
        method, template, role = STEPS[name]
        contract.key(role)
        # Each test raises the same stored failure: without its old traceback, so none grows.
        if name not in outcomes and self.stopped is not None:
            raise self.stopped.with_traceback(None)
        found = outcomes[name]
        if isinstance(found, TargetError):
            raise found.with_traceback(None)
        return contract.check(found, method, template)

    def other_reads(self, contract: Contract) -> list[tuple[Answer, Answer]]:
        """Each other listed account's read before and after the delete, checked."""
        self.step(contract, "delete")
        pairs = []
        for before, after in self.others.values():
            checked = []
            for found in (before, after or before):  # `after` is sent whenever "delete" was
                if isinstance(found, TargetError):
                    raise found.with_traceback(None)
                checked.append(contract.check(found, "GET", ITEM))
            pairs.append((checked[0], checked[1]))
        return pairs
