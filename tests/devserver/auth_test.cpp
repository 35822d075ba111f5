// auth_test.cpp: --auth-secret (issue 13, "Dev server: --auth-secret FILE"): SHA-256 / HMAC-SHA256 against
// the FIPS 180-2 and RFC 4231 vectors and Python's hashlib/hmac; the secret file rules (exit 2 under 32
// bytes); the handshake token table (401 without a token, 403 for every bad one, in the documented order);
// revocation by file and by POST /__dev/revoke (open sockets stay open); routing by the authorized sub;
// /config.json's "auth":"required"; nothing changes without --auth-secret.
#include <array>
#include <cstdio>
#include <cstdlib>

#include "support/tokens.hpp"

using namespace dstest;

namespace {

std::string hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

// Runs python3 on a script file with plain arguments (base64url and [A-Za-z0-9-] only) and returns stdout.
std::string run_python(const std::string& script, const std::vector<std::string>& args) {
  TempFile file(script);
  std::string command = "python3 " + file.path();
  for (const auto& a : args) command += " " + a;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  INFO("python3 exit status " << ::pclose(pipe));
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

const char* kPythonHelpers = R"(import base64, hashlib, hmac, json, sys, time
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
secret = sys.argv[2].encode()
)";

std::vector<std::string> auth_args(const TempFile& secret, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--quiet", "--auth-secret", secret.path(), "--reply-delay-ms", "60000"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("auth: SHA-256 matches the FIPS 180-2 examples") {
  CHECK(hex(devserver::sha256_digest("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(devserver::sha256_digest("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(devserver::sha256_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(devserver::sha256_digest(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("auth: HMAC-SHA256 matches the RFC 4231 test cases") {
  struct Case {
    std::string key, data, mac;
  };
  const Case c = GENERATE(values<Case>({
      {std::string(20, '\x0b'), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19",
       std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},  // truncated to 128 bits
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
       "hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  }));
  INFO(c.data);
  CHECK(hex(devserver::hmac_sha256(c.key, c.data)).substr(0, c.mac.size()) == c.mac);
}

TEST_CASE("auth: base64url round-trips and refuses padding, other alphabets and non-canonical tails") {
  for (std::size_t n = 0; n < 40; ++n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>((i * 73 + n) & 0xff));
    const std::string text = devserver::base64url_encode(bytes);
    CHECK(text.find_first_of("=+/") == std::string::npos);
    CHECK(devserver::base64url_decode(text) == bytes);
  }
  CHECK(devserver::base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(devserver::base64url_decode("YQ==").has_value());  // padding
  CHECK_FALSE(devserver::base64url_decode("+/8").has_value());   // standard alphabet
  CHECK_FALSE(devserver::base64url_decode("YR").has_value());    // "a" is "YQ": the trailing bits must be zero
  CHECK_FALSE(devserver::base64url_decode("abcde").has_value()); // a length no byte count gives
  CHECK(devserver::constant_time_equal("abc", "abc"));
  CHECK_FALSE(devserver::constant_time_equal("abc", "abd"));
  CHECK_FALSE(devserver::constant_time_equal("abc", "abcd"));
}

TEST_CASE("auth: the HMAC agrees with Python's hashlib/hmac, both ways") {
  // A token minted by Python's standard library is accepted by the server's verifier ...
  const std::string py_token = run_python(std::string(kPythonHelpers) + R"(
now = int(time.time())
h = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b64(json.dumps({"sub": "apto-77@torre-py", "bld": "torre-py", "name": "Apto 77", "iat": now, "exp": now + 600, "jti": "py-1-0123456789abcdefghij"}).encode())
print(h + "." + p + "." + b64(hmac.new(secret, (h + "." + p).encode(), hashlib.sha256).digest()))
)", {"mint", kTestSecret});
  INFO(py_token);
  const devserver::TokenCheck check = devserver::verify_hs256_token(py_token, kTestSecret, now_s());
  CHECK(check.verdict == devserver::TokenVerdict::kOk);
  CHECK(check.claims.sub == "apto-77@torre-py");
  CHECK(check.claims.jti == "py-1-0123456789abcdefghij");
  // ... and a token minted here verifies in Python.
  const std::string ours = mint(TokenSpec{});
  CHECK(run_python(std::string(kPythonHelpers) + R"(
h, p, s = sys.argv[1].split(".")
print("ok" if hmac.compare_digest(s, b64(hmac.new(secret, (h + "." + p).encode(), hashlib.sha256).digest())) else "bad")
)", {ours, kTestSecret}) == "ok");
}

TEST_CASE("auth: --auth-secret needs at least 32 bytes after one trailing newline is stripped") {
  SECTION("refused with exit 2 and one bos-devserver line") {
    const std::string contents = GENERATE(as<std::string>{}, "", "short", std::string(31, 'k'),
                                          std::string(31, 'k') + "\n", std::string(30, 'k') + "\n\n",
                                          "-----BEGIN PRIVATE KEY-----\n" + std::string(64, 'A') + "\n",
                                          "ssh-ed25519 " + std::string(68, 'A') + " me@host\n", std::string(4097, 'k'));
    TempFile secret(contents);
    const RunResult r = run_devserver({"--auth-secret", secret.path()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("bos-devserver: --auth-secret: ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
  }
  SECTION("a missing file is exit 2 too") {
    const RunResult r = run_devserver({"--auth-secret", "/definitely/not/a/secret"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("bos-devserver: ", 0) == 0);
  }
  SECTION("32 bytes plus a newline is enough, and the newline is not part of the key") {
    TempFile secret(std::string(32, 'k') + "\n");
    DSTEST_START_SERVER(server, {"--quiet", "--auth-secret", secret.path()});
    CHECK(try_token(server.port(), "apto-502@torre-a", mint(TokenSpec{}, std::string(32, 'k'))).ok);
    CHECK(try_token(server.port(), "apto-502@torre-a", mint(TokenSpec{}, std::string(32, 'k') + "\n")).status == 403);
  }
}

TEST_CASE("auth: the other new arguments are checked too (exit 2)") {
  TempFile secret(kTestSecret);
  TempFile bad_list("ok-jti\n");
  const std::vector<std::vector<std::string>> table = {
      {"--revoked-jti", "/definitely/not/a/file"},
      {"--revoked-jti", bad_list.path()},  // needs --auth-secret
      {"--auth-secret", secret.path(), "--revoked-jti", "/tmp"},
      {"--auth-secret", secret.path(), "--revoked-jti", "/definitely/not/a/file"},
      {"--allow-host", "evil example"},
      {"--allow-host", ""},
      {"--backend", "prod"},
      {"--backend", ""},
      {"--integration-timeout-ms", "29001"},
      {"--integration-timeout-ms", "49"},
      {"--max-log-records", "0"},
      {"--max-log-bytes", "x"},
      {"--fault", "silent-fail=2"},
      {"--fault", "handler-error=-0.1"},
      {"--fault", "publish-fail="},
      {"--fault", "cold-start=500-100"},
      {"--fault", "cold-start=900001"},
      {"--fault", "cold-start=a-b"},
  };
  for (const auto& args : table) {
    INFO(args[0] << " " << (args.size() > 1 ? args[1] : "") << " " << (args.size() > 3 ? args[3] : ""));
    const RunResult r = run_devserver(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("bos-devserver: ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
}

TEST_CASE("auth: the handshake token table") {
  TempFile secret(kTestSecret + "\n");
  TempFile revoked(test_jti("revoked-in-file") + "\n\n  " + test_jti("with-spaces-around") + "  \r\n");
  DSTEST_START_SERVER(server, auth_args(secret, {"--revoked-jti", revoked.path()}));
  const long long now = now_s();
  auto with = [](auto change) {
    TokenSpec spec;
    change(spec);
    return spec;
  };
  const std::string good = mint(TokenSpec{});
  const std::string dot = ".";
  const std::string h256 = devserver::base64url_encode(header_json("HS256"));
  const std::string claims = devserver::base64url_encode(claims_json(TokenSpec{}));
  const std::string signature = good.substr(good.rfind('.') + 1);
  struct Row {
    std::string name;
    std::string user_id;
    std::string token;  // as it goes in the query string
    int status;
  };
  const std::vector<Row> rows = {
      {"valid", "apto-502@torre-a", good, 101},
      {"valid, exp 10 s ago (inside the 60 s skew)", "apto-502@torre-a",
       mint(with([&](TokenSpec& s) { s.iat = now - 100; s.exp = now - 10; })), 101},
      {"no token", "apto-502@torre-a", "", 401},
      {"bad signature (another secret)", "apto-502@torre-a", mint(TokenSpec{}, kTestSecret + "x"), 403},
      {"tampered payload", "apto-503@torre-a",
       h256 + dot + devserver::base64url_encode(claims_json(with([](TokenSpec& s) { s.sub = "apto-503@torre-a"; }))) + dot + signature, 403},
      {"signature cut short", "apto-502@torre-a", good.substr(0, good.size() - 2), 403},
      {"alg none, no signature", "apto-502@torre-a",
       devserver::base64url_encode(header_json("none")) + dot + claims + dot, 403},
      {"alg none, HS256 signature kept", "apto-502@torre-a",
       devserver::base64url_encode(header_json("none")) + dot + claims + dot + signature, 403},
      {"alg HS512", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.alg = "HS512"; })), 403},
      {"alg hs256 (case matters)", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.alg = "hs256"; })), 403},
      {"alg RS256", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.alg = "RS256"; })), 403},
      {"crit header", "apto-502@torre-a",
       devserver::sign_hs256_token(R"({"alg":"HS256","crit":["exp"]})", claims_json(TokenSpec{}), kTestSecret), 403},
      {"expired", "apto-502@torre-a", mint(with([&](TokenSpec& s) { s.iat = now - 7200; s.exp = now - 3600; })), 403},
      {"iat in the future", "apto-502@torre-a", mint(with([&](TokenSpec& s) { s.iat = now + 3600; s.exp = now + 7200; })), 403},
      {"exp before iat", "apto-502@torre-a", mint(with([&](TokenSpec& s) { s.exp = s.iat - 1; })), 403},
      {"revoked in the file", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.jti = test_jti("revoked-in-file"); })), 403},
      {"revoked in the file (spaces around)", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.jti = test_jti("with-spaces-around"); })), 403},
      {"user_id other than sub", "apto-503@torre-a", good, 403},
      {"user_id of the same flat in another building", "apto-502@torre-b", good, 403},
      {"sub not <resident>@<bld>", "apto-502@torre-a", mint(with([](TokenSpec& s) { s.bld = "torre-b"; })), 403},
      {"sub without a building", "apto-502", mint(with([](TokenSpec& s) { s.sub = "apto-502"; })), 403},
      {"missing jti", "apto-502@torre-a",
       devserver::sign_hs256_token(header_json("HS256"), R"({"sub":"apto-502@torre-a","bld":"torre-a","name":"Apto 502","iat":)" +
                                                             std::to_string(now) + R"(,"exp":)" + std::to_string(now + 600) + "}",
                                   kTestSecret), 403},
      {"exp as a string", "apto-502@torre-a",
       devserver::sign_hs256_token(header_json("HS256"), R"({"sub":"apto-502@torre-a","bld":"torre-a","name":"A","iat":)" +
                                                             std::to_string(now) + R"(,"exp":")" + std::to_string(now + 600) +
                                                             R"(","jti":")" + test_jti("x") + R"("})", kTestSecret), 403},
      {"payload not JSON", "apto-502@torre-a", devserver::sign_hs256_token(header_json("HS256"), "not json", kTestSecret), 403},
      {"oversize (3,000 bytes of base64url)", "apto-502@torre-a", std::string(3000, 'A'), 403},
      {"garbage", "apto-502@torre-a", "not-a-token", 403},
      {"garbage with dots", "apto-502@torre-a", "a.b.c", 403},
      {"four parts", "apto-502@torre-a", good + ".x", 403},
      {"only dots", "apto-502@torre-a", "..", 403},
      {"percent-encoded bytes", "apto-502@torre-a", "%00%FF.%0A.%22", 403},
  };
  for (const Row& row : rows) {
    INFO(row.name << " token=" << row.token.substr(0, 120));
    WsClient client;
    const HandshakeResult r = try_token(server.port(), row.user_id, row.token, &client);
    CHECK(r.status == row.status);
    if (row.status == 101) {
      CHECK(json_string(read_text(client), "status") == "connected");
    } else {
      CHECK_FALSE(r.ok);
      CHECK(r.body == (row.status == 401 ? R"({"message":"Unauthorized"})" : R"({"message":"Forbidden"})"));
    }
  }
  // The oversize row really is over the bound, and would verify without it.
  const std::string big = mint(with([](TokenSpec& s) { s.name = std::string(1500, 'n'); }));
  CHECK(big.size() > devserver::kMaxTokenBytes);
  CHECK(devserver::verify_hs256_token(big, kTestSecret, now).verdict == devserver::TokenVerdict::kOversize);
  CHECK(try_token(server.port(), "apto-502@torre-a", big).status == 403);
}

TEST_CASE("auth: the checks sit after refuse and Origin, and before user_id") {
  TempFile secret(kTestSecret);
  SECTION("no token and no user_id: 401, not the Lambda's 400") {
    DSTEST_START_SERVER(server, auth_args(secret));
    WsClient client;
    ConnectOptions options;
    options.target = "/dev";
    CHECK(client.connect(server.port(), options).status == 401);
  }
  SECTION("a valid token and no user_id: the Lambda's 400 user_id required") {
    DSTEST_START_SERVER(server, auth_args(secret));
    WsClient client;
    ConnectOptions options;
    options.target = "/dev?token=" + mint(TokenSpec{});
    const HandshakeResult r = client.connect(server.port(), options);
    CHECK(r.status == 400);
    CHECK(r.body == "user_id required");
  }
  SECTION("a foreign Origin is refused before the token is looked at") {
    DSTEST_START_SERVER(server, auth_args(secret));
    WsClient client;
    ConnectOptions options;
    options.target = "/dev?user_id=apto-502@torre-a";
    options.origin = "https://evil.example";
    const HandshakeResult r = client.connect(server.port(), options);
    CHECK(r.status == 403);
    CHECK(r.body == R"({"message":"Forbidden"})");
  }
  SECTION("inside a refuse window the answer is 502 even without a token") {
    DSTEST_START_SERVER(server, auth_args(secret, {"--fault", "drop=50,refuse=2000"}));
    auto client = std::make_unique<WsClient>();
    REQUIRE(try_token(server.port(), "apto-502@torre-a", mint(TokenSpec{}), client.get()).ok);
    read_type(*client, "status");
    REQUIRE(client->read(3000ms).kind == Frame::Kind::kError);  // the drop opens the refuse window
    CHECK(try_token(server.port(), "apto-502@torre-a", "").status == 502);
  }
}

TEST_CASE("auth: POST /__dev/revoke refuses new handshakes with that jti, open sockets stay open") {
  TempFile secret(kTestSecret);
  DSTEST_START_SERVER(server, auth_args(secret));
  const std::string token = mint(TokenSpec{});
  WsClient open_socket;
  REQUIRE(try_token(server.port(), "apto-502@torre-a", token, &open_socket).ok);
  read_type(open_socket, "status");
  const std::string jti = TokenSpec{}.jti;
  const HttpResult r = http_request(server.port(), "POST", "/__dev/revoke", R"({"jti":")" + jti + "\"}");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"revoked":")" + jti + "\"}");
  CHECK(r.header("cache-control") == "no-store");
  CHECK(try_token(server.port(), "apto-502@torre-a", token).status == 403);
  // Another token of the same resident (new jti) still works; the revoked socket is still served.
  WsClient second;
  REQUIRE(try_token(server.port(), "apto-502@torre-a", mint([] { TokenSpec s; s.jti = test_jti("502-b"); return s; }()), &second).ok);
  read_type(second, "status");
  expect_nothing_pending(open_socket);
  CHECK(http_request(server.port(), "POST", "/notify", R"({"user_id":"apto-502@torre-a","message":"oi"})").body ==
        R"({"delivered":2})");
  read_type(open_socket, "notification");
  read_type(second, "notification");
  // Revoking again is fine (idempotent); bad bodies are 400 {"message": ...}.
  CHECK(http_request(server.port(), "POST", "/__dev/revoke", R"({"jti":")" + jti + "\"}").body == R"({"revoked":")" + jti + "\"}");
  for (const std::string& bad : {std::string(), std::string("[]"), std::string(R"({"jti":""})"), std::string(R"({"jti":5})"),
                                std::string(R"({"jti":"a b"})"), R"({"jti":")" + std::string(129, 'j') + "\"}",
                                std::string(R"({"other":"x"})")}) {
    INFO(bad);
    const HttpResult e = http_request(server.port(), "POST", "/__dev/revoke", bad);
    CHECK(e.status == 400);
    CHECK(parse_json(e.body)["message"].is_string());
  }
  CHECK(http_request(server.port(), "GET", "/__dev/revoke").status == 405);
}

