"""Roles, policies and rights decisions (`kuzzle_tx.security.rights`)."""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.security.rights import (
    Policy,
    Profile,
    RightsCache,
    Role,
    is_allowed,
    optimize_restrictions,
    rights_listing,
    user_rate_limit,
)


def role(role_id: str, controllers: dict[str, dict[str, Any]]) -> Role:
    """A role from ``{controller: {action: value}}`` (Kuzzle's shape minus ``actions``)."""
    return Role.from_kuzzle(role_id, {c: {"actions": a} for c, a in controllers.items()})


def policy(role_id: str, *restrictions: dict[str, Any]) -> Policy:
    return Policy.from_kuzzle({"roleId": role_id, "restrictedTo": list(restrictions)})


ALL = role("all", {"*": {"*": True}})


class RoleTests(SynchronousTestCase):
    def test_wildcards_allow_everything(self) -> None:
        """A ``*:*`` role allows any action of any controller."""
        self.assertTrue(ALL.allows("document", "create"))
        self.assertTrue(ALL.allows("anything", "at_all"))

    def test_exact_controller_hides_wildcard_controller(self) -> None:
        """
        Once the exact controller key is found, the ``"*"`` controller is not consulted:
        an action that controller does not list is denied.
        """
        r = role("r", {"*": {"*": True}, "document": {"delete": False}})
        self.assertFalse(r.allows("document", "delete"))
        self.assertFalse(r.allows("document", "create"))
        self.assertTrue(r.allows("realtime", "subscribe"))

    def test_exact_action_beats_wildcard_action(self) -> None:
        """Within a controller, the exact action key wins over ``"*"``."""
        r = role("r", {"document": {"*": True, "delete": False}})
        self.assertFalse(r.allows("document", "delete"))
        self.assertTrue(r.allows("document", "create"))

    def test_unknown_controller_without_wildcard(self) -> None:
        """A controller the role does not name, with no ``"*"`` controller, is denied."""
        r = role("r", {"auth": {"login": True}})
        self.assertTrue(r.allows("auth", "login"))
        self.assertFalse(r.allows("auth", "logout"))
        self.assertFalse(r.allows("document", "get"))

    def test_only_true_allows(self) -> None:
        """A stored value that is not ``true`` denies, and still hides ``"*"``."""
        r = role("r", {"document": {"*": True, "get": "yes", "count": 1}})
        self.assertFalse(r.allows("document", "get"))
        self.assertFalse(r.allows("document", "count"))
        self.assertTrue(r.allows("document", "create"))

    def test_controller_without_actions(self) -> None:
        """A stored controller without ``actions`` allows nothing and hides ``"*"``."""
        r = Role.from_kuzzle("r", {"document": {}, "*": {"actions": {"*": True}}})
        self.assertFalse(r.allows("document", "get"))
        self.assertTrue(r.allows("auth", "login"))

    def test_memory_storage_aliases(self) -> None:
        """Rights on ``ms`` are rights on ``memoryStorage``, and the reverse."""
        short = role("r", {"ms": {"get": True}})
        long = role("r", {"memoryStorage": {"set": True}})
        for r, action in ((short, "get"), (long, "set")):
            self.assertTrue(r.allows("ms", action))
            self.assertTrue(r.allows("memoryStorage", action))
            self.assertFalse(r.allows("ms", "del"))
        self.assertFalse(short.allows("document", "get"))

    def test_memory_storage_prefers_ms(self) -> None:
        """With both keys, ``ms`` is the one read, for either name."""
        r = role("r", {"ms": {"get": False}, "memoryStorage": {"get": True}})
        self.assertFalse(r.allows("ms", "get"))
        self.assertFalse(r.allows("memoryStorage", "get"))

    def test_memory_storage_falls_back_to_wildcard(self) -> None:
        """Without either key, the memory storage controller falls back to ``"*"``."""
        r = role("r", {"*": {"get": True}})
        self.assertTrue(r.allows("memoryStorage", "get"))

    def test_to_kuzzle(self) -> None:
        """A role gives back Kuzzle's ``controllers`` object."""
        body = {"document": {"actions": {"get": True, "delete": False}}}
        self.assertEqual(Role.from_kuzzle("r", body).to_kuzzle(), body)


