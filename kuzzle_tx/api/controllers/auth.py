# -*- test-case-name: tests.api.test_auth_controller -*-
"""
The ``auth`` controller. Until users and tokens exist (security comes later),
every caller is anonymous: ``checkToken`` without a token says so, as Kuzzle
does, and any token given is reported invalid.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError


class AuthController(Controller):
    name = "auth"
    ACTIONS = ("checkToken",)

    def checkToken(self, request: Request) -> dict[str, Any]:  # noqa: N802
        body = request.input.body
        token = body.get("token") if isinstance(body, dict) else None
        if token is not None and not isinstance(token, str):
            raise KuzzleError("api.assert.invalid_type", "body.token", "string")
        if not token:
            return {"valid": True, "kuid": "-1", "expiresAt": None}
        return {"valid": False, "state": KuzzleError("security.token.invalid").message}
