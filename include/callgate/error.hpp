#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <type_traits>

namespace callgate {

/** Why a request was not accepted. Each value maps to exactly one HTTP status (http/status.cpp). */
enum class errc {
  ok = 0,
  bad_request,          // 400: not a well-formed HTTP request
  bad_json,             // 400: body is not JSON
  not_an_event,         // 400: JSON, but not a recognisable provider event
  missing_signature,    // 401
  bad_signature,        // 401
  stale_timestamp,      // 401: outside the source's tolerance, either direction
  body_too_large,       // 413
  headers_too_large,    // 431
  rate_limited,         // 429: with Retry-After
  failing_connection,   // 429: this connection's requests keep failing verification
  unknown_source,       // 404
  address_not_allowed,  // 403: the source's allow_from does not hold the sender
  method_not_allowed,   // 405
  not_found,            // 404: no such route
  store_unavailable,    // 503: the provider should retry
  shutting_down,        // 503
  store_conflict,       // 503 if it persists: another replica changed the call meanwhile
  corrupt_state,        // 500: the stored state of this call cannot be read
  overloaded,           // 503: more requests wait for the store than it is allowed to queue
  replicas_behind,      // 503: fewer replicas than store.min_replicas_acked took the commit
};

/** The error category for errc, so errors travel as boost::system::error_code. */
const boost::system::error_category& callgate_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), callgate_category()};
}

/** The errc an error_code carries. One of another category (a library's or the system's)
 * becomes store_unavailable: something below failed, and the provider should retry. */
errc to_errc(const boost::system::error_code& ec) noexcept;

/** Result of an operation on the request path: a value or an error_code (never an exception). */
template <class T>
using result = boost::system::result<T, boost::system::error_code>;

}  // namespace callgate

template <>
struct boost::system::is_error_code_enum<callgate::errc> : std::true_type {};
