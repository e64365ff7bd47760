// validate_request(): what the server lets through to the daemon's handler,
// and the reply lines.
#include <gtest/gtest.h>

#include <string>

#include "esp/ike/ctl_protocol.hpp"

namespace {

using nlohmann::json;
using esp::ike::validate_request;

TEST(CtlProtocol, ValidateRequests) {
  const struct {
    const char *req;
    const char *error;  // nullptr: valid; else a piece of the error text
  } cases[] = {
      {R"({"cmd":"list-sas"})", nullptr},
      {R"({"cmd":"list-conns"})", nullptr},
      {R"({"cmd":"stats"})", nullptr},
      {R"({"cmd":"reload"})", nullptr},
      {R"({"cmd":"initiate","child":"net"})", nullptr},
      {R"({"cmd":"initiate","child":"net","ike":"gw","timeout":30})", nullptr},
      {R"({"cmd":"initiate","child":"net","timeout":3600})", nullptr},
      {R"({"cmd":"terminate","ike":"gw"})", nullptr},
      {R"({"cmd":"terminate","child":"net"})", nullptr},
      {R"({"cmd":"rekey","child":"net"})", nullptr},
      {R"({"cmd":"rekey","ike":"gw"})", nullptr},
      {R"({"cmd":"initiate","child":"n\u00e9t"})", nullptr},
      {R"([1,2])", "JSON object"},
      {R"("list-sas")", "JSON object"},
      {R"({})", "\"cmd\" string"},
      {R"({"cmd":7})", "\"cmd\" string"},
      {R"({"cmd":"list-sa"})", "unknown cmd \"list-sa\""},
      {R"({"cmd":"LIST-SAS"})", "unknown cmd"},
      {R"({"cmd":"list-sas","ike":"gw"})", "takes no argument \"ike\""},
      {R"({"cmd":"reload","force":true})", "takes no argument \"force\""},
      {R"({"cmd":"initiate"})", "initiate needs \"child\""},
      {R"({"cmd":"initiate","ike":"gw"})", "initiate needs \"child\""},
      {R"({"cmd":"initiate","child":"net","timeout":0})", "\"timeout\""},
      {R"({"cmd":"initiate","child":"net","timeout":3601})", "\"timeout\""},
      {R"({"cmd":"initiate","child":"net","timeout":-1})", "\"timeout\""},
      {R"({"cmd":"initiate","child":"net","timeout":1.5})", "\"timeout\""},
      {R"({"cmd":"initiate","child":"net","timeout":"30"})", "\"timeout\""},
      {R"({"cmd":"initiate","child":"net","timeout":18446744073709551615})", "\"timeout\""},
      {R"({"cmd":"initiate","child":""})", "1 to 255"},
      {R"({"cmd":"initiate","child":5})", "must be a string"},
      {R"({"cmd":"initiate","child":"a\nb"})", "control character"},
      {R"({"cmd":"terminate"})", "exactly one"},
      {R"({"cmd":"terminate","ike":"gw","child":"net"})", "exactly one"},
      {R"({"cmd":"rekey"})", "exactly one"},
      {R"({"cmd":"rekey","ike":null})", "must be a string"},
      {R"({"cmd":"terminate","ike":"gw","timeout":3})", "takes no argument \"timeout\""},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.req);
    auto err = validate_request(json::parse(c.req));
    if (c.error == nullptr) {
      EXPECT_FALSE(err.has_value()) << *err;
    } else {
      ASSERT_TRUE(err.has_value());
      EXPECT_NE(err->find(c.error), std::string::npos) << *err;
    }
  }
  EXPECT_TRUE(validate_request(json{{"cmd", "terminate"}, {"ike", std::string(256, 'a')}}));
  EXPECT_FALSE(validate_request(json{{"cmd", "terminate"}, {"ike", std::string(255, 'a')}}));
}

TEST(CtlProtocol, ReplyLinesAreOneJsonLine) {
  EXPECT_EQ(esp::ike::ok_reply_line(json{{"message", "done"}}),
            "{\"ok\":true,\"result\":{\"message\":\"done\"}}\n");
  EXPECT_EQ(esp::ike::error_reply_line("no such child \"x\"\n"),
            "{\"ok\":false,\"error\":\"no such child \\\"x\\\"\\n\"}\n");
  // Bytes that are not UTF-8 (an ID from the wire) are repaired, not thrown on.
  std::string line = esp::ike::error_reply_line(std::string("bad \xff\xfe id"));
  json back = json::parse(line);
  EXPECT_EQ(back["error"], "bad \xEF\xBF\xBD\xEF\xBF\xBD id");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
