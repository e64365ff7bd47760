// esp_offload: the C++ side of esp_offload.Card, free of Python: one Runtime
// (over one or more devices) and one data-plane Queue that Python threads
// share.
//
// Threading: every method may be called from any thread without the GIL.
// run() serialises its callers on a mutex (a Queue belongs to one thread at a
// time); the control plane is the Runtime's, which is thread-safe on its own.
// close() must not run concurrently with any other call.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "esp/runtime/runtime.hpp"

namespace esp::python {

class CardCore {
 public:
  explicit CardCore(const runtime::RuntimeOptions& opts);
  ~CardCore();
  CardCore(const CardCore&) = delete;
  CardCore& operator=(const CardCore&) = delete;

  // The runtime; throws std::invalid_argument after close().
  runtime::Runtime& rt();

  // Runs every packet through the queue (submitted in bursts as the queue
  // takes them, polled until every result is back) and writes one result per
  // packet, in order, to res[0..n). The packets' buffers must stay valid until
  // run() returns. On a failure (driver::DeviceError, ...) the queue is
  // replaced by a fresh one and the exception propagates.
  void run(const runtime::Packet* pkts, size_t n, runtime::PacketResult* res);

  // Frees the runtime (and every card) now; later calls throw.
  void close();
  bool closed() const { return rt_ == nullptr; }

 private:
  std::unique_ptr<runtime::Runtime> rt_;
  std::mutex qmu_;  // guards q_
  std::unique_ptr<runtime::Queue> q_;
};

}  // namespace esp::python
