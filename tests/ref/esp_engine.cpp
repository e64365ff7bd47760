// RefEngine: the SA table, the SPI lookup, lifetimes and counters, and the
// per-descriptor checks common to both directions (CONTRACT "Every descriptor").
#include <cstdint>
#include <stdexcept>
#include <string>

#include "esp_ref.hpp"

namespace esp::ref {

using runtime::Direction;
using spec::Status;

void check_sa_config(const runtime::SaConfig& cfg) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("esp_ref: bad SA config: " + what); };
  if (cfg.key.size() != 16 && cfg.key.size() != 32) bad("key must be 16 or 32 bytes");
  if (cfg.icv_len != 8 && cfg.icv_len != 12 && cfg.icv_len != 16) bad("icv_len must be 8, 12 or 16");
  if (cfg.direction == Direction::Inbound) {
    uint32_t w = cfg.window_bits;
    if (w < spec::MIN_WINDOW_BITS || w > spec::MAX_WINDOW_BITS || (w & (w - 1)) != 0)
      bad("window_bits must be a power of two in 64..65536");
  } else {
    if (cfg.seq_start == 0) bad("seq_start must be at least 1");
    if (!cfg.esn && cfg.seq_start > 0xFFFFFFFFull) bad("seq_start beyond the 32-bit sequence space");
    if (cfg.mode == spec::Mode::TUNNEL) {
      if (cfg.tun_src.version != 4 && cfg.tun_src.version != 6) bad("tun_src unset");
      if (cfg.tun_src.version != cfg.tun_dst.version) bad("tun_src and tun_dst of different families");
      if (cfg.flow_label > 0xFFFFF) bad("flow_label wider than 20 bits");
    }
  }
}

RefEngine::RefEngine(uint32_t sa_capacity) : slots_(sa_capacity) {}

uint32_t RefEngine::add_sa(const runtime::SaConfig& cfg) {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].valid) {
      add_sa_at(i, cfg);
      return i;
    }
  }
  throw std::runtime_error("esp_ref: SA table full");
}

void RefEngine::add_sa_at(uint32_t index, const runtime::SaConfig& cfg) {
  check_sa_config(cfg);
  if (index >= slots_.size()) throw std::out_of_range("esp_ref: SA index out of range");
  if (slots_[index].valid) throw std::runtime_error("esp_ref: SA slot in use");
  if (cfg.direction == Direction::Inbound && spi_to_sa_.count(cfg.spi))
    throw std::runtime_error("esp_ref: inbound SPI already installed");
  Slot& s = slots_[index];
  s = Slot{};
  s.used = true;
  s.valid = true;
  s.cfg = cfg;
  if (cfg.direction == Direction::Inbound) {
    s.replay = std::make_unique<ReplayWindow>(cfg.window_bits);
    spi_to_sa_[cfg.spi] = index;
  } else {
    s.tx_seq = cfg.seq_start - 1;
  }
}

void RefEngine::remove_sa(uint32_t index) {
  Slot& s = slots_.at(index);
  if (!s.valid) return;
  s.valid = false;
  if (s.cfg.direction == Direction::Inbound) spi_to_sa_.erase(s.cfg.spi);
}

void RefEngine::update_sa(uint32_t index, const runtime::SaConfig& cfg) {
  check_sa_config(cfg);
  Slot& s = slots_.at(index);
  if (!s.valid) throw std::logic_error("esp_ref: update_sa of an SA that is not installed");
  if (cfg.direction != s.cfg.direction || cfg.spi != s.cfg.spi || cfg.esn != s.cfg.esn ||
      (cfg.direction == Direction::Inbound && cfg.window_bits != s.cfg.window_bits))
    throw std::invalid_argument("esp_ref: update_sa changes the direction, SPI, ESN or window");
  s.cfg = cfg;  // tx_seq, counters and the replay window stay
}

void RefEngine::load_state(uint32_t index, const spec::SaState& line, const std::vector<uint8_t>& ring_image) {
  Slot& s = slots_.at(index);
  if (!s.valid) throw std::logic_error("esp_ref: load_state of an SA that is not installed");
  static_cast<spec::SaCounters&>(s.counters) = line.counters;
  if (s.replay) {
    s.replay->load(line.seq, ring_image.empty() ? std::vector<uint8_t>(spec::replay_ring_bytes(s.cfg.window_bits), 0)
                                                : ring_image);
  } else {
    s.tx_seq = line.seq;
  }
}

spec::SaState RefEngine::state_line(uint32_t index) const {
  const Slot& s = slot(index);
  spec::SaState line;
  line.seq = s.replay ? s.replay->top() : s.tx_seq;
  line.counters = s.counters;
  return line;
}

std::vector<uint8_t> RefEngine::state_line_image(uint32_t index) const {
  std::vector<uint8_t> img(spec::sa_state::SIZE);
  spec::pack(state_line(index), img.data());
  return img;
}

void RefEngine::set_counters(uint32_t sa_index, const Counters& c) { slots_.at(sa_index).counters = c; }

