# -*- test-case-name: tests.network.test_routes -*-
"""
Tests for `kuzzle_tx.network.routes` and its table, `kuzzle_tx.network.route_table`.
"""

from __future__ import annotations

from collections import Counter

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.network.routes import ROUTES, VERBS, Route, RouteMatch, Router, public_api

# The static routes the JS SDK 7.17.1 falls back to (sdk-contract.md §2): each must exist on
# the server with the same verb and url.
SDK_STATIC_ROUTES = (
    ("server", "now", "GET", "/_now"),
    ("server", "info", "GET", "/"),
    ("auth", "login", "POST", "/_login/:strategy"),
    ("auth", "logout", "POST", "/_logout"),
    ("auth", "checkToken", "POST", "/_checkToken"),
    ("auth", "getCurrentUser", "GET", "/users/_me"),
    ("auth", "getMyRights", "GET", "/users/_me/_rights"),
    ("auth", "refreshToken", "POST", "/_refreshToken"),
    ("index", "create", "POST", "/:index/_create"),
    ("index", "delete", "DELETE", "/:index"),
    ("index", "list", "GET", "/_list"),
    ("index", "exists", "GET", "/:index/_exists"),
    ("collection", "create", "PUT", "/:index/:collection"),
    ("collection", "exists", "GET", "/:index/:collection/_exists"),
    ("collection", "list", "GET", "/:index/_list"),
    ("collection", "truncate", "DELETE", "/:index/:collection/_truncate"),
    ("document", "create", "POST", "/:index/:collection/_create"),
    ("document", "get", "GET", "/:index/:collection/:_id"),
    ("document", "createOrReplace", "PUT", "/:index/:collection/:_id"),
    ("document", "replace", "PUT", "/:index/:collection/:_id/_replace"),
    ("document", "update", "PATCH", "/:index/:collection/:_id/_update"),
    ("document", "delete", "DELETE", "/:index/:collection/:_id"),
    ("document", "exists", "GET", "/:index/:collection/:_id/_exists"),
    ("document", "count", "POST", "/:index/:collection/_count"),
    ("document", "search", "GET", "/:index/:collection/_search"),
    ("document", "search", "POST", "/:index/:collection/_search"),
    ("document", "scroll", "GET", "/_scroll/:scrollId"),
    ("document", "mCreate", "POST", "/:index/:collection/_mCreate"),
    ("document", "mGet", "POST", "/:index/:collection/_mGet"),
    ("document", "mDelete", "DELETE", "/:index/:collection/_mDelete"),
    ("document", "deleteByQuery", "DELETE", "/:index/:collection/_query"),
    ("realtime", "publish", "POST", "/:index/:collection/_publish"),
    ("realtime", "list", "GET", "/_listSubscriptions"),
    ("security", "createUser", "POST", "/users/_create"),
    ("security", "getUser", "GET", "/users/:_id"),
    ("ms", "get", "GET", "/ms/:_id"),
    ("ms", "set", "POST", "/ms/_set/:_id"),
)

# Routes with a literal first segment that a literal sibling shadows for some placeholder
# value: (verb, shadowed path, path of the route that wins). Ids, keys and strategies named
# like a fixed sub-route are unreachable, as in Kuzzle.
EXPECTED_FIXED_PREFIX_SHADOWING = frozenset(
    {
        ("GET", "/users/:_id", "/users/_me"),
        ("GET", "/users/:_id", "/users/_mGet"),
        ("GET", "/users/:_id", "/users/_mapping"),
        ("GET", "/users/:_id/_rights", "/users/_me/_rights"),
        ("GET", "/users/:_id/_rights", "/users/_scroll/:scrollId"),
        ("GET", "/users/:_id/_strategies", "/users/_scroll/:scrollId"),
        ("GET", "/profiles/:_id", "/profiles/_mapping"),
        ("GET", "/profiles/:_id/_rights", "/profiles/_scroll/:scrollId"),
        ("PUT", "/profiles/:_id", "/profiles/_mapping"),
        ("GET", "/roles/:_id", "/roles/_mapping"),
        ("PUT", "/roles/:_id", "/roles/_mapping"),
        ("GET", "/credentials/:strategy/:_id", "/credentials/:strategy/_me"),
        ("GET", "/credentials/:strategy/:_id", "/credentials/:strategy/_fields"),
        ("GET", "/credentials/:strategy/:_id/_exists", "/credentials/:strategy/_me/_exists"),
        ("POST", "/credentials/:strategy/:_id/_create", "/credentials/:strategy/_me/_create"),
        ("PUT", "/credentials/:strategy/:_id/_update", "/credentials/:strategy/_me/_update"),
        ("POST", "/credentials/:strategy/:_id/_validate", "/credentials/:strategy/_me/_validate"),
        ("DELETE", "/credentials/:strategy/:_id", "/credentials/:strategy/_me"),
    }
    | {
        ("GET", "/ms/:_id", f"/ms/_{command}")
        for command in (
            "dbsize",
            "exists",
            "mget",
            "pfcount",
            "ping",
            "randomkey",
            "scan",
            "sinter",
            "sunion",
            "time",
        )
    }
)

