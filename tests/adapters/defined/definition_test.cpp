// The definition format itself: what the loader refuses, and the signature parts and mapping
// rules that no bundled definition uses.
#include <gtest/gtest.h>
#include <sodium.h>

#include <callgate/adapters/defined/fields.hpp>
#include <callgate/adapters/defined/provider.hpp>
#include <callgate/verify/common.hpp>
#include <callgate/verify/hmac.hpp>

namespace callgate {
namespace {

using boost::beast::http::fields;
using core::Direction;
using core::Phase;

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

errc code(const result<void>& r) { return r ? errc::ok : static_cast<errc>(r.error().value()); }

std::string error_of(const std::string& text) {
  try {
    adapters::defined::load_definition(text, "acme.yaml");
  } catch (const yaml::ConfigError& e) {
    return e.what();
  }
  return "(loaded)";
}

std::unique_ptr<adapters::Source> source(const std::string& definition, const std::string& keys) {
  auto factory = adapters::defined::definition_factory(
      adapters::defined::load_definition(definition, "acme.yaml"));
  const auto node = yaml::load_yaml_text(keys, "config.yaml");
  auto s = factory.create(node, {"acme", false});
  node.finish();
  return s;
}

const std::string kMinimal = R"(name: acme
keys: {secret: secrets}
signature: {scheme: bearer, secret: secret}
mapping:
  event_type: type
  call_key: call.id
  events: {start: ringing}
)";

TEST(DefinitionLoader, NamesFileLineAndKeyOfEveryMistake) {
  EXPECT_EQ(error_of(kMinimal), "(loaded)");
  auto with = [](const std::string& from, const std::string& to) {
    auto text = kMinimal;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  EXPECT_EQ(error_of(with("event_type: type", "event_type: type\n  colour: red")),
            "acme.yaml:6: key 'mapping.colour': unknown key");
  EXPECT_EQ(error_of(with("scheme: bearer", "scheme: rot13")),
            "acme.yaml:3: key 'signature.scheme': must be one of hmac, ed25519, jwt_hs256, "
            "jwt_body, bearer, basic, token, none");
  EXPECT_EQ(error_of(with("secret: secret}", "secret: nope}")),
            "acme.yaml:3: key 'signature.secret': must name a key of type secrets declared under "
            "keys");
  EXPECT_EQ(error_of(with("{start: ringing}", "{start: sleeping}")),
            "acme.yaml:7: key 'mapping.events.start': must be one of ringing, answered, ended, "
            "missed, voicemail, update, transcript, ignored");
  EXPECT_EQ(error_of(with("call_key: call.id", "call_key: call..id")),
            "acme.yaml:6: key 'mapping.call_key': empty name in field path 'call..id'");
  EXPECT_EQ(error_of(with("call_key: call.id", "call_key: \"{call.id\"")),
            "acme.yaml:6: key 'mapping.call_key': a '{' without its '}' in '{call.id'");
  EXPECT_EQ(error_of(with("scheme: bearer", "scheme: hmac, header: X-Sig")),
            "acme.yaml:3: key 'signature.content': is required: what is signed, e.g. \"{body}\"");
  EXPECT_EQ(error_of(with("{start: ringing}", "{start: {like: stop}}")),
            "acme.yaml:7: key 'mapping.events.start.like': names no event listed above it: stop");
  EXPECT_EQ(error_of(with("name: acme", "name: Acme Phone")),
            "acme.yaml:1: key 'name': may hold only lowercase letters, digits, '_' and '-'");
}

TEST(DefinitionLoader, AUserDefinitionMakesSourcesThatCheckTheirKeys) {
  auto factory = adapters::defined::definition_factory(
      adapters::defined::load_definition(kMinimal, "acme.yaml"));
  const auto missing = yaml::load_yaml_text("other: 1\n", "config.yaml");
  EXPECT_THROW(factory.create(missing, {"acme", false}), yaml::ConfigError);
  auto s = source(kMinimal, "secret: [old, new]\n");
  fields h;
  h.set("Authorization", "Bearer new");
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::ok);
  h.set("Authorization", "Bearer newer");
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::bad_signature);
  auto r = s->parse({h, R"({"type":"start","call":{"id":7}})", kNow});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->observations.at(0).call_key, "7");
  // An event type the definition does not list is recognised and changes nothing.
  r = s->parse({h, R"({"type":"dtmf","call":{"id":7}})", kNow});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->observations.empty());
  // A listed event without its call key is not an event.
  r = s->parse({h, R"({"type":"start"})", kNow});
  EXPECT_EQ(r.error(), make_error_code(errc::not_an_event));
}

