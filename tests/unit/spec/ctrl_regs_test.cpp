// esp::spec::CtrlRegs, the generated C++ model of the AXI4-Lite control slave:
// the same ap_ctrl_hs, interrupt, argument and identity semantics as the
// generated esp_ctrl_regs.sv (whose behaviour tests/unit/cosim checks).
#include <gtest/gtest.h>

#include <cstdint>

#include "esp/spec/esp_ctrl_regs.hpp"

namespace {

namespace spec = esp::spec;
namespace ctrl = spec::reg::ctrl;
using spec::CtrlRegs;

TEST(CtrlRegs, AfterResetOnlyIdle) {
  CtrlRegs r;
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_IDLE);
  EXPECT_EQ(r.read(spec::reg::GIE), 0u);
  EXPECT_EQ(r.read(spec::reg::IER), 0u);
  EXPECT_EQ(r.read(spec::reg::ISR), 0u);
  EXPECT_FALSE(r.interrupt());
  EXPECT_FALSE(r.start_pending());
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) EXPECT_EQ(r.arg(i), 0u) << spec::arg::NAME[i];
}

struct Identity {
  uint32_t offset;
  uint32_t value;
};

TEST(CtrlRegs, IdentityRegistersAreReadOnlyAndFromTheSpec) {
  const Identity ids[] = {{spec::reg::ID, spec::KERNEL_ID},
                          {spec::reg::VERSION, spec::VERSION},
                          {spec::reg::CAPS, spec::caps::ALL},
                          {spec::reg::SPEC_HASH, spec::SPEC_HASH}};
  CtrlRegs r;
  for (const Identity& id : ids) {
    EXPECT_EQ(r.read(id.offset), id.value) << std::hex << id.offset;
    r.write(id.offset, ~id.value);
    EXPECT_EQ(r.read(id.offset), id.value) << std::hex << id.offset << " after a write";
  }
}

TEST(CtrlRegs, ArgumentsReadBackReservedWordsReadZero) {
  CtrlRegs r;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    r.write(spec::arg::OFFSET[i], 0xA5000000u + i);
    if (spec::arg::WIDTH[i] == 64) r.write(spec::arg::OFFSET[i] + 4, 0x5A000000u + i);
    r.write(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8, 0xFFFFFFFFu);  // the reserved word
  }
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    const uint64_t hi = spec::arg::WIDTH[i] == 64 ? uint64_t(0x5A000000u + i) << 32 : 0;
    EXPECT_EQ(r.arg(i), hi | (0xA5000000u + i)) << spec::arg::NAME[i];
    EXPECT_EQ(r.read(spec::arg::OFFSET[i]), 0xA5000000u + i) << spec::arg::NAME[i];
    if (spec::arg::WIDTH[i] == 64) {
      EXPECT_EQ(r.read(spec::arg::OFFSET[i] + 4), 0x5A000000u + i);
    }
    EXPECT_EQ(r.read(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8), 0u) << spec::arg::NAME[i] << " reserved";
  }
  EXPECT_EQ(r.read(0x90), 0u);
  EXPECT_EQ(r.read(0xFC), 0u);
  EXPECT_EQ(r.arg(spec::arg::COUNT), 0u);
}

struct StrobeCase {
  uint8_t strb;
  uint32_t want;
};

TEST(CtrlRegs, WritesMergeByteStrobes) {
  const StrobeCase cases[] = {{0x0, 0x11223344u}, {0x1, 0x112233DDu}, {0x6, 0x11BBCC44u}, {0x8, 0xAA223344u},
                              {0xF, 0xAABBCCDDu}};
  for (const StrobeCase& c : cases) {
    CtrlRegs r;
    r.write(spec::arg::OFFSET[spec::arg::DESC_RING] + 4, 0x11223344u);
    r.write(spec::arg::OFFSET[spec::arg::DESC_RING] + 4, 0xAABBCCDDu, c.strb);
    EXPECT_EQ(r.read(spec::arg::OFFSET[spec::arg::DESC_RING] + 4), c.want) << int(c.strb);
    EXPECT_EQ(r.arg(spec::arg::DESC_RING), uint64_t(c.want) << 32) << int(c.strb);
  }
  CtrlRegs r;
  r.write(spec::reg::CTRL, ctrl::AP_START, 0xE);  // AP_START's byte lane not strobed
  EXPECT_FALSE(r.ap_start());
  r.write(spec::reg::IER, 3, 0xE);
  EXPECT_EQ(r.read(spec::reg::IER), 0u);
}

