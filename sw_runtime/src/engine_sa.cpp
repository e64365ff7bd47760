// The Engine's SA table: installs and deletes (one at a time or many, card
// writes coalesced through a WriteBatch, the card told with commands in its
// ring), address updates, state reads, and reprogramming a card that was
// reset from the host shadow. Every function here runs under the card lock
// (Engine::Impl::mu), so card memory changes fall between runs.
//
// CONTRACT.md "The card's own state": the host writes an SA's entry, state
// line and replay ring between runs, then queues its SA_INSTALL (KEEP_STATE
// when only the entry changed); queued commands go first in the next run.
// A delete queues SPI_SET (emptied slot) and SA_DELETE and runs them at once
// (a command-only run): only then is the entry's key wiped in card memory
// and the slot and replay ring free for reuse.
#include <algorithm>
#include <cstring>
#include <exception>
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
        uint32_t slot = 0;
        spi.erase(c.spi, slot);
        if (placed[k].rlen) replay.free(placed[k].roff, placed[k].rlen);
      }
    }
    // Cuckoo moves of the undone inserts stay (valid placements): the card
    // follows the host's table in every slot that changed.
    queue_spi_sets();
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
        undo();  // a refused insert changed nothing
        throw SaTableFull(std::string(what) + at(i, n) + ": SPI table cannot place SPI " + spi_str(c.spi) + " (" +
                          std::to_string(spi.size()) + " SPIs in " + std::to_string(spi.buckets()) +
                          " buckets; no cuckoo path within " + std::to_string(detail::SpiTable::kMaxPathLength) +
                          " moves)");
      }
    }
    placed.push_back(p);
  }

  // Card memory: entry, state line (seq, counters 0) and zeroed replay ring
  // of every new SA in one batch of coalesced writes; the card is not
  // running (card lock). Then the commands: SA_INSTALL of each, the SPI_SET
  // of every changed slot.
  std::vector<SaHandle> out(n);
  try {
    wb.clear();
    uint8_t line[spec::sa_state::SIZE];
    for (size_t i = 0; i < n; ++i) {
      const SaConfig& c = cfgs[i];
      const Placed& p = placed[i];
      uint32_t gen = slots[p.index].generation + 1;
      if (gen == 0) gen = 1;  // 0 is never a live generation
      out[i] = SaHandle{p.index, gen};
      detail::encode_sa_entry(c, gen, p.roff, image(p.index));
      wb.add(lay.sa_table, uint64_t(p.index) * spec::sa_entry::SIZE, image(p.index), spec::sa_entry::SIZE);
      spec::SaState st;
      st.seq = c.direction == Direction::Inbound ? 0u : c.seq_start - 1;
      spec::pack(st, line);
      wb.add(lay.sa_state, uint64_t(p.index) * spec::sa_state::SIZE, line, sizeof line);
      if (p.rlen) wb.zero(lay.replay, p.roff, p.rlen);
    }
    wb.flush(dev);
  } catch (...) {
    wb.clear();
    for (const Placed& p : placed) detail::secure_wipe(image(p.index), spec::sa_entry::SIZE);
    undo();
    try {
      for (const Placed& p : placed) {
        wb.zero(lay.sa_table, uint64_t(p.index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
      }
      wb.flush(dev);
    } catch (...) {
    }
    throw;
  }
  for (size_t i = 0; i < n; ++i) queue_install(placed[i].index, false);
  queue_spi_sets();

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
  // Host side first: the handles stop being valid, the SPI slots empty.
  changed.clear();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t index = hs[i].index;
    live[index].store(0, std::memory_order_release);
    if (slots[index].inbound) {
      uint32_t slot = 0;
      if (spi.erase(slots[index].spi, slot)) changed.push_back(slot);
    }
  }
  queue_spi_sets();
  for (size_t i = 0; i < n; ++i) {
    detail::Command c;
    c.op = spec::Opcode::SA_DELETE;
    c.sa_index = hs[i].index;
    ring.queue(c);
  }
  // The SA_DELETEs run now (with whatever else is queued); then the entries'
  // keys are wiped in card memory and the slots and replay rings are free.
  // When the run fails the SAs are gone from the host all the same (a card
  // that failed is reset and reprogrammed from the shadow, which no longer
  // holds them) and the wipe is still attempted; the error propagates.
  std::exception_ptr failed;
  try {
    flush_commands();
  } catch (...) {
    failed = std::current_exception();
  }
  wb.clear();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t index = hs[i].index;
    Slot& s = slots[index];
    if (s.inbound) replay.free(s.replay_off, s.replay_len);
    // The whole entry: VALID cleared, key and salt gone, on the card and here.
    wb.zero(lay.sa_table, uint64_t(index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
    detail::secure_wipe(image(index), spec::sa_entry::SIZE);
    const uint32_t gen = s.generation;
    s = Slot{};
    s.generation = gen;
    free_slots.push_back(index);
    --installed;
  }
  try {
    wb.flush(dev);
  } catch (...) {
    if (!failed) failed = std::current_exception();
  }
  if (failed) std::rethrow_exception(failed);
}

void Engine::Impl::queue_install(uint32_t index, bool keep_state) {
  detail::Command c;
  c.op = spec::Opcode::SA_INSTALL;
  c.flags = keep_state ? spec::descriptor::flags_bit::KEEP_STATE : uint8_t(0);
  c.sa_index = index;
  ring.queue(c);
}

void Engine::Impl::queue_spi_sets() {
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (uint32_t slot : changed) ring.queue(spi.command(slot));
  changed.clear();
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
  // The entry only (sequence number, replay state and counters are in the
  // card's state line and ring): rewritten now, installed again with
  // KEEP_STATE in the next run.
  dev.write(lay.sa_table, uint64_t(h.index) * spec::sa_entry::SIZE, img, spec::sa_entry::SIZE);
  queue_install(h.index, true);
}

// The state line in card memory is current once a STATE_SYNC has written
// back what the card holds (its runs end with STOP KEEP_STATE); an SA whose
// install has not run yet still has the line the host wrote.
spec::SaState Engine::Impl::state_line(SaHandle h, const char* what) {
  require(h, what);
  sync_state();
  uint8_t line[spec::sa_state::SIZE];
  dev.read(lay.sa_state, uint64_t(h.index) * spec::sa_state::SIZE, line, sizeof line);
  spec::SaState st;
  spec::unpack(line, st);
  return st;
}

Engine::SaState Engine::Impl::state(SaHandle h) {
  const uint64_t seq = state_line(h, "sa_state").seq;  // (require()s h before slots[h.index])
  Engine::SaState st;
  (slots[h.index].inbound ? st.replay_top : st.tx_seq) = seq;
  return st;
}

SaCounters Engine::Impl::counters(SaHandle h) { return state_line(h, "counters").counters; }

// After a card reset the card holds no SA and an empty SPI table, and its
// next run starts at ring index 0: every installed SA's entry, state line
// (outbound: resuming after every number it can have used; inbound: top at
// the highest number it can have accepted, every older one seen; counters:
// the host's tallies of OK packets and bytes) and replay ring are written,
// then installed again, and every non-empty SPI slot set again.
void Engine::Impl::reprogram() {
  ring.restart();
  state_on_card = false;  // the reset card holds nothing: the lines below are the state
  wb.clear();
  std::vector<uint8_t> ring_img;
  uint8_t line[spec::sa_state::SIZE];
  for (uint32_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    const uint64_t base = uint64_t(i) * spec::sa_entry::SIZE;
    if (!s.used) {
      wb.zero(lay.sa_table, base, spec::sa_entry::SIZE);
      continue;
    }
    wb.add_ref(lay.sa_table, base, image(i), spec::sa_entry::SIZE);
    spec::SaState st;
    st.seq = s.inbound ? s.rx_bound : s.tx_bound;
    st.counters.packets = s.packets;
    st.counters.bytes = s.bytes;
    spec::pack(st, line);
    wb.add(lay.sa_state, uint64_t(i) * spec::sa_state::SIZE, line, sizeof line);
    if (s.inbound) {
      ring_img.resize(spec::replay_ring_bytes(s.window_bits));
      detail::encode_replay_seen(s.rx_bound, s.window_bits, ring_img.data());
      wb.add(lay.replay, s.replay_off, ring_img.data(), ring_img.size());
    }
  }
  wb.flush(dev);
  for (uint32_t i = 0; i < slots.size(); ++i) {
    if (slots[i].used) queue_install(i, false);
  }
  changed.clear();
  for (uint32_t slot = 0; slot < spi.slots(); ++slot) {
    if (spi.command(slot).sa_index != spec::NO_SA_INDEX) changed.push_back(slot);
  }
  queue_spi_sets();
  flush_commands();
}

void Engine::Impl::wipe_card() {
  dev.reset_kernel();
  state_on_card = false;
  wb.clear();
  wb.zero(lay.sa_table, 0, lay.sa_table.size);
  wb.zero(lay.sa_state, 0, lay.sa_state.size);
  wb.zero(lay.replay, 0, lay.replay.size);
  wb.flush(dev);
}

}  // namespace esp::runtime
