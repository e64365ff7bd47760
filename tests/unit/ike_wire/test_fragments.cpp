// IKE fragmentation (RFC 7383): what seal_message() makes with fragment
// lengths 576 and 1280, and the Defragmenter: every arrival order,
// duplicates, tampered fragments and their retransmission, message IDs,
// Total Fragments changing, limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "esp/ike/protect.hpp"
#include "wire_util.hpp"

using namespace esp::ike;
using namespace esp::ike::test;
using State = Defragmenter::State;

namespace {

struct Sealed {
  std::vector<Bytes> dgrams;
  std::vector<Message> parsed;
};

Sealed seal(const IkeHeader& h, const std::vector<Payload>& inner, SkCipher& tx, std::size_t len) {
  Sealed s;
  auto r = seal_message(h, inner, tx, len);
  EXPECT_TRUE(r) << r.error().to_string();
  if (!r) return s;
  s.dgrams = r.value();
  for (const Bytes& d : s.dgrams) {
    auto m = parse(d);
    EXPECT_TRUE(m) << m.error().to_string();
    s.parsed.push_back(m ? m.value() : Message{});
  }
  return s;
}

Defragmenter::Result feed(Defragmenter& df, const Sealed& s, std::size_t i, const SkCipher& rx) {
  return df.add(s.dgrams[i], s.parsed[i], rx);
}

TEST(IkeWireFragments, LayoutAt576And1280) {
  for (const Suite& su : kSuites) {
    for (std::size_t len : {576, 1280}) {
      SCOPED_TRACE(std::string(su.name) + " " + std::to_string(len));
      auto cp = cipher_pair(su);
      const auto inner = auth_inner(2600);
      const Bytes plain = chain_bytes(inner);
      const Sealed s = seal(auth_header(1), inner, *cp.tx, len);
      const std::size_t n = s.dgrams.size();
      ASSERT_GT(n, 1u);
      EXPECT_EQ(n, fragment_count(*cp.tx, plain.size(), len));
      const std::size_t cap = fragment_capacity(*cp.tx, len);
      EXPECT_EQ(n, (plain.size() + cap - 1) / cap);
      for (std::size_t i = 0; i < n; ++i) {
        SCOPED_TRACE(i);
        const Bytes& d = s.dgrams[i];
        EXPECT_LE(d.size(), len);
        if (i + 1 < n) {
          EXPECT_GT(d.size() + 16, len) << "fragments are filled";
        }
        const Message& m = s.parsed[i];
        EXPECT_EQ(m.header.message_id, 1u);
        EXPECT_EQ(m.header.next_payload, PayloadType::SKF);
        EXPECT_EQ(m.header.exchange, ExchangeType::IkeAuth);
        ASSERT_EQ(m.payloads.size(), 1u);
        const auto* f = m.payloads[0].as<SkfPayload>();
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->number, i + 1);
        EXPECT_EQ(f->total, n);
        EXPECT_EQ(f->inner_first, i == 0 ? PayloadType::IDi : PayloadType::None);
      }
    }
  }
}

TEST(IkeWireFragments, CountAndSizesAcrossLengths) {
  for (const Suite& su : kSuites) {
    SCOPED_TRACE(su.name);
    auto cp = cipher_pair(su);
    for (std::size_t cert = 0; cert < 3000; cert += 173) {
      const auto inner = auth_inner(cert);
      const std::size_t plain = chain_bytes(inner).size();
      for (std::size_t len : {100, 333, 576, 1280, 1500}) {
        auto r = seal_message(auth_header(1), inner, *cp.tx, len);
        ASSERT_TRUE(r) << cert << " " << len;
        EXPECT_EQ(r.value().size(), fragment_count(*cp.tx, plain, len)) << cert << " " << len;
        for (const Bytes& d : r.value()) EXPECT_LE(d.size(), len);
        const bool whole = kSkOverhead + cp.tx->body_len(plain) <= len;
        EXPECT_EQ(r.value().size() == 1, whole) << "fragment only what does not fit";
        Defragmenter df(65535, 1u << 20);  // 100-byte fragments: more than 64
        Defragmenter::Result last;
        if (!whole) {
          for (const Bytes& d : r.value()) last = df.add(d, parse(d).value(), *cp.rx);
          ASSERT_EQ(last.state, State::Complete) << last.why;
          EXPECT_EQ(chain_bytes(last.inner), chain_bytes(inner));
        }
      }
    }
  }
}

