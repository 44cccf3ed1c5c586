# -*- test-case-name: tests.realtime.test_koncorde_validation -*-
"""
Koncorde's argument checks, with its messages: ``check_object``,
``check_array``, ``check_string``, ``check_integer``. Each checks
``container[prop]`` and raises `KoncordeError` at ``path``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import KoncordeError
from .values import MISSING, is_number


def add_path(current: str | None, leaf: str) -> str:
    """``current.leaf``, or ``leaf`` at the root."""
    return leaf if current is None else f"{current}.{leaf}"


def check_object(
    container: dict[str, Any],
    prop: str,
    keyword: str,
    path: str,
    *,
    properties: int | None = None,
    non_empty: bool = False,
    required: Sequence[str] = (),
    allowed: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``container[prop]`` must be an object, with these constraints."""
    value = container.get(prop, MISSING)
    if type(value) is not dict:
        raise KoncordeError("must be an object", keyword, path)
    if non_empty and not value:
        raise KoncordeError("must be a non-empty object", keyword, path)
    if properties is not None and len(value) != properties:
        noun = "properties" if properties > 1 else "property"
        raise KoncordeError(
            f"expected object to have exactly {properties} {noun}, got {len(value)}",
            keyword,
            path,
        )
    for name in required:
        if name not in value:
            raise KoncordeError(f'the property "{name}" is missing', keyword, path)
    if allowed is not None:
        for name in value:
            if name not in allowed:
                raise KoncordeError(
                    f'"{name}" is not an allowed attribute (allowed: {",".join(allowed)})',
                    keyword,
                    path,
                )
    return value


def check_string(container: dict[str, Any], prop: str, keyword: str, path: str) -> str:
    """``container[prop]`` must be a non-empty string."""
    value = container.get(prop, MISSING)
    if not isinstance(value, str):
        raise KoncordeError("must be a string", keyword, path)
    if not value:
        raise KoncordeError("cannot be empty", keyword, path)
    return value


def check_integer(container: dict[str, Any], prop: str, keyword: str, path: str) -> int:
    """``container[prop]`` must be a number without decimals."""
    value = container.get(prop, MISSING)
    if not is_number(value):
        raise KoncordeError("must be an integer", keyword, path)
    if isinstance(value, float) and not value.is_integer():
        raise KoncordeError("cannot have decimals, must be an integer", keyword, path)
    return int(value)


def check_array(
    container: dict[str, Any],
    prop: str,
    keyword: str,
    path: str,
    *,
    non_empty: bool = False,
    of: str | None = None,
) -> list[Any]:
    """``container[prop]`` must be an array (non-empty, of strings, if asked)."""
    value = container.get(prop, MISSING)
    if not isinstance(value, list):
        raise KoncordeError("must be an array", keyword, path)
    if non_empty and not value:
        raise KoncordeError("cannot be empty", keyword, path)
    if of == "string" and not all(isinstance(item, str) for item in value):
        raise KoncordeError(f'must hold only values of type "{of}"', keyword, path)
    return value
