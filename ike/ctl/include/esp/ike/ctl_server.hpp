// ControlServer: esp-iked's end of the control socket (ctl_protocol.hpp).
//
// The constructor binds a Unix stream socket at `path` (mode 0600, the
// directory must exist): a socket file already there is replaced only when no
// one answers on it (a stale file of a dead daemon); a live daemon, or a path
// that is not a socket, is refused with ControlError. It then starts ONE
// thread that serves every client (poll over the listening socket and the
// clients): it reads request lines, checks them (validate_request), calls the
// handler and writes the replies, in order per connection.
//
// A request that is not JSON, not a well-formed request or whose handler
// throws gets {"ok":false,...} and the connection stays usable; a line over
// kMaxRequestLine bytes gets an error reply and the connection is closed.
// While a request is being answered the server reads no more from that
// client (so at most one reply is buffered per client); at most kMaxClients
// connections are served, another one gets an error line and is closed.
//
// Thread-safety: the handler runs on the server's thread, one request at a
// time (the daemon marshals into its own loop from there). With the
// AsyncHandler form the handler returns at once and answers later through a
// Reply, from any thread; other clients are served meanwhile. stop() and the
// destructor (close the sockets, unlink the file, join the thread) wait for a
// handler that is running and must not be called from a handler; the object
// itself belongs to one owner thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "esp/ike/ctl_protocol.hpp"

namespace esp::ike {

class ControlServer {
 public:
  // Answers a request (already validated): returns its `result`; a throw of
  // std::exception becomes {"ok":false,"error":what()}.
  using Handler = std::function<nlohmann::json(const nlohmann::json &request)>;

  // The deferred answer to one request. Copyable; the first ok()/error() is
  // sent, later ones are ignored; when the last copy goes without an answer
  // the client gets {"ok":false,"error":"request dropped by the daemon"}.
  // Callable from any thread, also after the server stopped (then nothing is
  // sent). Thread-safe.
  class Reply {
   public:
    void ok(const nlohmann::json &result) const;
    void error(const std::string &text) const;
    struct State;  // private to server.cpp
    explicit Reply(std::shared_ptr<State> s) : s_(std::move(s)) {}

   private:
    std::shared_ptr<State> s_;
  };
  // Starts answering a request (already validated); a throw of std::exception
  // from the call itself is sent as the error (if the reply was not sent).
  using AsyncHandler = std::function<void(const nlohmann::json &request, Reply reply)>;

  static constexpr std::size_t kMaxClients = 64;

  // Throws ControlError "PATH: reason" when the socket cannot be bound.
  ControlServer(std::string path, Handler h);
  ControlServer(std::string path, AsyncHandler h);
  ~ControlServer();
  ControlServer(const ControlServer &) = delete;
  ControlServer &operator=(const ControlServer &) = delete;

  // Idempotent: closes the listening socket and every client (pending
  // replies are dropped), unlinks the socket file, joins the thread.
  void stop();
  const std::string &path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace esp::ike
