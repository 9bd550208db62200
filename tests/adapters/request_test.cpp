// A request's body is parsed once, through parse_json and its nesting limit, whichever of
// verify and parse asks first; an error of another category is never read as one of ours.
#include <gtest/gtest.h>

#include <callgate/adapters/source.hpp>
#include <string>

namespace callgate {
namespace {

const boost::beast::http::fields kNoHeaders;

TEST(Request, ParsesItsBodyOnceAndKeepsTheResult) {
  const adapters::Request r{kNoHeaders, R"({"a":1})", now()};
  EXPECT_FALSE(r.parsed_json);
  const auto& first = r.json();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["a"], 1);
  EXPECT_EQ(&r.json(), &first) << "the second ask reads the kept parse";
}

TEST(Request, RefusesTooDeepANestingAsBadJson) {
  const std::string deep(10'000, '[');
  const adapters::Request r{kNoHeaders, deep, now()};
  ASSERT_FALSE(r.json());
  EXPECT_EQ(r.json().error(), make_error_code(errc::bad_json));
  const adapters::Request text{kNoHeaders, "not json", now()};
  EXPECT_EQ(text.json().error(), make_error_code(errc::bad_json));
}

TEST(Errc, AnErrorOfAnotherCategoryIsNotReadAsOurs) {
  EXPECT_EQ(to_errc(make_error_code(errc::bad_signature)), errc::bad_signature);
  // generic EACCES is 13: cast blindly, it would pass for one of our codes.
  const auto foreign = boost::system::errc::make_error_code(boost::system::errc::permission_denied);
  EXPECT_EQ(to_errc(foreign), errc::store_unavailable);
}

}  // namespace
}  // namespace callgate
