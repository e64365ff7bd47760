// Accounting for a Wycheproof test-vector file (header-only; the user links
// nlohmann_json). A consumer walks every vector, runs it or names why it
// skips it, and then proves it saw the whole file: the groups hold the
// file's own numberOfTests vectors, their tcIds are 1..numberOfTests once
// each, and ran + skipped (by reason) is that number. A truncated or edited
// file fails the check instead of running fewer vectors quietly.
//
//   Tally t = walk(doc, [&](const json& group, const json& test) -> std::string {
//     if (group.at("ivSize") != 96) return "IV not 96 bits";
//     ...run it...
//     return {};
//   });
//   EXPECT_EQ(account(t), "");
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace esp::ref::wycheproof {

struct Tally {
  size_t declared = 0;   // the file's numberOfTests (0 when absent)
  size_t in_groups = 0;  // vectors listed in the groups
  size_t ran = 0;
  std::map<std::string, size_t> skipped;  // reason -> vectors
  std::string id_problem;                 // first tcId missing, repeated or out of 1..declared

  size_t skipped_total() const {
    size_t n = 0;
    for (const auto& s : skipped) n += s.second;
    return n;
  }
  std::string summary() const {
    std::string s = "ran " + std::to_string(ran);
    for (const auto& k : skipped) s += ", skipped " + std::to_string(k.second) + " (" + k.first + ")";
    return s + " of " + std::to_string(declared) + " (numberOfTests)";
  }
};

// Calls visit(group, test) for every vector in file order. visit returns an
// empty string when it ran the vector, else the reason it skipped it.
template <class Visit>
Tally walk(const nlohmann::json& doc, Visit visit) {
  Tally t;
  if (doc.contains("numberOfTests")) t.declared = doc.at("numberOfTests").get<size_t>();
  std::set<long long> ids;
  for (const auto& g : doc.at("testGroups")) {
    for (const auto& v : g.at("tests")) {
      ++t.in_groups;
      const long long id = v.at("tcId").get<long long>();
      if (t.id_problem.empty() && (id < 1 || static_cast<size_t>(id) > t.declared || !ids.insert(id).second))
        t.id_problem = "tcId " + std::to_string(id) + " repeated or outside 1.." + std::to_string(t.declared);
      const std::string why = visit(g, v);
      if (why.empty()) ++t.ran;
      else ++t.skipped[why];
    }
  }
  return t;
}

// Empty when the tally accounts for every vector of the file, else what is wrong.
inline std::string account(const Tally& t) {
  if (t.declared == 0) return "the file has no numberOfTests";
  if (t.in_groups != t.declared)
    return "the groups hold " + std::to_string(t.in_groups) + " vectors, numberOfTests says " +
           std::to_string(t.declared) + " (truncated or edited file)";
  if (!t.id_problem.empty()) return t.id_problem;
  if (t.ran + t.skipped_total() != t.declared) return "ran + skipped != numberOfTests: " + t.summary();
  if (t.ran == 0) return "no vector ran: " + t.summary();
  return {};
}

// The vectors of the groups for which pred(group) holds, counted from the
// group headers alone (to check a skip count against).
template <class Pred>
size_t count_in_groups(const nlohmann::json& doc, Pred pred) {
  size_t n = 0;
  for (const auto& g : doc.at("testGroups"))
    if (pred(g)) n += g.at("tests").size();
  return n;
}

}  // namespace esp::ref::wycheproof
