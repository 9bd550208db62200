#pragma once
// In-process CPU cost of the request log: the same webhook requests through the real Router
// (verify, parse, a committer that answers at once), with the log off and on, so the difference
// is what recording costs, the recorder thread's writes and trims included.

#include <string>

#include "requests.hpp"

namespace callgate::bench {

/** Prints "off_us bodies_us metadata_us kept cap" for one store type (memory | sqlite): process
 * CPU µs per request (the median of seven passes, the three taken in turns) with the log off, on
 * with bodies, on without
 * (request_log.bodies: false); how many records the store kept at the end, and its default cap.
 * dir holds a SQLite store's files. */
void request_log_cost(const RequestSpec& spec, const std::string& store_type,
                      const std::string& dir);

}  // namespace callgate::bench
