// Numbers as platforms send them, read into E.164 by libphonenumber's own metadata.
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <callgate/core/numbers.hpp>

namespace callgate::core {
namespace {

using Kind = NumberReading::Kind;

struct Case {
  const char* where;  // who sends it so
  const char* raw;
  const char* region;
  const char* expected;
  Kind kind;
};

// The expected outputs are written by hand from each number's country plan; libphonenumber's
// metadata (8.12) is what the test holds them against.
const Case kCases[] = {
    // Every bundled provider's documented payloads.
    {"webex remote party (the seed)", "+19059227700", "US", "+19059227700", Kind::e164},
    {"webex own line (the seed)", "+12895133479", "", "+12895133479", Kind::e164},
    {"webex extension", "2001", "US", "2001", Kind::not_phone},
    {"telnyx call.initiated from", "+35319605860", "US", "+35319605860", Kind::e164},
    {"telnyx call.initiated to", "+13129457420", "DE", "+13129457420", Kind::e164},
    {"telnyx SIP user", "sip:alice@sip.telnyx.com", "US", "sip:alice@sip.telnyx.com",
     Kind::not_phone},
    {"vonage from, no +", "447700900000", "US", "+447700900000", Kind::e164},
    {"vonage to, no +", "447700900001", "US", "+447700900001", Kind::e164},
    {"vonage to, no +, without a region", "447700900001", "", "+447700900001", Kind::e164},
    // Without its + the number is German too (04477 is an area code): why a source whose
    // platform drops the + leaves default_region unset, or its definition says e164_plus.
    {"vonage to, no +, read in DE", "447700900001", "DE", "+49447700900001", Kind::e164},
    {"vonage to, no +, read in GB: a drama number, valid in no reading", "447700900001", "GB",
     "447700900001", Kind::unreadable},
    {"a real UK mobile without + read in GB", "447911123456", "GB", "+447911123456", Kind::e164},
    {"zoom caller_number", "+12058945728", "US", "+12058945728", Kind::e164},
    {"zoom extension_number", "1001", "US", "1001", Kind::not_phone},
    {"aircall raw_digits UK", "+44 330 818 6690", "FR", "+443308186690", Kind::e164},
    {"aircall raw_digits AT", "+43 720 880079", "US", "+43720880079", Kind::e164},
    {"aircall raw_digits FR", "+33 1 76 36 06 95", "FR", "+33176360695", Kind::e164},
    {"plivo From, no +", "14155550100", "US", "+14155550100", Kind::e164},
    {"plivo From, no +, read in DE", "14155550100", "DE", "+14155550100", Kind::e164},
    {"plivo SIP endpoint", "sip:alice123@phone.plivo.com", "US", "sip:alice123@phone.plivo.com",
     Kind::not_phone},
    {"ringcentral phoneNumber", "+16505550100", "US", "+16505550100", Kind::e164},
    {"ringcentral extensionNumber", "101", "US", "101", Kind::not_phone},
    {"dialpad external_number", "+14155551234", "US", "+14155551234", Kind::e164},
    {"bandwidth from", "+19195551234", "US", "+19195551234", Kind::e164},
    {"twilio From", "+14158675310", "US", "+14158675310", Kind::e164},
    {"twilio client", "client:alice", "US", "client:alice", Kind::not_phone},
    {"twilio SIP domain", "sip:+14158675310@example.sip.twilio.com", "US", "+14158675310",
     Kind::e164},
    {"twilio anonymous", "Anonymous", "US", "Anonymous", Kind::not_phone},
    // National forms in five regions.
    {"US, parentheses", "(905) 922-7700", "US", "+19059227700", Kind::e164},
    {"US, dots", "905.922.7700", "US", "+19059227700", Kind::e164},
    {"US, trunk 1", "1-905-922-7700", "US", "+19059227700", Kind::e164},
    {"US, international prefix 011", "011 44 20 7946 0958", "US", "+442079460958", Kind::e164},
    {"DE, trunk 0", "0301234567", "DE", "+49301234567", Kind::e164},
    {"DE, spaced", "030 1234567", "DE", "+49301234567", Kind::e164},
    {"DE, international prefix 00", "0049 30 1234567", "DE", "+49301234567", Kind::e164},
    {"DE, (0) after the country code", "+49 (0)30 1234567", "US", "+49301234567", Kind::e164},
    {"GB, London", "020 7946 0958", "GB", "+442079460958", Kind::e164},
    {"GB, mobile", "07911 123456", "GB", "+447911123456", Kind::e164},
    {"GB, Ofcom's range for drama, in no plan", "07700 900123", "GB", "07700 900123",
     Kind::unreadable},
    {"DE national read in the US (no US number starts with 0)", "030 1234567", "US", "030 1234567",
     Kind::unreadable},
    {"FR, Paris", "01 76 36 06 95", "FR", "+33176360695", Kind::e164},
    {"FR, mobile", "06 12 34 56 78", "FR", "+33612345678", Kind::e164},
    {"AU, Sydney", "(02) 9876 5432", "AU", "+61298765432", Kind::e164},
    {"AU, mobile", "0412 345 678", "AU", "+61412345678", Kind::e164},
    // SIP and tel URIs.
    {"SIP with a number", "sip:+15551234567@host", "US", "+15551234567", Kind::e164},
    {"tel with dashes", "tel:+1-555-123-4567", "DE", "+15551234567", Kind::e164},
    {"sips with parameters", "sips:+442079460958@sip.example.com;transport=tls", "US",
     "+442079460958", Kind::e164},
    {"tel with a context", "tel:+49-30-1234567;phone-context=example.com", "US", "+49301234567",
     Kind::e164},
    {"SIP national, in the region", "sip:0301234567@pbx.example.de", "DE", "+49301234567",
     Kind::e164},
    {"SIP user", "sip:alice@pbx.example.com", "US", "sip:alice@pbx.example.com", Kind::not_phone},
    {"SIP extension", "sip:100@pbx.example.com", "US", "sip:100@pbx.example.com", Kind::not_phone},
    // What is not a phone number.
    {"extension", "100", "US", "100", Kind::not_phone},
    {"anonymous", "anonymous", "US", "anonymous", Kind::not_phone},
    {"unknown", "UNKNOWN", "DE", "UNKNOWN", Kind::not_phone},
    {"empty", "", "US", "", Kind::not_phone},
    {"an address", "alice@example.com", "US", "alice@example.com", Kind::not_phone},
    {"too long", "12345678901234567", "US", "12345678901234567", Kind::unreadable},
    {"too long with +", "+1 905 922 7700 1234 5", "US", "+1 905 922 7700 1234 5", Kind::unreadable},
    {"letters", "555-CALL-NOW", "US", "555-CALL-NOW", Kind::unreadable},
    {"local only, no area code", "922-7700", "US", "922-7700", Kind::unreadable},
    {"national without a region", "(905) 922-7700", "", "(905) 922-7700", Kind::unreadable},
    {"+ without a region", "+1 905 922 7700", "", "+19059227700", Kind::e164},
    {"no + without a region", "14155550100", "", "+14155550100", Kind::e164},
    {"surrounding spaces", "  +19059227700 ", "US", "+19059227700", Kind::e164},
    // Already E.164: read without libphonenumber's parser, judged by its metadata all the same.
    {"IT, the leading zero is part of the number", "+390612345678", "US", "+390612345678",
     Kind::e164},
    {"no such country code", "+99912345678", "US", "+99912345678", Kind::unreadable},
    {"a country code and too few digits", "+4930", "DE", "+4930", Kind::unreadable},
    {"a country code and too many digits", "+1905922770012", "US", "+1905922770012",
     Kind::unreadable},
    {"valid in Germany's plan, but longer than E.164's 15 digits (found by the fuzzer)",
     "030160)3246105 37", "DE", "030160)3246105 37", Kind::unreadable},
};

TEST(Numbers, PlatformFormsBecomeE164AndTheRestStaysAsItCame) {
  ASSERT_GE(std::size(kCases), 40U);
  for (const auto& c : kCases) {
    const auto r = read_number(c.raw, c.region);
    EXPECT_EQ(r.text, c.expected) << c.where << ": \"" << c.raw << "\" in " << c.region;
    EXPECT_EQ(r.kind, c.kind) << c.where << ": \"" << c.raw << "\" in " << c.region;
  }
}

TEST(Numbers, AlreadyE164IsJudgedAsLibphonenumbersOwnParserJudgesIt) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const auto& util = *PhoneNumberUtil::GetInstance();
  int checked = 0;
  for (const char* code : {"1", "7", "20", "33", "39", "44", "49", "61", "81", "86", "91", "352",
                           "380", "599", "966", "998", "999"})
    for (const char* lead : {"0", "06", "1", "5", "7", "9"})
      for (std::size_t length = 4; length <= 14; ++length) {
        std::string text = std::string("+") + code + lead;
        while (text.size() < length + 1 + std::string_view(code).size()) text += "4";
        PhoneNumber n;
        bool possible = util.Parse(text, "ZZ", &n) == PhoneNumberUtil::NO_PARSING_ERROR &&
                        util.IsPossibleNumberWithReason(n) == PhoneNumberUtil::IS_POSSIBLE;
        std::string e164;
        util.Format(n, PhoneNumberUtil::E164, &e164);
        possible =
            possible && e164.size() <= 16;  // E.164: at most 15 digits, whatever a plan allows
        const auto r = read_number(text, "US");
        EXPECT_EQ(r.kind, possible ? Kind::e164 : Kind::unreadable) << text;
        EXPECT_EQ(r.text, possible ? e164 : text) << text;
        ++checked;
      }
  EXPECT_GT(checked, 1000);
}

TEST(Numbers, TheRegionDecidesANationalNumber) {
  EXPECT_EQ(read_number("0301234567", "DE").text, "+49301234567");
  EXPECT_EQ(read_number("0301234567", "FR").kind, Kind::e164);
  EXPECT_NE(read_number("0301234567", "FR").text, "+49301234567");
  // Asked again: the same answer, from the per-thread memory.
  EXPECT_EQ(read_number("0301234567", "DE").text, "+49301234567");
}

TEST(Numbers, AnObservationGetsE164AndAWarningPerUnreadableField) {
  Observation obs;
  obs.call_key = "k";
  obs.match_key = "(905) 922-7700";
  obs.external_number = "(905) 922-7700";
  obs.internal_number = "555-CALL-NOW";
  normalize_numbers(obs, {"US", true});
  EXPECT_EQ(obs.external_number, "+19059227700");
  EXPECT_EQ(obs.internal_number, "555-CALL-NOW");
  ASSERT_EQ(obs.warnings.size(), 1U);
  EXPECT_EQ(obs.warnings[0],
            "internalNumber \"555-CALL-NOW\" is not a phone number (default_region US): sent as "
            "received");
  EXPECT_EQ(obs.match_key, "(905) 922-7700") << "a call's identity is left alone";
  EXPECT_EQ(obs.call_key, "k");
}

TEST(Numbers, OffLeavesEveryNumberAsItCame) {
  Observation obs;
  obs.external_number = "+44 330 818 6690";
  obs.internal_number = "12345678901234567";
  normalize_numbers(obs, {"GB", false});
  EXPECT_EQ(obs.external_number, "+44 330 818 6690");
  EXPECT_EQ(obs.internal_number, "12345678901234567");
  EXPECT_TRUE(obs.warnings.empty());
}

TEST(Numbers, KnowsRegionCodes) {
  EXPECT_TRUE(known_region("US"));
  EXPECT_TRUE(known_region("DE"));
  EXPECT_FALSE(known_region("XX"));
  EXPECT_FALSE(known_region("us"));
  EXPECT_FALSE(known_region("USA"));
  EXPECT_FALSE(known_region(""));
}

}  // namespace
}  // namespace callgate::core
