// ctl_fake_server SOCKET FIXTURES_DIR: a ControlServer answering like
// esp-iked would, from fixed results, for espctl's end-to-end test
// (test_espctl.py). Prints "ready" once it listens; runs until SIGTERM/SIGINT.
//   list-sas / list-conns / stats  -> FIXTURES_DIR/{list_sas_full,list_conns_full,stats}.json
//   initiate/terminate/rekey/reload -> {"message": "<cmd> <the request as JSON>"}
//   a "child" or "ike" named "missing" -> the error "no config named 'missing'"
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "esp/ike/ctl_server.hpp"

namespace {

using nlohmann::json;

json load(const std::string &path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path);
  return json::parse(f);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: ctl_fake_server SOCKET FIXTURES_DIR\n";
    return 2;
  }
  const std::string dir = argv[2];
  try {
    const json sas = load(dir + "/list_sas_full.json");
    const json conns = load(dir + "/list_conns_full.json");
    const json stats = load(dir + "/stats.json");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the server's thread inherits it

    esp::ike::ControlServer srv(argv[1], [&](const json &req) -> json {
      const std::string cmd = req["cmd"];
      for (const char *k : {"child", "ike"})
        if (req.value(k, "") == "missing") throw std::runtime_error("no config named 'missing'");
      if (cmd == "list-sas") return sas;
      if (cmd == "list-conns") return conns;
      if (cmd == "stats") return stats;
      return json{{"message", cmd + " " + req.dump()}};
    });
    std::cout << "ready" << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
  } catch (const std::exception &e) {
    std::cerr << "ctl_fake_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
