#include "device_factory.hpp"

namespace esp::driver::detail {

const std::vector<Backend>& backends() {
  static const std::vector<Backend> list = {
      {"swemu", open_swemu},
#ifdef ESP_HAVE_COSIM
      {"cosim", open_cosim},
#endif
#ifdef ESP_HAVE_XRT
      {"xrt", open_xrt},
#endif
  };
  return list;
}

}  // namespace esp::driver::detail
