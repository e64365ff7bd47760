#!/usr/bin/env python3
"""Summarise an ESP_COSIM_AXI_LOG file (one line per AXI4 handshake of the
cosim model's m_axi port: "<cycle> AR|AW <addr> <len>" or "<cycle> R|W|B"),
per window of cycles: handshakes of each channel, addresses as the 64 KiB
region (bits 19:16) they fall in. Used for hw/rtl/README.md "Where the
engine is below 64 bytes/cycle".

  ESP_COSIM_AXI_LOG=/tmp/axi build/bin/esp-card-bench --quick --sizes 9000 --sas 1 --runs 1
  sim/harness/axi_profile.py /tmp/axi.1 100            # windows of 100 cycles
  sim/harness/axi_profile.py /tmp/axi.1 1 28000 28300  # cycle by cycle
"""
import collections
import sys


def main():
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
