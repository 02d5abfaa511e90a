"""What the offline agents read from a request's messages — the tool calls made so far with
their results, and the lessons in the skill prefix — and how they answer with one tool call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from studio.llm.offline.registry import AgentAction

# The lessons this scripted worker can recognise in a skill document (in the stable prefix of
# its prompt) and the behaviour each switches on; the only place where a skill changes what it
# does. The phrases are lessons the offline retrospective writes (agents_judge.py).
LESSON_BEHAVIOURS = {
    "submit early drafts": "submit_early",  # submit once sent for review; resubmit corrected
}


def behaviours_of(messages: list[dict[str, Any]]) -> set[str]:
    prefix = " ".join(str(m.get("content") or "") for m in messages[:2]).lower()
    return {behaviour for phrase, behaviour in LESSON_BEHAVIOURS.items() if phrase in prefix}


@dataclass
class Step:
    name: str
    args: dict[str, Any]
    observation: str

    @property
    def failed(self) -> bool:
        return self.observation.startswith("Error:")


def steps_of(messages: list[dict[str, Any]]) -> list[Step]:
    """The tool calls in the conversation, each with its result."""
    results = {
        m.get("tool_call_id"): m.get("content") or "" for m in messages if m.get("role") == "tool"
    }
    steps = []
    for m in messages:
        for call in m.get("tool_calls") or []:
            fn = call.get("function") or {}
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {}
            steps.append(
                Step(
                    fn.get("name", ""),
                    args if isinstance(args, dict) else {},
                    results.get(call.get("id"), ""),
                )
            )
    return steps


def act(reason: str, tool: str, **arguments: Any) -> AgentAction:
    return AgentAction(content=reason, tool_name=tool, arguments=arguments)
