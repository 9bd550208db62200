#include <callgate/networks.hpp>

namespace callgate {
namespace {

namespace ip = boost::asio::ip;

ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

template <class Network, class Address>
bool in(const Network& net, const Address& a, unsigned short bits) {
  // Boost's is_subnet_of is strict: a whole-length network is compared as an address.
  if (net.prefix_length() == bits) return net.address() == a;
  return Network(a, bits).is_subnet_of(net);
}

}  // namespace

std::optional<Networks> Networks::parse(const std::vector<std::string>& cidrs, std::string& bad) {
  Networks n;
  for (const auto& text : cidrs) {
    boost::system::error_code ec;
    const auto slash = text.find('/');
    const auto address = ip::make_address(text.substr(0, slash), ec);
    if (!ec && slash == std::string::npos) {
      if (address.is_v4())
        n.v4_.emplace_back(address.to_v4(), 32);
      else
        n.v6_.emplace_back(address.to_v6(), 128);
      continue;
    }
    if (!ec && address.is_v4()) {
      auto net = ip::make_network_v4(text, ec);
      if (!ec) n.v4_.push_back(net.canonical());
    } else if (!ec) {
      auto net = ip::make_network_v6(text, ec);
      if (!ec) n.v6_.push_back(net.canonical());
    }
    if (ec) {
      bad = text;
      return std::nullopt;
    }
  }
  return n;
}

bool Networks::contains(const ip::address& given) const {
  const auto a = unmapped(given);
  if (a.is_v4()) {
    for (const auto& net : v4_)
      if (in(net, a.to_v4(), 32)) return true;
    return false;
  }
  for (const auto& net : v6_)
    if (in(net, a.to_v6(), 128)) return true;
  return false;
}

ip::address client_address(const ip::address& peer, std::string_view forwarded_for,
                           const Networks& trusted) {
  auto client = peer;
  while (trusted.contains(client) && !forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    auto entry = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    boost::system::error_code ec;
    const auto next = ip::make_address(std::string(entry), ec);
    if (ec) break;
    client = next;
  }
  return unmapped(client);
}

}  // namespace callgate
