// compression_test.cpp: --static answers in the encoding the request's Accept-Encoding prefers among the
// precompressed siblings scripts/build writes (name.br, name.gz), as CloudFront compresses: br > gzip >
// identity, q-values honoured, q=0 refuses, a missing sibling falls back, HEAD matches GET, and the
// siblings are never files of the site themselves. The siblings here hold marker bytes, not real
// compressed data: the server must send them untouched (the browser-level decode is the e2e tier's and
// scripts/bench's mobile group's).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "support/checks.hpp"

using namespace dstest;
namespace fs = std::filesystem;

namespace {

const std::string kJs = "console.log('the app, uncompressed');";
const std::string kJsBr = "BR-BYTES-OF-APP-JS";
const std::string kJsGz = "GZIP-BYTES-OF-APP-JS";

struct Site {
  fs::path base;
  fs::path root;
  Site() {
    base = fs::temp_directory_path() / ("dstest-gzsite-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    root = base / "dist";
    fs::create_directories(root);
    write("index.html", "<!doctype html><title>BuildingOS</title>");
    write("index.html.br", "BR-INDEX");
    write("index.html.gz", "GZ-INDEX");
    write("app.012e388105.js", kJs);
    write("app.012e388105.js.br", kJsBr);
    write("app.012e388105.js.gz", kJsGz);
    write("app.69af192b0b.wasm", std::string("\0asm\1\0\0\0", 8));
    write("app.69af192b0b.wasm.gz", "GZ-WASM");                 // gzip only
    write("style.28c1ec7888.css", "body{}");                    // no siblings
    write("boot.3333333333.js", "old sibling");
    write("boot.3333333333.js.br", "STALE-BR");
    // The sibling is an hour older than the file it claims to encode: the file was edited after the build.
    const auto now = fs::last_write_time(root / "boot.3333333333.js");
    fs::last_write_time(root / "boot.3333333333.js.br", now - std::chrono::hours(1));
    // Written a second before its file, as a copy that does not keep times may: still fresh.
    write("copied.4444444444.js", "copied");
    write("copied.4444444444.js.gz", "GZ-COPIED");
    fs::last_write_time(root / "copied.4444444444.js.gz", fs::last_write_time(root / "copied.4444444444.js") - std::chrono::seconds(1));
  }
  ~Site() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(root / name, std::ios::binary) << content;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

HttpResult get(std::uint16_t port, const std::string& target, const char* accept_encoding, const char* method = "GET") {
  Headers h;
  if (accept_encoding) h.emplace_back("Accept-Encoding", accept_encoding);
  return http_request(port, method, target, {}, h);
}

}  // namespace

TEST_CASE("compression: Accept-Encoding picks the sibling, with Content-Encoding, Content-Length and Vary") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  struct Case {
    const char* accept;
    const char* encoding;  // "" = identity
    const std::string* body;
  };
  const Case c = GENERATE(values<Case>({
      {"br, gzip, deflate", "br", &kJsBr},
      {"gzip, deflate, br", "br", &kJsBr},            // order does not matter, preference does
      {"gzip", "gzip", &kJsGz},
      {"x-gzip", "gzip", &kJsGz},
      {"GZip", "gzip", &kJsGz},                       // codings are case-insensitive
      {"br;q=0.5, gzip;q=0.8", "gzip", &kJsGz},       // q-values beat the preference
      {"br;q=1.0, gzip;q=1", "br", &kJsBr},           // a tie goes to br
      {"gzip;q=0.2, *;q=0.3", "br", &kJsBr},          // * stands for br here
      {"br;q=0, gzip", "gzip", &kJsGz},               // q=0 refuses br
      {"br;q=0.000, gzip;q=0.001", "gzip", &kJsGz},
      {"br;q=0, gzip;q=0", "", &kJs},
      {"br;q=0", "", &kJs},                           // gzip unlisted: not acceptable either
      {"identity", "", &kJs},
      {"deflate", "", &kJs},                          // no deflate sibling is ever written
      {"", "", &kJs},                                 // empty: no coding wanted
      {"br;q=2, gzip", "gzip", &kJsGz},               // a malformed q-value drops its element
      {"br;q=abc, gzip", "gzip", &kJsGz},
      {" br ; q=0.9 ;level=5 , gzip;q=0.8", "br", &kJsBr},  // whitespace and other parameters
      {"identity;q=1, br;q=0.9", "", &kJs},
      {"*", "br", &kJsBr},
      {"*;q=0, identity", "", &kJs},
  }));
  INFO("Accept-Encoding: " << c.accept);
  const HttpResult r = get(server.port(), "/app.012e388105.js", c.accept);
  REQUIRE(r.status == 200);
  CHECK(r.body == *c.body);
  CHECK(r.header("content-length") == std::to_string(c.body->size()));
  CHECK(r.header("content-encoding") == c.encoding);
  CHECK(r.has_header("content-encoding") == (std::string(c.encoding) != ""));
  CHECK(r.header("vary") == "Accept-Encoding");
  // The type and the cache lifetime are the file's, whatever the encoding.
  CHECK(r.header("content-type") == "text/javascript");
  CHECK(r.header("cache-control") == "public, max-age=31536000, immutable");
  CHECK(r.header("x-content-type-options") == "nosniff");
}

TEST_CASE("compression: no Accept-Encoding header means identity, still with Vary") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const HttpResult r = get(server.port(), "/app.012e388105.js", nullptr);
  REQUIRE(r.status == 200);
  CHECK(r.body == kJs);
  CHECK_FALSE(r.has_header("content-encoding"));
  CHECK(r.header("vary") == "Accept-Encoding");
}