TEST(IkeWireFragments, ReassembleInEveryOrder) {
  for (const Suite& su : kSuites) {
    for (std::size_t len : {576, 1280}) {
      SCOPED_TRACE(std::string(su.name) + " " + std::to_string(len));
      auto cp = cipher_pair(su);
      const auto inner = auth_inner(2600);
      const Sealed s = seal(auth_header(1), inner, *cp.tx, len);
      const std::size_t n = s.dgrams.size();
      ASSERT_LE(n, 7u);
      std::vector<std::size_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      std::size_t orders = 0;
      do {
        Defragmenter df;
        for (std::size_t k = 0; k < n; ++k) {
          auto r = feed(df, s, order[k], *cp.rx);
          if (k + 1 < n) {
            ASSERT_EQ(r.state, State::Incomplete) << r.why;
            EXPECT_EQ(df.fragments_held(), k + 1);
          } else {
            ASSERT_EQ(r.state, State::Complete) << r.why;
            EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner));
          }
        }
        EXPECT_FALSE(df.assembling());
        EXPECT_EQ(df.message_id(), 1u);
        EXPECT_EQ(df.dropped(), 0u);
        ++orders;
      } while (std::next_permutation(order.begin(), order.end()));
      EXPECT_GE(orders, 6u);
    }
  }
}

TEST(IkeWireFragments, DuplicatesIgnored) {
  for (const Suite& su : kSuites) {
    SCOPED_TRACE(su.name);
    auto cp = cipher_pair(su);
    const auto inner = auth_inner(2600);
    const Sealed s = seal(auth_header(1), inner, *cp.tx, 576);
    const std::size_t n = s.dgrams.size();
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i) order.insert(order.end(), {i, i, (i * 3) % n});
    std::mt19937 rng(7);
    std::shuffle(order.begin(), order.end(), rng);
    Defragmenter df;
    std::size_t complete = 0, dups = 0;
    for (std::size_t i : order) {
      auto r = feed(df, s, i, *cp.rx);
      if (r.state == State::Complete) {
        ++complete;
        EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner));
      } else if (r.state == State::Dropped) {
        ++dups;
      }
    }
    EXPECT_EQ(complete, 1u);
    EXPECT_EQ(dups + n, order.size());  // the rest: duplicates, or fragments of a finished message
    EXPECT_EQ(df.dropped(), dups);
  }
}

TEST(IkeWireFragments, TamperedFragmentDroppedRetransmissionCompletes) {
  for (const Suite& su : kSuites) {
    SCOPED_TRACE(su.name);
    auto cp = cipher_pair(su);
    const auto inner = auth_inner(2600);
    const Sealed s = seal(auth_header(4), inner, *cp.tx, 576);
    const std::size_t n = s.dgrams.size();
    // Positions: the header's message ID, Fragment Number, Total Fragments,
    // the IV, the ciphertext, the last ICV byte.
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t size = s.dgrams[k].size();
      for (std::size_t pos : {std::size_t{23}, std::size_t{33}, std::size_t{35}, std::size_t{37},
                              std::size_t{80}, size - 1}) {
        SCOPED_TRACE(std::to_string(k) + "@" + std::to_string(pos));
        Defragmenter df;
        for (std::size_t i = 0; i < k; ++i) ASSERT_EQ(feed(df, s, i, *cp.rx).state, State::Incomplete);
        const std::size_t held = df.fragments_held();
        const std::uint32_t mid = df.message_id();
        Bytes bad = s.dgrams[k];
        bad[pos] ^= 0x04;
        auto m = parse(bad);
        if (m) {
          auto r = df.add(bad, m.value(), *cp.rx);
          EXPECT_EQ(r.state, State::Dropped);
          EXPECT_FALSE(r.why.empty());
          EXPECT_EQ(df.fragments_held(), held) << "an unauthenticated fragment changed the state";
          EXPECT_EQ(df.message_id(), mid);
          EXPECT_EQ(df.dropped(), 1u);
        }
        for (std::size_t i = k + 1; i < n; ++i)
          ASSERT_EQ(feed(df, s, i, *cp.rx).state, State::Incomplete);
        auto r = feed(df, s, k, *cp.rx);  // the retransmitted good copy
        ASSERT_EQ(r.state, State::Complete) << r.why;
        EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner));
      }
    }
  }
}

