"""The HTTP API fuzzed against its own OpenAPI schema (schemathesis, in-process ASGI): whatever
is sent, no 5xx. Bounded: a few examples per operation, the whole run well under a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from api.app import create_app
from api.runtime import Runtime
from tests.api_support import R, case_documents, client, make_files, make_runtime, submit

EXAMPLES = 8
STATUSES: dict[int, int] = {}
"""Status codes answered during the run (printed, to see the fuzzing reached the routes)."""


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, str]]:
    rt, _, extractor = make_runtime(tmp_path_factory.mktemp("fuzz"))
    docs = case_documents()
    docs.pop("discharge")
    with client(rt) as c:  # a decided submission, so that its id reaches real code paths
        sid = submit(c, make_files(extractor, docs)).json()["id"]
    yield rt, sid
    rt.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed: tuple[Runtime, str]) -> Any:
    rt, _ = fuzzed
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(rt, migrate=False))


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_error(api_schema: Any, fuzzed: tuple[Runtime, str]) -> None:
    """Every operation of the schema, EXAMPLES generated requests each."""
    _, sid = fuzzed
    operations = _operations(api_schema)
    assert len(operations) >= 15
    for operation in operations:
        _fuzz(operation, sid)
    print("statuses:", dict(sorted(STATUSES.items())))
    assert {200, 404, 422} <= set(STATUSES)


def _fuzz(operation: Any, sid: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def examples(case: Any) -> None:
        response = case.call(headers=R)
        STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
        case.validate_response(response, checks=[not_a_server_error])
        if case.path_parameters and "submission_id" in case.path_parameters:
            # the same request against a submission that exists: past the 404, into the route
            case.path_parameters["submission_id"] = sid
            response = case.call(headers=R)
            case.validate_response(response, checks=[not_a_server_error])

    try:
        examples()
    except Exception as exc:
        exc.add_note(f"operation: {operation.label}")
        raise
