"""The agents' model calls and how their answers are checked (what each is shown: agent_context).

Every call goes through studio.llm.gateway with the prompt file of its role, the models the
simulation chose (gateway overrides), a seed derived from the simulation and the turn, and
tags that tie the call's LLMCall record to the simulation. Nothing here writes to the
database except the gateway's own call records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulations.engine import contracts, memory
from simulations.engine.agent_context import (
    collaborator_context,
    judge_context,
    objective_context,
)
from simulations.engine.tools import TOOL_SPECS
from simulations.engine.world import World
from simulations.models import Message
from studio.llm import gateway
from studio.llm.prompts import load_prompt
from studio.models import ComputerFile, LLMCall
from studio.paths import PathEscapeError, sanitize_relative


def call_seed(world: World, seq: int, attempt: int) -> int:
    return (world.sim.seed * 1_000_003 + seq * 7_919 + attempt * 104_729) % (2**31 - 1)


def _tags(world: World, ledger: list[LLMCall]) -> gateway.CallTags:
    return gateway.CallTags(
        computer_id=world.sim.computer_id, simulation_id=world.sim.pk, ledger=ledger
    )


@dataclass
class Usage:
    """The accounting of the model calls behind one turn; their LLMCall rows, unsaved, go
    into the turn's commit."""

    records: list[LLMCall] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.records)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self.records)

    @property
    def cost_usd(self) -> float:
        return sum(r.cost_usd or 0.0 for r in self.records)  # (calls without a price: None)

    @property
    def latency_ms(self) -> int:
        return sum(r.latency_ms for r in self.records)

    @property
    def invalid(self) -> int:
        return sum(r.outcome == LLMCall.Outcome.INVALID for r in self.records)


def structured_call(
    world: World,
    *,
    role: str,
    prompt_name: str,
    schema,
    context: dict,
    seed: int,
    check=None,
    schema_name: str | None = None,
):
    """gateway.structured, plus the accounting of every attempt it made (re-asks included).
    Returns (result or None, usage, error text)."""
    prompt = load_prompt(prompt_name)
    usage = Usage()
    error = ""
    result = None
    try:
        result = gateway.structured(
            role=role,
            schema=schema,
            system=prompt.system,
            prompt=prompt.instruction,
            context=context,
            seed=seed,
            tags=_tags(world, usage.records),
            overrides=world.sim.options.overrides(role),
            check=check,
            schema_name=schema_name,
        )
    except gateway.LLMError as exc:
        error = str(exc)
    return result, usage, error


# -- the objective agent ----------------------------------------------------------------------


def objective_check(world: World, context: dict[str, Any]):
    """Rules the schema cannot express: every name, path and index must be real."""
    home_paths = {f["path"] for f in context["files"]}
    all_home = set(
        ComputerFile.objects.filter(
            computer=world.sim.computer, scope=ComputerFile.Scope.HOME
        ).values_list("path", flat=True)
    )
    private = {c["name"]: {f["path"] for f in c["private_files"]} for c in context["collaborators"]}
    workdays = context["workdays"]

    def check(plan: contracts.ObjectivePlan) -> None:
        targets: set[str] = set()
        for n, objective in enumerate(plan.objectives, start=1):
            where = f"objectives[{n - 1}]"
            if objective.reviewer not in private:
                raise ValueError(
                    f"{where}.reviewer {objective.reviewer!r} is not a collaborator; "
                    f"choose from {sorted(private)}"
                )
            if objective.target_workday > workdays:
                raise ValueError(f"{where}.target_workday must be at most {workdays}")
            for m in objective.milestones:
                if m.workday > workdays:
                    raise ValueError(f"{where}: milestone {m.title!r} is after workday {workdays}")
            for path in objective.inputs:
                if path not in home_paths and path not in all_home:
                    raise ValueError(f"{where}.inputs: {path!r} is not a file in the home folder")
            for ref in objective.references:
                if ref.owner not in private or ref.path not in private[ref.owner]:
                    raise ValueError(
                        f"{where}.references: {ref.owner!r} holds no private file {ref.path!r}"
                    )
            for d in objective.deliverables:
                try:
                    clean = sanitize_relative(d.path)
                except PathEscapeError as exc:
                    raise ValueError(f"{where}.deliverables: {exc}") from None
                if not clean.lower().endswith("." + d.kind):
                    raise ValueError(f"{where}.deliverables: {d.path!r} must end in .{d.kind}")
                if clean.lower() in targets:
                    raise ValueError(f"{where}.deliverables: {d.path!r} is used twice")
                targets.add(clean.lower())
            for item in objective.rubric:
                if item.deliverable is not None and not 0 <= item.deliverable < len(
                    objective.deliverables
                ):
                    raise ValueError(
                        f"{where}.rubric: deliverable index {item.deliverable} is out of range"
                    )

    return check


