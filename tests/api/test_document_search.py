# -*- test-case-name: tests.api.test_document_search -*-
"""
document:search, document:scroll and document:count through an in-memory service
on a `task.Clock` (kuzzle-api.md §1.1 common arguments, §7.2; sdk-contract.md §7).
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_document_controller import (
    COLLECTION,
    INDEX,
    ApiMixin,
    created_info,
    query_string,
)

MAPPINGS = {
    "properties": {
        "n": {"type": "integer"},
        "name": {"type": "keyword"},
        "group": {"type": "keyword"},
        "nested": {"properties": {"x": {"type": "integer"}}},
    }
}


class SearchTestCase(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.populate()

    def populate(self, **config: Any) -> None:
        """Five documents d1..d5: n = 1..5, group "odd" or "even"."""
        self.start_service(**config)
        self.make_collection(mappings=MAPPINGS)
        for n in range(1, 6):
            group = "odd" if n % 2 else "even"
            body = {"n": n, "name": f"d{n}", "group": group, "nested": {"x": n * 10}}
            self.ok("document:create", _id=f"d{n}", body=body)

    def ids(self, result: dict[str, Any]) -> list[str]:
        return [hit["_id"] for hit in result["hits"]]


class SearchTests(SearchTestCase):
    def test_hits_shape(self) -> None:
        """A hit is {_id, _score, _source, index, collection}; total counts every match."""
        result = self.ok("document:search", body={"query": {"term": {"name": "d2"}}})
        self.assertEqual(
            result,
            {
                "hits": [
                    {
                        "_id": "d2",
                        "_score": 1,
                        "_source": {
                            "n": 2,
                            "name": "d2",
                            "group": "even",
                            "nested": {"x": 20},
                            "_kuzzle_info": created_info(),
                        },
                        "index": INDEX,
                        "collection": COLLECTION,
                    }
                ],
                "total": 1,
            },
        )

    def test_empty_body_matches_everything(self) -> None:
        """No body, or an empty query, matches every document (match_all)."""
        for fields in ({}, {"body": {}}, {"body": {"query": {}}}):
            result = self.ok("document:search", **fields)
            self.assertEqual(
                (self.ids(result), result["total"]), (["d1", "d2", "d3", "d4", "d5"], 5)
            )

    def test_from_and_size(self) -> None:
        """from/size page the hits; total stays the number of matches."""
        result = self.ok("document:search", body={}, **{"from": 1, "size": 2})
        self.assertEqual((self.ids(result), result["total"]), (["d2", "d3"], 5))
        none = self.ok("document:search", body={}, size=0)
        self.assertEqual((none["hits"], none["total"]), ([], 5))

    def test_sort(self) -> None:
        """sort orders the hits; hits sorted by a field have a null _score."""
        result = self.ok(
            "document:search", body={"sort": [{"group": "asc"}, {"n": {"order": "desc"}}]}
        )
        self.assertEqual(self.ids(result), ["d4", "d2", "d5", "d3", "d1"])
        self.assertEqual({hit["_score"] for hit in result["hits"]}, {None})

    def test_query(self) -> None:
        """Elasticsearch queries select the hits, and total counts them exactly."""
        result = self.ok(
            "document:search",
            body={
                "query": {
                    "bool": {
                        "filter": [{"range": {"n": {"gte": 2}}}],
                        "must_not": [{"term": {"group": "odd"}}],
                    }
                }
            },
        )
        self.assertEqual((self.ids(result), result["total"]), (["d2", "d4"], 2))
        nested = self.ok("document:search", body={"query": {"range": {"nested.x": {"gt": 30}}}})
        self.assertEqual(self.ids(nested), ["d4", "d5"])

    def test_source_filtering(self) -> None:
        """_source includes/excludes shape each hit's _source."""
        result = self.ok(
            "document:search",
            body={"query": {"ids": {"values": ["d1"]}}, "_source": ["name", "nested.*"]},
        )
        self.assertEqual(result["hits"][0]["_source"], {"name": "d1", "nested": {"x": 10}})
        excluded = self.ok(
            "document:search",
            body={
                "query": {"ids": {"values": ["d1"]}},
                "_source": {"excludes": ["_kuzzle_info", "nested"]},
            },
        )
        self.assertEqual(excluded["hits"][0]["_source"], {"n": 1, "name": "d1", "group": "odd"})

    def test_source_disabled(self) -> None:
        """With "_source": false, hits carry no _source at all."""
        result = self.ok("document:search", body={"_source": False}, size=1)
        self.assertEqual(
            result["hits"], [{"_id": "d1", "_score": 1, "index": INDEX, "collection": COLLECTION}]
        )

    def test_koncorde_queries(self) -> None:
        """lang: "koncorde" takes a Koncorde filter as the query."""
        result = self.ok(
            "document:search",
            body={"query": {"and": [{"equals": {"group": "odd"}}, {"range": {"n": {"gt": 1}}}]}},
            lang="koncorde",
        )
        self.assertEqual(self.ids(result), ["d3", "d5"])
        ids = self.ok(
            "document:search", body={"query": {"ids": {"values": ["d2"]}}}, lang="koncorde"
        )
        self.assertEqual(self.ids(ids), ["d2"])
        error = self.fail(
            "document:search", "api.assert.invalid_argument", 400, body={}, lang="sql"
        )
        self.assertEqual(error["props"][0], "lang")

    def test_koncorde_keyword_without_lang(self) -> None:
        """A Koncorde keyword in an Elasticsearch query is unknown_query_keyword."""
        error = self.fail(
            "document:search",
            "services.storage.unknown_query_keyword",
            400,
            body={"query": {"equals": {"name": "d1"}}},
        )
        self.assertEqual(error["props"], ["equals"])
        self.assertEqual(
            error["message"],
            'The keyword "equals" is not part of Elasticsearch Query DSL. '
            "Are you trying to use a Koncorde query?",
        )

    def test_unsupported_body_keys(self) -> None:
        """Body keys outside Kuzzle's list, and aggregations, are invalid_search_query."""
        for key in ("aggregations", "script_fields", "foo"):
            error = self.fail(
                "document:search",
                "services.storage.invalid_search_query",
                400,
                body={key: {}},
            )
            self.assertEqual(error["props"], [key])

    def test_search_after(self) -> None:
        """search_after pages over a sort: each page starts after the last sort values."""
        body: dict[str, Any] = {"sort": [{"n": "asc"}]}
        pages = []
        while True:
            result = self.ok("document:search", body=body, size=2)
            if not result["hits"]:
                break
            pages.append(self.ids(result))
            self.assertEqual(result["total"], 5)
            body = {**body, "search_after": [result["hits"][-1]["_source"]["n"]]}
        self.assertEqual(pages, [["d1", "d2"], ["d3", "d4"], ["d5"]])

    def test_fetch_limit(self) -> None:
        """size - from above limits.documentsFetchCount is a 413 get_limit_exceeded."""
        self.populate(limits={"documentsFetchCount": 3})
        error = self.fail(
            "document:search", "services.storage.get_limit_exceeded", 413, body={}, size=4
        )
        self.assertEqual(error["code"], 16842755)
        result = self.ok("document:search", body={}, size=5, **{"from": 2})
        self.assertEqual(self.ids(result), ["d3", "d4", "d5"])

    def test_unknown_collection(self) -> None:
        """search on a missing collection is a 412."""
        self.fail("document:search", "services.storage.unknown_collection", 412, collection="nope")

    def test_over_http(self) -> None:
        """POST _search takes a body and query arguments; GET _search a searchBody argument."""
        posted = self.http("POST", "/shop/orders/_search?size=2&from=1", {"sort": ["n"]})
        self.assertEqual(self.ids(posted["result"]), ["d2", "d3"])
        search_body = query_string({"query": {"term": {"group": "even"}}})
        got = self.http("GET", f"/shop/orders/_search?searchBody={search_body}")
        self.assertEqual(self.ids(got["result"]), ["d2", "d4"])
        bad = self.http("GET", "/shop/orders/_search?searchBody=%7Bnope")
        self.assertEqual((bad["status"], bad["error"]["id"]), (400, "api.assert.invalid_argument"))


