// Test helpers: swanctl directories laid out from the test PKI (pki.hpp) and
// configs parsed from swanctl.conf text.
#pragma once

#include <filesystem>
#include <string>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/conf_syntax.hpp"
#include "pki.hpp"

namespace esp::ike::test {

inline void copy_in(const TempDir& d, const std::string& from, const std::string& to) {
  std::filesystem::create_directories(std::filesystem::path(d.path() + "/" + to).parent_path());
  std::filesystem::copy_file(Pki::get().file(from), d.path() + "/" + to,
                             std::filesystem::copy_options::overwrite_existing);
}

// Our gateway: x509/ moon (PEM), sun (DER), inter; x509ca/ rootrsa, rootec;
// private/moon.key; pkcs8/sun.p8 (encrypted); pubkey/moon.pub.
inline void gateway_dir(const TempDir& d) {
  copy_in(d, "moon.pem", "x509/moon.pem");
  copy_in(d, "sun.der", "x509/sun.der");
  copy_in(d, "inter.pem", "x509/inter.pem");
  copy_in(d, "rootrsa.pem", "x509ca/rootrsa.pem");
  copy_in(d, "rootec.der", "x509ca/rootec.der");
  copy_in(d, "moon.key", "private/moon.key");
  copy_in(d, "sun.p8", "pkcs8/sun.p8");
  copy_in(d, "moon.pub", "pubkey/moon.pub");
}

inline conf::Config config(const std::string& text) {
  return conf::load_config(conf::parse_conf_string(text));
}

inline const std::string kSunSecret =
    std::string("secrets { pkcs8-sun { file = sun.p8\n secret = \"") + Pki::kSunPass + "\" } }\n";

}  // namespace esp::ike::test
