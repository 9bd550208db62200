#pragma once

#include <atomic>
#include <callgate/core/observation.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace callgate::app {
class DirectoryWatcher;
}

namespace callgate::core {

/** One row of a team's directory: the platform's reference (an id, an extension, an email or an
 * E.164 number) of one person, and the team's own id and model for them. */
struct DirectoryRow {
  enum class Kind { user, contact };
  std::string source;  ///< a source name, or "*" for every source
  Kind kind = Kind::user;
  std::string match;
  std::string id;
  std::string model;  ///< the resourceRef's model ("user" or "contact" unless the row says)
  std::string where;  ///< file:line, for messages
};

/** A directory's rows, looked up by source, kind and match; a row for the source itself wins
 * over one for "*". Immutable once built. */
class DirectoryTable {
 public:
  DirectoryTable() = default;
  /** Throws std::invalid_argument naming both rows when two share source, kind and match. */
  explicit DirectoryTable(std::vector<DirectoryRow> rows);
  const DirectoryRow* find(std::string_view source, DirectoryRow::Kind kind,
                           std::string_view match) const;
  std::size_t size() const { return rows_.size(); }

 private:
  std::unordered_map<std::string, DirectoryRow> rows_;
};

/**
 * Puts a team's own ids in place of the platform's references, after numbers are in E.164:
 * - every user and contact whose id a row matches becomes that row's {model, id};
 * - with no contact named, a contact row matching externalNumber fills contacts;
 * - with no user named, a user row matching internalNumber (an extension or E.164) fills users.
 * A call's identity is not touched.
 */
void apply_directory(Observation& obs, const DirectoryTable& table);

/** The directory in force. Any thread reads it; only the DirectoryWatcher, which re-reads the
 * file when it changes, replaces it, and only whole. */
class Directory {
 public:
  explicit Directory(std::shared_ptr<const DirectoryTable> table) : table_(std::move(table)) {}
  std::shared_ptr<const DirectoryTable> table() const { return table_.load(); }

 private:
  friend class app::DirectoryWatcher;
  void replace(std::shared_ptr<const DirectoryTable> table) { table_.store(std::move(table)); }
  std::atomic<std::shared_ptr<const DirectoryTable>> table_;
};

}  // namespace callgate::core
