// `callgate events` and `callgate requests`: pages of the store, read as the admin API reads them.
#include <callgate/app/inspect.hpp>
#include <nlohmann/json.hpp>

namespace callgate::app {
namespace {

using ojson = nlohmann::ordered_json;

std::string line(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

}  // namespace

int print_events(const config::Config& config, const store::EventQuery& q, std::ostream& out,
                 std::ostream& notes) {
  auto store = store::open_store(config.store).store;
  auto page = store::find_events(*store, q);
  if (!page) {
    notes << "events: the store did not answer: " << page.error().message() << '\n';
    return 1;
  }
  // One line per outbox row: a dead letter sent again is a row of its own, for one sink only.
  for (const auto& r : page->events) out << line(store::row_json(r)) << '\n';
  if (page->next != 0)
    notes << "events: more: " << (q.after_seq ? "--after " : "--before ") << page->next << '\n';
  return 0;
}

int print_requests(const config::Config& config, const store::RequestQuery& q, std::int64_t id,
                   std::ostream& out, std::ostream& notes) {
  auto store = store::open_store(config.store).store;
  if (id != 0) {
    auto r = store->load_request(id);
    if (!r) {
      notes << "requests: the store did not answer: " << r.error().message() << '\n';
      return 1;
    }
    if (!*r) {
      notes << "requests: no request " << id << " (it may have been trimmed)\n";
      return 1;
    }
    out << store::request_json(**r, true).dump(2, ' ', false, ojson::error_handler_t::replace)
        << '\n';
    return 0;
  }
  auto page = store::find_requests(*store, q);
  if (!page) {
    notes << "requests: the store did not answer: " << page.error().message() << '\n';
    return 1;
  }
  for (const auto& r : page->requests) out << line(store::request_json(r, false)) << '\n';
  if (page->next_before != 0) notes << "requests: more: --before " << page->next_before << '\n';
  return 0;
}

}  // namespace callgate::app
