#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <callgate/redact.hpp>

namespace callgate {

std::string redact_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri_reference(url);
  if (!parsed) return "(not a URL)";
  boost::urls::url u(*parsed);
  u.remove_userinfo();
  if (u.has_query()) {
    std::string query;
    for (const auto& p : u.encoded_params()) {
      if (!query.empty()) query += '&';
      query.append(p.key.data(), p.key.size());
      if (p.has_value) query += "=***";
    }
    u.set_encoded_query(query);
  }
  return std::string(u.buffer());
}

}  // namespace callgate
