// Private helpers of the model loaders: values with file:line errors, and
// refusing keys strongSwan knows that we do not support versus unknown ones.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

#include "esp/ike/conf_syntax.hpp"

namespace esp::ike::conf::detail {

// A key strongSwan accepts that we do not implement. ok_value: a value that
// means "off / strongSwan's default", accepted silently (nullptr: none).
struct Unsupported {
  const char* name;
  const char* why;
  const char* ok_value = nullptr;
  bool prefix = false;  // name is a prefix ("cert" matches "cert-1")
};

// Run f(v.value); std::invalid_argument (or out_of_range) becomes ConfError
// at v.loc.
template <typename F>
auto convert(const ConfValue& v, F&& f) -> decltype(f(v.value)) {
  try {
    return f(v.value);
  } catch (const std::invalid_argument& e) {
    throw ConfError(v.loc, "'" + v.name + "': " + e.what());
  } catch (const std::out_of_range& e) {
    throw ConfError(v.loc, "'" + v.name + "': " + e.what());
  }
}

// Throws: "not supported" if the key is in the table (unless its value is the
// accepted one), "unknown key" otherwise. `where` names the section.
// `known`: the keys we do support there, for a "did you mean" hint on typos.
void other_key(const ConfValue& v, const std::string& where, std::initializer_list<Unsupported> table,
               std::initializer_list<const char*> known = {});
// The name in `known` closest to `name` (edit distance <= 2), or "".
std::string closest(const std::string& name, std::initializer_list<const char*> known);
// The same for a subsection.
[[noreturn]] void other_section(const ConfSection& s, const std::string& where,
                                std::initializer_list<Unsupported> table);

// Case-sensitive choice among names; throws std::invalid_argument listing them.
template <typename E>
E choose(const std::string& text, std::initializer_list<std::pair<const char*, E>> options) {
  std::string names;
  for (const auto& [n, e] : options) {
    if (text == n) return e;
    names += names.empty() ? "" : ", ";
    names += n;
  }
  throw std::invalid_argument("expected one of " + names + ", got '" + text + "'");
}

}  // namespace esp::ike::conf::detail
