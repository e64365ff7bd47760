// The Engine's SA table: installs and deletes (one at a time or many, card
// writes coalesced through a WriteBatch), address updates, state reads, and
// reprogramming a card that lost its memory from the host shadow. Every
// function here runs under the card lock (Engine::Impl::mu).
#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "engine_impl.hpp"

namespace esp::runtime {

namespace {

std::string spi_str(uint32_t spi) {
  std::ostringstream os;
  os << "0x" << std::hex << spi;
  return os.str();
}

std::string at(size_t i, size_t n) { return n == 1 ? std::string() : " (config " + std::to_string(i) + ")"; }

}  // namespace

std::vector<SaHandle> Engine::Impl::add_many(const SaConfig* cfgs, size_t n) {
  const char* what = n == 1 ? "add_sa" : "add_sas";
  for (size_t i = 0; i < n; ++i) {
    try {
      cfgs[i].validate();
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(what) + at(i, n) + ": " + e.what());
    }
  }
  if (n > free_slots.size()) {
    throw SaTableFull(std::string(what) + ": SA table full: " + std::to_string(n) + " SAs asked, " +
                      std::to_string(free_slots.size()) + " of " + std::to_string(slots.size()) + " slots free");
  }
  {
    std::unordered_set<uint32_t> batch_spis;
    for (size_t i = 0; i < n; ++i) {
      if (cfgs[i].direction != Direction::Inbound) continue;
      if (spi.find(cfgs[i].spi) != 0 || !batch_spis.insert(cfgs[i].spi).second) {
        throw DuplicateSpi(std::string(what) + at(i, n) + ": an inbound SA with SPI " + spi_str(cfgs[i].spi) +
                           " is already installed");
      }
    }
  }

  // Host-side placement first (slots, replay blocks, SPI cuckoo moves), so
  // that a failure part-way undoes only host state.
  struct Placed {
    uint32_t index;
    uint64_t roff, rlen;
  };
  std::vector<Placed> placed;
  placed.reserve(n);
  changed.clear();
  auto undo = [&] {
    for (size_t k = placed.size(); k-- > 0;) {
      const SaConfig& c = cfgs[k];
      if (c.direction == Direction::Inbound) {
        uint32_t b = 0;
        spi.erase(c.spi, b);
        if (placed[k].rlen) replay.free(placed[k].roff, placed[k].rlen);
      }
    }
  };
  for (size_t i = 0; i < n; ++i) {
    const SaConfig& c = cfgs[i];
    const uint32_t index = free_slots[free_slots.size() - 1 - i];
    Placed p{index, 0, 0};
    if (c.direction == Direction::Inbound) {
      p.rlen = detail::replay_footprint(c.window_bits);
      auto off = replay.alloc(p.rlen);
      if (!off) {
        const uint64_t rlen = p.rlen;
        undo();
        throw SaTableFull(std::string(what) + at(i, n) + ": replay region full: no room for a " +
                          std::to_string(c.window_bits) + "-bit window (" + std::to_string(rlen) + " bytes; " +
                          std::to_string(replay.free_bytes()) + " of " + std::to_string(replay.size()) +
                          " bytes free, largest block " + std::to_string(replay.largest_free()) + ")");
      }
      p.roff = *off;
      if (spi.insert(c.spi, index + 1, changed) != detail::SpiTable::Insert::Ok) {
        replay.free(p.roff, p.rlen);
        undo();
        throw SaTableFull(std::string(what) + at(i, n) + ": SPI table cannot place SPI " + spi_str(c.spi) + " (" +
                          std::to_string(spi.size()) + " SPIs in " + std::to_string(spi.buckets()) +
                          " buckets; no cuckoo path within " + std::to_string(detail::SpiTable::kMaxPathLength) +
                          " moves)");
      }
    }
    placed.push_back(p);
  }

