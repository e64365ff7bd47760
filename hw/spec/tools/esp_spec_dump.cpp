// Prints the card contract as the C++ header sees it, as JSON, so that a test
// can compare it with the Python module and the SystemVerilog package.
//
//   esp-spec-dump              the contract (hash, constants, enums, args, layouts)
//   esp-spec-dump --roundtrip  for each stdin line "<struct> <hex image>": one
//                              JSON line {"fields": unpack(image), "image": hex of
//                              pack(unpack(image))} (tests/py compares it with
//                              the Python dataclasses)
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <type_traits>

#include "esp/spec/esp_spec.hpp"

namespace s = esp::spec;

namespace {
bool g_first = true;
void sep() {
  if (!g_first) std::printf(", ");
  g_first = false;
}

// ---- values of the generated structs as JSON
#define ESP_DECL_STRUCT(st, T) void put_struct(const s::T& v);
ESP_SPEC_VALUE_TYPES(ESP_DECL_STRUCT)
// An integer or enum field as a number; a nested structure as an object.
template <class T>
void put(const T& v) {
  if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    std::printf("%llu", static_cast<unsigned long long>(v));
  } else {
    put_struct(v);
  }
}
template <unsigned N>
void put(const uint8_t (&a)[N]) {
  std::printf("\"");
  for (unsigned i = 0; i < N; ++i) std::printf("%02x", a[i]);
  std::printf("\"");
}
template <class S, unsigned N>
void put(const S (&a)[N]) {
  std::printf("[");
  for (unsigned i = 0; i < N; ++i) std::printf("%s", i ? ", " : ""), put_struct(a[i]);
  std::printf("]");
}
#define ESP_PUT_FIELD(st, f) sep(), std::printf("\"%s\": ", #f), put(v.f);
#define ESP_PUT_STRUCT(st, T)            \
  void put_struct(const s::T& v) {       \
    std::printf("{");                    \
    g_first = true;                      \
    ESP_SPEC_FIELDS_##st(ESP_PUT_FIELD); \
    std::printf("}");                    \
    g_first = false;                     \
  }
ESP_SPEC_VALUE_TYPES(ESP_PUT_STRUCT)

bool from_hex(const std::string& hex, std::vector<uint8_t>& out) {
  if (hex.size() % 2) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return true;
}

template <class T>
bool roundtrip(const std::vector<uint8_t>& image, uint32_t size) {
  if (image.size() != size) return false;
  T v;
  s::unpack(image.data(), v);
  std::vector<uint8_t> again(size, 0xA5);  // pack must write every byte
  s::pack(v, again.data());
  std::printf("{\"fields\": ");
  put_struct(v);
  std::printf(", \"image\": \"");
  for (uint8_t b : again) std::printf("%02x", b);
  std::printf("\"}\n");
  return true;
}

int roundtrip_lines() {
  std::string name, hex;
  std::vector<uint8_t> image;
  while (std::cin >> name >> hex) {
    if (!from_hex(hex, image)) return std::fprintf(stderr, "bad hex for %s\n", name.c_str()), 1;
    bool known = false, ok = false;
#define ESP_RT(st, T) \
  if (name == #st) known = true, ok = roundtrip<s::T>(image, s::st::SIZE);
    ESP_SPEC_VALUE_TYPES(ESP_RT)
#undef ESP_RT
    if (!known || !ok) return std::fprintf(stderr, "%s: unknown struct or wrong size\n", name.c_str()), 1;
    std::fflush(stdout);
  }
  return 0;
}
}  // namespace

#define ESP_DUMP_FIELD(st, f) sep(), std::printf("\"%s\": [%u, %u]", #f, s::st::f::offset, s::st::f::size);
#define ESP_DUMP_STRUCT(st)                                                     \
  sep(), std::printf("\"%s\": {\"size\": %u, \"fields\": {", #st, s::st::SIZE); \
  g_first = true;                                                               \
  ESP_SPEC_FIELDS_##st(ESP_DUMP_FIELD) std::printf("}}");                       \
  g_first = false;
#define ESP_DUMP_CONST(c) sep(), std::printf("\"%s\": %u", #c, s::c);
#define ESP_DUMP_ENUM_META(e, T, P) sep(), std::printf("\"%s\": [%u, %u]", #e, s::P##_COUNT, s::P##_MAX);

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--roundtrip") == 0) return roundtrip_lines();
  if (argc != 1) return std::fprintf(stderr, "usage: esp-spec-dump [--roundtrip]\n"), 2;
  std::printf("{\"SPEC_HASH\": %u, \"KERNEL_ID\": %u, \"VERSION\": %u,\n", s::SPEC_HASH, s::KERNEL_ID, s::VERSION);
  std::printf("\"constants\": {");
  g_first = true;
  ESP_SPEC_CONSTANTS(ESP_DUMP_CONST)
  std::printf("},\n\"enum_meta\": {");
  g_first = true;
  ESP_SPEC_ENUMS(ESP_DUMP_ENUM_META)
  std::printf("},\n\"replay_ring_bytes\": {");
  g_first = true;
  for (uint32_t w : {s::MIN_WINDOW_BITS, s::DEFAULT_WINDOW_BITS, s::MAX_WINDOW_BITS}) {
    sep(), std::printf("\"%u\": %llu", w, static_cast<unsigned long long>(s::replay_ring_bytes(w)));
  }
  std::printf("},\n\"status\": {");
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
