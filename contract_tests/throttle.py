"""Rate limits: pace requests, wait out a 429 or 503 as its Retry-After says, and count both."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

# A 429 or 503 means the request was not processed (RFC 9110 15.6.4, RFC 6585 4), so sending the
# same request again, DELETE included, is safe; any other answer is the target's real answer.
RETRY_STATUSES = (429, 503)
MAX_RETRIES = 3
DEFAULT_BACKOFF = 1.0  # seconds before the first retry when there is no Retry-After; doubles
MAX_WAIT = 30.0  # the longest single wait: beyond it the suite gives up on that request
RUN_BUDGET = 120.0  # the most the suite waits for rate limits in one run, in all


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are always GMT
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Pacer:
    """Spaces the starts of requests at least 1/rate seconds apart (no rate: no pacing)."""

    rate: float | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = 0.0

    def wait(self) -> None:
        """Block until the next request may start."""
        if not self.rate:
            return
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1.0 / self.rate


@dataclass
class Log:
    """How often the target asked the suite to come back later, and what it cost."""

    answers: Counter[int] = field(default_factory=Counter)  # status -> times answered
    waited: float = 0.0
    exhausted: list[str] = field(default_factory=list)  # requests that ran out of retries
    resent: int = 0  # GETs sent again after the target closed a kept-alive connection

    def delay(self, status: int, header: str | None, attempt: int) -> tuple[float | None, str]:
        """How long to wait before retry number `attempt` (1-based), or None with the reason the
        suite gives up instead."""
        self.answers[status] += 1
        if attempt > MAX_RETRIES:
            return None, f"still {status} after {MAX_RETRIES} retries"
        seconds = retry_after(header)
        if seconds is None:
            seconds = DEFAULT_BACKOFF * 2 ** (attempt - 1)
        if seconds > MAX_WAIT:
            return None, (f"Retry-After asks for {seconds:g} s, longer than the suite waits for "
                          f"one request ({MAX_WAIT:g} s)")
        if self.waited + seconds > RUN_BUDGET:
            return None, (f"waiting {seconds:g} s more would pass the {RUN_BUDGET:g} s the suite "
                          "waits for rate limits in one run")
        self.waited += seconds
        return seconds, ""

    def summary(self, rate: float | None) -> list[str]:
        """Lines for the run's summary (none when nothing happened and nothing was paced)."""
        lines = []
        if self.answers:
            counts = " and ".join(f"{status} {_times(n)}" for status, n in
                                  sorted(self.answers.items()))
            lines.append(f"The target answered {counts}; the suite waited {self.waited:.1f} s in "
                         "all and sent the same request again.")
            if self.exhausted:
                lines.append(f"Out of retries ({len(self.exhausted)}): "
                             + "; ".join(self.exhausted))
            else:
                lines.append("Every such request succeeded on a retry.")
            if not rate:
                lines.append("--contract-rate N (or CONTRACT_RATE) paces the suite under a limit.")
        if self.resent:
            lines.append(f"The target closed a kept-alive connection without answering "
                         f"{_times(self.resent)}; the suite sent those GETs again on a new "
                         "connection (a DELETE always goes on a new one).")
        if rate:
            lines.append(f"Requests were paced at most {rate:g} per second (--contract-rate).")
        return lines


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"
