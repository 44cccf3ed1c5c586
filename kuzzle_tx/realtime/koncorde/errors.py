# -*- test-case-name: tests.realtime.test_koncorde_validation -*-
"""
The one error Koncorde raises for a filter it refuses.

Its text is Koncorde 4's: ``"<filter path>": <reason>`` when the fault has a
place in the filter (``"range.age.gt": must be a number``), the bare reason
otherwise (``Filter too complex: ...``).
"""

from __future__ import annotations


class KoncordeError(ValueError):
    """
    A filter is malformed, or too complex to be stored.

    ``str(error)`` is the client-facing message; ``keyword`` and ``path`` say
    which keyword and which place in the filter were at fault, when known.
    """

    def __init__(self, reason: str, keyword: str | None = None, path: str | None = None):
        self.reason = reason
        self.keyword = keyword
        self.path = path
        super().__init__(f'"{path}": {reason}' if path else reason)
