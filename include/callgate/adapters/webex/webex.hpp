#pragma once

#include <callgate/adapters/source.hpp>

namespace callgate::adapters::webex {

/** Body to observations for the webex provider (exposed for tests and the replay tool). */
result<Parsed> parse(const Request& r, const SourceSettings& settings);

/** The factory registered under provider: webex. */
ProviderFactory factory();

}  // namespace callgate::adapters::webex
