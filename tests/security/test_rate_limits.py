"""Per-second rate limits (`kuzzle_tx.security.rate_limits`)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.security.rate_limits import PerSecondLimiter


class PerSecondLimiterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(100.2)
        self.limiter = PerSecondLimiter(self.clock)

    def test_limit_per_second(self) -> None:
        """Within one second, requests beyond the limit are refused; the next second resets."""
        self.assertEqual([self.limiter.allow("u", 2) for _ in range(3)], [True, True, False])
        self.clock.advance(0.9)
        self.assertTrue(self.limiter.allow("u", 2))

    def test_keys_are_independent(self) -> None:
        """Each key has its own count."""
        self.assertTrue(self.limiter.allow("a", 1))
        self.assertFalse(self.limiter.allow("a", 1))
        self.assertTrue(self.limiter.allow("b", 1))

    def test_zero_is_unlimited(self) -> None:
        """A limit of 0 never refuses and counts nothing."""
        self.assertTrue(all(self.limiter.allow("a", 0) for _ in range(1000)))

    def test_memory_is_per_second(self) -> None:
        """Counts of past seconds are dropped."""
        for key in range(100):
            self.limiter.allow(key, 5)
        self.clock.advance(1)
        self.limiter.allow("x", 5)
        self.assertEqual(len(self.limiter._counts), 1)