def write_objectives(world: World, *, seq: int, attempt: int):
    context = objective_context(world)
    return structured_call(
        world,
        role="objectives",
        prompt_name="objectives",
        schema=contracts.ObjectivePlan,
        context=context,
        seed=call_seed(world, seq, attempt),
        check=objective_check(world, context),
    )


# -- the worker ---------------------------------------------------------------------------------


WORKER_PROMPT_HEAD = 2  # system prompt and the month, before the history (worker_prompt)
WORKER_PROMPT_TAIL = 1  # the situation now, after it


def worker_act(
    world: World, messages: list[dict[str, Any]], *, seq: int, attempt: int, usage: Usage
):
    """The worker's next action. A prompt the endpoint refuses as too long for its context
    goes again without the older half of the history, until it fits or none is left."""
    while True:
        try:
            return gateway.chat(
                role="worker",
                messages=messages,
                tools=TOOL_SPECS,
                seed=call_seed(world, seq, attempt),
                tags=_tags(world, usage.records),
                overrides=world.sim.options.overrides("worker"),
            )
        except gateway.LLMContextTooLong:
            shorter = memory.without_oldest_half(
                messages, head=WORKER_PROMPT_HEAD, tail=WORKER_PROMPT_TAIL
            )
            if shorter is None:
                raise
            messages = shorter


# -- collaborators ----------------------------------------------------------------------------------


def collaborator_reply(world: World, message: Message, person: dict, *, seq: int, attempt: int):
    context = collaborator_context(world, message, person)
    allowed = {f["path"] for f in context["private_files"]}

    def check(reply: contracts.CollaboratorReply) -> None:
        unknown = [p for p in reply.share_files if p not in allowed]
        if unknown:
            raise ValueError(
                f"share_files {unknown} are not among your private_files {sorted(allowed)}"
            )

    result, usage, error = structured_call(
        world,
        role="collaborator",
        prompt_name="collaborator",
        schema=contracts.CollaboratorReply,
        context=context,
        seed=call_seed(world, seq, attempt),
        check=check,
    )
    return result, usage, error


# -- judge, retrospective, condensation -----------------------------------------------------------


def judge_objective(world: World, objective, *, seq: int, attempt: int):
    context = judge_context(world, objective)
    count = len(context["rubric"])

    def check(scores: contracts.RubricScores) -> None:
        for score in scores.scores:
            if not 1 <= score.item <= count:
                raise ValueError(f"item {score.item} does not exist; items are 1..{count}")

    return structured_call(
        world,
        role="judge",
        prompt_name="judge",
        schema=contracts.RubricScores,
        context=context,
        seed=call_seed(world, seq, attempt),
        check=check,
    )


def write_retrospective(world: World, context: dict[str, Any], *, seq: int, attempt: int):
    return structured_call(
        world,
        role="judge",
        prompt_name="retrospective",
        schema=contracts.Retrospective,
        context=context,
        seed=call_seed(world, seq, attempt),
    )


def condense(world: World, folded, *, seq: int, attempt: int):
    context = {
        "max_chars": memory.SUMMARY_CHARS - 500,
        "previous_summary": world.sim.summary,
        "memory": world.sim.memory,
        "turns": [memory.fold_line(t) for t in folded],
    }

    def check(result: contracts.Condensation) -> None:
        if len(result.summary) > memory.SUMMARY_CHARS:
            raise ValueError(
                f"the summary has {len(result.summary)} characters; "
                f"at most {memory.SUMMARY_CHARS - 500} are allowed"
            )

    return structured_call(
        world,
        role="worker",
        prompt_name="condense",
        schema=contracts.Condensation,
        context=context,
        seed=call_seed(world, seq, attempt),
        check=check,
    )
