// hardening_test.cpp: the dev server under hostile load (issue 8): a slowloris flood plus a handshake burst
// over the rate limit, clients that never read (data and ping floods), frame headers announcing oversized
// payloads, and 10,000 connect/disconnect cycles with no connection or memory left behind. The many
// sockets come from support/swarm (epoll, one thread), so the whole file runs in a few seconds.
#include <cctype>
#include <cstdio>

#include "support/checks.hpp"
#include "support/swarm.hpp"

using namespace dstest;

namespace {

constexpr long long kMiB = 1024 * 1024;
constexpr long long kSendCapBytes = 16 * kMiB;  // the server's per-client cap on unsent data

nlohmann::json stats(std::uint16_t port) {
  const HttpResult r = http_request(port, "GET", "/__dev/stats");
  INFO("GET /__dev/stats: " << r.status << " " << r.error);
  REQUIRE(r.status == 200);
  return parse_json(r.body);
}

long long rss_bytes(std::uint16_t port) { return stats(port)["rss_bytes"].get<long long>(); }

bool connections_are(std::uint16_t port, int n) { return stats(port)["connections"] == n; }

HttpResult burst(std::uint16_t port, const std::string& user_id, int count, const std::string& prefix) {
  return http_request(port, "POST", "/__dev/burst",
                      R"({"user_id":")" + user_id + R"(","count":)" + std::to_string(count) + R"(,"text_prefix":")" +
                          prefix + "\"}",
                      {}, 20000ms);
}

// The heartbeat round trip of a client that reads, in ms.
long long heartbeat_ms(WsClient& client) {
  const auto t0 = std::chrono::steady_clock::now();
  expect_nothing_pending(client);
  return elapsed_ms(t0);
}

int close_code_of(const RawFrame& frame) {
  if (frame.payload.size() < 2) return 0;
  return static_cast<unsigned char>(frame.payload[0]) << 8 | static_cast<unsigned char>(frame.payload[1]);
}

// A masked client frame header announcing `length` payload bytes (no payload follows).
std::string frame_header(std::uint8_t first_byte, std::uint64_t length) {
  std::string out(1, static_cast<char>(first_byte));
  if (length < 126) {
    out.push_back(static_cast<char>(0x80 | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((length >> s) & 0xFF));
  }
  return out + "\x12\x34\x56\x78";
}

}  // namespace

