"""Which endpoint and model each role (persona, blueprint, artifact, objectives, worker,
collaborator, judge) calls: from settings, overridable per call (e.g. per simulation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

OFFLINE_LABEL = "offline engine"


@dataclass(frozen=True)
class RoleConfig:
    role: str
    base_url: str
    api_key: str
    model: str

    @property
    def offline(self) -> bool:
        return self.base_url in ("", "offline") or self.base_url.startswith("offline")

    @property
    def label(self) -> str:
        if self.offline:
            return OFFLINE_LABEL
        return f"{self.model} @ {self.base_url}"


def role_config(role: str, overrides: Mapping[str, Any] | None = None) -> RoleConfig:
    if role not in settings.LLM_ROLE_CONFIG:
        raise ValueError(f"unknown LLM role {role!r}")
    merged = dict(settings.LLM_ROLE_CONFIG[role])
    for key, value in (overrides or {}).items():
        if value:
            merged[key] = value
    if merged["base_url"] in ("", "offline") and not str(merged["model"]).startswith("offline"):
        merged["model"] = "offline"
    return RoleConfig(role=role, **merged)


def backend_label(role: str = "artifact") -> str:
    """What a page says about the backend: 'offline engine' or 'model @ url'."""
    return role_config(role).label
