#!/usr/bin/python3
"""Writes the seeds of fuzz_sql_parquet (tests/fuzz/seeds_sql_parquet/): tiny Parquet files and
column chunks built by hand here with a minimal Thrift compact-protocol encoder (no corpus file
is copied). Run: /usr/bin/python3 tests/fuzz/make_parquet_seeds.py"""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds_sql_parquet")
I32, I64, BIN, LIST, STRUCT, TRUE, FALSE = 5, 6, 8, 9, 12, 1, 2


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


def struct_(*fields):
    """fields: (id, type, value) with value bytes already encoded (structs/lists) or ints/str."""
    out, last = bytearray(), 0
    for fid, t, v in fields:
        out.append(((fid - last) << 4) | t)
        last = fid
        if t in (I32, I64):
            out += zigzag(v)
        elif t == BIN:
            b = v.encode() if isinstance(v, str) else v
            out += varint(len(b)) + b
        elif t in (LIST, STRUCT):
            out += v
    out.append(0)
    return bytes(out)


def list_(elem_type, items):
    head = bytes([(len(items) << 4) | elem_type]) if len(items) < 15 else bytes([0xF0 | elem_type]) + varint(len(items))
    body = b""
    for it in items:
        if elem_type == I32:
            body += zigzag(it)
        elif elem_type == BIN:
            b = it.encode()
            body += varint(len(b)) + b
        else:
            body += it
    return head + body


def page_v1(values, n, encoding=0, codec_fn=None):
    comp = codec_fn(values) if codec_fn else values
    return struct_((1, I32, 0), (2, I32, len(values)), (3, I32, len(comp)),
                   (5, STRUCT, struct_((1, I32, n), (2, I32, encoding), (3, I32, 3), (4, I32, 3)))) + comp


def dict_page(values, n):
    return struct_((1, I32, 2), (2, I32, len(values)), (3, I32, len(values)),
                   (7, STRUCT, struct_((1, I32, n), (2, I32, 0)))) + values


def page_v2(levels, values, n, encoding):
    body = levels + values
    return struct_((1, I32, 3), (2, I32, len(body)), (3, I32, len(body)),
                   (8, STRUCT, struct_((1, I32, n), (2, I32, 0), (3, I32, n), (4, I32, encoding),
                                       (5, I32, len(levels)), (6, I32, 0), (7, FALSE, None)))) + body


def plain_bytes(*vals):
    return b"".join(struct.pack("<I", len(v)) + v for v in vals)


# optional int32 a = [1, NULL, 3]: definition levels 1,0,1 as one bit-packed group
A_VALUES = struct.pack("<I", 2) + bytes([3, 0b101]) + struct.pack("<ii", 1, 3)
# optional utf8 s = ["yy", "x", "yy"]: dictionary ["x", "yy"], v2 page, indices 1,0,1
S_DICT = plain_bytes(b"x", b"yy")
S_LEVELS = bytes([6, 1])  # RLE run of 3 ones
S_INDICES = bytes([1, 3, 0b101])


def parquet_file(gzip_a=False):
    codec = 2 if gzip_a else 0
    a_chunk = page_v1(A_VALUES, 3, codec_fn=gzip if gzip_a else None)
    s_chunk = dict_page(S_DICT, 2) + page_v2(S_LEVELS, S_INDICES, 3, 8)
    body = bytearray(b"PAR1")
    a_off = len(body)
    body += a_chunk
    s_off = len(body)
    body += s_chunk
    def colmeta(t, enc, name, cdc, off, size, dict_off=None):
        f = [(1, I32, t), (2, LIST, list_(I32, enc)), (3, LIST, list_(BIN, [name])), (4, I32, cdc), (5, I64, 3),
             (6, I64, size), (7, I64, size), (9, I64, off if dict_off is None else dict_off + len(dict_page(S_DICT, 2)))]
        if dict_off is not None:
            f.append((11, I64, dict_off))
        return struct_(*f)
    cols = [struct_((2, I64, a_off), (3, STRUCT, colmeta(1, [0, 3], "a", codec, a_off, len(a_chunk)))),
            struct_((2, I64, s_off), (3, STRUCT, colmeta(6, [8, 3], "s", 0, s_off, len(s_chunk), dict_off=s_off)))]
    schema = [struct_((4, BIN, "schema"), (5, I32, 2)),
              struct_((1, I32, 1), (3, I32, 1), (4, BIN, "a")),
              struct_((1, I32, 6), (3, I32, 1), (4, BIN, "s"), (6, I32, 0))]
    rg = struct_((1, LIST, list_(STRUCT, cols)), (2, I64, len(body) - 4), (3, I64, 3))
    md = struct_((1, I32, 1), (2, LIST, list_(STRUCT, schema)), (3, I64, 3), (4, LIST, list_(STRUCT, [rg])),
                 (6, BIN, "sparkpp seed"))
    return bytes(body) + md + struct.pack("<I", len(md)) + b"PAR1"


def gzip(b):
    c = zlib.compressobj(wbits=31)
    return c.compress(b) + c.flush()


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "file_plain_dict.parquet": parquet_file(),
        "file_gzip.parquet": parquet_file(gzip_a=True),
        # chunk seeds: byte 0 = physical type (| length bits), byte 1 = max_def 1, uncompressed, 1 row
        "chunk_int32_plain": bytes([1, 1]) + page_v1(bytes([2, 0, 0, 0, 2, 1]) + struct.pack("<i", 7), 1),
        "chunk_bytes_plain": bytes([6, 1]) + page_v1(bytes([2, 0, 0, 0, 2, 1]) + plain_bytes(b"hi"), 1),
        "chunk_bool_rle": bytes([0, 1]) + page_v1(bytes([2, 0, 0, 0, 2, 1]) + struct.pack("<I", 2) + bytes([2, 1]), 1, encoding=3),
        # DELTA_BINARY_PACKED int64: block 128, 4 miniblocks, 1 value, first value 5
        "chunk_int64_delta": bytes([2, 1]) + page_v1(bytes([2, 0, 0, 0, 2, 1]) + bytes([0x80, 1, 4, 1, 10]), 1, encoding=5),
        "chunk_double_bss": bytes([5, 1]) + page_v1(bytes([2, 0, 0, 0, 2, 1]) + struct.pack("<d", 1.5), 1, encoding=9),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
