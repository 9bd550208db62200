#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <callgate/http/handler.hpp>
#include <callgate/http/server_options.hpp>
#include <callgate/metrics/metrics.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace callgate::http {

class Session;

/**
 * The open connections. Shared by the server and every session, so a session destroyed after the
 * server (its io_context outlives it at shutdown) can still sign itself out.
 */
class SessionRegistry {
 public:
  SessionRegistry(metrics::Metrics& metrics, std::string listener)
      : metrics_(metrics), listener_(std::move(listener)) {}
  void add(const std::shared_ptr<Session>& s);
  void remove(Session* s);
  std::size_t size() const;
  std::vector<std::shared_ptr<Session>> live() const;

 private:
  metrics::Metrics& metrics_;
  std::string listener_;  ///< metrics label: webhooks or admin
  mutable std::mutex mutex_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

/**
 * The listener: accepts connections on the configured address and runs one Session per
 * connection on an io_context shared by `threads` threads (Beast's advanced server shape).
 */
class Server {
 public:
  /** `listener` labels this server's connection metrics (webhooks, admin). */
  Server(boost::asio::io_context& ioc, ServerOptions options, Handler& handler,
         metrics::Metrics& metrics, std::string listener = "webhooks");
  ~Server();

  /** Binds and starts accepting; throws std::runtime_error if the address cannot be bound. */
  void start();
  /** Stops accepting and closes idle connections; in-flight requests still get answers. */
  void stop_accepting();
  /** Connections still open. */
  std::size_t open_sessions() const;
  std::uint16_t port() const { return port_; }

  // For sessions.
  const ServerOptions& options() const { return options_; }
  Handler& handler() { return handler_; }
  bool stopping() const { return stopping_.load(); }

 private:
  void do_accept();
  template <class SessionType, class... StreamArgs>
  void start_session(StreamArgs&&... stream_args) {
    auto session =
        std::make_shared<SessionType>(*this, sessions_, std::forward<StreamArgs>(stream_args)...);
    sessions_->add(session);
    session->run();
  }

  boost::asio::io_context& ioc_;
  ServerOptions options_;
  Handler& handler_;
  metrics::Metrics& metrics_;
  std::shared_ptr<SessionRegistry> sessions_;
  std::optional<boost::asio::ssl::context> tls_;  ///< set when the listener serves HTTPS
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;       ///< waits after a failed accept
  std::chrono::milliseconds accept_backoff_{0};  ///< how long; 0 while accepts succeed
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace callgate::http
