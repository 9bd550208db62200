#pragma once
// In-process cost of one provider's verify + parse on the load generator's own requests: what a
// request costs before the committer, without sockets, for comparing providers on equal bodies.

#include <string>

#include "requests.hpp"

namespace callgate::bench {

/** Prints "verify_us parse_us body_bytes finish_us finish_off_us finish_first_round_us" per
 * request for spec.provider, configured by source_yaml (its `provider:` and keys): finish is
 * finish_observations with the numbers read into E.164, finish_off with normalize_numbers off,
 * and the first round's finish alone, where every call's first event reads its number afresh. */
void adapter_cost(const RequestSpec& spec, const std::string& source_yaml);

}  // namespace callgate::bench
