#include <gtest/gtest.h>

#include <callgate/redact.hpp>

namespace callgate {
namespace {

TEST(RedactUrl, DropsUserinfoAndQueryValues) {
  EXPECT_EQ(redact_url("https://user:pa55@crm.example.com:8443/hook?token=abc&v=2&flag"),
            "https://crm.example.com:8443/hook?token=***&v=***&flag");
  EXPECT_EQ(redact_url("redis://:hunter2@redis:6379/0"), "redis://redis:6379/0");
  EXPECT_EQ(redact_url("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
  EXPECT_EQ(redact_url("http://[bad"), "(not a URL)");
}

}  // namespace
}  // namespace callgate
