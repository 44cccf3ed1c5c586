# -*- test-case-name: tests.test_durations -*-
"""Elasticsearch time units ("30s", "1m", "500ms"), as scroll durations are written."""

from __future__ import annotations

import re

_UNITS = {
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
    "micros": 1e-6,
    "nanos": 1e-9,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|m|s|ms|micros|nanos)\s*$")


def parse_duration(value: object) -> float:
    """Seconds in an Elasticsearch duration; a bare number is milliseconds. ValueError if bad."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"not a duration: {value!r}")
        return float(value) / 1000.0
    if not isinstance(value, str):
        raise ValueError(f"not a duration: {value!r}")
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]
