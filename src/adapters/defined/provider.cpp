// A provider definition as a registered provider: its factory reads the definition's own keys
// from a source's YAML and makes a source that checks and maps requests by the definition.
#include <algorithm>
#include <callgate/adapters/defined/mapping.hpp>
#include <callgate/adapters/defined/provider.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace callgate::adapters::defined {
namespace {

class DefinedSource final : public Source {
 public:
  DefinedSource(SourceSettings s, std::shared_ptr<const Definition> d, Configured configured,
                std::chrono::seconds tolerance, bool unsigned_source)
      : Source(std::move(s)),
        def_(std::move(d)),
        configured_(std::move(configured)),
        tolerance_(tolerance),
        unsigned_(unsigned_source),
        needs_form_(def_->body == Definition::Body::form && needs_form(*def_)) {}

  result<void> verify(const Request& r) const override {
    if (unsigned_) return {};
    json doc;
    FormFields form;
    Input in{r.headers, r.body, r.query, nullptr, nullptr, &configured_.values};
    in.get = r.get;
    if (needs_form_) {
      auto fields = parse_form(r.get ? r.query : r.body);
      if (!fields) return make_error_code(errc::bad_signature);
      form = std::move(*fields);
      in.form = &form;
      doc = form_object(form);
      in.doc = &doc;
    } else if (!def_->signature.token_field.steps.empty()) {
      // A token inside the body: parsed once, with the nesting limit, and kept for parse().
      const auto& body = r.json();
      if (!body) return make_error_code(errc::missing_signature);
      in.doc = &*body;
    }
    if (def_->signature.scheme == Signature::Scheme::jwt_body) {
      // The body is the token: its verified claims are the event parse() maps.
      auto claims = check_jwt(def_->signature, configured_.secrets, tolerance_, in, r.received_at);
      if (!claims) return claims.error();
      r.parsed_json = std::move(*claims);
      return {};
    }
    return check_signature(def_->signature, configured_.secrets, tolerance_, in, r.received_at);
  }
  result<Parsed> parse(const Request& r) const override {
    return map_request(*def_, configured_, r, settings());
  }
  std::chrono::seconds timestamp_tolerance() const override { return tolerance_; }
  bool accepts_get() const override { return def_->accepts_get; }
  bool is_unsigned() const override { return unsigned_; }
  CheckDescription describe_check() const override {
    if (unsigned_) return {};
    const auto& s = def_->signature;
    CheckDescription d;
    d.scheme = scheme_name(s);
    d.signs = s.content.text;
    d.headers = s.headers;
    d.timestamp_header = s.timestamp_header;
    d.timestamp_ms = s.timestamp_ms;
    d.tolerance = tolerance_;
    for (const auto* t : {&s.content, s.content_get ? &*s.content_get : nullptr}) {
      if (t == nullptr) continue;
      for (const auto& part : t->parts)
        if (part.kind == Template::Part::Kind::url || part.kind == Template::Part::Kind::url_base)
          for (const auto& kv : configured_.values)  // once, though POST and GET both sign it
            if (kv.first == part.text &&
                std::find(d.urls.begin(), d.urls.end(), kv) == d.urls.end())
              d.urls.push_back(kv);
    }
    for (const auto& step : s.token_field.steps)
      d.body_field += (d.body_field.empty() ? "" : ".") + step.key;
    d.secrets = configured_.secrets.size();
    return d;
  }

 private:
  using json = nlohmann::json;
  /** Whether the signature reads the form's fields (sorted, or a token among them). */
  static bool needs_form(const Definition& d) {
    const auto sorted = [](const Template& t) {
      return std::any_of(t.parts.begin(), t.parts.end(),
                         [](const auto& p) { return p.kind == Template::Part::Kind::form_sorted; });
    };
    return !d.signature.token_field.steps.empty() || sorted(d.signature.content) ||
           (d.signature.content_get && sorted(*d.signature.content_get));
  }

  static std::string scheme_name(const Signature& s) {
    using S = Signature::Scheme;
    switch (s.scheme) {
      case S::hmac:
        return "hmac-" + s.algorithm;
      case S::ed25519:
        return "ed25519";
      case S::jwt_hs256:
        return "jwt-hs256";
      case S::jwt_body:
        return "jwt-hs256 (the body)";
      case S::bearer:
        return "bearer";
      case S::basic:
        return "basic";
      case S::token:
        return "token";
      case S::none:
        break;
    }
    return "none";
  }

