#include "esp/runtime/status.hpp"

namespace esp::runtime {

bool Status::from_value(uint16_t v, Status& out) {
  for (spec::Status s : spec::kStatusAll) {
    if (static_cast<uint16_t>(s) == v) return out = Status(s), true;
  }
  for (spec::HostStatus s : spec::kHostStatusAll) {
    if (static_cast<uint16_t>(s) == v) return out = Status(s), true;
  }
  return false;
}

const char* Status::name() const {
  if (from_host()) return spec::host_status_name(static_cast<spec::HostStatus>(v_));
  return spec::status_name(static_cast<spec::Status>(v_));
}

const char* Status::doc() const {
  if (from_host()) return spec::host_status_doc(static_cast<spec::HostStatus>(v_));
  return spec::status_doc(static_cast<spec::Status>(v_));
}

}  // namespace esp::runtime
