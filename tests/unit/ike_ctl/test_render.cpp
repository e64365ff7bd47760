// espctl's text rendering: fixed results (fixtures/*.json) against the text
// expected (fixtures/*.txt). The *_docs fixtures are the examples on
// strongSwan's swanctl --list-sas / --list-conns documentation pages, typed
// into our schema: the expected text is swanctl's output there, line for
// line, except that times are durations ("rekeying in 3h54m" where swanctl
// says "rekeying in 14043s").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "esp/ike/ctl_render.hpp"

namespace {

using nlohmann::json;
using esp::ike::format_duration;

std::string fixture(const std::string &name) {
  const char *src = std::getenv("ESP_SOURCE_DIR");
  std::string path = std::string(src ? src : ".") + "/tests/unit/ike_ctl/fixtures/" + name;
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct RenderCase {
  const char *fixture;  // NAME.json rendered must equal NAME.txt
  std::function<std::string(const json &)> render;
};

TEST(CtlRender, FixturesRenderAsExpected) {
  const RenderCase cases[] = {
      {"list_sas_docs", esp::ike::render_list_sas},
      {"list_sas_full", esp::ike::render_list_sas},
      {"list_conns_docs", esp::ike::render_list_conns},
      {"list_conns_full", esp::ike::render_list_conns},
      {"stats", esp::ike::render_stats},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.fixture);
    json j = json::parse(fixture(std::string(c.fixture) + ".json"));
    EXPECT_EQ(c.render(j), fixture(std::string(c.fixture) + ".txt"));
  }
}

TEST(CtlRender, Durations) {
  const struct {
    long long s;
    const char *text;
  } cases[] = {
      {-5, "0s"},      {0, "0s"},         {1, "1s"},          {59, "59s"},
      {60, "1m"},      {61, "1m1s"},      {3397, "56m37s"},   {3599, "59m59s"},
      {3600, "1h"},    {3659, "1h"},      {3900, "1h5m"},     {14280, "3h58m"},
      {86399, "23h59m"}, {86400, "1d"},   {93784, "1d2h"},    {864000, "10d"},
  };
  for (const auto &c : cases) EXPECT_EQ(format_duration(c.s), c.text) << c.s;
}

TEST(CtlRender, EmptyListsRenderNothing) {
  EXPECT_EQ(esp::ike::render_list_sas(json{{"ike-sas", json::array()}}), "");
  EXPECT_EQ(esp::ike::render_list_conns(json{{"conns", json::array()}}), "");
}

TEST(CtlRender, MessagesPrintAsTheyAre) {
  EXPECT_EQ(esp::ike::render_message(json{{"message", "initiated net"}}), "initiated net\n");
  EXPECT_EQ(esp::ike::render_message(json::object()), "{}\n");
}

// Whatever comes back, the renderers print something and never throw.
TEST(CtlRender, MistypedResultsDoNotThrow) {
  const json odd[] = {
      json(),
      json(42),
      json("text"),
      json::array({1, 2}),
      json::parse(R"({"ike-sas": 7, "conns": "x", "cards": {}})"),
      json::parse(R"({"ike-sas": [1, null, [], {"child-sas": [3, {"local-ts": 5}]}]})"),
      json::parse(R"({"ike-sas": [{"name": {}, "uniqueid": [1], "encr-alg": 5,
                     "established": "soon", "tasks-active": "IKE_DPD",
                     "child-sas": {"a": 1}}]})"),
      json::parse(R"({"conns": [7, {"local-addrs": [1, {}], "children": [null, {"mode": 3}],
                     "local": [], "remote": "x", "rekey-time": -1, "dpd-delay": 1e300}]})"),
      json::parse(R"({"uptime": -9, "ike-sas": [], "ike": 4, "cards": [1, {"card": true}]})"),
      json::parse(R"({"message": 5})"),
  };
  for (const auto &j : odd) {
    SCOPED_TRACE(j.dump());
    EXPECT_NO_THROW(esp::ike::render_list_sas(j));
    EXPECT_NO_THROW(esp::ike::render_list_conns(j));
    EXPECT_NO_THROW(esp::ike::render_stats(j));
    EXPECT_NO_THROW(esp::ike::render_message(j));
  }
  // A missing field shows as "?", not as a crash or an empty gap.
  EXPECT_EQ(esp::ike::render_stats(json::object()),
            "uptime: ?\nIKE_SAs: ? total, ? half-open\nCHILD_SAs: ? total\n");
}

}  // namespace
