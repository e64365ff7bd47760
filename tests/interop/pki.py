"""pki: a throw-away CA (ECDSA or RSA), intermediates and end-entity
certificates made with the openssl CLI at test time, and written into a
swanctl directory's x509ca/, x509/ and private/ folders.

Import through netlab (netlab.Pki). Not thread-safe.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

from netlab import run

OPENSSL = "openssl"


@dataclass
class CertKey:
    name: str
    cert: Path
    key: Path
    subject: str           # "C=CH, O=espi, CN=moon.espi.test" (strongSwan's DN syntax)
    issuer: Optional["CertKey"] = None


class Pki:
    """kind "ecdsa" (curve P-256 or P-384 by `curve`) or "rsa" (`bits`).
    Keys are written as PKCS#8 PEM, or as the traditional format (PKCS#1
    for RSA, SEC1 for EC) with traditional=True."""

    def __init__(self, directory: Path, kind: str = "ecdsa", curve: str = "P-256",
                 bits: int = 2048, days: int = 30):
        if kind not in ("ecdsa", "rsa"):
            raise ValueError(f"kind must be ecdsa or rsa, not {kind!r}")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.kind, self.curve, self.bits, self.days = kind, curve, bits, days
        self.ca = self._make_ca(f"espi {kind} CA", None)

    # -- keys and certificates
    def _key(self, name: str, traditional: bool = False) -> Path:
        path = self.dir / f"{name}.key.pem"
        if self.kind == "ecdsa":
            algo = ["-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{self.curve}"]
        else:
            algo = ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{self.bits}"]
        run([OPENSSL, "genpkey", *algo, "-out", str(path)])
        if traditional:
            trad = path.with_suffix(".trad")
            run([OPENSSL, "pkey", "-in", str(path), "-traditional", "-out", str(trad)])
            trad.replace(path)
        path.chmod(0o600)
        return path

    @staticmethod
    def _subj(cn: str) -> Tuple[str, str]:
        return f"/C=CH/O=espi/CN={cn}", f"C=CH, O=espi, CN={cn}"

    def _sign(self, name: str, key: Path, subj: str, issuer: Optional[CertKey],
              ext: str) -> Path:
        cert = self.dir / f"{name}.cert.pem"
        extfile = self.dir / f"{name}.ext"
        extfile.write_text(ext)
        serial = "0x" + secrets.token_hex(8)
        if issuer is None:
            run([OPENSSL, "req", "-x509", "-new", "-key", str(key), "-subj", subj, "-sha256",
                 "-days", str(self.days), "-set_serial", serial,
                 "-extensions", "v3", "-config", str(self._reqconf(extfile)), "-out", str(cert)])
        else:
            csr = self.dir / f"{name}.csr"
            run([OPENSSL, "req", "-new", "-key", str(key), "-subj", subj, "-out", str(csr)])
            run([OPENSSL, "x509", "-req", "-in", str(csr), "-CA", str(issuer.cert),
                 "-CAkey", str(issuer.key), "-set_serial", serial, "-sha256",
                 "-days", str(self.days), "-extfile", str(extfile), "-out", str(cert)])
        return cert

    def _reqconf(self, extfile: Path) -> Path:
        conf = extfile.with_suffix(".cnf")
        conf.write_text("[req]\ndistinguished_name = dn\n[dn]\n[v3]\n" + extfile.read_text())
        return conf

    def _make_ca(self, cn: str, issuer: Optional[CertKey], pathlen: Optional[int] = None
                 ) -> CertKey:
        name = cn.replace(" ", "_")
        key = self._key(name)
        subj, dn = self._subj(cn)
        bc = "critical,CA:TRUE" + (f",pathlen:{pathlen}" if pathlen is not None else "")
        ext = (f"basicConstraints = {bc}\nkeyUsage = critical,keyCertSign,cRLSign\n"
               "subjectKeyIdentifier = hash\n")
        if issuer is not None:
            ext += "authorityKeyIdentifier = keyid\n"
        return CertKey(name, self._sign(name, key, subj, issuer, ext), key, dn, issuer)

    def intermediate(self, cn: str, issuer: Optional[CertKey] = None) -> CertKey:
        """A CA signed by `issuer` (the root by default)."""
        return self._make_ca(cn, issuer or self.ca)

    def issue(self, cn: str, sans: Sequence[str] = (), issuer: Optional[CertKey] = None,
              traditional: bool = False) -> CertKey:
        """An end-entity certificate for CN=cn, subjectAltNames as openssl
        writes them ("DNS:moon.espi.test", "IP:192.0.2.1",
        "email:moon@espi.test"), signed by `issuer` (the root by default)."""
        name = cn.replace(" ", "_")
        key = self._key(name, traditional)
        subj, dn = self._subj(cn)
        ext = ("basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
               "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n")
        if sans:
            ext += "subjectAltName = " + ",".join(sans) + "\n"
        iss = issuer or self.ca
        return CertKey(name, self._sign(name, key, subj, iss, ext), key, dn, iss)

    # -- into swanctl's folders
    def install(self, swanctl_dir: Path, ee: Optional[CertKey] = None,
                cas: Sequence[CertKey] = ()) -> Tuple[str, str]:
        """Copies the root CA (and `cas`) to x509ca/, ee's certificate to
        x509/ and its key to private/; returns the file names to use in
        swanctl.conf (certs = <cert>, cacerts = <root>)."""
        d = Path(swanctl_dir)
        for sub in ("x509", "x509ca", "private"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        root = f"{self.ca.name}.cert.pem"
        shutil.copy(self.ca.cert, d / "x509ca" / root)
        for ca in cas:
            shutil.copy(ca.cert, d / "x509ca" / ca.cert.name)
        cert = ""
        if ee is not None:
            cert = ee.cert.name
            shutil.copy(ee.cert, d / "x509" / cert)
            shutil.copy(ee.key, d / "private" / ee.key.name)
            (d / "private" / ee.key.name).chmod(0o600)
        return cert, root

    def text(self, cert: Path) -> str:
        return run([OPENSSL, "x509", "-in", str(cert), "-noout", "-text"]).stdout
