"""Batches in memory shared with the executor (docs/protocol.md "Shared-memory batches"): scalar
UDF programs (evalType 100 and 200), iterator pandas UDFs (204) and mapInPandas (205) get their
argument batches and give back their result batches through one region the executor created, so
10,000-row batches cross no socket — only small references to them do."""
import collections
import mmap
import os
import struct

__all__ = ["SharedBatches", "REF_SIZE", "ACK"]

_REF = struct.Struct("<4sIQQ")  # b"SPBR", 0, offset, length: one batch in the region
REF_SIZE = _REF.size  # 24
ACK = struct.Struct("<4sI")  # b"SPBA", 1 (mapped) | 0 (not: batches travel inline)


class SharedBatches:
    """The worker's view of a program's region: [0, 2 * in_half) the executor's argument batches
    (two halves, one per PwInput in turn), then `out_slots` result slots of `out_slot` bytes,
    the k-th result of the task in slot k % out_slots.

    A result goes into a slot only when the executor has read the slot's previous result: the
    executor reads messages in order and answers a PwRead only after it read what came before
    it, so the PwInput answering a PwRead acknowledges the results queued before that PwRead
    (read_sent / input_received). Scalar programs (one result per argument batch) never have
    more than two PwInputs' results unacknowledged, the number of slots; a program that yields
    more results than it reads batches (mapInPandas may) has those beyond the free slots sent
    inline."""

    def __init__(self, mm, size, in_half, out_slot, out_slots, ident=None):
        self.mm, self.view = mm, memoryview(mm)
        self.size, self.in_end, self.out_slot, self.out_slots = size, 2 * in_half, out_slot, out_slots
        self.ident = ident  # (device, inode, layout) of the region: the same one again is reused
        self.reset()

    def reset(self, copy_in=False):
        """For a new task. copy_in: argument batches are copied out of the region (programs
        whose function may keep an argument past its call: iterator UDFs, mapInPandas)."""
        self.results = 0  # results put into slots, this task
        self.acked = 0  # of which the executor has read the first `acked`
        self.reads = collections.deque()  # per PwRead not answered yet: `results` when it left
        self.copy_in = copy_in

    def read_sent(self):
        """A PwRead was queued after every result so far."""
        self.reads.append(self.results)

    def input_received(self):
        """The PwInput answering the oldest PwRead arrived."""
        if self.reads:
            self.acked = self.reads.popleft()

    @classmethod
    def open(cls, spec, kept=None):
        """The region the PwTask's plan names ({"path", "size", "inHalf", "outSlot",
        "outSlots"}), or None when it cannot be mapped (the batches then travel inline).
        `kept`: the region of an earlier task, returned again (its mapping already backed)
        when the executor hands out the same one (it keeps the regions of finished tasks)."""
        try:
            size, in_half = int(spec["size"]), int(spec["inHalf"])
            out_slot, out_slots = int(spec["outSlot"]), int(spec["outSlots"])
            if (in_half <= 0 or in_half % 8 or out_slot <= 0 or out_slot % 8 or out_slots <= 0
                    or 2 * in_half + out_slots * out_slot != size):
                return None
            fd = os.open(spec["path"], os.O_RDWR | os.O_CLOEXEC)
        except (OSError, KeyError, TypeError, ValueError):
            return None
        try:
            st = os.fstat(fd)
            if st.st_size < size:
                return None
            ident = (st.st_dev, st.st_ino, size, in_half, out_slot, out_slots)
            if kept is not None and kept.ident == ident:
                kept.reset()
                return kept
            mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
        return cls(mm, size, in_half, out_slot, out_slots, ident)

    def decode(self, blob):
        """An input blob: a reference into the argument halves (a writable view of the region:
        numpy arrays over it need no copy), or an inline SPB1 batch (one that did not fit)."""
        if len(blob) == REF_SIZE and bytes(blob[:4]) == b"SPBR":
            _, _, off, n = _REF.unpack(blob)
            if off % 8 or off > self.in_end or n > self.in_end - off:
                raise ValueError("a shared batch reference out of range: %d + %d" % (off, n))
            if self.copy_in:  # the half is written again two PwInputs later
                return memoryview(bytearray(self.view[off:off + n]))
            return self.view[off:off + n]
        return blob

    def put(self, parts):
        """A result batch (its parts, as encode_parts gives them) copied into the next result
        slot; returns the reference to send, or the batch itself when it does not fit or the
        executor may not have read the slot's last result yet."""
        total = sum(map(len, parts))
        if total > self.out_slot or self.results >= self.acked + self.out_slots:
            return b"".join(parts)
        off = self.in_end + (self.results % self.out_slots) * self.out_slot
        self.results += 1
        view, pos = self.view, off
        for p in parts:
            n = len(p)
            view[pos:pos + n] = p
            pos += n
        return _REF.pack(b"SPBR", 0, off, total)

    def close(self):
        """Unmaps the region unless user code still holds arrays over it (then it goes with
        them)."""
        try:
            self.view.release()
            self.mm.close()
        except BufferError:
            pass