TEST(IkeWireFragments, MessageIds) {
  auto cp = cipher_pair(kSuites[0]);
  const auto inner5 = auth_inner(2600, 5);
  const auto inner6 = auth_inner(2600, 6);
  const Sealed m5 = seal(auth_header(5), inner5, *cp.tx, 576);
  const Sealed m6 = seal(auth_header(6), inner6, *cp.tx, 576);
  const std::size_t n = m5.dgrams.size();
  ASSERT_EQ(m6.dgrams.size(), n);
  Defragmenter df;
  EXPECT_EQ(feed(df, m5, 0, *cp.rx).state, State::Incomplete);
  EXPECT_EQ(feed(df, m5, 1, *cp.rx).state, State::Incomplete);
  EXPECT_EQ(df.message_id(), 5u);
  // A higher message ID restarts.
  EXPECT_EQ(feed(df, m6, n - 1, *cp.rx).state, State::Incomplete);
  EXPECT_EQ(df.message_id(), 6u);
  EXPECT_EQ(df.fragments_held(), 1u);
  // The lower one is dropped now.
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(feed(df, m5, i, *cp.rx).state, State::Dropped);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    auto r = feed(df, m6, i, *cp.rx);
    if (i + 2 < n) {
      EXPECT_EQ(r.state, State::Incomplete);
    } else {
      ASSERT_EQ(r.state, State::Complete) << r.why;
      EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner6));
    }
  }
  // A retransmission of the completed message is dropped (the caller
  // answers retransmitted requests from its window).
  EXPECT_EQ(feed(df, m6, 0, *cp.rx).state, State::Dropped);
  EXPECT_EQ(df.dropped(), n + 1);
  // reset() forgets it.
  df.reset();
  for (std::size_t i = 0; i < n; ++i) feed(df, m5, i, *cp.rx);
  EXPECT_EQ(df.message_id(), 5u);
  EXPECT_FALSE(df.assembling());
}

TEST(IkeWireFragments, TotalFragmentsChange) {
  // The same message retransmitted in smaller fragments (RFC 7383 2.5.2).
  auto cp = cipher_pair(kSuites[2]);
  const auto inner = auth_inner(2600);
  const Sealed big = seal(auth_header(7), inner, *cp.tx, 1280);
  const Sealed small = seal(auth_header(7), inner, *cp.tx, 576);
  ASSERT_LT(big.dgrams.size(), small.dgrams.size());
  Defragmenter df;
  EXPECT_EQ(feed(df, big, 0, *cp.rx).state, State::Incomplete);
  EXPECT_EQ(feed(df, big, 1, *cp.rx).state, State::Incomplete);
  EXPECT_EQ(feed(df, small, 2, *cp.rx).state, State::Incomplete);  // higher Total: restart
  EXPECT_EQ(df.fragments_held(), 1u);
  auto low = feed(df, big, 2, *cp.rx);  // lower Total: dropped
  EXPECT_EQ(low.state, State::Dropped);
  EXPECT_NE(low.why.find("Total"), std::string::npos) << low.why;
  Defragmenter::Result r;
  for (std::size_t i = 0; i < small.dgrams.size(); ++i)
    if (i != 2) r = feed(df, small, i, *cp.rx);
  ASSERT_EQ(r.state, State::Complete) << r.why;
  EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner));
}

TEST(IkeWireFragments, HeaderMustMatchTheOtherFragments) {
  auto cp = cipher_pair(kSuites[0]);
  const auto inner = auth_inner(2600);
  const Sealed req = seal(auth_header(3), inner, *cp.tx, 576);
  const Sealed resp = seal(auth_header(3, flags::kResponse), inner, *cp.tx, 576);
  Defragmenter df;
  EXPECT_EQ(feed(df, req, 0, *cp.rx).state, State::Incomplete);
  auto r = feed(df, resp, 1, *cp.rx);
  EXPECT_EQ(r.state, State::Dropped);
  EXPECT_EQ(df.fragments_held(), 1u);
}

TEST(IkeWireFragments, MaxFragments) {
  auto cp = cipher_pair(kSuites[0]);
  const auto inner = auth_inner(2600);
  const Sealed s = seal(auth_header(1), inner, *cp.tx, 576);
  const std::size_t n = s.dgrams.size();
  Defragmenter tight(n - 1);
  for (std::size_t i = 0; i < n; ++i) {
    auto r = feed(tight, s, i, *cp.rx);
    EXPECT_EQ(r.state, State::Dropped);
    EXPECT_NE(r.why.find("more than"), std::string::npos) << r.why;
  }
  EXPECT_FALSE(tight.assembling());
  Defragmenter exact(n);
  Defragmenter::Result r;
  for (std::size_t i = 0; i < n; ++i) r = feed(exact, s, i, *cp.rx);
  EXPECT_EQ(r.state, State::Complete);
  EXPECT_THROW(Defragmenter(0), std::invalid_argument);
  EXPECT_THROW(Defragmenter(65536), std::invalid_argument);
}

