// What the protocol core does not do yet, refused at load with the
// connection's or child's file:line (ConfError) instead of ignored: the
// config parser accepts these strongSwan settings, the core would not honour
// them.
#pragma once

#include "esp/ike/conf_model.hpp"

namespace esp::ike::detail {

// Throws conf::ConfError naming the first unsupported setting.
void check_supported(const conf::Config& cfg);

}  // namespace esp::ike::detail
