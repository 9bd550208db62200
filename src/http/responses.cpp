#include <boost/beast/version.hpp>
#include <callgate/http/handler.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {

bhttp::status status_for(errc e) {
  switch (e) {
    case errc::ok:
      return bhttp::status::ok;
    case errc::bad_request:
    case errc::bad_json:
    case errc::not_an_event:
      return bhttp::status::bad_request;
    case errc::missing_signature:
    case errc::bad_signature:
    case errc::stale_timestamp:
      return bhttp::status::unauthorized;
    case errc::body_too_large:
      return bhttp::status::payload_too_large;
    case errc::headers_too_large:
      return bhttp::status::request_header_fields_too_large;
    case errc::rate_limited:
    case errc::failing_connection:
      return bhttp::status::too_many_requests;
    case errc::unknown_source:
    case errc::not_found:
      return bhttp::status::not_found;
    case errc::method_not_allowed:
      return bhttp::status::method_not_allowed;
    case errc::address_not_allowed:
      return bhttp::status::forbidden;
    case errc::store_unavailable:
    case errc::shutting_down:
    case errc::store_conflict:
    case errc::overloaded:
    case errc::replicas_behind:
      return bhttp::status::service_unavailable;
    case errc::corrupt_state:
      return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

Response json_response(bhttp::status status, unsigned version, std::string body) {
  Response res{status, version};
  res.set(bhttp::field::server, "callgate");
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response error_response(errc e, unsigned version) {
  auto res = json_response(status_for(e), version,
                           nlohmann::json{{"error", make_error_code(e).message()}}.dump());
  if (status_for(e) == bhttp::status::service_unavailable) res.set(bhttp::field::retry_after, "1");
  return res;
}

}  // namespace callgate::http
