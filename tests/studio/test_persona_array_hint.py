"""A JSON array uploaded as a persona file is refused with the hint to write JSON Lines."""

import json

import pytest

from studio.models import PersonaPool
from studio.services.personas import PersonaImportError, persona_pool_import

pytestmark = pytest.mark.django_db
PERSONAS = [{"persona": "A ward nurse who audits medication rounds."}, {"persona": "A CFO."}]


@pytest.mark.parametrize("indent", [None, 2], ids=["one line", "pretty-printed"])
def test_a_json_array_gets_the_one_object_per_line_hint(indent):
    with pytest.raises(PersonaImportError) as info:
        persona_pool_import(
            pool_name="array",
            source=json.dumps(PERSONAS, indent=indent).encode(),
            filename="personas.json",
        )
    assert "one JSON object per line" in str(info.value)
    assert not PersonaPool.objects.filter(name="array").exists()
