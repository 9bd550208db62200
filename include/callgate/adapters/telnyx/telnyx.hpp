#pragma once

#include <callgate/adapters/source.hpp>

namespace callgate::adapters::telnyx {

/** Body to observations for the telnyx provider (exposed for tests and the replay tool). */
result<Parsed> parse(const Request& r, const SourceSettings& settings);

/** The factory registered under provider: telnyx. */
ProviderFactory factory();

}  // namespace callgate::adapters::telnyx