TEST(CtrlRegs, InterruptRegisters) {
  CtrlRegs r;
  r.write(spec::reg::GIE, 1);
  r.write(spec::reg::IER, 0xFF);  // two bits
  EXPECT_EQ(r.read(spec::reg::GIE), 1u);
  EXPECT_EQ(r.read(spec::reg::IER), 3u);
  r.write(spec::reg::ISR, 1);  // toggle on write
  EXPECT_EQ(r.read(spec::reg::ISR), 1u);
  EXPECT_TRUE(r.interrupt());
  r.write(spec::reg::ISR, 3);
  EXPECT_EQ(r.read(spec::reg::ISR), 2u);
  r.write(spec::reg::GIE, 0);
  EXPECT_FALSE(r.interrupt());
  r.write(spec::reg::CTRL, ctrl::AUTO_RESTART);  // no AP_START: nothing pending
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_IDLE | ctrl::AUTO_RESTART);
  EXPECT_FALSE(r.start_pending());
  r.write(spec::reg::CTRL, 0);
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_IDLE);
}

struct RunCase {
  uint32_t ier;
  bool auto_restart;
  uint32_t isr_after;
};

TEST(CtrlRegs, ARunSetsDoneAndReadyClearedOnRead) {
  const RunCase cases[] = {{0, false, 0}, {1, false, 1}, {2, false, 2}, {3, false, 3}, {1, true, 1}};
  for (const RunCase& c : cases) {
    CtrlRegs r;
    r.write(spec::reg::IER, c.ier);
    r.write(spec::reg::CTRL, ctrl::AP_START | (c.auto_restart ? ctrl::AUTO_RESTART : 0u));
    EXPECT_TRUE(r.start_pending());
    bool ran = false, idle_inside = true;
    r.run([&] {
      ran = true;
      idle_inside = r.idle();
    });
    EXPECT_TRUE(ran);
    EXPECT_FALSE(idle_inside) << "not idle while the kernel runs";
    const uint32_t c1 = r.read(spec::reg::CTRL);
    EXPECT_TRUE(c1 & ctrl::AP_DONE);
    EXPECT_TRUE(c1 & ctrl::AP_READY);
    EXPECT_TRUE(c1 & ctrl::AP_IDLE);
    EXPECT_EQ(bool(c1 & ctrl::AP_START), c.auto_restart) << "AP_START is kept only with AUTO_RESTART";
    const uint32_t c2 = r.read(spec::reg::CTRL);
    EXPECT_FALSE(c2 & (ctrl::AP_DONE | ctrl::AP_READY)) << "clear on read";
    EXPECT_EQ(r.read(spec::reg::ISR), c.isr_after) << "ier " << c.ier;
    EXPECT_EQ(r.start_pending(), c.auto_restart);
  }
}

TEST(CtrlRegs, DoneAndReadyPulsesAreIndependent) {
  CtrlRegs r;
  r.write(spec::reg::IER, 2);
  r.write(spec::reg::CTRL, ctrl::AP_START);
  r.set_idle(false);
  EXPECT_FALSE(r.start_pending());
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_START);
  r.ready();
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_READY);
  EXPECT_EQ(r.read(spec::reg::ISR), 2u);
  r.done();
  r.set_idle(true);
  EXPECT_EQ(r.read(spec::reg::CTRL), ctrl::AP_DONE | ctrl::AP_IDLE);
  EXPECT_EQ(r.read(spec::reg::ISR), 2u) << "IER bit 0 is off: done does not interrupt";
}

TEST(CtrlRegs, ValidOffsets) {
  EXPECT_TRUE(CtrlRegs::valid_offset(0));
  EXPECT_TRUE(CtrlRegs::valid_offset(spec::reg::SPACE_BYTES - 4));
  EXPECT_FALSE(CtrlRegs::valid_offset(spec::reg::SPACE_BYTES));
  EXPECT_FALSE(CtrlRegs::valid_offset(2));
}

}  // namespace
