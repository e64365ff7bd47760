// The strongswan.conf(5) / swanctl.conf(5) settings syntax: the examples of
// the strongswan.conf(5) manual, quoting, comments, includes, templates,
// merging, and errors with file:line.
#include <gtest/gtest.h>

#include "conf_test_util.hpp"
#include "esp/ike/conf_syntax.hpp"

namespace esp::ike::conf {
namespace {

using test::expect_conf_error;
using test::TempDir;

std::string val(const ConfSection& root, const std::string& path, const std::string& key) {
  const ConfSection* s = path.empty() ? &root : root.find(path);
  if (!s) return "<no section " + path + ">";
  const ConfValue* v = s->value(key);
  return v ? v->value : "<no key " + key + ">";
}

TEST(ConfSyntax, ManualExample) {
  // The example of strongswan.conf(5), SYNTAX.
  auto root = parse_conf_string(
      "a = b\n"
      "section-one {\n"
      "\tsomevalue = asdf\n"
      "\tsubsection {\n"
      "\t\tothervalue = xxx\n"
      "\t}\n"
      "\t# yei, a comment\n"
      "\tyetanother = zz\n"
      "}\n"
      "section-two {\n"
      "\tx = 12\n"
      "}\n",
      "example.conf");
  EXPECT_EQ(val(root, "", "a"), "b");
  EXPECT_EQ(val(root, "section-one", "somevalue"), "asdf");
  EXPECT_EQ(val(root, "section-one.subsection", "othervalue"), "xxx");
  EXPECT_EQ(val(root, "section-one", "yetanother"), "zz");
  EXPECT_EQ(val(root, "section-two", "x"), "12");
  ASSERT_TRUE(root.find("section-one.subsection"));
  EXPECT_EQ(root.find("section-one.subsection")->loc.line, 4u);
  EXPECT_EQ(root.find("section-one")->value("yetanother")->loc.line, 8u);
  EXPECT_EQ(root.find("section-one")->value("yetanother")->loc.file, "example.conf");
  EXPECT_EQ(root.sections.size(), 2u);
}

TEST(ConfSyntax, Values) {
  auto root = parse_conf_string(
      "s {\n"
      "  plain = 10.0.0.0/8,  192.0.2.1   # comment\n"
      "  dots = a.b.c\n"
      "  spaces = C=CH,   O=strongSwan,\tCN=moon\n"
      "  empty =\n"
      "  quoted = \"  keep  # this } too  \"\n"
      "  esc = \"a\\\"b\\\\c\\nd\\te\\qf\"\n"
      "  multi = \"line1\n"
      "line2\"\n"
      "  cont = \"abc\\\n"
      "def\"\n"
      "  mixed = pre \"q u\" post\n"
      "  after = x\n"
      "  inline { k = v }\n"
      "  close = v}\n"
      "t{u=1}\n",
      "v.conf");
  EXPECT_EQ(val(root, "s", "plain"), "10.0.0.0/8, 192.0.2.1");
  EXPECT_EQ(val(root, "s", "dots"), "a.b.c");
  EXPECT_EQ(val(root, "s", "spaces"), "C=CH, O=strongSwan, CN=moon");
  EXPECT_EQ(val(root, "s", "empty"), "");
  EXPECT_EQ(val(root, "s", "quoted"), "  keep  # this } too  ");
  EXPECT_EQ(val(root, "s", "esc"), "a\"b\\c\nd\te\\qf");
  EXPECT_EQ(val(root, "s", "multi"), "line1\nline2");
  EXPECT_EQ(val(root, "s", "cont"), "abcdef");
  EXPECT_EQ(val(root, "s", "mixed"), "pre q u post");
  // Lines are counted through quoted newlines and continuations.
  EXPECT_EQ(root.find("s")->value("mixed")->loc.line, 12u);
  EXPECT_EQ(root.find("s")->value("after")->loc.line, 13u);
  EXPECT_EQ(val(root, "s.inline", "k"), "v");
  EXPECT_EQ(val(root, "s", "close"), "v");
  EXPECT_EQ(val(root, "t", "u"), "1");
  EXPECT_EQ(root.find("t")->loc.line, 16u);
}

TEST(ConfSyntax, CrLfLineEndings) {
  auto root = parse_conf_string("a = b\r\nc {\r\n  d = e  f\r\n  q = \"x\"\r\n}\r\n", "crlf.conf");
  EXPECT_EQ(val(root, "", "a"), "b");
  EXPECT_EQ(val(root, "c", "d"), "e f");
  EXPECT_EQ(val(root, "c", "q"), "x");
  EXPECT_EQ(root.find("c")->value("q")->loc.line, 4u);
}

TEST(ConfSyntax, RepeatsMergeAndOverride) {
  auto root = parse_conf_string("a { x = 1\n y = 2 }\nb { }\na { x = 3\n z = 4 }\n", "m.conf");
  ASSERT_EQ(root.sections.size(), 2u);
  const ConfSection* a = root.section("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->loc.line, 1u);
  EXPECT_EQ(val(root, "a", "x"), "3");
  EXPECT_EQ(a->value("x")->loc.line, 4u);
  EXPECT_EQ(val(root, "a", "y"), "2");
  EXPECT_EQ(val(root, "a", "z"), "4");
  EXPECT_EQ(a->values[0].name, "x");  // order of first definition
}

TEST(ConfSyntax, Templates) {
  auto root = parse_conf_string(
      "connections {\n"
      "  base {\n"
      "    version = 2\n"
      "    proposals = aes128gcm16-prfsha256-ecp256\n"
      "    local { auth = psk }\n"
      "  }\n"
      "  gw1 : connections.base {\n"
      "    remote_addrs = 192.0.2.1\n"
      "    local { id = gw1 }\n"
      "    proposals = aes256gcm16-prfsha384-ecp384\n"
      "  }\n"
      "  gw2 : connections.gw1, other {\n"
      "    remote_addrs = 192.0.2.2\n"
      "  }\n"
      "}\n"
      "other { extra = yes }\n",
      "t.conf");
  EXPECT_EQ(val(root, "connections.gw1", "version"), "2");
  EXPECT_EQ(root.find("connections.gw1")->value("version")->loc.line, 3u);  // where it was written
  EXPECT_EQ(val(root, "connections.gw1", "proposals"), "aes256gcm16-prfsha384-ecp384");
  EXPECT_EQ(val(root, "connections.gw1.local", "auth"), "psk");
  EXPECT_EQ(val(root, "connections.gw1.local", "id"), "gw1");
  EXPECT_EQ(val(root, "connections.gw2", "remote_addrs"), "192.0.2.2");
  EXPECT_EQ(val(root, "connections.gw2", "proposals"), "aes256gcm16-prfsha384-ecp384");
  EXPECT_EQ(val(root, "connections.gw2.local", "id"), "gw1");
  EXPECT_EQ(val(root, "connections.gw2", "extra"), "yes");
  // The template itself is still there, unchanged.
  EXPECT_EQ(val(root, "connections.base", "proposals"), "aes128gcm16-prfsha256-ecp256");
}

TEST(ConfSyntax, Includes) {
  TempDir d;
  d.write("conf.d/b.conf", "connections {\n  b { x = 2 }\n}\n");
  d.write("conf.d/a.conf", "connections {\n\n  a { x = 1 }\n}\n");
  d.write("conf.d/skip.txt", "broken {{{\n");
  d.write("sub/inner.conf", "y = 5\n");
  std::string main = d.write("swanctl.conf",
                             "include conf.d/*.conf\n"
                             "secrets {\n"
                             "  ike-x {\n"
                             "    include sub/inner.conf\n"
                             "  }\n"
                             "}\n"
                             "include \"nothing/*.conf\"\n");
  auto root = parse_conf_file(main);
  EXPECT_EQ(val(root, "connections.a", "x"), "1");
  EXPECT_EQ(val(root, "connections.b", "x"), "2");
  EXPECT_EQ(root.find("connections.a")->loc.file, d.path() + "/conf.d/a.conf");
  EXPECT_EQ(root.find("connections.a")->loc.line, 3u);
  EXPECT_EQ(root.find("connections")->sections[0].name, "a");  // glob order is sorted
  EXPECT_EQ(val(root, "secrets.ike-x", "y"), "5");
  EXPECT_EQ(root.find("secrets.ike-x")->value("y")->loc.file, d.path() + "/sub/inner.conf");
  EXPECT_EQ(root.find("secrets")->loc.file, main);
  EXPECT_EQ(root.find("secrets")->loc.line, 2u);
}

TEST(ConfSyntax, IncludeRelativeToTheIncludingFile) {
  TempDir d;
  d.write("x/y/leaf.conf", "leaf = 1\n");
  d.write("x/mid.conf", "include y/leaf.conf\n");
  std::string main = d.write("top.conf", "include x/mid.conf\n");
  auto root = parse_conf_file(main);
  EXPECT_EQ(val(root, "", "leaf"), "1");
}

TEST(ConfSyntax, IncludeIsAlsoAKeyName) {
  auto root = parse_conf_string("s {\n include = yes\n}\n", "k.conf");
  EXPECT_EQ(val(root, "s", "include"), "yes");
}

TEST(ConfSyntax, Errors) {
  struct Case {
    const char* text;
    unsigned line;
    const char* what;
  } cases[] = {
      {"a {\n b = 1\n", 3, "missing '}' for section 'a' opened at e.conf:1"},
      {"a = 1\n}\n", 2, "'}' without a section"},
      {"a\n", 2, "expected '=' or '{' after 'a'"},
      {"a b = 1\n", 1, "expected '=' or '{' after 'a', found 'b'"},
      {"s {\n  x.y = 1\n}\n", 2, "'.' is not allowed in names"},
      {"s {\n  = 1\n}\n", 2, "unexpected '='"},
      {"s {\n  k = \"abc\n\n", 2, "unterminated quoted string"},
      {"s {\n  k = \"abc\\", 2, "unterminated quoted string"},
      {"x : nope { }\n", 1, "section 'nope' (inherited from) does not exist"},
      {"x : { }\n", 1, "expected the name of a section"},
      {"x : y z { }\ny { }\n", 1, "expected ',' or '{' after 'y', found 'z'"},
      {"a : b { }\nb : a { }\n", 2, "inherits from itself"},
      {"a { b : a { } }\n", 1, "inherits from itself"},
      {"include\n", 2, "expected '=' or '{' after 'include'"},
      {"include /nonexistent/file.conf\n", 1, "no such file"},
      {"\n\n  ,\n", 3, "unexpected ','"},
  };
  for (const auto& c : cases)
    expect_conf_error([&] { parse_conf_string(c.text, "e.conf"); }, "e.conf", c.line, c.what, c.text);
}

TEST(ConfSyntax, ErrorsInIncludedFilesNameThatFile) {
  TempDir d;
  std::string inc = d.write("inc/bad.conf", "ok = 1\nbroken {\n");
  std::string main = d.write("main.conf", "a = 1\n\ninclude inc/*.conf\n");
  expect_conf_error([&] { parse_conf_file(main); }, inc, 3, "missing '}'");
  std::string loop = d.write("loop.conf", "\ninclude loop.conf\n");
  expect_conf_error([&] { parse_conf_file(loop); }, loop, 2, "includes nested deeper");
  expect_conf_error([&] { parse_conf_file(d.path() + "/absent.conf"); }, d.path() + "/absent.conf", 0,
                    "cannot open");
}

TEST(ConfSyntax, DepthLimits) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "s {\n";
  expect_conf_error([&] { parse_conf_string(deep, "d.conf"); }, "d.conf", 33, "nested deeper than 32");
  // A long chain of templates is refused rather than recursing without bound.
  std::string chain = "s0 { k = v }\n";
  for (int i = 1; i < 300; ++i) chain += "s" + std::to_string(i) + " : s" + std::to_string(i - 1) + " { }\n";
  EXPECT_THROW(parse_conf_string(chain, "c.conf"), ConfError);
  // Templates that multiply: each level references the previous one twice.
  std::string wide = "t0 { a { k = v } b { k = v } }\n";
  for (int i = 1; i < 40; ++i) {
    std::string p = "t" + std::to_string(i - 1);
    wide += "t" + std::to_string(i) + " { a : " + p + " { } b : " + p + " { } }\n";
  }
  EXPECT_THROW(parse_conf_string(wide, "w.conf"), ConfError);
}

}  // namespace
}  // namespace esp::ike::conf
