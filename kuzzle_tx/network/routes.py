# -*- test-case-name: tests.network.test_routes -*-
"""
HTTP routing: from a verb and a URL path to a ``controller:action`` and its path arguments.

The table itself is data (`kuzzle_tx.network.route_table`); this module matches it with
Kuzzle's semantics (kuzzle-api.md §1.2):

* one segment tree per verb, built once; matching walks it without regexes;
* the path is split on ``/``, empty segments are dropped (so a trailing ``/`` and ``//``
  do not matter), then each segment is percent-decoded on its own, so ``%2F`` inside an
  id stays in that segment;
* at each level a literal segment wins over a placeholder, and there is no backtracking:
  ``GET /users/c/d`` matches nothing, although ``/:index/:collection/:_id`` exists,
  because ``users`` is a literal at the first level.

It also builds the ``server:publicApi`` answer, which the JS SDK reads to discover routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

import attrs

from kuzzle_tx.network.route_table import ROUTES, VERBS, Route

__all__ = ["ROUTES", "VERBS", "Route", "RouteMatch", "Router", "public_api"]


@attrs.frozen
class RouteMatch:
    """A matched route and its placeholder values (name without ``:`` → decoded segment)."""

    route: Route
    params: Mapping[str, str]


class _Node:
    """One level of a verb's segment tree."""

    __slots__ = ("literals", "placeholder", "route", "names")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.placeholder: _Node | None = None
        # Set on the node where a route's path ends: the route and its placeholder names,
        # in path order (routes sharing a placeholder node may name it differently).
        self.route: Route | None = None
        self.names: tuple[str, ...] = ()


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


class Router:
    """Match ``(verb, path)`` against a route table; see the module docstring for the rules."""

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)
        self._trees: dict[str, _Node] = {}
        self._by_action: dict[tuple[str, str], tuple[Route, ...]] = {}
        for route in self.routes:
            self._add(route)
            key = (route.controller, route.action)
            self._by_action[key] = (*self._by_action.get(key, ()), route)

    def _add(self, route: Route) -> None:
        if route.verb not in VERBS:
            raise ValueError(f"unsupported verb {route.verb!r} in {route}")
        if not route.path.startswith("/"):
            raise ValueError(f"route path must start with '/': {route}")
        node = self._trees.setdefault(route.verb, _Node())
        names: list[str] = []
        for segment in _segments(route.path):
            if segment.startswith(":"):
                name = segment[1:]
                if not name or name in names:
                    raise ValueError(f"bad placeholder {segment!r} in {route}")
                names.append(name)
                if node.placeholder is None:
                    node.placeholder = _Node()
                node = node.placeholder
            else:
                node = node.literals.setdefault(segment, _Node())
        if node.route is not None:
            raise ValueError(f"{route} has the same verb and path shape as {node.route}")
        node.route = route
        node.names = tuple(names)

    def match(self, verb: str, path: str) -> RouteMatch | None:
        """
        Find the route for ``verb`` (exact, upper case) and ``path``.

        ``path`` is the URL path only (no query string), still percent-encoded.
        Return `None` when nothing matches.
        """
        node = self._trees.get(verb)
        if node is None:
            return None
        values: list[str] = []
        for segment in path.split("/"):
            if not segment:
                continue
            if "%" in segment:
                segment = unquote(segment)
            child = node.literals.get(segment)
            if child is None:
                child = node.placeholder
                if child is None:
                    return None
                values.append(segment)
            node = child
        route = node.route
        if route is None:
            return None
        return RouteMatch(route, dict(zip(node.names, values, strict=True)))

    def verbs_for(self, path: str) -> tuple[str, ...]:
        """The verbs, in `VERBS` order, that have a route matching ``path``."""
        return tuple(verb for verb in VERBS if self.match(verb, path) is not None)

    def routes_for(self, controller: str, action: str) -> tuple[Route, ...]:
        """The routes of ``controller:action``, in table order (empty if it has none)."""
        return self._by_action.get((controller, action), ())


def public_api(routes: Iterable[Route], implemented: Iterable[tuple[str, str]]) -> dict:
    """
    Build the ``server:publicApi`` result for the ``implemented`` ``(controller, action)`` pairs.

    Shape: ``{controller: {action: {"controller", "action", "http": [{verb, url, path}]}}}``.
    ``http`` lists the current routes first, then the deprecated aliases, and is absent for
    an action without HTTP route. Actions not in ``implemented`` are left out: the JS SDK
    only uses the routes listed here, and the server answers 404 for the others.
    """
    by_action: dict[tuple[str, str], list[Route]] = {}
    for route in routes:
        by_action.setdefault((route.controller, route.action), []).append(route)

    result: dict[str, dict[str, dict[str, Any]]] = {}
    for controller, action in implemented:
        entry: dict[str, Any] = {"controller": controller, "action": action}
        action_routes = by_action.get((controller, action))
        if action_routes:
            ordered = sorted(action_routes, key=lambda route: route.deprecated)
            entry["http"] = [
                {"verb": route.verb, "url": route.path, "path": route.path} for route in ordered
            ]
        result.setdefault(controller, {})[action] = entry
    return result
