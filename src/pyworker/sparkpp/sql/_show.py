"""DataFrame.show()'s text, laid out from string cells exactly as Spark's Dataset.showString, and
the interim Python rendering of values into those cells (Spark's ToPrettyString rules)."""
import datetime
import decimal
import math
import struct

from sparkpp.sql import types as T

__all__ = ["show_string", "pretty_cell"]

_META = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\b": "\\b", "\u000b": "\\v",
         "\u0007": "\\a"}

# code points that take two columns in a terminal (Spark's Utils.stringHalfWidth)
_FULL_WIDTH = ((0x1100, 0x115F), (0x2E80, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF),
               (0xFE10, 0xFE19), (0xFE30, 0xFE6F), (0xFF00, 0xFF60), (0xFFE0, 0xFFE6))


def _escape(s):
    return "".join(_META.get(c, c) for c in s)


def _half_width(s):
    return len(s) + sum(1 for c in s for lo, hi in _FULL_WIDTH if lo <= ord(c) <= hi)


def _pad(s, width, left):
    fill = " " * max(0, width - _half_width(s))
    return fill + s if left else s + fill


def show_string(names, rows, num_rows, truncate, vertical, has_more):
    """`rows` are lists of cell strings (already pretty-printed, nulls as "NULL")."""
    def cut(s):
        s = _escape(s)
        if truncate > 0 and len(s) > truncate:
            return s[:truncate] if truncate < 4 else s[:truncate - 3] + "..."
        return s
    header = [_escape(n) for n in names]
    cells = [[cut(c) for c in r] for r in rows]
    out = []
    if not vertical:
        widths = [3] * len(header)
        for r in [header] + cells:
            for i, c in enumerate(r):
                widths[i] = max(widths[i], _half_width(c))
        sep = "+" + "+".join("-" * w for w in widths) + "+\n"
        left = truncate > 0

        def line(r):
            return "|" + "|".join(_pad(c, w, left) for c, w in zip(r, widths)) + "|\n"
        out.append(sep)
        out.append(line(header))
        out.append(sep)
        out.extend(line(r) for r in cells)
        out.append(sep)
    else:
        name_w = max([3] + [_half_width(n) for n in header])  # minimumColWidth as well
        data_w = max([3] + [_half_width(c) for r in cells for c in r])
        for i, r in enumerate(cells):
            title = "-RECORD %d" % i
            out.append(title + "-" * max(0, name_w + data_w + 5 - len(title)) + "\n")
            out.append("\n".join(" %s | %s " % (_pad(n, name_w, False), _pad(c, data_w, False))
                                 for n, c in zip(header, r)) + "\n")
    if vertical and not cells:
        out.append("(0 rows)\n")
    elif has_more:
        out.append("only showing top %d %s\n" % (num_rows, "row" if num_rows == 1 else "rows"))
    return "".join(out)


# ------------------------------------------------------------------ values -> cell strings

def java_double(d, single=False):
    """Java's Double.toString (Float.toString when `single`): shortest round-trip digits,
    plain notation in [1e-3, 1e7), otherwise d.dddE±n."""
    if math.isnan(d):
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    if d == 0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    text = repr(d)
    if single:
        for digits in range(1, 10):
            cand = "%.*g" % (digits, d)
            if struct.unpack("f", struct.pack("f", float(cand)))[0] == \
                    struct.unpack("f", struct.pack("f", d))[0]:
                text = cand
                break
    sign, digits, exp = decimal.Decimal(text).normalize().as_tuple()
    ds = "".join(map(str, digits))
    point = len(ds) + exp  # position of the decimal point relative to the digit string
    neg = "-" if sign else ""
    if 1e-3 <= abs(d) < 1e7:
        if point <= 0:
            return neg + "0." + "0" * (-point) + ds
        if point >= len(ds):
            return neg + ds + "0" * (point - len(ds)) + ".0"
        return neg + ds[:point] + "." + ds[point:]
    mantissa = ds[0] + "." + (ds[1:] or "0")
    return "%s%sE%d" % (neg, mantissa, point - 1)


def _timestamp(dt):
    s = dt.strftime("%Y-%m-%d %H:%M:%S")
    if dt.microsecond:
        s += ("." + "%06d" % dt.microsecond).rstrip("0")
    return s


_SHORT_IDS = {"EST": "-05:00", "MST": "-07:00", "HST": "-10:00", "PST": "America/Los_Angeles",
              "CST": "America/Chicago", "JST": "Asia/Tokyo", "IST": "Asia/Kolkata", "CTT": "Asia/Shanghai",
              "ECT": "Europe/Paris", "AST": "America/Anchorage", "BST": "Asia/Dhaka", "PNT": "America/Phoenix"}


def session_zone(name):
    """spark.sql.session.timeZone as a tzinfo (regions, +hh:mm, UTC/GMT+h, short ids), or None."""
    import re
    from zoneinfo import ZoneInfo
    if not name:
        return None
    name = _SHORT_IDS.get(name, name)
    m = re.fullmatch(r"(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{1,2}))?", name)
    if m:
        delta = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return datetime.timezone(-delta if m.group(1) == "-" else delta)
    if name in ("Z", "UTC", "GMT", "UT"):
        return datetime.timezone.utc
    try:
        return ZoneInfo(name)
    except Exception:
        return None


def pretty_cell(v, dt, nested=False, zone=None):
    """One value as show() prints it (ToPrettyString): NULL, true, 1.0E10, [1, NULL], {a -> 1};
    timestamps in `zone` (the session time zone, a tzinfo) when given."""
    if v is None:
        return "NULL"
    if isinstance(dt, T.BooleanType):
        return "true" if v else "false"
    if isinstance(dt, (T.DoubleType, T.FloatType)):
        return java_double(float(v), isinstance(dt, T.FloatType))
    if isinstance(dt, T.DecimalType):
        return format(v, "f")
    if isinstance(dt, T.BinaryType):
        return "[" + " ".join("%02X" % b for b in bytes(v)) + "]"
    if isinstance(dt, T.TimestampType) and zone is not None:
        try:  # collected values are naive local times, as PySpark's
            return _timestamp(v.astimezone(zone).replace(tzinfo=None))
        except (OverflowError, ValueError, OSError):
            return _timestamp(v)
    if isinstance(dt, (T.TimestampType, T.TimestampNTZType)):
        return _timestamp(v)
    if isinstance(dt, T.DayTimeIntervalType):
        micros = dt.toInternal(v) if isinstance(v, datetime.timedelta) else v
        return T.day_time_interval_string(micros, dt.startField, dt.endField)
    if isinstance(dt, T.YearMonthIntervalType):
        return T.year_month_interval_string(v, dt.startField, dt.endField)
    if isinstance(dt, T.DateType):
        return v.isoformat() if isinstance(v, datetime.date) else str(v)
    if isinstance(dt, T.ArrayType):
        return "[" + ", ".join(pretty_cell(x, dt.elementType, True, zone) for x in v) + "]"
    if isinstance(dt, T.MapType):
        return "{" + ", ".join("%s -> %s" % (pretty_cell(k, dt.keyType, True, zone),
                                             pretty_cell(x, dt.valueType, True, zone))
                               for k, x in v.items()) + "}"
    if isinstance(dt, T.StructType):
        return "{" + ", ".join(pretty_cell(x, f.dataType, True, zone)
                               for x, f in zip(v, dt.fields)) + "}"
    return str(v)
