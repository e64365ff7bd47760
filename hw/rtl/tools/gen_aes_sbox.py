#!/usr/bin/env python3
"""Print the AES S-box table (the body of `SBOX` in esp_aes_pkg.sv):
32 rows of 8 entries, highest index first (entry i is bits [8i+7:8i]).

Computed from the definition (FIPS-197 5.1.1): the multiplicative inverse in
GF(2^8) modulo x^8+x^4+x^3+x+1 (0 maps to 0), then the affine map
b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = 0x63.
"""


def gmul(a: int, b: int) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return r


def inv(a: int) -> int:
    if a == 0:
        return 0
    # a^254 = a^-1 in GF(2^8)
    r, e, p = 1, 254, a
    while e:
        if e & 1:
            r = gmul(r, p)
        p = gmul(p, p)
        e >>= 1
    return r


def sbox(a: int) -> int:
    b = inv(a)
    out = 0
    for i in range(8):
        bit = ((b >> i) ^ (b >> ((i + 4) % 8)) ^ (b >> ((i + 5) % 8))
               ^ (b >> ((i + 6) % 8)) ^ (b >> ((i + 7) % 8)) ^ (0x63 >> i)) & 1
        out |= bit << i
    return out


if __name__ == "__main__":
    rows = ["    " + ", ".join(f"8'h{sbox(a):02x}" for a in range(r + 7, r - 1, -1))
            + f"{',' if r else ' '}  // {r + 7:3d} .. {r:3d}"
            for r in range(248, -1, -8)]
    print("\n".join(rows))
