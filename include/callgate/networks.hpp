#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callgate {

/** A set of IP networks, as `allow_from` and `trusted_proxies` list them. Empty: none. */
class Networks {
 public:
  /** "203.0.113.0/24", "2001:db8::/32" or one address; nullopt naming the first malformed one
   * in `bad`. */
  static std::optional<Networks> parse(const std::vector<std::string>& cidrs, std::string& bad);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  /** Whether a lies in one of the networks (an IPv4-mapped IPv6 address counts as IPv4). */
  bool contains(const boost::asio::ip::address& a) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

/**
 * Who sent a request. The peer, unless the peer is a trusted proxy: then X-Forwarded-For is read
 * from the right (each proxy appends the address it saw) and the first address that is not a
 * trusted proxy is the client. An unreadable entry stops the walk at the last address trusted.
 */
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::string_view forwarded_for, const Networks& trusted);

}  // namespace callgate
