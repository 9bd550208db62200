#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callgate::yaml {

/** A configuration mistake; the message names the file, line and key. Only thrown at startup. */
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** A ${VAR} whose variable is not set: a ConfigError that commands needing no secrets forgive. */
struct MissingVariable : ConfigError {
  using ConfigError::ConfigError;
};

struct Value;

/**
 * A YAML mapping being read by one component. Scalars have ${VAR} expanded from the environment;
 * every key read is remembered so that finish() can reject the keys nobody asked for.
 */
class Node {
 public:
  Node(const YAML::Node& node, std::shared_ptr<const std::string> file, std::string path);

  bool has(std::string_view key) const;
  std::string string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  /** A scalar or a list of scalars (e.g. several secrets during rotation); empty if absent. */
  std::vector<std::string> strings(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  bool boolean(std::string_view key, bool fallback) const;
  Node map(std::string_view key) const;
  std::optional<Node> optional_map(std::string_view key) const;
  /** The entries of a mapping whose values are mappings (e.g. sources by name). */
  std::vector<std::pair<std::string, Node>> map_entries(std::string_view key) const;
  /** A mapping of names to single values, ${VAR} expanded (e.g. an HTTP sink's headers). */
  std::vector<std::pair<std::string, std::string>> string_entries(std::string_view key) const;
  /** A list of mappings (e.g. sinks). */
  std::vector<Node> map_list(std::string_view key) const;
  /** A value that may be a scalar, a mapping or a list (provider definitions); nullopt if absent.
   */
  std::optional<Value> value(std::string_view key) const;
  /** The entries of a mapping whose values may take any shape, in file order. */
  std::vector<std::pair<std::string, Value>> value_entries(std::string_view key) const;

  /** Throws ConfigError for the first key of this mapping that was never read. */
  void finish() const;
  /** Throws ConfigError located at key (or at this mapping when key is empty). */
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  /** Marks every key of this mapping as read (its reader gave up on it on purpose). */
  void skip() const;

  const std::string& path() const { return path_; }

 private:
  YAML::Node get(std::string_view key) const;
  /** The entries of mapping `key` by name (none when absent); `expected` if it is no mapping. */
  std::vector<std::pair<std::string, YAML::Node>> named(std::string_view key,
                                                        std::string_view expected) const;
  Value make_value(const std::string& key, const YAML::Node& n, int depth) const;
  std::string scalar(std::string_view key, const YAML::Node& n) const;
  std::string location(const YAML::Node& n) const;
  std::string key_path(std::string_view key) const;
  std::string located(std::string_view key, std::string_view message) const;

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  mutable std::set<std::string, std::less<>> read_;
};

/** One value of any shape, with the mapping and key it was read from for error messages. */
struct Value {
  enum class Kind { scalar, map, list };
  Kind kind = Kind::scalar;
  std::string text;            ///< a scalar, ${VAR} expanded
  std::optional<Node> map;     ///< a mapping
  std::vector<Value> items;    ///< a list
  std::optional<Node> parent;  ///< the mapping holding this value (always set)
  std::string key;             ///< its key there ("key[2]" for a list item)

  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_map() const { return kind == Kind::map; }
  bool is_list() const { return kind == Kind::list; }
  const Node& node() const { return *map; }
  /** Throws ConfigError located at this value. */
  [[noreturn]] void fail(std::string_view message) const { parent->fail(key, message); }
};

/** Parses a YAML file into its top-level Node; throws ConfigError for syntax errors. */
Node load_yaml_file(const std::string& file);
/** Parses YAML text; `name` stands for the file in error messages. */
Node load_yaml_text(const std::string& text, const std::string& name);

}  // namespace callgate::yaml
