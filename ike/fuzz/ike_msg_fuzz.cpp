// libFuzzer target over the IKEv2 message parser (ike/msg/).
// Properties checked on every input, beyond "no crash, no out-of-bounds read"
// (ASan/UBSan): an error's offset lies within the input; a message parse()
// accepts builds, and the built bytes parse and build again to the same bytes.
// The same bytes are also tried as a decrypted SK plaintext (first byte = the
// first payload type) and as a UDP-4500 datagram.
#include <cstdint>
#include <cstdlib>

#include "esp/ike/message.hpp"
#include "esp/ike/natt.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace esp::ike;
  auto r = parse(data, size);
  if (!r.ok()) {
    check(r.error().offset <= size);
    check(!r.error().reason.empty());
  } else {
    auto b1 = build(r.value());
    check(b1.ok());
    auto r2 = parse(b1.value());
    check(r2.ok());
    auto b2 = build(r2.value());
    check(b2.ok() && b2.value() == b1.value());
  }
  if (size > 0) {
    auto c = parse_payload_chain(static_cast<PayloadType>(data[0]), data + 1, size - 1, 1);
    if (c.ok()) {
      auto b = build_payload_chain(c.value());
      check(b.ok());
      auto c2 = parse_payload_chain(b.value().first, b.value().bytes.data(), b.value().bytes.size());
      check(c2.ok());
    } else {
      check(c.error().offset <= size);
    }
  }
  const Udp4500Class u = classify_udp4500(data, size);
  if (u.kind == Udp4500Kind::Ike) (void)parse(data + u.offset, size - u.offset);
  return 0;
}