TEST(IkeWireFragments, MaxBytesAbandonsTheMessage) {
  auto cp = cipher_pair(kSuites[3]);
  const auto inner = auth_inner(2600);
  const std::size_t total = chain_bytes(inner).size();
  const Sealed s = seal(auth_header(1), inner, *cp.tx, 576);
  const std::size_t n = s.dgrams.size();
  Defragmenter df(64, total - 1);
  std::size_t abandoned_at = n;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = feed(df, s, i, *cp.rx);
    if (i + 1 < n) {
      EXPECT_EQ(r.state, State::Incomplete);
    } else {
      EXPECT_EQ(r.state, State::Dropped);
      EXPECT_NE(r.why.find("abandoned"), std::string::npos) << r.why;
      abandoned_at = i;
    }
  }
  EXPECT_EQ(abandoned_at, n - 1);
  EXPECT_FALSE(df.assembling());
  // Its fragments stay dropped; the next message (which fits) completes.
  EXPECT_EQ(feed(df, s, 0, *cp.rx).state, State::Dropped);
  const auto small_inner = auth_inner(300);
  const Sealed next = seal(auth_header(2), small_inner, *cp.tx, 300);
  ASSERT_GT(next.dgrams.size(), 1u);
  Defragmenter::Result r;
  for (std::size_t i = 0; i < next.dgrams.size(); ++i) r = feed(df, next, i, *cp.rx);
  ASSERT_EQ(r.state, State::Complete) << r.why;
  EXPECT_EQ(chain_bytes(r.inner), chain_bytes(small_inner));
  // Exactly the limit is fine.
  Defragmenter exact(64, total);
  for (std::size_t i = 0; i < n; ++i) r = feed(exact, s, i, *cp.rx);
  EXPECT_EQ(r.state, State::Complete);
}

TEST(IkeWireFragments, LargeMessageNeedsRaisedLimits) {
  auto cp = cipher_pair(kSuites[1]);
  std::vector<Payload> big;
  for (std::uint8_t seed : {std::uint8_t{1}, std::uint8_t{2}})
    big.push_back(make_payload(PayloadType::CERT,
                               CertPayload{CertEncoding::X509Signature, pattern(40000, seed)}));
  const Sealed s = seal(auth_header(1), big, *cp.tx, 1280);
  ASSERT_GT(s.dgrams.size(), 64u);
  Defragmenter dflt;
  EXPECT_EQ(feed(dflt, s, 0, *cp.rx).state, State::Dropped);
  Defragmenter raised(128, 1u << 17);
  Defragmenter::Result r;
  for (std::size_t i = s.dgrams.size(); i-- > 0;) r = feed(raised, s, i, *cp.rx);
  ASSERT_EQ(r.state, State::Complete) << r.why;
  EXPECT_EQ(chain_bytes(r.inner), chain_bytes(big));
}

TEST(IkeWireFragments, AuthenticatedButInnerDoesNotParse) {
  auto cp = cipher_pair(kSuites[0]);
  std::vector<Payload> inner = auth_inner(2000);
  Payload odd;
  odd.type = static_cast<PayloadType>(201);
  odd.critical = true;
  odd.body = RawPayload{{9}};
  inner.push_back(odd);
  const Sealed s = seal(auth_header(2), inner, *cp.tx, 576);
  Defragmenter df;
  Defragmenter::Result r;
  for (std::size_t i = 0; i < s.dgrams.size(); ++i) r = feed(df, s, i, *cp.rx);
  EXPECT_EQ(r.state, State::Dropped);
  ASSERT_TRUE(r.inner_error.has_value());
  EXPECT_EQ(r.inner_error->notify(), NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
  EXPECT_FALSE(df.assembling());
}

TEST(IkeWireFragments, ParsedMustMatchTheDatagram) {
  auto cp = cipher_pair(kSuites[0]);
  const Sealed s = seal(auth_header(3), auth_inner(2600), *cp.tx, 576);
  ASSERT_GE(s.dgrams.size(), 3u);
  for (int edit = 0; edit < 5; ++edit) {
    Message m = s.parsed[1];
    auto* f = m.payloads[0].as<SkfPayload>();
    switch (edit) {
      case 0: m.header.message_id = 4; break;
      case 1: f->number = 2 + 1; break;
      case 2: f->total = static_cast<std::uint16_t>(f->total + 1); break;
      case 3: m.header.flags ^= flags::kResponse; break;
      default: f->inner_first = PayloadType::IDi; break;
    }
    Defragmenter df;
    auto r = df.add(s.dgrams[1], m, *cp.rx);
    EXPECT_EQ(r.state, State::Dropped) << edit;
    EXPECT_FALSE(df.assembling());
  }
}

TEST(IkeWireFragments, NotAFragment) {
  auto cp = cipher_pair(kSuites[0]);
  const Sealed s = seal(auth_header(1), auth_inner(10), *cp.tx, 0);
  Defragmenter df;
  auto r = feed(df, s, 0, *cp.rx);
  EXPECT_EQ(r.state, State::Dropped);
  EXPECT_EQ(df.dropped(), 1u);
}

}  // namespace
