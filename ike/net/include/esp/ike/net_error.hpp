// NetError: the one exception type of esp_ike_net (sockets that cannot be
// created or bound, an epoll/timerfd/eventfd failure). Its message names the
// endpoint or the call and the system's reason, e.g.
// "192.0.2.1[500]: Address already in use".
#pragma once

#include <stdexcept>
#include <string>

namespace esp::ike {

class NetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace esp::ike
