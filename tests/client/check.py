"""A third-party client, as a school-management vendor would write one: generated from the
service's OpenAPI document with openapi-python-client, every response it receives validated
against the same document with openapi-core.

    python check.py BASE_URL

Exits non-zero at the first response that does not match the document, or the first answer
that is not what the step expects.
"""

import io
import json
import sys

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from clausier_client import Client
from clausier_client.api.decisions import batch, decide
from clausier_client.api.policies import decision_schema, list_, schema
from clausier_client.api.review import diff
from clausier_client.types import File
from clausier_client.models import (
    BatchRequest,
    BatchResponse,
    Decision,
    DecisionRequest,
    DecisionRequestInput,
    DiffFormat,
    DiffResponse,
    PolicyList,
    Problem,
)

BASE = sys.argv[1]
BTS = "bts-metiers-de-la-mesure"
CANDIDATE = {
    "candidate": {"pathway": "scolaire"},
    "internship": {
        "periods": [{"start": "2026-05-04", "end": "2026-07-24", "agreement_signed": True}],
        "certificate_provided": True,
    },
}

# openapi-core reads none of these as JSON by itself: NDJSON (each line is read as the JSON
# document it is), JSON Schemas and problems.
DOCUMENT = OpenAPI.from_dict(
    httpx.get(f"{BASE}/openapi.json").json(),
    config=Config(
        extra_media_type_deserializers={
            "application/x-ndjson": json.loads,
            "application/schema+json": json.loads,
            "application/problem+json": json.loads,
        }
    ),
)


class Request:
    """An httpx request as openapi-core reads one."""

    def __init__(self, r: httpx.Request):
        self.host_url = f"{r.url.scheme}://{r.url.netloc.decode()}"
        self.path = r.url.path
        self.method = r.method.lower()
        # A body sent as a stream (the NDJSON batch) cannot be read again; responses do not need it.
        try:
            self.body = r.content or None
        except httpx.RequestNotRead:
            self.body = None
        self.content_type = r.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(r.url.params.multi_items())),
            header=Headers(dict(r.headers)),
            cookie=ImmutableMultiDict(),
        )


class Response:
    """An httpx response (or one NDJSON line of it) as openapi-core reads one."""

    def __init__(self, r: httpx.Response, data: bytes | None = None):
        self.status_code = r.status_code
        self.content_type = r.headers.get("content-type", "")
        self.headers = Headers(dict(r.headers))
        self.data = r.content if data is None else data


validated: list[str] = []


def validate(response: httpx.Response) -> None:
    """Checks a response against the document: each line of an NDJSON stream on its own."""
    response.read()
    request = Request(response.request)
    if response.headers.get("content-type", "").startswith("application/x-ndjson"):
        for line in response.content.splitlines():
            DOCUMENT.validate_response(request, Response(response, line))
    else:
        DOCUMENT.validate_response(request, Response(response))
    validated.append(f"{response.request.method} {response.request.url.path} {response.status_code}")


# NDJSON lines are read one at a time by the validator: each is a JSON document.
client = Client(base_url=BASE, httpx_args={"event_hooks": {"response": [validate]}})


def expect(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"client check failed: {what}")


# The policies and their versions.
listed = list_.sync_detailed(client=client).parsed
expect(isinstance(listed, PolicyList), f"a list of policies: {listed!r}")
expect(any(p.id == BTS for p in listed.policies), "the BTS policy is listed")

# The input and decision schemas of a version.
for operation in (schema, decision_schema):
    reply = operation.sync_detailed(BTS, "session-2027", client=client)
    expect(reply.status_code == 200, f"{operation.__name__}: {reply.status_code}")
    expect(json.loads(reply.content)["$schema"].startswith("https://json-schema.org/"), "a JSON Schema")

# One decision.
decision = decide.sync_detailed(
    BTS,
    client=client,
    body=DecisionRequest(input_=DecisionRequestInput.from_dict(CANDIDATE), version="session-2027"),
).parsed
expect(isinstance(decision, Decision), f"a decision: {decision!r}")
expect(decision.policy.version == "session-2027", "the version asked for")
expect(
    decision.conclusions["e61_admission"].value == "admis",
    f"admitted: {decision.conclusions['e61_admission'].value}",
)

# A JSON batch, the version in the query string.
batched = batch.sync_detailed(
    BTS, client=client, body=BatchRequest(inputs=[CANDIDATE, {}]), version="session-2026"
).parsed
expect(isinstance(batched, BatchResponse), f"a batch: {batched!r}")
expect(
    [d.policy.version for d in batched.decisions] == ["session-2026", "session-2026"],
    "every decision of the batch under the version of the query string",
)

# An NDJSON batch: one record per line in, one entry per line out (a bad line gets an error).
lines = b"\n".join(json.dumps(x).encode() for x in (CANDIDATE, {"candidate": {"pathway": "x"}}))
kwargs = batch._get_kwargs(BTS, body=File(payload=io.BytesIO(lines)), version="session-2027")
streamed = client.get_httpx_client().request(**kwargs)
entries = [json.loads(line) for line in streamed.content.splitlines()]
expect(streamed.status_code == 200 and len(entries) == 2, f"two entries: {streamed.content[:200]!r}")
expect("conclusions" in entries[0] and entries[1]["error"]["status"] == 422, "a decision, then an error")

# The diff of two sessions, as JSON and as text.
changes = diff.sync_detailed(BTS, client=client, from_="session-2026", to="session-2027").parsed
expect(isinstance(changes, DiffResponse), f"a diff: {changes!r}")
kwargs = diff._get_kwargs(BTS, from_="session-2026", to="session-2027", format_=DiffFormat.TEXT)
text = client.get_httpx_client().request(**kwargs)
expect(text.status_code == 200 and text.headers["content-type"].startswith("text/plain"), "a text diff")

# An error: a problem (RFC 9457) the client parses.
missing = decide.sync_detailed(
    "no-such-policy", client=client, body=DecisionRequest(input_=DecisionRequestInput.from_dict({}))
)
expect(missing.status_code == 404 and isinstance(missing.parsed, Problem), f"a 404 problem: {missing.content!r}")
expect(missing.parsed.status == 404, "the problem's status")

print(f"client check: {len(validated)} responses valid against the document")
for line in validated:
    print(f"  {line}")
