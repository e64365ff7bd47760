// The data plane: a Queue takes bursts of packets in caller-owned buffers and
// gives back one result per packet, in submit order.
//
// Shape (DPDK rte_ipsec style): submit() takes a burst and returns how many it
// accepted; poll() returns results. A packet's input and output buffers belong
// to the caller and must stay valid and untouched from submit() until poll()
// has returned that packet's result. The runtime copies the input once, into
// card memory, and the output once, from card memory into `out`; nothing is
// allocated per packet.
//
// Routing: ENCRYPT goes to the card that holds its SA; DECRYPT to the card its
// SPI names (Runtime::card_of_spi: the runtime reads the SPI from the ESP
// header, after the outer IPv4/IPv6 header and the UDP header of ESP-in-UDP);
// OUTBOUND looks the packet up in the SPD first (protect -> ENCRYPT with the
// policy's SA; bypass, discard, a protect policy with no SA yet -> a host
// status and no card work; see spec::HostStatus). Inbound results that the
// card decrypted are checked against their SA's traffic selectors (RFC 4301
// 5.2) before they are reported OK.
//
// Batches: a Queue fills a batch per card in card memory; while the card runs
// one batch of this queue, the next one fills (double-buffered). A batch goes
// to the card when it is full, on flush(), or when poll() finds the card idle
// for this queue. Today a batch is one kernel run; a streaming descriptor ring
// can replace the runs behind this same interface.
//
// Threads: a Queue belongs to one thread at a time (one queue per data-plane
// thread); different queues, of one card or several, run concurrently, and
// with the runtime's control plane (any thread). The card runs one batch at a
// time; SA and policy changes reach the card between runs, never during one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "esp/runtime/sa_id.hpp"
#include "esp/runtime/status.hpp"

namespace esp::runtime {

class Runtime;

enum class PacketOp : uint8_t {
  Encrypt,   // outbound with an explicit SA (Packet::sa)
  Decrypt,   // inbound: an ESP packet (raw or in UDP); the SPI names the SA
  Outbound,  // outbound through the SPD: protect / bypass / discard / acquire
};

// One packet of a burst; every pointer is the caller's.
struct Packet {
  PacketOp op = PacketOp::Encrypt;
  const uint8_t* data = nullptr;  // the IP packet (Encrypt/Outbound) or the ESP packet (Decrypt)
  uint32_t len = 0;
  uint8_t* out = nullptr;         // where the output goes (OK results only)
  uint32_t out_cap = 0;           // bytes at `out`; too small for the output: status NO_SPACE
  SaId sa;                        // Encrypt: the SA
  bool dummy = false;             // Encrypt/Outbound-protect: a TFC dummy packet (RFC 4303 2.6; see Engine's Request)
  uint64_t user = 0;              // the caller's cookie, returned in the result
};

// The outcome of one packet.
//   status   OK: `out_len` bytes of output at the packet's `out`. Otherwise
//            nothing was written to `out` (BYPASS: send the input as it is).
//   sa       the SA used (card-reported for Decrypt), or {} when none
//   spi/seq  the ESP SPI and full sequence number (card-reported), 0 if none
//   policy   Outbound: the SPD policy that matched (0 = none matched)
//   soft_expired: the SA is past a soft byte/packet lifetime (the card's flag)
struct PacketResult {
  Status status;
  bool soft_expired = false;
  uint32_t out_len = 0;
  SaId sa;
  uint32_t spi = 0;
  uint64_t seq = 0;
  PolicyId policy = 0;
  uint64_t user = 0;
};

struct QueueStats {
  uint64_t submitted = 0, completed = 0;
  uint64_t runs = 0;             // batches this queue sent to cards
  uint64_t host_decided = 0;     // results given without the card (host statuses, too long, stale SA)
};

class Queue {
 public:
  virtual ~Queue() = default;

  // Takes up to n packets (in order) and returns how many it took: fewer
  // when the queue holds `depth` packets not yet polled. A packet the host
  // can decide (stale SA, too long, SPD bypass/discard/no SA) takes a place
  // like any other and gets its result in order.
  virtual size_t submit(const Packet* pkts, size_t n) = 0;

  // Up to max results, in submit order. timeout_ms: 0 returns at once with
  // what is done; > 0 waits up to that long for at least one result; -1
  // waits until at least one result (or nothing is pending: returns 0).
  virtual size_t poll(PacketResult* out, size_t max, int timeout_ms = 0) = 0;

  // Sends every partly filled batch to its card now.
  virtual void flush() = 0;

  // Packets submitted and not yet returned by poll().
  virtual size_t pending() const = 0;
  // The most packets the queue holds (QueueOptions::depth).
  virtual size_t depth() const = 0;
  virtual QueueStats stats() const = 0;
};

struct QueueOptions {
  // Packets held at most (submitted, not yet polled); 0 = four batches per card.
  size_t depth = 0;
};

}  // namespace esp::runtime
