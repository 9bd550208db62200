#pragma once

#include <string>
#include <string_view>

namespace callgate {

/**
 * A URL as it may be shown in logs, errors, metric labels and default names: the userinfo
 * (user:password@) is dropped and every query value becomes "***", since both often carry
 * credentials ("?token=..."). Something that does not parse as a URL shows as "(not a URL)".
 */
std::string redact_url(std::string_view url);

}  // namespace callgate