class PolicyTests(SynchronousTestCase):
    def test_unrestricted(self) -> None:
        """A policy without restrictions applies everywhere."""
        p = policy("r")
        self.assertTrue(p.applies_to("i", "c"))
        self.assertTrue(p.applies_to(None, None))

    def test_request_without_index(self) -> None:
        """Restrictions are ignored for a request that names no index."""
        p = policy("r", {"index": "i", "collections": ["c"]})
        self.assertTrue(p.applies_to(None, None))
        self.assertTrue(p.applies_to("", "c"))

    def test_index_without_collections(self) -> None:
        """A listed index without collections covers all its collections."""
        p = policy("r", {"index": "i"}, {"index": "j", "collections": []})
        self.assertTrue(p.applies_to("i", "anything"))
        self.assertTrue(p.applies_to("i", None))
        self.assertTrue(p.applies_to("j", "anything"))
        self.assertFalse(p.applies_to("k", "anything"))

    def test_listed_collections(self) -> None:
        """With collections listed, only those apply (and not a request without one)."""
        p = policy("r", {"index": "i", "collections": ["b", "a"]})
        self.assertTrue(p.applies_to("i", "a"))
        self.assertTrue(p.applies_to("i", "b"))
        self.assertFalse(p.applies_to("i", "c"))
        self.assertFalse(p.applies_to("i", None))
        self.assertFalse(p.applies_to("other", "a"))

    def test_restrictions_are_merged_per_index(self) -> None:
        """
        Restrictions on one index are merged as Kuzzle's optimizePolicy does: collections
        are united, sorted and deduplicated, and an entry without collections adds none.
        """
        self.assertEqual(
            optimize_restrictions(
                [
                    {"index": "i", "collections": ["y", "x"]},
                    {"index": "j"},
                    {"index": "i", "collections": ["x", "z"]},
                    {"index": "i"},
                ]
            ),
            (("i", ("x", "y", "z")), ("j", None)),
        )
        p = policy("r", {"index": "i", "collections": ["x"]}, {"index": "i"})
        self.assertFalse(p.applies_to("i", "y"))

    def test_empty_index_names_are_dropped(self) -> None:
        """A restriction on an empty index name is dropped: alone, it restricts nothing."""
        self.assertTrue(policy("r", {"index": ""}).applies_to("i", "c"))


class IsAllowedTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.roles = {
            "all": ALL,
            "reader": role("reader", {"document": {"get": True, "search": True}}),
            "no-delete": role("no-delete", {"document": {"*": True, "delete": False}}),
        }

    def test_whitelist_across_profiles(self) -> None:
        """One profile's allow is enough; another profile's deny does not override it."""
        denying = Profile("a", (policy("no-delete"),))
        allowing = Profile("b", (policy("all", {"index": "i"}),))
        self.assertFalse(is_allowed([denying], self.roles, "document", "delete", "i", "c"))
        self.assertTrue(
            is_allowed([denying, allowing], self.roles, "document", "delete", "i", "c")
        )
        self.assertFalse(
            is_allowed([denying, allowing], self.roles, "document", "delete", "j", "c")
        )

    def test_whitelist_across_policies(self) -> None:
        """Within a profile, any policy that both allows and applies is enough."""
        p = Profile(
            "p",
            (policy("reader", {"index": "i"}), policy("no-delete", {"index": "j"})),
        )
        self.assertTrue(is_allowed([p], self.roles, "document", "get", "i", "c"))
        self.assertTrue(is_allowed([p], self.roles, "document", "create", "j", "c"))
        self.assertFalse(is_allowed([p], self.roles, "document", "create", "i", "c"))
        self.assertFalse(is_allowed([p], self.roles, "document", "delete", "j", "c"))

    def test_missing_role(self) -> None:
        """A policy whose role does not exist allows nothing and denies nothing."""
        only_missing = Profile("p", (policy("ghost"),))
        self.assertFalse(is_allowed([only_missing], self.roles, "document", "get"))
        mixed = Profile("p", (policy("ghost"), policy("reader")))
        self.assertTrue(is_allowed([mixed], self.roles, "document", "get"))

    def test_no_profiles(self) -> None:
        """Without profiles, nothing is allowed."""
        self.assertFalse(is_allowed([], self.roles, "auth", "login"))

    def test_restriction_and_role_must_both_agree(self) -> None:
        """A policy that applies to the index but whose role denies does not allow."""
        p = Profile("p", (policy("reader", {"index": "i"}),))
        self.assertFalse(is_allowed([p], self.roles, "document", "create", "i", "c"))
        self.assertFalse(is_allowed([p], self.roles, "auth", "login"))


class RightsCacheTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.roles = {"all": ALL, "reader": role("reader", {"document": {"get": True}})}
        self.profiles = {
            "admin": Profile("admin", (policy("all"),)),
            "reader": Profile("reader", (policy("reader", {"index": "i"}),)),
        }
        self.cache = RightsCache(self.profiles, self.roles)

    def test_same_decisions_as_is_allowed(self) -> None:
        """The cache answers what is_allowed answers, for every combination."""
        for ids in (frozenset(), frozenset({"reader"}), frozenset({"admin", "reader"})):
            for args in (
                ("document", "get", "i", "c"),
                ("document", "get", "j", "c"),
                ("document", "create", "i", None),
                ("auth", "login", None, None),
            ):
                expected = is_allowed([self.profiles[p] for p in ids], self.roles, *args)
                self.assertEqual(self.cache.allowed(ids, *args), expected)
                self.assertEqual(self.cache.allowed(ids, *args), expected)

    def test_decisions_are_memoized_until_cleared(self) -> None:
        """A decision is kept until clear(), which the owner calls when definitions change."""
        ids = frozenset({"reader"})
        self.assertTrue(self.cache.allowed(ids, "document", "get", "i", "c"))
        self.roles["reader"] = role("reader", {"document": {"get": False}})
        self.assertTrue(self.cache.allowed(ids, "document", "get", "i", "c"))
        self.cache.clear()
        self.assertEqual(len(self.cache), 0)
        self.assertFalse(self.cache.allowed(ids, "document", "get", "i", "c"))

    def test_update_swaps_definitions(self) -> None:
        """update() reads new mappings and forgets every decision."""
        ids = frozenset({"admin"})
        self.assertTrue(self.cache.allowed(ids, "document", "delete"))
        self.cache.update({"admin": Profile("admin", (policy("reader"),))}, self.roles)
        self.assertFalse(self.cache.allowed(ids, "document", "delete"))
        self.assertTrue(self.cache.allowed(ids, "document", "get"))

    def test_unknown_profile(self) -> None:
        """A profile id with no definition grants nothing."""
        self.assertFalse(self.cache.allowed(frozenset({"ghost"}), "document", "get"))
        self.assertTrue(self.cache.allowed(frozenset({"ghost", "admin"}), "document", "get"))

    def test_bounded(self) -> None:
        """Past its size, the cache drops its oldest decisions first."""
        cache = RightsCache(self.profiles, self.roles, max_size=2)
        ids = frozenset({"reader"})
        cache.allowed(ids, "document", "get", "i", "a")
        cache.allowed(ids, "document", "get", "i", "b")
        self.roles["reader"] = role("reader", {"document": {"get": False}})
        cache.allowed(ids, "document", "get", "i", "c")
        self.assertEqual(len(cache), 2)
        # "a" was evicted and is recomputed; "b" is still the memoized decision.
        self.assertFalse(cache.allowed(ids, "document", "get", "i", "a"))
        self.assertEqual(len(cache), 2)
        self.assertFalse(cache.allowed(ids, "document", "get", "i", "c"))

    def test_size_must_be_positive(self) -> None:
        """A cache that could hold nothing is refused."""
        self.assertRaises(ValueError, RightsCache, {}, {}, 0)


