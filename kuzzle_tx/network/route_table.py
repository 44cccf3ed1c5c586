# -*- test-case-name: tests.network.test_routes -*-
"""
Kuzzle's HTTP route table, as data (kuzzle-api.md §4, Kuzzle 2.56).

One `Route` per (verb, path); an action reachable through several paths has several
routes. ``deprecated`` marks the ``(dep)`` aliases: they still work, and
`kuzzle_tx.network.routes.public_api` lists them after the current routes.
Placeholders (``:name``) become request arguments; see `kuzzle_tx.network.routes`
for the matching rules.

The order is the reference's: server, auth, realtime, document, index,
collection, bulk, security, ms, admin, cluster, debug.
"""

from __future__ import annotations

import attrs

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@attrs.frozen
class Route:
    """An HTTP verb and Kuzzle path pattern bound to a ``controller:action``."""

    verb: str
    path: str
    controller: str
    action: str
    deprecated: bool = False


DEP = True  # marks a row as a deprecated alias: ``(verb, path, action, DEP)``

_Row = tuple[str, str, str] | tuple[str, str, str, bool]


def _controller(controller: str, *rows: _Row) -> tuple[Route, ...]:
    """Build the routes of one controller from ``(verb, path, action[, DEP])`` rows."""
    return tuple(
        Route(row[0], row[1], controller, row[2], deprecated=row[3:] == (DEP,)) for row in rows
    )


_SERVER = _controller(
    "server",
    ("GET", "/", "info"),
    ("GET", "/_serverInfo", "info"),
    ("GET", "/_now", "now"),
    ("GET", "/_healthCheck", "healthCheck"),
    ("GET", "/_adminExists", "adminExists"),
    ("GET", "/_getConfig", "getConfig"),
    ("GET", "/_capabilities", "capabilities"),
    ("GET", "/_publicApi", "publicApi", DEP),
    ("GET", "/_openapi", "openapi"),
    ("GET", "/_metrics", "metrics"),
    ("GET", "/_getStats", "getStats", DEP),
    ("GET", "/_getLastStats", "getLastStats", DEP),
    ("GET", "/_getAllStats", "getAllStats", DEP),
)

_AUTH = _controller(
    "auth",
    ("GET", "/_login/:strategy", "login"),
    ("POST", "/_login/:strategy", "login"),
    ("POST", "/_logout", "logout"),
    ("POST", "/_checkToken", "checkToken"),
    ("POST", "/_refreshToken", "refreshToken"),
    ("POST", "/_createToken", "createToken"),
    ("POST", "/_checkRights", "checkRights"),
    ("GET", "/_me", "getCurrentUser"),
    ("GET", "/users/_me", "getCurrentUser", DEP),
    ("PUT", "/_me", "updateSelf"),
    ("PUT", "/_updateSelf", "updateSelf", DEP),
    ("GET", "/_me/_rights", "getMyRights"),
    ("GET", "/users/_me/_rights", "getMyRights", DEP),
    ("GET", "/_me/credentials/:strategy", "getMyCredentials"),
    ("GET", "/credentials/:strategy/_me", "getMyCredentials", DEP),
    ("GET", "/_me/credentials/:strategy/_exists", "credentialsExist"),
    ("GET", "/credentials/:strategy/_me/_exists", "credentialsExist", DEP),
    ("POST", "/_me/credentials/:strategy/_create", "createMyCredentials"),
    ("POST", "/credentials/:strategy/_me/_create", "createMyCredentials", DEP),
    ("PUT", "/_me/credentials/:strategy/_update", "updateMyCredentials"),
    ("PUT", "/credentials/:strategy/_me/_update", "updateMyCredentials", DEP),
    ("POST", "/_me/credentials/:strategy/_validate", "validateMyCredentials"),
    ("POST", "/credentials/:strategy/_me/_validate", "validateMyCredentials", DEP),
    ("DELETE", "/_me/credentials/:strategy", "deleteMyCredentials"),
    ("DELETE", "/credentials/:strategy/_me", "deleteMyCredentials", DEP),
    ("GET", "/strategies", "getStrategies"),
    ("POST", "/api-keys/_create", "createApiKey"),
    ("POST", "/api-keys/_search", "searchApiKeys"),
    ("DELETE", "/api-keys/:_id", "deleteApiKey"),
)

