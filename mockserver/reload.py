"""Hot reload: poll the active scenario's files; load an edit that validates, else keep the old."""

from __future__ import annotations

import logging
import threading

from .errors import ScenarioError
from .scenarios import Scenario, ScenarioLoader, file_stamp
from .store import Store

log = logging.getLogger("mockserver")
DEFAULT_INTERVAL = 0.5


class Reloader:
    """Reloads the active scenario when one of its files changes; `start()` polls in a thread."""

    def __init__(self, scenarios: ScenarioLoader, store: Store, interval: float = DEFAULT_INTERVAL):
        self.scenarios = scenarios
        self.store = store
        self.interval = interval
        self._refused: tuple[Scenario, tuple] | None = None  # the edit already logged as invalid
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def reload_if_changed(self) -> bool:
        """Reload if a file of the active scenario changed and still validates; True if reloaded."""
        scenario = self.store.scenario
        stamps = tuple(file_stamp(path) for path in scenario.files)
        if stamps == scenario.stamps or self._refused == (scenario, stamps):
            return False
        try:
            fresh = self.scenarios.reload(scenario)
        except ScenarioError as exc:
            self._refused = (scenario, stamps)  # say so once per edit, not once per poll
            log.warning("kept scenario %r as it was: the edit does not validate:\n  %s",
                        scenario.name, "\n  ".join(exc.lines()))
            return False
        if not self.store.replace(scenario, fresh):
            return False  # switched to another scenario meanwhile: that one stays
        log.info("reloaded scenario %r from %s (state back to its seed)", fresh.name, fresh.source)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reload_if_changed()
            except Exception:  # a poller that dies silently would be worse than a logged error
                log.exception("hot reload failed")

    def start(self) -> None:
        """Poll in a daemon thread until `stop()`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mockserver-reload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the polling thread is alive."""
        return self._thread is not None and self._thread.is_alive()
