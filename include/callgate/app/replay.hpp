#pragma once

#include <callgate/config/config.hpp>
#include <callgate/time.hpp>
#include <string>

namespace callgate::app {

/**
 * `callgate replay FILE`: every item of a capture file goes through the same path as a webhook
 * (parse, correlate, commit, sinks), except the signature check: a capture is the operator's own
 * and carries none. The source is --source, else the item's /webhooks/<name> URL, else the only
 * configured source. Prints one line per item and a summary; returns 0 when nothing was refused.
 */
int replay(const config::Config& config, const std::string& file, const std::string& source);

}  // namespace callgate::app
