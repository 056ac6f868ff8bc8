"""The OpenAPI description of `/v1` (served at `/v1/openapi.json`), written by hand: the
dialect parses its own input, so the schema states 003's contract rather than a model's."""

from __future__ import annotations

from typing import Any

from simhive import __version__
from simhive.core.verify.texts import LANGUAGES
from simhive.dialects.rest import errors

_ERROR = {
    "type": "object",
    "required": ["errorCode", "errorReason"],
    "properties": {
        "errorCode": {"type": "integer"},
        "errorReason": {"type": "string"},
        "errorDetail": {"type": "string", "description": "What exactly was wrong (simhive)."},
    },
}
_NUMBER = {
    "type": "string",
    "description": "E.164, with or without `+`.",
    "example": "+18800000000",
}
_CALLBACK = {"type": "string", "format": "uri", "description": "Where callbacks are POSTed (JSON)."}
_STRING = {"type": "string"}
_INSIGHT_ERRORS = (errors.FUNDS, errors.NUMBER)
_NULLABLE_INT = {"type": ["integer", "null"]}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def _errors(*used: errors.RestError) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for error in (errors.AUTHENTICATION, errors.INACTIVE_TOKEN, errors.INACTIVE_ACCOUNT,
                  errors.TOO_MANY, errors.INVALID, *used):  # fmt: skip
        entry = answers.setdefault(
            str(error.status),
            {"description": "", "content": {"application/json": {"schema": _ERROR}}},
        )
        words = f"{error.code} {error.reason}"
        entry["description"] = f"{entry['description']}; {words}" if entry["description"] else words
    return answers


def _post(
    summary: str, body: dict[str, Any], answer: dict[str, Any], *used: errors.RestError
) -> dict[str, Any]:
    content = {
        "application/json": {"schema": body},
        "application/x-www-form-urlencoded": {"schema": body},
    }
    return {
        "summary": summary,
        "requestBody": {"required": True, "content": content},
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": answer}}},
            **_errors(*used),
        },
    }