TEST_CASE("hardening: a normal client is served through 2,000 slowloris sockets and a handshake burst over the rate limit") {
  constexpr int kSlow = 2000;
  constexpr int kBurst = 300;
  constexpr int kRatePerS = 100;
  // The resident's exchange and the whole burst below must finish while the flood is still held (before
  // this deadline cuts it off): 3 s leaves room on a loaded 2-core machine (with 1 s, a loaded run of main
  // saw 1,574 of the 2,000 cut off before the burst was over).
  constexpr long long kHandshakeMs = 3000;
  // Both processes hold ~2,300 sockets; the server inherits the limit at fork.
  REQUIRE(raise_fd_limit(8192) >= 4096);
  DSTEST_START_SERVER(server, {"--quiet", "--handshake-timeout-ms", std::to_string(kHandshakeMs), "--max-new-conn-per-s",
                               std::to_string(kRatePerS), "--reply-delay-ms", "50"});
  const long long rss_idle = rss_bytes(server.port());

  // A third send nothing, a third half a request, a third half a request and a header line every 200 ms.
  SlowFlood flood(server.port(), kSlow);
  REQUIRE(flood.report().connected == kSlow);

  // A resident connects and sends a message while the 2,000 are held open (they take no rate tokens).
  const auto t0 = std::chrono::steady_clock::now();
  auto resident = must_connect(server.port(), "u-resident");
  REQUIRE(resident->send(send_message_json("o vazamento no 502 voltou", "m-flood-1")));
  CHECK(json_string(read_type(*resident, "ack"), "client_msg_id") == "m-flood-1");
  const long long resident_ms = elapsed_ms(t0);
  CHECK(resident_ms < kHandshakeMs);  // served while the flood holds, not after it was cut off
  const long long rss_flood = rss_bytes(server.port());

  // Complete handshakes at once: the token bucket had kRatePerS - 1 left (the resident took one) and refills
  // kRatePerS per second while the burst lasts; every other handshake is a plain 429.
  const BurstReport shakes = handshake_burst(server.port(), kBurst);
  INFO("burst: 101=" << shakes.count(101) << " 429=" << shakes.count(429) << " none=" << shakes.no_response
                     << " in " << shakes.elapsed_ms << " ms");
  CHECK(shakes.no_response == 0);
  CHECK(shakes.count(101) + shakes.count(429) == kBurst);
  CHECK(shakes.count(101) >= kRatePerS - 1);
  CHECK(shakes.count(101) <= kRatePerS + kRatePerS * shakes.elapsed_ms / 1000 + 1);
  CHECK(shakes.count(429) > 0);
  // All of the above happened while the flood was held (the first cut-off is due kHandshakeMs after it began).
  CHECK(flood.report().closed_by_server == 0);

  // The resident's reply pipeline ran through it all, and the link is still quick.
  read_type(*resident, "typing");
  CHECK(json_string(read_type(*resident, "message"), "role") == "assistant");
  read_type(*resident, "typing");
  CHECK(heartbeat_ms(*resident) < 1000);  // milliseconds when served; 1 s of room for a loaded machine

  // Every slow socket is cut off at the handshake deadline, unanswered; trickling does not extend it.
  REQUIRE(flood.wait_all_closed(Millis(kHandshakeMs + 3000)));
  const FloodReport fr = flood.report();
  INFO("slow sockets lived " << fr.min_lifetime_ms << ".." << fr.max_lifetime_ms << " ms, trickled "
                             << fr.trickle_writes << " lines; RSS idle " << rss_idle << ", with the flood " << rss_flood);
  CHECK(fr.closed_by_server == kSlow);
  CHECK(fr.bytes_received == 0);
  CHECK(fr.trickle_writes >= 2 * (kSlow / 3));  // the tricklers kept sending header lines until cut off
  CHECK(fr.min_lifetime_ms >= kHandshakeMs);  // our clock starts at connect(), before the server's accept
  CHECK(fr.max_lifetime_ms <= kHandshakeMs + 3000);  // cutting 2,000 sockets takes a while on a loaded machine
  // 2,000 pending requests are cheap (measured ~6.5 MB, about 3 KB each); 64 KB each would be 125 MB.
  CHECK(rss_flood - rss_idle < 32 * kMiB);

  CHECK(eventually([&] { return connections_are(server.port(), 1); }));
  CHECK(stats(server.port())["total_connections"] == 1 + shakes.count(101));
  CHECK(heartbeat_ms(*resident) < 1000);
  CHECK(server.running());
}

