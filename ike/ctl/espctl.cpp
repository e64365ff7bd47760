// espctl: look at and steer esp-iked through its control socket
// (ike/ctl/README.md). Exit 0 when the daemon answered ok, 1 otherwise with
// "espctl: <error>" on stderr.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "esp/ike/ctl_client.hpp"
#include "esp/ike/ctl_protocol.hpp"
#include "esp/ike/ctl_render.hpp"

namespace {

using nlohmann::json;
using namespace esp::ike;

// How long espctl waits for a reply: listings 10 s; terminate, rekey and
// reload 30 s (the daemon may wait for its peer); initiate its --timeout + 10 s.
constexpr int kReplyMarginMs = 10000;
constexpr int kActionWaitMs = 30000;

int fail(const std::string &what) {
  std::cerr << "espctl: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"espctl: look at and steer esp-iked through its control socket"};
  app.require_subcommand(1);
  std::string control = kDefaultControlPath;
  app.add_option("--control", control, "esp-iked's control socket")->capture_default_str();

  bool as_json = false;
  std::string child, ike;
  int timeout = kDefaultInitiateTimeout;

  auto *list_sas = app.add_subcommand("list-sas", "list the IKE_SAs and their CHILD_SAs");
  list_sas->add_flag("--json", as_json, "print the daemon's result as JSON");
  auto *list_conns = app.add_subcommand("list-conns", "list the loaded connections");
  list_conns->add_flag("--json", as_json, "print the daemon's result as JSON");
  auto *stats = app.add_subcommand("stats", "show the daemon's counters");
  stats->add_flag("--json", as_json, "print the daemon's result as JSON");

  auto *initiate = app.add_subcommand("initiate", "set up a CHILD_SA (and its IKE_SA if needed)");
  initiate->add_option("--child", child, "the CHILD_SA's config name")->required();
  initiate->add_option("--ike", ike, "the connection's name (default: the one holding --child)");
  initiate->add_option("--timeout", timeout, "seconds to wait for the outcome")
      ->check(CLI::Range(1, kMaxInitiateTimeout))
      ->capture_default_str();

  auto *terminate = app.add_subcommand("terminate", "delete an IKE_SA or a CHILD_SA");
  auto *rekey = app.add_subcommand("rekey", "rekey an IKE_SA or a CHILD_SA");
  for (auto *sub : {terminate, rekey}) {
    auto *i = sub->add_option("--ike", ike, "an IKE_SA, by connection name");
    auto *c = sub->add_option("--child", child, "a CHILD_SA, by its config name");
    i->excludes(c);
    sub->require_option(1);
  }
  app.add_subcommand("reload", "reload the configuration file");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    return fail(std::string(e.what()) + " (see espctl --help)");
  }

  CLI::App *sub = app.get_subcommands().front();
  const std::string cmd = sub->get_name();
  json req = {{"cmd", cmd}};
  if (!child.empty()) req["child"] = child;
  if (!ike.empty()) req["ike"] = ike;
  int wait_ms = kReplyMarginMs;
  if (sub == initiate) {
    req["timeout"] = timeout;
    wait_ms += timeout * 1000;
  } else if (sub != list_sas && sub != list_conns && sub != stats) {
    wait_ms = kActionWaitMs;
  }
  if (auto err = validate_request(req)) return fail(*err);

  try {
    ControlClient client(control);
    json result = client.call(req, wait_ms);
    std::string out;
    if (as_json)
      out = result.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    else if (sub == list_sas)
      out = render_list_sas(result);
    else if (sub == list_conns)
      out = render_list_conns(result);
    else if (sub == stats)
      out = render_stats(result);
    else
      out = render_message(result);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (std::fflush(stdout) != 0) return fail("cannot write the output");
  } catch (const ControlError &e) {
    return fail(e.what());
  } catch (const std::exception &e) {
    return fail(e.what());
  }
  return 0;
}
