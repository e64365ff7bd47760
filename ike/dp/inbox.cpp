#include "inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace esp::ike::dp {

Inbox::Inbox(std::size_t capacity, std::size_t entry_bytes)
    : cap_(capacity ? capacity : 1), entry_(entry_bytes), mem_(cap_ * entry_), lens_(cap_) {
  efd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd_ < 0) throw std::system_error(errno, std::generic_category(), "inbox eventfd");
}

Inbox::~Inbox() {
  if (efd_ >= 0) ::close(efd_);
}

bool Inbox::push(const std::uint8_t* p, std::size_t len) {
  if (len > entry_) return false;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (count_ == cap_) return false;
    std::size_t i = (head_ + count_) % cap_;
    std::memcpy(mem_.data() + i * entry_, p, len);
    lens_[i] = static_cast<std::uint32_t>(len);
    count_++;
  }
  std::uint64_t one = 1;
  if (::write(efd_, &one, sizeof one) < 0) {
    // The counter is saturated: the owner is woken anyway.
  }
  return true;
}

std::size_t Inbox::take(std::uint8_t* const* dst, std::uint32_t* lens, std::size_t max) {
  std::lock_guard<std::mutex> g(mu_);
  std::size_t n = 0;
  for (; n < max && count_ > 0; ++n) {
    std::memcpy(dst[n], mem_.data() + head_ * entry_, lens_[head_]);
    lens[n] = lens_[head_];
    head_ = (head_ + 1) % cap_;
    count_--;
  }
  return n;
}

std::size_t Inbox::space() {
  std::lock_guard<std::mutex> g(mu_);
  return cap_ - count_;
}

void Inbox::clear() {
  std::uint64_t v = 0;
  if (::read(efd_, &v, sizeof v) < 0) {
    // Nothing was pushed since the last clear (EAGAIN).
  }
}

}  // namespace esp::ike::dp