_REQUEST_INFO = _obj(
    ["id", "product", "number", "status", "createdAt", "payload"],
    id=_STRING,
    product={
        "type": "string",
        "enum": [
            "verify.sms",
            "verify.voice",
            "verify.call",
            "sms",
            "call.flash",
            "insight.hlr",
            "insight.fraudcheck",
        ],
    },
    number=_STRING,
    mccmnc={"type": ["string", "null"]},
    network={"type": ["string", "null"]},
    country={"type": ["string", "null"]},
    status={"type": "string", "description": "QUEUED, SENT, DELIVERED, UNDELIVERED, REJECTED"},
    createdAt={"type": "integer", "description": "Milliseconds since the epoch."},
    payload={"type": "object", "additionalProperties": True},
    goal={"type": ["string", "null"]},
    goalAt=_NULLABLE_INT,
)


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    verify_body = _obj(
        ["number", "method"],
        number=_NUMBER,
        method={"type": "string", "enum": ["sms", "voice", "call"]},
        **{"from": {"type": "string", "description": "An approved sender id (sms, voice)."}},
        language={"type": "string", "enum": sorted(LANGUAGES), "default": "en"},
        codeLength={"type": "integer", "enum": [4, 5, 6], "default": 4},
        codeExpiry={"type": "integer", "description": "Seconds the code lives (30-86400)."},
        checkAttemptsAllowed={"type": "integer", "description": "Checks allowed (1-20)."},
        ip={"type": "string", "description": "The user's IP address."},
        callbackUrl=_CALLBACK,
    )
    check_body = _obj(["requestId", "code"], requestId=_STRING, code=_STRING)
    verified = _obj(
        ["requestId", "number", "method", "verifiedAt"],
        requestId=_STRING,
        number=_STRING,
        method=_STRING,
        verifiedAt={"type": "integer"},
    )
    info = _obj(
        ["requestId", "status", "number", "method", "verificationRequestedAt", "checkAttempts"],
        requestId=_STRING,
        status={"type": "string", "enum": ["processing", "verified"]},
        number=_STRING,
        method=_STRING,
        verifiedAt=_NULLABLE_INT,
        verificationRequestedAt={"type": "integer"},
        checkAttempts={"type": "integer"},
    )
    sms_body = _obj(
        ["number", "text"], number=_NUMBER, text=_STRING, callbackUrl=_CALLBACK, **{"from": _STRING}
    )
    flash_body = _obj(
        ["number"],
        number=_NUMBER,
        code={"type": "string", "pattern": "^[0-9]{4,6}$"},
        callbackUrl=_CALLBACK,
        **{"from": _STRING},
    )
    request_id = {"name": "id", "in": "path", "required": True, "schema": _STRING}
    hlr_answer = _obj(
        ["id", "product", "number", "mccmnc", "network", "country", "status", "createdAt"],
        id=_STRING,
        product={"type": "string", "enum": ["insight.hlr"]},
        number=_STRING,
        mccmnc={"type": ["string", "null"]},
        network={"type": ["string", "null"]},
        country={"type": ["string", "null"]},
        status={"type": "string", "enum": ["DELIVERED", "UNDELIVERED"]},
        createdAt={"type": "integer", "description": "Milliseconds since the epoch."},
    )
    hlr_post = _post("HLR lookup", _obj(["number"], number=_NUMBER), hlr_answer, *_INSIGHT_ERRORS)
    fraud_answer = _obj(
        ["status", "mobilePrefix", "requestId"],
        status={
            "type": "string",
            "enum": ["PASSED", "NOT_MOBILE_PREFIX", "SUSPICIOUS", "FRAUDULENT"],
        },
        mobilePrefix={"type": "boolean"},
        requestId={"type": "string", "description": "The request the check is kept as (simhive)."},
    )
    fraud_body = _obj(
        ["number"], number=_NUMBER, ip={"type": "string", "description": "The user's IP address."}
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "simhive REST API",
            "version": __version__,
            "description": "Verification, request info, SMS, flash calls, HLR lookups and "
            "fraud checks (003).",
        },
        "servers": [{"url": "/v1"}],
        "components": {
            "securitySchemes": {
                "accessToken": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The access token `id:secret` (`simhive token create ACCOUNT`).",
                }
            }
        },
        "security": [{"accessToken": []}],
        "paths": {
            "/insight/hlr": {
                "get": {
                    "summary": hlr_post["summary"],
                    "parameters": [
                        {"name": "number", "in": "query", "required": True, "schema": _NUMBER}
                    ],
                    "responses": hlr_post["responses"],
                },
                "post": hlr_post,
            },
            "/insight/fraudcheck": {
                "post": _post("Fraud check", fraud_body, fraud_answer, *_INSIGHT_ERRORS)
            },
            "/verify": {
                "post": _post(
                    "Create a verification",
                    verify_body,
                    _obj(["requestId"], requestId=_STRING),
                    errors.FUNDS,
                    errors.NUMBER,
                    errors.SENDER,
                    errors.FRAUD,
                )
            },
            "/verify/check": {
                "post": _post(
                    "Check a verification code",
                    check_body,
                    verified,
                    errors.UNKNOWN,
                    errors.WRONG_CODE,
                    errors.EXPIRED,
                    errors.ATTEMPTS,
                )
            },
            "/verify/info": {
                "post": _post(
                    "A verification's state",
                    _obj(["requestId"], requestId=_STRING),
                    info,
                    errors.UNKNOWN,
                )
            },
            "/requests/{id}": {
                "get": {
                    "summary": "Getting request info",
                    "parameters": [request_id],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": _REQUEST_INFO}},
                        },
                        **_errors(errors.UNKNOWN),
                    },
                },
                "post": {
                    **_post(
                        "Update request info (goal)",
                        _obj(["goal"], goal=_STRING),
                        _REQUEST_INFO,
                        errors.UNKNOWN,
                    ),
                    "parameters": [request_id],
                },
            },
            "/sms": {
                "post": _post(
                    "Send an SMS",
                    sms_body,
                    _obj(
                        ["requestId", "parts", "encoding"],
                        requestId=_STRING,
                        parts={"type": "integer"},
                        encoding={"type": "string", "enum": ["gsm7", "ucs2"]},
                    ),
                    errors.FUNDS,
                    errors.NUMBER,
                    errors.SENDER,
                )
            },
            "/calls/flash": {
                "post": _post(
                    "Make a flash call",
                    flash_body,
                    _obj(["requestId", "from"], requestId=_STRING, **{"from": _STRING}),
                    errors.FUNDS,
                    errors.NUMBER,
                    errors.SENDER,
                )
            },
        },
    }
