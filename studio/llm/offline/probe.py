"""The answer to ``manage.py llm_check``'s structured-output probe."""

from studio.llm.offline.registry import structured


@structured("LLMCheckProbe")
def llm_check_probe(req):
    return {"colour": "blue", "number": 7}
