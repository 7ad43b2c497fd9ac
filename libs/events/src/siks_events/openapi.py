"""What every service's OpenAPI document says beyond FastAPI's defaults: a refused request is a problem.

FastAPI documents its own 422 body (`HTTPValidationError`, `application/json`); ours is an RFC 9457 problem
(`http.py`), so the document says that instead, and clients and the fuzzer check answers against it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem; `errors` point at the fields at fault.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}},
        "request_id": {"type": "string"},
    },
}
INVALID_REQUEST = {"description": "The request is not valid: the fields at fault, as a problem",
                   "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def document_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI document describe its 422 answers as the problems they are."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                    if "422" in responses:
                        responses["422"] = INVALID_REQUEST
            document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
