"""DataFrame._joinAsOf: Spark 3.5's as-of join (Dataset.joinAsOf, plans.logical.AsOfJoin),
planned with operators the engine has, so it runs natively.

Spark rewrites AsOfJoin (optimizer.RewriteAsOfJoin) into a correlated scalar subquery
`min_by(struct(right.*), ordering)` over the right rows that satisfy the as-of condition, per left
row. Here the same choice is a join followed by a window: each left row (numbered first, so equal
left rows stay apart) joins the right rows satisfying the as-of condition with both as-of values
non-null (min_by skips rows whose ordering is null; the ordering is null exactly when one of them
is), and `row_number()` over the row's matches ordered by the ordering keeps the first. An inner
as-of join drops left rows without a match, as Spark's `__right__ IS NOT NULL` filter; a left one
keeps them with nulls. The output is left's columns then right's, as AsOfJoin's, and they stay
the join's own attributes, so `left.x` and `right.x` both resolve afterwards.
"""
from sparkpp.errors import AnalysisException, IllegalArgumentException
from sparkpp.sql.column import Column

_DIRECTIONS = ("forward", "backward", "nearest")
# JoinType(typ): Spark's join type names (lower case, "_" removed); AsOfJoin takes Inner and
# LeftOuter and refuses the others by their JoinType's name.
_JOIN_TYPES = {"inner": "Inner", "outer": "FullOuter", "full": "FullOuter",
               "fullouter": "FullOuter", "leftouter": "LeftOuter", "left": "LeftOuter",
               "rightouter": "RightOuter", "right": "RightOuter", "leftsemi": "LeftSemi",
               "semi": "LeftSemi", "leftanti": "LeftAnti", "anti": "LeftAnti", "cross": "Cross"}
_SUPPORTED_NAMES = ("inner", "outer", "full", "fullouter", "full_outer", "leftouter", "left",
                    "left_outer", "rightouter", "right", "right_outer", "leftsemi", "left_semi",
                    "semi", "leftanti", "left_anti", "anti", "cross")
_ROW_ID, _ROW_NUMBER = "__asof_left_row__", "__asof_match_rank__"


def _join_type(how):
    """"inner" or "left" (the join to plan), or Spark's IllegalArgumentException."""
    name = _JOIN_TYPES.get(how.lower().replace("_", ""))
    if name is None:
        raise IllegalArgumentException(
            "Unsupported join type '%s'. Supported join types include: %s." %
            (how, ", ".join("'%s'" % s for s in _SUPPORTED_NAMES)))
    if name not in ("Inner", "LeftOuter"):
        raise IllegalArgumentException("requirement failed: Unsupported as-of join type " + name)
    return "inner" if name == "Inner" else "left"


def _direction(direction):
    d = direction.lower()
    if d not in _DIRECTIONS:
        raise IllegalArgumentException(
            "Unsupported as-of join direction '%s'. Supported as-of join direction include: "
            "'forward', 'backward', 'nearest'." % direction)
    return d


def _references_columns(expr):
    """Whether an expression message names a column (then it is not a constant)."""
    if isinstance(expr, dict):
        if any(k in expr for k in ("unresolvedAttribute", "unresolvedStar", "unresolvedRegex")):
            return True
        return any(_references_columns(v) for v in expr.values())
    if isinstance(expr, list):
        return any(_references_columns(v) for v in expr)
    return False


def _check_tolerance(session, tolerance):
    """CheckAnalysis of AsOfJoin's `tolerance >= 0` assertion: a constant, not negative (a null
    tolerance fails it too)."""
    from sparkpp.sql import functions as F
    if _references_columns(tolerance._expr):
        raise AnalysisException(
            "[AS_OF_JOIN.TOLERANCE_IS_UNFOLDABLE] Invalid as-of join. The input argument "
            "`tolerance` must be a constant.", error_class="AS_OF_JOIN.TOLERANCE_IS_UNFOLDABLE")
    zero = F.lit(0)
    dtype = session.range(1).select(tolerance).schema.fields[0].dataType
    if "Interval" in type(dtype).__name__:
        zero = tolerance - tolerance  # Literal.default of an interval type: a zero interval
    ok = session.range(1).select(tolerance >= zero).first()[0]
    if not ok:
        raise AnalysisException(
            "[AS_OF_JOIN.TOLERANCE_IS_NON_NEGATIVE] Invalid as-of join. The input argument "
            "`tolerance` must be non-negative.", error_class="AS_OF_JOIN.TOLERANCE_IS_NON_NEGATIVE")


def _as_of_condition(l, r, tolerance, exact, direction):
    """AsOfJoin.makeAsOfCond."""
    if direction == "backward":
        base = l >= r if exact else l > r
    elif direction == "forward":
        base = l <= r if exact else l < r
    else:
        base = None if exact else ~(l == r)
    if tolerance is None:
        return base
    if direction == "backward":
        bound = r >= l - tolerance if exact else r > l - tolerance
    elif direction == "forward":
        bound = r <= l + tolerance if exact else r < l + tolerance
    elif exact:
        bound = (r >= l - tolerance) & (r <= l + tolerance)
    else:
        bound = (r > l - tolerance) & (r < l + tolerance)
    return bound if base is None else base & bound


def _ordering(l, r, direction):
    """AsOfJoin.makeOrderingExpr: how far a right row is from the left one."""
    from sparkpp.sql import functions as F
    if direction == "backward":
        return l - r
    if direction == "forward":
        return r - l
    return F.when(l > r, l - r).otherwise(r - l)


def join_as_of(self, other, leftAsOfColumn, rightAsOfColumn, on=None, how=None, *,
               tolerance=None, allowExactMatches=True, direction="backward"):
    """Perform an as-of join: a left join (or inner) on the nearest key rather than equal keys."""
    from sparkpp.sql import functions as F
    from sparkpp.sql.window import Window
    left_as_of = self[leftAsOfColumn] if isinstance(leftAsOfColumn, str) else leftAsOfColumn
    right_as_of = other[rightAsOfColumn] if isinstance(rightAsOfColumn, str) else rightAsOfColumn
    if on is not None and not isinstance(on, list):
        on = [on]
    condition = None
    if on:
        if isinstance(on[0], str):  # usingColumns: equalities, both sides' columns kept
            parts = [self[c] == other[c] for c in on]
        else:
            assert isinstance(on[0], Column), "on should be Column or list of Column"
            parts = on
        for p in parts:
            condition = p if condition is None else condition & p
    if how is None:
        how = "inner"
    assert isinstance(how, str), "how should be a string"
    join_type = _join_type(how)
    if tolerance is not None:
        assert isinstance(tolerance, Column), "tolerance should be Column"
    direction = _direction(direction)
    if tolerance is not None:
        _check_tolerance(self.sparkSession, tolerance)

    as_of = _as_of_condition(left_as_of, right_as_of, tolerance, allowExactMatches, direction)
    match = left_as_of.isNotNull() & right_as_of.isNotNull()
    for c in (condition, as_of):
        if c is not None:
            match = match & c
    numbered = self.withColumn(_ROW_ID, F.monotonically_increasing_id())
    joined = numbered.join(other, match, join_type)
    nearest = Window.partitionBy(numbered[_ROW_ID]).orderBy(
        _ordering(left_as_of, right_as_of, direction))
    ranked = joined.withColumn(_ROW_NUMBER, F.row_number().over(nearest))
    return ranked.filter(ranked[_ROW_NUMBER] == 1).drop(_ROW_NUMBER, _ROW_ID)