TEST_CASE("compression: a missing sibling falls back to the next acceptable encoding, then identity") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  SECTION("only .gz exists: br is asked first, gzip is sent") {
    const HttpResult r = get(server.port(), "/app.69af192b0b.wasm", "br, gzip");
    REQUIRE(r.status == 200);
    CHECK(r.header("content-encoding") == "gzip");
    CHECK(r.body == "GZ-WASM");
    CHECK(r.header("content-type") == "application/wasm");
  }
  SECTION("only .gz exists and gzip is refused: identity") {
    const HttpResult r = get(server.port(), "/app.69af192b0b.wasm", "br, gzip;q=0");
    REQUIRE(r.status == 200);
    CHECK_FALSE(r.has_header("content-encoding"));
    CHECK(r.body == std::string("\0asm\1\0\0\0", 8));
    CHECK(r.header("vary") == "Accept-Encoding");
  }
  SECTION("no sibling at all: identity, and no Vary (the answer cannot differ)") {
    const HttpResult r = get(server.port(), "/style.28c1ec7888.css", "br, gzip");
    REQUIRE(r.status == 200);
    CHECK(r.body == "body{}");
    CHECK_FALSE(r.has_header("content-encoding"));
    CHECK_FALSE(r.has_header("vary"));
  }
  SECTION("a sibling older than its file (edited after the build) is not used") {
    const HttpResult r = get(server.port(), "/boot.3333333333.js", "br");
    REQUIRE(r.status == 200);
    CHECK(r.body == "old sibling");
    CHECK_FALSE(r.has_header("content-encoding"));
  }
  SECTION("a sibling a second older than its file (a copy that does not keep times) is used") {
    const HttpResult r = get(server.port(), "/copied.4444444444.js", "gzip");
    REQUIRE(r.status == 200);
    CHECK(r.body == "GZ-COPIED");
    CHECK(r.header("content-encoding") == "gzip");
  }
}

TEST_CASE("compression: / and /index.html are negotiated too, with the HTML's own headers") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const std::string target = GENERATE(as<std::string>{}, "/", "/index.html", "/?v=2");
  INFO(target);
  const HttpResult r = get(server.port(), target, "gzip, br");
  REQUIRE(r.status == 200);
  CHECK(r.body == "BR-INDEX");
  CHECK(r.header("content-encoding") == "br");
  CHECK(r.header("content-type") == "text/html; charset=utf-8");
  CHECK(r.header("cache-control") == "public, max-age=300");
}

TEST_CASE("compression: HEAD has the chosen representation's headers and no body") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const char* accept = GENERATE("br", "gzip", "identity");
  INFO(accept);
  const HttpResult head = get(server.port(), "/app.012e388105.js", accept, "HEAD");
  const HttpResult full = get(server.port(), "/app.012e388105.js", accept);
  REQUIRE(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-length") == std::to_string(full.body.size()));
  CHECK(head.header("content-encoding") == full.header("content-encoding"));
  CHECK(head.header("vary") == "Accept-Encoding");
}

TEST_CASE("compression: the siblings are not files of the site (the deploy never uploads them)") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const std::string target = GENERATE(as<std::string>{}, "/app.012e388105.js.br", "/app.012e388105.js.gz",
                                      "/index.html.br", "/app.69af192b0b.wasm.gz", "/app.012e388105.js%2ebr");
  INFO(target);
  const HttpResult r = get(server.port(), target, "br, gzip");
  CHECK(r.status == 404);
  CHECK(r.body.find("BYTES") == std::string::npos);
}

TEST_CASE("compression: ranges are not supported, so a Range header gets the whole representation") {
  // The dev server has never answered ranges (no Accept-Ranges); with encodings that must stay true,
  // or a range would slice the compressed bytes. A 200 with the full body is a valid answer to a Range.
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const HttpResult r = http_request(server.port(), "GET", "/app.012e388105.js", {},
                                    Headers{{"Accept-Encoding", "br"}, {"Range", "bytes=0-3"}});
  REQUIRE(r.status == 200);
  CHECK(r.body == kJsBr);
  CHECK_FALSE(r.has_header("accept-ranges"));
  CHECK_FALSE(r.has_header("content-range"));
}
