"""Users, tokens, roles and profiles: who may call what (kuzzle-api.md §8)."""
