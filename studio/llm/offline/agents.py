"""Offline policies of the simulation agents, registered with the offline engine.

- ``objectives``: ObjectivePlan (agents_planner)
- ``worker``: the tool-calling worker policy (agents_worker)
- ``collaborator``: CollaboratorReply (agents_people)
- ``judge``: RubricScores and Retrospective; ``worker`` also answers Condensation (agents_judge)

All of them are deterministic functions of the request: what the engine put in the messages,
the tools and the <context> JSON. None touches the database.
"""

from studio.llm.offline import agents_judge, agents_people, agents_planner  # noqa: F401
from studio.llm.offline.agents_worker import worker_policy
from studio.llm.offline.registry import agent

agent("worker")(worker_policy)
