"""pyspark.sql.Window / WindowSpec: `F.rank().over(Window.partitionBy(...).orderBy(...))` becomes
Connect's `window` expression (function, partitionSpec, orderSpec, frameSpec)."""
import sys

from sparkpp.errors import PySparkValueError
from sparkpp.sql import _proto as P
from sparkpp.sql.column import _col_expr

__all__ = ["Window", "WindowSpec"]

_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1


def _flatten(cols):
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return list(cols[0])
    return list(cols)


def _boundary(v, unbounded):
    if v == 0:
        return {"currentRow": True}
    if v == unbounded:
        return {"unbounded": True}
    return {"value": P.lit(v)}


class WindowSpec:
    """Partitioning, ordering and frame of a window; every call returns a new spec."""

    def __init__(self, partition=(), order=(), frame=None):
        self._partition = list(partition)
        self._order = list(order)
        self._frame = frame  # (row frame?, start, end) or None

    def partitionBy(self, *cols):
        return WindowSpec([_col_expr(c) for c in _flatten(cols)], self._order, self._frame)

    def orderBy(self, *cols):
        orders = []
        for c in _flatten(cols):
            e = _col_expr(c)
            orders.append(e if "sortOrder" in e else P.sort_order(e, P.ASC, P.NULLS_FIRST))
        return WindowSpec(self._partition, orders, self._frame)

    def _between(self, rows, start, end):
        start = Window.unboundedPreceding if start <= Window._PRECEDING_THRESHOLD else start
        end = Window.unboundedFollowing if end >= Window._FOLLOWING_THRESHOLD else end
        return WindowSpec(self._partition, self._order, (rows, start, end))

    def rowsBetween(self, start, end):
        return self._between(True, start, end)

    def rangeBetween(self, start, end):
        return self._between(False, start, end)

    def _expression(self, function_expr):
        body = {"windowFunction": function_expr, "partitionSpec": self._partition,
                "orderSpec": [o["sortOrder"] for o in self._order]}
        if self._frame is not None:
            rows, start, end = self._frame
            for v in (start, end):
                if v not in (Window.unboundedPreceding, Window.unboundedFollowing) and \
                        not _LONG_MIN < v < _LONG_MAX:
                    raise PySparkValueError(error_class="VALUE_NOT_BETWEEN",
                                            message_parameters={"arg_name": "frame boundary",
                                                                "min": str(_LONG_MIN),
                                                                "max": str(_LONG_MAX)})
            body["frameSpec"] = {
                "frameType": "FRAME_TYPE_ROW" if rows else "FRAME_TYPE_RANGE",
                "lower": _boundary(start, Window.unboundedPreceding),
                "upper": _boundary(end, Window.unboundedFollowing)}
        return {"window": body}


class Window:
    """Builders of WindowSpec, as pyspark.sql.Window."""

    _JAVA_MIN_LONG, _JAVA_MAX_LONG = _LONG_MIN, _LONG_MAX
    _PRECEDING_THRESHOLD = max(-sys.maxsize, _LONG_MIN)
    _FOLLOWING_THRESHOLD = min(sys.maxsize, _LONG_MAX)
    unboundedPreceding = _LONG_MIN
    unboundedFollowing = _LONG_MAX
    currentRow = 0

    @staticmethod
    def partitionBy(*cols):
        return WindowSpec().partitionBy(*cols)

    @staticmethod
    def orderBy(*cols):
        return WindowSpec().orderBy(*cols)

    @staticmethod
    def rowsBetween(start, end):
        return WindowSpec().rowsBetween(start, end)

    @staticmethod
    def rangeBetween(start, end):
        return WindowSpec().rangeBetween(start, end)
