"""/api/docs: the API reference as a plain server-rendered page (no CDN, no script).

FastAPI's Swagger UI loads its script and styles from a CDN, which the pages' own
Content-Security-Policy (`default-src 'self'`, community.middleware) blocks, so the page was
blank. This page reads the same OpenAPI document (/api/v1/openapi.json) and lists every
operation with its parameters, body and answers; nothing is fetched from elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..api.routing import ReleasingRoute
from .render import render

_LOGGER = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=ReleasingRoute)
_METHODS = ("get", "post", "put", "patch", "delete")


def _type(schema: Dict[str, Any]) -> str:
    """A short readable type: 'string (uuid)', 'array of ActivityOut', 'ReminderIn'."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else kind


def _operations(spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "tag": (op.get("tags") or ["其他"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": [
                        {
                            "name": p.get("name", ""),
                            "where": p.get("in", ""),
                            "required": bool(p.get("required")),
                            "type": _type(p.get("schema", {})),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _type(body) if body else "",
                    "responses": sorted(op.get("responses", {}).keys()),
                }
            )
    return out


def _schemas(spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        out.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "fields": [
                    {
                        "name": key,
                        "type": _type(value),
                        "required": key in required,
                        "about": value.get("description", ""),
                    }
                    for key, value in schema.get("properties", {}).items()
                ],
            }
        )
    return out


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    operations = _operations(spec)
    tags = sorted({op["tag"] for op in operations})
    return render(
        request,
        "api_docs.html",
        {
            "who": None,
            "title": spec.get("info", {}).get("title", ""),
            "version": spec.get("info", {}).get("version", ""),
            "tags": tags,
            "operations": operations,
            "schemas": _schemas(spec),
        },
    )
