#include <callgate/config/directory_file.hpp>
#include <callgate/yaml/node.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace callgate::config {
namespace {

using core::DirectoryRow;
using yaml::ConfigError;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

/** A CSV line's fields: split on commas outside double quotes; "" inside quotes is one ". */
std::vector<std::string> fields_of(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (auto& f : out) f = trim(f);
  return out;
}

/** Checks and completes one row; the message names what is wrong, without the location. */
std::string check(DirectoryRow& row, const std::string& kind) {
  if (kind == "user")
    row.kind = DirectoryRow::Kind::user;
  else if (kind == "contact")
    row.kind = DirectoryRow::Kind::contact;
  else
    return "kind must be user or contact, not '" + kind + "'";
  if (row.source.empty()) return "source is empty (a source name, or * for every source)";
  if (row.match.empty()) return "match is empty";
  if (row.id.empty()) return "id is empty";
  if (row.model.empty()) row.model = kind;
  return {};
}

std::vector<DirectoryRow> read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot be read");
  std::vector<DirectoryRow> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    auto f = fields_of(text);
    if (rows.empty() && f.size() >= 4 && f[0] == "source" && f[1] == "kind") continue;  // header
    const auto where = path + ":" + std::to_string(n);
    if (f.size() < 4 || f.size() > 5)
      throw ConfigError(where + ": a row is source,kind,match,id[,model]; this one has " +
                        std::to_string(f.size()) + " field(s)");
    DirectoryRow row{f[0], {}, f[2], f[3], f.size() == 5 ? f[4] : "", where};
    if (auto bad = check(row, f[1]); !bad.empty()) throw ConfigError(where + ": " + bad);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<DirectoryRow> read_yaml(const std::string& path) {
  const auto root = yaml::load_yaml_file(path);
  std::vector<DirectoryRow> rows;
  for (const auto& node : root.map_list("rows")) {
    DirectoryRow row{node.string("source"),       {},
                     node.string("match"),        node.string("id"),
                     node.string_or("model", ""), path + ":" + node.path()};
    if (auto bad = check(row, node.string("kind")); !bad.empty()) node.fail("kind", bad);
    node.finish();
    rows.push_back(std::move(row));
  }
  root.finish();
  return rows;
}

}  // namespace

core::DirectoryTable read_directory_file(const std::string& path) {
  const bool csv = path.ends_with(".csv");
  if (!csv && !path.ends_with(".yaml") && !path.ends_with(".yml"))
    throw ConfigError(path + ": a directory is a .csv, .yaml or .yml file");
  auto rows = csv ? read_csv(path) : read_yaml(path);
  try {
    return core::DirectoryTable(std::move(rows));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
}

}  // namespace callgate::config
