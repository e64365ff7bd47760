// Truncated and mutated configurations, deterministic and bounded: the parser
// and the model either accept the input or throw a ConfError with a
// file:line, nothing else (no crash, no other exception; ASan/UBSan watch
// memory).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "esp/ike/conf_model.hpp"

namespace esp::ike::conf {
namespace {

const char* kSeed = R"(connections {
  base {
    local_addrs = 192.0.2.1, 2001:db8::1
    remote_addrs = 192.0.2.2
    proposals = aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048
    rekey_time = 4h
    local { auth = psk
      id = "moon.example.org" }
    remote { auth = pubkey
      cacerts = ca.pem
      id = C=CH, O=x, CN=sun }
    children {
      net {
        local_ts = 10.1.0.0/16, 10.9.0.1-10.9.0.9[tcp/80]
        remote_ts = dynamic
        esp_proposals = aes256gcm16-esn-modp2048, aes128gmac
        rekey_bytes = 500M
        life_time = 2h
        rekey_time = 1h
      }
    }
  }
  gw : connections.base { remote_addrs = 192.0.2.3 }
}
# comment { }
secrets {
  ike-1 { id = moon.example.org
    secret = 0sZm9vYmFy }
  private-k { file = k.pem
    secret = "pass\"word" }
}
)";

// Only ConfError may escape.
void run(const std::string& text) {
  try {
    ConfSection root = parse_conf_string(text, "fuzz.conf");
    Config cfg = load_config(root);
    (void)cfg;
  } catch (const ConfError& e) {
    EXPECT_EQ(e.loc().file, "fuzz.conf");
    EXPECT_FALSE(e.reason().empty());
  }
}

TEST(ConfFuzz, SeedLoads) {
  Config cfg = load_config(parse_conf_string(kSeed, "seed.conf"));
  EXPECT_EQ(cfg.connections.size(), 2u);
  EXPECT_EQ(cfg.ike_secrets.size(), 1u);
}

TEST(ConfFuzz, EveryTruncation) {
  std::string seed = kSeed;
  for (size_t n = 0; n <= seed.size(); ++n) run(seed.substr(0, n));
}

TEST(ConfFuzz, Mutations) {
  std::string seed = kSeed;
  const char interesting[] = {'{', '}', '=', '"', '\\', '#', ':', ',', '.', '\n', ' ', '\0', '-', '[', ']',
                              '/', '%', '0', 'x', '\xff'};
  std::mt19937 rng(12345);  // fixed seed: the same inputs every run
  for (int iter = 0; iter < 4000; ++iter) {
    std::string t = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      size_t pos = rng() % t.size();
      switch (rng() % 5) {
        case 0: t[pos] = interesting[rng() % sizeof interesting]; break;
        case 1: t.insert(pos, 1, interesting[rng() % sizeof interesting]); break;
        case 2: t.erase(pos, 1 + rng() % 8); break;
        case 3: t[pos] = static_cast<char>(rng() & 0xff); break;
        case 4: {  // duplicate a slice elsewhere
          size_t len = 1 + rng() % 40;
          std::string slice = t.substr(pos, len);
          t.insert(rng() % t.size(), slice);
          break;
        }
      }
    }
    run(t);
  }
}

TEST(ConfFuzz, Pathological) {
  run(std::string(100000, '{'));
  run(std::string(100000, '}'));
  run(std::string(100000, '"'));
  run("a = " + std::string(100000, 'x') + "\n");
  run("a = \"" + std::string(100000, '\\'));
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "s" + std::to_string(i) + " : s" + std::to_string(i + 1) + " { }\n";
  run(many);
  run(std::string("a\0b = c\n", 8));
}

}  // namespace
}  // namespace esp::ike::conf
