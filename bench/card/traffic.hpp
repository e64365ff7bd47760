// esp-card-bench: which SA each packet uses, and the packets themselves.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "card/population.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::card_bench {

// The SA of each next packet, over n SAs (n a power of two).
//   RoundRobin: packet k uses SA (k*s) mod n, s odd (~0.618 n): consecutive
//     packets never share an SA (n > 1), spread over the whole table.
//   Zipf: independent draws, P(rank r) proportional to 1/r^s over ranks
//     1..n, rank r being SA ((r-1)*s) mod n as above; a fixed seed per n, and
//     the draws made from mt19937_64's raw output (the standard fixes it,
//     unlike its distributions), so every machine draws the same SAs.
// Either way a peer's packets reach the card in the order it sent them:
// sequence numbers increase per SA.
class SaStream {
 public:
  enum class Kind { RoundRobin, Zipf };
  static SaStream round_robin(uint32_t n) { return SaStream(Kind::RoundRobin, n, 0); }
  static SaStream zipf(uint32_t n, double s);

  uint32_t next();
  uint32_t n() const { return n_; }
  Kind kind() const { return kind_; }
  std::string describe() const;
  // The SA at position k of the round robin, which is also the SA of zipf
  // rank k+1.
  uint32_t spread(uint64_t k) const;

 private:
  SaStream(Kind k, uint32_t n, double s) : kind_(k), n_(n), s_(s) {}

  Kind kind_;
  uint32_t n_;
  double s_;
  uint64_t k_ = 0;
  std::vector<double> cdf_;  // Zipf: cumulative weights of ranks 1..n
  std::mt19937_64 rng_;
};

// --selftest: throws unless n draws of a round robin over n SAs are a
// permutation of them with no SA twice in a row (n > 1), and unless the
// zipf stream's frequencies of ranks 1..8 and of the ranks above n/2 are
// within 5 standard deviations of P(r) = r^-s / sum_k k^-s, over `draws` draws.
void check_streams(uint32_t n, double s, unsigned draws);

// The requests of a run: packet i of `size` bytes on SA sas[i].
struct Batch {
  std::vector<runtime::Request> reqs;
  std::vector<std::vector<uint8_t>> expect;  // the output each request must give (empty: not compared)
  spec::Status status = spec::Status::OK;
};

// Plaintext UDP/IPv4 packets of `size` bytes; DECRYPT takes them encrypted by
// the swemu twins G_j and expects the plaintext back, ENCRYPT expects the
// swemu card's bit-exact output. plumbing: descriptors the shell decides
// (ENCRYPT on an inbound SA -> BAD_SA, DECRYPT of nothing -> MALFORMED).
Batch make_batch(Population& p, bool decrypt, unsigned size, const std::vector<uint32_t>& sas, bool plumbing);

// Throws when a result is not the status / output `b` expects.
void check(const Batch& b, const std::vector<runtime::Result>& res, const char* op, unsigned size);

}  // namespace esp::card_bench
