"""Per-client columns as numpy arrays, each read from its source once.

The KPIs of a replication read the same few client columns many times over (the days of each
list, the pathway, the exit reason), in many modules. Reading a column of a DataFrame costs far
more than the arithmetic done with it for a Hub's thousand or so clients, so the KPI code reads
clients through a ``ClientColumns``: each column is turned into an array (or, for a column of
labels, into codes and labels) on first use and kept.

A ``ClientColumns`` wraps a clients frame, or the columns a frame is built from (a mapping of
name to array or ``pd.Categorical``, as ``ClientLog.columns`` gives them), so a replication's
KPIs need not read back the frame it has just built. A ``subset`` holds some of the rows, read
from its parent's arrays. Every function that reads clients accepts either a frame or a
``ClientColumns`` (a ``ClientTable``) and calls ``ClientColumns.of`` first.

The arrays are shared, not copied: callers must not write to them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from hubsim.model.records import label_codes, label_mask

Labels: TypeAlias = tuple[np.ndarray, tuple[str | None, ...]]
"""A column of labels as (codes, labels): row ``i`` holds ``labels[codes[i]]`` (see
``hubsim.model.records.label_codes``)."""


class ClientColumns:
    """Read-only view of per-client columns, each converted to an array on first use.

    Parameters
    ----------
    source : a clients frame, or the columns a frame is built from (name -> array, list or
        ``pd.Categorical``, all of one length)
    """

    __slots__ = ("_source", "_parent", "_rows", "_length", "_cache")

    def __init__(self, source: pd.DataFrame | Mapping[str, Any]) -> None:
        self._source: pd.DataFrame | Mapping[str, Any] | None = source
        self._parent: ClientColumns | None = None
        self._rows: np.ndarray | None = None
        if isinstance(source, pd.DataFrame):
            self._length = len(source)
        else:
            self._length = len(next(iter(source.values()))) if source else 0
        self._cache: dict[tuple[str, str], Any] = {}

    @classmethod
    def of(cls, clients: ClientTable) -> ClientColumns:
        """``clients`` itself if it is a ``ClientColumns``, else a new one over the frame."""
        return clients if isinstance(clients, ClientColumns) else cls(clients)

    def subset(self, keep: np.ndarray) -> ClientColumns:
        """The rows where the boolean array ``keep`` is True, in order."""
        child = ClientColumns.__new__(ClientColumns)
        child._source, child._parent, child._rows = None, self, keep
        child._length = int(np.count_nonzero(keep))
        child._cache = {}
        return child

    def with_column(self, name: str, values: np.ndarray) -> ClientColumns:
        """These columns and one more, ``name`` (an array, one entry per client); the columns
        already read are kept. Only for columns over a mapping (not a frame or a subset)."""
        if not isinstance(self._source, Mapping):
            raise TypeError("with_column: only columns over a mapping of arrays take a column")
        wider = ClientColumns({**self._source, name: values})
        wider._cache.update({key: v for key, v in self._cache.items() if key[1] != name})
        return wider

    def __len__(self) -> int:
        return self._length

    def __contains__(self, name: object) -> bool:
        if self._parent is not None:
            return name in self._parent
        assert self._source is not None
        return name in self._source

    def _column(self, kind: str, name: str, read: Callable[[Any], Any]) -> Any:
        """Column ``name`` as ``kind`` (``values``, ``floats`` or ``labels``), read once."""
        key = (kind, name)
        if key not in self._cache:
            if self._parent is not None:
                whole = self._parent._column(kind, name, read)
                value = ((whole[0][self._rows], whole[1]) if kind == "labels"
                         else whole[self._rows])
            else:
                assert self._source is not None
                value = read(self._source[name])
            self._cache[key] = value
        return self._cache[key]

    def values(self, name: str) -> np.ndarray:
        """Column ``name`` as a numpy array of its own dtype (``Series.to_numpy()``)."""
        return self._column("values", name, _values)

    def floats(self, name: str) -> np.ndarray:
        """Column ``name`` as a float array (``Series.to_numpy(float)``); NaN where missing."""
        return self._column("floats", name, _floats)

    def labels(self, name: str) -> Labels:
        """Column ``name`` of labels as (codes, labels): see ``label_codes``."""
        return self._column("labels", name, label_codes)

    def has_label(self, name: str, *labels: str) -> np.ndarray:
        """Boolean array: rows whose label in column ``name`` is one of ``labels``."""
        return label_mask(*self.labels(name), labels)


ClientTable: TypeAlias = pd.DataFrame | ClientColumns
"""Clients as a frame or as ``ClientColumns``: what the KPI functions read."""


def _values(column: Any) -> np.ndarray:
    return column.to_numpy() if isinstance(column, pd.Series) else np.asarray(column)


def _floats(column: Any) -> np.ndarray:
    return column.to_numpy(float) if isinstance(column, pd.Series) else np.asarray(column, float)
