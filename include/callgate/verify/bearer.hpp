#pragma once

#include <callgate/verify/common.hpp>

namespace callgate::verify {

/** "Authorization: Bearer <token>" must equal one of the tokens (compared in constant time). */
result<void> verify_bearer(const Headers& h, const std::vector<std::string>& tokens);

}  // namespace callgate::verify
