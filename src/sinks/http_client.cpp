#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <callgate/verify/common.hpp>
#include <callgate/version.hpp>
#include <functional>
#include <memory>

namespace callgate::sinks {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/** Open connections to the client's one destination, waiting for their next request. Touched
 * only by the thread that runs the client's io_context (the sink's). */
struct ConnectionPool {
  static constexpr std::size_t kMaxIdle = 64;
  std::vector<std::unique_ptr<PlainStream>> plain;
  std::vector<std::unique_ptr<TlsStream>> tls;

  template <class Stream>
  std::vector<std::unique_ptr<Stream>>& idle() {
    if constexpr (std::is_same_v<Stream, TlsStream>)
      return tls;
    else
      return plain;
  }
};

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
  // Delay-seconds only; an HTTP-date falls back to the computed backoff.
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::chrono::seconds(std::stoll(std::string(v)));
}

/** The start of a body, every byte outside printable ASCII shown as '?', for logs and the
 * console (a receiver's page may be binary or in any encoding). */
std::string snippet(std::string_view body) {
  std::string out(body.substr(0, kResponseSnippet));
  for (auto& c : out)
    if (c < 0x20 || c > 0x7e) c = (c == '\n' || c == '\t') ? ' ' : '?';
  if (body.size() > kResponseSnippet) out += "...";
  return out;
}

using Outcomes = std::shared_ptr<std::vector<HttpOutcome>>;

