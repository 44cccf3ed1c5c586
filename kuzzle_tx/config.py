# -*- test-case-name: tests.test_config -*-
"""
Configuration: built-in defaults ⊕ a kuzzlerc file ⊕ C{kuzzle_*} environment variables ⊕
overrides (command-line options), validated once into a frozen L{Config}.

Keys use Kuzzle's JSON names (C{server.protocols.websocket.idleTimeout}); the typed sections
expose them in snake_case (C{config.server.websocket.idle_timeout}). Keys this module does not
know are kept in L{Config.raw} for later consumers and for C{server:getConfig}.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import orjson
from twisted.logger import Logger

from kuzzle_tx._jsonc import JsoncError, as_int, freeze, merge, parse_size, show, thaw
from kuzzle_tx._jsonc import loads as loads_jsonc
from kuzzle_tx.durations import parse_duration

log = Logger()

DEFAULT_CONFIG_FILE = "kuzzlerc.json"
ENV_PREFIX = "kuzzle_"
_FORCE_JSON = "*json:"

DEFAULTS: dict[str, Any] = {
    "server": {
        "port": 7512,
        "maxRequestSize": "1mb",
        "strictSdkVersion": True,
        "logs": {"accessLogFormat": "combined", "accessLogIpOffset": 0},
        "protocols": {
            "http": {
                "enabled": True,
                "allowCompression": True,
                "maxEncodingLayers": 3,
                "maxFormFileSize": "1mb",
                "additionalContentTypes": [],
                "headersTimeout": 10000,
            },
            "websocket": {
                "enabled": True,
                "idleTimeout": 0,
                "heartbeat": 60000,
                "compression": False,
                "rateLimit": 0,
                "realtimeNotifications": True,
                "sendPingsAutomatically": False,
                "resetIdleTimeoutOnSend": True,
                "openHandshakeTimeout": 5000,
                "closeHandshakeTimeout": 1000,
            },
        },
    },
    "http": {
        "accessControlAllowOrigin": "*",
        "accessControlAllowOriginUseRegExp": False,
        "accessControlAllowMethods": "GET,POST,PUT,PATCH,DELETE,OPTIONS,HEAD",
        "accessControlAllowHeaders": (
            "Content-Type, Access-Control-Allow-Headers, Authorization, X-Requested-With, "
            "Content-Encoding, Content-Length, X-Kuzzle-Volatile"
        ),
        "cookieAuthentication": True,
    },
    "security": {
        "jwt": {
            "algorithm": "HS256",
            "expiresIn": "1h",
            "gracePeriod": 1000,
            "maxTTL": -1,
            "secret": None,
        },
        "apiKey": {"maxTTL": -1},
        "restrictedProfileIds": ["default"],
    },
    "services": {
        "storageEngine": {
            "backend": "sqlite",
            "readerThreads": 2,
            "maxScrollDuration": "1m",
            "commonMapping": {"dynamic": "false"},
        },
    },
    "limits": {
        "concurrentRequests": 100,
        "requestsBufferSize": 50000,
        "requestsBufferWarningThreshold": 5000,
        "documentsFetchCount": 10000,
        "documentsWriteCount": 200,
        "loginsPerSecond": 1,
        "subscriptionConditionsCount": 100,
        "subscriptionRooms": 1000000,
        "subscriptionDocumentTTL": 259200000,
        "subscriptionMinterms": 0,
    },
}


class ConfigError(Exception):
    """
    The configuration cannot be used. C{str()} is one line naming the key path (or the file,
    with line and column for a syntax error); C{key} is that key path when there is one.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@attrs.frozen
class WebSocketConfig:
    enabled: bool = True
    idle_timeout: int = 0
    heartbeat: int = 60000
    compression: bool = False
    rate_limit: int = 0
    realtime_notifications: bool = True
    send_pings_automatically: bool = False
    reset_idle_timeout_on_send: bool = True
    open_handshake_timeout: int = 5000
    close_handshake_timeout: int = 1000


