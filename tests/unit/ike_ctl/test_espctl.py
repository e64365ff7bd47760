#!/usr/bin/python3
"""espctl end to end: the espctl binary against ctl_fake_server (fixed
results from fixtures/): exit codes, stderr, text output equal to the
fixtures' expected text, --json output that parses back to the result, and
the requests the options build.

usage: test_espctl.py ESPCTL FAKE_SERVER FIXTURES_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ESPCTL, FAKE, FIXTURES = sys.argv[1:4]


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


class Espctl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="espctl_")
        cls.sock = os.path.join(cls.tmp.name, "ctl")
        cls.server = subprocess.Popen([FAKE, cls.sock, FIXTURES], stdout=subprocess.PIPE,
                                      text=True)
        line = cls.server.stdout.readline()
        assert line == "ready\n", f"the fake server did not start: {line!r}"

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.tmp.cleanup()

    def run_espctl(self, *args, sock=None):
        return subprocess.run([ESPCTL, "--control", sock or self.sock, *args],
                              capture_output=True, text=True, timeout=60)

    def ok(self, *args):
        p = self.run_espctl(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        return p.stdout

    def fails(self, *args, sock=None):
        p = self.run_espctl(*args, sock=sock)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertEqual(p.stdout, "")
        self.assertTrue(p.stderr.startswith("espctl: "), p.stderr)
        return p.stderr

    def test_text_listings_are_the_rendered_fixtures(self):
        for args, txt in ((["list-sas"], "list_sas_full.txt"),
                          (["list-conns"], "list_conns_full.txt"),
                          (["stats"], "stats.txt")):
            with self.subTest(args=args):
                self.assertEqual(self.ok(*args), fixture(txt))

    def test_json_prints_the_result_as_is(self):
        for cmd, js in (("list-sas", "list_sas_full.json"),
                        ("list-conns", "list_conns_full.json"),
                        ("stats", "stats.json")):
            with self.subTest(cmd=cmd):
                out = self.ok(cmd, "--json")
                self.assertEqual(json.loads(out), json.loads(fixture(js)))
                self.assertTrue(out.startswith("{\n  \""), out[:20])  # pretty, 2 spaces

    def request_of(self, *args):
        """The request espctl sent, as the fake server echoes it."""
        out = self.ok(*args)
        cmd, _, req = out.rstrip("\n").partition(" ")
        return cmd, json.loads(req)

    def test_commands_build_their_requests(self):
        cases = [
            (["initiate", "--child", "net"],
             {"cmd": "initiate", "child": "net", "timeout": 30}),
            (["initiate", "--child", "net", "--ike", "gw", "--timeout", "5"],
             {"cmd": "initiate", "child": "net", "ike": "gw", "timeout": 5}),
            (["terminate", "--ike", "gw"], {"cmd": "terminate", "ike": "gw"}),
            (["terminate", "--child", "net"], {"cmd": "terminate", "child": "net"}),
            (["rekey", "--child", "net"], {"cmd": "rekey", "child": "net"}),
            (["rekey", "--ike", "gw"], {"cmd": "rekey", "ike": "gw"}),
            (["reload"], {"cmd": "reload"}),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                cmd, req = self.request_of(*args)
                self.assertEqual(cmd, args[0])
                self.assertEqual(req, want)

    def test_daemon_errors_exit_1(self):
        err = self.fails("terminate", "--child", "missing")
        self.assertEqual(err, "espctl: no config named 'missing'\n")
        err = self.fails("initiate", "--child", "missing")
        self.assertEqual(err, "espctl: no config named 'missing'\n")

    def test_usage_errors_exit_1(self):
        for args in (["terminate"], ["terminate", "--ike", "a", "--child", "b"], ["rekey"],
                     ["initiate"], ["initiate", "--child", "net", "--timeout", "0"],
                     ["initiate", "--child", "net", "--timeout", "x"], ["frob"], [],
                     ["list-sas", "--bogus"], ["initiate", "--child", "a\tb"]):
            with self.subTest(args=args):
                self.fails(*args)

    def test_no_daemon(self):
        missing = os.path.join(self.tmp.name, "nothing-here")
        err = self.fails("list-sas", sock=missing)
        self.assertEqual(err, f"espctl: cannot connect to {missing}: No such file or "
                              "directory (is esp-iked running?)\n")

    def test_help_exits_0(self):
        p = subprocess.run([ESPCTL, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        for cmd in ("list-sas", "list-conns", "initiate", "terminate", "rekey", "reload",
                    "stats", "--control"):
            self.assertIn(cmd, p.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
