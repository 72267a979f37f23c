"""Price-year conversion with the NHS Cost Inflation Index (pay and prices).

The index is given as yearly percentage changes, ``{year: % change from year - 1 to year}``
(``costs.nhs_cost_inflation_pct`` in a scenario). A cost at ``from_year`` prices is re-based to
``to_year`` prices by multiplying by the product of ``1 + change / 100`` over the years after
``from_year`` up to and including ``to_year`` (and dividing, for an earlier ``to_year``).
"""

from __future__ import annotations

from collections.abc import Mapping

PERCENT = 100.0


class PriceYearError(ValueError):
    """The index does not cover the years asked for (the message names the field)."""


def price_factor(change_pct: Mapping[int, float], from_year: int, to_year: int) -> float:
    """Multiplier taking a cost at ``from_year`` prices to ``to_year`` prices.

    Parameters
    ----------
    change_pct : year -> % change in NHS pay and prices from the previous year to that year
    from_year, to_year : price years

    Raises
    ------
    PriceYearError
        if a year between the two is missing from ``change_pct``.
    """
    low, high = sorted((int(from_year), int(to_year)))
    factor = 1.0
    for year in range(low + 1, high + 1):
        if year not in change_pct:
            have = f"{min(change_pct)}-{max(change_pct)}" if change_pct else "none"
            raise PriceYearError(
                f"costs.nhs_cost_inflation_pct.{year}: needed to convert {from_year} prices to "
                f"{to_year} prices (the index has years {have})"
            )
        factor *= 1.0 + change_pct[year] / PERCENT
    return factor if to_year >= from_year else 1.0 / factor
