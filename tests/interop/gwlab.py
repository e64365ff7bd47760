"""gwlab: the gateway lab for the data-plane interop tests (issue 13).

esp-iked as an IPsec gateway (TUN device, routes to the remote traffic
selectors, ESP through the card) against strongSwan's kernel-libipsec
gateway or against another esp-iked, with a host behind each gateway:

    alice --lan-- moon ==wan== sun --lan-- bob

Here: `Iked` (one esp-iked in a namespace, driven through espctl). Used by
test_esp_iked_strongswan.py, test_gateway_strongswan.py,
test_gateway_pair.py. Not thread-safe: one lab per test, used from the
test's thread.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import netlab


class Iked:
    """One esp-iked in a namespace, with its control socket and key files."""

    def __init__(self, lab, ns, name, build):
        self.lab = lab
        self.ns = ns
        self.build = Path(build)
        self.dir = lab.workdir / name     # also its swanctl dir (x509/, x509ca/, private/)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "swanctl.conf"
        self.keys = self.dir / "keys"
        self.keys.mkdir(exist_ok=True)
        self.ctl = lab.sockdir / f"{name}.ctl"
        self.proc = None

    def start(self, connections, secrets=None, extra_args=()):
        self.conf.write_text(netlab.swanctl_conf(connections, secrets))
        cmd = [str(self.build / "bin/esp-iked"), "--conf", str(self.conf), "--backend", "swemu",
               "--control", str(self.ctl), "--wireshark-keys", str(self.keys), "--log-level", "debug",
               "--sa-capacity", "1024", *extra_args]
        self.proc = self.ns.popen(cmd, self.dir / "esp-iked.log")
        self.proc.wait_log(r"esp-iked listening", timeout=30)
        return self

    def log(self):
        return self.proc.log_text()

    def espctl(self, *args, check=True, timeout=60):
        p = subprocess.run([str(self.build / "bin/espctl"), "--control", str(self.ctl), *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise netlab.LabError(f"espctl {' '.join(args)}: exit {p.returncode}: {p.stderr}\n"
                                  f"--- esp-iked log ---\n{self.proc.log_text()[-6000:]}")
        return p

    def sas(self):
        return json.loads(self.espctl("list-sas", "--json").stdout)["ike-sas"]

    def child(self, name="net"):
        for ike in self.sas():
            for c in ike["child-sas"]:
                if c["name"] == name and c["state"] == "INSTALLED":
                    return ike, c
        return None, None

    def wait_child(self, name="net", timeout=20, other_than=()):
        def ok():
            ike, c = self.child(name)
            return (ike, c) if c and c["spi-in"] not in other_than else None
        return netlab.wait_until(ok, timeout, f"esp-iked CHILD_SA {name}",
                                 on_timeout=lambda: json.dumps(self.sas(), indent=1))
