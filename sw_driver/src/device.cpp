#include "esp/driver/device.hpp"

#include <sstream>

#include "device_factory.hpp"

namespace esp::driver {

void KernelArgs::set(spec::arg::Index i, const CardBuffer& b) {
  if (!spec::arg::IS_POINTER[i]) {
    throw DeviceError(std::string("kernel argument '") + spec::arg::NAME[i] + "' is a scalar, not a buffer");
  }
  buf_[i] = b;
}

void KernelArgs::set(spec::arg::Index i, uint64_t scalar) {
  if (spec::arg::IS_POINTER[i]) {
    throw DeviceError(std::string("kernel argument '") + spec::arg::NAME[i] + "' is a buffer, not a scalar");
  }
  scalar_[i] = scalar;
}

uint64_t KernelArgs::value(unsigned i) const { return spec::arg::IS_POINTER[i] ? buf_[i].addr : scalar_[i]; }

void Device::run(const KernelArgs& args) {
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i] && !args.buffer(i).valid()) {
      throw DeviceError(std::string("kernel argument '") + spec::arg::NAME[i] + "' has no buffer");
    }
    const uint64_t v = args.value(i);
    write_reg(spec::arg::OFFSET[i], static_cast<uint32_t>(v));
    if (spec::arg::WIDTH[i] == 64) write_reg(spec::arg::OFFSET[i] + 4, static_cast<uint32_t>(v >> 32));
  }
  write_reg(spec::reg::CTRL, spec::reg::ctrl::AP_START);
  wait_done();
}

void Device::check_identity() {
  const uint32_t id = read_reg(spec::reg::ID);
  const uint32_t ver = read_reg(spec::reg::VERSION);
  const uint32_t hash = read_reg(spec::reg::SPEC_HASH);
  if (id != spec::KERNEL_ID || ver != spec::VERSION || hash != spec::SPEC_HASH) {
    std::ostringstream os;
    os << backend() << ": the card does not run this host's esp_engine: ID 0x" << std::hex << id << " VERSION 0x"
       << ver << " SPEC_HASH 0x" << hash << ", expected ID 0x" << spec::KERNEL_ID << " VERSION 0x"
       << spec::VERSION << " SPEC_HASH 0x" << spec::SPEC_HASH;
    throw DeviceError(os.str());
  }
}

void Device::check_range(const CardBuffer& buf, uint64_t offset, uint64_t n, const char* what) {
  if (!buf.valid()) throw DeviceError(std::string(what) + ": invalid card buffer");
  if (offset > buf.size || n > buf.size - offset) {
    std::ostringstream os;
    os << what << ": range [" << offset << ", +" << n << ") is outside the " << buf.size
       << "-byte card buffer at 0x" << std::hex << buf.addr;
    throw DeviceError(os.str());
  }
}

std::vector<std::string> available_backends() {
  std::vector<std::string> out;
  for (const auto& b : detail::backends()) {
    if (b.listed) out.push_back(b.name);
  }
  return out;
}

std::unique_ptr<Device> open_device(const DeviceOptions& opts) {
  std::string names;
  for (const auto& b : detail::backends()) {
    if (b.name == opts.backend) return b.open(opts);
    names += (names.empty() ? "" : ", ") + b.name;
  }
  throw DeviceError("unknown backend '" + opts.backend + "' (this build has: " + names + ")");
}

}  // namespace esp::driver
