from twisted.application.service import ServiceMaker

kuzzle = ServiceMaker(
    "kuzzle_tx", "kuzzle_tx.tap", "A Kuzzle-compatible realtime backend", "kuzzle"
)
