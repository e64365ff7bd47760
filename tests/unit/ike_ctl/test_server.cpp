// ControlServer and ControlClient over a real Unix socket in a temp dir, with
// fake handlers.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ctl_test_util.hpp"
#include "esp/ike/ctl_client.hpp"
#include "esp/ike/ctl_server.hpp"

namespace {

using esp::ike::ControlClient;
using esp::ike::ControlError;
using esp::ike::ControlRemoteError;
using esp::ike::ControlServer;
using esp::ike::kMaxRequestLine;
using nlohmann::json;
using ctltest::RawConn;
using ctltest::TempDir;

constexpr int kWait = 10000;  // ms; a hang fails, nothing times anything

// Echoes the request back; "terminate" of child "bad" throws.
json echo(const json &req) {
  if (req.value("child", "") == "bad") throw std::runtime_error("no CHILD_SA named \"bad\"");
  if (req.value("child", "") == "odd") throw 5;
  return json{{"echo", req}};
}

json reply_of(const std::optional<std::string> &line) {
  EXPECT_TRUE(line.has_value());
  return line ? json::parse(*line) : json();
}

TEST(CtlServer, RoundTripsOnOneConnection) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  ControlClient c(d.file("ctl"));
  for (const char *cmd : {"list-sas", "list-conns", "stats", "reload"}) {
    json r = c.call(json{{"cmd", cmd}}, kWait);
    EXPECT_EQ(r["echo"]["cmd"], cmd);
  }
  json r = c.call(json{{"cmd", "initiate"}, {"child", "net"}, {"timeout", 5}}, kWait);
  EXPECT_EQ(r["echo"]["timeout"], 5);
  json raw = c.call_raw(json{{"cmd", "stats"}}, kWait);
  EXPECT_EQ(raw["ok"], true);
  EXPECT_EQ(raw["result"]["echo"]["cmd"], "stats");
}

TEST(CtlServer, SocketIsPrivateAndRemovedOnStop) {
  TempDir d;
  const std::string path = d.file("ctl");
  {
    ControlServer srv(path, echo);
    struct stat st{};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    srv.stop();
    EXPECT_NE(::lstat(path.c_str(), &st), 0);
    srv.stop();  // idempotent
  }
  EXPECT_THROW(ControlClient c(path), ControlError);
}

TEST(CtlServer, PipelinedRequestsAreAnsweredInOrder) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  RawConn r(d.file("ctl"));
  ASSERT_TRUE(r.connected());
  // Three requests in one write, a CRLF one, blank lines in between.
  ASSERT_TRUE(r.send_all("{\"cmd\":\"stats\"}\n\n  \n{\"cmd\":\"rekey\",\"ike\":\"a\"}\r\n"
                         "{\"cmd\":\"rekey\",\"child\":\"b\"}\n"));
  EXPECT_EQ(reply_of(r.line())["result"]["echo"]["cmd"], "stats");
  EXPECT_EQ(reply_of(r.line())["result"]["echo"]["ike"], "a");
  EXPECT_EQ(reply_of(r.line())["result"]["echo"]["child"], "b");
}

TEST(CtlServer, BadRequestsGetErrorsAndTheConnectionStays) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  RawConn r(d.file("ctl"));
  const struct {
    std::string line;
    const char *error;
  } cases[] = {
      {"{bad", "bad JSON"},
      {"{\"cmd\":\"list-sas\"} trailing", "bad JSON"},
      {std::string("\x00\x01\xff\xfe", 4), "bad JSON"},
      {"[]", "JSON object"},
      {"{\"cmd\":\"frobnicate\"}", "unknown cmd \"frobnicate\""},
      {"{\"cmd\":\"terminate\"}", "exactly one"},
      {"{\"cmd\":\"terminate\",\"child\":\"bad\"}", "no CHILD_SA named \"bad\""},
      {"{\"cmd\":\"terminate\",\"child\":\"odd\"}", "internal error"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.line);
    ASSERT_TRUE(r.send_all(c.line + "\n"));
    json rep = reply_of(r.line());
    EXPECT_EQ(rep["ok"], false);
    EXPECT_NE(rep["error"].get<std::string>().find(c.error), std::string::npos) << rep.dump();
    ASSERT_TRUE(r.send_all("{\"cmd\":\"stats\"}\n"));
    EXPECT_EQ(reply_of(r.line())["ok"], true);
  }
}

