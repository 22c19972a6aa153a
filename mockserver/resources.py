"""Where the shipped document and scenario files live, in a checkout or in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[-1]


def spec_path() -> Path:
    """The path of openapi.yaml: the wheel's copy inside the package, else the checkout's."""
    return _first_existing(_PACKAGE / "openapi.yaml", _CHECKOUT / "openapi.yaml")


def fixtures_dir() -> Path:
    """The folder of scenario files: the wheel's copy inside the package, else the checkout's."""
    return _first_existing(_PACKAGE / "fixtures", _CHECKOUT / "fixtures")
