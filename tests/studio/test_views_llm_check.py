"""The home page's endpoint check: staff only, POST only, the verdicts shown."""

import pytest
from django.urls import reverse

from studio.llm import server_quirks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    server_quirks.forget_endpoints()
    yield
    server_quirks.forget_endpoints()


def test_staff_see_the_button_and_get_a_verdict_per_role(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert "Check model endpoints" in client.get(reverse("studio-home")).content.decode()
    response = client.post(reverse("studio-llm-check"))
    assert response.status_code == 200
    verdicts = response.context["llm_verdicts"]
    assert [v.role for v in verdicts][0] == "persona" and len(verdicts) == 7
    page = response.content.decode()
    assert page.count('class="verdict-ok"') == 7 and "offline engine" in page


def test_others_neither_see_nor_run_it(client, auth_client):
    assert "Check model endpoints" not in auth_client.get(reverse("studio-home")).content.decode()
    assert auth_client.post(reverse("studio-llm-check")).status_code == 403
    assert auth_client.get(reverse("studio-llm-check")).status_code == 405
    client.logout()
    anonymous = client.post(reverse("studio-llm-check"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
