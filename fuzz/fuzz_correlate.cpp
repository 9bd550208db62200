// A random sequence of observations of one call must never break the correlation rules:
// one created and first, at most one deleted, after it only updated, no status back to
// inProgress once ended, and nothing emitted when nothing changed; its transcript's events
// (some observations carry text) one created and first, numbered in order.
#include <callgate/core/correlate.hpp>
#include <cstdlib>

namespace {

using namespace callgate;

struct Bytes {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t next() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
};

core::Observation make(Bytes& b) {
  core::Observation o;
  o.source = "fuzz";
  o.call_key = "k";
  o.event_time = from_unix_ms(1'700'000'000'000 + b.next() * 1000);
  o.phase = static_cast<core::Phase>(b.next() % 4);
  o.direction = static_cast<core::Direction>(b.next() % 3);
  const auto flags = b.next();
  if (flags & 1) o.started_at = from_unix_ms(1'700'000'000'000 + b.next() * 1000);
  if (flags & 2) o.answered_at = from_unix_ms(1'700'000'000'000 + b.next() * 1000);
  if (flags & 4) o.ended_at = from_unix_ms(1'700'000'000'000 + b.next() * 1000);
  if (flags & 8) o.answered = true;
  if (flags & 16) o.recording_url = "https://r/" + std::to_string(b.next() % 4);
  if (flags & 32) o.external_number = "+1" + std::to_string(b.next() % 4);
  if (flags & 64) o.warnings.push_back("w" + std::to_string(b.next() % 20));
  if (flags & 128) {  // text instead: one utterance, perhaps interim, perhaps a repeat
    const auto t = b.next();
    core::Utterance u;
    u.track = t & 1 ? "inbound_track" : "outbound_track";
    u.id = std::to_string((t >> 1) % 8);
    u.final = (t & 16) == 0;
    u.text = "said " + u.id;
    if (t & 32) u.at = o.event_time;
    o.transcript = core::TranscriptObservation{{u}, (t & 64) != 0};
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes b{data, size};
  std::optional<core::CallState> state;
  int created = 0, deleted = 0, texts = 0;
  bool ended = false;
  auto now = from_unix_ms(1'800'000'000'000);
  while (b.n > 0) {
    const auto obs = make(b);
    const auto d = core::decide(state, obs, "call_fuzz", now);
    if (!state && !obs.transcript &&
        (d.events.empty() || d.events[0].type != core::EventType::created))
      std::abort();
    if (!d.state_changed && !d.events.empty()) std::abort();
    for (const auto& e : d.events) {
      if (core::is_transcript(e.type)) {
        const bool first = ++texts == 1;
        if (first != (e.type == core::EventType::transcript_created)) std::abort();
        if (e.idempotency_key != d.state.transcript->id + ":" + std::to_string(texts)) std::abort();
        continue;
      }
      if (created == 0 && e.type != core::EventType::created) std::abort();
      if (e.type == core::EventType::created && ++created > 1) std::abort();
      if (e.type == core::EventType::deleted && ++deleted > 1) std::abort();
      if (deleted && e.type == core::EventType::created) std::abort();
      // The body written without the DOM is exactly the DOM's dump.
      if (e.body != core::unified_event(e.type, d.state).dump()) std::abort();
      const bool in_progress =
          nlohmann::ordered_json::parse(e.body)["data"]["fields"]["status"] == "inProgress";
      if ((ended || e.type == core::EventType::deleted) && in_progress) std::abort();
    }
    if (state && state->ended() && !d.state.ended()) std::abort();  // no regression
    // decide's shortcut must agree with comparing the rendered fields.
    if (state && core::same_unified_fields(d.state, *state) !=
                     (core::unified_fields(d.state) == core::unified_fields(*state)))
      std::abort();
    ended = ended || d.state.ended();
    state = d.state;
    now += std::chrono::milliseconds(1);
  }
  return 0;
}