# subscribe, unsubscribe, join, count and validate have no HTTP route.
_REALTIME = _controller(
    "realtime",
    ("GET", "/_listSubscriptions", "list"),
    ("POST", "/:index/:collection/_publish", "publish"),
)

_DOCUMENT = _controller(
    "document",
    ("GET", "/:index/:collection/:_id", "get"),
    ("GET", "/:index/:collection/:_id/_exists", "exists"),
    ("GET", "/:index/:collection/_mGet", "mGet"),
    ("POST", "/:index/:collection/_mGet", "mGet"),
    ("POST", "/:index/:collection/_mExists", "mExists"),
    ("GET", "/:index/:collection/_search", "search"),
    ("POST", "/:index/:collection/_search", "search"),
    ("GET", "/_scroll/:scrollId", "scroll"),
    ("POST", "/:index/:collection/_count", "count"),
    ("POST", "/:index/:collection/_create", "create"),
    ("POST", "/:index/:collection/:_id/_create", "create"),
    ("PUT", "/:index/:collection/:_id", "createOrReplace"),
    ("PUT", "/:index/:collection/:_id/_replace", "replace"),
    ("PATCH", "/:index/:collection/:_id/_update", "update"),
    ("PUT", "/:index/:collection/:_id/_update", "update", DEP),
    ("POST", "/:index/:collection/:_id/_upsert", "upsert"),
    ("PUT", "/:index/:collection/:_id/_upsert", "upsert", DEP),
    ("DELETE", "/:index/:collection/:_id", "delete"),
    ("DELETE", "/:index/:collection/:_id/_fields", "deleteFields"),
    ("POST", "/:index/:collection/_mCreate", "mCreate"),
    ("PUT", "/:index/:collection/_mCreateOrReplace", "mCreateOrReplace"),
    ("PUT", "/:index/:collection/_mReplace", "mReplace"),
    ("PATCH", "/:index/:collection/_mUpdate", "mUpdate"),
    ("PUT", "/:index/:collection/_mUpdate", "mUpdate", DEP),
    ("POST", "/:index/:collection/_mUpsert", "mUpsert"),
    ("DELETE", "/:index/:collection/_mDelete", "mDelete"),
    ("DELETE", "/:index/:collection/_query", "deleteByQuery"),
    ("PUT", "/:index/:collection/_query", "updateByQuery"),
    ("POST", "/:index/:collection/_validate", "validate"),
    ("GET", "/:index/:collection/_export", "export"),
    ("POST", "/:index/:collection/_export", "export"),
)

_INDEX = _controller(
    "index",
    ("POST", "/:index/_create", "create"),
    ("DELETE", "/:index", "delete"),
    ("GET", "/:index/_exists", "exists"),
    ("GET", "/_list", "list"),
    ("DELETE", "/_mDelete", "mDelete"),
    ("DELETE", "/_mdelete", "mDelete", DEP),
    ("GET", "/_storageStats", "stats"),
    # The action was removed from Kuzzle but the route survives: it answers 404
    # api.process.action_not_found once routed.
    ("GET", "/:index/_autoRefresh", "getAutoRefresh"),
)

