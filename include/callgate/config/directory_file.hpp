#pragma once

#include <callgate/core/directory.hpp>
#include <string>

namespace callgate::config {

/**
 * Reads a directory file by its extension:
 * - .csv: one row a line, `source,kind,match,id[,model]`; blank lines, `#` comments and a header
 *   line (`source,kind,match,id,model`) are allowed; a field may be in double quotes;
 * - .yaml / .yml: `rows:` a list of {source, kind, match, id, model}.
 * `kind` is user or contact; `source` a source name or `*`. Throws yaml::ConfigError naming
 * file:line for the first bad row.
 */
core::DirectoryTable read_directory_file(const std::string& path);

}  // namespace callgate::config
