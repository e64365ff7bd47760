#!/usr/bin/env python3
"""Summarise an ESP_COSIM_AXI_LOG file (one line per AXI4 handshake of the
cosim model's m_axi port: "<cycle> AR|AW <addr> <len>" or "<cycle> R|W|B"),
per window of cycles: handshakes of each channel, addresses as the 64 KiB
region (bits 19:16) they fall in. Used for hw/rtl/README.md "Where the
engine is below 64 bytes/cycle".

  ESP_COSIM_AXI_LOG=/tmp/axi build/bin/esp-card-bench --quick --sizes 9000 --sas 1 --runs 1
  sim/harness/axi_profile.py /tmp/axi.1 100            # windows of 100 cycles
  sim/harness/axi_profile.py /tmp/axi.1 1 28000 28300  # cycle by cycle
  sim/harness/axi_profile.py --reads /tmp/axi.1 [lo hi]  # read side summary

--reads: over cycles [lo, hi] (default: from the first AR to the last R),
read bursts in flight (AR handshake to its last R beat; one ID, so R beats
go to the bursts in AR order): mean and peak, and R busy % (cycles with an
R beat). Per 64 KiB region of the burst address (bits 19:16) as above.
"""
import collections
import sys


def reads(path, lo, hi):
    ars, rs = [], []
    with open(path) as f:
        for line in f:
            p = line.split()
            if p[1] == "AR":
                ars.append((int(p[0]), int(p[2], 16), int(p[3]) + 1))
            elif p[1] == "R":
                rs.append(int(p[0]))
    if not ars:
        print("no reads")
        return 0
    # each burst's life: [its AR cycle, its last R cycle]
    lives, k = [], 0
    for cyc, addr, beats in ars:
        if k + beats > len(rs):
            break
        lives.append((cyc, rs[k + beats - 1], (addr >> 16) & 0xF))
        k += beats
    lo = ars[0][0] if lo is None else lo
    hi = rs[-1] if hi is None else hi
    span = max(1, hi - lo + 1)
    delta = collections.Counter()
    for a, b, _ in lives:
        delta[max(a, lo)] += 1 if a <= hi and b >= lo else 0
        delta[min(b, hi) + 1] -= 1 if a <= hi and b >= lo else 0
    cur = peak = total = 0
    last = lo
    for c in sorted(delta):
        total += cur * (c - last)
        cur += delta[c]
        peak = max(peak, cur)
        last = c
    busy = sum(1 for c in rs if lo <= c <= hi)
    regions = collections.Counter(r for a, _, r in lives if lo <= a <= hi)
    print("cycles %d..%d: read bursts in flight mean %.1f peak %d; R busy %.1f%% (%d beats); bursts by region %s"
          % (lo, hi, total / span, peak, 100.0 * busy / span, busy,
             " ".join("%x:%d" % kv for kv in sorted(regions.items()))))
    return 0


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--reads":
        lo = int(sys.argv[3]) if len(sys.argv) > 3 else None
        hi = int(sys.argv[4]) if len(sys.argv) > 4 else None
        return reads(sys.argv[2], lo, hi)
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    path, window = sys.argv[1], int(sys.argv[2])
    lo = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hi = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 62
    buckets = collections.defaultdict(collections.Counter)
    with open(path) as f:
        for line in f:
            p = line.split()
            cycle = int(p[0])
            if cycle < lo or cycle > hi:
                continue
            kind = p[1]
            if len(p) > 2:
                kind += "%x" % ((int(p[2], 16) >> 16) & 0xF)
            buckets[cycle // window][kind] += 1
    for b in sorted(buckets):
        print(b * window, " ".join("%s:%d" % kv for kv in sorted(buckets[b].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