_COLLECTION = _controller(
    "collection",
    ("PUT", "/:index/:collection", "create"),
    ("POST", "/:index/:collection", "update"),
    ("DELETE", "/:index/:collection", "delete"),
    ("GET", "/:index/:collection/_exists", "exists"),
    ("GET", "/:index/_list", "list"),
    ("GET", "/:index/:collection/_mapping", "getMapping"),
    ("PUT", "/:index/:collection/_mapping", "updateMapping", DEP),
    ("GET", "/:index/:collection/_settings", "getSettings"),
    ("DELETE", "/:index/:collection/_truncate", "truncate"),
    ("POST", "/:index/:collection/_refresh", "refresh"),
    ("GET", "/:index/:collection/_specifications", "getSpecifications"),
    ("PUT", "/:index/:collection/_specifications", "updateSpecifications"),
    ("DELETE", "/:index/:collection/_specifications", "deleteSpecifications"),
    ("POST", "/:index/:collection/_validateSpecifications", "validateSpecifications"),
    ("POST", "/validations/_search", "searchSpecifications"),
    ("GET", "/validations/_scroll/:scrollId", "scrollSpecifications"),
)

_BULK = _controller(
    "bulk",
    ("POST", "/:index/:collection/_bulk", "import"),
    ("POST", "/:index/:collection/_write", "write"),
    ("POST", "/:index/:collection/_mWrite", "mWrite"),
    ("DELETE", "/:index/:collection/_bulk/_query", "deleteByQuery"),
    ("PATCH", "/:index/:collection/_bulk/_query", "updateByQuery"),
)

_SECURITY = _controller(
    "security",
    ("POST", "/_createFirstAdmin", "createFirstAdmin"),
    ("POST", "/_createFirstAdmin/:_id", "createFirstAdmin"),
    ("POST", "/_restrictDefaultRights", "restrictDefaultRights"),
    ("POST", "/_checkRights/:userId", "checkRights"),
    ("POST", "/_security/:collection/_refresh", "refresh"),
    # users
    ("GET", "/users/:_id", "getUser"),
    ("DELETE", "/users/:_id", "deleteUser"),
    ("POST", "/users/_create", "createUser"),
    ("POST", "/users/:_id/_create", "createUser"),
    ("POST", "/users/_createRestricted", "createRestrictedUser"),
    ("POST", "/users/:_id/_createRestricted", "createRestrictedUser"),
    ("PUT", "/users/:_id/_update", "updateUser"),
    ("PUT", "/users/:_id/_replace", "replaceUser"),
    ("POST", "/users/:_id/_upsert", "upsertUser"),
    ("GET", "/users/_mGet", "mGetUsers"),
    ("POST", "/users/_mGet", "mGetUsers"),
    ("POST", "/users/_search", "searchUsers"),
    ("GET", "/users/_scroll/:scrollId", "scrollUsers"),
    ("POST", "/users/_mDelete", "mDeleteUsers"),
    ("GET", "/users/:_id/_rights", "getUserRights"),
    ("GET", "/users/:_id/_strategies", "getUserStrategies"),
    ("DELETE", "/users/:_id/tokens", "revokeTokens"),
    ("GET", "/users/_mapping", "getUserMapping"),
    ("PUT", "/users/_mapping", "updateUserMapping"),
    # profiles
    ("GET", "/profiles/:_id", "getProfile"),
    ("DELETE", "/profiles/:_id", "deleteProfile"),
    ("PUT", "/profiles/:_id", "createOrReplaceProfile"),
    ("POST", "/profiles/:_id/_create", "createProfile"),
    ("PUT", "/profiles/:_id/_update", "updateProfile"),
    ("GET", "/profiles/:_id/_rights", "getProfileRights"),
    ("POST", "/profiles/_mGet", "mGetProfiles"),
    ("POST", "/profiles/_search", "searchProfiles"),
    ("POST", "/profiles/_mDelete", "mDeleteProfiles"),
    ("GET", "/profiles/_scroll/:scrollId", "scrollProfiles"),
    ("GET", "/profiles/_mapping", "getProfileMapping"),
    ("PUT", "/profiles/_mapping", "updateProfileMapping"),
    # roles
    ("GET", "/roles/:_id", "getRole"),
    ("DELETE", "/roles/:_id", "deleteRole"),
    ("PUT", "/roles/:_id", "createOrReplaceRole"),
    ("POST", "/roles/:_id/_create", "createRole"),
    ("PUT", "/roles/:_id/_update", "updateRole"),
    ("POST", "/roles/_mGet", "mGetRoles"),
    ("POST", "/roles/_search", "searchRoles"),
    ("POST", "/roles/_mDelete", "mDeleteRoles"),
    ("GET", "/roles/_mapping", "getRoleMapping"),
    ("PUT", "/roles/_mapping", "updateRoleMapping"),
    # credentials
    ("GET", "/credentials/:strategy/:_id", "getCredentials"),
    ("GET", "/credentials/:strategy/:_id/_byId", "getCredentialsById"),
    ("GET", "/credentials/:strategy/:_id/_exists", "hasCredentials"),
    ("POST", "/credentials/:strategy/:_id/_create", "createCredentials"),
    ("PUT", "/credentials/:strategy/:_id/_update", "updateCredentials"),
    ("POST", "/credentials/:strategy/:_id/_validate", "validateCredentials"),
    ("DELETE", "/credentials/:strategy/:_id", "deleteCredentials"),
    ("GET", "/credentials/:strategy/_fields", "getCredentialFields"),
    ("GET", "/credentials/_fields", "getAllCredentialFields"),
    ("POST", "/credentials/:strategy/users/_search", "searchUsersByCredentials"),
    # API keys of other users
    ("POST", "/users/:userId/api-keys/_create", "createApiKey"),
    ("POST", "/users/:userId/api-keys/_search", "searchApiKeys"),
    ("DELETE", "/users/:userId/api-keys/:_id", "deleteApiKey"),
)

