# -*- test-case-name: tests.security.test_rights -*-
"""
Who may call what: roles, profiles and the decision for one API request
(kuzzle-api.md §8.4), as pure values and functions.

The rules are Kuzzle's (``lib/model/security/role.ts``, ``profile.ts``, ``user.ts``):

* a role maps controller → action → boolean; the exact controller key wins over ``"*"``,
  then the exact action key over ``"*"``, and only a found ``True`` allows. The lookup
  stops at the first key found: ``{"document": {"actions": {"get": true}}, "*": ...}`` denies
  ``document:create`` even if ``"*"`` would allow it;
* a profile policy applies when its role allows the action and the request's index and
  collection fall within its ``restrictedTo`` (or it has none, or the request has no index);
* a user is allowed when any policy of any of its profiles applies: a whitelist, where a
  ``false`` never overrides another policy's ``true``.

These values hold *validated* definitions; :mod:`kuzzle_tx.security.definitions` parses
and checks what clients send. The ``from_kuzzle`` constructors are lenient, for data that
was validated when it was written.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

# The memory storage controller answers to both names (Kuzzle's deprecated alias).
MEMORY_STORAGE = ("ms", "memoryStorage")

_EMPTY: Mapping[str, bool] = MappingProxyType({})

Restrictions = tuple[tuple[str, tuple[str, ...] | None], ...]


@attrs.frozen
class Role:
    """A role: for each controller (or ``"*"``), each action (or ``"*"``) → allowed."""

    id: str
    controllers: Mapping[str, Mapping[str, bool]]

    @classmethod
    def from_kuzzle(cls, role_id: str, controllers: Mapping[str, Any]) -> Role:
        """
        Build from Kuzzle's ``{controller: {"actions": {action: bool}}}``.

        Lenient: a value that is not ``True`` denies (and still hides ``"*"``, as in
        Kuzzle); a controller without ``actions`` allows nothing.
        """
        rights: dict[str, Mapping[str, bool]] = {}
        for controller, entry in controllers.items():
            actions = entry.get("actions") if isinstance(entry, Mapping) else None
            if isinstance(actions, Mapping):
                rights[controller] = MappingProxyType(
                    {action: value is True for action, value in actions.items()}
                )
            else:
                rights[controller] = _EMPTY
        return cls(role_id, MappingProxyType(rights))

    def allows(self, controller: str, action: str) -> bool:
        controllers = self.controllers
        if controller in MEMORY_STORAGE and (
            "ms" in controllers or "memoryStorage" in controllers
        ):
            actions = controllers["ms"] if "ms" in controllers else controllers["memoryStorage"]
        elif controller in controllers:
            actions = controllers[controller]
        elif "*" in controllers:
            actions = controllers["*"]
        else:
            return False
        if action in actions:
            return actions[action] is True
        return actions.get("*") is True

    def to_kuzzle(self) -> dict[str, Any]:
        """Kuzzle's ``controllers`` object for this role."""
        return {c: {"actions": dict(actions)} for c, actions in self.controllers.items()}


def optimize_restrictions(restricted_to: Any) -> Restrictions:
    """
    Kuzzle's ``optimizePolicy``: one entry per index (first-seen order, empty index names
    dropped), its collections merged, deduplicated and sorted; ``None`` when no collection
    is listed, meaning every collection of the index.
    """
    if not isinstance(restricted_to, Sequence) or isinstance(restricted_to, str):
        return ()
    merged: dict[str, set[str]] = {}
    for restriction in restricted_to:
        if not isinstance(restriction, Mapping):
            continue
        index = restriction.get("index")
        if not index or not isinstance(index, str):
            continue
        collections = merged.setdefault(index, set())
        listed = restriction.get("collections")
        if isinstance(listed, Sequence) and not isinstance(listed, str):
            collections.update(c for c in listed if isinstance(c, str))
    return tuple(
        (index, tuple(sorted(collections)) if collections else None)
        for index, collections in merged.items()
    )


@attrs.frozen
class Policy:
    """One entry of a profile: a role, optionally restricted to indexes and collections."""

    role_id: str
    restricted_to: Restrictions = ()

    @classmethod
    def from_kuzzle(cls, body: Mapping[str, Any]) -> Policy:
        """Build from ``{"roleId": ..., "restrictedTo": [{"index", "collections"?}]}``."""
        role_id = body.get("roleId")
        return cls(
            role_id if isinstance(role_id, str) else "",
            optimize_restrictions(body.get("restrictedTo")),
        )

    def applies_to(self, index: str | None, collection: str | None) -> bool:
        if not self.restricted_to or not index:
            return True
        for restricted_index, collections in self.restricted_to:
            if restricted_index == index:
                return collections is None or collection in collections
        return False


