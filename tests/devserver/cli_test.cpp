// cli_test.cpp: the command-line contract: --help, exit 2 on every bad argument, exactly one ready line,
// clean stop on SIGTERM/SIGINT, SO_REUSEADDR restarts, and the log lines (--quiet silences them).
#include <cerrno>
#include <csignal>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../skip.hpp"
#include "support/checks.hpp"

using namespace dstest;

namespace {

// Whether this machine has an IPv6 loopback at all (a container may have none): "" when [::1]:0 binds,
// else why not.
std::string ipv6_loopback_missing() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket(AF_INET6): ") + std::strerror(errno);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  const int err = errno;
  ::close(fd);
  return bound ? std::string() : std::string("bind([::1]:0): ") + std::strerror(err);
}

}  // namespace

TEST_CASE("cli: --help prints the usage on stdout and exits 0") {
  const RunResult r = run_devserver({"--help"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("usage: scripts/devserver") != std::string::npos);
  CHECK(r.out.find("--fault SPEC") != std::string::npos);
  CHECK(r.out.find("listening ws://HOST:PORT") != std::string::npos);
}

TEST_CASE("cli: every bad argument exits 2 with a clear message on stderr") {
  const std::vector<std::string> args = GENERATE(values<std::vector<std::string>>({
      {"--port", "abc"},
      {"--port", "70000"},
      {"--port", "-1"},
      {"--port"},
      {"--port="},
      {"--frobnicate"},
      {"stray-positional"},
      {"--fault", "bogus=1"},
      {"--fault", "drop=500-100"},
      {"--fault", "drop"},
      {"--fault", ""},
      {"--fault", "ack-drop=1.5"},
      {"--fault", "ack-drop=nan"},
      {"--fault", "refuse=-5"},
      {"--fault", "swallow=10,"},
      {"--static", "/definitely/not/a/dir"},
      {"--allow-origin", "not an origin"},
      {"--allow-origin", "http://example.com/path"},
      {"--idle-timeout-s", "0"},
      {"--max-duration-s", "1e3"},
      {"--reply-delay-ms", "99999999999999999999"},
      {"--max-new-conn-per-s", "-5"},
      {"--seed", "x"},
      {"--host", "not-an-ip"},
      {"--quiet=yes"},
      {"--handshake-timeout-ms", "0"},
  }));
  INFO("args: " << (args.empty() ? "" : args[0]) << " " << (args.size() > 1 ? args[1] : ""));
  const RunResult r = run_devserver(args);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("bos-devserver: ", 0) == 0);
  CHECK(r.err.size() > 20);
}

TEST_CASE("cli: prints exactly one ready line with the port it picked") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(server.ready_line() == "listening ws://127.0.0.1:" + std::to_string(server.port()));
  // The port really is the server: a handshake there works.
  auto client = must_connect(server.port(), "cli-user");
}

TEST_CASE("cli: SIGTERM stops it cleanly with exit 0, closing sockets with 1001") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-term");
  ::kill(server.pid(), SIGTERM);
  const Frame f = client->read(3000ms);  // read while the server still runs its short grace period
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1001);
  REQUIRE(server.stop(SIGTERM) == 0);
}

TEST_CASE("cli: SIGINT stops it cleanly with exit 0") {
  DSTEST_START_SERVER(server, {"--quiet"});
  REQUIRE(server.stop(SIGINT) == 0);
}

TEST_CASE("cli: a restart on the same port works at once (SO_REUSEADDR)") {
  std::uint16_t port = 0;
  {
    DSTEST_START_SERVER(first, {"--quiet"});
    port = first.port();
    // A connection the server closes first leaves TIME_WAIT behind on its side of the port.
    auto client = must_connect(port, "u-restart");
    REQUIRE(http_request(port, "POST", "/__dev/close", R"({"user_id":"u-restart","code":1000})").status == 200);
    REQUIRE(client->read().kind == Frame::Kind::kClosed);
    REQUIRE(first.stop(SIGTERM) == 0);
  }
  ServerProcess second({"--quiet"}, false, port);
  REQUIRE(second.ok());
  CHECK(second.port() == port);
}

TEST_CASE("cli: one log line per connect, route and disconnect, with the connection id") {
  DSTEST_START_SERVER(server, {}, true);
  std::string id;
  {
    auto client = must_connect(server.port(), "u-log", &id);
    expect_nothing_pending(*client);
    REQUIRE(client->close(1000));
  }
  REQUIRE(eventually([&] { return server.stderr_text().find("disconnect " + id) != std::string::npos; }));
  const std::string log = server.stderr_text();
  CHECK(log.find("connect " + id + " user=u-log") != std::string::npos);
  CHECK(log.find("route " + id + " heartbeat requestId=") != std::string::npos);
  CHECK(log.find("disconnect " + id + " code=1000") != std::string::npos);
}

TEST_CASE("cli: --quiet silences the log") {
  DSTEST_START_SERVER(server, {"--quiet"}, true);
  {
    auto client = must_connect(server.port(), "u-quiet");
    expect_nothing_pending(*client);
    REQUIRE(client->close(1000));
  }
  REQUIRE(server.stop(SIGTERM) == 0);
  CHECK(server.stderr_text().empty());
}

TEST_CASE("cli: a port already in use is reported on stderr with exit 1") {
  DSTEST_START_SERVER(first, {"--quiet"});
  const RunResult r = run_devserver({"--quiet", "--port", std::to_string(first.port())});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
}

TEST_CASE("cli: an IPv6 host is printed in brackets") {
  // Skipped (and reported as skipped) only when the machine itself cannot bind [::1]; a server that fails
  // to start on a machine that can is a failure.
  if (const std::string missing = ipv6_loopback_missing(); !missing.empty()) {
    BOS_SKIP("no IPv6 loopback on this machine (" + missing + ")");
  }
  ServerProcess server({"--quiet", "--host", "::1"});
  REQUIRE(server.ok());
  CHECK(server.ready_line() == "listening ws://[::1]:" + std::to_string(server.port()));
}
