#include <callgate/yaml/node.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace callgate::yaml {
namespace {

// A mapping key as text; YAML allows complex keys ("? [a, b]: x"), which callgate never uses.
std::string key_text(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : std::string{};
}

}  // namespace

Node::Node(const YAML::Node& node, std::shared_ptr<const std::string> file, std::string path)
    : node_(node), file_(std::move(file)), path_(std::move(path)) {}

std::string Node::key_path(std::string_view key) const {
  if (key.empty()) return path_;
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string Node::location(const YAML::Node& n) const {
  auto mark = (n && n.IsDefined()) ? n.Mark() : node_.Mark();
  // yaml-cpp gives a flow mapping ({a: 1}) no position of its own; its first key has one.
  if (mark.line < 0 && node_.IsMap() && node_.begin() != node_.end())
    mark = node_.begin()->first.Mark();
  std::string where = *file_;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  return where;
}

std::string Node::located(std::string_view key, std::string_view message) const {
  YAML::Node at = key.empty() ? node_ : YAML::Node{};
  if (!key.empty() && node_.IsMap()) {
    for (const auto& kv : node_)
      if (key_text(kv.first) == key) at = kv.first;
  }
  return location(at) + ": key '" + key_path(key) + "': " + std::string(message);
}

void Node::fail(std::string_view key, std::string_view message) const {
  throw ConfigError(located(key, message));
}

void Node::skip() const {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) read_.insert(key_text(kv.first));
}

YAML::Node Node::get(std::string_view key) const {
  read_.emplace(key);
  if (!node_.IsMap()) return {};
  return node_[std::string(key)];
}

bool Node::has(std::string_view key) const {
  return node_.IsMap() && node_[std::string(key)].IsDefined() && !node_[std::string(key)].IsNull();
}

// Expands ${VAR} from the environment; a variable that is not set stops startup.
std::string Node::scalar(std::string_view key, const YAML::Node& n) const {
  if (!n.IsScalar()) fail(key, "expected a single value");
  const std::string& raw = n.Scalar();
  std::string out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto open = raw.find("${", pos);
    if (open == std::string::npos) break;
    const auto close = raw.find('}', open + 2);
    if (close == std::string::npos) fail(key, "unterminated ${ in value");
    // ${VAR}, or ${VAR:-fallback} for a value used when VAR is unset or empty.
    std::string var = raw.substr(open + 2, close - open - 2);
    std::optional<std::string> fallback;
    if (const auto dash = var.find(":-"); dash != std::string::npos) {
      fallback = var.substr(dash + 2);
      var.resize(dash);
    }
    if (var.empty()) fail(key, "${} names no environment variable");
    const char* value = std::getenv(var.c_str());
    if (fallback && (value == nullptr || *value == '\0')) value = fallback->c_str();
    if (value == nullptr)
      throw MissingVariable(located(key, "environment variable " + var + " is not set"));
    out.append(raw, pos, open - pos).append(value);
    pos = close + 1;
  }
  out.append(raw, pos);
  return out;
}

std::string Node::string(std::string_view key) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) fail(key, "is required");
  return scalar(key, n);
}

std::string Node::string_or(std::string_view key, std::string fallback) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  return scalar(key, n);
}

std::vector<std::string> Node::strings(std::string_view key) const {
  const auto n = get(key);
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(scalar(key, n));
  } else if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(scalar(key, item));
  } else {
    fail(key, "expected a value or a list of values");
  }
  return out;
}

std::int64_t Node::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                           std::int64_t max) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  const std::string text = scalar(key, n);
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) fail(key, "expected an integer, got '" + text + "'");
  if (v < min || v > max)
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

bool Node::boolean(std::string_view key, bool fallback) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  const std::string text = scalar(key, n);
  if (text == "true") return true;
  if (text == "false") return false;
  fail(key, "expected true or false, got '" + text + "'");
}

Node Node::map(std::string_view key) const {
  auto n = optional_map(key);
  if (!n) fail(key, "is required");
  return *n;
}

std::optional<Node> Node::optional_map(std::string_view key) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsMap()) fail(key, "expected a mapping");
  return Node(n, file_, key_path(key));
}

std::vector<std::pair<std::string, YAML::Node>> Node::named(std::string_view key,
                                                            std::string_view expected) const {
  const auto n = get(key);
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) fail(key, expected);
  for (const auto& kv : n) {
    const auto name = key_text(kv.first);
    if (name.empty())
      throw ConfigError(location(kv.first) + ": key '" + key_path(key) +
                        "': names must be plain text");
    out.emplace_back(name, kv.second);
  }
  return out;
}

