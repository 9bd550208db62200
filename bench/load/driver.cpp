#include "driver.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace callgate::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Shared {
  const std::vector<std::string>& requests;
  const LoadOptions& options;
  Clock::time_point start;
  Clock::time_point deadline;
  std::size_t next = 0;
  Clock::time_point last_answer;
  LoadResult result;
};

Clock::time_point due(const Shared& s, std::size_t k) {
  if (s.options.rate <= 0) return Clock::now();
  return s.start +
         std::chrono::nanoseconds(static_cast<std::int64_t>(double(k) * 1e9 / s.options.rate));
}

asio::awaitable<void> connection(Shared& s, tcp::endpoint endpoint) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  while (s.next < s.requests.size() && Clock::now() < s.deadline) {
    tcp::socket socket(executor);
    try {
      co_await socket.async_connect(endpoint, asio::use_awaitable);
    } catch (const boost::system::system_error&) {
      ++s.result.errors;  // nobody listening: this connection gives up
      co_return;
    }
    try {
      socket.set_option(tcp::no_delay(true));
      boost::beast::flat_buffer buffer;
      for (;;) {
        const std::size_t k = s.next;
        if (k >= s.requests.size() || Clock::now() >= s.deadline) co_return;
        ++s.next;
        const auto when = due(s, k);
        if (when > Clock::now()) {
          timer.expires_at(when);
          co_await timer.async_wait(asio::use_awaitable);
        }
        co_await asio::async_write(socket, asio::buffer(s.requests[k]), asio::use_awaitable);
        http::response_parser<http::string_body> parser;
        co_await http::async_read(socket, buffer, parser, asio::use_awaitable);
        const auto answered = Clock::now();
        s.last_answer = std::max(s.last_answer, answered);
        s.result.latencies_us.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(answered - when).count()));
        const auto status = parser.get().result_int();
        (status >= 200 && status < 300 ? s.result.ok : s.result.refused) += 1;
        if (!parser.get().keep_alive()) break;
      }
    } catch (const boost::system::system_error&) {
      ++s.result.errors;
    }
  }
}

}  // namespace

double LoadResult::quantile_ms(double q) const {
  if (latencies_us.empty()) return 0;
  auto sorted = latencies_us;
  const auto index =
      std::min(sorted.size() - 1, static_cast<std::size_t>(q * double(sorted.size())));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index),
                   sorted.end());
  return sorted[index] / 1000.0;
}

LoadResult run_load(const std::vector<std::string>& requests, const LoadOptions& options) {
  asio::io_context io(1);
  Shared shared{requests, options, Clock::now(), Clock::now() + options.max_duration, 0, {}, {}};
  shared.result.latencies_us.reserve(requests.size());
  const tcp::endpoint endpoint(asio::ip::make_address(options.host), options.port);
  for (std::size_t c = 0; c < options.connections; ++c) {
    asio::co_spawn(io, connection(shared, endpoint), asio::detached);
  }
  shared.last_answer = shared.start;
  io.run();
  shared.result.seconds = std::chrono::duration<double>(shared.last_answer - shared.start).count();
  return std::move(shared.result);
}

}  // namespace callgate::bench
