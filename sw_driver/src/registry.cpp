// The backends open_device() knows: the driver's own (swemu, xrt when built)
// and those registered by other libraries (cosim, sim/harness).
#include <mutex>
#include <utility>

#include "device_factory.hpp"

namespace esp::driver {
namespace {

struct Backend {
  std::string name;
  BackendFactory open;
  bool listed = true;  // in available_backends(); open_device() takes it either way
};

struct Registry {
  std::mutex mu;
  std::vector<Backend> list;
};

// Built on first use, so that registrars running during static
// initialisation of other libraries find it whatever the order.
Registry& registry() {
  static Registry r{{},
                    {
                        {"swemu", detail::open_swemu, true},
#ifdef ESP_HAVE_XRT
                        {"xrt", detail::open_xrt, true},
#endif
                    }};
  return r;
}

}  // namespace

void register_backend(const std::string& name, BackendFactory open, bool listed) {
  if (name.empty() || !open) throw DeviceError("register_backend: a backend needs a name and a factory");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& b : r.list) {
    if (b.name == name) throw DeviceError("register_backend: backend '" + name + "' is registered already");
  }
  r.list.push_back(Backend{name, std::move(open), listed});
}

std::vector<std::string> available_backends() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& b : r.list) {
    if (b.listed) out.push_back(b.name);
  }
  return out;
}

std::unique_ptr<Device> open_device(const DeviceOptions& opts) {
  BackendFactory open;
  std::string names;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (const auto& b : r.list) {
      if (b.name == opts.backend) open = b.open;
      names += (names.empty() ? "" : ", ") + b.name;
    }
  }
  if (!open) throw DeviceError("unknown backend '" + opts.backend + "' (this build has: " + names + ")");
  return open(opts);
}

}  // namespace esp::driver