std::vector<std::pair<std::string, Node>> Node::map_entries(std::string_view key) const {
  std::vector<std::pair<std::string, Node>> out;
  const Node inner(node_[std::string(key)], file_, key_path(key));
  for (const auto& [name, value] : named(key, "expected a mapping")) {
    if (!value.IsMap()) inner.fail(name, "expected a mapping");
    out.emplace_back(name, Node(value, file_, key_path(key) + "." + name));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Node::string_entries(std::string_view key) const {
  std::vector<std::pair<std::string, std::string>> out;
  const Node inner(node_[std::string(key)], file_, key_path(key));
  for (const auto& [name, value] : named(key, "expected a mapping of names to values"))
    out.emplace_back(name, inner.scalar(name, value));
  return out;
}

std::vector<Node> Node::map_list(std::string_view key) const {
  const auto n = get(key);
  std::vector<Node> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) fail(key, "expected a list");
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsMap()) fail(key, "every item must be a mapping");
    out.emplace_back(n[i], file_, key_path(key) + "[" + std::to_string(i) + "]");
  }
  return out;
}

Value Node::make_value(const std::string& key, const YAML::Node& n, int depth) const {
  Value v;
  v.parent.emplace(*this);
  v.key = key;
  if (depth > 8) fail(key, "is nested too deeply");
  if (n.IsMap()) {
    v.kind = Value::Kind::map;
    v.map.emplace(n, file_, key_path(key));
  } else if (n.IsSequence()) {
    v.kind = Value::Kind::list;
    for (std::size_t i = 0; i < n.size(); ++i)
      v.items.push_back(make_value(key + "[" + std::to_string(i) + "]", n[i], depth + 1));
  } else {
    v.text = scalar(key, n);
  }
  return v;
}

std::optional<Value> Node::value(std::string_view key) const {
  const auto n = get(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return make_value(std::string(key), n, 0);
}

std::vector<std::pair<std::string, Value>> Node::value_entries(std::string_view key) const {
  std::vector<std::pair<std::string, Value>> out;
  const Node inner(node_[std::string(key)], file_, key_path(key));
  for (const auto& [name, value] : named(key, "expected a mapping")) {
    inner.read_.insert(name);
    if (value.IsNull()) inner.fail(name, "needs a value");
    out.emplace_back(name, inner.make_value(name, value, 0));
  }
  return out;
}

void Node::finish() const {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    const auto key = key_text(kv.first);
    if (!read_.contains(key))
      throw ConfigError(location(kv.first) + ": key '" + key_path(key) + "': unknown key");
  }
}

namespace {

// yaml-cpp keeps the last of two equal keys without a word; a config that says a thing twice
// is a mistake the user should hear about.
void refuse_duplicate_keys(const YAML::Node& node, const std::string& file,
                           const std::string& path) {
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      refuse_duplicate_keys(node[i], file, path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!node.IsMap()) return;
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : node) {
    const auto key = key_text(kv.first);
    const auto here = path.empty() ? key : path + "." + key;
    if (!seen.insert(key).second)
      throw ConfigError(file + ":" + std::to_string(kv.first.Mark().line + 1) + ": key '" + here +
                        "': appears twice in the same mapping");
    refuse_duplicate_keys(kv.second, file, here);
  }
}

}  // namespace

namespace {

/** YAML reads '[' inside { } or [ ] as a list: a field path such as a[0].b written there must be
 * quoted. yaml-cpp's message ("end of map flow not found") does not say so; this does. */
std::string flow_hint(const std::string& text, int line, const std::string& message) {
  if (message.find("flow not found") == std::string::npos || line < 0) return {};
  std::size_t begin = 0;
  for (int i = 0; i < line && begin != std::string::npos; ++i) {
    begin = text.find('\n', begin);
    if (begin != std::string::npos) ++begin;
  }
  if (begin == std::string::npos) return {};
  const auto row = text.substr(begin, text.find('\n', begin) - begin);
  for (std::size_t i = 1; i < row.size(); ++i)
    if (row[i] == '[' &&
        (std::isalnum(static_cast<unsigned char>(row[i - 1])) || row[i - 1] == '_'))
      return " (inside { } or [ ], a field path with an index must be quoted: 'a[0].b')";
  return {};
}

}  // namespace

Node load_yaml_text(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg +
                      flow_hint(text, e.mark.line, e.msg));
  }
  if (!root.IsMap()) throw ConfigError(file + ": the top level must be a mapping");
  refuse_duplicate_keys(root, file, "");
  return {root, std::make_shared<const std::string>(file), ""};
}

Node load_yaml_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return load_yaml_text(text.str(), file);
}

}  // namespace callgate::yaml