# First segments that capture a request meant for an index-rooted route (/:index/...).
# Kuzzle rejects index names starting with "_" anyway.
RESERVED_INDEX_NAMES = frozenset(
    {"users", "profiles", "roles", "credentials", "ms", "api-keys", "validations"}
)


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _fill(route: Route, values: dict[int, str] | None = None) -> tuple[str, dict[str, str]]:
    """
    Build a concrete path for ``route``: placeholder ``i`` gets ``values[i]`` if given, else a
    neutral value that no route uses as a literal. Return the path and the expected params.
    """
    values = values or {}
    parts, params = [], {}
    for position, segment in enumerate(_segments(route.path)):
        if segment.startswith(":"):
            value = values.get(position, f"v{position}-{segment[1:]}")
            params[segment[1:]] = value
            parts.append(value)
        else:
            parts.append(segment)
    return "/" + "/".join(parts), params


def _literals() -> set[str]:
    return {s for route in ROUTES for s in _segments(route.path) if not s.startswith(":")}


def _shadowing(routes: tuple[Route, ...]) -> set[tuple[Route, int, str, Route]]:
    """
    For each route, each placeholder position and each literal of the table used as that
    placeholder's value: the cases where another route wins (route, position, literal, winner).
    """
    router = Router()
    literals = _literals()
    found = set()
    for route in routes:
        for position, segment in enumerate(_segments(route.path)):
            if not segment.startswith(":"):
                continue
            for literal in literals:
                match = router.match(route.verb, _fill(route, {position: literal})[0])
                if match is not None and match.route != route:
                    found.add((route, position, literal, match.route))
    return found