# Memory storage (Redis passthrough). The key is ``:_id``; commands taking several
# keys (or none) have no key placeholder and read ``keys``/the body instead.
_MS = _controller(
    "ms",
    # reads
    ("GET", "/ms/_bitcount/:_id", "bitcount"),
    ("GET", "/ms/_bitpos/:_id", "bitpos"),
    ("GET", "/ms/_dbsize", "dbsize"),
    ("GET", "/ms/_getbit/:_id", "getbit"),
    ("GET", "/ms/_getrange/:_id", "getrange"),
    ("GET", "/ms/_exists", "exists"),
    ("GET", "/ms/_geodist/:_id/:member1/:member2", "geodist"),
    ("GET", "/ms/_geohash/:_id", "geohash"),
    ("GET", "/ms/_geopos/:_id", "geopos"),
    ("GET", "/ms/_georadius/:_id", "georadius"),
    ("GET", "/ms/_georadiusbymember/:_id", "georadiusbymember"),
    ("GET", "/ms/_hexists/:_id/:field", "hexists"),
    ("GET", "/ms/_hget/:_id/:field", "hget"),
    ("GET", "/ms/_hgetall/:_id", "hgetall"),
    ("GET", "/ms/_hkeys/:_id", "hkeys"),
    ("GET", "/ms/_hlen/:_id", "hlen"),
    ("GET", "/ms/_hmget/:_id", "hmget"),
    ("GET", "/ms/_hscan/:_id", "hscan"),
    ("GET", "/ms/_hstrlen/:_id/:field", "hstrlen"),
    ("GET", "/ms/_hvals/:_id", "hvals"),
    ("GET", "/ms/_keys/:pattern", "keys"),
    ("GET", "/ms/_lindex/:_id/:idx", "lindex"),
    ("GET", "/ms/_llen/:_id", "llen"),
    ("GET", "/ms/_lrange/:_id", "lrange"),
    ("GET", "/ms/_mget", "mget"),
    ("GET", "/ms/_object/:_id", "object"),
    ("GET", "/ms/_pfcount", "pfcount"),
    ("GET", "/ms/_ping", "ping"),
    ("GET", "/ms/_pttl/:_id", "pttl"),
    ("GET", "/ms/_randomkey", "randomkey"),
    ("GET", "/ms/_scan", "scan"),
    ("GET", "/ms/_scard/:_id", "scard"),
    ("GET", "/ms/_sdiff/:_id", "sdiff"),
    ("GET", "/ms/_sinter", "sinter"),
    ("GET", "/ms/_sismember/:_id/:member", "sismember"),
    ("GET", "/ms/_smembers/:_id", "smembers"),
    ("GET", "/ms/_srandmember/:_id", "srandmember"),
    ("GET", "/ms/_sscan/:_id", "sscan"),
    ("GET", "/ms/_strlen/:_id", "strlen"),
    ("GET", "/ms/_sunion", "sunion"),
    ("GET", "/ms/_time", "time"),
    ("GET", "/ms/_ttl/:_id", "ttl"),
    ("GET", "/ms/_type/:_id", "type"),
    ("GET", "/ms/_zcard/:_id", "zcard"),
    ("GET", "/ms/_zcount/:_id", "zcount"),
    ("GET", "/ms/_zlexcount/:_id", "zlexcount"),
    ("GET", "/ms/_zrange/:_id", "zrange"),
    ("GET", "/ms/_zrangebylex/:_id", "zrangebylex"),
    ("GET", "/ms/_zrevrangebylex/:_id", "zrevrangebylex"),
    ("GET", "/ms/_zrangebyscore/:_id", "zrangebyscore"),
    ("GET", "/ms/_zrank/:_id/:member", "zrank"),
    ("GET", "/ms/_zrevrange/:_id", "zrevrange"),
    ("GET", "/ms/_zrevrangebyscore/:_id", "zrevrangebyscore"),
    ("GET", "/ms/_zrevrank/:_id/:member", "zrevrank"),
    ("GET", "/ms/_zscan/:_id", "zscan"),
    ("GET", "/ms/_zscore/:_id/:member", "zscore"),
    ("GET", "/ms/:_id", "get"),
    # writes
    ("POST", "/ms/_append/:_id", "append"),
    ("POST", "/ms/_bgrewriteaof", "bgrewriteaof"),
    ("POST", "/ms/_bgsave", "bgsave"),
    ("POST", "/ms/_bitop/:_id", "bitop"),
    ("POST", "/ms/_decr/:_id", "decr"),
    ("POST", "/ms/_decrby/:_id", "decrby"),
    ("POST", "/ms/_expire/:_id", "expire"),
    ("POST", "/ms/_expireat/:_id", "expireat"),
    ("POST", "/ms/_flushdb", "flushdb"),
    ("POST", "/ms/_geoadd/:_id", "geoadd"),
    ("POST", "/ms/_getset/:_id", "getset"),
    ("POST", "/ms/_hincrby/:_id", "hincrby"),
    ("POST", "/ms/_hincrbyfloat/:_id", "hincrbyfloat"),
    ("POST", "/ms/_hmset/:_id", "hmset"),
    ("POST", "/ms/_hset/:_id", "hset"),
    ("POST", "/ms/_hsetnx/:_id", "hsetnx"),
    ("POST", "/ms/_incr/:_id", "incr"),
    ("POST", "/ms/_incrby/:_id", "incrby"),
    ("POST", "/ms/_incrbyfloat/:_id", "incrbyfloat"),
    ("POST", "/ms/_linsert/:_id", "linsert"),
    ("POST", "/ms/_lpop/:_id", "lpop"),
    ("POST", "/ms/_lpush/:_id", "lpush"),
    ("POST", "/ms/_lpushx/:_id", "lpushx"),
    ("POST", "/ms/_lset/:_id", "lset"),
    ("POST", "/ms/_ltrim/:_id", "ltrim"),
    ("POST", "/ms/_mexecute", "mexecute"),
    ("POST", "/ms/_mset", "mset"),
    ("POST", "/ms/_msetnx", "msetnx"),
    ("POST", "/ms/_persist/:_id", "persist"),
    ("POST", "/ms/_pexpire/:_id", "pexpire"),
    ("POST", "/ms/_pexpireat/:_id", "pexpireat"),
    ("POST", "/ms/_pfadd/:_id", "pfadd"),
    ("POST", "/ms/_pfmerge/:_id", "pfmerge"),
    ("POST", "/ms/_psetex/:_id", "psetex"),
    ("POST", "/ms/_rename/:_id", "rename"),
    ("POST", "/ms/_renamenx/:_id", "renamenx"),
    ("POST", "/ms/_rpop/:_id", "rpop"),
    ("POST", "/ms/_rpoplpush", "rpoplpush"),
    ("POST", "/ms/_rpush/:_id", "rpush"),
    ("POST", "/ms/_rpushx/:_id", "rpushx"),
    ("POST", "/ms/_sadd/:_id", "sadd"),
    ("POST", "/ms/_sdiffstore/:_id", "sdiffstore"),
    ("POST", "/ms/_set/:_id", "set"),
    ("POST", "/ms/_setex/:_id", "setex"),
    ("POST", "/ms/_setnx/:_id", "setnx"),
    ("POST", "/ms/_sinterstore", "sinterstore"),
    ("POST", "/ms/_smove/:_id", "smove"),
    ("POST", "/ms/_sort/:_id", "sort"),
    ("POST", "/ms/_spop/:_id", "spop"),
    ("POST", "/ms/_sunionstore", "sunionstore"),
    ("POST", "/ms/_touch", "touch"),
    ("POST", "/ms/_zadd/:_id", "zadd"),
    ("POST", "/ms/_zincrby/:_id", "zincrby"),
    ("POST", "/ms/_zinterstore/:_id", "zinterstore"),
    ("POST", "/ms/_zunionstore/:_id", "zunionstore"),
    # deletions
    ("DELETE", "/ms", "del"),
    ("DELETE", "/ms/_hdel/:_id", "hdel"),
    ("DELETE", "/ms/_lrem/:_id", "lrem"),
    ("DELETE", "/ms/_srem/:_id", "srem"),
    ("DELETE", "/ms/_zrem/:_id", "zrem"),
    ("DELETE", "/ms/_zremrangebylex/:_id", "zremrangebylex"),
    ("DELETE", "/ms/_zremrangebyrank/:_id", "zremrangebyrank"),
    ("DELETE", "/ms/_zremrangebyscore/:_id", "zremrangebyscore"),
)

