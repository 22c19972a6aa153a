"""A spec-driven Flask stub of the PostNitro Embed API's Social Accounts endpoints."""

from .app import create_app
from .errors import ConfigError, MockServerError, ScenarioError, SpecError

__all__ = ["create_app", "MockServerError", "SpecError", "ScenarioError", "ConfigError"]
