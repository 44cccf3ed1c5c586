"""Secrets in query strings never reach the access log."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.network.access_log import redacted_uri


class RedactionTests(SynchronousTestCase):
    def test_secret_arguments_are_masked(self) -> None:
        """password, jwt and token values are replaced; other arguments are kept."""
        self.assertEqual(
            redacted_uri(b"/_login/local?username=bob&password=s3cret&expiresIn=1h"),
            b"/_login/local?username=bob&password=***&expiresIn=1h",
        )
        self.assertEqual(redacted_uri(b"/_now?JWT=abc.def"), b"/_now?JWT=***")
        self.assertEqual(redacted_uri(b"/_checkToken?token=x#f"), b"/_checkToken?token=***#f")

    def test_other_uris_untouched(self) -> None:
        """URIs without secret arguments come back as they are."""
        for uri in (b"/_now", b"/x?passwordless=1", b"/a/password=b"):
            self.assertEqual(redacted_uri(uri), uri)
