"""A spec-driven Flask stub of the PostNitro Embed API's Social Accounts endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ConfigError, MockServerError, ScenarioError, SpecError

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app", "MockServerError", "SpecError", "ScenarioError", "ConfigError"]


def __getattr__(name: str) -> Any:
    # Importing one module (`mockserver.spec`) must not build the whole stub's import graph.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