TEST_CASE("auth: /__dev/revoke without --auth-secret is a 400, not a silent success") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const HttpResult r = http_request(server.port(), "POST", "/__dev/revoke", R"({"jti":"j"})");
  CHECK(r.status == 400);
  CHECK(parse_json(r.body)["message"].get<std::string>().find("--auth-secret") != std::string::npos);
}

TEST_CASE("auth: the --revoked-jti file is re-read when it changes, and an unreadable one refuses everyone") {
  TempFile secret(kTestSecret);
  const std::string old_jti = test_jti("old");
  TempFile revoked(old_jti + "\n");
  DSTEST_START_SERVER(server, auth_args(secret, {"--revoked-jti", revoked.path()}));
  const std::string token = mint(TokenSpec{});
  REQUIRE(try_token(server.port(), "apto-502@torre-a", token).ok);
  revoked.write(old_jti + "\n" + TokenSpec{}.jti + "\n");  // `echo JTI >> FILE` applies at the next handshake
  CHECK(try_token(server.port(), "apto-502@torre-a", token).status == 403);
  CHECK(try_token(server.port(), "apto-502@torre-a", mint([&] { TokenSpec s; s.jti = old_jti; return s; }())).status == 403);
  const std::string other = mint([] { TokenSpec s; s.jti = test_jti("never-revoked"); return s; }());
  CHECK(try_token(server.port(), "apto-502@torre-a", other).ok);
  // The list cannot be read: fail closed, as the authorizer does when its store cannot tell.
  REQUIRE(std::rename(revoked.path().c_str(), (revoked.path() + ".moved").c_str()) == 0);
  CHECK(try_token(server.port(), "apto-502@torre-a", other).status == 403);
  REQUIRE(std::rename((revoked.path() + ".moved").c_str(), revoked.path().c_str()) == 0);
  CHECK(try_token(server.port(), "apto-502@torre-a", other).ok);
  revoked.write("");
  CHECK(try_token(server.port(), "apto-502@torre-a", token).ok);
}