  // The card: every structure in one batch of coalesced writes. The card is
  // not running (card lock), so the order of the writes does not matter.
  std::vector<SaHandle> out(n);
  try {
    wb.clear();
    for (size_t i = 0; i < n; ++i) {
      const SaConfig& c = cfgs[i];
      const Placed& p = placed[i];
      uint32_t gen = slots[p.index].generation + 1;
      if (gen == 0) gen = 1;  // 0 is never a live generation
      out[i] = SaHandle{p.index, gen};
      detail::encode_sa_entry(c, gen, p.roff, image(p.index));
      wb.add(lay.sa_table, uint64_t(p.index) * spec::sa_entry::SIZE, image(p.index), spec::sa_entry::SIZE);
      wb.zero(lay.counters, uint64_t(p.index) * spec::sa_counters::SIZE, spec::sa_counters::SIZE);
      if (p.rlen) wb.zero(lay.replay, p.roff, p.rlen);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (uint32_t b : changed) {
      wb.add(lay.spi_table, uint64_t(b) * spec::spi_bucket::SIZE, spi.bucket_image(b), spec::spi_bucket::SIZE);
    }
    wb.flush(dev);
  } catch (...) {
    wb.clear();
    for (const Placed& p : placed) detail::secure_wipe(image(p.index), spec::sa_entry::SIZE);
    // The SPI buckets may have reached the card: put the old ones back.
    undo();
    try {
      for (uint32_t b : changed) {
        dev.write(lay.spi_table, uint64_t(b) * spec::spi_bucket::SIZE, spi.bucket_image(b), spec::spi_bucket::SIZE);
      }
      for (const Placed& p : placed) {
        wb.zero(lay.sa_table, uint64_t(p.index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
      }
      wb.flush(dev);
    } catch (...) {
    }
    throw;
  }

  for (size_t i = 0; i < n; ++i) {
    const SaConfig& c = cfgs[i];
    const Placed& p = placed[i];
    Slot& s = slots[p.index];
    s.generation = out[i].generation;
    s.used = true;
    s.inbound = c.direction == Direction::Inbound;
    s.esn = c.esn;
    s.spi = c.spi;
    s.window_bits = s.inbound ? c.window_bits : 0;
    s.replay_off = p.roff;
    s.replay_len = p.rlen;
    s.tx_bound = s.inbound ? 0 : c.seq_start - 1;
    s.rx_bound = 0;
    s.packets = s.bytes = 0;
    live[p.index].store(s.generation, std::memory_order_release);
  }
  free_slots.resize(free_slots.size() - n);
  installed += n;
  return out;
}

void Engine::Impl::remove_many(const SaHandle* hs, size_t n) {
  const char* what = n == 1 ? "delete_sa" : "delete_sas";
  {
    std::unordered_set<uint32_t> seen;
    for (size_t i = 0; i < n; ++i) {
      require(hs[i], what);
      if (!seen.insert(hs[i].index).second) {
        throw std::invalid_argument(std::string(what) + ": SA index " + std::to_string(hs[i].index) +
                                    " given twice");
      }
    }
  }
  changed.clear();
  wb.clear();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t index = hs[i].index;
    Slot& s = slots[index];
    live[index].store(0, std::memory_order_release);
    if (s.inbound) {
      uint32_t b = 0;
      if (spi.erase(s.spi, b)) changed.push_back(b);
      replay.free(s.replay_off, s.replay_len);
    }
    // The whole entry: VALID cleared, key and salt gone, on the card and here.
    wb.zero(lay.sa_table, uint64_t(index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
    detail::secure_wipe(image(index), spec::sa_entry::SIZE);
    const uint32_t gen = s.generation;
    s = Slot{};
    s.generation = gen;
    free_slots.push_back(index);
    --installed;
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (uint32_t b : changed) {
    wb.add(lay.spi_table, uint64_t(b) * spec::spi_bucket::SIZE, spi.bucket_image(b), spec::spi_bucket::SIZE);
  }
  wb.flush(dev);
}

void Engine::Impl::update(SaHandle h, const SaUpdate& u) {
  require(h, "update_sa");
  namespace fb = spec::sa_entry::flags_bit;
  uint8_t* img = image(h.index);
  spec::SaEntry e;
  spec::unpack(img, e);
  const bool tunnel = (e.flags & fb::TUNNEL) != 0;
  auto addr = [](const uint8_t* b, bool v6) {
    IpAddr a;
    a.version = v6 ? 6 : 4;
    std::memcpy(a.bytes.data(), b, v6 ? 16 : 4);
    return a;
  };
  IpAddr src = addr(e.tun_src, e.flags & fb::OUTER_V6), dst = addr(e.tun_dst, e.flags & fb::OUTER_V6);
  if (u.tun_src) src = *u.tun_src;
  if (u.tun_dst) dst = *u.tun_dst;
  if ((u.tun_src || u.tun_dst) && !tunnel) {
    throw std::invalid_argument("update_sa: tunnel addresses given for a transport-mode SA");
  }
  for (const IpAddr* a : {&src, &dst}) {
    if (a->version != 4 && a->version != 6) throw std::invalid_argument("update_sa: address version must be 4 or 6");
  }
  if (tunnel && src.version != dst.version) {
    throw std::invalid_argument("update_sa: tun_src " + src.str() + " and tun_dst " + dst.str() +
                                " are of different families");
  }
  const bool encap = u.udp_encap.value_or((e.flags & fb::UDP_ENCAP) != 0);
  const uint16_t sport = u.udp_sport.value_or(e.udp_sport), dport = u.udp_dport.value_or(e.udp_dport);
  if (encap && (sport == 0 || dport == 0)) {
    throw std::invalid_argument("update_sa: UDP encapsulation needs non-zero ports, got " + std::to_string(sport) +
                                " -> " + std::to_string(dport));
  }
  if (tunnel) {
    std::memset(e.tun_src, 0, sizeof e.tun_src);
    std::memset(e.tun_dst, 0, sizeof e.tun_dst);
    std::memcpy(e.tun_src, src.bytes.data(), src.version == 4 ? 4 : 16);
    std::memcpy(e.tun_dst, dst.bytes.data(), dst.version == 4 ? 4 : 16);
    e.flags = (e.flags & ~fb::OUTER_V6) | (src.version == 6 ? fb::OUTER_V6 : 0u);
  }
  e.flags = (e.flags & ~fb::UDP_ENCAP) | (encap ? fb::UDP_ENCAP : 0u);
  e.udp_sport = sport;
  e.udp_dport = dport;
  spec::pack(e, img);
  detail::secure_wipe(&e, sizeof e);
  // Everything but tx_seq, which the card owns (it has moved on since install).
  namespace f = spec::sa_entry;
  wb.clear();
  const uint64_t base = uint64_t(h.index) * f::SIZE;
  wb.add(lay.sa_table, base, img, f::tx_seq::offset);
  const uint64_t after = f::tx_seq::offset + f::tx_seq::size;
  wb.add(lay.sa_table, base + after, img + after, f::SIZE - after);
  wb.flush(dev);
}

Engine::SaState Engine::Impl::state(SaHandle h) {
  require(h, "sa_state");
  Engine::SaState st;
  const Slot& s = slots[h.index];
  if (s.inbound) {
    uint8_t head[spec::replay_state::SIZE];
    dev.read(lay.replay, s.replay_off, head, sizeof head);
    st.replay_top = spec::get<spec::replay_state::top>(head);
  } else {
    namespace f = spec::sa_entry;
    uint8_t ent[f::SIZE] = {};
    dev.read(lay.sa_table, uint64_t(h.index) * f::SIZE + f::tx_seq::offset, ent + f::tx_seq::offset, f::tx_seq::size);
    st.tx_seq = spec::get<f::tx_seq>(ent);
  }
  return st;
}

SaCounters Engine::Impl::counters(SaHandle h) {
  require(h, "counters");
  uint8_t img[spec::sa_counters::SIZE];
  dev.read(lay.counters, uint64_t(h.index) * spec::sa_counters::SIZE, img, sizeof img);
  SaCounters out;
  spec::unpack(img, out);
  return out;
}

void Engine::Impl::reprogram() {
  wb.clear();
  wb.add(lay.spi_table, 0, spi.image(), spi.image_bytes());
  std::vector<uint8_t> word(spec::CTL_WORD_BYTES, 0xFF), head(spec::replay_state::SIZE);
  uint8_t ent[spec::sa_entry::SIZE] = {};
  uint8_t ctr[spec::sa_counters::SIZE];
  for (uint32_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    const uint64_t base = uint64_t(i) * spec::sa_entry::SIZE;
    if (!s.used) {
      wb.zero(lay.sa_table, base, spec::sa_entry::SIZE);
      continue;
    }
    wb.add(lay.sa_table, base, image(i), spec::sa_entry::SIZE);
    if (!s.inbound) {
      // Resume after every number the card can have used.
      spec::set<spec::sa_entry::tx_seq>(ent, s.tx_bound);
      wb.add(lay.sa_table, base + spec::sa_entry::tx_seq::offset, ent + spec::sa_entry::tx_seq::offset,
             spec::sa_entry::tx_seq::size);
    } else {
      // top at the highest number it can have accepted; every bit set: each
      // number at or below top counts as seen.
      std::fill(head.begin(), head.end(), uint8_t(0));
      spec::set<spec::replay_state::top>(head.data(), s.rx_bound);
      wb.add(lay.replay, s.replay_off, head.data(), head.size());
      const uint64_t words = (spec::replay_state_bytes(s.window_bits) - spec::replay_state::SIZE) / spec::CTL_WORD_BYTES;
      for (uint64_t w = 0; w < words; ++w) {
        wb.add(lay.replay, s.replay_off + spec::replay_state::SIZE + w * spec::CTL_WORD_BYTES, word.data(), word.size());
      }
    }
    SaCounters c;
    c.packets = s.packets;
    c.bytes = s.bytes;
    spec::pack(c, ctr);
    wb.add(lay.counters, uint64_t(i) * spec::sa_counters::SIZE, ctr, sizeof ctr);
  }
  wb.flush(dev);
}

void Engine::Impl::wipe_card() {
  wb.clear();
  wb.zero(lay.sa_table, 0, lay.sa_table.size);
  wb.zero(lay.spi_table, 0, lay.spi_table.size);
  wb.zero(lay.replay, 0, lay.replay.size);
  wb.zero(lay.counters, 0, lay.counters.size);
  wb.flush(dev);
}

}  // namespace esp::runtime
