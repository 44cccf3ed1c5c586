# -*- test-case-name: tests.test_config -*-
"""
Tests for L{kuzzle_tx.config}: defaults, the kuzzlerc file, environment variables,
overrides, validation and the frozen L{Config}.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Mapping
from typing import Any

import attrs
import orjson
from twisted.logger import capturedLogs
from twisted.python.filepath import FilePath
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx._jsonc import parse_size, strip_comments
from kuzzle_tx.config import (
    DEFAULT_CONFIG_FILE,
    DEFAULTS,
    Config,
    ConfigError,
    CorsConfig,
    HttpProtocolConfig,
    LimitsConfig,
    ServerConfig,
    WebSocketConfig,
    default_config,
    load_config,
)

REPO = FilePath(__file__).parent().parent()

LIMIT_KEYS = (
    "concurrentRequests",
    "requestsBufferSize",
    "requestsBufferWarningThreshold",
    "documentsFetchCount",
    "documentsWriteCount",
    "loginsPerSecond",
    "subscriptionConditionsCount",
    "subscriptionRooms",
    "subscriptionDocumentTTL",
    "subscriptionMinterms",
)


def nested(dotted: str, value: Any) -> dict[str, Any]:
    """C{nested("a.b", 1)} is C{{"a": {"b": 1}}}."""
    result: Any = value
    for part in reversed(dotted.split(".")):
        result = {part: result}
    return result


def leaves(document: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of every non-object value in C{document}."""
    paths = []
    for key, value in document.items():
        if isinstance(value, Mapping):
            paths.extend(leaves(value, f"{prefix}{key}."))
        else:
            paths.append(prefix + key)
    return paths


