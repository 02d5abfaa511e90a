"""The README lists every setting the code reads, so a researcher never has to grep for one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# env_int("NAME", ...), os.environ.get("NAME"), os.environ["NAME"], env.get("NAME") and the
# per-role f"LLM_{role.upper()}_MODEL" family
_READS = re.compile(
    r"""(?:env_\w+\(\s*|environ(?:\.get)?[\[(]\s*|\benv\.get\(\s*)f?["']([A-Z][A-Za-z0-9_{}().]+)["']"""
)


def settings_read_by_the_code() -> set[str]:
    names = set()
    for folder in ("studio", "simulations"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in _READS.findall(path.read_text(encoding="utf-8")):
                names.add(re.sub(r"\{[^}]*\}", "<ROLE>", name))
    return names


def test_the_readme_names_every_setting_the_code_reads():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = settings_read_by_the_code()
    assert {"DATABASE_URL", "LLM_<ROLE>_MODEL", "STUDIO_REDIS_PORT"} <= names  # the scan works
    missing = sorted(n for n in names if f"`{n}" not in readme and f" {n}" not in readme)
    assert not missing, f"settings the code reads but the README does not name: {missing}"
