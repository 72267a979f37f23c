"""What every scenario section shares: the frozen model base, frozen maps, and the names of
screening domains, need tiers and pathways."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

DOMAINS: tuple[str, ...] = ("anxiety", "depression", "ptsd", "alcohol", "functioning")
"""The five screening measures: GAD-7, PHQ-9, PCL-5 or ITQ, AUDIT, WSAS."""
NEED_TIERS: tuple[str, ...] = ("low", "moderate", "high")
PATHWAYS: tuple[str, ...] = (
    "hub_therapy", "brief_support", "external_referral", "signpost", "no_further_support",
)


class FrozenMap(dict):
    """A dict that cannot be changed after validation (scenarios are immutable)."""

    def _blocked(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a scenario cannot be changed; load it again with overrides")

    __setitem__ = __delitem__ = __ior__ = _blocked  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _blocked  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return (FrozenMap, (dict(self),))


def freeze(value: dict) -> FrozenMap:
    """``value`` as a :class:`FrozenMap` (a pydantic ``AfterValidator`` for dict fields)."""
    return FrozenMap(value)


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown fields refused, fields by name or alias."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
