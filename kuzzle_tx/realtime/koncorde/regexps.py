# -*- test-case-name: tests.realtime.test_koncorde_operators -*-
"""
Regular expressions of the ``regexp`` keyword, compiled by RE2 (Kuzzle's
default: linear time, no look-around nor backreferences) or by Python's `re`.

JavaScript flags are mapped: ``i`` (ignore case), ``m`` (``^``/``$`` at line
boundaries), ``s`` (``.`` matches newlines), ``y`` (sticky: the match must start
at the beginning); ``g``, ``u``, ``d`` and ``v`` change nothing to a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable

try:
    import re2 as _re2
except ImportError:  # pragma: no cover - google-re2 is a dependency
    _re2 = None

ENGINES = ("re2", "python")
HAVE_RE2 = _re2 is not None

_JS_FLAGS = frozenset("dgimsuvy")

Tester = Callable[[str], bool]


def compile_regexp(pattern: str, flags: str | None, engine: str) -> Tester:
    """
    A function telling whether a string matches ``pattern`` (searched, not
    anchored). Raise ValueError with the engine's message if the pattern or
    the flags are invalid.
    """
    flags = flags or ""
    if set(flags) - _JS_FLAGS or len(set(flags)) != len(flags):
        raise ValueError(f"Invalid flags supplied to RegExp constructor '{flags}'")
    sticky = "y" in flags
    if engine == "re2":
        return _compile_re2(pattern, flags, sticky)
    return _compile_python(pattern, flags, sticky)


def _compile_re2(pattern: str, flags: str, sticky: bool) -> Tester:
    if _re2 is None:  # pragma: no cover - google-re2 is a dependency
        raise RuntimeError("the re2 engine needs the google-re2 package")
    options = _re2.Options()
    options.log_errors = False
    inline = "".join(flag for flag in "ims" if flag in flags)
    source = f"(?{inline}){pattern}" if inline else pattern
    try:
        compiled = _re2.compile(source, options=options)
    except _re2.error as error:
        message = error.args[0] if error.args else str(error)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise ValueError(str(message)) from None
    method = compiled.match if sticky else compiled.search
    return lambda text: method(text) is not None


def _compile_python(pattern: str, flags: str, sticky: bool) -> Tester:
    options = 0
    if "i" in flags:
        options |= re.IGNORECASE
    if "m" in flags:
        options |= re.MULTILINE
    if "s" in flags:
        options |= re.DOTALL
    try:
        compiled = re.compile(pattern, options)
    except re.error as error:
        raise ValueError(str(error)) from None
    method = compiled.match if sticky else compiled.search
    return lambda text: method(text) is not None
