// The batch codec (esp/runtime/detail/batch_codec.hpp): kernel arguments from
// a card layout, descriptor images, completion images and what the Engine
// reports of them, and the completion contract check. Images are checked
// field by field against the spec's field offsets (spec::get / spec::set).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "esp/runtime/detail/batch_codec.hpp"

namespace spec = esp::spec;
namespace d = esp::runtime::detail;
using esp::driver::CardBuffer;
using esp::runtime::Result;
using spec::Status;

namespace {

CardBuffer buf(uint64_t addr, uint32_t handle) { return CardBuffer{addr, 0x1000, handle}; }

}  // namespace

TEST(BatchCodec, KernelArgsPointAtTheLayout) {
  d::CardLayout lay;
  lay.sa_table = buf(0x10000, 1);
  lay.sa_state = buf(0x20000, 2);
  lay.replay = buf(0x30000, 3);
  lay.desc_ring = buf(0x50000, 5);
  lay.cpl_ring = buf(0x60000, 6);
  lay.pkt_in = buf(0x70000, 7);
  lay.pkt_out = buf(0x80000, 8);
  lay.sa_capacity = 4096;
  lay.spi_buckets_log2 = 10;
  lay.ring_log2 = 9;
  const auto args = d::kernel_args(lay, 17);
  namespace a = spec::arg;
  const struct {
    a::Index i;
    uint64_t want;
  } cases[] = {
      {a::SA_TABLE, 0x10000},  {a::SA_STATE, 0x20000},   {a::REPLAY, 0x30000},
      {a::DESC_RING, 0x50000}, {a::CPL_RING, 0x60000},   {a::PKT_IN, 0x70000}, {a::PKT_OUT, 0x80000},
      {a::RING_FIRST, 17},     {a::RING_LOG2, 9},        {a::SA_CAPACITY, 4096},  {a::SPI_BUCKETS_LOG2, 10},
  };
  static_assert(sizeof cases / sizeof cases[0] == a::COUNT, "every kernel argument");
  for (const auto& c : cases) EXPECT_EQ(args.value(c.i), c.want) << "argument " << unsigned(c.i);
}

TEST(BatchCodec, CommandsAreTheOpcodesFromSaInstallToStop) {
  for (unsigned v = 0; v < 256; ++v) {
    const auto op = static_cast<spec::Opcode>(v);
    const bool want = op == spec::Opcode::SA_INSTALL || op == spec::Opcode::SA_DELETE || op == spec::Opcode::SPI_SET ||
                      op == spec::Opcode::STATE_SYNC || op == spec::Opcode::STOP;
    EXPECT_EQ(d::is_command(op), want) << v;
  }
}

TEST(BatchCodec, DescriptorImagesFollowTheSpec) {
  std::vector<d::Descriptor> ds(3);
  for (size_t k = 0; k < ds.size(); ++k) {
    ds[k].op = k == 1 ? spec::Opcode::DECRYPT : spec::Opcode::ENCRYPT;
    ds[k].flags = static_cast<uint8_t>(k == 2 ? spec::descriptor::flags_bit::DUMMY : 0);
    ds[k].sa_index = 0x01020304u + uint32_t(k);
    ds[k].in_offset = 0x1122334455667700ull + 64 * k;
    ds[k].in_length = 1500 + uint32_t(k);
    ds[k].out_capacity = 1600 + uint32_t(k);
    ds[k].out_offset = 0x0102030405060700ull + 128 * k;
  }
  std::vector<uint8_t> img(ds.size() * spec::descriptor::SIZE, 0xEE);
  d::pack_descriptors(ds.data(), ds.size(), img.data());
  namespace f = spec::descriptor;
  for (size_t k = 0; k < ds.size(); ++k) {
    const uint8_t* p = img.data() + k * f::SIZE;
    EXPECT_EQ(spec::get<f::op>(p), static_cast<uint8_t>(ds[k].op));
    EXPECT_EQ(spec::get<f::flags>(p), ds[k].flags);
    EXPECT_EQ(spec::get<f::sa_index>(p), ds[k].sa_index);
    EXPECT_EQ(spec::get<f::in_offset>(p), ds[k].in_offset);
    EXPECT_EQ(spec::get<f::in_length>(p), ds[k].in_length);
    EXPECT_EQ(spec::get<f::out_capacity>(p), ds[k].out_capacity);
    EXPECT_EQ(spec::get<f::out_offset>(p), ds[k].out_offset);
    EXPECT_EQ(p[2], 0) << "reserved bytes are written as 0";
    EXPECT_EQ(p[3], 0);
  }
}

