// Helpers shared by the Device tests (tests/unit/driver, tests/unit/xrt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"

namespace esp::driver::test {

inline bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// The DeviceError message of f(), or "" when it did not throw.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DeviceError& e) {
    return e.what();
  }
  return "";
}

// n bytes that differ from their neighbours and from another seed's.
inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

// KernelArgs for every argument of the spec: an allocation of `bytes` of its
// own per pointer argument (kept in bufs), scalar(i) per scalar argument.
struct ArgBuffers {
  std::vector<CardBuffer> bufs;
  KernelArgs args;
};

template <class Scalar>
ArgBuffers args_with_buffers(Device& d, uint64_t bytes, Scalar&& scalar) {
  ArgBuffers a;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    const auto idx = static_cast<spec::arg::Index>(i);
    if (spec::arg::IS_POINTER[i]) {
      a.bufs.push_back(d.alloc(bytes));
      a.args.set(idx, a.bufs.back());
    } else {
      a.args.set(idx, uint64_t{scalar(i)});
    }
  }
  return a;
}

}  // namespace esp::driver::test