class RouteTableTests(SynchronousTestCase):
    """The route table reproduces Kuzzle 2.56's (kuzzle-api.md §4)."""

    def test_controllersInReferenceOrder(self) -> None:
        """
        The table lists controllers in the reference's order, each in one block, with
        Kuzzle's controller names ("ms" for memory storage).
        """
        blocks = [ROUTES[0].controller]
        for route in ROUTES[1:]:
            if route.controller != blocks[-1]:
                blocks.append(route.controller)
        self.assertEqual(
            blocks,
            [
                "server",
                "auth",
                "realtime",
                "document",
                "index",
                "collection",
                "bulk",
                "security",
                "ms",
                "admin",
                "cluster",
                "debug",
            ],
        )

    def test_size(self) -> None:
        """Every route of the reference is present: 298 routes, 120 of them memory storage."""
        self.assertEqual(len(ROUTES), 298)
        self.assertEqual(Counter(route.controller for route in ROUTES)["ms"], 120)

    def test_noDuplicateVerbAndPath(self) -> None:
        """No (verb, path) pair appears twice."""
        pairs = Counter((route.verb, route.path) for route in ROUTES)
        self.assertEqual([pair for pair, count in pairs.items() if count > 1], [])

    def test_wellFormed(self) -> None:
        """Verbs are upper-case HTTP verbs; paths start with "/" and have no trailing "/"."""
        for route in ROUTES:
            self.assertIn(route.verb, VERBS)
            self.assertTrue(route.path.startswith("/"), route)
            self.assertTrue(route.path == "/" or not route.path.endswith("/"), route)
            self.assertNotIn("//", route.path)

    def test_deprecatedAliases(self) -> None:
        """
        The (dep) aliases of the reference are flagged deprecated, and each action having a
        deprecated route also has a current one, except the deprecated actions themselves
        (server stats, server:publicApi, collection:updateMapping).
        """
        deprecated = {(r.verb, r.path) for r in ROUTES if r.deprecated}
        self.assertEqual(
            deprecated,
            {
                ("GET", "/_publicApi"),
                ("GET", "/_getStats"),
                ("GET", "/_getLastStats"),
                ("GET", "/_getAllStats"),
                ("GET", "/users/_me"),
                ("PUT", "/_updateSelf"),
                ("GET", "/users/_me/_rights"),
                ("GET", "/credentials/:strategy/_me"),
                ("GET", "/credentials/:strategy/_me/_exists"),
                ("POST", "/credentials/:strategy/_me/_create"),
                ("PUT", "/credentials/:strategy/_me/_update"),
                ("POST", "/credentials/:strategy/_me/_validate"),
                ("DELETE", "/credentials/:strategy/_me"),
                ("PUT", "/:index/:collection/:_id/_update"),
                ("PUT", "/:index/:collection/:_id/_upsert"),
                ("PUT", "/:index/:collection/_mUpdate"),
                ("DELETE", "/_mdelete"),
                ("PUT", "/:index/:collection/_mapping"),
            },
        )
        deprecated_actions = {
            ("server", "publicApi"),
            ("server", "getStats"),
            ("server", "getLastStats"),
            ("server", "getAllStats"),
            ("collection", "updateMapping"),
        }
        router = Router()
        for route in ROUTES:
            if route.deprecated and (route.controller, route.action) not in deprecated_actions:
                current = router.routes_for(route.controller, route.action)
                self.assertTrue(any(not r.deprecated for r in current), route)

    def test_sdkStaticRoutes(self) -> None:
        """Every static route the JS SDK relies on exists with the same verb and url."""
        table = {(r.controller, r.action, r.verb, r.path) for r in ROUTES}
        for static in SDK_STATIC_ROUTES:
            self.assertIn(static, table)

    def test_realtimeSubscriptionsHaveNoRoute(self) -> None:
        """realtime:subscribe, unsubscribe, join, count and validate have no HTTP route."""
        router = Router()
        for action in ("subscribe", "unsubscribe", "join", "count", "validate"):
            self.assertEqual(router.routes_for("realtime", action), ())