TEST(BatchCodec, CompletionsBecomeResults) {
  namespace f = spec::completion;
  struct Case {
    Status status;
    uint16_t flags;
    bool soft;
  };
  const Case cases[] = {{Status::OK, f::flags_bit::SOFT_EXPIRED, true},
                        {Status::DUMMY, 0, false},
                        {Status::REPLAY, 0, false},
                        {Status::OK, 0, false}};
  const size_t n = sizeof cases / sizeof cases[0];
  std::vector<uint8_t> img(n * f::SIZE, 0);
  for (size_t k = 0; k < n; ++k) {
    uint8_t* p = img.data() + k * f::SIZE;
    spec::set<f::status>(p, static_cast<uint16_t>(cases[k].status));
    spec::set<f::flags>(p, cases[k].flags);
    spec::set<f::sa_index>(p, 7 + uint32_t(k));
    spec::set<f::out_offset>(p, 64ull * k);
    spec::set<f::out_length>(p, cases[k].status == Status::OK ? 100u + uint32_t(k) : 0u);
    spec::set<f::spi>(p, 0xC0DE0000u + uint32_t(k));
    spec::set<f::seq>(p, 0x100000000ull * k + 5);
  }
  std::vector<d::Completion> cs(n);
  d::unpack_completions(img.data(), n, cs.data());
  for (size_t k = 0; k < n; ++k) {
    EXPECT_EQ(cs[k].out_offset, 64ull * k);
    EXPECT_EQ(cs[k].out_length, cases[k].status == Status::OK ? 100u + k : 0u);
    Result r;
    r.data = {1, 2, 3};
    d::fill_result(cs[k], r);
    EXPECT_EQ(r.status, cases[k].status) << k;
    EXPECT_EQ(r.soft_expired, cases[k].soft) << k;
    EXPECT_EQ(r.sa_index, 7 + k);
    EXPECT_EQ(r.spi, 0xC0DE0000u + k);
    EXPECT_EQ(r.seq, 0x100000000ull * k + 5);
    EXPECT_EQ(r.data, (std::vector<uint8_t>{1, 2, 3})) << "the data is the caller's to fill";
  }
}

TEST(BatchCodec, CompletionBreachNamesWhatIsWrong) {
  d::Descriptor desc;
  desc.out_offset = 640;
  desc.out_capacity = 128;
  struct Case {
    Status status;
    uint64_t out_offset;
    uint32_t out_length;
    const char* want;  // "" = keeps the contract; else a substring of the breach
  };
  const Case cases[] = {
      {Status::OK, 640, 128, ""},
      {Status::OK, 640, 0, ""},
      {Status::AUTH_FAIL, 640, 0, ""},
      {Status::DUMMY, 640, 0, ""},
      {Status::OK, 640, 129, "out_length 129 with status OK (capacity 128)"},
      {Status::DUMMY, 640, 1, "out_length 1 with status DUMMY"},
      {Status::REPLAY, 0, 0, "out_offset 0 (descriptor 640)"},
      {Status::OK, 704, 200, "out_offset 704 (descriptor 640), out_length 200"},
  };
  for (const Case& c : cases) {
    d::Completion comp;
    comp.status = c.status;
    comp.out_offset = c.out_offset;
    comp.out_length = c.out_length;
    const std::string b = d::completion_breach(desc, comp);
    if (*c.want == 0) {
      EXPECT_EQ(b, "") << spec::status_name(c.status) << " " << c.out_offset << " " << c.out_length;
    } else {
      EXPECT_NE(b.find(c.want), std::string::npos) << "breach '" << b << "' lacks '" << c.want << "'";
    }
  }
}