class ConfigTestCase(SynchronousTestCase):
    def write(self, text: str | bytes) -> str:
        """Write C{text} to a new temporary file and return its path."""
        path = self.mktemp()
        with open(path, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        return path

    def load(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> Config:
        kwargs.setdefault("env", {})
        return load_config(overrides=overrides, **kwargs)

    def assertRejected(self, key: str, value: Any, *fragments: str) -> ConfigError:
        """
        Setting C{key} to C{value} (as an override) raises a one-line L{ConfigError} that
        starts with the key path and contains every fragment.
        """
        error = self.assertRaises(ConfigError, self.load, nested(key, value))
        self.assertOneLine(error)
        message = str(error)
        self.assertTrue(message.startswith(key + ": "), message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return error

    def assertOneLine(self, error: Exception) -> None:
        message = str(error)
        self.assertTrue(message, "empty error message")
        self.assertNotIn("\n", message)
        self.assertNotIn("\r", message)


class DefaultsTests(ConfigTestCase):
    def test_typedDefaults(self) -> None:
        """
        Without file, environment or overrides, every typed section has the documented
        defaults.
        """
        config = default_config()
        self.assertEqual(config.server, ServerConfig())
        self.assertEqual(config.server.websocket, WebSocketConfig())
        self.assertEqual(config.server.http, HttpProtocolConfig())
        self.assertEqual(config.http, CorsConfig())
        self.assertEqual(config.limits, LimitsConfig())
        self.assertIsNone(config.source)
        self.assertEqual(config.warnings, ())

    def test_documentedValues(self) -> None:
        """
        The defaults are Kuzzle's, except kuzzle_tx's own choices for idleTimeout (0),
        heartbeat (60 s) and resetIdleTimeoutOnSend (true); sizes are 1 MiB.
        """
        config = default_config()
        ws = config.server.websocket
        self.assertEqual(config.server.port, 7512)
        self.assertEqual(config.server.max_request_size, 1024 * 1024)
        self.assertEqual(config.server.http.max_form_file_size, 1024 * 1024)
        self.assertEqual((ws.idle_timeout, ws.heartbeat), (0, 60000))
        self.assertTrue(ws.reset_idle_timeout_on_send)
        self.assertEqual((ws.open_handshake_timeout, ws.close_handshake_timeout), (5000, 1000))
        self.assertEqual(config.server.http.headers_timeout, 10000)
        self.assertEqual(config.http.allow_origin, ("*",))
        self.assertEqual(config.limits.concurrent_requests, 100)
        self.assertEqual(config.limits.subscription_document_ttl, 72 * 3600 * 1000)

    def test_rawHoldsKuzzleSpelling(self) -> None:
        """The raw document uses Kuzzle's key names and values as written ("1mb")."""
        config = default_config()
        self.assertEqual(config.as_dict(), DEFAULTS)
        self.assertEqual(config.get("server.maxRequestSize"), "1mb")

    def test_defaultFileName(self) -> None:
        """The file looked for in the working directory is kuzzlerc.json."""
        self.assertEqual(DEFAULT_CONFIG_FILE, "kuzzlerc.json")

    def test_defaultsNotMutated(self) -> None:
        """Loading with a file, variables and overrides leaves DEFAULTS untouched."""
        before = orjson.dumps(DEFAULTS)
        path = self.write('{"server": {"protocols": {"http": {"additionalContentTypes": ["a"]}}}}')
        load_config(
            path,
            env={"kuzzle_limits__concurrentRequests": "5"},
            overrides={"server": {"port": 1}},
        )
        self.assertEqual(orjson.dumps(DEFAULTS), before)

    def test_frozen(self) -> None:
        """The configuration and its raw document cannot be changed."""
        config = default_config()
        self.assertRaises(attrs.exceptions.FrozenInstanceError, setattr, config, "source", "x")
        self.assertRaises(attrs.exceptions.FrozenInstanceError, setattr, config.server, "port", 1)
        self.assertRaises(TypeError, operator.setitem, config.raw, "server", {})
        self.assertRaises(TypeError, operator.setitem, config.raw["server"], "port", 1)
        self.assertIsInstance(config.get("server.protocols.http.additionalContentTypes"), tuple)


class FileTests(ConfigTestCase):
    def test_fileOverridesDefaults(self) -> None:
        """Values from the file replace the defaults; the others stay."""
        path = self.write(
            '{"server": {"port": 7600, "protocols": {"websocket": {"heartbeat": 1000}}},'
            ' "limits": {"documentsWriteCount": 5}}'
        )
        config = self.load(path=path)
        self.assertEqual(config.server.port, 7600)
        self.assertEqual(config.server.websocket.heartbeat, 1000)
        self.assertEqual(config.server.websocket.idle_timeout, 0)
        self.assertEqual(config.limits.documents_write_count, 5)
        self.assertEqual(config.limits.documents_fetch_count, 10000)
        self.assertEqual(config.source, path)

    def test_comments(self) -> None:
        """
        Line and block comments are ignored, while C{//} and C{/*} inside strings are kept.
        """
        path = self.write(
            "// leading comment\n"
            "{\n"
            '  "server": { /* block\n'
            '     spanning "lines" */ "port": 7600 // trailing\n'
            "  },\n"
            '  "http": {"accessControlAllowOrigin": "http://a.example/*x*/, https://b//c"},\n'
            '  "escaped": "quote \\" // not a comment"\n'
            "}\n"
            "/* final */\n"
        )
        config = self.load(path=path)
        self.assertEqual(config.server.port, 7600)
        self.assertEqual(config.http.allow_origin, ("http://a.example/*x*/", "https://b//c"))
        self.assertEqual(config.get("escaped"), 'quote " // not a comment')

    def test_commentsKeepPositions(self) -> None:
        """Blanking comments keeps every line break and every character's column."""
        text = '{"a": 1, /* x\n y */ "b": "//" // z\r\n}'
        stripped = strip_comments(text)
        self.assertEqual(len(stripped), len(text))
        self.assertEqual(stripped, '{"a": 1,     \n      "b": "//"     \r\n}')

    def test_byteOrderMark(self) -> None:
        """A UTF-8 byte order mark at the start of the file is accepted."""
        path = self.write(b'\xef\xbb\xbf{"server": {"port": 7601}}')
        self.assertEqual(self.load(path=path).server.port, 7601)

    def test_malformedLineColumn(self) -> None:
        """A syntax error names the file, line and column, even after comments."""
        path = self.write('{\n  // a comment\n  "server": {\n    "port": ,\n  }\n}\n')
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertOneLine(error)
        self.assertTrue(str(error).startswith(f"{path}:4:13: "), str(error))

    def test_trailingCommaRejected(self) -> None:
        """Trailing commas are a syntax error, reported with their position."""
        path = self.write('{"server": {"port": 1,}}')
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertTrue(str(error).startswith(f"{path}:1:"), str(error))

    def test_unterminatedComment(self) -> None:
        """An unclosed block comment is reported where it starts."""
        path = self.write('{"server": {}}\n  /* never closed\n')
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertOneLine(error)
        self.assertEqual(str(error), f"{path}:2:3: unterminated /* comment")

    def test_emptyFile(self) -> None:
        """An empty file is a syntax error at 1:1."""
        error = self.assertRaises(ConfigError, self.load, path=self.write(""))
        self.assertIn(":1:1: ", str(error))

    def test_topLevelNotObject(self) -> None:
        """A file whose top level is not an object is rejected, naming the file."""
        path = self.write("[1, 2]")
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertOneLine(error)
        self.assertTrue(str(error).startswith(f"{path}: "), str(error))
        self.assertIn("object", str(error))

    def test_missingFile(self) -> None:
        """A file that does not exist cannot be read, and the message says why."""
        path = self.mktemp()
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertOneLine(error)
        self.assertEqual(str(error), f"cannot read {path}: No such file or directory")

    def test_directory(self) -> None:
        """A directory given as the file cannot be read."""
        path = self.mktemp()
        os.mkdir(path)
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertTrue(str(error).startswith(f"cannot read {path}: "), str(error))

    def test_notUTF8(self) -> None:
        """A file that is not UTF-8 text cannot be read."""
        path = self.write(b'{"a": "\xff"}')
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertOneLine(error)
        self.assertTrue(str(error).startswith(f"cannot read {path}: not UTF-8"), str(error))

    def test_sampleFileIsTheDefaults(self) -> None:
        """The repository's kuzzlerc.json loads cleanly and gives exactly the defaults."""
        sample = REPO.child(DEFAULT_CONFIG_FILE)
        config = self.load(path=sample.path)
        defaults = default_config()
        self.assertEqual(attrs.evolve(config, source=None), defaults)
        self.assertEqual(config.as_dict(), defaults.as_dict())

    def test_tableDocumentsEveryKey(self) -> None:
        """docs/config-table.md has a row for every key of DEFAULTS."""
        table = REPO.child("docs").child("config-table.md").getContent().decode("utf-8")
        for key in leaves(DEFAULTS):
            self.assertIn(f"| `{key}` |", table)


class EnvironmentTests(ConfigTestCase):
    def test_typedValues(self) -> None:
        """Values that parse as JSON get their JSON type; the others stay strings."""
        config = self.load(
            env={
                "kuzzle_server__port": "7600",
                "kuzzle_server__protocols__websocket__compression": "true",
                "kuzzle_server__maxRequestSize": "2mb",
                "kuzzle_http__accessControlAllowOrigin": "http://a.example,http://b.example",
                "kuzzle_server__protocols__http__additionalContentTypes": '["text/plain"]',
            }
        )
        self.assertEqual(config.server.port, 7600)
        self.assertTrue(config.server.websocket.compression)
        self.assertEqual(config.server.max_request_size, 2 * 1024 * 1024)
        self.assertEqual(config.http.allow_origin, ("http://a.example", "http://b.example"))
        self.assertEqual(config.server.http.additional_content_types, ("text/plain",))

    def test_forcedJSON(self) -> None:
        """A C{*json:} prefix parses the rest of the value as JSON."""
        config = self.load(
            env={"kuzzle_http__accessControlAllowOrigin": '*json:["http://a.example"]'}
        )
        self.assertEqual(config.http.allow_origin, ("http://a.example",))

    def test_forcedJSONInvalid(self) -> None:
        """A C{*json:} value that is not JSON stops loading, naming the variable."""
        error = self.assertRaises(
            ConfigError, self.load, env={"kuzzle_limits__loginsPerSecond": "*json:[1"}
        )
        self.assertOneLine(error)
        self.assertTrue(str(error).startswith("kuzzle_limits__loginsPerSecond: "), str(error))

    def test_envOverridesFile(self) -> None:
        """An environment variable beats the file."""
        path = self.write('{"server": {"port": 7600, "strictSdkVersion": false}}')
        config = self.load(path=path, env={"kuzzle_server__port": "7700"})
        self.assertEqual(config.server.port, 7700)
        self.assertFalse(config.server.strict_sdk_version)

    def test_otherVariablesIgnored(self) -> None:
        """Variables without the exact C{kuzzle_} prefix are ignored."""
        config = self.load(env={"KUZZLE_server__port": "1", "kuzzleserver__port": "2"})
        self.assertEqual(config.server.port, 7512)

    def test_invalidValueNamesKey(self) -> None:
        """An invalid value from a variable is reported with its key path."""
        error = self.assertRaises(
            ConfigError, self.load, env={"kuzzle_server__protocols__websocket__heartbeat": "x"}
        )
        self.assertTrue(str(error).startswith("server.protocols.websocket.heartbeat: "))

    def test_deeperVariableWins(self) -> None:
        """
        When a variable sets a whole object and another one a key inside it, the deeper one
        is applied last, whatever the environment's order.
        """
        config = self.load(
            env={"kuzzle_server__logs__accessLogFormat": '"off"', "kuzzle_server__logs": "3"}
        )
        self.assertEqual(config.server.access_log_format, "off")

    def test_emptyLevelWarns(self) -> None:
        """A variable with an empty key level is ignored with a warning."""
        config = self.load(env={"kuzzle_server____port": "1"})
        self.assertEqual(config.server.port, 7512)
        self.assertEqual(len(config.warnings), 1)
        self.assertIn("kuzzle_server____port", config.warnings[0])

    def test_defaultsToProcessEnvironment(self) -> None:
        """Without C{env}, the process environment is read."""
        self.patch(os, "environ", {"kuzzle_server__port": "7601", "PATH": "/bin"})
        self.assertEqual(load_config().server.port, 7601)

    def test_defaultConfigIgnoresEnvironment(self) -> None:
        """default_config() ignores the process environment."""
        self.patch(os, "environ", {"kuzzle_server__port": "7601"})
        self.assertEqual(default_config().server.port, 7512)


class OverridesTests(ConfigTestCase):
    def test_overridesBeatEnvironment(self) -> None:
        """Overrides (command-line options) beat variables, which beat the file."""
        path = self.write('{"server": {"port": 7600}, "limits": {"loginsPerSecond": 3}}')
        config = load_config(
            path,
            env={"kuzzle_server__port": "7700", "kuzzle_limits__loginsPerSecond": "4"},
            overrides={"server": {"port": 7800}},
        )
        self.assertEqual(config.server.port, 7800)
        self.assertEqual(config.limits.logins_per_second, 4)

    def test_deepMerge(self) -> None:
        """Overrides merge into objects instead of replacing them."""
        config = self.load({"server": {"protocols": {"websocket": {"heartbeat": 0}}}})
        self.assertEqual(config.server.websocket.heartbeat, 0)
        self.assertTrue(config.server.websocket.enabled)
        self.assertTrue(config.server.http.enabled)

    def test_notAMapping(self) -> None:
        """Overrides that are not a mapping are rejected."""
        error = self.assertRaises(ConfigError, self.load, [("server", {})])
        self.assertTrue(str(error).startswith("overrides: "))


class ValidationTests(ConfigTestCase):
    def test_negativeHeartbeat(self) -> None:
        """A negative heartbeat stops start-up with a message naming the key."""
        error = self.assertRejected("server.protocols.websocket.heartbeat", -5)
        self.assertEqual(
            str(error), "server.protocols.websocket.heartbeat: must be an integer >= 0, got -5"
        )
        self.assertEqual(error.key, "server.protocols.websocket.heartbeat")

    def test_integersNotNegative(self) -> None:
        """Durations, rate limits and all limits cannot be negative."""
        keys = [
            "server.protocols.websocket.idleTimeout",
            "server.protocols.websocket.rateLimit",
            "server.protocols.websocket.openHandshakeTimeout",
            "server.protocols.websocket.closeHandshakeTimeout",
            "server.protocols.http.headersTimeout",
            "server.logs.accessLogIpOffset",
        ] + [f"limits.{key}" for key in LIMIT_KEYS]
        for key in keys:
            self.assertRejected(key, -1, ">= ")

    def test_zeroAccepted(self) -> None:
        """Zero is valid for durations, rateLimit and limits other than concurrentRequests."""
        zero = {
            "server": {
                "protocols": {
                    "websocket": {"heartbeat": 0, "rateLimit": 0, "openHandshakeTimeout": 0},
                    "http": {"headersTimeout": 0},
                }
            },
            "limits": {key: 0 for key in LIMIT_KEYS if key != "concurrentRequests"},
        }
        config = self.load(zero)
        self.assertEqual(config.limits.subscription_rooms, 0)
        self.assertEqual(config.server.http.headers_timeout, 0)

    def test_integerTypes(self) -> None:
        """
        Booleans, strings and floats with a fraction are not integers; a float without
        one is accepted.
        """
        for value in (True, "60000", 1.5, None, [1]):
            self.assertRejected("server.protocols.websocket.heartbeat", value, "integer")
        config = self.load(nested("server.protocols.websocket.heartbeat", 1000.0))
        self.assertEqual(config.server.websocket.heartbeat, 1000)
        self.assertIsInstance(config.server.websocket.heartbeat, int)

    def test_booleans(self) -> None:
        """Flags must be JSON booleans: neither 0/1 nor "true" strings."""
        keys = [
            "server.strictSdkVersion",
            "server.protocols.websocket.enabled",
            "server.protocols.websocket.compression",
            "server.protocols.websocket.realtimeNotifications",
            "server.protocols.websocket.sendPingsAutomatically",
            "server.protocols.websocket.resetIdleTimeoutOnSend",
            "server.protocols.http.enabled",
            "server.protocols.http.allowCompression",
            "http.accessControlAllowOriginUseRegExp",
            "http.cookieAuthentication",
        ]
        for key in keys:
            self.assertRejected(key, 1, "boolean")
            self.assertRejected(key, "true", "boolean")

    def test_port(self) -> None:
        """The port is 1 to 65535, or 0 for any free port."""
        self.assertRejected("server.port", 65536, "between 0 and 65535", "65536")
        self.assertRejected("server.port", -1, "between 0 and 65535")
        self.assertRejected("server.port", "7512", "between 0 and 65535")
        self.assertEqual(self.load({"server": {"port": 0}}).server.port, 0)
        self.assertEqual(self.load({"server": {"port": 65535}}).server.port, 65535)

    def test_lowerBoundsAboveZero(self) -> None:
        """maxEncodingLayers and concurrentRequests must be at least 1."""
        self.assertRejected("server.protocols.http.maxEncodingLayers", 0, ">= 1")
        self.assertRejected("limits.concurrentRequests", 0, ">= 1")

    def test_accessLogFormat(self) -> None:
        """The access log format is combined, logstash or off."""
        self.assertRejected("server.logs.accessLogFormat", "json", "combined, logstash, off")
        self.assertRejected("server.logs.accessLogFormat", 1, "combined, logstash, off")
        for value in ("combined", "logstash", "off"):
            config = self.load(nested("server.logs.accessLogFormat", value))
            self.assertEqual(config.server.access_log_format, value)

    def test_sizes(self) -> None:
        """Sizes that cannot be parsed are rejected, naming the key."""
        for key in (
            "server.maxRequestSize",
            "server.protocols.http.maxFormFileSize",
        ):
            for value in ("1 megabyte", "mb", "-1mb", -1, 1.5, True, None, "1e3"):
                self.assertRejected(key, value, "unparsable size")

    def test_sizesParsed(self) -> None:
        """Sizes in configuration keys become a number of bytes."""
        config = self.load(
            {"server": {"maxRequestSize": "512KB", "protocols": {"http": {"maxFormFileSize": 10}}}}
        )
        self.assertEqual(config.server.max_request_size, 512 * 1024)
        self.assertEqual(config.server.http.max_form_file_size, 10)

    def test_bothProtocolsDisabled(self) -> None:
        """HTTP and WebSocket cannot both be disabled."""
        overrides = {
            "server": {"protocols": {"http": {"enabled": False}, "websocket": {"enabled": False}}}
        }
        error = self.assertRaises(ConfigError, self.load, overrides)
        self.assertEqual(
            str(error), "server.protocols: HTTP and WebSocket cannot both be disabled"
        )

    def test_oneProtocolDisabled(self) -> None:
        """Either protocol alone may be disabled."""
        config = self.load(nested("server.protocols.http.enabled", False))
        self.assertFalse(config.server.http.enabled)
        config = self.load(nested("server.protocols.websocket.enabled", False))
        self.assertFalse(config.server.websocket.enabled)

    def test_sectionsMustBeObjects(self) -> None:
        """A section replaced by a value that is not an object is reported by its path."""
        for key in (
            "server",
            "server.logs",
            "server.protocols",
            "server.protocols.websocket",
            "server.protocols.http",
            "http",
            "limits",
        ):
            for value in (3, None, [], "x"):
                self.assertRejected(key, value, "must be an object")

    def test_sectionFromFileMustBeObject(self) -> None:
        """A file setting a section to a number is rejected, naming the section."""
        path = self.write('{"server": 3}')
        error = self.assertRaises(ConfigError, self.load, path=path)
        self.assertEqual(str(error), "server: must be an object, got 3")

    def test_allowOrigin(self) -> None:
        """
        Allowed origins are a comma-separated string or an array of strings, trimmed.
        """
        config = self.load(nested("http.accessControlAllowOrigin", " a, b ,,c "))
        self.assertEqual(config.http.allow_origin, ("a", "b", "c"))
        config = self.load(nested("http.accessControlAllowOrigin", ["a", "b"]))
        self.assertEqual(config.http.allow_origin, ("a", "b"))
        self.assertRejected("http.accessControlAllowOrigin", 3, "array of strings")
        self.assertRejected("http.accessControlAllowOrigin", ["a", 1], "array of strings")

    def test_allowOriginRegExp(self) -> None:
        """
        With accessControlAllowOriginUseRegExp, every origin but "*" must be a valid
        regular expression.
        """
        overrides = {
            "http": {
                "accessControlAllowOriginUseRegExp": True,
                "accessControlAllowOrigin": ["*", r"^https://.*\.example$"],
            }
        }
        self.assertTrue(self.load(overrides).http.allow_origin_use_regexp)
        overrides["http"]["accessControlAllowOrigin"] = ["(unclosed"]
        error = self.assertRaises(ConfigError, self.load, overrides)
        self.assertOneLine(error)
        self.assertTrue(str(error).startswith("http.accessControlAllowOrigin: "))
        self.assertIn("regular expression", str(error))

    def test_strings(self) -> None:
        """The CORS methods and headers must be strings."""
        self.assertRejected("http.accessControlAllowMethods", ["GET"], "string")
        self.assertRejected("http.accessControlAllowHeaders", None, "string")

    def test_additionalContentTypes(self) -> None:
        """additionalContentTypes is an array of strings."""
        self.assertRejected("server.protocols.http.additionalContentTypes", "text/plain")
        self.assertRejected("server.protocols.http.additionalContentTypes", [1])

    def test_longValueShortened(self) -> None:
        """A long invalid value is shortened so that the message stays readable."""
        error = self.assertRejected("server.port", "x" * 500)
        self.assertLess(len(str(error)), 160)

    def test_noWarningsByDefault(self) -> None:
        """The defaults (heartbeat on) produce no warning."""
        self.assertEqual(default_config().warnings, ())

    def test_idleTimeoutAndHeartbeatOff(self) -> None:
        """
        idleTimeout 0 with heartbeat 0 is accepted with a warning, since dead sockets would
        never be detected.
        """
        config = self.load(nested("server.protocols.websocket.heartbeat", 0))
        self.assertEqual(len(config.warnings), 1)
        self.assertIn("idleTimeout", config.warnings[0])
        self.assertIn("heartbeat", config.warnings[0])

    def test_noWarningWithoutWebSocket(self) -> None:
        """With WebSocket disabled, idleTimeout and heartbeat at 0 do not warn."""
        overrides = {"server": {"protocols": {"websocket": {"enabled": False, "heartbeat": 0}}}}
        self.assertEqual(self.load(overrides).warnings, ())

    def test_security_standard(self) -> None:
        """
        security.standard's roles and profiles are checked at start-up as
        restrictDefaultRights would check them; a valid one is kept as written.
        """
        custom = {"roles": {"default": {"controllers": {"*": {"actions": {"*": True}}}}}}
        self.assertEqual(
            self.load(nested("security.standard", custom)).get("security.standard"), custom
        )
        self.assertRejected("security.standard", ["roles"], "object")
        self.assertRejected("security.standard.roles", [], "object")
        self.assertRejected("security.standard.roles.default", {"controllers": {}}, "controllers")
        self.assertRejected(
            "security.standard.profiles.default", {"policies": [{"role": "x"}]}, "roleId"
        )
        self.assertRejected(
            "security.standard.profiles.default", {"policies": [], "rateLimit": -1}, "rateLimit"
        )


class SizeTests(SynchronousTestCase):
    def test_units(self) -> None:
        """Units b, kb, mb, gb and tb are 1024-based and case-insensitive."""
        self.assertEqual(parse_size("100b"), 100)
        self.assertEqual(parse_size("512KB"), 512 * 1024)
        self.assertEqual(parse_size("1mb"), 1024**2)
        self.assertEqual(parse_size("1MB"), 1024**2)
        self.assertEqual(parse_size("2gb"), 2 * 1024**3)
        self.assertEqual(parse_size("1Tb"), 1024**4)

    def test_fractionsAndSpaces(self) -> None:
        """A decimal number and spaces around the unit are accepted; bytes are whole."""
        self.assertEqual(parse_size("1.5 mb"), 1024**2 * 3 // 2)
        self.assertEqual(parse_size(" 2 kb "), 2048)
        self.assertEqual(parse_size("1.5b"), 1)

    def test_plainNumbers(self) -> None:
        """A number, or a string without unit, is a number of bytes."""
        self.assertEqual(parse_size(2048), 2048)
        self.assertEqual(parse_size(0), 0)
        self.assertEqual(parse_size(10.0), 10)
        self.assertEqual(parse_size("2048"), 2048)

    def test_invalid(self) -> None:
        """Anything else is not a size."""
        for value in ("", "mb", "1 m", "1pb", "-1mb", "1,5mb", ".5mb", "1e3", -1, 1.5, True):
            self.assertRaises(ValueError, parse_size, value)


class RawDocumentTests(ConfigTestCase):
    def test_unknownKeysKept(self) -> None:
        """
        Keys kuzzle_tx does not know are kept in the raw document, logged at debug level,
        and do not stop loading.
        """
        path = self.write(
            '{"security": {"jwt": {"expiresIn": "2h"}},'
            ' "server": {"protocols": {"mqtt": {"enabled": true}}, "port": 7600}}'
        )
        with capturedLogs() as events:
            config = self.load(path=path, env={"kuzzle_plugins__common__failsafeMode": "true"})
        self.assertEqual(config.get("security.jwt.expiresIn"), "2h")
        self.assertIs(config.get("server.protocols.mqtt.enabled"), True)
        self.assertIs(config.get("plugins.common.failsafeMode"), True)
        self.assertEqual(config.server.port, 7600)
        unknown = sorted(e["key"] for e in events if e["log_level"].name == "debug" and "key" in e)
        self.assertEqual(unknown, ["plugins", "server.protocols.mqtt"])

    def test_get(self) -> None:
        """get() follows a dotted path in the raw document, with a default when missing."""
        config = default_config()
        self.assertEqual(config.get("server.protocols.websocket.heartbeat"), 60000)
        self.assertEqual(config.get("limits")["loginsPerSecond"], 1)
        self.assertIsNone(config.get("security.jwt.unknownKey"))
        self.assertEqual(config.get("security.jwt.unknownKey", "1h"), "1h")
        self.assertEqual(config.get("server.port.deeper", "d"), "d")

    def test_asDict(self) -> None:
        """as_dict() is a plain JSON-serializable copy that can be changed freely."""
        path = self.write('{"custom": {"list": [1, {"a": null}]}}')
        config = self.load(path=path)
        document = config.as_dict()
        self.assertIsInstance(document["custom"], dict)
        self.assertEqual(document["custom"]["list"], [1, {"a": None}])
        self.assertEqual(orjson.loads(orjson.dumps(document)), document)
        document["server"]["port"] = 1
        document["custom"]["list"].append(2)
        self.assertEqual(config.get("server.port"), 7512)
        self.assertEqual(config.get("custom.list"), (1, {"a": None}))