TEST_CASE("auth: replies and notifications are routed by the authorized sub") {
  TempFile secret(kTestSecret);
  DSTEST_START_SERVER(server, {"--quiet", "--auth-secret", secret.path(), "--reply-delay-ms", "0"});
  WsClient a_phone, a_laptop, b_same_flat_other_building;
  REQUIRE(try_token(server.port(), "apto-502@torre-a", mint(TokenSpec{}), &a_phone).ok);
  REQUIRE(try_token(server.port(), "apto-502@torre-a", mint([] { TokenSpec s; s.jti = test_jti("laptop"); return s; }()), &a_laptop).ok);
  REQUIRE(try_token(server.port(), "apto-502@torre-b",
                    mint([] { TokenSpec s; s.sub = "apto-502@torre-b"; s.bld = "torre-b"; s.jti = test_jti("torre-b"); return s; }()),
                    &b_same_flat_other_building).ok);
  for (WsClient* c : {&a_phone, &a_laptop, &b_same_flat_other_building}) read_type(*c, "status");
  const HttpResult n = http_request(server.port(), "POST", "/notify",
                                    R"({"user_id":"apto-502@torre-a","message":"Sua encomenda chegou","priority":"high"})");
  CHECK(n.body == R"({"delivered":2})");
  CHECK(http_request(server.port(), "POST", "/notify", R"({"user_id":"apto-502","message":"x"})").body == R"({"delivered":0})");
  for (WsClient* c : {&a_phone, &a_laptop}) CHECK(json_string(read_type(*c, "notification"), "message") == "Sua encomenda chegou");
  REQUIRE(a_phone.send(send_message_json("Chegou alguma encomenda?", "m-1")));
  read_type(a_phone, "ack");
  for (WsClient* c : {&a_phone, &a_laptop}) {
    read_type(*c, "typing");
    read_type(*c, "message");
    read_type(*c, "typing");
  }
  expect_nothing_pending(b_same_flat_other_building);
  const auto log = parse_json(http_request(server.port(), "GET", "/__dev/messages?user_id=apto-502%40torre-a").body);
  CHECK(log["messages"].size() == 1);
}