@attrs.frozen
class HttpProtocolConfig:
    enabled: bool = True
    allow_compression: bool = True
    max_encoding_layers: int = 3
    max_form_file_size: int = 1048576
    additional_content_types: tuple[str, ...] = ()
    headers_timeout: int = 10000


@attrs.frozen
class ServerConfig:
    port: int = 7512
    max_request_size: int = 1048576
    strict_sdk_version: bool = True
    access_log_format: str = "combined"
    access_log_ip_offset: int = 0
    websocket: WebSocketConfig = attrs.Factory(WebSocketConfig)
    http: HttpProtocolConfig = attrs.Factory(HttpProtocolConfig)


@attrs.frozen
class CorsConfig:
    """The top-level C{http} section (CORS and cookie authentication)."""

    allow_origin: tuple[str, ...] = ("*",)
    allow_origin_use_regexp: bool = False
    allow_methods: str = DEFAULTS["http"]["accessControlAllowMethods"]
    allow_headers: str = DEFAULTS["http"]["accessControlAllowHeaders"]
    cookie_authentication: bool = True


@attrs.frozen
class LimitsConfig:
    concurrent_requests: int = 100
    requests_buffer_size: int = 50000
    requests_buffer_warning_threshold: int = 5000
    documents_fetch_count: int = 10000
    documents_write_count: int = 200
    logins_per_second: int = 1
    subscription_conditions_count: int = 100
    subscription_rooms: int = 1000000
    subscription_document_ttl: int = 259200000
    subscription_minterms: int = 0


@attrs.frozen
class StorageConfig:
    backend: str = "sqlite"
    reader_threads: int = 2
    max_scroll_duration: float = 60.0
    default_dynamic: str = "false"


@attrs.frozen
class SecurityConfig:
    algorithm: str = "HS256"
    expires_in: int | None = 3_600_000  # ms; None = tokens never expire
    grace_period: int = 1000
    max_ttl: int = -1  # ms; -1 = no maximum
    secret: str | None = None
    api_key_max_ttl: int = -1  # ms; -1 = no maximum (auth:createApiKey only)
    restricted_profile_ids: tuple[str, ...] = ("default",)


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class Config:
    """
    The validated configuration. Build it with L{load_config} or L{default_config}: only they
    fill C{raw} (the whole merged document, deep-frozen, values as written, e.g. C{"1mb"}).
    """

    server: ServerConfig = attrs.Factory(ServerConfig)
    http: CorsConfig = attrs.Factory(CorsConfig)
    limits: LimitsConfig = attrs.Factory(LimitsConfig)
    storage: StorageConfig = attrs.Factory(StorageConfig)
    security: SecurityConfig = attrs.Factory(SecurityConfig)
    raw: Mapping[str, Any] = _EMPTY
    source: str | None = None
    warnings: tuple[str, ...] = ()

    def get(self, dotted: str, default: Any = None) -> Any:
        """Look up a dotted key path (C{"security.jwt.expiresIn"}) in C{raw}."""
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def as_dict(self) -> dict[str, Any]:
        """A plain, JSON-serializable deep copy of C{raw}."""
        return thaw(self.raw)


def default_config() -> Config:
    """The built-in defaults, ignoring any file and the environment."""
    return load_config(None, env={}, overrides=None)


