// Private helpers of the model loaders: see conf_keys.hpp.
#include "conf_keys.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "esp/ike/conf_values.hpp"

namespace esp::ike::conf::detail {

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

std::string closest(const std::string& name, std::initializer_list<const char*> known) {
  std::string best;
  size_t best_d = 3;
  if (name.size() > 64) return best;
  for (const char* k : known) {
    // Levenshtein distance, one row.
    std::string b = k;
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= name.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (name[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[b.size()] < best_d) {
      best_d = row[b.size()];
      best = b;
    }
  }
  return best;
}

void other_key(const ConfValue& v, const std::string& where, std::initializer_list<Unsupported> table,
               std::initializer_list<const char*> known) {
  for (const auto& u : table) {
    if (!matches(u, v.name)) continue;
    if (u.ok_value && same_value(v.value, u.ok_value)) return;
    throw ConfError(v.loc, "'" + v.name + "' in " + where + " is not supported: " + u.why);
  }
  std::string hint = closest(v.name, known);
  throw ConfError(v.loc, "unknown key '" + v.name + "' in " + where + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

void other_section(const ConfSection& s, const std::string& where, std::initializer_list<Unsupported> table) {
  for (const auto& u : table)
    if (matches(u, s.name)) throw ConfError(s.loc, "section '" + s.name + "' in " + where + " is not supported: " + u.why);
  throw ConfError(s.loc, "unknown section '" + s.name + "' in " + where);
}

}  // namespace esp::ike::conf::detail