TEST_CASE("auth: /config.json says \"auth\":\"required\" only under --auth-secret") {
  SECTION("with") {
    TempFile secret(kTestSecret);
    DSTEST_START_SERVER(server, {"--quiet", "--auth-secret", secret.path()});
    const HttpResult r = http_request(server.port(), "GET", "/config.json");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"websocketEndpoint":"ws://127.0.0.1:)" + std::to_string(server.port()) + R"(","auth":"required"})");
  }
  SECTION("without: today's exact config") {
    DSTEST_START_SERVER(server, {"--quiet"});
    CHECK(http_request(server.port(), "GET", "/config.json").body ==
          R"({"websocketEndpoint":"ws://127.0.0.1:)" + std::to_string(server.port()) + "\"}");
  }
}

TEST_CASE("auth: without --auth-secret nothing changes (a token parameter is ignored)") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(try_token(server.port(), "apto-502", "garbage").ok);
  CHECK(try_token(server.port(), "apto-503@torre-a", mint(TokenSpec{})).ok);  // user_id is not checked against sub
  CHECK(try_token(server.port(), "anyone", "").ok);
}

TEST_CASE("auth: tokens never reach the log") {
  TempFile secret(kTestSecret);
  ServerProcess server({"--auth-secret", secret.path()}, true);
  REQUIRE(server.ok());
  const std::string good = mint(TokenSpec{});
  const std::string expired = mint([] { TokenSpec s; s.iat = now_s() - 7200; s.exp = now_s() - 3600; return s; }());
  REQUIRE(try_token(server.port(), "apto-502@torre-a", good).ok);
  REQUIRE(try_token(server.port(), "apto-502@torre-a", expired).status == 403);
  REQUIRE(eventually([&] { return server.stderr_text().find("auth: expired") != std::string::npos; }));
  const std::string log = server.stderr_text();
  INFO(log);
  CHECK(log.find(good.substr(good.rfind('.') + 1)) == std::string::npos);
  CHECK(log.find(expired.substr(expired.rfind('.') + 1)) == std::string::npos);
  CHECK(log.find("token=<redacted>") != std::string::npos);
  CHECK(log.find("jti=" + TokenSpec{}.jti) != std::string::npos);
  CHECK(log.find(kTestSecret) == std::string::npos);
}
