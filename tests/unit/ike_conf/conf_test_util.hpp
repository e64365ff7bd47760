// Test helpers: a temporary directory with files, and "expect a ConfError at
// file:line whose message contains ...".
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "esp/ike/conf_syntax.hpp"

namespace esp::ike::conf::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ike_conf_test.XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (!d) throw std::runtime_error("mkdtemp failed");
    path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes path()/rel (creating its directories).
  std::string write(const std::string& rel, const std::string& text) const {
    std::string full = path_ + "/" + rel;
    size_t slash = rel.rfind('/');
    if (slash != std::string::npos) {
      std::filesystem::create_directories(path_ + "/" + rel.substr(0, slash));
    }
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }

 private:
  std::string path_;
};

// f must throw ConfError at file:line with a message containing `what`.
inline void expect_conf_error(const std::function<void()>& f, const std::string& file, unsigned line,
                              const std::string& what, const std::string& trace = "") {
  SCOPED_TRACE(trace);
  try {
    f();
    ADD_FAILURE() << "no error; expected " << file << ":" << line << ": ..." << what;
  } catch (const ConfError& e) {
    EXPECT_EQ(e.loc().file, file) << e.what();
    EXPECT_EQ(e.loc().line, line) << e.what();
    EXPECT_NE(e.reason().find(what), std::string::npos) << e.what() << "\n  expected to contain: " << what;
    EXPECT_EQ(std::string(e.what()).rfind(file + ":" + std::to_string(line) + ": ", 0), 0u) << e.what();
  }
}

}  // namespace esp::ike::conf::test
