#include "model_card.hpp"

#include <algorithm>

namespace esp::runtime::test {

namespace a = spec::arg;

ModelCard::ModelCard(uint32_t max_sas, uint32_t max_spi_log2)
    : ForwardingDevice([] {
        driver::DeviceOptions o;
        o.backend = "swemu";
        o.card_memory_bytes = 256ull << 20;
        return driver::open_device(o);
      }()),
      max_sas_(max_sas),
      max_spi_log2_(max_spi_log2) {}

std::unique_ptr<ModelCard> open_model_card(uint32_t max_sas, uint32_t max_spi_log2) {
  return std::make_unique<ModelCard>(max_sas, max_spi_log2);
}

uint32_t ModelCard::lookup(uint32_t spi, unsigned log2) const {
  for (unsigned which = 0; which < 2; ++which) {
    const uint32_t b = spec::spi_bucket_index(spi, which, log2);
    for (uint32_t s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      auto it = spi_slots.find(b * spec::SPI_BUCKET_SLOTS + s);
      if (it != spi_slots.end() && it->second.sa_ref != 0 && it->second.spi == spi) return it->second.sa_ref;
    }
  }
  return 0;
}

void ModelCard::reset() {
  installed.clear();
  spi_slots.clear();
  cpl_prod_ = desc_prod_ = 0;
  fresh_ = true;
}

uint32_t ModelCard::do_read_reg(uint32_t offset) {
  switch (offset) {
    case spec::reg::DESC_PROD: return desc_prod_;
    case spec::reg::CPL_PROD: return cpl_prod_;
    case spec::reg::MAX_SAS: return max_sas_;
    case spec::reg::MAX_SPI_BUCKETS_LOG2: return max_spi_log2_;
    default: return ForwardingDevice::do_read_reg(offset);
  }
}

void ModelCard::do_write_reg(uint32_t offset, uint32_t value) {
  if (offset == spec::reg::DESC_PROD) {
    desc_prod_ = value;
    return;
  }
  ForwardingDevice::do_write_reg(offset, value);
}

spec::SaState ModelCard::read_state(const driver::KernelArgs& args, uint32_t index) {
  uint8_t line[spec::sa_state::SIZE];
  inner().read(args.buffer(a::SA_STATE), uint64_t(index) * sizeof line, line, sizeof line);
  spec::SaState st;
  spec::unpack(line, st);
  return st;
}

void ModelCard::write_state(const driver::KernelArgs& args, uint32_t index, const spec::SaState& st) {
  uint8_t line[spec::sa_state::SIZE];
  spec::pack(st, line);
  inner().write(args.buffer(a::SA_STATE), uint64_t(index) * sizeof line, line, sizeof line);
}

spec::Completion ModelCard::command(const driver::KernelArgs& args, const spec::Command& c) {
  spec::Completion r;
  r.sa_index = c.sa_index;
  const uint64_t limit = std::min<uint64_t>(args.scalar(a::SA_CAPACITY), max_sas_);
  if (c.op == fail_op) {
    fail_op = spec::Opcode::NOP;
    r.status = fail_status;
    return r;
  }
  switch (c.op) {
    case spec::Opcode::SA_INSTALL: {
      if (c.sa_index >= limit) {
        r.status = spec::Status::BAD_SA;
        return r;
      }
      uint8_t e[spec::sa_entry::SIZE];
      inner().read(args.buffer(a::SA_TABLE), uint64_t(c.sa_index) * sizeof e, e, sizeof e);
      if (spec::get<spec::sa_entry::flags>(e) & spec::sa_entry::flags_bit::VALID) {
        installed.insert(c.sa_index);
      } else {
        installed.erase(c.sa_index);
      }
      r.spi = spec::get<spec::sa_entry::spi>(e);
      return r;
    }
    case spec::Opcode::SA_DELETE:
      if (c.sa_index >= limit) {
        r.status = spec::Status::BAD_SA;
        return r;
      }
      installed.erase(c.sa_index);
      return r;
    case spec::Opcode::SPI_SET: {
      r.spi = c.spi;
      if (c.slot >= (uint64_t(spec::SPI_BUCKET_SLOTS) << max_spi_log2_)) {
        r.status = spec::Status::MALFORMED;
        return r;
      }
      if (c.sa_index != spec::NO_SA_INDEX && c.sa_index >= limit) {
        r.status = spec::Status::BAD_SA;
        return r;
      }
      if (c.sa_index == spec::NO_SA_INDEX) {
        spi_slots.erase(c.slot);
      } else {
        spi_slots[c.slot] = spec::SpiSlot{c.spi, c.sa_index + 1};
      }
      return r;
    }
    default:  // STATE_SYNC, STOP: the model keeps no state on chip
      return r;
  }
}

spec::Completion ModelCard::packet(const driver::KernelArgs& args, const spec::Descriptor& d) {
  spec::Completion r;
  r.out_offset = d.out_offset;
  r.sa_index = spec::NO_SA_INDEX;
  uint32_t index = d.sa_index;
  if (d.op == spec::Opcode::DECRYPT) {
    uint8_t hdr[4] = {};
    inner().read(args.buffer(a::PKT_IN), d.in_offset, hdr, std::min<uint32_t>(4, d.in_length));
    r.spi = uint32_t(hdr[0]) << 24 | uint32_t(hdr[1]) << 16 | uint32_t(hdr[2]) << 8 | hdr[3];
    const uint32_t ref = lookup(r.spi, unsigned(args.scalar(a::SPI_BUCKETS_LOG2)));
    if (ref == 0) {
      r.status = spec::Status::UNKNOWN_SPI;
      return r;
    }
    index = ref - 1;
  } else if (d.op != spec::Opcode::ENCRYPT) {
    r.status = spec::Status::BAD_OPCODE;
    return r;
  }
  if (index >= args.scalar(a::SA_CAPACITY)) {
    r.status = spec::Status::BAD_SA;
    return r;
  }
  r.sa_index = index;
  if (!installed.count(index)) {
    r.status = spec::Status::SA_DISABLED;
    return r;
  }
  spec::SaState st = read_state(args, index);
  if (d.op == spec::Opcode::ENCRYPT) r.seq = ++st.seq;
  ++st.counters.packets;
  st.counters.bytes += d.in_length;
  write_state(args, index, st);
  return r;
}

void ModelCard::do_run(const driver::KernelArgs& args) {
  Run run;
  run.ring_first = uint32_t(args.scalar(a::RING_FIRST));
  run.desc_prod = desc_prod_;
  run.ring_log2 = uint32_t(args.scalar(a::RING_LOG2));
  const uint32_t size = uint32_t(1) << run.ring_log2;
  const uint32_t expect_first = fresh_ ? 0u : cpl_prod_;
  auto breached = [&](const std::string& why) {
    if (breach.empty()) breach = "run " + std::to_string(runs.size()) + ": " + why;
  };
  if (run.ring_first != expect_first) {
    breached("ring_first " + std::to_string(run.ring_first) + ", CPL_PROD " + std::to_string(expect_first));
  }
  const uint32_t count = run.desc_prod - run.ring_first;
  if (count == 0 || count > size) breached("DESC_PROD - ring_first = " + std::to_string(count));
  bool stopped = false;
  for (uint32_t i = run.ring_first; i != run.desc_prod && !stopped && count <= size; ++i) {
    const uint64_t slot = i & (size - 1);
    uint8_t img[spec::descriptor::SIZE];
    inner().read(args.buffer(a::DESC_RING), slot * sizeof img, img, sizeof img);
    spec::Command c;
    spec::unpack(img, c);
    run.entries.push_back(c);
    spec::Completion r;
    switch (c.op) {
      case spec::Opcode::ENCRYPT:
      case spec::Opcode::DECRYPT:
      case spec::Opcode::NOP: {
        spec::Descriptor d;
        spec::unpack(img, d);
        r = packet(args, d);
        break;
      }
      default:
        r = command(args, c);
        stopped = c.op == spec::Opcode::STOP;
        break;
    }
    spec::pack(r, img);
    inner().write(args.buffer(a::CPL_RING), slot * sizeof img, img, sizeof img);
    cpl_prod_ = i + 1;
  }
  if (!stopped) breached("no STOP before DESC_PROD");
  if (stopped && cpl_prod_ != run.desc_prod) breached("descriptors after the STOP");
  fresh_ = false;
  runs.push_back(std::move(run));
}

}  // namespace esp::runtime::test
