#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <random>
#include <support/fixtures.hpp>
#include <support/receiver.hpp>

namespace callgate::testing {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

Receiver::Receiver(ReceiverMode mode) : respond_([](const Received&) { return 200; }), mode_(mode) {
  listen();
  thread_ = std::thread([this] {
    auto work = net::make_work_guard(ioc_);
    ioc_.run();
  });
}

Receiver::~Receiver() {
  ioc_.stop();
  thread_.join();
  std::vector<std::thread> serving;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : open_) {
      boost::system::error_code ignored;
      s->shutdown(tcp::socket::shutdown_both, ignored);
    }
    serving.swap(serving_);
  }
  for (auto& t : serving) t.join();
  std::vector<std::string> bodies;
  for (const auto& r : received_) bodies.push_back(r.body);
  record_emitted_events(bodies);
}

std::string Receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

// The port is picked below the kernel's ephemeral range (32768+): while the receiver is stopped,
// a client's own ephemeral port could otherwise equal it and the client would connect to itself.
void Receiver::listen() {
  std::random_device random;
  for (int attempt = 0;; ++attempt) {
    const auto port = port_ != 0 ? port_ : static_cast<std::uint16_t>(20000 + random() % 12000);
    acceptor_.emplace(ioc_);
    const tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    boost::system::error_code ec;
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (!ec) {
      port_ = port;
      break;
    }
    if (port_ != 0 || attempt > 50) throw boost::system::system_error(ec, "receiver listen");
  }
  accept();
}

void Receiver::accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    ++connections_;
    if (mode_.keep_alive) {
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      std::lock_guard lock(mutex_);
      open_.push_back(shared);
      serving_.emplace_back([this, shared] { serve_keep_alive(shared); });
    } else {
      // One request per connection, answered on this thread: simple, and enough for most tests.
      boost::beast::flat_buffer buffer;
      answer(socket, buffer, false);
      boost::system::error_code rec;
      socket.shutdown(tcp::socket::shutdown_both, rec);
    }
    if (acceptor_ && acceptor_->is_open()) accept();
  });
}

void Receiver::serve_keep_alive(const std::shared_ptr<tcp::socket>& socket) {
  boost::beast::flat_buffer buffer;
  for (int served = 1; answer(*socket, buffer, true); ++served)
    if (mode_.close_after > 0 && served % mode_.close_after == 0) break;  // dropped, unannounced
  // Shut down (the client sees the connection end) under the lock, as the destructor shuts down
  // the ones still open; the socket is closed when the receiver drops it, after this thread.
  std::lock_guard lock(mutex_);
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
}

bool Receiver::answer(tcp::socket& socket, boost::beast::flat_buffer& buffer, bool keep_alive) {
  boost::system::error_code rec;
  bhttp::request<bhttp::string_body> req;
  bhttp::read(socket, buffer, req, rec);
  if (rec) return false;
  Received r;
  for (const auto& h : req) {
    std::string name(h.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(c));
    r.headers[name] = std::string(h.value());
  }
  r.body = req.body();
  r.target = std::string(req.target());
  int status;
  {
    std::lock_guard lock(mutex_);
    status = respond_(r);
    received_.push_back(std::move(r));
  }
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  if (status == 429 || status == 503) res.set(bhttp::field::retry_after, "0");
  // A refusal says why, as receivers do: callgate keeps the start of it for the operator.
  if (status >= 300)
    res.body() = R"({"error":"the receiver refused it with )" + std::to_string(status) + R"("})";
  res.keep_alive(keep_alive && req.keep_alive());
  res.prepare_payload();
  bhttp::write(socket, res, rec);
  return !rec && res.keep_alive();
}

void Receiver::stop() {
  std::promise<void> done;
  net::post(ioc_, [&] {
    acceptor_->close();
    done.set_value();
  });
  done.get_future().get();
}

void Receiver::start() {
  std::promise<void> done;
  net::post(ioc_, [&] {
    listen();
    done.set_value();
  });
  done.get_future().get();
}

void Receiver::respond_with(std::function<int(const Received&)> f) {
  std::lock_guard lock(mutex_);
  respond_ = std::move(f);
}

std::vector<Received> Receiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

}  // namespace callgate::testing