def load_config(
    path: str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """
    Merge, later wins: L{DEFAULTS}, the JSON-with-comments file at C{path}, the C{kuzzle_*}
    variables of C{env} (C{os.environ} when L{None}), then C{overrides} (a nested dict).

    @raise ConfigError: for an unreadable or malformed file or an invalid value.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ConfigError(f"overrides: must be a mapping, got {show(overrides)}")
    document = merge({}, DEFAULTS)
    source = None
    if path is not None:
        source = os.fspath(path)
        document = merge(document, _read_file(source))
    warnings: list[str] = []
    document = merge(document, _from_env(os.environ if env is None else env, warnings))
    if overrides:
        document = merge(document, overrides)
    _log_unknown(document, DEFAULTS, "")
    server, cors, limits = _build(document, warnings)
    return Config(
        server=server,
        http=cors,
        limits=limits,
        storage=_build_storage(document),
        security=_build_security(document),
        raw=freeze(document),
        source=source,
        warnings=tuple(warnings),
    )


def _read_file(path: str) -> Mapping[str, Any]:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}")
    except UnicodeDecodeError as e:
        raise ConfigError(f"cannot read {path}: not UTF-8 text ({e.reason} at byte {e.start})")
    try:
        document = loads_jsonc(text)
    except JsoncError as e:
        raise ConfigError(f"{path}:{e.line}:{e.column}: {e.reason}")
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: the top level must be a JSON object, got {show(document)}")
    return document


def _from_env(env: Mapping[str, str], warnings: list[str]) -> dict[str, Any]:
    """Nest C{kuzzle_a__b=value} variables into C{{"a": {"b": value}}}."""
    document: dict[str, Any] = {}
    # Sorted so that kuzzle_a is applied before kuzzle_a__b, whatever the platform's order.
    for name in sorted(n for n in env if n.startswith(ENV_PREFIX)):
        parts = name[len(ENV_PREFIX) :].split("__")
        if not all(parts):
            warnings.append(f"{name}: ignored, an empty key level in the variable name")
            continue
        value = env[name]
        if value.startswith(_FORCE_JSON):
            try:
                value = orjson.loads(value[len(_FORCE_JSON) :])
            except orjson.JSONDecodeError as e:
                raise ConfigError(f"{name}: the {_FORCE_JSON} value is not valid JSON ({e})")
        else:
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        node = document
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return document


def _log_unknown(document: Mapping[str, Any], known: Mapping[str, Any], prefix: str) -> None:
    for key, value in document.items():
        if key not in known:
            log.debug("Unknown configuration key {key} kept as is", key=prefix + key)
        elif isinstance(value, Mapping) and isinstance(known[key], Mapping):
            _log_unknown(value, known[key], f"{prefix}{key}.")


class _Section:
    """Typed reads from one object of the merged document; errors name the key path."""

    def __init__(self, document: Mapping[str, Any], path: str) -> None:
        node: Any = document
        walked: list[str] = []
        for part in path.split("."):
            walked.append(part)
            node = node.get(part, _EMPTY)
            if not isinstance(node, Mapping):
                raise self._error(".".join(walked), f"must be an object, got {show(node)}")
        self.path = path
        self.values: Mapping[str, Any] = node

    @staticmethod
    def _error(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{key}: {problem}", key=key)

    def error(self, key: str, problem: str) -> ConfigError:
        return self._error(f"{self.path}.{key}", problem)

    def boolean(self, key: str) -> bool:
        value = self.values[key]
        if not isinstance(value, bool):
            raise self.error(key, f"must be a boolean (true or false), got {show(value)}")
        return value

    def integer(self, key: str, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.values[key]
        number = as_int(value)
        if number is None or number < minimum or (maximum is not None and number > maximum):
            expected = f"an integer >= {minimum}"
            if maximum is not None:
                expected = f"an integer between {minimum} and {maximum}"
            raise self.error(key, f"must be {expected}, got {show(value)}")
        return number

    def size(self, key: str) -> int:
        value = self.values[key]
        try:
            return parse_size(value)
        except ValueError:
            raise self.error(
                key,
                f"unparsable size {show(value)} (expected a number of bytes or a string "
                'like "1mb"; units b, kb, mb, gb, tb)',
            )

    def string(self, key: str, choices: tuple[str, ...] | None = None) -> str:
        value = self.values[key]
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {show(value)}")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {show(value)}")
        return value

    def strings(self, key: str, comma_list: bool = False) -> tuple[str, ...]:
        value = self.values[key]
        if comma_list and isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            return tuple(item.strip() for item in value)
        expected = "a comma-separated string or " if comma_list else ""
        raise self.error(key, f"must be {expected}an array of strings, got {show(value)}")


def _build(
    document: Mapping[str, Any], warnings: list[str]
) -> tuple[ServerConfig, CorsConfig, LimitsConfig]:
    ws = _Section(document, "server.protocols.websocket")
    websocket = WebSocketConfig(
        enabled=ws.boolean("enabled"),
        idle_timeout=ws.integer("idleTimeout"),
        heartbeat=ws.integer("heartbeat"),
        compression=ws.boolean("compression"),
        rate_limit=ws.integer("rateLimit"),
        realtime_notifications=ws.boolean("realtimeNotifications"),
        send_pings_automatically=ws.boolean("sendPingsAutomatically"),
        reset_idle_timeout_on_send=ws.boolean("resetIdleTimeoutOnSend"),
        open_handshake_timeout=ws.integer("openHandshakeTimeout"),
        close_handshake_timeout=ws.integer("closeHandshakeTimeout"),
    )
    ht = _Section(document, "server.protocols.http")
    http = HttpProtocolConfig(
        enabled=ht.boolean("enabled"),
        allow_compression=ht.boolean("allowCompression"),
        max_encoding_layers=ht.integer("maxEncodingLayers", minimum=1),
        max_form_file_size=ht.size("maxFormFileSize"),
        additional_content_types=ht.strings("additionalContentTypes"),
        headers_timeout=ht.integer("headersTimeout"),
    )
    if not (http.enabled or websocket.enabled):
        raise ConfigError(
            "server.protocols: HTTP and WebSocket cannot both be disabled", key="server.protocols"
        )
    if websocket.enabled and websocket.idle_timeout == 0 and websocket.heartbeat == 0:
        warnings.append(
            "server.protocols.websocket: idleTimeout and heartbeat are both 0, "
            "dead WebSocket connections will never be detected"
        )
    sv = _Section(document, "server")
    logs = _Section(document, "server.logs")
    server = ServerConfig(
        port=sv.integer("port", maximum=65535),
        max_request_size=sv.size("maxRequestSize"),
        strict_sdk_version=sv.boolean("strictSdkVersion"),
        access_log_format=logs.string("accessLogFormat", ("combined", "logstash", "off")),
        access_log_ip_offset=logs.integer("accessLogIpOffset"),
        websocket=websocket,
        http=http,
    )
    co = _Section(document, "http")
    cors = CorsConfig(
        allow_origin=co.strings("accessControlAllowOrigin", comma_list=True),
        allow_origin_use_regexp=co.boolean("accessControlAllowOriginUseRegExp"),
        allow_methods=co.string("accessControlAllowMethods"),
        allow_headers=co.string("accessControlAllowHeaders"),
        cookie_authentication=co.boolean("cookieAuthentication"),
    )
    if cors.allow_origin_use_regexp:
        for pattern in cors.allow_origin:
            if pattern == "*":  # "*" still means "any origin", as in Kuzzle
                continue
            try:
                re.compile(pattern)
            except re.error as e:
                raise co.error(
                    "accessControlAllowOrigin",
                    f"invalid regular expression {show(pattern)} ({e})",
                )
    li = _Section(document, "limits")
    limits = LimitsConfig(
        concurrent_requests=li.integer("concurrentRequests", minimum=1),
        requests_buffer_size=li.integer("requestsBufferSize"),
        requests_buffer_warning_threshold=li.integer("requestsBufferWarningThreshold"),
        documents_fetch_count=li.integer("documentsFetchCount"),
        documents_write_count=li.integer("documentsWriteCount"),
        logins_per_second=li.integer("loginsPerSecond"),
        subscription_conditions_count=li.integer("subscriptionConditionsCount"),
        subscription_rooms=li.integer("subscriptionRooms"),
        subscription_document_ttl=li.integer("subscriptionDocumentTTL"),
        subscription_minterms=li.integer("subscriptionMinterms"),
    )
    return server, cors, limits


def _build_storage(document: Mapping[str, Any]) -> StorageConfig:
    st = _Section(document, "services.storageEngine")
    try:
        max_scroll = parse_duration(st.values["maxScrollDuration"])
    except ValueError:
        raise st.error(
            "maxScrollDuration",
            f'must be a duration like "1m" or "30s", got {show(st.values["maxScrollDuration"])}',
        )
    mapping = _Section(document, "services.storageEngine.commonMapping")
    dynamic = mapping.values["dynamic"]
    if isinstance(dynamic, bool):
        dynamic = "true" if dynamic else "false"
    if dynamic not in ("true", "false", "strict"):
        raise mapping.error("dynamic", f'must be true, false or "strict", got {show(dynamic)}')
    return StorageConfig(
        backend=st.string("backend", ("sqlite", "memory")),
        reader_threads=st.integer("readerThreads", minimum=1, maximum=64),
        max_scroll_duration=max_scroll,
        default_dynamic=dynamic,
    )


def _check_standard(document: Mapping[str, Any]) -> None:
    """
    ``security.standard`` (roles and profiles that restrictDefaultRights writes over
    Kuzzle's) is read when used; a definition it would refuse must stop start-up instead.
    """
    from kuzzle_tx.errors import KuzzleError
    from kuzzle_tx.security.definitions import parse_profile, parse_role

    security = document.get("security")
    standard = security.get("standard") if isinstance(security, Mapping) else None
    if standard is None:
        return
    if not isinstance(standard, Mapping):
        raise ConfigError(f"security.standard: must be an object, got {show(standard)}")
    for kind, parse in (("roles", parse_role), ("profiles", parse_profile)):
        definitions = standard.get(kind)
        if definitions is None:
            continue
        if not isinstance(definitions, Mapping):
            raise ConfigError(
                f"security.standard.{kind}: must be an object of definitions by id, "
                f"got {show(definitions)}"
            )
        for name, body in definitions.items():
            try:
                parse(name, thaw(body))
            except KuzzleError as error:
                raise ConfigError(f"security.standard.{kind}.{name}: {error.message}") from None


def _max_ttl(section: _Section) -> int:
    """A ``maxTTL`` key: -1 (no maximum) or a duration, in ms."""
    from kuzzle_tx.errors import KuzzleError
    from kuzzle_tx.security.tokens import parse_expires_in

    max_ttl = section.values["maxTTL"]
    if max_ttl in (-1, "-1"):
        return -1
    try:
        parsed = parse_expires_in(max_ttl)
    except KuzzleError:
        parsed = None
    if parsed is None:
        raise section.error("maxTTL", f"must be a duration or -1 (none), got {show(max_ttl)}")
    return parsed


def _build_security(document: Mapping[str, Any]) -> SecurityConfig:
    # Imported here: the token module pulls PyJWT, needless for most config readers.
    from kuzzle_tx.errors import KuzzleError
    from kuzzle_tx.security.tokens import SUPPORTED_ALGORITHMS, parse_expires_in

    jwt = _Section(document, "security.jwt")
    try:
        expires_in = parse_expires_in(jwt.values["expiresIn"])
    except KuzzleError:
        raise jwt.error(
            "expiresIn",
            f'must be a duration in ms or like "1h" (-1 = never), got '
            f"{show(jwt.values['expiresIn'])}",
        )
    max_ttl_ms = _max_ttl(jwt)
    api_key_max_ttl_ms = _max_ttl(_Section(document, "security.apiKey"))
    secret = jwt.values["secret"]
    if secret is not None and (not isinstance(secret, str) or not secret):
        raise jwt.error("secret", f"must be a non-empty string or null, got {show(secret)}")
    root = _Section(document, "security")
    _check_standard(document)
    return SecurityConfig(
        algorithm=jwt.string("algorithm", SUPPORTED_ALGORITHMS),
        expires_in=expires_in,
        grace_period=jwt.integer("gracePeriod"),
        max_ttl=max_ttl_ms,
        secret=secret,
        api_key_max_ttl=api_key_max_ttl_ms,
        restricted_profile_ids=root.strings("restrictedProfileIds"),
    )
