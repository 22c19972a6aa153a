"""The one object a running stub keeps: document, loader, store, examples, sessions, reloader."""

from __future__ import annotations

from dataclasses import dataclass

from .fixtures import FixtureLoader
from .reload import Reloader
from .responses import Examples
from .sessions import Sessions
from .spec import Spec
from .store import Store


@dataclass
class Mock:
    """Everything built once at start-up; kept in `app.extensions["mockserver"]`."""

    spec: Spec
    loader: FixtureLoader
    store: Store
    examples: Examples
    sessions: Sessions
    reloader: Reloader | None = None
