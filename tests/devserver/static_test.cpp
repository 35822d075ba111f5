// static_test.cpp: --static DIR with the deploy's production headers: a year and immutable for
// content-hashed names, 5 minutes otherwise, exact Content-Types, nosniff, HEAD, index.html, 404s, no
// traversal / dotfiles / symlink escapes, and /config.json pointing at this server.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "support/checks.hpp"

using namespace dstest;
namespace fs = std::filesystem;

namespace {

struct Site {
  fs::path base;
  fs::path root;
  Site() {
    base = fs::temp_directory_path() / ("dstest-site-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    root = base / "dist";
    fs::create_directories(root / "sub");
    write("index.html", "<!doctype html><title>BuildingOS</title>");
    write("app.012e388105.js", "console.log(1)");
    write("app.69af192b0b.wasm", std::string("\0asm\1\0\0\0", 8));
    write("style.28c1ec7888.css", "body{}");
    write("manifest.cd1e5fa935.webmanifest", "{}");
    write("icon.9bd5348c32.svg", "<svg/>");
    write("NotoSans-Regular.2941f7dded.ttf", "ttf");
    write("font.woff2", "woff2");
    write("logo.png", "png");
    write("data.json", "{\"a\":1}");
    write("notes.txt", "plain");
    write("app.0123456.js", "seven hex digits: not hashed");
    write("app.ABCDEF0123.js", "upper-case hex: not hashed");
    write(".env", "SECRET=dotfile");
    write("sub/page.html", "<p>sub</p>");
    write("sw.js", "self.addEventListener('fetch', function () {});");
    write("sub/sw.js", "/* a worker scoped to sub/ */");
    std::ofstream(base / "outside.txt") << "SECRET=outside";
    fs::create_symlink(base / "outside.txt", root / "leak.txt");
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

}  // namespace

TEST_CASE("static: content-hashed files are immutable for a year, the service worker no-cache, others cached 5 minutes, all nosniff") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  struct Case {
    const char* path;
    const char* cache;
  };
  const Case c = GENERATE(values<Case>({
      {"/app.012e388105.js", "public, max-age=31536000, immutable"},
      {"/app.69af192b0b.wasm", "public, max-age=31536000, immutable"},
      {"/NotoSans-Regular.2941f7dded.ttf", "public, max-age=31536000, immutable"},
      {"/manifest.cd1e5fa935.webmanifest", "public, max-age=31536000, immutable"},
      {"/index.html", "public, max-age=300"},
      {"/", "public, max-age=300"},
      {"/font.woff2", "public, max-age=300"},
      {"/app.0123456.js", "public, max-age=300"},
      {"/app.ABCDEF0123.js", "public, max-age=300"},
      {"/sub/page.html", "public, max-age=300"},
      {"/sw.js", "no-cache"},
      {"/sub/sw.js", "no-cache"},
  }));
  INFO(c.path);
  const HttpResult r = http_request(server.port(), "GET", c.path);
  CHECK(r.status == 200);
  CHECK(r.header("cache-control") == c.cache);
  CHECK(r.header("x-content-type-options") == "nosniff");
}

TEST_CASE("static: exact Content-Types (.wasm is application/wasm)") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  struct Case {
    const char* path;
    const char* type;
  };
  const Case c = GENERATE(values<Case>({
      {"/app.69af192b0b.wasm", "application/wasm"},
      {"/index.html", "text/html; charset=utf-8"},
      {"/app.012e388105.js", "text/javascript"},
      {"/style.28c1ec7888.css", "text/css"},
      {"/data.json", "application/json"},
      {"/manifest.cd1e5fa935.webmanifest", "application/manifest+json"},
      {"/icon.9bd5348c32.svg", "image/svg+xml"},
      {"/NotoSans-Regular.2941f7dded.ttf", "font/ttf"},
      {"/font.woff2", "font/woff2"},
      {"/logo.png", "image/png"},
  }));
  INFO(c.path);
  const HttpResult r = http_request(server.port(), "GET", c.path);
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == c.type);
}

TEST_CASE("static: / serves index.html, bytes intact, query strings ignored") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  CHECK(http_request(server.port(), "GET", "/").body == "<!doctype html><title>BuildingOS</title>");
  CHECK(http_request(server.port(), "GET", "/?v=2").body == "<!doctype html><title>BuildingOS</title>");
  const HttpResult wasm = http_request(server.port(), "GET", "/app.69af192b0b.wasm");
  CHECK(wasm.body == std::string("\0asm\1\0\0\0", 8));
}

TEST_CASE("static: HEAD has the headers and no body") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const HttpResult r = http_request(server.port(), "HEAD", "/app.012e388105.js");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.header("content-length") == "14");
  CHECK(r.header("content-type") == "text/javascript");
  CHECK(r.header("cache-control") == "public, max-age=31536000, immutable");
}

TEST_CASE("static: no traversal, no dotfiles, no symlink escapes, 404 for missing files") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const std::string target = GENERATE(as<std::string>{}, "/../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E/outside.txt",
                                      "/..%2foutside.txt", "/sub/../../outside.txt", "/sub/%2e%2e/%2e%2e/outside.txt",
                                      "/.env", "/%2eenv", "/sub/../.env", "/leak.txt", "/missing.js", "/sub/",
                                      "//etc/passwd", "/..\\outside.txt", "/%00index.html", "/%zz");
  INFO(target);
  const HttpResult r = http_request(server.port(), "GET", target);
  CHECK((r.status == 404 || r.status == 400));
  CHECK(r.body.find("SECRET") == std::string::npos);
}

TEST_CASE("static: GET /config.json points at this server and is not cached") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const HttpResult r = http_request(server.port(), "GET", "/config.json");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("cache-control") == "no-cache");
  CHECK(r.body == R"({"websocketEndpoint":"ws://127.0.0.1:)" + std::to_string(server.port()) + "\"}");
}

TEST_CASE("static: the WebSocket still upgrades at / and /{stage} with --static") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  auto a = must_connect(server.port(), "u-static");
  WsClient b;
  ConnectOptions options;
  options.target = "/?user_id=u-static";
  CHECK(b.connect(server.port(), options).ok);
}

TEST_CASE("static: methods other than GET and HEAD are 405") {
  Site site;
  DSTEST_START_SERVER(server, {"--quiet", "--static", site.root.string()});
  const HttpResult r = http_request(server.port(), "POST", "/index.html", "x");
  CHECK(r.status == 405);
}

TEST_CASE("static: /config.json is served without --static too") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const HttpResult r = http_request(server.port(), "GET", "/config.json");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"websocketEndpoint":"ws://127.0.0.1:)" + std::to_string(server.port()) + "\"}");
  CHECK(http_request(server.port(), "GET", "/index.html").status == 404);
}
