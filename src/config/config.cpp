#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <callgate/adapters/defined/provider.hpp>
#include <callgate/config/config.hpp>
#include <callgate/config/directory_file.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace callgate::config {
using yaml::ConfigError;
using yaml::load_yaml_file;
using yaml::Node;

namespace {

// Reads node[key] as host:port into host and port (the port may be 0: pick a free one).
void read_listen(const Node& node, const char* key, const char* fallback, std::string& host,
                 std::uint16_t& port_out) {
  const auto listen = node.string_or(key, fallback);
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) node.fail(key, "expected host:port");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1]:8080
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec)
    node.fail(key, "'" + host + "' is not an IPv4 or IPv6 address (e.g. 0.0.0.0, 127.0.0.1, [::])");
  const auto port_text = listen.substr(colon + 1);
  std::size_t used = 0;
  int port = -1;
  try {
    port = std::stoi(port_text, &used);
  } catch (const std::exception&) {
  }
  if (used != port_text.size() || port < 0 || port > 65535) node.fail(key, "port must be 0..65535");
  port_out = static_cast<std::uint16_t>(port);
}

void read_http(const Node& root, HttpConfig& http) {
  read_listen(root, "listen", "127.0.0.1:8080", http.host, http.port);
  if (auto tls = root.optional_map("tls")) {
    http.tls_cert = tls->string("cert");
    http.tls_key = tls->string("key");
    for (const auto* key : {"cert", "key"}) {
      const auto& path = std::string_view(key) == "cert" ? http.tls_cert : http.tls_key;
      if (::access(path.c_str(), R_OK) != 0)
        tls->fail(key, "cannot read " + path + ": " + std::strerror(errno));
    }
    tls->finish();
  }
  http.threads = static_cast<int>(root.integer("threads", 2, 1, 256));
  http.max_body_bytes =
      static_cast<std::size_t>(root.integer("max_body_bytes", 1 << 20, 1024, 64 << 20));
  if (auto h = root.optional_map("http")) {
    http.read_timeout =
        std::chrono::milliseconds(h->integer("read_timeout_ms", 10'000, 100, 600'000));
    http.idle_timeout =
        std::chrono::milliseconds(h->integer("idle_timeout_ms", 60'000, 100, 3'600'000));
    http.shutdown_timeout =
        std::chrono::milliseconds(h->integer("shutdown_timeout_ms", 10'000, 0, 600'000));
    http.max_connections =
        static_cast<std::size_t>(h->integer("max_connections", 10'000, 1, 1'000'000));
    http.max_header_count =
        static_cast<std::size_t>(h->integer("max_header_count", 100, 8, 10'000));
    h->finish();
  }
}

store::StoreConfig read_store(const Node& root) {
  store::StoreConfig s;
  if (auto n = root.optional_map("store")) {
    s.type = n->string_or("type", "sqlite");
    if (s.type != "sqlite" && s.type != "memory" && s.type != "redis" && s.type != "postgres")
      n->fail("type", "must be sqlite, memory, redis or postgres, not '" + s.type + "'");
    if (s.type == "redis") {
      s.url = n->string_or("url", s.url);
      if (!s.url.starts_with("redis://")) n->fail("url", "must start with redis://");
      s.key_prefix = n->string_or("key_prefix", s.key_prefix);
      s.pool_size = static_cast<int>(n->integer("pool_size", s.pool_size, 1, 256));
      s.connect_timeout_ms =
          static_cast<int>(n->integer("connect_timeout_ms", s.connect_timeout_ms, 1, 60'000));
      s.command_timeout_ms =
          static_cast<int>(n->integer("command_timeout_ms", s.command_timeout_ms, 1, 60'000));
      s.reconnect_interval_ms =
          static_cast<int>(n->integer("reconnect_interval_ms", s.reconnect_interval_ms, 1, 60'000));
      s.sentinels = n->strings("sentinels");
      s.master_name = n->string_or("master_name", "");
      if (!s.sentinels.empty() && s.master_name.empty())
        n->fail("master_name", "is required with sentinels (the name they know the primary by)");
      s.min_replicas_acked =
          static_cast<int>(n->integer("min_replicas_acked", s.min_replicas_acked, 0, 64));
      s.replicas_ack_timeout_ms = static_cast<int>(
          n->integer("replicas_ack_timeout_ms", s.replicas_ack_timeout_ms, 1, 60'000));
    } else if (s.type == "postgres") {
      s.url = n->string("url");
      if (!s.url.starts_with("postgres://") && !s.url.starts_with("postgresql://") &&
          s.url.find('=') == std::string::npos)
        n->fail("url", "must be a libpq URI (postgresql://...) or key=value conninfo");
      s.pool_size = static_cast<int>(n->integer("pool_size", s.pool_size, 1, 256));
      s.connect_timeout_ms = static_cast<int>(n->integer("connect_timeout_ms", 2000, 1, 60'000));
      s.command_timeout_ms = static_cast<int>(n->integer("command_timeout_ms", 5000, 1, 600'000));
      s.reconnect_interval_ms =
          static_cast<int>(n->integer("reconnect_interval_ms", s.reconnect_interval_ms, 1, 60'000));
    } else {
      s.path = n->string_or("path", s.path);
      s.busy_timeout_ms = static_cast<int>(n->integer("busy_timeout_ms", 2000, 0, 60'000));
    }
    s.call_log = n->boolean("call_log", s.call_log);
    s.max_transcript_bytes = static_cast<std::size_t>(n->integer(
        "max_transcript_bytes", static_cast<std::int64_t>(s.max_transcript_bytes), 1024, 64 << 20));
    n->finish();
  }
  if (auto r = root.optional_map("retention")) {
    auto secs = [&](const char* key, std::chrono::seconds fallback) {
      return std::chrono::seconds(r->integer(key, fallback.count(), 1, 365LL * 24 * 3600));
    };
    s.retention.ended_calls = secs("ended_calls_seconds", s.retention.ended_calls);
    s.retention.stale_calls = secs("stale_calls_seconds", s.retention.stale_calls);
    s.retention.deliveries = secs("redelivery_window_seconds", s.retention.deliveries);
    s.retention.outbox = secs("outbox_seconds", s.retention.outbox);
    r->finish();
  }
  return s;
}

Networks read_networks(const Node& node, std::string_view key) {
  std::string bad;
  auto networks = Networks::parse(node.strings(key), bad);
  if (!networks) node.fail(key, "'" + bad + "' is not an IP address or CIDR network");
  return std::move(*networks);
}

void read_sources(const Node& root, const adapters::Registry& registry, Purpose purpose,
                  Config& c) {
  const auto entries = root.map_entries("sources");
  if (entries.empty()) root.fail("sources", "at least one source is required");
  for (const auto& [name, node] : entries) {
    for (char ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
        node.fail("", "source names may hold only letters, digits, '-' and '_'");
    const auto provider = node.string("provider");
    const auto* factory = registry.find(provider);
    if (!factory)
      node.fail("provider",
                "unknown provider '" + provider + "' (known: " + registry.known() + ")");
    adapters::SourceSettings settings{name, node.boolean("include_raw", false)};
    settings.allow_from = read_networks(node, "allow_from");
    settings.allow_unsigned = node.boolean("allow_unsigned", false);
    settings.numbers = adapters::read_number_rules(node, c.default_region);
    settings.directory = c.directory;
    settings.identity = {node.string_or("connector_id", c.connector_id),
                         node.string_or("owner_id", c.owner_id)};
    if (auto limit = node.optional_map("rate_limit")) {
      settings.rate_per_second =
          static_cast<double>(limit->integer("per_second", 100, 1, 1'000'000));
      settings.rate_burst = static_cast<double>(limit->integer(
          "burst", static_cast<std::int64_t>(settings.rate_per_second), 1, 10'000'000));
      limit->finish();
    }
    try {
      auto source = factory->create(node, settings);
      if (settings.allow_unsigned && !source->is_unsigned())
        node.fail("allow_unsigned", "is set, but this source checks a signature or token");
      if (source->is_unsigned())
        c.warnings.push_back("sources." + name + " takes requests unsigned (allow_unsigned)" +
                             (settings.allow_from.empty() ? ", from any address: give it allow_from"
                                                          : ", only from its allow_from"));
      c.sources.emplace(name, std::move(source));
    } catch (const yaml::MissingVariable&) {
      // replay and events check no signature, so they need no secret.
      if (purpose == Purpose::serve) throw;
      node.skip();
      c.sources.emplace(name, adapters::parse_only_source(factory->parse, std::move(settings)));
    }
    node.finish();
  }
}

void read_sinks(const Node& root, const sinks::SinkRegistry& registry, Purpose purpose, Config& c) {
  for (const auto& node : root.map_list("sinks")) {
    sinks::SinkConfig s;
    s.type = node.string("type");
    const auto* type = registry.find(s.type);
    if (!type)
      node.fail("type", "unknown sink type '" + s.type + "' (known: " + registry.known() + ")");
    s.name = node.string_or("name", "");
    const auto start = node.string_or("start_from", "now");
    if (start != "now" && start != "oldest") node.fail("start_from", "must be now or oldest");
    s.start_from_oldest = start == "oldest";
    try {
      s.create = type->read(node, s.name, c.store);
    } catch (const yaml::MissingVariable&) {
      if (purpose != Purpose::inspect) throw;
      node.skip();  // `callgate events` reads the store; no sink of it runs
      continue;
    }
    for (const auto& other : c.sinks)
      if (other.name == s.name) node.fail("name", "two sinks share the name '" + s.name + "'");
    c.sinks.push_back(std::move(s));
    node.finish();
  }
}

AdminConfig read_admin(const Node& root) {
  AdminConfig a;
  auto n = root.optional_map("admin");
  if (!n) return a;
  a.enabled = true;
  read_listen(*n, "listen", "127.0.0.1:8081", a.host, a.port);
  a.tokens = n->strings("token");
  if (a.tokens.empty() || a.tokens.front().empty())
    n->fail("token", "is required for the admin API");
  n->finish();
  return a;
}

store::RequestLogConfig read_request_log(const Node& root) {
  store::RequestLogConfig r;
  auto n = root.optional_map("request_log");
  if (!n) return r;
  r.enabled = n->boolean("enabled", r.enabled);
  r.bodies = n->boolean("bodies", r.bodies);
  r.max_body_bytes = static_cast<std::size_t>(
      n->integer("max_body_bytes", static_cast<std::int64_t>(r.max_body_bytes), 0, 16 << 20));
  r.retention = std::chrono::seconds(
      n->integer("retention_seconds", r.retention.count(), 60, 365LL * 24 * 3600));
  r.max_requests = static_cast<std::size_t>(n->integer("max_requests", 0, 1, 100'000'000));
  n->finish();
  return r;
}

MetricsConfig read_metrics(const Node& root, const store::StoreConfig& store) {
  MetricsConfig m;
  // By default the charts' history is kept beside a SQLite store; elsewhere only when named.
  if (store.type == "sqlite") m.history_file = store.path + ".history.json";
  auto n = root.optional_map("metrics");
  if (!n) return m;
  if (n->has("listen")) {
    m.listen = true;
    read_listen(*n, "listen", "127.0.0.1:9090", m.host, m.port);
  }
  m.on_webhook_listener = n->boolean("on_webhook_listener", false);
  m.history_file = n->string_or("history_file", m.history_file);
  n->finish();
  return m;
}

Config read_config(const std::string& file, const adapters::Registry& registry,
                   const sinks::SinkRegistry& sink_types, Purpose purpose) {
  const Node root = load_yaml_file(file);
  Config c;
  c.file = file;
  read_http(root, c.http);
  c.http.trusted_proxies = read_networks(root, "trusted_proxies");
  c.connector_id = root.string_or("connector_id", "callgate");
  c.owner_id = root.string_or("owner_id", "");
  c.default_region = root.string_or("default_region", "");
  adapters::check_region(root, "default_region", c.default_region);
  if (auto path = root.string_or("directory", ""); !path.empty()) {
    if (path.front() != '/')
      path = (std::filesystem::path(file).parent_path() / path).lexically_normal().string();
    c.directory_path = path;
    c.directory = std::make_shared<core::Directory>(
        std::make_shared<const core::DirectoryTable>(read_directory_file(path)));
  }
  c.log_level = root.string_or("log_level", "info");
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error")
    root.fail("log_level", "must be debug, info, warn or error");
  c.store = read_store(root);
  // A user's own provider definitions, next to the built-in and bundled ones.
  adapters::Registry providers = registry;
  std::vector<std::string> paths;
  for (auto p : root.strings("provider_paths")) {
    if (!p.empty() && p.front() != '/')
      p = (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
    paths.push_back(std::move(p));
  }
  adapters::defined::register_definition_paths(providers, paths);
  read_sources(root, providers, purpose, c);
  for (const auto& [name, source] : c.sources)
    if (source->timestamp_tolerance() > c.store.retention.deliveries) {
      const auto retention = root.optional_map("retention");
      const auto message = "is shorter than sources." + name + ".tolerance_seconds (" +
                           std::to_string(source->timestamp_tolerance().count()) +
                           "): a replay inside the tolerance would look new";
      if (retention) retention->fail("redelivery_window_seconds", message);
      root.fail("retention", message);
    }
  read_sinks(root, sink_types, purpose, c);
  if (purpose == Purpose::serve)
    c.admin = read_admin(root);
  else if (auto admin = root.optional_map("admin"))
    admin->skip();
  c.metrics = read_metrics(root, c.store);
  c.request_log = read_request_log(root);
  if (c.request_log.max_requests == 0)
    c.request_log.max_requests = store::default_max_requests(c.store.type);
  const auto mode = root.string_or("file_mode", "0600");
  if (mode != "0600" && mode != "0640") root.fail("file_mode", "must be 0600 or 0640");
  c.file_mode = mode == "0640" ? 0640 : 0600;
  root.finish();
  if (c.sinks.empty())
    c.warnings.push_back(
        "no sinks: events are kept in the store (see `callgate events`) but delivered nowhere");
  return c;
}

}  // namespace

Config load_config(const std::string& file, const adapters::Registry& registry,
                   const sinks::SinkRegistry& sink_types, Purpose purpose) {
  try {
    return read_config(file, registry, sink_types, purpose);
  } catch (const YAML::Exception& e) {
    // yaml-cpp should never get here (the reader checks types first); if it does, it is still a
    // configuration error and must be reported as one.
    throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace callgate::config
