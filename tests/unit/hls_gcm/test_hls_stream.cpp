// The compat hls::stream (hw/hls/compat/hls_stream.h).
#include <gtest/gtest.h>

#include "esp/hls/types.hpp"

namespace {

struct Rec {
  unsigned a;
  ctl_word_t w;
};

TEST(CompatHlsStream, FifoOrder) {
  hls::stream<Rec> s("recs");
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.full());
  EXPECT_EQ(s.size(), 0u);
  for (unsigned i = 0; i < 5; ++i) s.write(Rec{i, ctl_word_t(100 + i)});
  EXPECT_EQ(s.size(), 5u);
  EXPECT_FALSE(s.empty());
  for (unsigned i = 0; i < 3; ++i) {
    const Rec r = s.read();
    EXPECT_EQ(r.a, i);
    EXPECT_EQ(r.w.to_uint64(), 100u + i);
  }
  Rec r{};
  s.read(r);
  EXPECT_EQ(r.a, 3u);
  s >> r;
  EXPECT_EQ(r.a, 4u);
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.read_nb(r));
  s << Rec{9, 9};
  EXPECT_TRUE(s.write_nb(Rec{10, 10}));
  EXPECT_TRUE(s.read_nb(r));
  EXPECT_EQ(r.a, 9u);
  EXPECT_EQ(s.size(), 1u);
}

TEST(CompatHlsStreamDeathTest, ReadWhileEmptyAborts) {
  hls::stream<int, 4> s("empty_one");
  EXPECT_DEATH((void)s.read(), "empty_one");
}

}  // namespace
