// Networks (allow_from, trusted_proxies) and who the client is behind proxies.
#include <gtest/gtest.h>

#include <callgate/networks.hpp>

namespace callgate {
namespace {

namespace ip = boost::asio::ip;

Networks parse(const std::vector<std::string>& cidrs) {
  std::string bad;
  auto n = Networks::parse(cidrs, bad);
  EXPECT_TRUE(n) << bad;
  return n ? *n : Networks{};
}

TEST(Networks, ContainsAddressesOfItsNetworksOnly) {
  const auto n = parse({"203.0.113.0/24", "198.51.100.7", "2001:db8::/32", "10.1.2.3/8"});
  EXPECT_TRUE(n.contains(ip::make_address("203.0.113.255")));
  EXPECT_FALSE(n.contains(ip::make_address("203.0.114.0")));
  EXPECT_TRUE(n.contains(ip::make_address("198.51.100.7")));
  EXPECT_FALSE(n.contains(ip::make_address("198.51.100.8")));
  EXPECT_TRUE(n.contains(ip::make_address("2001:db8:ffff::1")));
  EXPECT_FALSE(n.contains(ip::make_address("2001:db9::1")));
  EXPECT_TRUE(n.contains(ip::make_address("10.200.0.1")))
      << "a host address is read as its network";
  EXPECT_TRUE(n.contains(ip::make_address("::ffff:203.0.113.9"))) << "IPv4-mapped IPv6";
  EXPECT_TRUE(Networks{}.empty());
}

TEST(Networks, NamesTheFirstMalformedEntry) {
  std::string bad;
  EXPECT_FALSE(Networks::parse({"10.0.0.0/8", "10.0.0.0/33", "x"}, bad));
  EXPECT_EQ(bad, "10.0.0.0/33");
  EXPECT_FALSE(Networks::parse({"example.com"}, bad));
  EXPECT_EQ(bad, "example.com");
}

TEST(Networks, TheClientIsTheRightMostUntrustedAddress) {
  const auto proxies = parse({"10.0.0.0/8"});
  const auto lb = ip::make_address("10.0.0.5");
  // Not a trusted peer: its X-Forwarded-For is not believed.
  EXPECT_EQ(client_address(ip::make_address("192.0.2.1"), "198.51.100.9", proxies).to_string(),
            "192.0.2.1");
  EXPECT_EQ(client_address(lb, "", proxies).to_string(), "10.0.0.5");
  EXPECT_EQ(client_address(lb, "198.51.100.9", proxies).to_string(), "198.51.100.9");
  // A spoofed left-hand entry is skipped: the right-most untrusted one was added by our proxy.
  EXPECT_EQ(client_address(lb, "192.0.2.66, 198.51.100.9, 10.0.0.9", proxies).to_string(),
            "198.51.100.9");
  EXPECT_EQ(client_address(lb, "198.51.100.9, garbage", proxies).to_string(), "10.0.0.5")
      << "an unreadable entry stops the walk at the last trusted address";
}

}  // namespace
}  // namespace callgate
