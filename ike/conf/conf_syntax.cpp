// swanctl.conf / strongswan.conf settings syntax: see conf_syntax.hpp.
#include "esp/ike/conf_syntax.hpp"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

namespace esp::ike::conf {

const ConfValue* ConfSection::value(const std::string& n) const {
  for (const auto& v : values)
    if (v.name == n) return &v;
  return nullptr;
}

const ConfSection* ConfSection::section(const std::string& n) const {
  for (const auto& s : sections)
    if (s.name == n) return &s;
  return nullptr;
}

const ConfSection* ConfSection::find(const std::string& dotted) const {
  const ConfSection* cur = this;
  size_t start = 0;
  while (cur) {
    size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    cur = cur->section(part);
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
  return nullptr;
}

namespace {

constexpr unsigned kMaxDepth = 32;
constexpr unsigned kMaxIncludeDepth = 16;
constexpr size_t kMaxFileSize = size_t{16} << 20;
constexpr size_t kMaxResolvedNodes = 200000;
constexpr size_t kMaxResolveDepth = 128;

// The tree as written, before templates are resolved.
struct Node {
  std::string name;
  ConfLoc loc;
  std::vector<ConfValue> values;
  std::vector<std::unique_ptr<Node>> children;
  std::vector<std::pair<std::string, ConfLoc>> refs;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
// strongswan.conf(5): names may contain any printable character except
// . , : { } = " # newline tab space. References (a.b) allow the dot.
bool is_name_char(char c, bool dotted = false) {
  switch (c) {
    case '.':
      return dotted;
    case '#': case '{': case '}': case ':': case ',': case '=': case '"':
    case '\n': case '\t': case ' ': case '\r':
      return false;
    default:
      return true;
  }
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string printable(char c) {
  if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
    return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return buf;
}

bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot open '" + path + "'";
    return false;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) {
    why = "cannot read '" + path + "' (not a regular file?)";
    return false;
  }
  if (static_cast<uint64_t>(size) > kMaxFileSize) {
    why = "'" + path + "' is larger than 16 MiB";
    return false;
  }
  in.seekg(0, std::ios::beg);
  out.assign(static_cast<size_t>(size), '\0');
  if (size > 0 && !in.read(&out[0], size)) {
    why = "cannot read '" + path + "'";
    return false;
  }
  return true;
}

class FileParser {
 public:
  FileParser(const std::string& text, std::string file, std::string dir, unsigned include_depth)
      : t_(text), file_(std::move(file)), dir_(std::move(dir)), include_depth_(include_depth) {}

  // Parse statements into sec until EOF (top) or the closing '}'.
  void body(Node& sec, unsigned depth, bool top) {
    for (;;) {
      skip_space_and_comments();
      if (eof()) {
        if (!top)
          fail("missing '}' for section '" + sec.name + "' opened at " + sec.loc.str());
        return;
      }
      char c = t_[p_];
      if (c == '}') {
        if (top) fail("'}' without a section to close");
        ++p_;
        return;
      }
      ConfLoc at = loc();
      std::string name = read_name();
      if (name.empty()) fail("unexpected " + printable(c));
      if (!eof() && t_[p_] == '.') fail("'.' is not allowed in names ('" + name + ".')");
      if (name == "include" && include_follows()) {
        include(sec, depth, at);
        continue;
      }
      skip_space_and_comments();
      if (eof()) fail("expected '=' or '{' after '" + name + "'");
      c = t_[p_];
      if (c == '=') {
        ++p_;
        std::string v = read_value();
        set_value(sec, name, std::move(v), at);
      } else if (c == '{' || c == ':') {
        if (depth + 1 > kMaxDepth) fail("sections nested deeper than " + std::to_string(kMaxDepth));
        Node& child = child_of(sec, name, at);
        if (c == ':') {
          ++p_;
          read_refs(child);
        }
        ++p_;  // '{'
        body(child, depth + 1, false);
      } else {
        fail("expected '=' or '{' after '" + name + "', found " + printable(c));
      }
    }
  }

 private:
  bool eof() const { return p_ >= t_.size(); }
  ConfLoc loc() const { return ConfLoc{file_, line_}; }
  [[noreturn]] void fail(const std::string& what) const { throw ConfError(loc(), what); }

  void skip_blanks() {
    while (!eof() && is_blank(t_[p_])) ++p_;
  }
  void skip_comment() {
    while (!eof() && t_[p_] != '\n') ++p_;
  }
  void skip_space_and_comments() {
    while (!eof()) {
      char c = t_[p_];
      if (c == '\n') {
        ++line_;
        ++p_;
      } else if (is_blank(c)) {
        ++p_;
      } else if (c == '#') {
        skip_comment();
      } else {
        return;
      }
    }
  }
  std::string read_name(bool dotted = false) {
    size_t s = p_;
    while (!eof() && is_name_char(t_[p_], dotted)) ++p_;
    return t_.substr(s, p_ - s);
  }

  // "include" starts an include when a path follows on the same line.
  bool include_follows() {
    size_t q = p_;
    while (q < t_.size() && is_blank(t_[q])) ++q;
    if (q == p_ || q >= t_.size()) return false;
    char c = t_[q];
    return c != '=' && c != '{' && c != ':' && c != '\n' && c != '#';
  }

  // A quoted string starting at '"'; returns its contents.
  std::string read_quoted() {
    ConfLoc start = loc();
    ++p_;
    std::string out;
    for (;;) {
      if (eof()) throw ConfError(start, "unterminated quoted string");
      char c = t_[p_++];
      if (c == '"') return out;
      if (c == '\n') {
        ++line_;
        out += c;
        continue;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (eof()) throw ConfError(start, "unterminated quoted string");
      char e = t_[p_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '\n': ++line_; break;  // continuation
        case '\r':
          if (!eof() && t_[p_] == '\n') {
            ++p_;
            ++line_;
            break;
          }
          out += "\\\r";
          break;
        default:
          out += '\\';
          out += e;
      }
    }
  }

  // After '=': parts up to end of line, '#' or '}', joined by one space.
  std::string read_value() {
    std::string out;
    bool first = true;
    for (;;) {
      skip_blanks();
      if (eof()) return out;
      char c = t_[p_];
      if (c == '\n' || c == '#' || c == '}') return out;
      std::string part;
      if (c == '"') {
        part = read_quoted();
      } else {
        size_t s = p_;
        while (!eof() && t_[p_] != '#' && t_[p_] != '}' && t_[p_] != '"' && t_[p_] != '\n' &&
               !is_blank(t_[p_]))
          ++p_;
        part = t_.substr(s, p_ - s);
      }
      if (!first) out += ' ';
      out += part;
      first = false;
    }
  }

  void read_refs(Node& child) {
    for (;;) {
      skip_space_and_comments();
      ConfLoc at = loc();
      std::string ref = read_name(true);
      if (ref.empty()) fail("expected the name of a section to inherit from after ':'");
      child.refs.emplace_back(ref, at);
      skip_space_and_comments();
      if (eof()) fail("expected ',' or '{' after '" + ref + "'");
      if (t_[p_] == ',') {
        ++p_;
        continue;
      }
      if (t_[p_] == '{') return;
      fail("expected ',' or '{' after '" + ref + "', found " + printable(t_[p_]));
    }
  }

  static void set_value(Node& sec, const std::string& name, std::string v, const ConfLoc& at) {
    for (auto& old : sec.values)
      if (old.name == name) {
        old.value = std::move(v);
        old.loc = at;
        return;
      }
    sec.values.push_back(ConfValue{name, std::move(v), at});
  }

  static Node& child_of(Node& sec, const std::string& name, const ConfLoc& at) {
    for (auto& c : sec.children)
      if (c->name == name) return *c;
    sec.children.push_back(std::make_unique<Node>());
    Node& n = *sec.children.back();
    n.name = name;
    n.loc = at;
    return n;
  }

  void include(Node& sec, unsigned depth, const ConfLoc& at) {
    skip_blanks();
    std::string pattern;
    if (!eof() && t_[p_] == '"') {
      pattern = read_quoted();
    } else {
      size_t s = p_;
      while (!eof() && t_[p_] != '\n' && t_[p_] != '#') ++p_;
      pattern = t_.substr(s, p_ - s);
      while (!pattern.empty() && is_blank(pattern.back())) pattern.pop_back();
    }
    if (pattern.empty()) throw ConfError(at, "include without a file name");
    if (pattern.find('\0') != std::string::npos) throw ConfError(at, "include: NUL in file name");
    if (include_depth_ + 1 > kMaxIncludeDepth)
      throw ConfError(at, "includes nested deeper than " + std::to_string(kMaxIncludeDepth) +
                              " (an include loop?)");
    std::string full = pattern[0] == '/' ? pattern : dir_ + "/" + pattern;
    std::vector<std::string> files;
    glob_t g{};
    int rc = ::glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) throw ConfError(at, "include '" + pattern + "': cannot read the directory");
    if (files.empty() && full.find_first_of("*?[") == std::string::npos)
      throw ConfError(at, "include '" + pattern + "': no such file");
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text, why;
      if (!read_file(f, text, why)) throw ConfError(at, "include: " + why);
      FileParser sub(text, f, dir_of(f), include_depth_ + 1);
      sub.body(sec, depth, true);
    }
  }

  const std::string& t_;
  std::string file_;
  std::string dir_;
  unsigned include_depth_;
  size_t p_ = 0;
  unsigned line_ = 1;
};

const Node* find_node(const Node& root, const std::string& dotted) {
  const Node* cur = &root;
  size_t start = 0;
  for (;;) {
    size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const Node* next = nullptr;
    for (const auto& c : cur->children)
      if (c->name == part) {
        next = c.get();
        break;
      }
    if (!next) return nullptr;
    cur = next;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// Local settings win; what the template adds is appended.
void merge_under(ConfSection& into, const ConfSection& from) {
  for (const auto& v : from.values)
    if (!into.value(v.name)) into.values.push_back(v);
  for (const auto& s : from.sections) {
    ConfSection* mine = nullptr;
    for (auto& m : into.sections)
      if (m.name == s.name) mine = &m;
    if (mine)
      merge_under(*mine, s);
    else
      into.sections.push_back(s);
  }
}

class Resolver {
 public:
  explicit Resolver(const Node& root) : root_(root) {}

  ConfSection build(const Node& n) {
    if (++nodes_ > kMaxResolvedNodes)
      throw ConfError(n.loc, "the configuration is too large once templates are expanded");
    ConfSection out;
    out.name = n.name;
    out.loc = n.loc;
    out.values = n.values;
    if (stack_.size() >= kMaxResolveDepth)
      throw ConfError(n.loc, "templates and sections nested deeper than " + std::to_string(kMaxResolveDepth));
    stack_.push_back(&n);
    for (const auto& c : n.children) out.sections.push_back(build(*c));
    for (const auto& [ref, at] : n.refs) {
      const Node* target = find_node(root_, ref);
      if (!target) throw ConfError(at, "section '" + ref + "' (inherited from) does not exist");
      if (std::find(stack_.begin(), stack_.end(), target) != stack_.end())
        throw ConfError(at, "section '" + ref + "' inherits from itself (a template loop)");
      ConfSection base = build(*target);
      merge_under(out, base);
    }
    stack_.pop_back();
    return out;
  }

 private:
  const Node& root_;
  std::vector<const Node*> stack_;
  size_t nodes_ = 0;
};

ConfSection parse_root(const std::string& text, const std::string& name, const std::string& dir) {
  Node root;
  root.loc = ConfLoc{name, 0};
  FileParser fp(text, name, dir, 0);
  fp.body(root, 0, true);
  return Resolver(root).build(root);
}

}  // namespace

ConfSection parse_conf_file(const std::string& path) {
  std::string text, why;
  if (!read_file(path, text, why)) throw ConfError(ConfLoc{path, 0}, why);
  return parse_root(text, path, dir_of(path));
}

ConfSection parse_conf_string(const std::string& text, const std::string& name, const std::string& base_dir) {
  if (text.size() > kMaxFileSize) throw ConfError(ConfLoc{name, 0}, "larger than 16 MiB");
  return parse_root(text, name, base_dir);
}

}  // namespace esp::ike::conf