/**
 * One POST: on a kept-alive connection from the pool, or else resolve, connect, (TLS handshake);
 * then write and read. A timer started first bounds it all, name lookup included. A reused
 * connection that turns out closed by the receiver (it may drop idle ones at any time) is
 * replaced by a fresh one, once. The outcome is shared, so an exchange abandoned by post_all (a
 * lookup that hangs) can still finish later without writing into freed memory.
 */
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  using MakeStream = std::function<std::unique_ptr<Stream>()>;

  Exchange(const HttpTarget& target, std::chrono::milliseconds timeout, const HttpPost& post,
           Outcomes outcomes, std::size_t index, net::io_context& ioc,
           std::shared_ptr<ConnectionPool> pool, MakeStream make_stream)
      : target_(target),
        timeout_(timeout),
        outcomes_(std::move(outcomes)),
        index_(index),
        resolver_(ioc),
        deadline_(ioc),
        pool_(std::move(pool)),
        make_stream_(std::move(make_stream)) {
    req_ = {bhttp::verb::post, target.target, 11};
    for (const auto& h : post.headers) req_.set(h.name_string(), h.value());
    req_.set(bhttp::field::host, target.host);
    req_.set(bhttp::field::user_agent, std::string("callgate/") + kVersion);
    req_.set(bhttp::field::content_type, "application/json");
    req_.keep_alive(true);
    req_.body() = post.body;
    req_.prepare_payload();
  }

  void run() {
    started_ = std::chrono::steady_clock::now();
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the exchange finished in time
      self->resolver_.cancel();
      beast::error_code ignored;
      if (self->stream_) self->tcp().socket().close(ignored);
      self->fail(beast::error::timeout, "deadline");
    });
    auto& idle = pool_->template idle<Stream>();
    if (!idle.empty()) {
      stream_ = std::move(idle.back());
      idle.pop_back();
      reused_ = true;
      return send();
    }
    connect_fresh();
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(*stream_); }

  void connect_fresh() {
    reused_ = false;
    stream_ = make_stream_();
    resolver_.async_resolve(
        target_.host, target_.port,
        beast::bind_front_handler(&Exchange::on_resolve, this->shared_from_this()));
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolve");
    tcp().expires_after(timeout_);
    tcp().async_connect(results,
                        beast::bind_front_handler(&Exchange::on_connect, this->shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail(ec, "connect");
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // SSL_set_tlsext_host_name, without the macro's C cast.
      if (!SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                    TLSEXT_NAMETYPE_host_name, const_cast<char*>(target_.host.c_str())))
        return fail(
            beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()),
            "sni");
      stream_->async_handshake(
          net::ssl::stream_base::client,
          beast::bind_front_handler(&Exchange::on_handshake, this->shared_from_this()));
    } else {
      on_handshake({});
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "tls handshake");
    send();
  }

  void send() {
    tcp().expires_after(timeout_);
    bhttp::async_write(*stream_, req_,
                       beast::bind_front_handler(&Exchange::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return retry_or_fail(ec, "write");
    bhttp::async_read(*stream_, buffer_, res_,
                      beast::bind_front_handler(&Exchange::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return retry_or_fail(ec, "read");
    deadline_.cancel();
    auto& out = (*outcomes_)[index_];
    if (out.status != 0 || !out.error.empty()) return;  // the deadline spoke first
    out.status = res_.result_int();
    out.latency = elapsed();
    if (out.status < 200 || out.status >= 300) out.body = snippet(res_.body());
    if (auto it = res_.find(bhttp::field::retry_after); it != res_.end())
      out.retry_after = parse_retry_after({it->value().data(), it->value().size()});
    auto& idle = pool_->template idle<Stream>();
    if (res_.keep_alive() && idle.size() < ConnectionPool::kMaxIdle) {
      tcp().expires_never();
      idle.push_back(std::move(stream_));  // for the next delivery: no connect, no handshake
      return;
    }
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  // A kept-alive connection the receiver closed in the meantime fails at once on write or read,
  // before anything was received: the request is sent again on a fresh connection. (A receiver
  // that did get it sees the same idempotency key twice, which deliveries allow.)
  void retry_or_fail(beast::error_code ec, const char* what) {
    const bool closed = ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                        ec == net::error::connection_reset || ec == net::error::broken_pipe;
    if (reused_ && closed && !retried_) {
      retried_ = true;
      buffer_.clear();
      res_ = {};
      return connect_fresh();
    }
    fail(ec, what);
  }

  void fail(beast::error_code ec, const char* what) {
    deadline_.cancel();
    auto& out = (*outcomes_)[index_];
    if (out.status != 0 || !out.error.empty()) return;  // the first word stands
    out.latency = elapsed();
    out.error = std::string(what) + ": " +
                (ec == beast::error::timeout ? std::string("timed out") : ec.message());
  }

  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started_);
  }

  HttpTarget target_;  // a copy: an abandoned exchange may outlive the client's call
  std::chrono::steady_clock::time_point started_{};
  std::chrono::milliseconds timeout_;
  Outcomes outcomes_;
  std::size_t index_;
  tcp::resolver resolver_;
  net::steady_timer deadline_;
  std::shared_ptr<ConnectionPool> pool_;
  MakeStream make_stream_;
  std::unique_ptr<Stream> stream_;
  bool reused_ = false;
  bool retried_ = false;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
};

}  // namespace

std::optional<HttpTarget> HttpTarget::parse(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::nullopt;
  HttpTarget t;
  const auto scheme = u->scheme();
  if (scheme == "https")
    t.tls = true;
  else if (scheme != "http")
    return std::nullopt;
  t.host = u->encoded_host();
  if (t.host.empty()) return std::nullopt;
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.target += "?" + std::string(u->encoded_query());
  if (u->has_userinfo())
    t.authorization = "Basic " + verify::base64_encode(u->user() + ":" + u->password());
  return t;
}

HttpClient::HttpClient(HttpTarget target, std::chrono::milliseconds timeout)
    : target_(std::move(target)), timeout_(timeout), pool_(std::make_shared<ConnectionPool>()) {
  if (target_.tls) {
    tls_.emplace(net::ssl::context::tls_client);
    tls_->set_default_verify_paths();
    tls_->set_verify_mode(net::ssl::verify_peer);
    tls_->set_verify_callback(net::ssl::host_name_verification(target_.host));
  }
}

std::vector<HttpOutcome> HttpClient::post_all(const std::vector<HttpPost>& posts) {
  auto outcomes = std::make_shared<std::vector<HttpOutcome>>(posts.size());
  if (interrupted_) {
    for (auto& o : *outcomes) o.error = "interrupted: shutting down";
    return *outcomes;
  }
  for (std::size_t i = 0; i < posts.size(); ++i) {
    if (tls_) {
      std::make_shared<Exchange<TlsStream>>(
          target_, timeout_, posts[i], outcomes, i, ioc_, pool_,
          [this] { return std::make_unique<TlsStream>(ioc_, *tls_); })
          ->run();
    } else {
      std::make_shared<Exchange<PlainStream>>(
          target_, timeout_, posts[i], outcomes, i, ioc_, pool_,
          [this] { return std::make_unique<PlainStream>(ioc_); })
          ->run();
    }
  }
  ioc_.restart();
  if (!interrupted_) {
    // A name lookup runs on a resolver thread that cannot be cancelled: the exchanges' own
    // timers fail them in time, and this wait does not outlast them either.
    ioc_.run_for(timeout_ + std::chrono::milliseconds(100));
  }
  auto out = *outcomes;
  for (auto& o : out)
    if (o.status == 0 && o.error.empty())
      o.error = interrupted_ ? "interrupted: shutting down" : "timed out";
  return out;
}

void HttpClient::interrupt() {
  interrupted_ = true;
  ioc_.stop();
}

}  // namespace callgate::sinks