class RouterMatchTests(SynchronousTestCase):
    """`Router.match` follows Kuzzle's HTTP router."""

    def setUp(self) -> None:
        self.router = Router()

    def assertMatch(
        self, verb: str, path: str, controller: str, action: str, **params: str
    ) -> RouteMatch:
        match = self.router.match(verb, path)
        self.assertIsNotNone(match, f"{verb} {path}")
        assert match is not None
        self.assertEqual(
            (match.route.controller, match.route.action, dict(match.params)),
            (controller, action, params),
        )
        return match

    def test_sampleOfEveryController(self) -> None:
        """A sample of every controller's routes resolves to its controller:action and args."""
        m = self.assertMatch
        m("GET", "/", "server", "info")
        m("GET", "/_serverInfo", "server", "info")
        m("GET", "/_now", "server", "now")
        m("GET", "/_publicApi", "server", "publicApi")
        m("POST", "/_login/local", "auth", "login", strategy="local")
        m("GET", "/_login/oauth", "auth", "login", strategy="oauth")
        m("GET", "/_me", "auth", "getCurrentUser")
        m("GET", "/users/_me", "auth", "getCurrentUser")
        m("PUT", "/_me", "auth", "updateSelf")
        m("DELETE", "/api-keys/k1", "auth", "deleteApiKey", _id="k1")
        m("GET", "/_me/credentials/local/_exists", "auth", "credentialsExist", strategy="local")
        m("GET", "/_listSubscriptions", "realtime", "list")
        m("POST", "/i/c/_publish", "realtime", "publish", index="i", collection="c")
        m("GET", "/i/c/d1", "document", "get", index="i", collection="c", _id="d1")
        m("PUT", "/i/c/d1", "document", "createOrReplace", index="i", collection="c", _id="d1")
        m("PATCH", "/i/c/d1/_update", "document", "update", index="i", collection="c", _id="d1")
        m("PUT", "/i/c/d1/_update", "document", "update", index="i", collection="c", _id="d1")
        m("POST", "/i/c/_search", "document", "search", index="i", collection="c")
        m("GET", "/_scroll/s1", "document", "scroll", scrollId="s1")
        m("DELETE", "/i/c/_query", "document", "deleteByQuery", index="i", collection="c")
        m("POST", "/i/_create", "index", "create", index="i")
        m("DELETE", "/i", "index", "delete", index="i")
        m("GET", "/_list", "index", "list")
        m("DELETE", "/_mdelete", "index", "mDelete")
        m("PUT", "/i/c", "collection", "create", index="i", collection="c")
        m("POST", "/i/c", "collection", "update", index="i", collection="c")
        m("GET", "/i/_list", "collection", "list", index="i")
        m("GET", "/validations/_scroll/s1", "collection", "scrollSpecifications", scrollId="s1")
        m("POST", "/i/c/_bulk", "bulk", "import", index="i", collection="c")
        m("PATCH", "/i/c/_bulk/_query", "bulk", "updateByQuery", index="i", collection="c")
        m("POST", "/_createFirstAdmin/admin", "security", "createFirstAdmin", _id="admin")
        m("POST", "/_checkRights/u1", "security", "checkRights", userId="u1")
        m("GET", "/users/u1", "security", "getUser", _id="u1")
        m("DELETE", "/users/u1/tokens", "security", "revokeTokens", _id="u1")
        m("GET", "/credentials/l/u/_byId", "security", "getCredentialsById", strategy="l", _id="u")
        m("DELETE", "/users/u1/api-keys/k1", "security", "deleteApiKey", userId="u1", _id="k1")
        m("GET", "/ms/k", "ms", "get", _id="k")
        m("POST", "/ms/_set/k", "ms", "set", _id="k")
        m("GET", "/ms/_hget/h/f", "ms", "hget", _id="h", field="f")
        m("GET", "/ms/_geodist/g/a/b", "ms", "geodist", _id="g", member1="a", member2="b")
        m("GET", "/ms/_keys/user*", "ms", "keys", pattern="user*")
        m("GET", "/ms/_mget", "ms", "mget")
        m("DELETE", "/ms", "ms", "del")
        m("DELETE", "/ms/_zrem/z", "ms", "zrem", _id="z")
        m("POST", "/admin/_shutdown", "admin", "shutdown")
        m("POST", "/admin/_refreshIndexCache", "admin", "refreshIndexCache")
        m("GET", "/cluster/_status", "cluster", "status")
        m("GET", "/debug/_nodeVersion", "debug", "nodeVersion")
        m("POST", "/debug/_enable", "debug", "enable")

    def test_literalWinsWithoutBacktracking(self) -> None:
        """
        A literal segment wins over a placeholder and the matcher does not backtrack: an index
        named like a fixed route is shadowed even when the fixed branch then fails.
        """
        self.assertIsNone(self.router.match("GET", "/users/c/d"))
        self.assertIsNone(self.router.match("DELETE", "/profiles/c/d"))
        self.assertMatch("GET", "/users/c", "security", "getUser", _id="c")
        self.assertMatch("DELETE", "/ms", "ms", "del")
        self.assertMatch("GET", "/users/_me", "auth", "getCurrentUser")
        self.assertMatch("GET", "/ms/_exists", "ms", "exists")
        self.assertMatch("GET", "/i/c/_search", "document", "search", index="i", collection="c")

    def test_trailingSlashAndEmptySegments(self) -> None:
        """A trailing "/" is ignored and empty segments are collapsed."""
        self.assertMatch("GET", "/_now/", "server", "now")
        self.assertMatch("GET", "//_now//", "server", "now")
        self.assertMatch(
            "GET", "/i//c///d/", "document", "get", index="i", collection="c", _id="d"
        )
        self.assertMatch("GET", "", "server", "info")
        self.assertMatch("GET", "//", "server", "info")
        self.assertMatch("POST", "/admin/_shutdown/", "admin", "shutdown")

    def test_percentDecodingPerSegment(self) -> None:
        """
        Each segment is percent-decoded after the path is split, so an encoded "/" stays in
        its segment and "+" is not a space.
        """
        self.assertMatch(
            "GET",
            "/idx/col/my%20id%2F1",
            "document",
            "get",
            index="idx",
            collection="col",
            _id="my id/1",
        )
        self.assertMatch(
            "GET",
            "/idx/col/a+b%2Fc/_exists",
            "document",
            "exists",
            index="idx",
            collection="col",
            _id="a+b/c",
        )
        self.assertMatch("GET", "/ms/%C3%A9t%C3%A9", "ms", "get", _id="été")

    def test_decodedLiteral(self) -> None:
        """An encoded literal segment is decoded before the literal lookup, as in Kuzzle."""
        self.assertMatch("GET", "/%5Fnow", "server", "now")

    def test_unknownPath(self) -> None:
        """An unknown path matches nothing."""
        self.assertIsNone(self.router.match("GET", "/_nope"))
        self.assertIsNone(self.router.match("GET", "/i/c/d/e/f"))
        self.assertIsNone(self.router.match("POST", "/"))
        self.assertIsNone(self.router.match("GET", "/ms/_hget/h"))

    def test_verbMismatch(self) -> None:
        """A path known for another verb, or an unknown verb, matches nothing."""
        self.assertIsNone(self.router.match("POST", "/_now"))
        self.assertIsNone(self.router.match("GET", "/_logout"))
        self.assertIsNone(self.router.match("HEAD", "/"))
        self.assertIsNone(self.router.match("get", "/_now"))

    def test_verbsFor(self) -> None:
        """`Router.verbs_for` lists, in a fixed order, the verbs that route a path."""
        self.assertEqual(self.router.verbs_for("/ms/_hget/h/f"), ("GET",))
        self.assertEqual(self.router.verbs_for("/_now"), ("GET", "DELETE"))  # DELETE /:index
        self.assertEqual(self.router.verbs_for("/i/c"), ("POST", "PUT", "DELETE"))
        self.assertEqual(self.router.verbs_for("/i/c/d/_update"), ("PUT", "PATCH"))
        self.assertEqual(self.router.verbs_for("/a/b/c/d/e"), ())

    def test_routesFor(self) -> None:
        """`Router.routes_for` gives an action's routes in table order, or ()."""
        self.assertEqual(
            [(r.verb, r.path) for r in self.router.routes_for("document", "update")],
            [
                ("PATCH", "/:index/:collection/:_id/_update"),
                ("PUT", "/:index/:collection/:_id/_update"),
            ],
        )
        self.assertEqual(self.router.routes_for("realtime", "subscribe"), ())

    def test_everyRouteMatchesItself(self) -> None:
        """
        Every route is matched by its own pattern, with neutral placeholder values, to itself
        (no route is shadowed outright), and the values come back as params.
        """
        for route in ROUTES:
            path, params = _fill(route)
            match = self.router.match(route.verb, path)
            self.assertEqual(match, RouteMatch(route, params), path)

    def test_fixedRouteShadowing(self) -> None:
        """
        Under a fixed first segment, a placeholder valued like a literal sibling goes to that
        sibling's route only in the expected cases (ids named "_me", "_mapping", ms keys named
        like a command...).
        """
        fixed = tuple(r for r in ROUTES if not r.path.startswith("/:"))
        found = {
            (route.verb, route.path, winner.path) for route, _, _, winner in _shadowing(fixed)
        }
        self.assertEqual(found, EXPECTED_FIXED_PREFIX_SHADOWING)

    def test_indexRouteShadowing(self) -> None:
        """
        For routes under /:index, only reserved words capture an index, and only names starting
        with "_" capture a collection or a document id.
        """
        indexed = tuple(r for r in ROUTES if r.path.startswith("/:"))
        found = _shadowing(indexed)
        self.assertTrue(found)
        for route, position, literal, winner in found:
            self.assertEqual(route.verb, winner.verb)
            if position == 0:
                self.assertTrue(
                    literal in RESERVED_INDEX_NAMES or literal.startswith("_"),
                    (route, literal, winner),
                )
            else:
                self.assertTrue(literal.startswith("_"), (route, literal, winner))


