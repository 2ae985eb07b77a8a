"""Schemathesis against the gateway's own OpenAPI schema: no 500, answers match the schema.

The gateway runs as a real uvicorn process on 127.0.0.1 with a fake Rasa that echoes; the
examples are bounded and derandomized so the run is quick and repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig

from tests.api.mailbox.conftest import write_signing_pair
from tests.live_servers import FakeRasa, Gateway, start_gateway

MAX_EXAMPLES = 40

# positive_data_acceptance is left out on purpose: the schema says "a string of 1 to 2,000
# characters" while the gateway also refuses blank text and control characters (422).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    checks.unsupported_method,
]

# Invalid data must be refused with a 4xx. Schemathesis's list of refusals leaves out 413, the
# answer to a body over the gateway's limit (api/middleware/body_limit.py): a text far over
# 2,000 characters, which the negative phase generates now and then (a CI run drew one).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422"),
                    *("428", "429", "5xx"),
                ]
            }
        }
    }
)


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = FakeRasa().start()
    folder: Path = tmp_path_factory.mktemp("fuzz-gateway")
    # With the NGO's signing key set, as in production, /api/ngo/replies checks signatures.
    _, ngo_signing_key = write_signing_pair(folder / "ngo")
    gateway = start_gateway(
        folder,
        rasa.port,
        rate_limit=1_000_000,
        mailbox_rate_limit=1_000_000,
        ngo_signing_public_key=str(ngo_signing_key),
    )
    yield gateway
    gateway.stop()
    rasa.stop()
    assert "Traceback" not in gateway.log()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_never_errs_and_answers_as_documented(
    live_gateway: Gateway, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_gateway.url}/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} >= {
        ("POST", "/api/chat"),
        ("DELETE", "/api/chat/{session}"),
        ("POST", "/api/chat/{session}/forget"),
        ("GET", "/healthz"),
        ("POST", "/api/mailbox"),
        ("POST", "/api/mailbox/reply"),
        ("POST", "/api/mailbox/forget"),
        ("POST", "/api/ngo/replies"),
    }
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not len(operation.body):
            continue  # nothing to get wrong: no body, and a path segment is any string

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS, timeout=10)

        call()