class ScrollTests(SearchTestCase):
    def test_scroll_pages_until_exhausted(self) -> None:
        """A scroll returns each document once, page by page; the id then expires."""
        first = self.ok("document:search", body={"sort": ["n"]}, size=2, scroll="10s")
        self.assertEqual(
            (self.ids(first), first["total"], first["remaining"]), (["d1", "d2"], 5, 3)
        )
        scroll_id = first["scrollId"]
        self.assertIsInstance(scroll_id, str)
        second = self.ok("document:scroll", scrollId=scroll_id)
        self.assertEqual(
            second,
            {
                "hits": second["hits"],
                "total": 5,
                "scrollId": scroll_id,
                "remaining": 1,
            },
        )
        self.assertEqual(self.ids(second), ["d3", "d4"])
        self.assertEqual(second["hits"][0]["index"], INDEX)
        last = self.ok("document:scroll", scrollId=scroll_id, scroll="10s")
        self.assertEqual((self.ids(last), last["remaining"]), (["d5"], 0))
        self.fail("document:scroll", "services.storage.unknown_scroll_id", 404, scrollId=scroll_id)

    def test_scroll_after_a_complete_first_page(self) -> None:
        """When the search got everything, one scroll gives an empty page, then the id is gone."""
        first = self.ok("document:search", body={}, scroll="10s")
        self.assertEqual((len(first["hits"]), first["remaining"]), (5, 0))
        empty = self.ok("document:scroll", scrollId=first["scrollId"])
        self.assertEqual((empty["hits"], empty["remaining"], empty["total"]), ([], 0, 5))
        self.fail(
            "document:scroll",
            "services.storage.unknown_scroll_id",
            404,
            scrollId=first["scrollId"],
        )

    def test_no_scroll_no_scroll_id(self) -> None:
        """Without scroll, a search has no scrollId nor remaining."""
        result = self.ok("document:search", body={}, size=1)
        self.assertNotIn("scrollId", result)
        self.assertNotIn("remaining", result)

    def test_scroll_expires_on_the_clock(self) -> None:
        """A scroll id lives its TTL after each page; past it, unknown_scroll_id."""
        scroll_id = self.ok("document:search", body={}, size=1, scroll="10s")["scrollId"]
        self.clock.advance(8)
        self.ok("document:scroll", scrollId=scroll_id)
        self.clock.advance(8)
        self.ok("document:scroll", scrollId=scroll_id)
        self.clock.advance(10)
        error = self.fail(
            "document:scroll", "services.storage.unknown_scroll_id", 404, scrollId=scroll_id
        )
        self.assertEqual(error["message"], "Non-existing or expired scroll identifier.")

    def test_scroll_renewed_with_a_new_ttl(self) -> None:
        """document:scroll with scroll sets the id's new time to live."""
        scroll_id = self.ok("document:search", body={}, size=1, scroll="5s")["scrollId"]
        self.ok("document:scroll", scrollId=scroll_id, scroll="30s")
        self.clock.advance(20)
        self.assertEqual(len(self.ok("document:scroll", scrollId=scroll_id)["hits"]), 1)

    def test_scroll_duration_too_great(self) -> None:
        """A scroll above services.storageEngine.maxScrollDuration is refused."""
        error = self.fail(
            "document:search",
            "services.storage.scroll_duration_too_great",
            400,
            body={},
            scroll="2m",
        )
        self.assertEqual(error["props"], ["2m"])
        scroll_id = self.ok("document:search", body={}, size=1, scroll="1m")["scrollId"]
        self.fail(
            "document:scroll",
            "services.storage.scroll_duration_too_great",
            400,
            scrollId=scroll_id,
            scroll="61s",
        )
        self.populate(services={"storageEngine": {"maxScrollDuration": "10s"}})
        self.fail(
            "document:search",
            "services.storage.scroll_duration_too_great",
            400,
            body={},
            scroll="30s",
        )
        self.ok("document:search", body={}, scroll="10s")

    def test_scroll_errors(self) -> None:
        """scroll needs a known scrollId; a malformed duration is refused."""
        self.fail("document:scroll", "services.storage.unknown_scroll_id", 404, scrollId="nope")
        self.fail("document:scroll", "api.assert.missing_argument", 400)
        self.fail("document:search", "api.assert.invalid_argument", 400, body={}, scroll="soon")
        error = self.fail("document:search", "api.assert.invalid_type", 400, body={}, scroll=1000)
        self.assertEqual(error["props"], ["scroll", "string"])

    def test_scroll_over_http(self) -> None:
        """GET /_scroll/:scrollId reaches document:scroll."""
        first = self.http("POST", "/shop/orders/_search?size=3&scroll=10s", {})["result"]
        page = self.http("GET", f"/_scroll/{first['scrollId']}?scroll=10s")["result"]
        self.assertEqual((self.ids(page), page["remaining"]), (["d4", "d5"], 0))


class CountTests(SearchTestCase):
    def test_count(self) -> None:
        """count answers {count} for a query, every document without one."""
        self.assertEqual(self.ok("document:count"), {"count": 5})
        self.assertEqual(
            self.ok("document:count", body={"query": {"range": {"n": {"gt": 3}}}}), {"count": 2}
        )
        self.assertEqual(
            self.ok(
                "document:count", body={"query": {"equals": {"group": "odd"}}}, lang="koncorde"
            ),
            {"count": 3},
        )
        self.fail(
            "document:count",
            "services.storage.unknown_query_keyword",
            400,
            body={"query": {"equals": {"group": "odd"}}},
        )
        posted = self.http("POST", "/shop/orders/_count", {"query": {"term": {"group": "even"}}})
        self.assertEqual(posted["result"], {"count": 2})