  std::shared_ptr<const Definition> def_;
  Configured configured_;
  std::chrono::seconds tolerance_;
  bool unsigned_;    ///< allow_unsigned, and no secret to check
  bool needs_form_;  ///< decided once: the form is decoded for verify only when this says so
};

const date::time_zone* zone_of(const Definition& d, const yaml::Node& node) {
  if (!node.has("timezone")) return find_zone(d.timezone);
  const auto* zone = find_zone(node.string("timezone"));
  if (!zone)
    node.fail("timezone", "is not a time zone of the tz database (e.g. UTC, Europe/Berlin)");
  return zone;
}

std::unique_ptr<Source> create(const std::shared_ptr<const Definition>& d, const yaml::Node& node,
                               SourceSettings settings) {
  Configured c;
  for (const auto& k : d->keys) {
    if (k.type == KeyDecl::Type::secrets) {
      const auto texts = node.strings(k.name);
      if (texts.empty() && k.required) node.fail(k.name, "is required for provider " + d->name);
      if (k.name != d->signature.secret) continue;
      for (const auto& text : texts) {
        auto secret = decode_secret(d->signature, text);
        if (!secret)
          node.fail(k.name, d->signature.scheme == Signature::Scheme::ed25519
                                ? "must be the base64 of a 32-byte Ed25519 public key"
                                : "is empty or not in the secret encoding the provider expects");
        c.secrets.push_back(std::move(*secret));
      }
      continue;
    }
    std::string value = k.fallback   ? node.string_or(k.name, *k.fallback)
                        : k.required ? node.string(k.name)
                                     : node.string_or(k.name, "");
    if (k.type == KeyDecl::Type::url && !value.empty() && !value.starts_with("https://") &&
        !value.starts_with("http://"))
      node.fail(k.name, "must be an http:// or https:// URL");
    c.values.emplace_back(k.name, std::move(value));
  }
  if (!d->signature.username.empty()) {
    // HTTP Basic with the user and password as two keys: what the header carries is
    // "user:password".
    const auto user = std::find_if(c.values.begin(), c.values.end(), [&](const auto& kv) {
      return kv.first == d->signature.username;
    });
    for (auto& password : c.secrets) password = user->second + ":" + password;
  }
  // A provider that signs nothing, or a source that set no secret where the secret is optional.
  const bool unsigned_source = d->signature.scheme == Signature::Scheme::none || c.secrets.empty();
  if (unsigned_source && !settings.allow_unsigned)
    node.fail(d->signature.secret.empty() ? "provider" : d->signature.secret,
              d->signature.secret.empty()
                  ? "signs nothing: set allow_unsigned: true (and allow_from) to take it unsigned"
                  : "is not set: set it, or allow_unsigned: true to take requests unsigned");
  c.zone = zone_of(*d, node);
  std::chrono::seconds tolerance{};
  if (d->signature.tolerance_seconds > 0)
    tolerance = std::chrono::seconds{
        node.integer("tolerance_seconds", d->signature.tolerance_seconds, 1, 86400)};
  return std::make_unique<DefinedSource>(std::move(settings), d, std::move(c), tolerance,
                                         unsigned_source);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw yaml::ConfigError(p.string() + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void add(Registry& r, const std::shared_ptr<const Definition>& d, const std::string& file) {
  if (r.find(d->name))
    throw yaml::ConfigError(file + ": provider '" + d->name + "' is already defined");
  r.add(definition_factory(d));
}

}  // namespace

std::shared_ptr<const Definition> load_definition(const std::string& text,
                                                  const std::string& file) {
  return std::make_shared<const Definition>(read_definition(yaml::load_yaml_text(text, file)));
}

ProviderFactory definition_factory(const std::shared_ptr<const Definition>& d) {
  ProviderFactory f;
  f.name = d->name;
  f.create = [d](const yaml::Node& node, SourceSettings settings) {
    return create(d, node, std::move(settings));
  };
  f.parse = [d, zone = find_zone(d->timezone)](const Request& r, const SourceSettings& settings) {
    return map_request(*d, Configured{{}, {}, zone}, r, settings);
  };
  return f;
}

void register_bundled(Registry& r) {
  for (const auto& file : bundled_files()) add(r, load_definition(file.text, file.name), file.name);
}

void register_definition_paths(Registry& r, const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  for (const auto& path : paths) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml")
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else if (fs::exists(path, ec)) {
      files.emplace_back(path);
    } else {
      throw yaml::ConfigError(path + ": no such provider definition file or directory");
    }
    for (const auto& f : files) add(r, load_definition(read_file(f), f.string()), f.string());
  }
}

}  // namespace callgate::adapters::defined
