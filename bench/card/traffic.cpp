#include "card/traffic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "ref/packets.hpp"

namespace esp::card_bench {

SaStream SaStream::zipf(uint32_t n, double s) {
  SaStream z(Kind::Zipf, n, s);
  z.cdf_.resize(n);
  double sum = 0;
  for (uint32_t r = 1; r <= n; ++r) {
    sum += 1.0 / std::pow(double(r), s);
    z.cdf_[r - 1] = sum;
  }
  z.rng_.seed(0x7a697066ull ^ n);  // "zipf" ^ n: fixed
  return z;
}

uint32_t SaStream::spread(uint64_t k) const {
  if (n_ == 1) return 0;
  const uint64_t stride = (static_cast<uint64_t>(n_) * 618 / 1000) | 1;  // odd: a permutation of 0..n-1 (n a power of 2)
  return static_cast<uint32_t>((k * stride) % n_);
}

uint32_t SaStream::next() {
  if (kind_ == Kind::RoundRobin) return spread(k_++);
  ++k_;
  const double u = double(rng_() >> 11) * 0x1.0p-53 * cdf_.back();  // [0, total)
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  const uint64_t rank0 = std::min<uint64_t>(static_cast<uint64_t>(it - cdf_.begin()), n_ - 1);
  return spread(rank0);
}

std::string SaStream::describe() const {
  char b[160];
  if (kind_ == Kind::RoundRobin) {
    std::snprintf(b, sizeof b, "round robin over %u SAs", n_);
  } else {
    std::snprintf(b, sizeof b, "zipf s=%.2f over %u SAs (fixed seed)", s_, n_);
  }
  return b;
}

void check_streams(uint32_t n, double s, unsigned draws) {
  const std::string where = "SA streams over " + std::to_string(n) + " SAs: ";
  SaStream rr = SaStream::round_robin(n);
  std::vector<uint8_t> seen(n, 0);
  uint32_t prev = n;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t j = rr.next();
    if (j >= n || seen[j]) throw std::runtime_error(where + "the round robin repeats an SA within n packets");
    if (n > 1 && j == prev) throw std::runtime_error(where + "the round robin gives an SA twice in a row");
    seen[j] = 1;
    prev = j;
  }
  if (n < 16) return;
  double h = 0, tail = 0;  // sum over all ranks, over ranks > n/2
  for (uint32_t r = 1; r <= n; ++r) {
    h += std::pow(double(r), -s);
    if (r > n / 2) tail += std::pow(double(r), -s);
  }
  std::vector<uint32_t> rank_of(n);
  for (uint32_t r0 = 0; r0 < n; ++r0) rank_of[rr.spread(r0)] = r0 + 1;
  std::vector<uint64_t> count(9, 0);
  uint64_t tail_count = 0;
  SaStream z = SaStream::zipf(n, s);
  for (unsigned i = 0; i < draws; ++i) {
    const uint32_t r = rank_of[z.next()];
    if (r <= 8) ++count[r];
    if (r > n / 2) ++tail_count;
  }
  auto near = [&](double observed, double p, const std::string& what) {
    const double e = p * draws, sd = std::sqrt(draws * p * (1 - p));
    if (std::fabs(observed - e) > 5 * sd) {
      throw std::runtime_error(where + "zipf " + what + ": " + std::to_string(observed) + " draws, expected " +
                               std::to_string(e) + " +- " + std::to_string(5 * sd));
    }
  };
  for (uint32_t r = 1; r <= 8; ++r) near(double(count[r]), std::pow(double(r), -s) / h, "rank " + std::to_string(r));
  near(double(tail_count), tail / h, "ranks above n/2");
}

Batch make_batch(Population& p, bool decrypt, unsigned size, const std::vector<uint32_t>& sas, bool plumbing) {
  Batch b;
  const size_t count = sas.size();
  if (plumbing) {
    b.status = decrypt ? spec::Status::MALFORMED : spec::Status::BAD_SA;
    for (size_t i = 0; i < count; ++i) {
      if (decrypt) {
        b.reqs.push_back({spec::Opcode::DECRYPT, {}, {}});
      } else {
        b.reqs.push_back({spec::Opcode::ENCRYPT, p.in_c[sas[i]], ref::pkt::udp(4, size - 28, p.seed_counter++)});
      }
    }
    return b;
  }
  std::vector<runtime::Request> sw;
  std::vector<std::vector<uint8_t>> plain;
  for (size_t i = 0; i < count; ++i) {
    plain.push_back(ref::pkt::udp(4, size - 28, p.seed_counter++));  // IPv4 20 + UDP 8 + payload = size
    sw.push_back({spec::Opcode::ENCRYPT, decrypt ? p.gen_s[sas[i]] : p.out_s[sas[i]], plain.back()});
  }
  std::vector<runtime::Result> ref = p.swemu->process(sw);
  for (size_t i = 0; i < count; ++i) {
    if (ref[i].status != spec::Status::OK) throw std::runtime_error("swemu could not encrypt a bench packet");
    if (decrypt) {
      b.reqs.push_back({spec::Opcode::DECRYPT, {}, std::move(ref[i].data)});
      b.expect.push_back(std::move(plain[i]));
    } else {
      b.reqs.push_back({spec::Opcode::ENCRYPT, p.out_c[sas[i]], std::move(plain[i])});
      b.expect.push_back(std::move(ref[i].data));
    }
  }
  return b;
}

void check(const Batch& b, const std::vector<runtime::Result>& res, const char* op, unsigned size) {
  if (res.size() != b.reqs.size()) {
    throw std::runtime_error(std::string(op) + " " + std::to_string(size) + " B: " + std::to_string(res.size()) +
                             " results for " + std::to_string(b.reqs.size()) + " packets");
  }
  for (size_t i = 0; i < res.size(); ++i) {
    if (res[i].status != b.status) {
      throw std::runtime_error(std::string(op) + " " + std::to_string(size) + " B: packet " + std::to_string(i) +
                               " completed with " + spec::status_name(res[i].status) + ", expected " +
                               spec::status_name(b.status));
    }
    if (!b.expect.empty() && res[i].data != b.expect[i]) {
      throw std::runtime_error(std::string(op) + " " + std::to_string(size) + " B: packet " + std::to_string(i) +
                               " differs from the " + (op[0] == 'd' ? "original plaintext" : "swemu card's output"));
    }
  }
}

}  // namespace esp::card_bench
