"""Stable pseudonyms for recorded values: the same real value gets the same fake one in a file."""

from __future__ import annotations

import random
import re
import string

# A CUID (v1 or v2): `c` then lower-case letters and digits, e.g. cmqi7jyir0003v0m91hxnyyaq.
CUID = re.compile(r"^c[a-z0-9]{20,31}$")
# A leading run of short, letter-only segments, each ending in a separator: `org_`, `acc_TH_`,
# `ws-`. Kept as it is, since it names a kind of id; a long or mixed segment may be personal.
PREFIX = re.compile(r"^(?:[A-Za-z]{1,5}[_:-])+")
HEX = re.compile(r"^[0-9a-f-]+$")
SEPARATORS = "_-:.~"


class Pseudonyms:
    """Fake values by kind, each made once per real value; fakes never equal a real value."""

    def __init__(self, seed: int | None = None):
        self._random = random.Random(seed)
        self._fakes: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()
        self._counts: dict[str, int] = {}
        self.real: set[str] = set()  # every value replaced; no fake may equal one of them

    def reserve(self, values) -> None:
        """Values that appear in the recording: no fake made later may equal one of them."""
        self.real.update(v for v in values if isinstance(v, str))

    def id(self, value: str) -> str:
        """A fake id in the same style: CUID-like stays CUID-like, `org_123` keeps `org_`."""
        return self._fake("id", value, lambda attempt: self._id_like(value, attempt))

    def variant(self, value: str, tag: str) -> str:
        """Another fake id in the style of `value` (for an id the service never showed)."""
        return self._fake("id", f"{value}\x00{tag}", lambda attempt: self._id_like(value, attempt))

    def handle(self, value: str) -> str:
        """A fake account handle (`account-1`, `account-2`, ...)."""
        return self._numbered("handle", value, "account-{}")

    def name(self, value: str) -> str:
        """A fake display name (`Account 1`, ...)."""
        return self._numbered("name", value, "Account {}")

    def logo(self, value: str) -> str:
        """A fake logo URL on example.com (reserved for examples); an empty value stays empty."""
        return self._numbered("logo", value, "https://example.com/logos/logo-{}.png")

    # -- making ----------------------------------------------------------------------------------
    def _numbered(self, kind: str, value: str, pattern: str) -> str:
        if not value:
            return value

        def make(attempt: int) -> str:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            return pattern.format(self._counts[kind])

        return self._fake(kind, value, make)

    def _fake(self, kind: str, value: str, make) -> str:
        if (kind, value) in self._fakes:
            return self._fakes[(kind, value)]
        self.real.add(value)
        for attempt in range(10_000):
            fake = make(attempt)
            if fake not in self._used and fake not in self.real:
                break
        else:  # pragma: no cover - only a tiny id style with thousands of ids gets here
            raise ValueError(f"cannot make a unique pseudonym in the style of {value!r}")
        self._used.add(fake)
        self._fakes[(kind, value)] = fake
        return fake

    def _id_like(self, value: str, attempt: int) -> str:
        if CUID.match(value):
            return "c" + self._chars(value[1:], string.ascii_lowercase + string.digits)
        prefix = PREFIX.match(value)
        head = prefix.group(0) if prefix and prefix.end() < len(value) else ""
        body = value[len(head):]
        # A short body has few fakes: after many collisions it grows by a character.
        body += body[-1:] * (attempt // 1000)
        if body.isdigit():
            return head + self._chars(body, string.digits)
        if HEX.match(body) and any(c in "abcdef" for c in body):
            return head + self._chars(body, "0123456789abcdef")
        return head + "".join(self._like(c) for c in body)

    def _chars(self, template: str, alphabet: str) -> str:
        return "".join(c if c in SEPARATORS else self._random.choice(alphabet) for c in template)

    def _like(self, char: str) -> str:
        for alphabet in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
            if char in alphabet:
                return self._random.choice(alphabet)
        # Any other letter or digit (say, a non-ASCII one) is data too; punctuation is style.
        return self._random.choice(string.ascii_lowercase) if char.isalnum() else char