TEST(CtlServer, LineLimitIsExactAndOverlongClosesTheConnection) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  const std::string req = "{\"cmd\":\"stats\"}";
  {  // exactly kMaxRequestLine bytes before the newline: served
    RawConn r(d.file("ctl"));
    ASSERT_TRUE(r.send_all(req + std::string(kMaxRequestLine - req.size(), ' ') + "\n"));
    EXPECT_EQ(reply_of(r.line())["ok"], true);
  }
  {  // one byte more, newline never sent: refused as soon as it is too long
    RawConn r(d.file("ctl"));
    ASSERT_TRUE(r.send_all(req + std::string(kMaxRequestLine + 1 - req.size(), ' ')));
    json rep = reply_of(r.line());
    EXPECT_EQ(rep["ok"], false);
    EXPECT_NE(rep["error"].get<std::string>().find("longer than 65536"), std::string::npos);
    EXPECT_TRUE(r.at_eof());
  }
  {  // a huge line in one go, then more requests: all dropped with the connection
    RawConn r(d.file("ctl"));
    r.send_all(std::string(4 * kMaxRequestLine, 'x') + "\n" + req + "\n");
    EXPECT_EQ(reply_of(r.line())["ok"], false);
    EXPECT_TRUE(r.at_eof());
  }
  ControlClient c(d.file("ctl"));  // the server is fine
  EXPECT_EQ(c.call(json{{"cmd", "stats"}}, kWait)["echo"]["cmd"], "stats");
}

TEST(CtlServer, HalfClosedClientStillGetsItsReplies) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  RawConn r(d.file("ctl"));
  // The last request has no newline: end of input ends it.
  ASSERT_TRUE(r.send_all("{\"cmd\":\"reload\"}\n{\"cmd\":\"stats\"}"));
  r.shutdown_write();
  EXPECT_EQ(reply_of(r.line())["result"]["echo"]["cmd"], "reload");
  EXPECT_EQ(reply_of(r.line())["result"]["echo"]["cmd"], "stats");
  EXPECT_TRUE(r.at_eof());
}

TEST(CtlServer, ResultsThatAreNotUtf8AreRepaired) {
  TempDir d;
  ControlServer srv(d.file("ctl"), [](const json &) { return json{{"id", "x\xff"}}; });
  ControlClient c(d.file("ctl"));
  EXPECT_EQ(c.call(json{{"cmd", "list-sas"}}, kWait)["id"], "x\xEF\xBF\xBD");
}

TEST(CtlServer, StaleSocketFileIsReplaced) {
  TempDir d;
  const std::string path = d.file("ctl");
  {  // a socket file nobody listens on: what a killed daemon leaves
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a = ctltest::addr_of(path);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof(a)), 0);
    ::close(fd);
  }
  ControlServer srv(path, echo);
  ControlClient c(path);
  EXPECT_EQ(c.call(json{{"cmd", "stats"}}, kWait)["echo"]["cmd"], "stats");
}

TEST(CtlServer, LiveDaemonIsNotReplaced) {
  TempDir d;
  const std::string path = d.file("ctl");
  ControlServer first(path, echo);
  try {
    ControlServer second(path, echo);
    FAIL() << "a second server took a live socket";
  } catch (const ControlError &e) {
    EXPECT_NE(std::string(e.what()).find("already listening"), std::string::npos) << e.what();
  }
  ControlClient c(path);  // the first one still serves, on the same file
  EXPECT_EQ(c.call(json{{"cmd", "stats"}}, kWait)["echo"]["cmd"], "stats");
}

TEST(CtlServer, OtherFilesAreNotReplaced) {
  TempDir d;
  const std::string path = d.file("ctl");
  { std::ofstream(path) << "keep me"; }
  EXPECT_THROW(ControlServer(path, echo), ControlError);
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  EXPECT_EQ(s, "keep me");
  EXPECT_THROW(ControlServer(d.file("no/such/dir/ctl"), echo), ControlError);
  EXPECT_THROW(ControlServer(d.file(std::string(120, 'x')), echo), ControlError);
}

TEST(CtlServer, ConcurrentClientsGetTheirOwnReplies) {
  TempDir d;
  std::atomic<int> calls{0};
  ControlServer srv(d.file("ctl"), [&](const json &req) {
    ++calls;
    return json{{"echo", req}};
  });
  constexpr int kThreads = 8, kCalls = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      ControlClient c(d.file("ctl"));
      for (int i = 0; i < kCalls; ++i) {
        const std::string name = std::to_string(t) + "-" + std::to_string(i);
        json r = c.call(json{{"cmd", "rekey"}, {"child", name}}, kWait);
        if (r["echo"]["child"] == name) ++good;
      }
    });
  for (auto &t : ts) t.join();
  EXPECT_EQ(good.load(), kThreads * kCalls);
  EXPECT_EQ(calls.load(), kThreads * kCalls);
}

