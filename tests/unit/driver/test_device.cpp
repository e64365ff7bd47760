// The Device base class on a fake backend (what reaches the hooks, the
// identity check), KernelArgs, and the backend registry. What every real
// backend does is the conformance suite (device_conformance_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "device_test_util.hpp"
#include "esp/driver/device.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::DeviceOptions;
using esp::driver::KernelArgs;
namespace spec = esp::spec;

using esp::driver::test::error_of;
using esp::driver::test::has;

// A backend that records every hook call; identity registers settable.
class FakeDevice : public Device {
 public:
  std::map<uint32_t, uint32_t> regs = {{spec::reg::ID, spec::KERNEL_ID},
                                       {spec::reg::VERSION, spec::VERSION},
                                       {spec::reg::CAPS, spec::caps::ALL},
                                       {spec::reg::SPEC_HASH, spec::SPEC_HASH}};
  std::vector<std::string> calls;
  CardBuffer next_alloc{0x10000, 0, 0};  // size 0: the page-rounded request

  std::string backend() const override { return "fake"; }
  std::string description() const override { return "fake"; }

 protected:
  uint32_t do_read_reg(uint32_t off) override {
    calls.push_back("read_reg " + std::to_string(off));
    return regs[off];
  }
  void do_write_reg(uint32_t off, uint32_t v) override {
    calls.push_back("write_reg " + std::to_string(off));
    regs[off] = v;
  }
  CardBuffer do_alloc(uint64_t bytes) override {
    calls.push_back("alloc " + std::to_string(bytes));
    CardBuffer b = next_alloc;
    if (b.size == 0) b.size = (bytes + 4095) / 4096 * 4096;
    if (b.handle == 0) b.handle = ++handles_;
    next_alloc.addr += 0x100000;
    return b;
  }
  void do_free(const CardBuffer& a) override { calls.push_back("free " + std::to_string(a.handle)); }
  void do_write(const CardBuffer& a, uint64_t off, const void*, uint64_t n) override {
    calls.push_back("write " + std::to_string(a.handle) + " " + std::to_string(off) + " " + std::to_string(n));
  }
  void do_read(const CardBuffer& a, uint64_t off, void*, uint64_t n) override {
    calls.push_back("read " + std::to_string(a.handle) + " " + std::to_string(off) + " " + std::to_string(n));
  }
  void wait_done() override { calls.push_back("wait_done"); }

 private:
  uint32_t handles_ = 0;
};

TEST(DeviceBase, RefusedCallsNeverReachTheBackend) {
  FakeDevice d;
  uint8_t x[8] = {};
  EXPECT_THROW(d.read_reg(spec::reg::SPACE_BYTES), DeviceError);
  EXPECT_THROW(d.write_reg(6, 0), DeviceError);
  EXPECT_THROW(d.alloc(0), DeviceError);
  EXPECT_THROW(d.alloc(UINT64_MAX), DeviceError);
  EXPECT_THROW(d.read(CardBuffer{0x10000, 4096, 1}, 0, x, 1), DeviceError);  // never allocated
  const CardBuffer b = d.alloc(100);
  d.calls.clear();
  EXPECT_THROW(d.write(b, 4095, x, 2), DeviceError);
  EXPECT_THROW(d.free(esp::driver::sub(b, 0, 64)), DeviceError);
  EXPECT_THROW(d.run(KernelArgs{}), DeviceError);
  EXPECT_TRUE(d.calls.empty()) << d.calls.front();
}

TEST(DeviceBase, HooksGetTheAllocationAndTheOffsetInIt) {
  FakeDevice d;
  const CardBuffer b = d.alloc(3 * 4096);
  const CardBuffer s = esp::driver::sub(esp::driver::sub(b, 4096, 8192), 100, 200);
  uint8_t x[16] = {};
  d.calls.clear();
  d.write(s, 10, x, sizeof x);
  d.read(s, 0, x, 0);  // n = 0: checked, not passed on
  d.read(b, 5, x, 1);
  const std::string h = std::to_string(b.handle);
  EXPECT_EQ(d.calls, (std::vector<std::string>{"write " + h + " 4206 16", "read " + h + " 5 1"}));
}

TEST(DeviceBase, AMalformedAllocationOfABackendIsRefused) {
  FakeDevice d;
  d.next_alloc = CardBuffer{0x10000, 100, 0};  // not whole pages
  EXPECT_TRUE(has(error_of([&] { d.alloc(100); }), "malformed allocation"));
  d.next_alloc = CardBuffer{0x10000, 4096, 5};
  const CardBuffer b = d.alloc(1);
  d.next_alloc = CardBuffer{0x20000, 4096, 5};  // the same handle again
  EXPECT_TRUE(has(error_of([&] { d.alloc(1); }), "malformed allocation"));
  d.free(b);
}

