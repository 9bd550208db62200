#pragma once
// Realistic, distinct, correctly signed webhook requests for the load generator: seed-shaped
// bodies of about 1 KB, every call going created -> updated -> deleted, many calls live at once.

#include <callgate/time.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace callgate::bench {

/** Which provider's requests to make, and the secrets the server under test is configured with. */
struct RequestSpec {
  // voip | webex | telnyx | zoom (the bundled zoom_phone definition) | ringcentral (a bundled
  // definition that iterates items: two parties per body, one of them an extension) |
  // telnyx-transcript (live transcription: three utterances a call, each a transcript event)
  std::string provider;
  std::string host = "127.0.0.1";
  std::string path;          // e.g. /webhooks/pbx
  std::string whsec;         // voip: Standard Webhooks secret
  std::string webex_secret;  // webex: HMAC-SHA1 secret
  std::string telnyx_seed;   // telnyx: 64 hex digits, the Ed25519 key seed
  std::string zoom_secret;   // zoom: the secret token
  std::string rc_token;      // ringcentral: the verification token
  std::string run_id;        // makes ids distinct between runs against one store
  std::size_t first_call = 0;
  std::size_t calls = 1000;
  std::size_t first_event = 0;      // 1 = continue calls an earlier run started
  std::size_t events_per_call = 3;  // 1 = only the start (calls stay live)
  std::size_t live = 1000;          // calls started before the oldest one ends
};

/** Serialized HTTP/1.1 keep-alive requests, in the order to send them; each call's events keep
 * their order and are `live` calls apart. */
std::vector<std::string> make_requests(const RequestSpec& spec, TimePoint now);

/** The base64 public key for a Telnyx seed, for the server's config. */
std::string telnyx_public_key(const std::string& seed_hex);

}  // namespace callgate::bench
