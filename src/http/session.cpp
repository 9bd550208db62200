#include "session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

namespace callgate::http {
namespace {

namespace beast = boost::beast;

/** Request line plus headers; larger headers are refused with 431. */
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kFirstRead = 4096;

bool expected_end(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::bad_descriptor;
}

}  // namespace

template <class Stream>
void HttpSession<Stream>::run() {
  auto self = this->shared_from_this();
  connection_.executor = stream_.get_executor();
  boost::system::error_code ec;
  connection_.peer = tcp().socket().remote_endpoint(ec).address();
  boost::asio::dispatch(stream_.get_executor(), [self] {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      self->wait_for_request();
    } else {
      self->tcp().expires_after(self->server_.options().read_timeout);
      self->stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    beast::bind_front_handler(&HttpSession::on_handshake, self));
    }
  });
}

template <class Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec) {
  if (ec) {
    spdlog::debug("http: TLS handshake failed: {}", ec.message());
    return close();
  }
  wait_for_request();
}

template <class Stream>
void HttpSession<Stream>::close_if_idle() {
  boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->idle_) self->tcp().cancel();
  });
}

// Between requests the connection may sit idle for idle_timeout; once the first byte of a request
// arrives, the whole request must arrive within read_timeout (no slow drip of headers). A new
// connection must send its first byte within read_timeout too: a silent socket would otherwise
// hold a connection slot for idle_timeout.
template <class Stream>
void HttpSession<Stream>::wait_for_request() {
  if (server_.stopping()) return close();
  if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
  idle_ = true;
  tcp().expires_after(served_ ? server_.options().idle_timeout : server_.options().read_timeout);
  stream_.async_read_some(
      buffer_.prepare(kFirstRead),
      beast::bind_front_handler(&HttpSession::on_first_bytes, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_first_bytes(beast::error_code ec, std::size_t n) {
  idle_ = false;
  buffer_.commit(n);
  if (ec) {
    if (!expected_end(ec)) spdlog::debug("http: read failed: {}", ec.message());
    return close();
  }
  read_request();
}

template <class Stream>
void HttpSession<Stream>::read_request() {
  parser_.emplace();
  parser_->body_limit(server_.options().max_body_bytes);
  parser_->header_limit(kMaxHeaderBytes);
  tcp().expires_after(server_.options().read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == bhttp::error::body_limit) {
    // The rest of the body is never read, so the connection cannot be reused.
    keep_alive_ = false;
    const auto& header = parser_->get();
    return send(server_.handler().reject(
        errc::body_too_large, {header.target().data(), header.target().size()}, header.version()));
  }
  if (ec) {
    if (expected_end(ec)) return close();
    if (ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return send(server_.handler().reject(errc::headers_too_large, "", 11));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      keep_alive_ = false;
      return send(server_.handler().reject(errc::bad_request, "", 11));
    }
    spdlog::debug("http: read failed: {}", ec.message());
    return close();
  }
  auto req = parser_->release();
  keep_alive_ = req.keep_alive();
  if (static_cast<std::size_t>(std::distance(req.begin(), req.end())) >
      server_.options().max_header_count) {
    keep_alive_ = false;
    return send(server_.handler().reject(
        errc::headers_too_large, {req.target().data(), req.target().size()}, req.version()));
  }
  tcp().expires_never();  // the handler may wait on a commit; the write sets its own timer
  server_.handler().handle(
      std::move(req), connection_, [self = this->shared_from_this()](Response res) {
        // Usually already on this connection's strand (see ConnectionState::executor).
        boost::asio::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
          self->send(std::move(res));
        });
      });
}

template <class Stream>
void HttpSession<Stream>::send(Response res) {
  res.keep_alive(keep_alive_ && !server_.stopping());
  keep_alive_ = res.keep_alive();
  response_ = std::make_shared<Response>(std::move(res));
  tcp().expires_after(server_.options().read_timeout);
  bhttp::async_write(stream_, *response_,
                     beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_write(beast::error_code ec, std::size_t) {
  response_.reset();
  served_ = true;
  if (ec) {
    if (!expected_end(ec)) spdlog::debug("http: write failed: {}", ec.message());
    return close();
  }
  if (!keep_alive_) return close();
  wait_for_request();
}

template <class Stream>
void HttpSession<Stream>::close() {
  beast::error_code ignored;
  tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  tcp().close();
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace callgate::http
