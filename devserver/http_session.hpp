// http_session.hpp: one accepted TCP connection while it speaks HTTP/1.1: reads requests under size and
// time limits, hands upgrades to the gateway's $connect rules and everything else to Server::handle_http,
// and on a 101 gives its socket (plus any bytes already read) to a WsConnection.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server.hpp"

namespace devserver {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Server& server, boost::asio::ip::tcp::socket socket);
  void start();

 private:
  void read_header();
  void on_header(const boost::system::error_code& ec);
  void on_body(const boost::system::error_code& ec);
  void dispatch();
  void respond(HttpResponse res, bool close_after);
  void upgrade(UpgradeDecision decision);
  void drain();  // reads and discards until EOF or the linger deadline
  void close_socket();

  Server& server_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;
  std::shared_ptr<std::string> raw_out_;
  boost::asio::ip::tcp::endpoint remote_;
};

}  // namespace devserver