class RightsListingTests(SynchronousTestCase):
    def test_unrestricted_wildcard_role(self) -> None:
        """A ``*:*`` role is listed as one item, wildcards included, on index ``"*"``."""
        profiles = [Profile("anonymous", (policy("all"),))]
        self.assertEqual(
            rights_listing(profiles, {"all": ALL}),
            [
                {
                    "action": "*",
                    "collection": "*",
                    "controller": "*",
                    "index": "*",
                    "value": "allowed",
                }
            ],
        )

    def test_items_per_restriction(self) -> None:
        """
        Each action of the role is listed once per restricted index and collection, with
        ``"*"`` for an index whose collections are not listed; denials are listed too.
        """
        roles = {"r": role("r", {"document": {"get": True, "delete": False}})}
        profiles = [
            Profile(
                "p",
                (policy("r", {"index": "i", "collections": ["b", "a"]}, {"index": "j"}),),
            )
        ]
        listing = rights_listing(profiles, roles)
        self.assertEqual(
            [
                (r["controller"], r["action"], r["index"], r["collection"], r["value"])
                for r in listing
            ],
            [
                ("document", "get", "i", "a", "allowed"),
                ("document", "get", "i", "b", "allowed"),
                ("document", "get", "j", "*", "allowed"),
                ("document", "delete", "i", "a", "denied"),
                ("document", "delete", "i", "b", "denied"),
                ("document", "delete", "j", "*", "denied"),
            ],
        )
        self.assertEqual(
            list(listing[0]), ["action", "collection", "controller", "index", "value"]
        )

    def test_merge_across_profiles(self) -> None:
        """
        Identical items are listed once; an action allowed by one profile and denied by
        another is listed twice, once with each value, as Kuzzle does.
        """
        roles = {
            "yes": role("yes", {"document": {"get": True}}),
            "no": role("no", {"document": {"get": False}}),
        }
        profiles = [
            Profile("a", (policy("yes"), policy("yes"))),
            Profile("b", (policy("no"), policy("yes"))),
        ]
        listing = rights_listing(profiles, roles, {"document": ["get"]})
        self.assertEqual([r["value"] for r in listing], ["allowed", "denied"])

    def test_missing_role_lists_nothing(self) -> None:
        """A policy whose role is missing contributes no item."""
        self.assertEqual(rights_listing([Profile("p", (policy("ghost"),))], {}), [])


class RateLimitTests(SynchronousTestCase):
    def test_highest_limit(self) -> None:
        """A user's limit is the highest of its profiles' limits."""
        self.assertEqual(user_rate_limit([Profile("a", (), 10), Profile("b", (), 200)]), 200)

    def test_zero_is_unlimited(self) -> None:
        """One unlimited profile (0) makes the user unlimited."""
        self.assertEqual(user_rate_limit([Profile("a", (), 10), Profile("b", (), 0)]), 0)
        self.assertEqual(user_rate_limit([Profile("a", (), 0), Profile("b", (), 10)]), 0)

    def test_no_profiles(self) -> None:
        """Without profiles there is no limit to apply."""
        self.assertEqual(user_rate_limit([]), 0)


class ProfileFromKuzzleTests(SynchronousTestCase):
    def test_stored_profile(self) -> None:
        """A stored profile body becomes a Profile with normalized restrictions."""
        profile = Profile.from_kuzzle(
            "p",
            {
                "rateLimit": 5,
                "policies": [{"roleId": "r", "restrictedTo": [{"index": "i"}]}],
                "tags": ["x"],
            },
        )
        self.assertEqual(profile, Profile("p", (Policy("r", (("i", None),)),), 5))
        self.assertEqual(profile.role_ids, ("r",))

    def test_defaults(self) -> None:
        """Without policies a profile has Kuzzle's ``default`` role; without a rateLimit, 0."""
        self.assertEqual(
            Profile.from_kuzzle("p", {"policies": []}),
            Profile("p", (Policy("default"),), 0),
        )
