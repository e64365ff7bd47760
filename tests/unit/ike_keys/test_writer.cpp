// KeyFileWriter / WiresharkKeyLog: files created 0600, appended to (never
// truncated), refused when group/other can read them or they are symlinks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "esp/ike/wireshark_keys.hpp"

namespace esp::ike {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/ike_keys_XXXXXX";
    path = mkdtemp(t) ? t : "";
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

std::string slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

SecretBytes line(const std::string &s) {
  return SecretBytes(ByteView(reinterpret_cast<const uint8_t *>(s.data()), s.size()));
}

mode_t mode_of(const std::string &p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(KeyFileWriter, Creates0600AndAppends) {
  TempDir d;
  ASSERT_FALSE(d.path.empty());
  const mode_t old = ::umask(0);  // even with a permissive umask
  {
    KeyFileWriter w(d.path + "/f");
    w.append(line("one\n"));
  }
  ::umask(old);
  EXPECT_EQ(mode_of(d.path + "/f"), 0600u);
  {
    KeyFileWriter w(d.path + "/f");  // reopening does not truncate
    w.append(line("two\n"));
    KeyFileWriter moved(std::move(w));
    moved.append(line("three\n"));
  }
  EXPECT_EQ(slurp(d.path + "/f"), "one\ntwo\nthree\n");
}

TEST(KeyFileWriter, Refusals) {
  TempDir d;
  ASSERT_FALSE(d.path.empty());
  const std::string loose = d.path + "/loose";
  std::ofstream(loose) << "x\n";
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  try {
    KeyFileWriter w(loose);
    FAIL() << "a 0644 key file was accepted";
  } catch (const CryptoError &e) {
    EXPECT_NE(std::string(e.what()).find(loose + ": "), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(loose), "x\n");  // untouched
  const std::string link = d.path + "/link";
  ASSERT_EQ(::symlink(loose.c_str(), link.c_str()), 0);
  EXPECT_THROW(KeyFileWriter{link}, CryptoError);
  EXPECT_THROW(KeyFileWriter{d.path}, CryptoError);                      // a directory
  EXPECT_THROW(KeyFileWriter{d.path + "/no/such/dir/f"}, CryptoError);  // cannot create
}

TEST(WiresharkKeyLog, WritesBothFiles) {
  TempDir d;
  ASSERT_FALSE(d.path.empty());
  WiresharkKeyLog log(d.path);
  IkeSuite s;
  s.encr = EncrId::AesGcm16, s.encr_key_bits = 128;
  IkeSaKeys k;
  k.sk_ei = SecretBytes(20), k.sk_er = SecretBytes(20);
  log.ike_sa(1, 2, s, k);
  log.ike_sa(3, 4, s, k);
  EspSaKeyRecord r;
  r.src = {10, 0, 0, 1}, r.dst = {10, 0, 0, 2}, r.spi = 5;
  ChildDirKeys ck;
  ck.encr = SecretBytes(20);
  log.esp_sa(r, ck);
  // A bad record writes nothing (and does not create the file's content).
  r.spi = 0;
  EXPECT_THROW(log.esp_sa(r, ck), CryptoError);
  const std::string ike = slurp(d.path + "/ikev2_decryption_table");
  EXPECT_EQ(ike.substr(0, 35), "0000000000000001,0000000000000002,0");
  EXPECT_NE(ike.find("\n0000000000000003,0000000000000004,"), std::string::npos);
  const std::string esp = slurp(d.path + "/esp_sa");
  EXPECT_EQ(esp.substr(0, 45), "\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00000005\",\"AE");
  EXPECT_EQ(std::count(esp.begin(), esp.end(), '\n'), 1);
  EXPECT_EQ(mode_of(d.path + "/esp_sa"), 0600u);
  EXPECT_EQ(mode_of(d.path + "/ikev2_decryption_table"), 0600u);
}

}  // namespace
}  // namespace esp::ike
