#include "card.hpp"

#include <stdexcept>
#include <string>

namespace esp::python {

CardCore::CardCore(const runtime::RuntimeOptions& opts)
    : rt_(std::make_unique<runtime::Runtime>(opts)), q_(rt_->open_queue()) {}

CardCore::~CardCore() { close(); }

runtime::Runtime& CardCore::rt() {
  if (!rt_) throw std::invalid_argument("esp_offload.Card: the card is closed");
  return *rt_;
}

void CardCore::run(const runtime::Packet* pkts, size_t n, runtime::PacketResult* res) {
  std::lock_guard<std::mutex> lock(qmu_);
  if (!rt_) throw std::invalid_argument("esp_offload.Card: the card is closed");
  runtime::Queue& q = *q_;
  size_t submitted = 0, done = 0;
  try {
    while (done < n) {
      if (submitted < n) {
        submitted += q.submit(pkts + submitted, n - submitted);
        if (submitted == n) q.flush();
      }
      // Wait for results only when nothing more can be submitted now.
      const bool blocked = submitted == n || q.pending() >= q.depth();
      const size_t got = q.poll(res + done, n - done, blocked ? -1 : 0);
      for (size_t i = done; i < done + got; ++i) {
        if (res[i].user != i) throw std::logic_error("esp_offload: the queue returned a result out of order");
      }
      done += got;
      if (got == 0 && submitted == n && q.pending() == 0 && done < n) {
        throw std::logic_error("esp_offload: the queue lost " + std::to_string(n - done) + " packets");
      }
    }
  } catch (...) {
    // Results of this call may still be pending in the queue: start afresh so
    // that the next call does not see them.
    q_.reset();
    q_ = rt_->open_queue();
    throw;
  }
}

void CardCore::close() {
  std::lock_guard<std::mutex> lock(qmu_);
  q_.reset();
  rt_.reset();
}

}  // namespace esp::python
