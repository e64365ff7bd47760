// Diffie-Hellman: RFC 5903 (ECP 19/20/21) and RFC 7748 / RFC 8031
// (curve25519) published vectors, agreement for every group, and peer values
// that must be refused.
#include "esp/ike/dh.hpp"

#include <openssl/bn.h>

#include <gtest/gtest.h>

using namespace esp::ike;

namespace {

struct EcpVector {
  DhGroup group;
  const char *i, *gi, *gr, *gir;  // gi, gr: x || y
};

// RFC 5903 sections 8.1-8.3.
const EcpVector kRfc5903[] = {
    {DhGroup::Ecp256, "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
     "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
     "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
     "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
     "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
     "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"},
    {DhGroup::Ecp384,
     "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
     "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA"
     "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
     "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571"
     "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
     "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746"},
    {DhGroup::Ecp521,
     "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0 95AA85A3 0FE1C295 2C6771D9 37BA9777"
     "F5957B26 39BAB072 462F68C2 7A57382D 4A52",
     "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE E1E3BF42 E00B8E38 0AEAE57C 2D107564"
     "94188594 2AF5A7F4 601723C4 195D176C ED3E"
     "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A D8A78801 5AC405D7 799DC75E 7B7D5B6C"
     "F2261A6A 7F150743 8BF01BEB 6CA3926F 9582",
     "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21 9B97C356 436ADC6E 95BB0352 F6BE64A6"
     "C2912D4E F2D0433C ED2B6171 640012D9 460F"
     "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87 220B6536 C5C408A1 D2AEBB8E 86D678AE"
     "49CB5709 1F473229 6579AB44 FCD17F0F C56A",
     "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04 D1427E73 CA4BAA24 0A347868 59810C06"
     "B3C715A3 A8CC3151 F2BEE417 996D19F3 DDEA"},
};

TEST(IkeDh, Rfc5903Vectors) {
  for (const auto &v : kRfc5903) {
    SCOPED_TRACE(dh_group_name(v.group));
    const DhKey k = DhKey::from_private(v.group, from_hex(v.i), from_hex(v.gi));
    EXPECT_EQ(k.public_value(), from_hex(v.gi));
    EXPECT_EQ(k.shared_secret(from_hex(v.gr)).expose(), from_hex(v.gir));
    EXPECT_EQ(dh_public_len(v.group), from_hex(v.gi).size());
    EXPECT_EQ(dh_shared_len(v.group), from_hex(v.gir).size());
  }
}

TEST(IkeDh, MismatchedKeyPairIsRefused) {
  const auto &v = kRfc5903[0];
  EXPECT_THROW(DhKey::from_private(v.group, from_hex(v.i), from_hex(v.gr)), CryptoError);
}

TEST(IkeDh, Rfc7748Curve25519) {
  // RFC 7748 6.1: Alice and Bob.
  const Bytes a_priv = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const Bytes a_pub = from_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const Bytes b_priv = from_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const Bytes b_pub = from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const Bytes k = from_hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  const DhKey a = DhKey::from_private(DhGroup::Curve25519, a_priv, ByteView());
  const DhKey b = DhKey::from_private(DhGroup::Curve25519, b_priv, b_pub);
  EXPECT_EQ(a.public_value(), a_pub);
  EXPECT_EQ(b.public_value(), b_pub);
  EXPECT_EQ(a.shared_secret(b_pub).expose(), k);
  EXPECT_EQ(b.shared_secret(a_pub).expose(), k);
  EXPECT_THROW(DhKey::from_private(DhGroup::Curve25519, a_priv, b_pub), CryptoError);
  // RFC 7748 5.2, first scalar-multiplication vector.
  const DhKey s = DhKey::from_private(
      DhGroup::Curve25519, from_hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"), ByteView());
  EXPECT_EQ(to_hex(s.shared_secret(from_hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))),
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

TEST(IkeDh, Rfc8031Curve25519) {
  // RFC 8031 Appendix A (the same values strongSwan's test vectors carry).
  const DhKey i = DhKey::from_private(
      DhGroup::Curve25519, from_hex("75 1f b4 30 86 55 b4 76 b6 78 9b 73 25 f9 ea 8c dd d1 6a 58 53 3f f6 d9 e6 00 09 46 4a 5f 9d 94"),
      from_hex("48 d5 dd d4 06 12 57 ba 16 6f a3 f9 bb db 74 f1 a4 e8 1c 08 93 84 fa 77 f7 90 70 9f 0d fb c7 66"));
  EXPECT_EQ(i.shared_secret(from_hex("0b e7 c1 f5 aa d8 7d 7e 44 86 62 67 32 98 a4 43 47 8b 85 97 45 17 9e af 56 4c 79 c0 ef 6e ee 25"))
                .expose(),
            from_hex("c7 49 50 60 7a 12 32 7f 32 04 d9 4b 68 25 bf b0 68 b7 f8 31 9a 9e 37 08 ed 3d 43 ce 81 30 c9 50"));
}

const DhGroup kAll[] = {DhGroup::Modp2048, DhGroup::Modp3072, DhGroup::Ecp256,
                        DhGroup::Ecp384,   DhGroup::Ecp521,   DhGroup::Curve25519};

TEST(IkeDh, FreshKeysAgreeInEveryGroup) {
  for (DhGroup g : kAll) {
    SCOPED_TRACE(dh_group_name(g));
    const DhKey a = DhKey::generate(g), b = DhKey::generate(g);
    EXPECT_EQ(a.public_value().size(), dh_public_len(g));
    EXPECT_NE(a.public_value(), b.public_value());
    const SecretBytes ab = a.shared_secret(b.public_value());
    EXPECT_EQ(ab.size(), dh_shared_len(g));
    EXPECT_EQ(ab.expose(), b.shared_secret(a.public_value()).expose());
  }
}

TEST(IkeDh, GroupIds) {
  for (DhGroup g : kAll) EXPECT_EQ(dh_group_from_id(static_cast<uint16_t>(g)), g);
  for (int id : {0, 1, 2, 5, 16, 22, 30, 32}) EXPECT_EQ(dh_group_from_id(static_cast<uint16_t>(id)), std::nullopt) << id;
}

TEST(IkeDh, WrongLengthIsRefused) {
  for (DhGroup g : kAll) {
    SCOPED_TRACE(dh_group_name(g));
    const DhKey a = DhKey::generate(g), b = DhKey::generate(g);
    Bytes pub = b.public_value();
    Bytes longer = pub;
    longer.push_back(0);
    Bytes shorter(pub.begin(), pub.end() - 1);
    EXPECT_THROW(a.shared_secret(longer), CryptoError);
    EXPECT_THROW(a.shared_secret(shorter), CryptoError);
    EXPECT_THROW(a.shared_secret(Bytes()), CryptoError);
  }
}

TEST(IkeDh, EcpPointsOffTheCurveAreRefused) {
  for (const auto &v : kRfc5903) {
    SCOPED_TRACE(dh_group_name(v.group));
    const DhKey k = DhKey::from_private(v.group, from_hex(v.i), from_hex(v.gi));
    const Bytes gr = from_hex(v.gr);
    for (size_t pos : {size_t{0} + 1, gr.size() / 2 + 3, gr.size() - 1}) {  // in x, in y
      Bytes bad = gr;
      bad[pos] ^= 0x01;
      EXPECT_THROW(k.shared_secret(bad), CryptoError) << pos;
    }
    EXPECT_THROW(k.shared_secret(Bytes(gr.size(), 0)), CryptoError);     // (0, 0)
    EXPECT_THROW(k.shared_secret(Bytes(gr.size(), 0xff)), CryptoError);  // coordinates >= p
  }
}

TEST(IkeDh, Curve25519LowOrderPointsGiveAnError) {
  const DhKey k = DhKey::generate(DhGroup::Curve25519);
  Bytes one(32, 0);
  one[0] = 1;  // u = 1: order 4, result all zero
  EXPECT_THROW(k.shared_secret(Bytes(32, 0)), CryptoError);
  EXPECT_THROW(k.shared_secret(one), CryptoError);
}

TEST(IkeDh, ModpValuesOutsideTwoToPMinusTwoAreRefused) {
  for (DhGroup g : {DhGroup::Modp2048, DhGroup::Modp3072}) {
    SCOPED_TRACE(dh_group_name(g));
    BIGNUM *p = g == DhGroup::Modp2048 ? BN_get_rfc3526_prime_2048(nullptr) : BN_get_rfc3526_prime_3072(nullptr);
    ASSERT_NE(p, nullptr);
    const size_t n = dh_public_len(g);
    auto enc = [n](const BIGNUM *x) {
      Bytes b(n);
      EXPECT_GE(BN_bn2binpad(x, b.data(), static_cast<int>(n)), 0);
      return b;
    };
    const Bytes p_bytes = enc(p);
    BN_sub_word(p, 1);
    const Bytes pm1 = enc(p);
    BN_sub_word(p, 1);
    const Bytes pm2 = enc(p);
    BN_free(p);
    Bytes zero(n, 0), one(n, 0), two(n, 0);
    one[n - 1] = 1;
    two[n - 1] = 2;
    const DhKey k = DhKey::generate(g);
    for (const Bytes &bad : {zero, one, pm1, p_bytes, Bytes(n, 0xff)}) EXPECT_THROW(k.shared_secret(bad), CryptoError);
    // 2 and p-2 are in range (weak, but legal elements).
    EXPECT_EQ(k.shared_secret(two).size(), n);
    EXPECT_EQ(k.shared_secret(pm2).size(), n);
  }
}

}  // namespace

namespace {

TEST(IkeDh, ArbitraryPeerValuesThrowOrAgreeButNeverCrash) {
  uint32_t x = 777;
  auto next = [&x] {
    x = x * 1103515245u + 12345u;
    return static_cast<uint8_t>(x >> 16);
  };
  for (DhGroup g : kAll) {
    const DhKey k = DhKey::generate(g);
    for (int iter = 0; iter < 20; ++iter) {
      // The right length most of the time, so the group checks run.
      Bytes v(iter % 4 ? dh_public_len(g) : next() % 140);
      for (auto &b : v) b = next();
      try {
        EXPECT_EQ(k.shared_secret(v).size(), dh_shared_len(g));
      } catch (const CryptoError &) {
      }
    }
  }
}

}  // namespace