TEST(DefinitionSignature, HmacSha512Base64WithPrefixSeparatorAndTimestampInMs) {
  const std::string def = R"(name: acme
keys: {key: secrets}
signature:
  scheme: hmac
  algorithm: sha512
  encoding: base64
  secret: key
  secret_encoding: base64
  header: X-Sig
  prefix: "sha512="
  separator: ","
  content: "{header:X-Time}.{body}"
  timestamp: {header: X-Time, unit: milliseconds}
  tolerance_seconds: 60
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  auto s = source(def, "key: c2VjcmV0LWtleQ\n");  // "secret-key", base64 without its padding
  const std::string body = R"({"t":"x","id":"1"})";
  const auto ts = std::to_string(to_unix_ms(kNow));
  const auto mac = verify::hmac(verify::HmacAlgorithm::sha512, "secret-key", {ts, ".", body});
  fields h;
  h.set("X-Time", ts);
  h.set("X-Sig", "sha512=bm90LWl0," + std::string("sha512=") + verify::base64_encode(mac));
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::ok);
  EXPECT_EQ(code(s->verify({h, body, kNow + std::chrono::seconds(61)})), errc::stale_timestamp);
  h.set("X-Sig", verify::base64_encode(mac));  // without its prefix
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::bad_signature);
}

TEST(DefinitionSignature, Ed25519OverAssembledContent) {
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0'), sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                      reinterpret_cast<unsigned char*>(sk.data()));
  const std::string def = R"(name: acme
keys: {public_key: secrets}
signature: {scheme: ed25519, encoding: hex, secret: public_key, header: X-Sig, content: "{header:X-Id}|{body}"}
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  auto s = source(def, "public_key: " + verify::base64_encode(pk) + "\n");
  const std::string body = R"({"t":"x","id":"1"})";
  const std::string message = "abc|" + body;
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(sk.data()));
  fields h;
  h.set("X-Id", "abc");
  h.set("X-Sig", verify::hex_encode(sig));
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::ok);
  h.set("X-Id", "abd");
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::bad_signature);
  h.erase("X-Id");
  EXPECT_EQ(code(s->verify({h, body, kNow})), errc::missing_signature);
}

TEST(DefinitionSignature, BasicAuthAndATokenInsideTheBody) {
  const std::string basic = R"(name: acme
keys: {credentials: secrets}
signature: {scheme: basic, secret: credentials}
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  auto s = source(basic, "credentials: 'pbx:s3cret'\n");
  fields h;
  h.set("Authorization", "Basic " + verify::base64_encode("pbx:s3cret"));
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::ok);
  h.set("Authorization", "Basic " + verify::base64_encode("pbx:guess"));
  EXPECT_EQ(code(s->verify({h, "{}", kNow})), errc::bad_signature);

  const std::string in_body = R"(name: acme
keys: {token: secrets}
body: form
signature: {scheme: token, secret: token, token_field: auth.token}
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  const std::string json_token = R"(name: acme
keys: {token: secrets}
signature: {scheme: token, secret: token, token_field: auth.token}
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  auto j = source(json_token, "token: tok\n");
  EXPECT_EQ(code(j->verify({fields{}, R"({"auth":{"token":"tok"}})", kNow})), errc::ok);
  EXPECT_EQ(code(j->verify({fields{}, R"({"auth":{"token":"tik"}})", kNow})), errc::bad_signature);
  EXPECT_EQ(code(j->verify({fields{}, R"({"auth":{}})", kNow})), errc::missing_signature);
  (void)in_body;
}

