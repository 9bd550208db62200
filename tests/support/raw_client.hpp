#pragma once
// Raw bytes over a socket, for requests a well-behaved client would never send.

#include <chrono>
#include <cstdint>
#include <string>

namespace callgate::testing {

/** Sends bytes, then reads until the server closes or `wait` passes; returns what came back. */
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait = std::chrono::seconds(5));

/** The status code of the first response in raw bytes (0 if none). */
int first_status(const std::string& response);

/** How many HTTP responses the bytes hold. */
int count_responses(const std::string& response);

}  // namespace callgate::testing
