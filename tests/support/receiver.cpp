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

Receiver::Receiver() : respond_([](const Received&) { return 200; }) {
  listen();
  thread_ = std::thread([this] {
    auto work = net::make_work_guard(ioc_);
    ioc_.run();
  });
}

Receiver::~Receiver() {
  ioc_.stop();
  thread_.join();
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
    // One request per connection, answered on this thread: simple, and enough for tests.
    boost::system::error_code rec;
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(socket, buffer, req, rec);
    if (!rec) {
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
      res.keep_alive(false);
      res.prepare_payload();
      bhttp::write(socket, res, rec);
    }
    socket.shutdown(tcp::socket::shutdown_both, rec);
    if (acceptor_ && acceptor_->is_open()) accept();
  });
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