@attrs.frozen
class Profile:
    """A set of policies and a per-user request rate (0: unlimited)."""

    id: str
    policies: tuple[Policy, ...]
    rate_limit: int = 0

    @classmethod
    def from_kuzzle(cls, profile_id: str, body: Mapping[str, Any]) -> Profile:
        """Build from a stored profile body (no policy → Kuzzle's ``default`` role)."""
        policies = body.get("policies")
        if not isinstance(policies, Sequence) or isinstance(policies, str) or not policies:
            policies = [{"roleId": "default"}]
        rate_limit = body.get("rateLimit")
        return cls(
            profile_id,
            tuple(Policy.from_kuzzle(p) for p in policies if isinstance(p, Mapping)),
            rate_limit if type(rate_limit) is int and rate_limit > 0 else 0,
        )

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(policy.role_id for policy in self.policies)


def is_allowed(
    profiles: Iterable[Profile],
    roles_by_id: Mapping[str, Role],
    controller: str,
    action: str,
    index: str | None = None,
    collection: str | None = None,
) -> bool:
    """
    Whether a user with these profiles may run ``controller:action`` on ``index`` /
    ``collection``: some policy's role allows the action and the policy applies there.
    A policy whose role does not exist allows nothing.
    """
    for profile in profiles:
        for policy in profile.policies:
            role = roles_by_id.get(policy.role_id)
            if (
                role is not None
                and role.allows(controller, action)
                and policy.applies_to(index, collection)
            ):
                return True
    return False


_Key = tuple[frozenset[str], str, str, str | None, str | None]


class RightsCache:
    """
    Memoized :func:`is_allowed` decisions, keyed by (profile ids, controller, action,
    index, collection). A hit is one dict lookup.

    ``profiles`` and ``roles`` are the owner's live mappings of the current definitions.
    Whoever changes a role or a profile must call :meth:`clear` (or :meth:`update` to
    swap the mappings). A profile id missing from ``profiles`` grants nothing. Past
    ``max_size`` decisions, the oldest ones are dropped first.
    """

    def __init__(
        self,
        profiles: Mapping[str, Profile],
        roles: Mapping[str, Role],
        max_size: int = 20_000,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be positive")
        self._profiles = profiles
        self._roles = roles
        self._max_size = max_size
        self._decisions: OrderedDict[_Key, bool] = OrderedDict()

    def allowed(
        self,
        profile_ids: frozenset[str],
        controller: str,
        action: str,
        index: str | None = None,
        collection: str | None = None,
    ) -> bool:
        key = (profile_ids, controller, action, index, collection)
        decision = self._decisions.get(key)
        if decision is not None:
            return decision
        profiles = self._profiles
        decision = is_allowed(
            (profiles[p] for p in profile_ids if p in profiles),
            self._roles,
            controller,
            action,
            index,
            collection,
        )
        decisions = self._decisions
        if len(decisions) >= self._max_size:
            decisions.popitem(last=False)
        decisions[key] = decision
        return decision

    def clear(self) -> None:
        """Forget every decision (a role or a profile changed)."""
        self._decisions.clear()

    def update(self, profiles: Mapping[str, Profile], roles: Mapping[str, Role]) -> None:
        """Use new mappings of profiles and roles, and forget every decision."""
        self._profiles = profiles
        self._roles = roles
        self._decisions.clear()

    def __len__(self) -> int:
        return len(self._decisions)


def rights_listing(
    profiles: Iterable[Profile],
    roles_by_id: Mapping[str, Role],
    api: Mapping[str, Iterable[str]] | None = None,
) -> list[dict[str, Any]]:
    """
    The ``hits`` of auth:getMyRights, security:getUserRights and security:getProfileRights.

    As Kuzzle's ``Profile.getRights`` / ``User.getRights`` do, this lists the keys the
    roles define, wildcards included (a ``*:*`` role gives one item whose controller and
    action are ``"*"``); ``api`` is not expanded and is accepted for callers' convenience
    only. Each policy contributes one item per (controller, action) of its role and per
    restricted index and collection (``"*"`` where unrestricted). Items are unique per
    (controller, action, index, collection, value): one allowed and one denied item for
    the same action may both appear, as in Kuzzle. Policies whose role is missing
    contribute nothing. Items follow definition order (Kuzzle's order is that of hashes).
    """
    del api  # Kuzzle lists the roles' own keys, not the API's actions.
    seen: dict[tuple[str, str, str, str, bool], dict[str, Any]] = {}
    for profile in profiles:
        for policy in profile.policies:
            role = roles_by_id.get(policy.role_id)
            if role is None:
                continue
            places: Restrictions = policy.restricted_to or (("*", None),)
            for controller, actions in role.controllers.items():
                for action, value in actions.items():
                    for index, collections in places:
                        for collection in collections or ("*",):
                            key = (controller, action, index, collection, value)
                            if key not in seen:
                                seen[key] = {
                                    "action": action,
                                    "collection": collection,
                                    "controller": controller,
                                    "index": index,
                                    "value": "allowed" if value else "denied",
                                }
    return list(seen.values())


def user_rate_limit(profiles: Iterable[Profile]) -> int:
    """
    Requests per second allowed to a user: the highest ``rateLimit`` of its profiles,
    0 (unlimited) as soon as one profile is unlimited. A user without profiles gets 0;
    the rights check refuses such a user anything anyway.
    """
    limit = 0
    for profile in profiles:
        if profile.rate_limit == 0:
            return 0
        limit = max(limit, profile.rate_limit)
    return limit