// A deferred reply: initiate waits in the "daemon" while other clients (and
// the same client's later requests, after it) are served in order.
TEST(CtlServer, DeferredReplyDoesNotBlockOthers) {
  TempDir d;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ControlServer::Reply> held;
  ControlServer srv(d.file("ctl"), ControlServer::AsyncHandler(
                                       [&](const json &req, ControlServer::Reply reply) {
                                         if (req["cmd"] == "initiate") {
                                           std::lock_guard<std::mutex> l(mu);
                                           held.emplace(reply);
                                           cv.notify_all();
                                         } else {
                                           reply.ok(json{{"cmd", req["cmd"]}});
                                         }
                                       }));
  json initiated;
  std::thread waiter([&] {
    ControlClient a(d.file("ctl"));
    initiated = a.call(json{{"cmd", "initiate"}, {"child", "net"}}, kWait);
  });
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return held.has_value(); }));
  }
  ControlClient b(d.file("ctl"));
  EXPECT_EQ(b.call(json{{"cmd", "stats"}}, kWait)["cmd"], "stats");  // served meanwhile
  {
    std::lock_guard<std::mutex> l(mu);
    held->ok(json{{"message", "initiated"}});
    held->error("too late");  // the first answer wins
    held.reset();
  }
  waiter.join();
  EXPECT_EQ(initiated["message"], "initiated");
}

TEST(CtlServer, DroppedOrLateRepliesAreHandled) {
  TempDir d;
  std::mutex mu;
  std::optional<ControlServer::Reply> held;
  ControlServer srv(d.file("ctl"), ControlServer::AsyncHandler(
                                       [&](const json &req, ControlServer::Reply reply) {
                                         if (req["cmd"] == "reload") return;  // forgotten
                                         std::lock_guard<std::mutex> l(mu);
                                         held.emplace(reply);
                                       }));
  {
    ControlClient c(d.file("ctl"));
    try {
      c.call(json{{"cmd", "reload"}}, kWait);
      FAIL() << "no error";
    } catch (const ControlRemoteError &e) {
      EXPECT_STREQ(e.what(), "request dropped by the daemon");
    }
    // No reply in time: the client gives up and is closed.
    EXPECT_THROW(c.call(json{{"cmd", "stats"}}, 50), ControlError);
    EXPECT_THROW(c.call(json{{"cmd", "stats"}}, kWait), ControlError);
  }
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_TRUE(held.has_value());
    held->ok(json::object());  // its client is gone: dropped quietly
    held.reset();
  }
  ControlClient c2(d.file("ctl"));
  EXPECT_THROW(c2.call(json{{"cmd", "reload"}}, kWait), ControlRemoteError);
  // A Reply that outlives the server may still be called.
  std::atomic<bool> gave_up{false};
  std::thread t([&] {
    try {
      c2.call(json{{"cmd", "stats"}}, kWait);
    } catch (const ControlError &) {
      gave_up = true;  // the server stopped: closed without a reply
    }
  });
  for (;;) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (held) break;
    }
    std::this_thread::yield();
  }
  srv.stop();
  t.join();
  EXPECT_TRUE(gave_up.load());
  held->ok(json::object());
}

TEST(CtlServer, ClientLimit) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  std::vector<std::unique_ptr<RawConn>> conns;
  for (std::size_t i = 0; i < ControlServer::kMaxClients; ++i) {
    conns.push_back(std::make_unique<RawConn>(d.file("ctl")));
    ASSERT_TRUE(conns.back()->send_all("{\"cmd\":\"stats\"}\n"));
    ASSERT_EQ(reply_of(conns.back()->line())["ok"], true);  // accepted and served
  }
  RawConn extra(d.file("ctl"));
  json rep = reply_of(extra.line());
  EXPECT_EQ(rep["error"], "too many control clients");
  EXPECT_TRUE(extra.at_eof());
  conns.pop_back();  // one leaves: room for one more
  std::unique_ptr<ControlClient> c;
  for (int i = 0; i < 1000 && !c; ++i) {
    try {
      c = std::make_unique<ControlClient>(d.file("ctl"));
      c->call(json{{"cmd", "stats"}}, kWait);
    } catch (const ControlError &) {
      c.reset();  // raced the server noticing the close; try again
    }
  }
  EXPECT_TRUE(c != nullptr);
}

// Random bytes (fixed seed) in random pieces: every line gets an error reply
// or none (blank), nothing breaks, the server serves the next client.
TEST(CtlServer, RandomBytesDoNotBreakTheServer) {
  TempDir d;
  ControlServer srv(d.file("ctl"), echo);
  std::mt19937 rng(12);
  for (int round = 0; round < 20; ++round) {
    RawConn r(d.file("ctl"));
    std::string junk;
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 4000)(rng);
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned v = std::uniform_int_distribution<unsigned>(0, 255)(rng);
      junk += static_cast<char>(v % 7 == 0 ? '\n' : v % 5 == 0 ? '{' : v);
    }
    ASSERT_TRUE(r.send_all(junk));
    r.shutdown_write();
    while (auto l = r.line()) {
      json rep = json::parse(*l);
      EXPECT_EQ(rep["ok"], false) << *l;
    }
    EXPECT_TRUE(r.at_eof());
  }
  ControlClient c(d.file("ctl"));
  EXPECT_EQ(c.call(json{{"cmd", "stats"}}, kWait)["echo"]["cmd"], "stats");
}

}  // namespace
