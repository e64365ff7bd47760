// Prints the card contract as the C++ header sees it, as JSON, so that a test
// can compare it with the Python module and the SystemVerilog package.
#include <cstdio>

#include "esp/spec/esp_spec.hpp"

namespace s = esp::spec;

namespace {
bool g_first = true;
void sep() {
  if (!g_first) std::printf(", ");
  g_first = false;
}
}  // namespace

#define ESP_DUMP_FIELD(st, f) sep(), std::printf("\"%s\": [%u, %u]", #f, s::st::f::offset, s::st::f::size);
#define ESP_DUMP_STRUCT(st)                                             \
  sep(), std::printf("\"%s\": {\"size\": %u, \"fields\": {", #st, s::st::SIZE); \
  g_first = true;                                                       \
  ESP_SPEC_FIELDS_##st(ESP_DUMP_FIELD) std::printf("}}");               \
  g_first = false;


int main() {
  std::printf("{\"SPEC_HASH\": %u, \"KERNEL_ID\": %u, \"VERSION\": %u,\n", s::SPEC_HASH, s::KERNEL_ID, s::VERSION);
  std::printf("\"status\": {");
  g_first = true;
  for (s::Status st : s::kStatusAll) sep(), std::printf("\"%s\": %u", s::status_name(st), static_cast<unsigned>(st));
  std::printf("},\n\"opcode\": {");
  g_first = true;
  for (s::Opcode op : s::kOpcodeAll) sep(), std::printf("\"%s\": %u", s::opcode_name(op), static_cast<unsigned>(op));
  std::printf("},\n\"args\": [");
  for (unsigned i = 0; i < s::arg::COUNT; ++i) {
    std::printf("%s[\"%s\", %u, %u]", i ? ", " : "", s::arg::NAME[i], s::arg::OFFSET[i], s::arg::WIDTH[i]);
  }
  std::printf("],\n\"structs\": {");
  g_first = true;
  ESP_SPEC_STRUCTS(ESP_DUMP_STRUCT)
  std::printf("}}\n");
  return 0;
}
