#include "adapter_cost.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <callgate/adapters/source.hpp>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace callgate::bench {

void adapter_cost(const RequestSpec& spec, const std::string& source_yaml) {
  namespace http = boost::beast::http;
  adapters::Registry registry;
  adapters::register_builtin_providers(registry);
  const auto node = yaml::load_yaml_text(source_yaml, "bench.yaml");
  const auto* factory = registry.find(node.string("provider"));
  if (!factory) throw std::invalid_argument("unknown provider in " + source_yaml);
  adapters::SourceSettings settings{"bench", false};
  settings.numbers.region = "US";
  const auto source = factory->create(node, settings);

  std::vector<http::request<http::string_body>> requests;
  std::size_t bytes = 0;
  for (const auto& text : make_requests(spec, now())) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(text), ec);
    if (ec) throw std::runtime_error("cannot read a generated request: " + ec.message());
    requests.push_back(parser.release());
    bytes += requests.back().body().size();
  }
  // Say what the first request's observations warn about: a warning costs on every event.
  if (!requests.empty()) {
    const adapters::Request r{requests[0].base(), requests[0].body(), now()};
    if (auto parsed = source->parse(r))
      for (const auto& o : parsed->observations)
        for (const auto& w : o.warnings) std::fprintf(stderr, "adapter: warning: %s\n", w.c_str());
  }
  // What every request gets after its parser (finish_observations), with its numbers read into
  // E.164 and as sent. Only the first round reads each number afresh: later rounds find it in
  // the per-thread memory, as a call's later events do.
  auto numbers_off = source->settings();
  numbers_off.numbers.normalize = false;
  using clock = std::chrono::steady_clock;
  clock::duration verifying{}, parsing{}, finishing{}, finishing_off{}, first_round{};
  const auto at = now();
  for (int round = 0; round < 3; ++round) {
    for (const auto& req : requests) {
      const adapters::Request r{req.base(), req.body(), at};
      const auto t0 = clock::now();
      if (!source->verify(r)) throw std::runtime_error("a generated request did not verify");
      const auto t1 = clock::now();
      auto parsed = source->parse(r);
      if (!parsed) throw std::runtime_error("a generated request did not parse");
      const auto t2 = clock::now();
      auto copy = parsed->observations;
      const auto t3 = clock::now();
      adapters::finish_observations(parsed->observations, source->settings(), r.body);
      const auto t4 = clock::now();
      adapters::finish_observations(copy, numbers_off, r.body);
      const auto t5 = clock::now();
      verifying += t1 - t0;
      parsing += t2 - t1;
      finishing += t4 - t3;
      finishing_off += t5 - t4;
      if (round == 0) first_round += t4 - t3;
    }
  }
  const double n = 3.0 * static_cast<double>(requests.size());
  const auto us = [](clock::duration d, double per) {
    return std::chrono::duration<double, std::micro>(d).count() / per;
  };
  std::printf("%.1f %.1f %.0f %.2f %.2f %.2f\n", us(verifying, n), us(parsing, n),
              static_cast<double>(bytes) / static_cast<double>(requests.size()), us(finishing, n),
              us(finishing_off, n), us(first_round, static_cast<double>(requests.size())));
}

}  // namespace callgate::bench
