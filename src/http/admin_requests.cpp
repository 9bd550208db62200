// GET /admin/requests (the request log, filtered, newest first, paged by cursor), GET
// /admin/requests/<id> (one request whole) and POST /admin/requests/<id>/replay.
#include <spdlog/spdlog.h>

#include <callgate/http/admin_router.hpp>
#include <callgate/store/store.hpp>
#include <nlohmann/json.hpp>

namespace callgate::http {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kPrefix = "/admin/requests/";

/** The id in /admin/requests/<id>[/replay]; nullopt when it is not a whole number. */
std::optional<std::int64_t> id_in(std::string_view path) {
  auto rest = path.substr(kPrefix.size());
  if (rest.ends_with("/replay")) rest.remove_suffix(7);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  if (ec != std::errc{} || end != rest.data() + rest.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

Response AdminRouter::requests(const Query& q, unsigned v) {
  store::RequestQuery rq;
  rq.source = q.get("source");
  rq.verdict = q.get("verdict");
  rq.text = q.get("q");
  const auto status = q.whole("status", 0);
  const auto before = q.whole("before", 0);
  if (!status || !before)
    return admin_error(bhttp::status::bad_request, v, "status and before must be whole numbers");
  rq.status = static_cast<int>(*status);
  rq.before_id = *before;
  if (auto bad = read_times(q, {"from", &rq.from}, {"to", &rq.to}, v)) return std::move(*bad);
  rq.limit = std::max<std::size_t>(1, q.limit(kMaxLimit));
  if (hooks_.flush_requests) hooks_.flush_requests();  // what was just answered is listed too
  auto page = store::find_requests(store_, rq);
  if (!page) return error_response(errc::store_unavailable, v);
  json out = json::array();
  for (const auto& r : page->requests) out.push_back(store::request_json(r, false));
  return json_response(
      bhttp::status::ok, v,
      json{{"requests", out},
           {"next", page->next_before == 0 ? json(nullptr) : json(page->next_before)}}
          .dump(-1, ' ', false, json::error_handler_t::replace));
}

Response AdminRouter::request(const Query& q, unsigned v) {
  const auto id = id_in(q.path);
  if (!id) return admin_error(bhttp::status::not_found, v, "no such request: " + q.path);
  if (hooks_.flush_requests) hooks_.flush_requests();
  auto r = store_.load_request(*id);
  if (!r) return error_response(errc::store_unavailable, v);
  if (!*r) return admin_error(bhttp::status::not_found, v, "no request " + std::to_string(*id));
  return json_response(
      bhttp::status::ok, v,
      store::request_json(**r, true).dump(-1, ' ', false, json::error_handler_t::replace));
}

void AdminRouter::replay(const Query& q, unsigned v, const boost::asio::any_io_executor& executor,
                         Reply reply) {
  const auto id = id_in(q.path);
  if (!id) return reply(admin_error(bhttp::status::not_found, v, "no such request: " + q.path));
  auto r = store_.load_request(*id);
  if (!r) return reply(error_response(errc::store_unavailable, v));
  if (!*r)
    return reply(admin_error(bhttp::status::not_found, v, "no request " + std::to_string(*id)));
  if (!(*r)->replayable)
    return reply(admin_error(bhttp::status::conflict, v,
                             "request " + std::to_string(*id) +
                                 " cannot be replayed: its body was not kept whole "
                                 "(request_log.bodies, max_body_bytes) or its source is unknown"));
  spdlog::info("admin: replaying request {} of source {}", *id, (*r)->source);
  hooks_.replay(**r, executor, [this, id = *id, v, reply = std::move(reply)](Response answer) {
    if (hooks_.flush_requests) hooks_.flush_requests();  // listed before the console looks
    auto body = json::parse(answer.body(), nullptr, false);
    reply(json_response(bhttp::status::ok, v,
                        json{{"replayOf", id},
                             {"status", answer.result_int()},
                             {"answer", body.is_discarded() ? json(answer.body()) : body}}
                            .dump()));
  });
}

}  // namespace callgate::http
