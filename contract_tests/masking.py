"""What the suite may show of a secret: keys cut to four characters, URL credentials hidden."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

# scheme://user:password@ (or scheme://token@) anywhere in a text.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s?#]+@")
HIDDEN = "****"


def mask(secret: str) -> str:
    """A key as it may be shown: its first four characters, or `****` for a short one."""
    return f"{secret[:4]}…" if len(secret) >= 8 else HIDDEN


def hide_url_credentials(text: str) -> str:
    """Every `scheme://user:password@` in a text shown as `scheme://****@`."""
    return _USERINFO.sub(rf"\g<1>{HIDDEN}@", text)


class Redactor:
    """Masks a fixed set of secrets, and any URL credentials, wherever they appear in a text."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """The text with every secret (as given, percent-encoded, in any case) masked."""
        text = hide_url_credentials(text)
        for secret in self.secrets:
            shown = len(mask(secret)) - 1  # the characters mask() itself keeps (or 0 for ****)
            for form in {secret, quote(secret, safe="")}:
                text = re.sub(re.escape(form), mask(secret), text, flags=re.IGNORECASE)
                # failures.clip() may cut an echoed secret short: its start before "…" is masked.
                starts = "|".join(re.escape(form[:n]) for n in range(len(form) - 1, shown, -1))
                if starts:
                    text = re.sub(f"(?:{starts})…", mask(secret), text, flags=re.IGNORECASE)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self.secrets)} secrets)"