void RefEngine::count_event(uint32_t& c) {
  if (c != UINT32_MAX) c += 1;
}

const RefEngine::Slot& RefEngine::slot(uint32_t index) const { return slots_.at(index); }
bool RefEngine::valid(uint32_t index) const { return slot(index).valid; }
const runtime::SaConfig& RefEngine::config(uint32_t index) const { return slot(index).cfg; }
Counters RefEngine::counters(uint32_t index) const { return slot(index).counters; }
uint64_t RefEngine::tx_seq(uint32_t index) const { return slot(index).tx_seq; }

const ReplayWindow& RefEngine::replay(uint32_t index) const {
  const Slot& s = slot(index);
  if (!s.replay) throw std::logic_error("esp_ref: not an inbound SA");
  return *s.replay;
}

void RefEngine::set_replay_top(uint32_t sa_index, uint64_t top) {
  Slot& s = slots_.at(sa_index);
  if (!s.replay) throw std::logic_error("esp_ref: not an inbound SA");
  s.replay->reset(top);
}

void RefEngine::set_tx_seq(uint32_t sa_index, uint64_t tx_seq) { slots_.at(sa_index).tx_seq = tx_seq; }

bool RefEngine::hard_expired(const Slot& s) {
  const auto& hard = s.cfg.hard;
  return (hard.packets != 0 && s.counters.packets >= hard.packets) ||
         (hard.bytes != 0 && s.counters.bytes >= hard.bytes);
}

void RefEngine::count_ok(Slot& s, size_t bytes, Output& out) {
  s.counters.packets += 1;
  s.counters.bytes += bytes;
  const auto& soft = s.cfg.soft;
  if ((soft.packets != 0 && s.counters.packets >= soft.packets) ||
      (soft.bytes != 0 && s.counters.bytes >= soft.bytes)) {
    out.soft_expired = true;
    count_event(s.counters.soft_events);
  }
}

Output RefEngine::encrypt(uint32_t sa_index, const Bytes& ip_packet, uint32_t out_capacity) {
  return process(static_cast<uint8_t>(spec::Opcode::ENCRYPT), sa_index, false, ip_packet, out_capacity);
}

Output RefEngine::encrypt_with_iv(uint32_t sa_index, const Bytes& ip_packet, const Iv& iv, uint32_t out_capacity) {
  if (ip_packet.empty() || ip_packet.size() > spec::MAX_PKT_BYTES) {
    Output out;
    out.status = Status::MALFORMED;
    return out;
  }
  return encap(sa_index, ip_packet, &iv, false, out_capacity);
}

Output RefEngine::encrypt_dummy(uint32_t sa_index, const Bytes& in, uint32_t out_capacity) {
  return process_flags(static_cast<uint8_t>(spec::Opcode::ENCRYPT), sa_index, spec::descriptor::flags_bit::DUMMY, in,
                       out_capacity);
}

Output RefEngine::decrypt(const Bytes& ip_packet, uint32_t out_capacity) {
  return process(static_cast<uint8_t>(spec::Opcode::DECRYPT), 0, false, ip_packet, out_capacity);
}

Output RefEngine::decrypt_with_sa(uint32_t sa_index, const Bytes& ip_packet, uint32_t out_capacity) {
  return process(static_cast<uint8_t>(spec::Opcode::DECRYPT), sa_index, true, ip_packet, out_capacity);
}

Output RefEngine::process(uint8_t op, uint32_t sa_index, bool use_sa_index, const Bytes& in,
                          uint32_t out_capacity) {
  const uint8_t flags = use_sa_index ? spec::descriptor::flags_bit::USE_SA_INDEX : uint8_t{0};
  return process_flags(op, sa_index, flags, in, out_capacity);
}

Output RefEngine::process_flags(uint8_t op, uint32_t sa_index, uint8_t flags, const Bytes& in,
                                uint32_t out_capacity) {
  namespace fb = spec::descriptor::flags_bit;
  Output out;
  // Every descriptor, step 1: opcode.
  if (op >= static_cast<uint8_t>(spec::Opcode::SA_INSTALL) && op <= static_cast<uint8_t>(spec::Opcode::STOP))
    throw std::invalid_argument("esp_ref: command opcode " + std::to_string(op) +
                                " in process(): commands are RefEngine methods");
  if (op != static_cast<uint8_t>(spec::Opcode::ENCRYPT) && op != static_cast<uint8_t>(spec::Opcode::DECRYPT)) {
    out.status = Status::BAD_OPCODE;
    return out;
  }
  // Step 2: length (offsets are not modelled).
  if (in.empty() || in.size() > spec::MAX_PKT_BYTES) {
    out.status = Status::MALFORMED;
    return out;
  }
  if (op == static_cast<uint8_t>(spec::Opcode::ENCRYPT))
    return encap(sa_index, in, nullptr, (flags & fb::DUMMY) != 0, out_capacity);
  return decap((flags & fb::USE_SA_INDEX) != 0, sa_index, in, out_capacity);
}

}  // namespace esp::ref
