"""esp-iked against strongSwan 5.9.8 (Debian, kernel-libipsec) in network
namespaces: both directions of initiation, PSK and certificates, CHILD_SA
and IKE_SA rekeys, DELETE both ways, DPD, NAT-T. The SPIs and algorithms
strongSwan lists must be those esp-iked programmed into its card, and ESP
that strongSwan sends, captured on the link, must decrypt through esp-pcap
with the esp_sa file esp-iked wrote (--wireshark-keys).

Harness: netlab (tests/interop/README.md). esp-iked runs on the swemu card.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import netlab
from gwlab import Iked

PSK = "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL"
IKE = "aes256gcm16-prfsha384-ecp384"
ESP = "aes256gcm16"


def strongswan_child(charon, ike="gw", child="net"):
    for c in charon.children(ike, child):
        if c.get("state") == "INSTALLED":
            return c
    return None


def expect_same_child(ours, theirs):
    """What strongSwan lists is what esp-iked programmed into the card
    ("card-sa": read back from the card's SA table through the runtime)."""
    card = ours["card-sa"]
    assert theirs["spi-in"] == ours["spi-out"] == card["spi-out"], (ours, theirs)
    assert theirs["spi-out"] == ours["spi-in"] == card["spi-in"], (ours, theirs)
    assert theirs["encr-alg"] == ours["encr-alg"]
    assert int(theirs["encr-keysize"]) == ours["encr-keysize"] == card["encr-keysize"]
    assert card["encap"] == ours["encap"] and not card["esn"]
    assert theirs["mode"] == ours["mode"]
    assert (theirs.get("encap") == "yes") == ours["encap"]


def psk_pair(topo, *, our_side, initiator_child_extra=None, dpd_delay=None,
             proposals=IKE, esp=ESP):
    """(our connection, strongSwan's connection, secrets) for a PSK tunnel
    between the two sites' subnets; our_side is topo.left or topo.right."""
    ours = our_side
    theirs = topo.right if our_side is topo.left else topo.left
    mine = netlab.connection(ours.outer4, theirs.seen4, local_id="moon.espi.test" if ours is topo.left
                             else "sun.espi.test",
                             remote_id="sun.espi.test" if ours is topo.left else "moon.espi.test",
                             local_ts=ours.subnet4, remote_ts=theirs.subnet4,
                             proposals=proposals, esp_proposals=esp, dpd_delay=dpd_delay,
                             child_extra=initiator_child_extra)
    other = netlab.connection(theirs.outer4, ours.seen4,
                              local_id="sun.espi.test" if ours is topo.left else "moon.espi.test",
                              remote_id="moon.espi.test" if ours is topo.left else "sun.espi.test",
                              local_ts=theirs.subnet4, remote_ts=ours.subnet4,
                              proposals=proposals, esp_proposals=esp)
    secrets = {"ike-gw": {"id-1": "moon.espi.test", "id-2": "sun.espi.test", "secret": PSK}}
    return mine, other, secrets


def decrypt_capture(build, cap_path, keys_dir, out):
    p = subprocess.run([str(Path(build) / "bin/esp-pcap"), "decrypt", "--sa-file",
                        str(keys_dir / "esp_sa"), str(cap_path), str(out)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout + p.stderr


def tshark_ike_auth(pcap, table_dir, home):
    """tshark's verbose dissection of the IKE_AUTH messages in pcap, with the
    ikev2_decryption_table of table_dir (None: no keys) in a private profile."""
    wdir = home / ".config" / "wireshark"
    wdir.mkdir(parents=True, exist_ok=True)
    if table_dir is not None:
        shutil.copy(table_dir / "ikev2_decryption_table", wdir / "ikev2_decryption_table")
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    p = subprocess.run(["tshark", "-n", "-r", str(pcap), "-V", "-Y", "isakmp.exchangetype == 35"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout


def count_icmp_requests(pcap, src, dst):
    p = subprocess.run(["tshark", "-r", str(pcap), "-Y",
                        f"icmp.type == 8 && ip.src == {src} && ip.dst == {dst}", "-T", "fields",
                        "-e", "frame.number"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return len([l for l in p.stdout.splitlines() if l.strip()])


def test_we_initiate_psk_rekeys_and_delete_both_ways(lab, esp_build_dir):
    topo = lab.two_sites(nat=False)
    mine, other, secrets = psk_pair(topo, our_side=topo.left)
    sun = netlab.Charon(lab, topo.right.ns, "sun")
    sun.write_config({"gw": other}, secrets)
    sun.start()
    sun.load_all()
    iked = Iked(lab, topo.left.ns, "moon", esp_build_dir).start({"gw": mine}, secrets)

    cap = lab.capture(topo.right.ns, "eth0", "sun-eth0", pcap=True)
    out = iked.espctl("initiate", "--child", "net").stdout
    assert "established" in out
    sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    theirs = strongswan_child(sun)
    expect_same_child(ours, theirs)
    # libipsec always encapsulates (fake NAT-D): both float to 4500.
    assert ike["remote-port"] == 4500 and ike["nat-remote"] and not ike["nat-local"]
    # The listings users read.
    text = iked.espctl("list-sas").stdout
    assert "gw: #" in text and "ESTABLISHED, IKEv2" in text and f"in  {ours['spi-in']}" in text, text
    assert "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" in text, text
    conns = json.loads(iked.espctl("list-conns", "--json").stdout)["conns"]
    assert conns[0]["name"] == "gw" and conns[0]["children"][0]["name"] == "net"
    assert "gw:" in iked.espctl("list-conns").stdout
    assert "reloaded" in iked.espctl("reload").stdout
    assert iked.sas()[0]["state"] == "ESTABLISHED"     # a reload keeps what is up
    their_ike = sun.list_sas()["gw"]
    assert their_ike["initiator-spi"] == ike["initiator-spi"]
    assert their_ike["responder-spi"] == ike["responder-spi"]
    assert their_ike["encr-alg"] == "AES_GCM_16" and their_ike["dh-group"] == "ECP_384"

    # ESP strongSwan sends decrypts with the keys esp-iked exported.
    topo.right.ns.ping(topo.left.inner4, count=3, src=topo.right.inner4, check=False)
    pcap = cap.stop()
    plain = lab.workdir / "plain.pcap"
    decrypt_capture(esp_build_dir, pcap, iked.keys, plain)
    assert count_icmp_requests(plain, topo.right.inner4, topo.left.inner4) == 3
    # And Wireshark decrypts IKE_AUTH with the ikev2_decryption_table it wrote
    # (without it, no inner payload shows).
    text = tshark_ike_auth(pcap, iked.keys, lab.workdir / "home-keys")
    assert "Decrypted Data" in text and "moon.espi.test" in text, text[-3000:]
    assert "sun.espi.test" in text
    assert "moon.espi.test" not in tshark_ike_auth(pcap, None, lab.workdir / "home-none")

    # CHILD_SA rekey, initiated by us.
    old = ours["spi-in"]
    iked.espctl("rekey", "--child", "net")
    ike, ours = iked.wait_child(other_than=(old,))
    netlab.wait_until(lambda: (c := strongswan_child(sun)) and c["spi-out"] == ours["spi-in"] and
                      len(sun.children("gw", "net")) == 1, 15, "strongSwan on the new CHILD_SA")
    expect_same_child(ours, strongswan_child(sun))
    assert len([c for i in iked.sas() for c in i["child-sas"]]) == 1

    # IKE_SA rekey, initiated by strongSwan.
    old_spi = ike["initiator-spi"]
    sun.rekey(ike="gw")
    netlab.wait_until(lambda: len(iked.sas()) == 1 and iked.sas()[0]["initiator-spi"] != old_spi and
                      iked.sas()[0]["state"] == "ESTABLISHED", 15, "the rekeyed IKE_SA",
                      on_timeout=lambda: json.dumps(iked.sas()))
    ike = iked.sas()[0]
    assert sun.list_sas()["gw"]["initiator-spi"] == ike["initiator-spi"]
    assert ike["child-sas"][0]["spi-in"] == ours["spi-in"]

    # IKE_SA rekey initiated by us.
    old_spi = ike["initiator-spi"]
    iked.espctl("rekey", "--ike", "gw")
    netlab.wait_until(lambda: len(iked.sas()) == 1 and iked.sas()[0]["initiator-spi"] != old_spi and
                      iked.sas()[0]["state"] == "ESTABLISHED" and iked.sas()[0]["initiator"], 15,
                      "our IKE_SA rekey", on_timeout=lambda: json.dumps(iked.sas()))
    ike = iked.sas()[0]
    netlab.wait_until(lambda: len(sun.ike_sas("gw")) == 1 and
                      sun.list_sas()["gw"]["initiator-spi"] == ike["initiator-spi"], 15,
                      "strongSwan on our rekeyed IKE_SA")

    # CHILD_SA rekey initiated by strongSwan, over the rekeyed IKE_SA.
    sun.rekey(child="net")
    ike, ours = iked.wait_child(other_than=(ours["spi-in"],))
    netlab.wait_until(lambda: (c := strongswan_child(sun)) and c["spi-in"] == ours["spi-out"], 15,
                      "strongSwan's rekeyed CHILD_SA")

    # DELETE of the CHILD_SA from strongSwan, then a new one from us, then
    # DELETE of the IKE_SA from us.
    sun.terminate(child="net")
    netlab.wait_until(lambda: not iked.child()[1], 15, "CHILD_SA deleted at esp-iked")
    iked.espctl("initiate", "--child", "net")
    _, ours = iked.wait_child()
    netlab.wait_until(lambda: strongswan_child(sun), 15, "strongSwan's new CHILD_SA")
    iked.espctl("terminate", "--ike", "gw")
    sun.wait_gone("gw")
    netlab.wait_until(lambda: not iked.sas(), 15, "no IKE_SA left at esp-iked")
    stats = json.loads(iked.espctl("stats", "--json").stdout)
    assert stats["ike-sas"]["total"] == 0
    assert stats["cards"][0]["sas"] == 0


def test_strongswan_initiates_ecdsa_certificates_behind_nat(lab, esp_build_dir):
    """strongSwan (moon, behind a NAT) initiates to esp-iked (sun) with ECDSA
    P-384 certificates; sun's ID is its IPv4 address, matched to the SAN."""
    topo = lab.two_sites(nat=True)
    left, right = topo.left, topo.right
    pki = netlab.Pki(lab.workdir / "pki", kind="ecdsa", curve="P-384")
    moon_ck = pki.issue("moon.espi.test", ["DNS:moon.espi.test", f"IP:{left.outer4}"])
    sun_ck = pki.issue("sun.espi.test", ["DNS:sun.espi.test", f"IP:{right.outer4}"])
    moon = netlab.Charon(lab, left.ns, "moon", options={"keep_alive": "1s"})
    mcert, ca = pki.install(moon.swanctl_dir, moon_ck)
    iked = Iked(lab, right.ns, "sun", esp_build_dir)
    scert, _ = pki.install(iked.dir, sun_ck)
    moon.write_config({"gw": netlab.connection(
        left.outer4, right.outer4, auth="pubkey", local_id="moon.espi.test",
        remote_id=right.outer4, local_cert=mcert, remote_cacert=ca,
        local_ts=left.subnet4, remote_ts=right.subnet4, proposals=IKE, esp_proposals=ESP)})
    iked.start({"gw": netlab.connection(
        right.outer4, "%any", auth="pubkey", local_id=right.outer4,
        remote_id="moon.espi.test", local_cert=scert, remote_cacert=ca,
        local_ts=right.subnet4, remote_ts=left.subnet4, proposals=IKE, esp_proposals=ESP)},
        extra_args=("--cookie-threshold", "0"))      # every IKE_SA_INIT needs a cookie (RFC 7296 2.6)
    cap = lab.capture(right.ns, "eth0", "sun-eth0", pcap=True)
    moon.start()
    moon.load_all()
    moon.initiate("net")
    sa = moon.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    expect_same_child(ours, strongswan_child(moon))
    # The NAT is real for moon: esp-iked sees it on the remote side, moon on its own.
    assert sa.get("nat-local") == "yes"
    assert ike["nat-remote"] and not ike["nat-local"]
    assert ike["remote-host"] == left.seen4 and ike["local-port"] == 4500
    assert ike["remote-id"] == "moon.espi.test" and ike["local-id"] == right.outer4
    assert not ike["initiator"]
    text = moon.log.read_text()
    # strongSwan came back with the cookie we asked for.
    assert "received COOKIE" in text or "N(COOKIE)" in text, text[-3000:]
    assert json.loads(iked.espctl("stats", "--json").stdout)["ike"]["cookies-sent"] >= 1
    assert f"authentication of '{right.outer4}' with ECDSA_WITH_SHA384_DER successful" in text
    assert 'received end entity cert "C=CH, O=espi, CN=sun.espi.test"' in text
    # ESP from strongSwan through the NAT decrypts with esp-iked's keys.
    left.ns.ping(right.inner4, count=3, src=left.inner4, check=False)
    netlab.wait_until(lambda: moon.log.read_text().count("sending keep alive") >= 2, 10,
                      "NAT-T keepalives from moon")
    pcap = cap.stop()
    plain = lab.workdir / "plain.pcap"
    decrypt_capture(esp_build_dir, pcap, iked.keys, plain)
    assert count_icmp_requests(plain, left.inner4, right.inner4) == 3
    keepalives = [p for p in cap.packets() if "udpencap" in p["protocols"]
                  and p["udp.length"] == "9"]
    assert keepalives, "no NAT-T keepalive reached esp-iked"
    # DELETE initiated by the responder (us) for the IKE_SA.
    iked.espctl("terminate", "--ike", "gw")
    moon.wait_gone("gw")
    netlab.wait_until(lambda: not iked.sas(), 15, "no IKE_SA left at esp-iked")


def test_we_initiate_rsa_chain_fragmented_behind_nat(lab, esp_build_dir):
    """esp-iked (moon, behind the NAT) initiates with an RSA certificate and
    an intermediate CA each way: IKE_AUTH is larger than the fragment size,
    so both sides send RFC 7383 fragments."""
    topo = lab.two_sites(nat=True)
    left, right = topo.left, topo.right
    pki = netlab.Pki(lab.workdir / "pki", kind="rsa", bits=3072)
    im_moon = pki.intermediate("espi moon sub CA")
    im_sun = pki.intermediate("espi sun sub CA")
    moon_ck = pki.issue("moon.espi.test", ["DNS:moon.espi.test"], issuer=im_moon)
    sun_ck = pki.issue("sun.espi.test", ["DNS:sun.espi.test"], issuer=im_sun)
    sun = netlab.Charon(lab, right.ns, "sun")
    scert, ca = pki.install(sun.swanctl_dir, sun_ck)
    iked = Iked(lab, left.ns, "moon", esp_build_dir)
    mcert, _ = pki.install(iked.dir, moon_ck)
    # Each side's intermediate goes with its certificate (x509/): it must be sent.
    (sun.swanctl_dir / "x509" / im_sun.cert.name).write_bytes(im_sun.cert.read_bytes())
    (iked.dir / "x509" / im_moon.cert.name).write_bytes(im_moon.cert.read_bytes())
    sun.write_config({"gw": netlab.connection(
        right.outer4, "%any", auth="pubkey", local_id="sun.espi.test", remote_id=moon_ck.subject,
        local_cert=scert, remote_cacert=ca, local_ts=right.subnet4, remote_ts=left.subnet4,
        proposals="aes128gcm16-prfsha256-x25519", esp_proposals="aes128gcm16")})
    sun.start()
    sun.load_all()
    mine = netlab.connection(
        left.outer4, right.outer4, auth="pubkey", local_id="-",
        remote_id="sun.espi.test", local_cert=mcert, remote_cacert=ca,
        local_ts=left.subnet4, remote_ts=right.subnet4,
        proposals="aes128gcm16-prfsha256-x25519", esp_proposals="aes128gcm16")
    del mine["local"]["id"]   # our ID: the certificate's subject DN, as strongSwan does
    iked.start({"gw": mine})
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    expect_same_child(ours, strongswan_child(sun))
    assert ike["nat-local"] and ike["dh-group"] == "CURVE_25519"
    text = sun.log.read_text()
    assert "reassembled fragmented IKE message" in text      # ours, reassembled by strongSwan
    assert "received issuer cert" in text                       # our intermediate
    assert f"authentication of '{moon_ck.subject}' with RSA_EMSA_PKCS1_SHA2_256 successful" in text
    assert ike["local-id"] == moon_ck.subject
    assert "fragment" in iked.log().lower() or "EF(" in text


def test_dead_peer_detection_clears_the_card(lab, esp_build_dir):
    """esp-iked's DPD (dpd_delay) answered while strongSwan lives; once it is
    gone, the retransmits give up and every SA leaves the card."""
    topo = lab.two_sites(nat=False)
    mine, other, secrets = psk_pair(topo, our_side=topo.left, dpd_delay="1s")
    sun = netlab.Charon(lab, topo.right.ns, "sun")
    sun.write_config({"gw": other}, secrets)
    sun.start()
    sun.load_all()
    iked = Iked(lab, topo.left.ns, "moon", esp_build_dir).start(
        {"gw": mine}, secrets, extra_args=("--retransmit-timeout", "0.5", "--retransmit-tries", "2"))
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    iked.wait_child()
    # Liveness checks go out and are answered (strongSwan logs the empty INFORMATIONAL).
    netlab.wait_until(lambda: sun.log.read_text().count("parsed INFORMATIONAL request") >= 2, 15,
                      "two DPD requests answered by strongSwan")
    assert len(iked.sas()) == 1
    sun.proc.signal(9)
    netlab.wait_until(lambda: not iked.sas(), 30, "esp-iked giving up on the dead peer",
                      on_timeout=lambda: iked.log()[-3000:])
    stats = json.loads(iked.espctl("stats", "--json").stdout)
    assert stats["cards"][0]["sas"] == 0 and stats["ike"]["retransmits"] >= 2
    assert "giving up" in iked.log()


def test_bad_configuration_names_file_and_line(tmp_path, esp_build_dir):
    """A config line we do not support is an error with its file:line, and
    esp-iked does not start."""
    conf = tmp_path / "swanctl.conf"
    conf.write_text("connections {\n  gw {\n    remote_addrs = 192.0.2.2\n"
                    "    aggressive = yes\n  }\n}\n")
    p = subprocess.run([str(esp_build_dir / "bin/esp-iked"), "--conf", str(conf), "--control", "",
                        "--port", "0", "--nat-port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert f"{conf}:4" in p.stderr, p.stderr


def test_gmac_and_esn_are_refused_by_strongswans_libipsec(lab, esp_build_dir):
    """The interop gap, pinned: strongSwan's userspace ESP (the only one on a
    kernel without XFRM ESP) has neither AES-GMAC nor ESN. esp-iked offers
    them, strongSwan answers NO_PROPOSAL_CHOSEN, the IKE_SA stays up, nothing
    is left on the card, and the IKE_SA still works (a rekey of it)."""
    topo = lab.two_sites(nat=False)
    mine, other, secrets = psk_pair(topo, our_side=topo.left, esp="aes128gmac, aes256gcm16-esn")
    other["children"]["net"]["esp_proposals"] = "aes128gmac, aes256gcm16-esn"
    sun = netlab.Charon(lab, topo.right.ns, "sun")
    sun.write_config({"gw": other}, secrets)
    sun.start()
    sun.load_all()
    iked = Iked(lab, topo.left.ns, "moon", esp_build_dir).start({"gw": mine}, secrets)
    p = iked.espctl("initiate", "--child", "net", "--timeout", "5", check=False)
    assert p.returncode == 1
    assert "peer sent notify 14" in iked.log()           # NO_PROPOSAL_CHOSEN
    assert "NULL_AES_GMAC" in sun.log.read_text() or "ESN not supported" in sun.log.read_text()
    ikes = iked.sas()
    assert len(ikes) == 1 and ikes[0]["state"] == "ESTABLISHED" and not ikes[0]["child-sas"]
    assert json.loads(iked.espctl("stats", "--json").stdout)["cards"][0]["sas"] == 0
    old_spi = ikes[0]["initiator-spi"]
    iked.espctl("rekey", "--ike", "gw")
    netlab.wait_until(lambda: len(iked.sas()) == 1 and iked.sas()[0]["initiator-spi"] != old_spi and
                      iked.sas()[0]["state"] == "ESTABLISHED", 15, "the IKE_SA rekeyed")
