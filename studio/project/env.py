"""Tiny typed readers for the environment. A bad value fails at start-up, loudly."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default.resolve()


def env_prices(name: str, default: dict[str, tuple[float, float, float]]) -> dict:
    """Model prices: the defaults, with the models a JSON object in ``name`` names replaced or
    added, e.g. ``{"my-model": [0.5, 0.05, 1.5]}`` (input, cached input, output per 1M tokens)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return dict(default)
    try:
        given = json.loads(raw)
        if not isinstance(given, dict):
            raise ValueError
        prices = {str(model): tuple(float(p) for p in price) for model, price in given.items()}
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f'{name} must be a JSON object like {{"model": [input, cached input, output]}} '
            f"(USD per 1M tokens), got {raw!r}"
        ) from None
    for model, price in prices.items():
        if len(price) != 3 or min(price) < 0:
            raise ImproperlyConfigured(
                f"{name}: {model!r} needs three prices >= 0 (input, cached input, output)"
            )
    return {**default, **prices}