class RouterConstructionTests(SynchronousTestCase):
    """`Router` validates the table it is given."""

    def test_customTable(self) -> None:
        """A router can be built over any table, such as a plugin's routes."""
        router = Router([Route("GET", "/_plugin/p/:name", "p/c", "hello")])
        match = router.match("GET", "/_plugin/p/world")
        self.assertEqual(
            match, RouteMatch(Route("GET", "/_plugin/p/:name", "p/c", "hello"), {"name": "world"})
        )
        self.assertIsNone(router.match("GET", "/_now"))

    def test_sameShapeRejected(self) -> None:
        """Two routes with the same verb and path shape are rejected, whatever the names."""
        self.assertRaises(
            ValueError,
            Router,
            [Route("GET", "/:a/:b", "x", "one"), Route("GET", "/:c/:d/", "x", "two")],
        )
        Router([Route("GET", "/:a/:b", "x", "one"), Route("PUT", "/:a/:b", "x", "two")])

    def test_badRoutesRejected(self) -> None:
        """Unknown verbs, relative paths and repeated or empty placeholders are rejected."""
        for route in (
            Route("get", "/a", "x", "y"),
            Route("HEAD", "/a", "x", "y"),
            Route("GET", "a", "x", "y"),
            Route("GET", "/:a/:a", "x", "y"),
            Route("GET", "/:/b", "x", "y"),
        ):
            self.assertRaises(ValueError, Router, [route])


