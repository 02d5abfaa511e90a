"""A turn before it is committed: everything one step of the engine wants to record.

The engine builds a TurnDraft without writing anything; services.turns commits it in one
transaction (turn row, file changes, messages, objective and simulation updates) and then
applies its file ops to the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from simulations.engine.sandbox import FileOp
from simulations.engine.tools.context import Submission


@dataclass
class MessageDraft:
    direction: str
    sender: str
    sender_email: str
    recipients: list[dict[str, str]]
    subject: str
    body: str
    sent_at: dt.datetime
    attachments: list[str] = field(default_factory=list)
    delivered_at: dt.datetime | None = None
    deliverable_key: str = ""
    in_reply_to_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class MessageUpdate:
    id: int
    fields: dict[str, Any]


@dataclass
class SignalDraft:
    kind: str
    message: str
    severity: str = "warning"
    detail: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None  # the turn it points at, if any


@dataclass
class TurnDraft:
    actor: str
    action: str
    sim_time: dt.datetime
    actor_name: str = ""
    arguments: dict[str, Any] | None = None
    raw_arguments: str = ""
    tool_call_id: str = ""
    observation: str = ""
    reasoning: str = ""
    error: str = ""
    is_retry: bool = False
    sim_minutes: int = 0
    workday: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    prompt_chars: int = 0
    # The turn's model calls: their LLMCall rows, unsaved (the commit inserts them).
    llm_calls: list[Any] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    file_ops: list[FileOp] = field(default_factory=list)
    messages: list[MessageDraft] = field(default_factory=list)
    message_updates: list[MessageUpdate] = field(default_factory=list)
    submission: Submission | None = None
    objective_plan: Any = None  # contracts.ObjectivePlan, with the month's start
    judged: tuple[int, Any] | None = None  # (objective id, contracts.RubricScores)
    run_signals: list[SignalDraft] = field(default_factory=list)
    simulation: dict[str, Any] = field(default_factory=dict)  # Simulation fields to set

    def model_usage(self, usage: Any) -> None:
        """Copy the accounting of the turn's model calls (agents.Usage) onto it."""
        self.prompt_tokens = usage.prompt_tokens
        self.completion_tokens = usage.completion_tokens
        self.cost_usd = usage.cost_usd
        self.latency_ms = usage.latency_ms
        self.llm_calls = usage.records
