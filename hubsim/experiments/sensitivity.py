"""Which uncertain inputs matter most: partial rank correlation coefficients (PRCC).

The PRCC of input ``j`` with an output is the correlation between the ranks of ``j`` and of the
output once the (linear) effect of every other input's ranks is removed from both; it measures a
monotone influence of ``j`` holding the others fixed (Marino et al. 2008, J Theor Biol 254:178).
It is computed from the inverse ``P`` of the rank correlation matrix of inputs and output:
``PRCC_j = -P[j, y] / sqrt(P[j, j] * P[y, y])``. With no more draws than inputs + 2 the partial
correlations are not identified, and the plain Spearman rank correlation is reported instead
(column ``method`` says which). Inputs that do not vary are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

EXTRA_DRAWS = 2  # partial correlations need more draws than inputs + 1 (+1 for any residual df)


def prcc(inputs: pd.DataFrame, output: pd.Series) -> tuple[pd.Series, str]:
    """Partial rank correlation of each column of ``inputs`` with ``output``.

    Returns
    -------
    (coefficients indexed by input name, method: ``"prcc"`` or ``"spearman"``)
    """
    varying = inputs.loc[:, inputs.nunique() > 1]
    ranks = varying.rank().to_numpy(float)
    y = output.rank().to_numpy(float)
    if output.nunique() <= 1:
        return pd.Series(np.nan, index=varying.columns), "prcc"
    if len(y) <= varying.shape[1] + EXTRA_DRAWS:
        corr = [np.corrcoef(ranks[:, j], y)[0, 1] for j in range(ranks.shape[1])]
        return pd.Series(corr, index=varying.columns), "spearman"
    matrix = np.corrcoef(np.column_stack([ranks, y]), rowvar=False)
    precision = np.linalg.pinv(matrix)
    diag = np.diag(precision)
    coeff = -precision[:-1, -1] / np.sqrt(diag[:-1] * diag[-1])
    return pd.Series(np.clip(coeff, -1.0, 1.0), index=varying.columns), "prcc"


def rank_inputs(inputs: pd.DataFrame, outputs: Mapping[str, pd.Series]) -> pd.DataFrame:
    """PRCC of every input with each output; rows sorted by the first output's |PRCC|.

    Returns
    -------
    columns ``parameter``, ``prcc_<output>`` for each output, ``method``, ``rank`` (1 = the
    input that matters most for the first output).
    """
    columns, method = {}, "prcc"
    for name, series in outputs.items():
        columns[f"prcc_{name}"], method = prcc(inputs, series)
    table = pd.DataFrame(columns)
    table.index.name = "parameter"
    first = next(iter(columns))
    table = table.reindex(table[first].abs().sort_values(ascending=False).index)
    table["method"] = method
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index()
