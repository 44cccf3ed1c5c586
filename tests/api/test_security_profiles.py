# -*- test-case-name: tests.api.test_security_profiles -*-
"""
The ``security`` profile actions (kuzzle-api.md §8.4): create, createOrReplace,
get, update, delete, mGet, search, scroll, mDelete and getProfileRights;
policies on existing roles only, the protected profiles, ``restrictedTo``
applied to requests, and ``rateLimit``.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_security_support import SecurityApiMixin

READER = {"document": {"actions": {"get": True, "search": True, "create": True}}}


class ProfileWriteTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_role("reader", READER)

    def test_create_or_replace(self) -> None:
        """The SDK reads _source.policies and _source.rateLimit (0 when not given)."""
        policies = [{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}]
        result = self.as_admin(
            "security:createOrReplaceProfile", _id="readers", body={"policies": policies}
        )
        self.assertEqual(
            result, {"_id": "readers", "_source": {"policies": policies, "rateLimit": 0}}
        )
        self.assertEqual(self.as_admin("security:getProfile", _id="readers"), result)
        limited = self.make_profile("readers", {"roleId": "reader"}, rateLimit=5, tags=["t"])
        self.assertEqual(
            limited["_source"],
            {"policies": [{"roleId": "reader"}], "rateLimit": 5, "tags": ["t"]},
        )

    def test_empty_policies_mean_default(self) -> None:
        """As Kuzzle, a profile with an empty policies array gets the default role."""
        result = self.as_admin("security:createProfile", _id="p", body={"policies": []})
        self.assertEqual(result["_source"]["policies"], [{"roleId": "default"}])

    def test_create(self) -> None:
        """createProfile on an existing id: 400 services.storage.document_already_exists."""
        self.as_admin(
            "security:createProfile", _id="readers", body={"policies": [{"roleId": "reader"}]}
        )
        self.admin_fails(
            "security:createProfile",
            "services.storage.document_already_exists",
            400,
            _id="readers",
            body={"policies": [{"roleId": "admin"}]},
        )

    def test_invalid_definitions(self) -> None:
        """Kuzzle's checks, with their ids; nothing is stored."""
        cases = [
            (None, "api.assert.body_required", 400),
            ({}, "api.assert.missing_argument", 400),
            ({"policies": {"roleId": "reader"}}, "api.assert.invalid_type", 400),
            ({"policies": [{"roleId": "nope"}]}, "security.role.not_found", 404),
            ({"policies": [{}]}, "api.assert.missing_argument", 400),
            ({"policies": [{"roleId": "reader", "x": 1}]}, "api.assert.unexpected_argument", 400),
            (
                {"policies": [{"roleId": "reader", "restrictedTo": [{"collections": ["c"]}]}]},
                "api.assert.missing_argument",
                400,
            ),
            (
                {"policies": [{"roleId": "reader"}], "rateLimit": -1},
                "api.assert.invalid_argument",
                400,
            ),
            (
                {"policies": [{"roleId": "reader"}], "rateLimit": 1.5},
                "api.assert.invalid_type",
                400,
            ),
        ]
        for body, error_id, status in cases:
            self.admin_fails("security:createProfile", error_id, status, _id="bad", body=body)
        self.admin_fails("security:getProfile", "security.profile.not_found", 404, _id="bad")

    def test_anonymous_profile_keeps_its_role(self) -> None:
        """The anonymous profile must keep the anonymous role (400 missing_anonymous_role)."""
        self.admin_fails(
            "security:createOrReplaceProfile",
            "security.profile.missing_anonymous_role",
            400,
            _id="anonymous",
            body={"policies": [{"roleId": "reader"}]},
        )
        self.make_profile("anonymous", {"roleId": "anonymous"}, {"roleId": "reader"})

    def test_strict(self) -> None:
        """strict: restrictions may only name existing indexes (412) and collections (412)."""
        body = {"policies": [{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}]}
        self.admin_fails(
            "security:createProfile",
            "services.storage.unknown_index",
            412,
            _id="p",
            body=body,
            strict=True,
        )
        self.as_admin("index:create", index="shop")
        self.as_admin("security:createProfile", _id="p", body=body, strict=True)
        body["policies"][0]["restrictedTo"] = [{"index": "shop", "collections": ["nope"]}]
        self.admin_fails(
            "security:createOrReplaceProfile",
            "services.storage.unknown_collection",
            412,
            _id="p",
            body=body,
            strict=True,
        )
        self.as_admin("security:createOrReplaceProfile", _id="p", body=body)

    def test_update_merges(self) -> None:
        """updateProfile merges top-level keys: rateLimit stays when only policies change."""
        self.make_profile("p", {"roleId": "reader"}, rateLimit=3)
        result = self.as_admin(
            "security:updateProfile", _id="p", body={"policies": [{"roleId": "admin"}]}
        )
        self.assertEqual(result["_source"], {"policies": [{"roleId": "admin"}], "rateLimit": 3})
        self.admin_fails(
            "security:updateProfile",
            "security.profile.not_found",
            404,
            _id="nope",
            body={"rateLimit": 1},
        )
        self.admin_fails(
            "security:updateProfile",
            "security.role.not_found",
            404,
            _id="p",
            body={"policies": [{"roleId": "nope"}]},
        )

    def test_delete(self) -> None:
        """deleteProfile answers {_id}; protected: 400; unknown: 404; assigned: 412."""
        self.make_profile("p", {"roleId": "reader"})
        self.make_profile("q", {"roleId": "reader"})
        self.make_user("ann", "p")
        for profile_id in ("admin", "default", "anonymous"):
            self.admin_fails(
                "security:deleteProfile", "security.profile.cannot_delete", 400, _id=profile_id
            )
        self.admin_fails("security:deleteProfile", "security.profile.in_use", 412, _id="p")
        self.assertEqual(self.as_admin("security:deleteProfile", _id="q"), {"_id": "q"})
        self.admin_fails("security:deleteProfile", "security.profile.not_found", 404, _id="q")

    def test_delete_removing_from_users(self) -> None:
        """onAssignedUsers=remove takes the profile off its users (anonymous if none left)."""
        self.make_profile("p", {"roleId": "reader"})
        self.make_user("ann", "p")
        self.make_user("bob", "p", "default")
        self.as_admin("security:deleteProfile", _id="p", onAssignedUsers="remove")
        self.assertEqual(
            self.as_admin("security:getUser", _id="ann")["_source"]["profileIds"], ["anonymous"]
        )
        self.assertEqual(
            self.as_admin("security:getUser", _id="bob")["_source"]["profileIds"], ["default"]
        )

    def test_mdelete(self) -> None:
        """mDeleteProfiles answers the ids deleted, or 206 with the failures."""
        self.make_profile("p", {"roleId": "reader"})
        self.make_profile("q", {"roleId": "reader"})
        self.assertEqual(self.as_admin("security:mDeleteProfiles", body={"ids": ["p"]}), ["p"])
        error = self.admin_fails(
            "security:mDeleteProfiles",
            "services.storage.incomplete_delete",
            206,
            body={"ids": ["q", "nope"]},
        )
        self.assertEqual([e["id"] for e in error["errors"]], ["security.profile.not_found"])

    def test_role_deletion_after_profile(self) -> None:
        """A role is free again once no profile uses it."""
        self.make_profile("p", {"roleId": "reader"})
        self.admin_fails("security:deleteRole", "security.role.in_use", 412, _id="reader")
        self.make_profile("p", {"roleId": "default"})
        self.as_admin("security:deleteRole", _id="reader")


class ProfileReadTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_role("reader", READER)
        self.make_profile("readers", {"roleId": "reader", "restrictedTo": [{"index": "shop"}]})
        self.make_profile("both", {"roleId": "reader"}, {"roleId": "default"})

    def test_get_and_mget(self) -> None:
        """getProfile 404 if unknown; mGetProfiles {hits}, 404 if one is unknown."""
        self.admin_fails("security:getProfile", "security.profile.not_found", 404, _id="x")
        result = self.as_admin("security:mGetProfiles", body={"ids": ["both", "admin"]})
        self.assertEqual([hit["_id"] for hit in result["hits"]], ["both", "admin"])
        self.admin_fails(
            "security:mGetProfiles", "security.profile.not_found", 404, body={"ids": ["x"]}
        )
        self.admin_fails(
            "security:mGetProfiles", "api.assert.invalid_type", 400, body={"ids": [1]}
        )

    def test_search_by_roles(self) -> None:
        """searchProfiles {roles}: profiles with a policy on one of them."""
        result = self.as_admin("security:searchProfiles", body={"roles": ["reader"]})
        self.assertEqual(sorted(hit["_id"] for hit in result["hits"]), ["both", "readers"])
        self.assertEqual(result["total"], 2)
        self.assertEqual(self.as_admin("security:searchProfiles", body={"roles": []})["total"], 5)
        self.admin_fails(
            "security:searchProfiles",
            "api.assert.mutually_exclusive",
            400,
            body={"roles": ["reader"], "query": {"match_all": {}}},
        )
        self.admin_fails(
            "security:searchProfiles", "api.assert.invalid_type", 400, body={"roles": "reader"}
        )

    def test_search_by_query_and_scroll(self) -> None:
        """searchProfiles {query}, from/size, scroll then scrollProfiles."""
        result = self.as_admin(
            "security:searchProfiles",
            body={"query": {"term": {"policies.roleId": "default"}}},
        )
        self.assertEqual(sorted(hit["_id"] for hit in result["hits"]), ["both", "default"])
        first = self.as_admin("security:searchProfiles", size=2, scroll="5s")
        rest = self.as_admin("security:scrollProfiles", scrollId=first["scrollId"])
        last = self.as_admin("security:scrollProfiles", scrollId=first["scrollId"])
        ids = [hit["_id"] for hit in first["hits"] + rest["hits"] + last["hits"]]
        self.assertEqual(sorted(ids), ["admin", "anonymous", "both", "default", "readers"])
        self.admin_fails(
            "security:scrollUsers",
            "services.storage.unknown_scroll_id",
            404,
            scrollId=first["scrollId"],
        )

    def test_profile_rights(self) -> None:
        """getProfileRights: the rights of its policies, restrictions included."""
        result = self.as_admin("security:getProfileRights", _id="readers")
        self.assertEqual(result["total"], 3)
        self.assertEqual(
            {(h["action"], h["index"], h["collection"], h["value"]) for h in result["hits"]},
            {
                ("get", "shop", "*", "allowed"),
                ("search", "shop", "*", "allowed"),
                ("create", "shop", "*", "allowed"),
            },
        )
        self.admin_fails("security:getProfileRights", "security.profile.not_found", 404, _id="x")