TEST_CASE("hardening: a client that never reads is capped at 16 MB of unsent data and does not slow the others") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto lazy = std::make_unique<RawWs>();  // reads its welcome, then nothing more
  REQUIRE(lazy->connect(server.port(), "/dev?user_id=u-lazy"));
  const auto welcome = lazy->read_frame();
  REQUIRE(welcome);
  const std::string lazy_id = json_string(welcome->payload, "connectionId");
  std::string busy_id;
  auto busy = must_connect(server.port(), "u-busy", &busy_id);
  const long long rss_before = rss_bytes(server.port());

  // A million ~110-byte messages (about 110 MB encoded) at the client that does not read.
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResult r = burst(server.port(), "u-lazy", 1000000, "");
  const long long burst_ms = elapsed_ms(t0);
  REQUIRE(r.status == 200);
  const long long sent = parse_json(r.body)["sent"].get<long long>();
  const long long rss_full = rss_bytes(server.port());
  INFO("burst: sent " << sent << " in " << burst_ms << " ms; RSS " << rss_before << " -> " << rss_full);
  // Stopped at the cap: every frame is over 100 bytes, so at most 16 MB / 100 fit.
  CHECK(sent > 0);
  CHECK(sent <= kSendCapBytes / 100);
  CHECK(stats(server.port())["frames_dropped"] >= 1);
  // Memory stays bounded. The cap counts encoded bytes; each small frame also costs its own shared string
  // (measured about 2.1x the bytes for these ~110-byte frames, ~34 MB), so allow 3x; uncapped it is ~200 MB.
  CHECK(rss_full - rss_before < 3 * kSendCapBytes);

  // The queue stays full (nothing drains into a socket nobody reads): more is refused, counted, and the
  // @connections API says so with AWS's LimitExceededException.
  CHECK(parse_json(burst(server.port(), "u-lazy", 1000, std::string(1000, 'x')).body)["sent"] == 0);
  const HttpResult full =
      http_request(server.port(), "POST", "/dev/@connections/" + percent_encode(lazy_id), std::string(1000, 'y'));
  CHECK(full.status == 429);
  CHECK(full.header("x-amzn-errortype") == "LimitExceededException");

  // The others do not notice: a burst to another user arrives whole and in order, @connections works for
  // them, and their round trips stay quick.
  REQUIRE(burst(server.port(), "u-busy", 2000, "b-").body == R"({"sent":2000,"connections":1})");
  for (int i = 1; i <= 2000; ++i) REQUIRE(json_string(read_text(*busy), "message") == "b-" + std::to_string(i));
  CHECK(http_request(server.port(), "POST", "/dev/@connections/" + percent_encode(busy_id), "direct").status == 200);
  CHECK(read_text(*busy) == "direct");
  // A server stuck writing to the lazy client would answer late or never; 1 s is room for a loaded machine.
  for (int i = 0; i < 10; ++i) CHECK(heartbeat_ms(*busy) < 1000);

  // The lazy client vanishes (a reset, with data unread): the server frees it at once, 16 MB queue and all.
  lazy.reset();
  CHECK(eventually([&] { return connections_are(server.port(), 1); }));
  CHECK(heartbeat_ms(*busy) < 1000);
  CHECK(server.running());
}

TEST_CASE("hardening: a ping flood from a client that never reads fills its queue only up to the cap") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs flooder;
  REQUIRE(flooder.connect(server.port(), "/?user_id=u-pinger"));
  REQUIRE(flooder.read_frame());  // the welcome; nothing is read after it
  auto busy = must_connect(server.port(), "u-busy");
  const long long rss_before = rss_bytes(server.port());

  // 500,000 pings with 125-byte payloads: 63 MB of pongs owed (about 130 MB of queue if nothing capped it,
  // after the kernel's socket buffers took their ~4 MB). Then a typing event behind them (a data message
  // that gets no answer).
  std::string pings;
  for (int i = 0; i < 1000; ++i) pings += RawWs::client_frame(9, std::string(125, 'p'));
  for (int i = 0; i < 500; ++i) REQUIRE(flooder.write(pings));
  REQUIRE(flooder.write(RawWs::client_frame(1, R"({"action":"typing"})")));
  // frames_in counts data messages only: once it sees the typing event, every ping before it was handled.
  REQUIRE(eventually([&] { return stats(server.port())["frames_in"] == 1; }, 10000ms));
  const long long rss_after = rss_bytes(server.port());
  INFO("RSS " << rss_before << " -> " << rss_after);
  // Pongs beyond the cap are dropped, so the queue is full but no bigger: same 3x allowance as for data.
  CHECK(rss_after - rss_before < 3 * kSendCapBytes);
  // And the queue is full, give or take the last write batch the kernel's buffers may still absorb (a few
  // MB at most): 16 MB more do not fit.
  const HttpResult more = burst(server.port(), "u-pinger", 1000, std::string(16 * 1024, 'x'));
  REQUIRE(more.status == 200);
  CHECK(parse_json(more.body)["sent"].get<long long>() < 1000);
  CHECK(connections_are(server.port(), 2));
  CHECK(heartbeat_ms(*busy) < 1000);  // behind 63 MB of owed pongs on another connection: still answered
  CHECK(server.running());
}

