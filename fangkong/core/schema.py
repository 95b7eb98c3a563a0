"""The API schema says every answer a client can get: drf-spectacular documents the successes;
this post-processing hook adds the refusals every operation shares, so a client (and the
schemathesis conformance run) finds each status it meets in the schema.

- 400: a write's (or a filter's) bad input, by field (``ValidationErrors``);
- 401: no or a bad token (``WWW-Authenticate: Token``);
- 403: a role that may not, or a password to change first;
- 404: an object outside the caller's area (never a 403 that would confirm it exists), or a
  page past the last;
- 415: a body whose media type cannot be read (a malformed multipart body has none), on the
  operations that take a body;
- 422: an ``Idempotency-Key`` reused with another body (where the header is taken);
- 429: the API's own throttles, where they apply (none today: not added).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the ``Idempotency-Key`` header on the operations that take it
    (``core.idempotency.idempotent`` marks them)."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        name = getattr(self.view, "action", None) or (self.method or "").lower()
        handler = getattr(self.view, name, None) if name else None
        if getattr(handler, "idempotent", False):
            from fangkong.core.idempotency import IDEMPOTENCY_PARAMETER

            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_ERRORS = {
    "description": "Messages by field (a list of strings, or nested for nested fields), or "
    "`detail` / `non_field_errors`; a refusal that names no field is a list of messages.",
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {"type": "string"}},
    ],
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def _response(description: str, name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def add_shared_refusals(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", _DETAIL)
    schemas.setdefault("ValidationErrors", _ERRORS)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            anonymous = {} in operation.get("security", []) and len(operation["security"]) == 1
            shared: dict[str, dict[str, Any]] = {
                "400": _response("Bad input: the reasons, by field.", "ValidationErrors"),
                "403": _response(
                    "Not allowed for this role (or a password to change first).", "ErrorDetail"
                ),
            }
            if not anonymous:
                shared["401"] = _response(
                    "No valid token (WWW-Authenticate: Token).", "ErrorDetail"
                )
            # an id outside the caller's area, or a page past the last one
            shared["404"] = _response(
                "Not found in the caller's area (or no such page).", "ErrorDetail"
            )
            if "requestBody" in operation:
                shared["415"] = _response(
                    "The body's media type cannot be read (JSON, a form or multipart).",
                    "ErrorDetail",
                )
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                shared["422"] = _response(
                    "The Idempotency-Key was already used with another request.", "ErrorDetail"
                )
            for status, response in shared.items():
                responses.setdefault(status, response)
    return result
