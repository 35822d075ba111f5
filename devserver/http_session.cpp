// http_session.cpp: see http_session.hpp.
#include "http_session.hpp"

#include <chrono>
#include <cstdint>
#include <limits>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "encoding.hpp"

namespace devserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr auto kLingerTimeout = std::chrono::milliseconds(1000);

bool is_upgrade_request(const HttpRequest& req) {
  const auto it = req.find(http::field::upgrade);
  return it != req.end() && header_has_token(it->value(), "websocket");
}

}  // namespace

HttpSession::HttpSession(Server& server, asio::ip::tcp::socket socket)
    : server_(server), stream_(std::move(socket)), buffer_(kReadBufferBytes) {
  error_code ec;
  remote_ = stream_.socket().remote_endpoint(ec);
}

void HttpSession::start() { read_header(); }

void HttpSession::read_header() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  // Content-Length is checked in on_header (to answer 413 with the right error type); chunked bodies are
  // limited once the header is in.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  // One deadline for the whole request: slow or silent clients are cut off (handshake timeout).
  stream_.expires_after(std::chrono::milliseconds(server_.options().handshake_timeout_ms));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_header(ec); });
}

void HttpSession::on_header(const error_code& ec) {
  if (ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      respond(Server::simple_response(nullptr, 431, "Request Header Fields Too Large"), true);
    } else if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
               ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
               ec == http::error::partial_message) {
      close_socket();
    } else {
      respond(Server::simple_response(nullptr, 400, "Bad Request"), true);
    }
    return;
  }
  const HttpRequest& req = parser_->get();
  if (req.target().size() > kMaxUrlBytes) {
    respond(Server::simple_response(&req, 414, "URI Too Long"), true);
    return;
  }
  if (const auto length = parser_->content_length(); length && *length > kMaxHttpBodyBytes) {
    respond(Server::simple_response(&req, 413, "Request body too large",
                                    Server::is_connections_target(req.target()) ? "PayloadTooLargeException" : ""),
            true);
    return;
  }
  if (parser_->is_done()) {
    dispatch();
    return;
  }
  parser_->body_limit(kMaxHttpBodyBytes);
  auto read_body = [self = shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     [self](const error_code& e, std::size_t) { self->on_body(e); });
  };
  const auto expect = req.find(http::field::expect);
  if (expect != req.end() && iequals(expect->value(), "100-continue")) {
    raw_out_ = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(stream_, asio::buffer(*raw_out_),
                      [self = shared_from_this(), read_body](const error_code& e, std::size_t) {
                        if (e) return self->close_socket();
                        read_body();
                      });
    return;
  }
  read_body();
}

void HttpSession::on_body(const error_code& ec) {
  if (ec) {
    if (ec == http::error::body_limit) {
      const HttpRequest& req = parser_->get();
      respond(Server::simple_response(&req, 413, "Request body too large",
                                      Server::is_connections_target(req.target()) ? "PayloadTooLargeException" : ""),
              true);
    } else if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == asio::error::eof ||
               ec == http::error::partial_message || ec == asio::error::connection_reset) {
      close_socket();
    } else {
      respond(Server::simple_response(nullptr, 400, "Bad Request"), true);
    }
    return;
  }
  dispatch();
}

void HttpSession::dispatch() {
  const HttpRequest& req = parser_->get();
  if (is_upgrade_request(req)) {
    UpgradeDecision decision = server_.decide_upgrade(req, remote_);
    if (decision.accept) {
      upgrade(std::move(decision));
    } else {
      // Rejected handshakes are plain HTTP responses; the socket never opens (AWS, serverless-offline #711).
      respond(std::move(decision.rejection), true);
    }
    return;
  }
  HttpResponse res = server_.handle_http(req);
  const bool close_after = !res.keep_alive();
  respond(std::move(res), close_after);
}

void HttpSession::respond(HttpResponse res, bool close_after) {
  if (close_after) res.keep_alive(false);
  response_ = std::make_shared<HttpResponse>(std::move(res));
  stream_.expires_after(std::chrono::milliseconds(server_.options().handshake_timeout_ms));
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), close_after](const error_code& ec, std::size_t) {
                      self->response_.reset();
                      if (ec) return self->close_socket();
                      if (close_after) {
                        // Half-close and drain, so an unread request body cannot turn our answer into a reset.
                        error_code ignored;
                        self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                        self->stream_.expires_after(kLingerTimeout);
                        self->buffer_.consume(self->buffer_.size());
                        self->drain();
                        return;
                      }
                      self->read_header();
                    });
}

void HttpSession::drain() {
  stream_.async_read_some(asio::buffer(server_.scratch(), server_.scratch_size()),
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                            if (ec) return self->close_socket();
                            self->drain();
                          });
}

void HttpSession::upgrade(UpgradeDecision decision) {
  raw_out_ = std::make_shared<std::string>(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
      decision.accept_key + "\r\n\r\n");
  asio::async_write(stream_, asio::buffer(*raw_out_),
                    [self = shared_from_this(), setup = std::move(decision.setup)](const error_code& ec,
                                                                                    std::size_t) mutable {
                      if (ec) return self->close_socket();
                      self->stream_.expires_never();
                      // Frames the client sent right behind its handshake are already in our buffer.
                      std::string leftover = beast::buffers_to_string(self->buffer_.data());
                      self->buffer_.consume(self->buffer_.size());
                      self->server_.open_connection(self->stream_.release_socket(), std::move(setup),
                                                    std::move(leftover));
                    });
}

void HttpSession::close_socket() {
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace devserver
