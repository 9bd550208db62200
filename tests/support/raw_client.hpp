#pragma once
// Raw bytes over a socket, for requests a well-behaved client would never send.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace callgate::testing {

/** Sends bytes, then reads until the server closes or `wait` passes; returns what came back. */
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait = std::chrono::seconds(5));

/** n connections to 127.0.0.1:port that send nothing (a connect that fails leaves a socket
 * that is not open). They close when the result goes. */
std::vector<boost::asio::ip::tcp::socket> silent_connections(boost::asio::io_context& ioc,
                                                             std::uint16_t port, int n);

/** The status code of the first response in raw bytes (0 if none). */
int first_status(const std::string& response);

/** How many HTTP responses the bytes hold. */
int count_responses(const std::string& response);

}  // namespace callgate::testing
