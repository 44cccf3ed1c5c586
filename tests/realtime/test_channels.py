# -*- test-case-name: tests.realtime.test_channels -*-
"""Channel names, option validation and delivery predicates (kuzzle-api.md §5.1)."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.channels import (
    channel_name,
    check_scope,
    check_users,
    wants_document,
    wants_user,
)

OPTIONS = ("all", "in", "out", "none")


class ChannelNameTests(SynchronousTestCase):
    def test_defaults(self) -> None:
        """With no options (scope all, users none) the channel is ``<roomId>-311``."""
        self.assertEqual(channel_name("r"), "r-311")
        self.assertEqual(channel_name("r", None, None), "r-311")
        self.assertEqual(channel_name("r", "all", "none"), "r-311")

    def test_every_combination(self) -> None:
        """The code is users digit, propagate digit 1, then scope digit (none: no digit)."""
        users_digit = {"all": "1", "in": "2", "out": "3", "none": "3"}
        scope_digit = {"all": "1", "in": "2", "out": "3", "none": ""}
        for scope in OPTIONS:
            for users in OPTIONS:
                expected = f"room-{users_digit[users]}1{scope_digit[scope]}"
                self.assertEqual(channel_name("room", scope, users), expected, (scope, users))

    def test_explicit_table(self) -> None:
        """A few spelled-out codes, as a client would see them."""
        self.assertEqual(channel_name("x", "in", "all"), "x-112")
        self.assertEqual(channel_name("x", "out", "in"), "x-213")
        self.assertEqual(channel_name("x", "none", "all"), "x-11")
        self.assertEqual(channel_name("x", "none", "none"), "x-31")

    def test_invalid_options(self) -> None:
        """An unknown scope or users value is a 400 error naming the value."""
        error = self.assertRaises(KuzzleError, channel_name, "r", "sideways", None)
        self.assertEqual(
            (error.id, error.status, error.props),
            ("core.realtime.invalid_scope", 400, ["sideways"]),
        )
        error = self.assertRaises(KuzzleError, channel_name, "r", None, "everyone")
        self.assertEqual(
            (error.id, error.status, error.props),
            ("core.realtime.invalid_users", 400, ["everyone"]),
        )


class CheckTests(SynchronousTestCase):
    def test_valid_values_pass_through(self) -> None:
        """all, in, out and none are accepted as they are."""
        for value in OPTIONS:
            self.assertEqual(check_scope(value), value)
            self.assertEqual(check_users(value), value)

    def test_none_means_default(self) -> None:
        """A missing option takes its default: scope all, users none."""
        self.assertEqual(check_scope(None), "all")
        self.assertEqual(check_users(None), "none")

    def test_rejects_other_values(self) -> None:
        """Other strings, other case, and non-strings are rejected with the right id."""
        for value in ("", "ALL", "both", 1, True, ["all"]):
            error = self.assertRaises(KuzzleError, check_scope, value)
            self.assertEqual(error.id, "core.realtime.invalid_scope")
            error = self.assertRaises(KuzzleError, check_users, value)
            self.assertEqual(error.id, "core.realtime.invalid_users")


class PredicateTests(SynchronousTestCase):
    def test_wants_document(self) -> None:
        """scope all gets in and out, in/out get their own, none gets nothing."""
        self.assertTrue(wants_document("all", "in"))
        self.assertTrue(wants_document("all", "out"))
        self.assertTrue(wants_document("in", "in"))
        self.assertFalse(wants_document("in", "out"))
        self.assertTrue(wants_document("out", "out"))
        self.assertFalse(wants_document("out", "in"))
        self.assertFalse(wants_document("none", "in"))
        self.assertFalse(wants_document("none", "out"))

    def test_wants_user(self) -> None:
        """users all gets in and out, in/out get their own, none gets nothing."""
        self.assertTrue(wants_user("all", "in"))
        self.assertTrue(wants_user("all", "out"))
        self.assertTrue(wants_user("in", "in"))
        self.assertFalse(wants_user("in", "out"))
        self.assertTrue(wants_user("out", "out"))
        self.assertFalse(wants_user("out", "in"))
        self.assertFalse(wants_user("none", "in"))
        self.assertFalse(wants_user("none", "out"))
