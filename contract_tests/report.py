"""The lines that open a run's report: what is checked, with which keys (masked), and how."""

from __future__ import annotations

from .client import proxy_for
from .document import default_path
from .masking import hide_url_credentials, mask
from .options import OPTIONS, Settings


def header(settings: Settings) -> list[str]:
    """`contract target: ...`, `contract keys: ...` and the rest, never showing a key."""
    if settings.base_url:
        target = hide_url_credentials(settings.base_url.rstrip("/"))
    else:
        target = "this project's stub, started on a free loopback port (no --base-url given)"
    keys = []
    for option in OPTIONS:
        if option.secret:
            value = getattr(settings, option.dest)
            keys.append(f"{option.flag} {mask(value) if value else '(not given)'}")
    deletes = (f"account {settings.delete_account_id} only (the run consumes it)"
               if settings.delete_account_id
               else "nothing (no --delete-account-id: no DELETE is sent)")
    fields = ("failures (--strict)" if settings.strict
              else "warnings (--strict makes them failures)")
    lines = [f"contract target: {target}", f"contract keys: {', '.join(keys)}",
             f"contract deletes: {deletes}",
             f"contract document: {settings.openapi or default_path()}; undocumented fields and "
             f"values outside its examples are {fields}"]
    if settings.rate:
        lines.append(f"contract pacing: at most {settings.rate:g} requests per second")
    if settings.base_url:
        proxy = proxy_for(settings.base_url, settings.no_proxy)
        if proxy:
            lines.append(f"contract proxy: {hide_url_credentials(proxy)} (from the environment; "
                         "--contract-no-proxy ignores it)")
        elif settings.no_proxy:
            lines.append("contract proxy: none (--contract-no-proxy)")
    return lines
