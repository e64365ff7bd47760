// esp-runtime-bench: the runtime table of `make bench`. SA installs per
// second (one at a time and batched, with the device writes and syncs each
// costs), time and host memory to fill 1M SAs, SPD lookups with 1k/10k
// policies, and the host overhead per packet of Queue::submit/poll without
// the card's time; each against a reference measured in the same run.
//
//   esp-runtime-bench [--json FILE] [--quick] [--backend swemu|cosim]
//                     [--only install,scale,spd,queue]
//
// Threading: single-threaded main (the runtimes start their own card threads).
#include <CLI/CLI.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "install_table.hpp"
#include "queue_table.hpp"
#include "scale_table.hpp"
#include "spd_table.hpp"

int main(int argc, char** argv) {
  CLI::App app{"esp-runtime-bench: SA installs, 1M-SA table, SPD lookups, host overhead per packet"};
  std::string json_path;
  esp::bench::RtBenchOptions o;
  std::vector<std::string> only;
  app.add_option("--json", json_path, "also write the tables as JSON to FILE");
  app.add_flag("--quick", o.quick, "smaller sizes and one repetition (a smoke run; 64k SAs instead of 1M)");
  app.add_option("--backend", o.backend, "card backend of the runtimes")
      ->check(CLI::IsMember({"swemu", "cosim"}))
      ->capture_default_str();
  app.add_option("--only", only, "tables to run (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"install", "scale", "spd", "queue"}));
  CLI11_PARSE(app, argc, argv);
  const std::set<std::string> want(only.begin(), only.end());
  auto on = [&](const char* t) { return want.empty() || want.count(t) != 0; };

  try {
    nlohmann::json tables = nlohmann::json::array();
    std::cout << "esp-runtime-bench (" << o.backend << (o.quick ? ", quick" : "") << ")\n";
    if (on("install")) tables.push_back(esp::bench::install_table(std::cout, o));
    std::cout.flush();
    if (on("scale")) tables.push_back(esp::bench::scale_table(std::cout, o));
    std::cout.flush();
    if (on("spd")) tables.push_back(esp::bench::spd_table(std::cout));
    std::cout.flush();
    if (on("queue")) tables.push_back(esp::bench::queue_table(std::cout, o));
    std::cout.flush();
    if (!json_path.empty()) {
      const std::filesystem::path parent = std::filesystem::path(json_path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      std::ofstream f(json_path);
      f << nlohmann::json{{"program", "esp-runtime-bench"},
                          {"backend", o.backend},
                          {"quick", o.quick},
                          {"tables", tables}}
               .dump(2)
        << "\n";
      if (!f) throw std::runtime_error("cannot write " + json_path);
      std::cout << "\nwritten " << json_path << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "esp-runtime-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
