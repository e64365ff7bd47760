// Every Wycheproof AES-GCM vector with a 96-bit IV through the HLS core.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "gcm_test_util.hpp"

#ifndef ESP_WYCHEPROOF_AES_GCM
#error "ESP_WYCHEPROOF_AES_GCM (path of wycheproof_aes_gcm_test.json) must be defined"
#endif

using esp_test::Bytes;
using esp_test::from_hex;
using esp_test::to_hex;

namespace {

nlohmann::json load_vectors() {
  std::ifstream f(ESP_WYCHEPROOF_AES_GCM);
  if (!f) throw std::runtime_error(std::string("cannot open ") + ESP_WYCHEPROOF_AES_GCM);
  return nlohmann::json::parse(f);
}

TEST(HlsGcmWycheproof, AllVectorsWith96BitIv) {
  const nlohmann::json doc = load_vectors();
  ASSERT_TRUE(doc.contains("testGroups"));

  // What the file holds, counted independently of the loop below.
  size_t expected = 0;
  for (const auto& g : doc["testGroups"])
    if (g["ivSize"].get<unsigned>() == 96) expected += g["tests"].size();
  ASSERT_GT(expected, 0u) << "no 96-bit-IV vectors in " << ESP_WYCHEPROOF_AES_GCM;

  size_t ran = 0, passed = 0, valid = 0, invalid = 0, acceptable = 0;
  for (const auto& g : doc["testGroups"]) {
    if (g["ivSize"].get<unsigned>() != 96) continue;
    const unsigned tag_bytes = g["tagSize"].get<unsigned>() / 8;
    for (const auto& t : g["tests"]) {
      ++ran;
      const int tc = t["tcId"].get<int>();
      const std::string comment = t["comment"].get<std::string>();
      const std::string result = t["result"].get<std::string>();
      const Bytes key = from_hex(t["key"].get<std::string>()), iv = from_hex(t["iv"].get<std::string>()), aad = from_hex(t["aad"].get<std::string>()),
                  msg = from_hex(t["msg"].get<std::string>()), ct = from_hex(t["ct"].get<std::string>()), tag = from_hex(t["tag"].get<std::string>());
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
    }
  }
  std::printf("Wycheproof AES-GCM, 96-bit IV: ran %zu (valid %zu, invalid %zu, acceptable %zu), passed %zu; "
              "%zu in the file\n",
              ran, valid, invalid, acceptable, passed, expected);
  EXPECT_EQ(ran, expected);
  EXPECT_EQ(passed, ran);
}

}  // namespace
