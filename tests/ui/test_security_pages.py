"""Pages of issue 13's findings: bad filters answer 4xx on the page, never a 500."""

from __future__ import annotations

from django.urls import reverse


def test_change_log_with_a_user_id_past_64_bits_is_a_400_on_the_page(client_for, world):
    response = client_for(world.root).get(reverse("change_list"), {"user": "99999999999999999999999"})
    assert response.status_code == 400
    assert "user: is not a user id" in response.content.decode()
    assert response.context["rows"] == []
