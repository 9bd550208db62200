#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>
#include <callgate/http/server.hpp>
#include <callgate/log_limit.hpp>
#include <stdexcept>
#include <utility>

#include "session.hpp"

namespace callgate::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Server::Server(net::io_context& ioc, ServerOptions options, Handler& handler,
               metrics::Metrics& metrics, std::string listener)
    : ioc_(ioc),
      options_(std::move(options)),
      handler_(handler),
      metrics_(metrics),
      sessions_(std::make_shared<SessionRegistry>(metrics, std::move(listener))),
      acceptor_(net::make_strand(ioc)),
      accept_retry_(acceptor_.get_executor()) {}

Server::~Server() = default;

void Server::start() {
  boost::system::error_code ec;
  if (!options_.tls_cert.empty()) {
    tls_.emplace(net::ssl::context::tls_server);
    tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(options_.tls_cert, ec);
    if (!ec) tls_->use_private_key_file(options_.tls_key, net::ssl::context::pem, ec);
    if (ec)
      throw std::runtime_error("tls: cannot load " + options_.tls_cert + " / " + options_.tls_key +
                               ": " + ec.message());
  }
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec) throw std::runtime_error("listen: '" + options_.host + "' is not an IP address");
  const tcp::endpoint endpoint{address, options_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  do_accept();
}

void Server::do_accept() {
  acceptor_.async_accept(
      net::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
          // Out of file descriptors (EMFILE, ENFILE) or memory: accepting again at once would
          // fail again at once, a busy loop. Wait, longer each time up to a second, while the
          // connections being served close and give their descriptors back.
          accept_backoff_ = std::clamp(accept_backoff_ * 2, std::chrono::milliseconds(10),
                                       std::chrono::milliseconds(1000));
          metrics_.inc("callgate_accept_failures_total");
          log_limited(spdlog::level::err, "accept " + ec.message(),
                      "http: accept failed: {}; trying again in {} ms", ec.message(),
                      accept_backoff_.count());
          accept_retry_.expires_after(accept_backoff_);
          accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec && !stopping_) do_accept();
          });
          return;
        }
        accept_backoff_ = std::chrono::milliseconds(0);
        if (sessions_->size() >= options_.max_connections) {
          // Over the limit: close at once rather than queue work we cannot serve.
          metrics_.inc("callgate_connections_refused_total");  // (webhooks and admin together)
          socket.close(ec);
        } else {
          socket.set_option(tcp::no_delay(true), ec);
          if (tls_)
            start_session<TlsSession>(std::move(socket), *tls_);
          else
            start_session<PlainSession>(std::move(socket));
        }
        if (!stopping_) do_accept();
      });
}

void Server::stop_accepting() {
  stopping_ = true;
  net::dispatch(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for (auto& s : sessions_->live()) s->close_if_idle();
}

std::size_t Server::open_sessions() const { return sessions_->size(); }

void SessionRegistry::add(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(s.get(), s);
  metrics_.set("callgate_connections_active", static_cast<std::int64_t>(sessions_.size()),
               {{"listener", listener_}});
}

void SessionRegistry::remove(Session* s) {
  std::lock_guard lock(mutex_);
  sessions_.erase(s);
  metrics_.set("callgate_connections_active", static_cast<std::int64_t>(sessions_.size()),
               {{"listener", listener_}});
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> SessionRegistry::live() const {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mutex_);
  for (const auto& [ptr, weak] : sessions_)
    if (auto s = weak.lock()) out.push_back(std::move(s));
  return out;
}

}  // namespace callgate::http
