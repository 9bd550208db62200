#include <callgate/core/directory.hpp>
#include <stdexcept>

namespace callgate::core {
namespace {

std::string key_of(std::string_view source, DirectoryRow::Kind kind, std::string_view match) {
  std::string key;
  key.reserve(source.size() + match.size() + 3);
  key.append(source).push_back('\n');
  key.push_back(kind == DirectoryRow::Kind::user ? 'u' : 'c');
  key.push_back('\n');
  key.append(match);
  return key;
}

void replace_refs(std::vector<ResourceRef>& refs, const DirectoryTable& table,
                  std::string_view source, DirectoryRow::Kind kind) {
  for (auto& ref : refs)
    if (const auto* row = table.find(source, kind, ref.id)) ref = {row->model, row->id};
}

}  // namespace

DirectoryTable::DirectoryTable(std::vector<DirectoryRow> rows) {
  for (auto& row : rows) {
    auto key = key_of(row.source, row.kind, row.match);
    if (auto it = rows_.find(key); it != rows_.end())
      throw std::invalid_argument(row.where + ": the same source, kind and match as " +
                                  it->second.where);
    rows_.emplace(std::move(key), std::move(row));
  }
}

const DirectoryRow* DirectoryTable::find(std::string_view source, DirectoryRow::Kind kind,
                                         std::string_view match) const {
  if (rows_.empty() || match.empty()) return nullptr;
  for (std::string_view s : {source, std::string_view("*")})
    if (auto it = rows_.find(key_of(s, kind, match)); it != rows_.end()) return &it->second;
  return nullptr;
}

void apply_directory(Observation& obs, const DirectoryTable& table) {
  if (table.size() == 0) return;
  using RowKind = DirectoryRow::Kind;
  replace_refs(obs.users, table, obs.source, RowKind::user);
  replace_refs(obs.contacts, table, obs.source, RowKind::contact);
  if (obs.contacts.empty())
    if (const auto* row = table.find(obs.source, RowKind::contact, obs.external_number))
      obs.contacts.push_back({row->model, row->id});
  if (obs.users.empty())
    if (const auto* row = table.find(obs.source, RowKind::user, obs.internal_number))
      obs.users.push_back({row->model, row->id});
}

}  // namespace callgate::core