TEST_CASE("hardening: a frame header announcing an oversized payload is refused from the header alone") {
  DSTEST_START_SERVER(server, {"--quiet"});
  struct Case {
    const char* name;
    std::string bytes;
    int code;
  };
  // Four 32 KB fragments make exactly 128 KB; any further byte is over the message limit.
  std::string full_message;
  for (int i = 0; i < 4; ++i) full_message += RawWs::client_frame(i == 0 ? 1 : 0, std::string(32768, 'x'), false);
  const Case c = GENERATE_COPY(values<Case>({
      {"text frame of 32,769 bytes", frame_header(0x81, 32769), 1009},
      {"text frame of 1 GiB", frame_header(0x81, 1ull << 30), 1009},
      {"text frame of 2^63 - 1 bytes", frame_header(0x81, (1ull << 63) - 1), 1009},
      {"length with the top bit set", frame_header(0x81, 1ull << 63), 1002},
      {"unfinished text frame of 1 GiB", frame_header(0x01, 1ull << 30), 1009},
      {"ping of 126 bytes", frame_header(0x89, 126), 1002},
      {"close of 64 KB", frame_header(0x88, 65535), 1002},
      {"fragment past 128 KB", full_message + frame_header(0x80, 1), 1009},
  }));
  INFO(c.name);
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/?user_id=u-big"));
  REQUIRE(raw.read_frame());
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(raw.write(c.bytes));
  // No payload follows: a server that waited for it would never answer, so the read's deadline is the
  // bound (3 s: room for a loaded machine).
  const auto close = raw.read_frame(3000ms);
  REQUIRE(close);
  CHECK(close->opcode == 8);
  CHECK(close_code_of(*close) == c.code);
  CHECK(elapsed_ms(t0) < 3000);
  CHECK(raw.wait_closed(3000ms));
  CHECK(connections_are(server.port(), 0));
}

TEST_CASE("hardening: 10,000 connect/disconnect cycles leave no connection and no memory behind") {
  constexpr int kWarmup = 2000;
  constexpr int kCycles = 10000;
  constexpr int kConcurrency = 32;
  REQUIRE(raise_fd_limit(4096) >= 1024);
  DSTEST_START_SERVER(server, {"--quiet", "--max-new-conn-per-s", "0"});
  // Half clean closes (1000 echoed, server closes TCP), half TCP resets; every cycle is a new user, so the
  // per-user registry must shrink back too. The warm-up runs the same mix at the same concurrency, so the
  // allocator's arenas and the hash tables reach their working size before the baseline is taken.
  const CycleReport warm = run_ws_cycles({.port = server.port(), .cycles = kWarmup, .concurrency = kConcurrency,
                                          .user_prefix = "warm-"});
  INFO("warm-up: " << warm.first_failure);
  REQUIRE(warm.failures == 0);
  REQUIRE(eventually([&] { return connections_are(server.port(), 0); }));
  const long long baseline = rss_bytes(server.port());

  const CycleReport run = run_ws_cycles({.port = server.port(), .cycles = kCycles, .concurrency = kConcurrency,
                                         .user_prefix = "cyc-"});
  INFO("cycles: " << run.first_failure);
  REQUIRE(run.failures == 0);
  CHECK(run.completed == kCycles);
  CHECK(run.clean_closes == kCycles / 2);
  CHECK(run.resets == kCycles / 2);
  CHECK(run.heartbeats_answered == kCycles / 4);
  REQUIRE(eventually([&] { return connections_are(server.port(), 0); }, 5000ms));
  const auto s = stats(server.port());
  CHECK(s["total_connections"] == kWarmup + kCycles);
  CHECK(s["frames_in"].get<long long>() >= (kWarmup + kCycles) / 4);  // at least the answered heartbeats

  // No leak: RSS is back within 2 MB of the baseline. 2 MB over 10,000 cycles is ~210 bytes per
  // connection, so anything left behind per connection fails (before the scheduler fix each closed
  // connection stayed ~800 bytes until its idle deadline: +8 MB here), while allocator noise (measured
  // ~0.2 MB) passes. Relative slack would be meaningless: the baseline is only ~4 MB.
  const long long after = s["rss_bytes"].get<long long>();
  std::printf("hardening: %d cycles in %lld ms; RSS baseline %lld, after %lld (%+lld bytes, %+.1f per connection)\n",
              kCycles, run.elapsed_ms, baseline, after, after - baseline,
              static_cast<double>(after - baseline) / kCycles);
  CHECK(after <= baseline + 2 * kMiB);
  CHECK(server.running());
}
