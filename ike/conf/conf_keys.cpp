// Private helpers of the model loaders: see conf_keys.hpp.
#include "conf_keys.hpp"

#include <cctype>

#include "esp/ike/conf_values.hpp"

namespace esp::ike::detail {

namespace {

bool matches(const Unsupported& u, const std::string& name) {
  if (u.prefix) return name.compare(0, std::string(u.name).size(), u.name) == 0;
  return name == u.name;
}

bool same_value(const std::string& a, const std::string& b) {
  try {
    return parse_bool(a) == parse_bool(b);
  } catch (const std::invalid_argument&) {
  }
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

void other_key(const ConfValue& v, const std::string& where, std::initializer_list<Unsupported> table) {
  for (const auto& u : table) {
    if (!matches(u, v.name)) continue;
    if (u.ok_value && same_value(v.value, u.ok_value)) return;
    throw ConfError(v.loc, "'" + v.name + "' in " + where + " is not supported: " + u.why);
  }
  throw ConfError(v.loc, "unknown key '" + v.name + "' in " + where);
}

void other_section(const ConfSection& s, const std::string& where, std::initializer_list<Unsupported> table) {
  for (const auto& u : table)
    if (matches(u, s.name)) throw ConfError(s.loc, "section '" + s.name + "' in " + where + " is not supported: " + u.why);
  throw ConfError(s.loc, "unknown section '" + s.name + "' in " + where);
}

}  // namespace esp::ike::detail
