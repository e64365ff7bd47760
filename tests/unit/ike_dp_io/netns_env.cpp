// Every test of test_ike_dp_io runs in a private network namespace: before
// the first test the process unshare()s CLONE_NEWNET (root only) and brings
// its loopback up, so raw ESP / ICMP sockets and port 4500 see only what the
// tests send, and nothing reaches the host. Runs before any thread starts.
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

class PrivateNetns : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::unshare(CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "unshare(CLONE_NEWNET): %s (these tests need root)\n", std::strerror(errno));
      std::abort();
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (fd < 0 || ::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) std::abort();
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) std::abort();
    ::close(fd);
  }
};

[[maybe_unused]] ::testing::Environment* const g_netns =
    ::testing::AddGlobalTestEnvironment(new PrivateNetns);

}  // namespace
