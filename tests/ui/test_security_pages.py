"""Pages of issue 13's findings: bad filters answer 4xx on the page, never a 500."""

from __future__ import annotations

from django.urls import reverse


def test_change_log_with_a_user_id_past_64_bits_is_a_400_on_the_page(client_for, world):
    response = client_for(world.root).get(reverse("change_list"), {"user": "99999999999999999999999"})
    assert response.status_code == 400
    assert "user: is not a user id" in response.content.decode()
    assert response.context["rows"] == []


def test_pages_send_a_content_security_policy_and_hold_no_inline_script(client_for, world):
    import re

    client = client_for(world.root)
    for url in (reverse("dashboard"), reverse("asset_list"), reverse("asset_detail", args=[world.truck_a.pk]),
                reverse("change_list"), "/admin/", "/admin/auth/user/add/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'", policy
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url  # every script is a static file
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers


def test_json_answers_carry_no_content_security_policy_and_html_ones_do(client_for, world):
    client = client_for(world.root)
    api = client.get(f"/api/v1/assets/{world.truck_a.pk}")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in api
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404 and "Content-Security-Policy" not in missing
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "script-src" in docs["Content-Security-Policy"]
