// The settings syntax of strongSwan's swanctl.conf and strongswan.conf,
// parsed into a tree in which every key and section knows its file:line.
//
//   names: any printable character but . , : { } = " # and blanks
//   name = value            value runs to end of line, '#' or '}'; runs of
//                           blanks inside it become one space; an empty value
//                           is allowed
//   name = "quoted"         escapes \" \\ \n \t \r; a backslash before a
//                           newline continues the string; newlines may appear
//                           inside the quotes
//   name { ... }            a section (may nest; may close on the same line)
//   name : a.b, c { ... }   a section that inherits from the sections with the
//                           full dotted paths a.b and c (strongSwan's
//                           templates): their keys and subsections apply where
//                           this section does not set them
//   # comment               to end of line
//   include PATTERN         a glob, relative to the including file's directory,
//                           included in place (inside a section too); a pattern
//                           without wildcards must name an existing file
//
// Repeating a section merges into the first; repeating a key overrides it
// (the later value and its file:line win), as strongSwan does.
// Limits (so no input can exhaust the stack or loop): nesting depth 32,
// include depth 16, file size 16 MiB.
//
// Every error is a ConfError whose what() is "file:line: what is wrong".
//
// Threading: parsing touches no shared state; the tree is a value type.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace esp::ike::conf {

struct ConfLoc {
  std::string file;
  unsigned line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

class ConfError : public std::runtime_error {
 public:
  ConfError(const ConfLoc& loc, const std::string& what)
      : std::runtime_error(loc.str() + ": " + what), loc_(loc), what_(what) {}
  const ConfLoc& loc() const { return loc_; }
  const std::string& reason() const { return what_; }

 private:
  ConfLoc loc_;
  std::string what_;
};

struct ConfValue {
  std::string name;
  std::string value;
  ConfLoc loc;
};

struct ConfSection {
  std::string name;
  ConfLoc loc;                     // where the section was (first) opened
  std::vector<ConfValue> values;   // in order of first definition
  std::vector<ConfSection> sections;

  const ConfValue* value(const std::string& n) const;
  const ConfSection* section(const std::string& n) const;
  // A dotted path from this section ("connections.gw.local"); nullptr if absent.
  const ConfSection* find(const std::string& dotted) const;
};

// Parse a file (includes relative to its directory). The root section has an
// empty name and the file's location at line 0.
ConfSection parse_conf_file(const std::string& path);
// Parse text as if it were the file `name`; includes are relative to base_dir.
ConfSection parse_conf_string(const std::string& text, const std::string& name = "<string>",
                              const std::string& base_dir = ".");

}  // namespace esp::ike::conf
