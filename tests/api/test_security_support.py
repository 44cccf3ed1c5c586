# -*- test-case-name: tests.api.test_security_users -*-
"""
What the ``security`` controller tests share: an in-memory service on a Clock
(`ApiMixin`), tokens issued directly by the service's `Security` (no login
needed), and shortcuts to make roles, profiles and users through the API.
"""

from __future__ import annotations

from typing import Any

from tests.api.test_document_controller import ApiMixin, WebSocketApi

# Kuzzle's first-start definitions: everything allowed to everyone.
ALL_RIGHTS = {"controllers": {"*": {"actions": {"*": True}}}}
PASSWORD = "s3cret-Pa55word"


class SecurityApiMixin(ApiMixin):
    """`ApiMixin` plus tokens and security shortcuts; ``self.admin`` is an admin's token."""

    admin: str
    assertNotIn: Any
    assertIn: Any
    assertTrue: Any
    assertFalse: Any
    failureResultOf: Any

    def start_security(self, **config: Any) -> None:
        """A fresh service with one admin user ``admin`` (no credentials) and its token."""
        self.start_service(**config)
        self.ok("security:createFirstAdmin", _id="admin")
        self.admin = self.token("admin")

    def token(self, kuid: str) -> str:
        """A valid token of ``kuid``, as auth:login would give."""
        return str(self.service.security.issue_token(kuid, False).jwt)

    def as_admin(self, what: str, client: WebSocketApi | None = None, **fields: Any) -> Any:
        """The result of a request an admin makes, which must succeed."""
        return self.ok(what, client, jwt=self.admin, **fields)

    def admin_fails(self, what: str, error_id: str, status: int, **fields: Any) -> dict[str, Any]:
        return self.fail(what, error_id, status, jwt=self.admin, **fields)

    def make_role(self, role_id: str, controllers: dict[str, Any], **fields: Any) -> Any:
        return self.as_admin(
            "security:createOrReplaceRole",
            _id=role_id,
            body={"controllers": controllers},
            **fields,
        )

    def make_profile(self, profile_id: str, *policies: dict[str, Any], **extra: Any) -> Any:
        return self.as_admin(
            "security:createOrReplaceProfile",
            _id=profile_id,
            body={"policies": list(policies), **extra},
        )

    def make_user(
        self,
        kuid: str,
        *profile_ids: str,
        username: str | None = None,
        **content: Any,
    ) -> Any:
        body: dict[str, Any] = {"content": {"profileIds": list(profile_ids), **content}}
        if username is not None:
            body["credentials"] = {"local": {"username": username, "password": PASSWORD}}
        return self.as_admin("security:createUser", _id=kuid, body=body)

    def login_kuid(self, username: str, password: str = PASSWORD) -> str:
        """The kuid these local credentials log in as (the strategy's own check)."""
        local = self.service.security.local
        credentials = {"username": username, "password": password}
        return str(self.successResultOf(_deferred(local.authenticate(credentials))))

    def login_error(self, username: str, password: str = PASSWORD) -> str:
        """The error id of a refused login with these credentials."""
        local = self.service.security.local
        credentials = {"username": username, "password": password}
        failure = self.failureResultOf(_deferred(local.authenticate(credentials)))
        return str(failure.value.id)


def _deferred(coroutine: Any) -> Any:
    from twisted.internet.defer import Deferred

    return Deferred.fromCoroutine(coroutine)