class RestrictedToTests(SecurityApiMixin, SynchronousTestCase):
    """A policy's restrictedTo limits its role to some indexes and collections."""

    def setUp(self) -> None:
        self.start_security()
        self.as_admin("security:restrictDefaultRights")
        for index in ("a", "b"):
            self.as_admin("index:create", index=index)
            for collection in ("c1", "c2"):
                self.as_admin("collection:create", index=index, collection=collection)
        self.make_role("writer", {"document": {"actions": {"create": True}}})

    def test_index_restriction(self) -> None:
        """Allowed on index a, 403 security.rights.forbidden on index b."""
        self.make_profile("on-a", {"roleId": "writer", "restrictedTo": [{"index": "a"}]})
        self.make_user("ann", "on-a")
        jwt = self.token("ann")
        self.ok("document:create", jwt=jwt, index="a", collection="c1", body={})
        self.ok("document:create", jwt=jwt, index="a", collection="c2", body={})
        self.fail(
            "document:create",
            "security.rights.forbidden",
            403,
            jwt=jwt,
            index="b",
            collection="c1",
            body={},
        )

    def test_collection_restriction(self) -> None:
        """restrictedTo with collections: only those collections of the index."""
        self.make_profile(
            "on-a-c1",
            {"roleId": "writer", "restrictedTo": [{"index": "a", "collections": ["c1"]}]},
        )
        self.make_user("ann", "on-a-c1")
        jwt = self.token("ann")
        self.ok("document:create", jwt=jwt, index="a", collection="c1", body={})
        self.fail(
            "document:create",
            "security.rights.forbidden",
            403,
            jwt=jwt,
            index="a",
            collection="c2",
            body={},
        )

    def test_profile_change_applies_at_once(self) -> None:
        """Widening a profile's restrictions widens its users' rights immediately."""
        self.make_profile("p", {"roleId": "writer", "restrictedTo": [{"index": "a"}]})
        self.make_user("ann", "p")
        jwt = self.token("ann")
        self.fail(
            "document:create",
            "security.rights.forbidden",
            403,
            jwt=jwt,
            index="b",
            collection="c1",
            body={},
        )
        self.as_admin(
            "security:updateProfile",
            _id="p",
            body={"policies": [{"roleId": "writer", "restrictedTo": [{"index": "b"}]}]},
        )
        self.ok("document:create", jwt=jwt, index="b", collection="c1", body={})

    def test_rate_limit(self) -> None:
        """A profile's rateLimit caps its users' requests per second (429)."""
        self.make_role("clock", {"server": {"actions": {"now": True}}})
        self.make_profile("slow", {"roleId": "clock"}, rateLimit=2)
        self.make_user("ann", "slow")
        jwt = self.token("ann")
        self.clock.advance(1)
        self.ok("server:now", jwt=jwt)
        self.ok("server:now", jwt=jwt)
        self.fail("server:now", "api.process.too_many_requests", 429, jwt=jwt)
        self.clock.advance(1)
        self.ok("server:now", jwt=jwt)