_ADMIN = _controller(
    "admin",
    ("POST", "/admin/_resetCache", "resetCache"),
    ("POST", "/admin/_resetSecurity", "resetSecurity"),
    ("POST", "/admin/_resetDatabase", "resetDatabase"),
    ("POST", "/admin/_resetKuzzleData", "resetKuzzleData"),
    ("POST", "/admin/_refreshIndexCache", "refreshIndexCache"),
    ("POST", "/admin/_dump", "dump"),
    ("POST", "/admin/_shutdown", "shutdown"),
    ("POST", "/admin/_loadFixtures", "loadFixtures"),
    ("POST", "/admin/_loadMappings", "loadMappings"),
    ("POST", "/admin/_loadSecurities", "loadSecurities"),
)

_CLUSTER = _controller(
    "cluster",
    ("GET", "/cluster/_status", "status"),
)

_DEBUG = _controller(
    "debug",
    ("GET", "/debug/_nodeVersion", "nodeVersion"),
    ("POST", "/debug/_post", "post"),
    ("POST", "/debug/_enable", "enable"),
    ("POST", "/debug/_disable", "disable"),
)

ROUTES: tuple[Route, ...] = (
    _SERVER
    + _AUTH
    + _REALTIME
    + _DOCUMENT
    + _INDEX
    + _COLLECTION
    + _BULK
    + _SECURITY
    + _MS
    + _ADMIN
    + _CLUSTER
    + _DEBUG
)
