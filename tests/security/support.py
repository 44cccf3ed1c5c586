"""What the security tests share: a `Security` on a test's storage and clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuzzle_tx.config import Config
from kuzzle_tx.security.service import Security
from kuzzle_tx.testing import InlinePasswordHasher, memory_config


def new_security(
    storage: Any,
    clock: Any,
    config: Config | None = None,
    on_token_expired: Callable[[list[str]], None] = lambda ids: None,
) -> Security:
    """A `Security` (not started) hashing passwords inline with cheap argon2 parameters."""
    config = config or memory_config()
    return Security(
        storage,
        clock,
        config.security,
        config.limits,
        on_token_expired=on_token_expired,
        passwords=InlinePasswordHasher(),
    )
