// Every Wycheproof AES-GCM vector through the HLS core (AES-128/192/256),
// accounted for against the file's own counts (ref/wycheproof.hpp): the
// vectors with a 96-bit IV run, the others are skipped by reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "gcm_test_util.hpp"
#include "ref/wycheproof.hpp"

#ifndef ESP_WYCHEPROOF_AES_GCM
#error "ESP_WYCHEPROOF_AES_GCM (path of wycheproof_aes_gcm_test.json) must be defined"
#endif

using esp_test::Bytes;
using esp_test::from_hex;
using esp_test::to_hex;

namespace {

namespace wp = esp::ref::wycheproof;

nlohmann::json load_vectors() {
  std::ifstream f(ESP_WYCHEPROOF_AES_GCM);
  if (!f) throw std::runtime_error(std::string("cannot open ") + ESP_WYCHEPROOF_AES_GCM);
  return nlohmann::json::parse(f);
}

// The core takes 12-byte nonces (salt | ESP IV, RFC 4106), so vectors with
// other IV sizes are skipped, and counted as such.
constexpr const char* kSkipIv = "IV not 96 bits: the core takes 12-byte nonces";

TEST(HlsGcmWycheproof, EveryVectorRunOrSkippedByReason) {
  const nlohmann::json doc = load_vectors();
  size_t passed = 0, valid = 0, invalid = 0, acceptable = 0;
  std::map<unsigned, size_t> ran_by_key;
  const wp::Tally tally = wp::walk(doc, [&](const nlohmann::json& g, const nlohmann::json& t) -> std::string {
    if (g.at("ivSize").get<unsigned>() != 96) return kSkipIv;
    const unsigned tag_bytes = g.at("tagSize").get<unsigned>() / 8;
    ++ran_by_key[g.at("keySize").get<unsigned>()];
    const int tc = t.at("tcId").get<int>();
    const std::string comment = t.at("comment").get<std::string>();
    const std::string result = t.at("result").get<std::string>();
    const Bytes key = from_hex(t.at("key").get<std::string>()), iv = from_hex(t.at("iv").get<std::string>()),
                aad = from_hex(t.at("aad").get<std::string>()), msg = from_hex(t.at("msg").get<std::string>()),
                ct = from_hex(t.at("ct").get<std::string>()), tag = from_hex(t.at("tag").get<std::string>());
    EXPECT_EQ(iv.size(), 12u) << "tcId " << tc;
    EXPECT_EQ(tag.size(), tag_bytes) << "tcId " << tc;
    bool ok = true;

    // Decrypt + verify: what a receiver does with (ct, tag).
    Bytes pt;
    uint8_t dtag[16];
    esp_test::hls_gcm(key, iv, aad, ct, /*encrypt=*/false, pt, dtag);
    const bool verifies = esp::hls::tag_equal(dtag, tag.data(), tag_bytes);

    if (result == "valid") {
      ++valid;
      Bytes out;
      uint8_t etag[16];
      esp_test::hls_gcm(key, iv, aad, msg, /*encrypt=*/true, out, etag);
      if (out != ct || to_hex(etag, tag_bytes) != to_hex(tag)) {
        ok = false;
        ADD_FAILURE() << "tcId " << tc << " (" << comment << "): encrypt gave ct " << to_hex(out) << " tag "
                      << to_hex(etag, tag_bytes) << ", expected ct " << to_hex(ct) << " tag " << to_hex(tag);
      }
      if (!verifies || pt != msg) {
        ok = false;
        ADD_FAILURE() << "tcId " << tc << " (" << comment << "): valid vector did not decrypt/verify";
      }
    } else if (result == "invalid") {
      ++invalid;
      if (verifies) {
        ok = false;
        ADD_FAILURE() << "tcId " << tc << " (" << comment << "): invalid vector passed tag verification";
      }
    } else {  // "acceptable": either outcome, but a verified tag must give the message
      ++acceptable;
      if (verifies && pt != msg) {
        ok = false;
        ADD_FAILURE() << "tcId " << tc << " (" << comment << "): acceptable vector verified with a wrong plaintext";
      }
    }
    if (ok) ++passed;
    return {};
  });
  std::printf("Wycheproof AES-GCM through the HLS core: %s; valid %zu, invalid %zu, acceptable %zu, passed %zu\n",
              tally.summary().c_str(), valid, invalid, acceptable, passed);
  EXPECT_EQ(wp::account(tally), "") << ESP_WYCHEPROOF_AES_GCM;
  // The skips are exactly the groups with another IV size, counted from the group headers.
  const size_t other_iv =
      wp::count_in_groups(doc, [](const nlohmann::json& g) { return g.at("ivSize").get<unsigned>() != 96; });
  EXPECT_EQ(tally.skipped_total(), other_iv);
  EXPECT_EQ(tally.skipped.count(kSkipIv) ? tally.skipped.at(kSkipIv) : 0u, other_iv);
  // Every key size (128, 192, 256) ran, each as many vectors as its 96-bit-IV groups hold.
  for (unsigned bits : {128u, 192u, 256u}) {
    const size_t want = wp::count_in_groups(doc, [bits](const nlohmann::json& g) {
      return g.at("ivSize").get<unsigned>() == 96 && g.at("keySize").get<unsigned>() == bits;
    });
    EXPECT_GT(want, 0u) << bits << "-bit keys";
    EXPECT_EQ(ran_by_key[bits], want) << bits << "-bit keys";
  }
  EXPECT_EQ(passed, tally.ran);
  EXPECT_EQ(valid + invalid + acceptable, tally.ran);
}

}  // namespace
