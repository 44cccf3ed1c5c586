"""
WebSocket conformance: the Autobahn|Testsuite cases, run by ``kosoku``, against a
test-only echo endpoint served through kuzzle_tx's own Site.
"""
