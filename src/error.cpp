#include <callgate/error.hpp>

namespace callgate {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "callgate"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::bad_request:
        return "malformed HTTP request";
      case errc::bad_json:
        return "body is not valid JSON";
      case errc::not_an_event:
        return "not a recognisable event";
      case errc::missing_signature:
        return "missing signature";
      case errc::bad_signature:
        return "signature does not match";
      case errc::stale_timestamp:
        return "timestamp outside tolerance";
      case errc::body_too_large:
        return "body too large";
      case errc::headers_too_large:
        return "request headers too large";
      case errc::rate_limited:
        return "rate limit exceeded";
      case errc::failing_connection:
        return "too many failed verifications on this connection";
      case errc::unknown_source:
        return "unknown source";
      case errc::address_not_allowed:
        return "sender address not allowed";
      case errc::method_not_allowed:
        return "method not allowed";
      case errc::not_found:
        return "not found";
      case errc::store_unavailable:
        return "store unavailable";
      case errc::shutting_down:
        return "shutting down";
      case errc::store_conflict:
        return "the call changed on another replica";
      case errc::corrupt_state:
        return "the stored state of this call is unreadable";
      case errc::overloaded:
        return "too many requests waiting for the store";
      case errc::replicas_behind:
        return "too few store replicas acknowledged the write";
    }
    return "unknown error";
  }
};

}  // namespace

const boost::system::error_category& callgate_category() noexcept {
  static const category instance;
  return instance;
}

errc to_errc(const boost::system::error_code& ec) noexcept {
  if (ec.category() == callgate_category()) return static_cast<errc>(ec.value());
  return errc::store_unavailable;
}

}  // namespace callgate
