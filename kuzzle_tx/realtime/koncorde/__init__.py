"""
Koncorde, Kuzzle's realtime filter engine, in Python (kuzzle-api.md §6).

Modules, one job each: `values` (JSON as JavaScript sees it), `validators`,
`standardize` and `standardize_geo` (checks and sugar), `conditions` (the
leaves), `dnf` (canonical form), `ranges` and `index` (storage and matching),
`geo` and `regexps` (helpers), `koncorde` (the API).
"""

from .errors import KoncordeError
from .koncorde import Koncorde, NormalizedFilter

__all__ = ["Koncorde", "KoncordeError", "NormalizedFilter"]
