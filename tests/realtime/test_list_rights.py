"""realtime:list shows only the collections the caller could subscribe to."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import ensureDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.testing import MemoryWebSocketClient, memory_config, memory_service


class ListRightsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = memory_service(memory_config(), self.clock)
        self.service.startService()
        self.client = MemoryWebSocketClient(self.service.websocket_factory)
        self.ids = 0

    def call(self, action: str, **fields: Any) -> dict[str, Any]:
        self.ids += 1
        request_id = f"r{self.ids}"
        self.client.send_json(
            {"controller": "realtime", "action": action, "requestId": request_id, **fields}
        )
        [answer] = [m for m in self.client.messages() if m.get("room") == request_id]
        return answer

    def test_list_is_filtered_by_rights(self) -> None:
        """Rooms on an index the caller's policies do not cover are left out."""
        for index in ("a", "b"):
            answer = self.call("subscribe", index=index, collection="c", body={})
            self.assertIsNone(answer["error"])
        self.assertEqual(sorted(self.call("list")["result"]), ["a", "b"])
        security = self.service.security
        profile = {"policies": [{"roleId": "anonymous", "restrictedTo": [{"index": "a"}]}]}
        self.successResultOf(ensureDeferred(security.store.put_profile("anonymous", profile)))
        security.reload_definitions()
        listing = self.call("list")["result"]
        self.assertEqual(list(listing), ["a"])
        self.assertEqual(list(listing["a"]["c"].values()), [1])
