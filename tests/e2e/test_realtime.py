# -*- test-case-name: tests.e2e.test_realtime -*-
"""
Realtime (subscribe, publish, count, unsubscribe, user notifications) through the official
JavaScript SDK (kuzzle-sdk 7.17.1), with several clients against the real server.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase


class RealtimeSdkTests(E2ETestCase):
    """Scenarios of C{tests/e2e/js/sdk_realtime.js}, one server each."""

    async def scenario(self, name: str) -> dict[str, Any]:
        server = await self.server()
        report: dict[str, Any] = await self.node("sdk_realtime.js", server.port, name)
        return report

    def assert_kuzzle_error(self, outcome: dict[str, Any], status: int, id: str | None) -> None:
        self.assertFalse(outcome["ok"], f"expected a rejection, got {outcome!r}")
        error = outcome["error"]
        self.assertEqual(error["type"], "KuzzleError", error)
        self.assertEqual(error["status"], status, error)
        if id is not None:
            self.assertEqual(error["id"], id, error)

    async def test_publish_reaches_matching_subscriber(self) -> None:
        """
        A subscriber to C{{equals: {status: "paid"}}} gets exactly one notification for two
        publications of which one matches, with the document notification's fields, on the
        channel that subscribe returned (C{<roomId>-311} by default).
        """
        report = await self.scenario("filter")
        self.assertIs(report["published"], True)
        self.assertIs(report["other"], True)
        room_id, channel = report["roomId"], report["channel"]
        self.assertRegex(room_id, r"^\S+$")
        self.assertEqual(channel, f"{room_id}-311")
        self.assertEqual(len(report["received"]), 1, report["received"])
        self.assertEqual(report["rawFrames"], 1)
        note = report["received"][0]
        expected = {
            "type": "document",
            "status": 200,
            "action": "publish",
            "event": "publish",
            "scope": "in",
            "index": "idx",
            "collection": "col",
            "controller": "realtime",
            "protocol": "websocket",
            "room": channel,
        }
        self.assertEqual({key: note.get(key) for key in expected}, expected)
        self.assertIsInstance(note["requestId"], str)
        self.assertIn("node", note)
        self.assertGreaterEqual(note["timestamp"], report["before"] - 1000)
        self.assertLessEqual(note["timestamp"], report["after"] + 1000)
        self.assertEqual(note["volatile"]["sdkInstanceId"], report["bInstance"])
        self.assertTrue(note["volatile"]["sdkName"].startswith("js@7"))
        self.assertIsNone(note["result"].get("_id"))
        source = note["result"]["_source"]
        self.assertEqual(source["status"], "paid")
        self.assertEqual(source["n"], 1)
        info = source["_kuzzle_info"]
        self.assertEqual(info["author"], "-1")
        self.assertGreaterEqual(info["createdAt"], report["before"] - 1000)
        self.assertLessEqual(info["createdAt"], report["after"] + 1000)
        self.assertEqual(report["events"], [])

    async def test_subscribe_to_self(self) -> None:
        """
        With C{subscribeToSelf: false} the SDK drops the client's own publication (the server
        still sends it, carrying the publisher's volatile); with the default it is delivered;
        another client subscribed with C{subscribeToSelf: false} still gets it.
        """
        report = await self.scenario("self")
        self.assertEqual(report["quiet"], [])
        self.assertEqual(report["quietFrames"], 1)
        self.assertEqual(len(report["loud"]), 1, report["loud"])
        self.assertEqual(report["loud"][0]["result"]["_source"]["kind"], "y")
        self.assertEqual(report["loud"][0]["volatile"]["sdkInstanceId"], report["aInstance"])
        self.assertEqual(len(report["watcher"]), 1, report["watcher"])
        self.assertEqual(report["watcher"][0]["result"]["_source"]["kind"], "x")

    async def test_equivalent_filters_share_a_room(self) -> None:
        """
        Filters equal up to key order and C{and} wrapping give the same roomId;
        C{realtime.count} counts the connections in it (a second subscription of the same
        connection does not count twice); other filters or collections are other rooms, and
        an unknown room counts 0.
        """
        report = await self.scenario("rooms")
        self.assertEqual(report["first"], report["second"])
        self.assertEqual(report["plain"], report["wrapped"])
        self.assertEqual(report["again"], report["plain"])
        self.assertNotEqual(report["first"], report["plain"])
        self.assertNotEqual(report["otherCollection"], report["plain"])
        self.assertNotEqual(report["otherFilter"], report["plain"])
        self.assertEqual(report["countA"], 2)
        self.assertEqual(report["countB"], 2)
        self.assertEqual(report["countPlain"], 2)
        self.assertEqual(report["countAgain"], 2)
        self.assertEqual(report["countOther"], 1)
        self.assertEqual(report["countUnknown"], {"ok": True, "value": 0})

    async def test_user_notifications(self) -> None:
        """
        A subscriber with C{users: "all"} hears others enter (C{in}, count 2) and leave by
        unsubscribing or disconnecting (C{out}, count 1), each with the volatile the other
        client subscribed with; a subscriber with the default C{users: "none"} hears nothing.
        """
        report = await self.scenario("users")
        channel = report["channel"]
        self.assertEqual(channel, f"{report['roomId']}-111")
        self.assertEqual(report["cRoomId"], report["roomId"])
        self.assertEqual(report["bChannel"], f"{report['roomId']}-311")
        notes = report["notes"]
        observed = [
            (n["user"], n["action"], n["result"]["count"], n["volatile"].get("who")) for n in notes
        ]
        self.assertEqual(
            observed,
            [
                ("in", "subscribe", 2, "B"),
                ("out", "unsubscribe", 1, "B"),
                ("in", "subscribe", 2, "C"),
                ("in", "subscribe", 3, "B2"),
                ("out", "unsubscribe", 2, "C"),
            ],
        )
        for note in notes:
            self.assertEqual(note["type"], "user")
            self.assertEqual(note["status"], 200)
            self.assertEqual(note["room"], channel)
            self.assertEqual(note["controller"], "realtime")
            self.assertEqual((note["index"], note["collection"]), ("idx", "col"))
            self.assertIsInstance(note["timestamp"], int)
        self.assertEqual(report["countIn"], 2)
        self.assertEqual(report["countOut"], 1)
        self.assertEqual(report["countAfterDisconnect"], 2)
        self.assertEqual(report["bUserFrames"], 0)
        self.assertEqual(report["events"], [])

    async def test_unsubscribe_stops_delivery(self) -> None:
        """
        After C{unsubscribe} the server sends nothing more on the channel (seen on the raw
        socket, after a later notification proved it live); the room is gone (count 0) and a
        second unsubscribe is a 412 C{core.realtime.not_subscribed}.
        """
        report = await self.scenario("unsubscribe")
        self.assertEqual(report["beforeUnsubscribe"], 1)
        self.assertTrue(report["unsubscribed"]["ok"], report["unsubscribed"])
        self.assertEqual(report["afterUnsubscribe"], 1)
        self.assertEqual(report["callback"], 1)
        self.assertEqual(report["countAfter"], 0)
        self.assert_kuzzle_error(report["again"], 412, "core.realtime.not_subscribed")

    async def test_invalid_filters(self) -> None:
        """
        Invalid Koncorde filters reject with 400 C{api.assert.koncorde_dsl_error}, invalid
        C{scope}/C{users} with a 400, and the connection keeps working.
        """
        report = await self.scenario("badfilter")
        for name in ("nested", "twoKeywords", "unknownKeyword"):
            self.assert_kuzzle_error(report[name], 400, "api.assert.koncorde_dsl_error")
        self.assert_kuzzle_error(report["badScope"], 400, None)
        self.assert_kuzzle_error(report["badUsers"], 400, None)
        self.assertTrue(report["stillAlive"]["ok"], report["stillAlive"])

    async def test_http_publish(self) -> None:
        """
        C{realtime.publish} over HTTP (with an C{_id}) reaches a WebSocket subscriber, with
        protocol C{http} and the HTTP client's volatile; subscribing over HTTP fails in the
        SDK itself ("No URL found").
        """
        report = await self.scenario("http")
        self.assertIs(report["published"], True)
        self.assertEqual(len(report["received"]), 1, report["received"])
        note = report["received"][0]
        self.assertEqual(note["type"], "document")
        self.assertEqual(note["action"], "publish")
        self.assertEqual(note["protocol"], "http")
        self.assertEqual(note["room"], report["channel"])
        self.assertEqual(note["result"]["_id"], "msg-1")
        self.assertEqual(note["result"]["_source"]["via"], "http")
        self.assertEqual(note["result"]["_source"]["_kuzzle_info"]["author"], "-1")
        self.assertEqual(note["volatile"]["sdkInstanceId"], report["hInstance"])
        outcome = report["subscribeOverHttp"]
        self.assertFalse(outcome["ok"])
        self.assertIn("No URL found", outcome["error"]["message"])

    async def test_operators(self) -> None:
        """
        C{in}, C{range}, C{exists}, C{regexp}, C{geoDistance}, C{not} and C{bool} through real
        subscriptions: each matching publication is delivered, each other one is not.
        """
        report = await self.scenario("operators")
        expected = report["expected"]
        self.assertEqual(
            sorted(expected), ["bool", "exists", "geoDistance", "in", "not", "range", "regexp"]
        )
        self.assertEqual(report["received"], expected)


class ResubscriptionTests(E2ETestCase):
    async def test_resubscribes_after_the_server_drops_the_socket(self) -> None:
        """
        When the server closes a socket (idle, 1001), the SDK reconnects and resubscribes
        under the same roomId, and notifications reach it again.
        """
        server = await self.server(
            env={
                "kuzzle_server__protocols__websocket__idleTimeout": "2500",
                "kuzzle_server__protocols__websocket__heartbeat": "0",
            }
        )
        report = await self.node("sdk_resubscribe.js", server.port)
        names = [event["name"] for event in report["events"]]
        self.assertIn("reconnected", names)
        self.assertIn("ws status=1001", report["events"][names.index("networkError")]["message"])
        self.assertEqual(report["countAfter"], 1)
        self.assertEqual(report["received"][0]["after"], "reconnect")
