"""local_cognito.api_guard: which requests may reach moto's cognito-idp API (boto3's, not
a web page's), the 403 it answers otherwise, and moto's CORS headers taken off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_cognito import api_guard

OWN = "http://127.0.0.1:9229"
TARGET = "AWSCognitoIdentityProviderService.AdminAddUserToGroup"


def environ(method: str = "POST", **headers: str) -> dict[str, Any]:
    """A request as boto3 sends it, with ``headers`` (WSGI names) changed."""
    base = {"REQUEST_METHOD": method, "HTTP_HOST": "127.0.0.1:9229", "HTTP_X_AMZ_TARGET": TARGET}
    return {**base, **headers}


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:9229", "localhost:9229", "LOCALHOST:9229", "127.0.0.2:9229", "[::1]:9229"],
)
def test_boto3_on_a_loopback_host_passes(host: str) -> None:
    assert api_guard.refusal(environ(HTTP_HOST=host), OWN) is None


def test_the_stand_ins_own_origin_passes() -> None:
    assert api_guard.refusal(environ(HTTP_ORIGIN=OWN), OWN) is None
    assert api_guard.refusal(environ(HTTP_ORIGIN="HTTP://127.0.0.1:9229"), OWN) is None


def test_other_methods_without_a_target_pass_to_moto() -> None:
    # moto's JWKS for another pool ID is a GET; nothing a page can change with it.
    get = {"REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1:9229"}
    assert api_guard.refusal(get, OWN) is None


@pytest.mark.parametrize(
    ("request_environ", "reason"),
    [
        (environ(HTTP_HOST="evil.example:9229"), "Host 'evil.example:9229'"),  # DNS rebinding
        (environ(HTTP_HOST="evil.example"), "Host 'evil.example'"),
        (environ(HTTP_HOST="127.0.0.1:9230"), "Host '127.0.0.1:9230'"),  # another port
        (environ(HTTP_HOST="127.0.0.1"), "Host '127.0.0.1'"),  # port 80
        (environ(HTTP_HOST="127.0.0.1:http"), "Host '127.0.0.1:http'"),
        (environ(HTTP_HOST="127.0.0.1:9229@evil.example"), "Host"),
        (environ(HTTP_HOST="10.0.0.1:9229"), "Host '10.0.0.1:9229'"),
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": TARGET}, "Host ''"),
        (environ(HTTP_ORIGIN="http://evil.example"), "Origin 'http://evil.example'"),
        (environ(HTTP_ORIGIN="null"), "Origin 'null'"),  # sandboxed frames, file: pages
        (environ(HTTP_ORIGIN="http://127.0.0.1:8000"), "Origin"),  # another local app
        (environ(HTTP_ORIGIN="http://localhost:9229"), "Origin"),  # not the bound name
        (environ("OPTIONS", HTTP_ORIGIN="http://evil.example"), "CORS preflight"),
        (environ(HTTP_X_AMZ_TARGET=""), "X-Amz-Target"),  # a form or text/plain POST
        (environ(HTTP_X_AMZ_TARGET="AmazonSQS.SendMessage"), "X-Amz-Target"),
    ],
)
def test_a_web_page_is_refused(request_environ: dict[str, Any], reason: str) -> None:
    refused = api_guard.refusal(request_environ, OWN)
    assert refused is not None and reason in refused


def test_the_refusal_is_a_403_in_awss_json_error_shape() -> None:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(
        api_guard.refuse("why", lambda status, headers: started.append((status, headers)))
    )
    [(status, headers)] = started
    assert status == "403 Forbidden"
    assert dict(headers)["Content-Type"] == "application/x-amz-json-1.1"
    assert dict(headers)["x-amzn-ErrorType"] == "AccessDeniedException"
    assert int(dict(headers)["Content-Length"]) == len(body)
    assert json.loads(body) == {
        "__type": "AccessDeniedException",
        "message": "Refused by cognito-local: why",
    }


def test_without_cors_drops_only_the_access_control_headers() -> None:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    filtered = api_guard.without_cors(lambda status, headers: started.append((status, headers)))
    filtered(
        "200 OK",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Access-Control-Allow-Origin", "http://evil.example"),
            ("access-control-allow-credentials", "true"),
            ("Access-Control-Expose-Headers", "*"),
            ("Vary", "Origin"),
        ],
    )
    assert started == [
        ("200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Vary", "Origin")])
    ]
