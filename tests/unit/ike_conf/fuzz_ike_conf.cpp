// libFuzzer entry point over the swanctl.conf parser and the model: any
// input either loads or throws ConfError; anything else (another exception,
// a crash, a sanitizer report) is a finding. Inputs that include files are
// skipped (they would read this machine's files, not the input).
// Built by tests/unit/ike_conf/CMakeLists.txt with clang (-fsanitize=fuzzer).
#include <cstddef>
#include <cstdint>
#include <string>

#include "esp/ike/conf_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find("include") != std::string::npos) return 0;
  try {
    esp::ike::conf::ConfSection root = esp::ike::conf::parse_conf_string(text, "fuzz.conf", "/nonexistent");
    esp::ike::conf::Config cfg = esp::ike::conf::load_config(root);
    (void)cfg;
  } catch (const esp::ike::conf::ConfError&) {
  }
  return 0;
}
