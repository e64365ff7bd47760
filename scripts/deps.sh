#!/usr/bin/env bash
# Installs the Debian packages esp-offload needs; a no-op when all are present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libssl-dev openssl libgtest-dev libgmock-dev googletest libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libpcap-dev
  python3 python3-yaml python3-jinja2 python3-pytest python3-dev pybind11-dev python3-cryptography
  libxrt-dev uuid-dev
  verilator yosys z3
  clang-14 libclang-rt-14-dev
  tshark
  nftables iputils-ping iperf3
  iproute2 strongswan-charon strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
