// Sequence number inference (CONTRACT.md DECRYPT 8, RFC 4303 Appendix A2.2).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "esp/hls/esn.hpp"

namespace {

struct Case {
  const char* name;
  bool esn;
  uint64_t top;
  uint32_t window;
  uint32_t seq_lo;
  bool ok;
  uint64_t seq;
};

TEST(Esn, Table) {
  const std::vector<Case> cases = {
      // Without ESN the sequence number is the 32-bit field.
      {"no esn", false, 0x123456789ull, 64, 0x1000, true, 0x1000},
      {"no esn, zero", false, 5, 64, 0, false, 0},
      {"no esn, top ignored", false, 0xFFFFFFFFull, 64, 0xFFFFFFFF, true, 0xFFFFFFFF},
      // Case A (Tl >= W - 1): window inside one 2^32 block.
      {"A: inside window", true, 0x100000100ull, 64, 0x100, true, 0x100000100ull},
      {"A: bottom edge", true, 0x100000100ull, 64, 0x100 - 63, true, 0x1000000C1ull},
      {"A: below bottom -> next block", true, 0x100000100ull, 64, 0x100 - 64, true, 0x2000000C0ull},
      {"A: ahead", true, 0x100000100ull, 64, 0x5000, true, 0x100005000ull},
      {"A: Tl = W - 1 exactly", true, 0x10000003Full, 64, 0, true, 0x100000000ull},
      {"A: first packet, top 0 -> Tl < W-1", true, 0, 64, 1, true, 1},
      // low-32 wrap: top near the end of a block, packet after the wrap
      {"wrap: new block", true, 0xFFFFFFF0ull, 64, 5, true, 0x100000005ull},
      {"wrap: same block", true, 0xFFFFFFF0ull, 64, 0xFFFFFFC0u, true, 0xFFFFFFC0ull},
      {"wrap: just below window", true, 0xFFFFFFF0ull, 64, 0xFFFFFFB0u, true, 0x1FFFFFFB0ull},
      // Case B (Tl < W - 1): window straddles the block boundary.
      {"B: previous block", true, 0x300000010ull, 64, 0xFFFFFFF0u, true, 0x2FFFFFFF0ull},
      {"B: previous block, bottom edge", true, 0x300000010ull, 64, 0xFFFFFFD1u, true, 0x2FFFFFFD1ull},
      {"B: this block", true, 0x300000010ull, 64, 5, true, 0x300000005ull},
      {"B: ahead", true, 0x300000010ull, 64, 0x100, true, 0x300000100ull},
      {"B: below bottom -> this block", true, 0x300000010ull, 64, 0xFFFFFFD0u, true, 0x3FFFFFFD0ull},
      {"B: Th = 0 -> below zero", true, 0x10, 64, 0xFFFFFFF0u, false, 0xFFFFFFF0u},
      {"B: zero is never valid", true, 0, 64, 0, false, 0},
      {"B: large window", true, 0x700000100ull, 65536, 0xFFFF0200u, true, 0x6FFFF0200ull},
      {"A: large window", true, 0x700020000ull, 65536, 0x10001u, true, 0x700010001ull},
      {"A: large window, next block", true, 0x700020000ull, 65536, 0x10000u, true, 0x800010000ull},
  };
  for (const Case& c : cases) {
    uint64_t seq = 0xDEAD;
    const bool ok = esp::hls::infer_seq(c.esn, c.top, c.window, c.seq_lo, seq);
    EXPECT_EQ(ok, c.ok) << c.name;
    EXPECT_EQ(seq, c.seq) << c.name;  // on failure: the 32-bit field
  }
}

}  // namespace
