"""The running stub's parts a request reads: document, scenarios, state, answers, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from .responses import Examples
from .scenarios import ScenarioLoader
from .sessions import Sessions
from .spec import Spec
from .store import Store


@dataclass(frozen=True)
class Stub:
    """Everything built once at start-up; kept in `app.extensions["mockserver"]`."""

    spec: Spec
    scenarios: ScenarioLoader
    store: Store
    examples: Examples
    sessions: Sessions
