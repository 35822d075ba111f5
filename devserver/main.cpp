// main.cpp: bos-devserver's entry point: parse the command line (exit 2 on any bad argument), bind, print
// the one ready line on stdout, run the single-threaded io_context until SIGINT/SIGTERM (exit 0).
#include <csignal>
#include <cstdio>
#include <exception>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "options.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  // The parent may close our stdout after reading the ready line; never die of SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  devserver::ParseResult parsed = devserver::parse_options(argc, argv);
  if (std::holds_alternative<devserver::HelpRequested>(parsed)) {
    std::fputs(devserver::usage_text(), stdout);
    return 0;
  }
  if (const auto* error = std::get_if<devserver::CliError>(&parsed)) {
    std::fprintf(stderr, "bos-devserver: %s\n", error->message.c_str());
    return 2;
  }
  boost::asio::io_context io{1};
  devserver::Server server(io, std::get<devserver::Options>(std::move(parsed)));
  if (const auto error = server.listen()) {
    std::fprintf(stderr, "bos-devserver: %s\n", error->message.c_str());
    return error->bad_argument ? 2 : 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                              int signo) {
    if (ec) return;
    if (stopping) {
      io.stop();  // a second signal: stop at once
      return;
    }
    stopping = true;
    server.log(signo == SIGINT ? "stopping (SIGINT)" : "stopping (SIGTERM)");
    server.stop([&io] { io.stop(); });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  server.start();
  std::printf("listening %s\n", server.endpoint_url().c_str());
  std::fflush(stdout);
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      // Last line of defence: report and keep serving.
      std::fprintf(stderr, "bos-devserver: internal error: %s\n", e.what());
    }
  }
  return 0;
}
