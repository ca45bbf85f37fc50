"""The API's operations, declared once: each one's route, parameters (pydantic models that also validate the
request) and answers, from which the OpenAPI 3.0 document is built — so the document cannot miss a route.
(3.0, not 3.1: the Swagger UI that ``swagger-ui-bundle`` ships renders 3.0; pydantic's JSON Schema is brought to
3.0's dialect by ``openapi_30``.)

The document is served at ``/api/v1/openapi.json`` and browsable at ``/api/v1/docs`` with Swagger UI from the
``swagger-ui-bundle`` package, served by the app itself (no CDN: it works without internet).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

VERSION = "1.0.0"
PATH_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_STATUSES = {
    "400": "bad input: malformed body, wrong types, unknown fields (error.code, error.details)",
    "401": "no token, or an unknown, expired or revoked one",
    "403": "outside the token's clearance, scope or permissions",
    "404": "no such thing",
    "429": "too many requests for this token (Retry-After)",
    "503": "the store is unavailable",
}


@dataclass(frozen=True)
class Operation:
    """One API operation: ``rule`` is Flask's (``/alerts/<int:alert_id>``) under ``/api/v1``."""

    method: str
    rule: str
    name: str
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    table: bool = False
    writes: bool = False
    csv_body: bool = False

    @property
    def path(self) -> str:
        """The OpenAPI path (``/api/v1/alerts/{alert_id}``)."""
        return "/api/v1" + PATH_PARAMETER.sub(r"{\2}", self.rule)

    def path_parameters(self) -> list[dict]:
        return [{"name": name, "in": "path", "required": True,
                 "schema": {"type": "integer"} if kind == "int" else {"type": "string"}}
                for kind, name in PATH_PARAMETER.findall(self.rule)]


OPERATIONS: list[Operation] = []


def declare(operation: Operation) -> Operation:
    OPERATIONS.append(operation)
    return operation


def openapi_30(schema):
    """A pydantic JSON Schema in OpenAPI 3.0's dialect: ``anyOf [X, null]`` and ``type [X, "null"]`` become
    ``nullable``; titles dropped."""
    if isinstance(schema, list):
        return [openapi_30(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: openapi_30(value) for key, value in schema.items() if key != "title"}
    options = schema.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        schema.pop("anyOf")
        schema.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        schema["nullable"] = True
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        schema["type"] = next(kind for kind in schema["type"] if kind != "null")
        schema["nullable"] = True
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = openapi_30(model.model_json_schema())
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        description = prop.pop("description", "")
        parameters.append({"name": name, "in": "query", "required": name in required, "schema": prop,
                           **({"description": description} if description else {})})
    return parameters


def _answers(operation: Operation) -> dict:
    ok: dict = {"application/json": {"schema": {"$ref": "#/components/schemas/Table" if operation.table
                                                else "#/components/schemas/Object"}}}
    if operation.table:
        ok["text/csv"] = {"schema": {"type": "string"}}
    answers = {"200": {"description": "the answer" + (" (JSON or, with format=csv, CSV; the next page's cursor "
                                                      "in next_cursor and the Link header)" if operation.table else ""),
                       "content": ok}}
    if operation.method == "GET":
        answers["304"] = {"description": "unchanged since the ETag given in If-None-Match"}
    for status, text in ERROR_STATUSES.items():
        answers[status] = {"description": text,
                           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if operation.writes:
        answers["409"] = {"description": "an Idempotency-Key used before with a different body",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        answers["413"] = {"description": "the body is larger than the configured limit",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        answers["422"] = {"description": "rows refused: nothing written; the row-level report says why",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Object"}}}}
    return answers


def document(extra_parameters: Callable[[Operation], list[dict]] | None = None) -> dict:
    """The OpenAPI 3.0 document of every declared operation."""
    schemas: dict = {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "details": {"type": "array", "items": {"type": "object"}}}}}},
        "Object": {"type": "object"},
        "Table": {"type": "object", "required": ["data", "count"], "properties": {
            "data": {"type": "array", "items": {"type": "object"}},
            "count": {"type": "integer", "description": "rows in all pages"},
            "next_cursor": {"type": "string", "nullable": True}}},
    }
    paths: dict = {}
    for operation in OPERATIONS:
        spec: dict = {"operationId": operation.name, "summary": operation.summary, "tags": [operation.tag],
                      "parameters": operation.path_parameters()
                      + (_query_parameters(operation.query) if operation.query else [])
                      + (extra_parameters(operation) if extra_parameters else []),
                      "responses": _answers(operation)}
        if operation.body is not None:
            body = openapi_30(operation.body.model_json_schema(ref_template="#/components/schemas/{model}"))
            schemas.update(body.pop("$defs", {}))
            schemas[operation.body.__name__] = body
            content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{operation.body.__name__}"}}}
            if operation.csv_body:
                content["text/csv"] = {"schema": {"type": "string"}}
            spec["requestBody"] = {"required": True, "content": content}
        paths.setdefault(operation.path, {})[operation.method.lower()] = spec
    return {"openapi": "3.0.3",
            "info": {"title": "City Vitals API · 城市生命体征", "version": VERSION,
                     "description": "Indicators, observations, forecasts, alerts and data quality of the cities, "
                                    "as the token's account sees them; data pushed in through the same checks as "
                                    "files. Authenticate with `Authorization: Bearer cv_…`."},
            "servers": [{"url": "/"}],
            "security": [{"token": []}],
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
            "paths": paths}
