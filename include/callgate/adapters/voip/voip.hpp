#pragma once

#include <callgate/adapters/source.hpp>

namespace callgate::adapters::voip {

/** Body to observations for the voip provider (exposed for tests and the replay tool). */
result<Parsed> parse(const Request& r, const SourceSettings& settings);

/** The factory registered under provider: voip. */
ProviderFactory factory();

}  // namespace callgate::adapters::voip
