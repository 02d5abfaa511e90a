"""What every bench that starts the studio in its own process sets first."""

from __future__ import annotations

import os
from pathlib import Path


def offline_studio(var: Path) -> None:
    """Point the studio, before Django starts, at folders of its own under ``var`` and at the
    offline engine (the one stand-in: no bench reaches a real provider by accident)."""
    os.environ["STUDIO_VAR_DIR"] = str(var)
    os.environ["COMPUTERS_ROOT"] = str(var / "computers")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.project.settings")
    os.environ["LLM_BASE_URL"] = "offline"
    os.environ["LLM_MODEL"] = "offline"
