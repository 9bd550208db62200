#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace callgate::app {

/** `callgate provider test`: a definition run on captured requests, without server or store. */
struct ProviderTest {
  std::string definition;             ///< the definition file
  std::vector<std::string> payloads;  ///< a body (JSON or form) or a capture file each
  std::vector<std::string> settings;  ///< "key=value": the source's keys, as in a config
  std::string at;  ///< ISO 8601: when the requests are taken to arrive (default: now)
};

/**
 * Prints, for each request in order, its verdict (accepted, duplicate, ignored or refused and
 * why), its observations and warnings, then the unified events the whole sequence gives.
 * Returns 0, or 1 when a request is refused or warns (2: the definition or a file is unusable).
 */
int provider_test(const ProviderTest& t, std::ostream& out);

/** `callgate provider check FILE`: loads one definition; prints what it declares, or its
 * `file:line: key` error. Returns 0 or 1. */
int provider_check(const std::string& definition, std::ostream& out);

}  // namespace callgate::app
