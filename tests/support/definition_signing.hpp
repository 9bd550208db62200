#pragma once
// Signing as the bundled provider definitions' platforms do (Twilio, Vonage, Zoom), written
// independently of callgate's own code: OpenSSL's HMAC and libjwt's encoder.

#include <boost/beast/http/fields.hpp>
#include <callgate/time.hpp>
#include <string>
#include <utility>
#include <vector>

namespace callgate::testing {

using FormParams = std::vector<std::pair<std::string, std::string>>;

/** application/x-www-form-urlencoded text of params, in their order. */
std::string form_body(const FormParams& params);

/** X-Twilio-Signature: base64 HMAC-SHA1 of url + each param's name and value, sorted by name. */
std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             const FormParams& params);
boost::beast::http::fields twilio_headers(const std::string& auth_token, const std::string& url,
                                          const FormParams& params);

/** x-zm-request-timestamp and x-zm-signature (v0=hex HMAC-SHA256 of "v0:<ts>:<body>"). */
boost::beast::http::fields zoom_headers(const std::string& secret_token, const std::string& body,
                                        TimePoint t);

/** Authorization: Bearer <JWT HS256> with iat and payload_hash = hex SHA-256 of body. */
std::string vonage_jwt(const std::string& secret, const std::string& body, TimePoint iat);
boost::beast::http::fields vonage_headers(const std::string& secret, const std::string& body,
                                          TimePoint iat);

/**
 * X-Plivo-Signature-V3 (base64 HMAC-SHA256) for a POST: url up to '?', '?', the query's k=v
 * sorted and joined with '&' then '.' (when there is a query), the params sorted as name+value,
 * '.', the nonce. For a GET (params empty): url up to '?', '?', the query sorted, '.', the nonce.
 */
std::string plivo_v3_signature(const std::string& auth_token, const std::string& url,
                               const FormParams& params, const std::string& nonce,
                               bool get = false);

/** A compact JWT signed HS256 whose claims are `claims` (a JSON object's text). */
std::string hs256_jwt(const std::string& secret, const std::string& claims);

/** Authorization: Basic base64(user:password). */
boost::beast::http::fields basic_headers(const std::string& user, const std::string& password);

/** Lowercase hex HMAC-SHA256 of body under key. */
std::string to_hex_hmac_sha256(const std::string& key, const std::string& body);

}  // namespace callgate::testing
