#pragma once

#include <callgate/config/config.hpp>
#include <string>

namespace callgate::app {

/** Command-line extras for serving. */
struct RunOptions {
  std::string ready_file;  ///< if set, the bound port is written here once listening
};

/**
 * Assembles callgate from its configuration (store, committer, sinks, router, server), serves
 * until SIGTERM or SIGINT, then shuts down gracefully: stop accepting, answer in-flight requests,
 * deliver what is committed, exit. Returns the process exit code.
 */
int serve(const config::Config& config, const RunOptions& options);

}  // namespace callgate::app