TEST(DeviceBase, TheDefaultRunProgramsTheArgumentsThenStarts) {
  FakeDevice d;
  const CardBuffer b = d.alloc(4096);
  KernelArgs a;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i]) a.set(static_cast<spec::arg::Index>(i), esp::driver::sub(b, 64 * i, 64));
  }
  a.set(spec::arg::RING_LOG2, uint64_t{7});
  d.calls.clear();
  d.run(a);
  ASSERT_GE(d.calls.size(), 2u);
  EXPECT_EQ(d.calls[d.calls.size() - 2], "write_reg " + std::to_string(spec::reg::CTRL));
  EXPECT_EQ(d.calls.back(), "wait_done");
  EXPECT_EQ(d.regs[spec::reg::CTRL], spec::reg::ctrl::AP_START);
  EXPECT_EQ(d.regs[spec::arg::OFFSET[spec::arg::RING_LOG2]], 7u);
  const uint64_t desc = b.addr + 64 * spec::arg::DESC_RING;
  EXPECT_EQ(d.regs[spec::arg::OFFSET[spec::arg::DESC_RING]], static_cast<uint32_t>(desc));
  EXPECT_EQ(d.regs[spec::arg::OFFSET[spec::arg::DESC_RING] + 4], static_cast<uint32_t>(desc >> 32));
}

// check_identity: which register differs, with the card's and the host's value.
struct IdentityCase {
  const char* what;
  uint32_t offset;
  uint32_t card_value;
  uint32_t required_caps;
  const char* expect;  // in the message; nullptr: accepted
};

TEST(DeviceBase, IdentityCheckNamesWhatDiffers) {
  const uint32_t all = spec::caps::ALL;
  const IdentityCase cases[] = {
      {"same card", spec::reg::ID, spec::KERNEL_ID, all, nullptr},
      {"other kernel", spec::reg::ID, spec::KERNEL_ID ^ 0x100u, all, "ID: card 0x"},
      {"other version", spec::reg::VERSION, spec::VERSION + 1, all, "VERSION: card 0x"},
      {"other spec", spec::reg::SPEC_HASH, spec::SPEC_HASH ^ 1u, all, "SPEC_HASH: card 0x"},
      {"more caps than needed", spec::reg::CAPS, all | 0x80000000u, all, nullptr},
      {"a cap missing", spec::reg::CAPS, all & ~spec::caps::GMAC, all, "CAPS: card 0x"},
      {"a missing cap the host does not need", spec::reg::CAPS, all & ~spec::caps::GMAC, all & ~spec::caps::GMAC,
       nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    FakeDevice d;
    d.regs[c.offset] = c.card_value;
    const std::string e = error_of([&] { d.check_identity(c.required_caps); });
    if (!c.expect) {
      EXPECT_EQ(e, "");
      continue;
    }
    EXPECT_TRUE(has(e, c.expect)) << e;
    EXPECT_TRUE(has(e, "fake: the card does not run this host's esp_engine")) << e;
    // Only the register that differs is named.
    int named = 0;
    for (const char* r : {"ID:", "VERSION:", "CAPS:", "SPEC_HASH:"}) named += has(e, std::string(" ") + r);
    EXPECT_EQ(named, 1) << e;
  }
  FakeDevice d;
  d.regs[spec::reg::CAPS] = 0;
  d.regs[spec::reg::SPEC_HASH] = 0;
  const std::string e = error_of([&] { d.check_identity(); });
  EXPECT_TRUE(has(e, "CAPS: card 0x0, host requires 0x")) << e;
  EXPECT_TRUE(has(e, "SPEC_HASH: card 0x0, host 0x")) << e;
}

TEST(KernelArgsTest, PointerAndScalarArgumentsAreNotInterchangeable) {
  KernelArgs a;
  EXPECT_THROW(a.set(spec::arg::RING_FIRST, CardBuffer{0x1000, 64, 1}), DeviceError);
  EXPECT_THROW(a.set(spec::arg::SA_TABLE, uint64_t{5}), DeviceError);
  a.set(spec::arg::SA_TABLE, CardBuffer{0x123400000000ull, 64, 1});
  a.set(spec::arg::RING_FIRST, uint64_t{7});
  EXPECT_EQ(a.value(spec::arg::SA_TABLE), 0x123400000000ull);
  EXPECT_EQ(a.value(spec::arg::RING_FIRST), 7u);
}

TEST(Registry, UnknownBackendNamesTheChoices) {
  DeviceOptions o;
  o.backend = "fpga9000";
  const std::string e = error_of([&] { esp::driver::open_device(o); });
  EXPECT_TRUE(has(e, "unknown backend 'fpga9000'")) << e;
  EXPECT_TRUE(has(e, "swemu")) << e;
}

int opened = 0;

TEST(Registry, ARegisteredBackendOpensByName) {
  esp::driver::register_backend(
      "fake-listed",
      [](const DeviceOptions& o) {
        ++opened;
        EXPECT_EQ(o.card_memory_bytes, 12345u);
        return std::make_unique<FakeDevice>();
      },
      true);
  esp::driver::register_backend("fake-unlisted", [](const DeviceOptions&) { return std::make_unique<FakeDevice>(); },
                                false);
  const auto names = esp::driver::available_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "fake-listed"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "fake-unlisted"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "swemu"), names.end());
  DeviceOptions o;
  o.backend = "fake-listed";
  o.card_memory_bytes = 12345;
  EXPECT_EQ(esp::driver::open_device(o)->backend(), "fake");
  EXPECT_EQ(opened, 1);
  o.backend = "fake-unlisted";
  EXPECT_NO_THROW(esp::driver::open_device(o));
  EXPECT_TRUE(has(error_of([] {
                    esp::driver::register_backend("swemu",
                                                  [](const DeviceOptions&) { return std::make_unique<FakeDevice>(); });
                  }),
                  "registered already"));
}

}  // namespace
