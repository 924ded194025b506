"""API Gateway HTTP API events (payload format 2.0), as the $default route sends them to Lambda.

Shape: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

import datetime
import json
import urllib.parse
import uuid
from typing import Any

API_ID = "a1b2c3d4e5"
HOST = f"{API_ID}.execute-api.eu-west-1.amazonaws.com"
SOURCE_IP = "203.0.113.7"


def http_api_event(
    method: str,
    path: str,
    *,
    token: str | None = None,
    query: str = "",
    body: Any = None,
) -> dict[str, Any]:
    """The event for ``METHOD path?query`` with an optional bearer token and JSON body."""
    headers = {
        "accept": "application/json",
        "content-length": "0",
        "host": HOST,
        "user-agent": "cognito-desktop/0.1.0",
        "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    now = datetime.datetime.now(datetime.UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_ID,
            "domainName": HOST,
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        # API Gateway joins repeated parameters with commas here; rawQueryString keeps them.
        parsed = urllib.parse.parse_qs(query, keep_blank_values=True)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parsed.items()}
    if body is not None:
        text = json.dumps(body)
        event["body"] = text
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(text.encode()))
    return event


class LambdaContext:
    """The attributes of the context object Lambda passes to a Python handler."""

    function_name = "cognito-desktop-protected-api"
    function_version = "$LATEST"
    invoked_function_arn = (
        "arn:aws:lambda:eu-west-1:123456789012:function:cognito-desktop-protected-api"
    )
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/cognito-desktop-protected-api"
    log_stream_name = "2026/01/05/[$LATEST]0123456789abcdef"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 29_000
