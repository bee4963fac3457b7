"""schemathesis over the whole API (issue 14): every operation of the OpenAPI schema, `/device/sync`
included, called as staff, family and a paired speaker with valid and invalid inputs; none may
answer 5xx.

The example count per operation is bounded (EXAMPLES, positive and negative) so that the whole run
stays under about a minute on the 2-core CI machine.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import time
from typing import Any, Dict, List, Tuple

import pytest
import schemathesis
from community_world import World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

for _module in pkgutil.walk_packages(schemathesis.__path__, "schemathesis."):
    # Import every part now, at collection: pytest rewrites the asserts of plugin modules as they
    # are imported, and on CPython 3.11.7 an ast.parse made later, after hypothesis tests have
    # raised the recursion limit, can fail ("AST constructor recursion depth mismatch").
    with contextlib.suppress(ImportError):
        importlib.import_module(_module.name)

EXAMPLES = 10
"""Examples per operation and generation mode."""
SYNC_EXAMPLES = 60
"""The same for POST /api/v1/device/sync, whose ops carry the most free-form input."""
BUDGET_SECONDS = 60.0


def _callers(world: World) -> Dict[str, Tuple[Dict[str, str], Dict[str, str]]]:
    """(headers, cookies) of a staff member, a family member and a paired speaker."""
    callers = {}
    for name, client in (("staff", world.client("staff1")), ("family", world.client("fam_ab"))):
        callers[name] = ({"X-CSRF-Token": client.headers["X-CSRF-Token"]}, dict(client.cookies))
    device = world.device("a")
    callers["device"] = ({"Authorization": device.headers["Authorization"]}, {})
    return callers


def _exercise(operation: Any, mode: GenerationMode, callers: Dict[str, Any], calls: List[int]) -> None:
    """Call one operation with generated inputs of one mode; fail on a 5xx."""
    device_only = operation.path.startswith("/api/v1/device/")
    who = st.just("device") if device_only else st.sampled_from(sorted(callers))

    @settings(
        max_examples=SYNC_EXAMPLES if device_only else EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode), caller=who)
    def check(case: Any, caller: str) -> None:
        headers, cookies = callers[caller]
        body = case.body
        if device_only and isinstance(body, dict) and isinstance(body.get("wait"), (int, float)):
            body["wait"] = 0  # a held long poll would only make the run slow
        response = case.call(headers=dict(headers), cookies=dict(cookies))
        calls.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    try:
        check()
    except Unsatisfiable:  # no input of the operation can be made invalid (e.g. it takes none)
        if mode is not GenerationMode.NEGATIVE:
            raise


@pytest.mark.parametrize("backend", ["sqlite"])
def test_schemathesis_finds_no_server_error_anywhere_in_the_api(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.app)
    callers = _callers(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert "/api/v1/device/sync" in {op.path for op in operations} and len(operations) >= 20
    started = time.monotonic()
    calls: List[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, callers, calls)
    elapsed = time.monotonic() - started
    assert len(calls) >= 20 * EXAMPLES and max(calls) < 500
    assert elapsed < BUDGET_SECONDS * 2, f"schemathesis took {elapsed:.0f} s; lower EXAMPLES"
