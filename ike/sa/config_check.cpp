#include "config_check.hpp"

namespace esp::ike::detail {

void check_supported(const conf::Config& cfg) {
  using conf::ChildAction;
  using conf::ConfError;
  for (const auto& c : cfg.connections) {
    auto no = [&](const std::string& what) {
      throw ConfError(c.loc, "connection '" + c.name + "': " + what + " is not supported by esp-iked");
    };
    if (c.reauth_time > 0) no("reauth_time (reauthentication; IKE SAs are rekeyed with rekey_time)");
    if (c.keyingtries != 1) no("keyingtries other than 1 (retrying a failed setup)");
    if (c.unique != conf::UniquePolicy::No) no("unique other than no");
    if (c.fragmentation == conf::Fragmentation::Accept || c.fragmentation == conf::Fragmentation::Force)
      no("fragmentation = accept/force (yes and no are)");
    for (const auto& ch : c.children) {
      auto child_no = [&](const std::string& what) {
        throw ConfError(ch.loc, "child '" + ch.name + "' of '" + c.name + "': " + what + " is not supported by esp-iked");
      };
      if (ch.close_action != ChildAction::None) child_no("close_action other than none");
      if (ch.dpd_action == ChildAction::Trap) child_no("dpd_action = trap");
    }
  }
}

}  // namespace esp::ike::detail
