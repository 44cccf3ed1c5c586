# -*- test-case-name: tests.network.test_http -*-
"""CORS headers (every HTTP response) and the Origin allow-list (every request)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kuzzle_tx.config import CorsConfig


class OriginPolicy:
    def __init__(self, config: CorsConfig) -> None:
        origins = tuple(origin.strip() for origin in config.allow_origin if origin.strip())
        self.allow_all = "*" in origins
        self._exact = frozenset(origins)
        self._patterns = (
            tuple(re.compile(origin) for origin in origins)
            if config.allow_origin_use_regexp
            else ()
        )
        self.methods = config.allow_methods
        self.allowed_headers = config.allow_headers
        self.credentials = config.cookie_authentication

    def allows(self, origin: str | None) -> bool:
        if origin is None or self.allow_all:
            return True
        if origin in self._exact:
            return True
        return any(pattern.search(origin) for pattern in self._patterns)

    def response_headers(self) -> Mapping[str, str]:
        """The CORS headers of every response that do not depend on the request."""
        return {"Access-Control-Allow-Credentials": "true"} if self.credentials else {}

    def preflight_headers(self) -> Mapping[str, str]:
        """What only a preflight (OPTIONS) answer needs: browsers read these there alone."""
        return {
            "Access-Control-Allow-Methods": self.methods,
            "Access-Control-Allow-Headers": self.allowed_headers,
        }

    def headers(self, origin: str | None) -> Mapping[str, str]:
        """Every CORS header of an answer to a request from ``origin`` (preflight included)."""
        headers = {**self.preflight_headers(), **self.response_headers()}
        if origin is not None:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        elif self.allow_all:
            headers["Access-Control-Allow-Origin"] = "*"
        return headers
