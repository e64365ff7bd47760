// ControlClient: against ControlServer and against peers that are not
// esp-iked (a raw socket answering junk or nothing).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "ctl_test_util.hpp"
#include "esp/ike/ctl_client.hpp"
#include "esp/ike/ctl_server.hpp"

namespace {

using esp::ike::ControlClient;
using esp::ike::ControlError;
using esp::ike::ControlRemoteError;
using esp::ike::ControlServer;
using nlohmann::json;
using ctltest::TempDir;

constexpr int kClientWait = 10000;  // ms; a hang fails, nothing times anything

json client_echo(const json &req) {
  if (req.value("child", "") == "bad") throw std::runtime_error("no CHILD_SA named \"bad\"");
  return json{{"echo", req}};
}

TEST(CtlClient, RemoteErrorsThrowRemoteError) {
  TempDir d;
  ControlServer srv(d.file("ctl"), client_echo);
  ControlClient c(d.file("ctl"));
  try {
    c.call(json{{"cmd", "terminate"}, {"child", "bad"}}, kClientWait);
    FAIL() << "no throw";
  } catch (const ControlRemoteError &e) {
    EXPECT_STREQ(e.what(), "no CHILD_SA named \"bad\"");
  }
  EXPECT_THROW(c.call(json{{"cmd", "nope"}}, kClientWait), ControlRemoteError);
  EXPECT_EQ(c.call(json{{"cmd", "stats"}}, kClientWait)["echo"]["cmd"], "stats");  // still usable
}

TEST(CtlClient, ConnectFailureSaysWhatToCheck) {
  TempDir d;
  try {
    ControlClient c(d.file("ctl"));
    FAIL() << "connected to nothing";
  } catch (const ControlError &e) {
    const std::string w = e.what();
    EXPECT_EQ(w.rfind("cannot connect to " + d.file("ctl") + ": ", 0), 0u) << w;
    EXPECT_NE(w.find("(is esp-iked running?)"), std::string::npos) << w;
  }
}

// A peer that is not esp-iked: ControlClient reports it, never hangs.
TEST(CtlClient, MalformedOrMissingRepliesAreErrors) {
  const struct {
    std::string answer;  // what the fake peer writes back, then it closes
    const char *error;
  } cases[] = {
      {"garbage\n", "not {\"ok\":...} JSON"},
      {"{\"result\":{}}\n", "not {\"ok\":...} JSON"},
      {"{\"ok\":\"yes\"}\n", "not {\"ok\":...} JSON"},
      {"[1]\n", "not {\"ok\":...} JSON"},
      {"{\"ok\":true", "closed the connection without a reply"},
      {"", "closed the connection without a reply"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.answer);
    TempDir d;
    const std::string path = d.file("ctl");
    int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a = ctltest::addr_of(path);
    ASSERT_EQ(::bind(lfd, reinterpret_cast<const sockaddr *>(&a), sizeof(a)), 0);
    ASSERT_EQ(::listen(lfd, 1), 0);
    std::thread peer([&] {
      int fd = ::accept(lfd, nullptr, nullptr);
      char buf[256];
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);  // the request
      (void)n;
      if (!c.answer.empty()) n = ::send(fd, c.answer.data(), c.answer.size(), MSG_NOSIGNAL);
      ::close(fd);
    });
    ControlClient client(path);
    try {
      client.call(json{{"cmd", "stats"}}, kClientWait);
      ADD_FAILURE() << "no throw";
    } catch (const ControlRemoteError &e) {
      ADD_FAILURE() << "remote error " << e.what();
    } catch (const ControlError &e) {
      EXPECT_NE(std::string(e.what()).find(c.error), std::string::npos) << e.what();
    }
    peer.join();
    ::close(lfd);
    EXPECT_THROW(client.call(json{{"cmd", "stats"}}, kClientWait), ControlError);  // closed since
  }
}

TEST(CtlClient, ErrorReplyWithoutTextStillThrowsRemoteError) {
  TempDir d;
  ControlServer srv(d.file("ctl"), [](const json &) -> json { throw std::runtime_error(""); });
  ControlClient c(d.file("ctl"));
  EXPECT_THROW(c.call(json{{"cmd", "stats"}}, kClientWait), ControlRemoteError);
  json raw = c.call_raw(json{{"cmd", "stats"}}, kClientWait);
  EXPECT_EQ(raw, json::parse(R"({"ok":false,"error":""})"));
}

}  // namespace