TEST(DefinitionHandshake, EchoesAHeaderOnlyForAVerifiedRequest) {
  const std::string def = R"(name: acme
keys: {secret: secrets}
signature: {scheme: bearer, secret: secret}
handshake: {header: Validation-Token, echo_header: Validation-Token}
mapping: {event_type: t, call_key: id, events: {x: update}}
)";
  auto s = source(def, "secret: tok\n");
  fields h;
  h.set("Validation-Token", "abc-123");
  EXPECT_EQ(code(s->verify({h, "", kNow})), errc::missing_signature);
  h.set("Authorization", "Bearer tok");
  ASSERT_EQ(code(s->verify({h, "{}", kNow})), errc::ok);
  auto r = s->parse({h, "{}", kNow});
  ASSERT_TRUE(r && r->answer);
  ASSERT_EQ(r->answer->headers.size(), 1u);
  EXPECT_EQ(r->answer->headers[0].second, "abc-123");
  EXPECT_TRUE(r->answer->body.empty());
}

TEST(DefinitionMapping, AlternativesValueMapsConditionsAndArrayPaths) {
  const std::string def = R"(name: acme
keys: {secret: secrets}
signature: {scheme: bearer, secret: secret}
mapping:
  event_type: [ev, {field: kind, prefix: "k."}]
  call_key: legs[1].id
  event_id: {header: X-Event-Id}
  event_time: {field: at, format: epoch_seconds}
  direction: {field: dir, map: {in: inbound, out: outbound}}
  from: caller
  to: callee
  users: agent
  users_model: person
  events:
    hangup:
      means: ended
      voicemail_if: {field: result, equals: VOICEMAIL}
    k.answer: {means: answered, answered_if: {field: picked}}
)";
  auto s = source(def, "secret: t\n");
  fields h;
  h.set("X-Event-Id", "e-1");
  auto r =
      s->parse({h,
                R"({"ev":"hangup","legs":[{"id":"a"},{"id":"b"}],"at":1700000000,)"
                R"("dir":"out","caller":"+1","callee":"+2","agent":"u7","result":"voicemail"})",
                kNow});
  ASSERT_TRUE(r);
  auto o = r->observations.at(0);
  EXPECT_EQ(o.call_key, "b");
  EXPECT_EQ(o.dedup_key, "acme:e-1");
  EXPECT_EQ(o.direction, Direction::outbound);
  EXPECT_EQ(o.external_number, "+2");
  EXPECT_EQ(o.internal_number, "+1");
  EXPECT_EQ(o.users.at(0).model, "person");
  EXPECT_TRUE(o.voicemail);
  EXPECT_EQ(to_unix_ms(*o.ended_at), 1'700'000'000'000);

  r = s->parse({fields{}, R"({"kind":"answer","legs":[{},{"id":"b"}],"dir":"sideways"})", kNow});
  ASSERT_TRUE(r);
  o = r->observations.at(0);
  EXPECT_EQ(r->event_type, "acme.k.answer");
  EXPECT_EQ(o.phase, Phase::answered);
  EXPECT_EQ(o.direction, Direction::unknown);
  EXPECT_NE(std::find(o.warnings.begin(), o.warnings.end(), "acme: unknown direction 'sideways'"),
            o.warnings.end());
}

TEST(DefinitionForm, DecodesExactlyTheBodyItIsGiven) {
  // The body is a view into a larger buffer: nothing past its end may be read (fuzz_definitions
  // found Boost.URL measuring its input with strlen).
  const std::string buffer = "To=%2B1415&Caller=a+b&To=x&Tail=1MORE";
  auto form = adapters::defined::parse_form(std::string_view(buffer).substr(0, 33));
  ASSERT_TRUE(form);
  const adapters::defined::FormFields expected = {
      {"To", "+1415"}, {"Caller", "a b"}, {"To", "x"}, {"Tail", "1"}};
  EXPECT_EQ(*form, expected);
  EXPECT_EQ(adapters::defined::form_object(*form)["To"], "x");  // the last of a repeated name
  // Percent-encoded bytes that are not UTF-8 would make every later JSON write throw.
  EXPECT_FALSE(adapters::defined::parse_form("From=%FF%FE&To=1"));
  EXPECT_TRUE(adapters::defined::parse_form("From=%C3%A9"));  // é
}

}  // namespace
}  // namespace callgate
