"""/health, the docs, and the problem+json answers for requests that never reach an endpoint."""

from __future__ import annotations

import re

from tests.conftest import ApiClient

from .helpers import assert_problem


def test_health_needs_no_auth_and_checks_the_database(db):
    response = ApiClient().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_docs_render_from_bundled_static_files_without_a_cdn(db):
    response = ApiClient().get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), source
    # (Not a bare "cdn" search: the page's CSRF token is random text.)
    assert not re.search(r"jsdelivr|unpkg|cdnjs|cdn\.", html)


def test_openapi_schema_lists_the_foundation_endpoints(db):
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/health", "/api/v1/me", "/api/v1/auth/tokens", "/api/v1/users", "/api/v1/teams",
                 "/api/v1/permissions", "/api/v1/organizations", "/api/v1/asset-types",
                 "/api/v1/asset-types/{type_id}/fields", "/api/v1/devices", "/api/v1/assets",
                 "/api/v1/assets/{asset_id}", "/api/v1/changes"):
        assert path in paths, path


def test_endpoints_need_authentication(db):
    assert_problem(ApiClient().get("/assets"), 401, "UNAUTHENTICATED")
    assert_problem(ApiClient(token="art_not-a-real-token").get("/me"), 401, "UNAUTHENTICATED")


def test_unknown_api_path_is_a_problem_404(admin_api):
    assert_problem(admin_api.get("/no-such-thing"), 404, "NOT_FOUND")
    assert_problem(admin_api.get("/assets/1/no-such-thing"), 404, "NOT_FOUND")


def test_an_id_that_is_not_an_integer_is_a_400(admin_api):
    body = assert_problem(admin_api.get("/assets/abc"), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "asset_id"


def test_wrong_method_is_a_problem_405(admin_api):
    response = admin_api.put("/assets", {})
    body = assert_problem(response, 405)
    assert body["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response["Allow"]


def test_nul_characters_in_the_url_are_a_400(admin_api):
    assert_problem(admin_api.get("/assets", {"title_contains": "a\x00b"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/asset-types/1/fields/a%00b"), 400, "VALIDATION_ERROR")


def test_every_answer_carries_the_trace_id(admin_api):
    response = admin_api.get("/assets/999999", HTTP_X_REQUEST_ID="abc123")
    body = assert_problem(response, 404, "NOT_FOUND")
    assert body["trace_id"] == "abc123"
    assert response["X-Request-ID"] == "abc123"


def test_malformed_json_is_a_400_not_a_500(admin_api):
    body = assert_problem(admin_api.post("/organizations", '{"key": "x", '), 400, "VALIDATION_ERROR")
    assert body["detail"].startswith("malformed JSON")
    assert_problem(admin_api.post("/organizations", b"\xff\xfe"), 400, "VALIDATION_ERROR")


def test_wrong_types_are_400_with_the_field_not_422(admin_api):
    body = assert_problem(admin_api.post("/organizations", {"key": 5, "title": ["x"]}), 400, "VALIDATION_ERROR")
    assert {e["field"] for e in body["errors"]} == {"key", "title"}
    body = assert_problem(admin_api.post("/organizations", {"title": "x"}), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "key"
    assert_problem(admin_api.post("/organizations", []), 400, "VALIDATION_ERROR")


def test_text_no_database_can_store_is_a_400(admin_api):
    body = assert_problem(admin_api.post("/organizations", {"key": "x", "title": "a\x00b"}), 400, "VALIDATION_ERROR")
    assert body["errors"] == [{"field": "body.title", "message": "must not contain NUL characters"}]
    assert_problem(admin_api.post("/organizations", '{"key": "x", "title": "\\ud800"}'), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post("/organizations", '{"key": "x", "title": NaN}'), 400, "VALIDATION_ERROR")


def test_an_oversized_body_is_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert_problem(admin_api.post("/organizations", {"key": "x", "title": "x" * 2000}), 413, "PAYLOAD_TOO_LARGE")
