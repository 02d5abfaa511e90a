"""Prompt templates live as readable files in studio/prompts/<name>.md.

Each file holds the system message, a line with only ``---``, then the instruction that
opens the user message (the inputs follow it as JSON in <context> tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Prompt:
    system: str
    instruction: str


@cache
def load_prompt(name: str) -> Prompt:
    text = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    system, sep, instruction = text.partition("\n---\n")
    if not sep:
        raise ValueError(f"prompt {name}.md needs a '---' line between system and instruction")
    return Prompt(system=system.strip(), instruction=instruction.strip())


def worker_prompt_name(variant: str = "") -> str:
    """The worker's prompt file: worker.md, or worker.<variant>.md beside it."""
    return f"worker.{variant}" if variant else "worker"


def worker_prompt_check(variant: str) -> None:
    """Refuse a variant whose file is missing or not laid out like worker.md."""
    if not variant:
        return
    name = worker_prompt_name(variant)
    if not (PROMPTS_DIR / f"{name}.md").is_file():
        raise ValueError(f"no worker prompt variant {variant!r}: add studio/prompts/{name}.md")
    if load_prompt(name).instruction.count("\n---\n") != 2:
        raise ValueError(f"{name}.md's instruction needs three parts separated by '---' lines")
