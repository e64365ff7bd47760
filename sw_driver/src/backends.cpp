#include "device_factory.hpp"

namespace esp::driver::detail {

const std::vector<Backend>& backends() {
  static const std::vector<Backend> list = {
      {"swemu", open_swemu},
#ifdef ESP_HAVE_COSIM
#ifdef ESP_COSIM_DATAPATH
      {"cosim", open_cosim, true},
#else
      {"cosim", open_cosim, false},  // the RTL has no packet datapath yet
#endif
#endif
#ifdef ESP_HAVE_XRT
      {"xrt", open_xrt},
#endif
  };
  return list;
}

}  // namespace esp::driver::detail
