"""kuzzle_tx: a Kuzzle-compatible realtime backend on Twisted and Autobahn."""

__version__ = "0.1.0"

__all__ = ["KuzzleService", "build_resource", "load_config", "__version__"]


def __getattr__(name: str):  # pragma: no cover - trivial lazy re-exports
    # Lazy, so that importing the package (e.g. by twistd's plugin discovery) stays cheap.
    if name in ("KuzzleService", "build_resource"):
        from kuzzle_tx import service

        return getattr(service, name)
    if name == "load_config":
        from kuzzle_tx.config import load_config

        return load_config
    raise AttributeError(name)
