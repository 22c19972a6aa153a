"""The delete lifecycle: run once, in order, on the one deletable account; tests check each step."""

from __future__ import annotations

import pytest

from .api import ITEM, LIST, Contract, Target
from .checks import Answer
from .client import Exchange
from .failures import ContractFailure, TargetError

# step -> (method, path template, key role), in the order they are sent
STEPS = {
    "read before": ("GET", ITEM, "api"),
    "delete from the empty workspace": ("DELETE", ITEM, "empty"),
    "read after that": ("GET", ITEM, "api"),
    "delete": ("DELETE", ITEM, "api"),
    "read after delete": ("GET", ITEM, "api"),
    "list after delete": ("GET", LIST, "api"),
    "second delete": ("DELETE", ITEM, "api"),
}


class DeleteStory:
    """The steps' outcomes, sent the first time any test asks for one."""

    def __init__(self, target: Target):
        self.target = target
        self.outcomes: dict[str, Exchange | TargetError] | None = None

    def _run(self, contract: Contract) -> dict[str, Exchange | TargetError]:
        account_id = contract.deletable_id()
        if self.outcomes is None:
            self.outcomes = {}
            for step, (method, template, role) in STEPS.items():
                if role == "empty" and self.target.settings.empty_api_key is None:
                    continue
                path = LIST if template == LIST else f"{LIST}/{account_id}"
                try:
                    self.outcomes[step] = self.target.exchange(method, path, role)
                except TargetError as exc:
                    self.outcomes[step] = exc
                if step == "read before" and not self._readable(self.outcomes[step]):
                    break  # not an account this key may delete: send no DELETE at all
        return self.outcomes

    @staticmethod
    def _readable(outcome: Exchange | TargetError) -> bool:
        return isinstance(outcome, Exchange) and outcome.status == 200

    def step(self, contract: Contract, name: str) -> Answer:
        """The checked answer of one step (the whole story is sent on first use)."""
        outcomes = self._run(contract)
        method, template, role = STEPS[name]
        contract.key(role)
        before = outcomes["read before"]
        if name != "read before" and not self._readable(before):
            pytest.fail(f"The delete lifecycle was not run: --delete-account-id "
                        f"{contract.deletable_id()!r} is not readable with --api-key "
                        f"({before.title if isinstance(before, ContractFailure) else before.status}"
                        "); the suite deletes only an account of that workspace", pytrace=False)
        outcome = outcomes[name]
        if isinstance(outcome, TargetError):
            raise outcome
        return contract.check(outcome, method, template)
