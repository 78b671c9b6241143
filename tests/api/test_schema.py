"""The OpenAPI schema validates without warnings and documents the error responses."""

from __future__ import annotations

import io

from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import ApiClient


def test_schema_validates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_every_operation_documents_its_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert {"BearerKey", "HeaderKey"} <= set(schema["components"]["securitySchemes"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (path, method)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (path, method)
            if "{id}" in path:
                assert "404" in responses, (path, method)
            ref = responses["429"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"


def test_docs_are_served_locally(db):
    response = ApiClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr" not in html and "unpkg" not in html
    assert ApiClient().get("/api/schema/").status_code == 200