class PublicApiTests(SynchronousTestCase):
    """`public_api` builds the server:publicApi answer the JS SDK discovers routes from."""

    def test_shape(self) -> None:
        """
        Each implemented action maps to {controller, action, http}; http lists
        {verb, url, path}, current routes first then deprecated ones.
        """
        api = public_api(ROUTES, [("auth", "getCurrentUser"), ("server", "now")])
        self.assertEqual(
            api,
            {
                "auth": {
                    "getCurrentUser": {
                        "controller": "auth",
                        "action": "getCurrentUser",
                        "http": [
                            {"verb": "GET", "url": "/_me", "path": "/_me"},
                            {"verb": "GET", "url": "/users/_me", "path": "/users/_me"},
                        ],
                    }
                },
                "server": {
                    "now": {
                        "controller": "server",
                        "action": "now",
                        "http": [{"verb": "GET", "url": "/_now", "path": "/_now"}],
                    }
                },
            },
        )

    def test_deprecatedLast(self) -> None:
        """Deprecated routes come after current ones even when the table lists them first."""
        routes = [
            Route("PUT", "/old", "c", "a", deprecated=True),
            Route("PATCH", "/new", "c", "a"),
        ]
        api = public_api(routes, [("c", "a")])
        self.assertEqual([h["url"] for h in api["c"]["a"]["http"]], ["/new", "/old"])

    def test_filteredOnImplemented(self) -> None:
        """
        Only implemented actions are listed; an implemented action without HTTP route is
        listed without an "http" key.
        """
        api = public_api(ROUTES, [("realtime", "subscribe"), ("document", "get")])
        self.assertEqual(
            api["realtime"], {"subscribe": {"controller": "realtime", "action": "subscribe"}}
        )
        self.assertEqual(list(api), ["realtime", "document"])
        self.assertEqual(list(api["document"]), ["get"])

    def test_searchListsPost(self) -> None:
        """document:search lists its POST route, the one the SDK always keeps."""
        api = public_api(ROUTES, [("document", "search")])
        self.assertIn(
            {
                "verb": "POST",
                "url": "/:index/:collection/_search",
                "path": "/:index/:collection/_search",
            },
            api["document"]["search"]["http"],
        )

    def test_everyRouteOfImplementedActions(self) -> None:
        """With every action implemented, every route of the table is listed exactly once."""
        actions = {(r.controller, r.action) for r in ROUTES}
        api = public_api(ROUTES, actions)
        listed = Counter(
            (entry["http"][i]["verb"], entry["http"][i]["url"])
            for by_action in api.values()
            for entry in by_action.values()
            for i in range(len(entry["http"]))
        )
        self.assertEqual(listed, Counter((r.verb, r.path) for r in ROUTES))
