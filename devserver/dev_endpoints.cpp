// dev_endpoints.cpp: [dev] POST /notify (the responder's SNS path), the /__dev/* endpoints other tests and
// benchmarks use (shapes documented in devserver/README.md; keep them stable), static files, config.json.
#include <cstdio>
#include <unistd.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include "pyjson.hpp"
#include "server.hpp"
#include "static_files.hpp"

namespace devserver {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t kMaxJsonDepth = 64;

HttpResponse json_response(const HttpRequest& req, const nlohmann::ordered_json& body,
                           http::status status = http::status::ok) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

HttpResponse method_not_allowed(const HttpRequest& req, const char* allow) {
  HttpResponse res = Server::simple_response(&req, 405, "Method Not Allowed");
  res.set(http::field::allow, allow);
  return res;
}

// The request body as a JSON object, or nullopt (bad JSON, too deep, not an object).
std::optional<nlohmann::json> json_object_body(const HttpRequest& req) {
  if (json_nesting_depth(req.body()) > kMaxJsonDepth) return std::nullopt;
  nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

const std::string* string_field(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

std::optional<std::int64_t> int_field(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return std::nullopt;
}

std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size_pages = 0, resident_pages = 0;
  const int n = std::fscanf(f, "%llu %llu", &size_pages, &resident_pages);
  std::fclose(f);
  if (n != 2) return 0;
  return resident_pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

HttpResponse Server::handle_notify(const HttpRequest& req) {
  if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
  const auto body = json_object_body(req);
  if (!body) return simple_response(&req, 400, "body must be a JSON object");
  const std::string* user_id = string_field(*body, "user_id");
  const std::string* message = string_field(*body, "message");
  if (!user_id || user_id->empty()) return simple_response(&req, 400, "user_id must be a non-empty string");
  if (!message || message->empty()) return simple_response(&req, 400, "message must be a non-empty string");
  std::string priority = "normal";
  if (body->contains("priority")) {
    const std::string* p = string_field(*body, "priority");
    if (!p || (*p != "high" && *p != "normal")) return simple_response(&req, 400, "priority must be \"high\" or \"normal\"");
    priority = *p;
  }
  const std::size_t delivered = broadcast(*user_id, py_dumps(ordered_json{{"type", "notification"},
                                                                          {"message", *message},
                                                                          {"priority", priority},
                                                                          {"timestamp", epoch_s_now()}}));
  log("notify user=" + sanitize_for_log(*user_id) + " priority=" + priority + " delivered=" + std::to_string(delivered));
  return json_response(req, {{"delivered", delivered}});
}

HttpResponse Server::handle_dev(const HttpRequest& req, std::string_view path, std::string_view query) {
  if (path == "/__dev/stats") {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    return json_response(req, {{"connections", conns_.size()},
                               {"total_connections", stats_.total_connections},
                               {"frames_in", stats_.frames_in},
                               {"frames_out", stats_.frames_out},
                               {"rss_bytes", rss_bytes()},
                               {"frames_dropped", stats_.frames_dropped},
                               {"log_records", message_log_.total_records()},
                               {"log_bytes", message_log_.total_bytes()}});
  }
  if (path == "/__dev/messages") {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    const auto user_id = query_param(query, "user_id");
    if (!user_id || user_id->empty()) return simple_response(&req, 400, "user_id query parameter is required");
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    std::uint64_t duplicates = 0;
    if (const MessageLog::UserLog* user = message_log_.find(*user_id)) {
      duplicates = user->duplicates;
      for (const MessageRecord& r : user->records) {
        messages.push_back({{"client_msg_id", r.client_msg_id ? nlohmann::ordered_json(*r.client_msg_id)
                                                              : nlohmann::ordered_json(nullptr)},
                            {"message", r.message},
                            {"connection_id", r.connection_id},
                            {"received_at_ms", r.received_at_ms}});
      }
    }
    return json_response(req, {{"user_id", *user_id}, {"messages", std::move(messages)}, {"duplicates", duplicates}});
  }
  if (path == "/__dev/burst") {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    const auto body = json_object_body(req);
    if (!body) return simple_response(&req, 400, "body must be a JSON object");
    const std::string* user_id = string_field(*body, "user_id");
    const auto count = int_field(*body, "count");
    if (!user_id || user_id->empty()) return simple_response(&req, 400, "user_id must be a non-empty string");
    if (!count || *count < 0 || *count > static_cast<std::int64_t>(kMaxBurstCount)) {
      return simple_response(&req, 400, "count must be an integer from 0 to " + std::to_string(kMaxBurstCount));
    }
    std::string prefix = "burst ";
    if (body->contains("text_prefix")) {
      const std::string* p = string_field(*body, "text_prefix");
      if (!p) return simple_response(&req, 400, "text_prefix must be a string");
      prefix = *p;
    }
    // Optional: message i ends with text_suffixes[(i - 1) % n] (the bench mixes emoji into some messages).
    std::vector<std::string> suffixes;
    if (body->contains("text_suffixes")) {
      const auto& a = *body->find("text_suffixes");
      if (!a.is_array() || a.size() > kMaxBurstSuffixes) {
        return simple_response(&req, 400, "text_suffixes must be an array of at most " +
                                              std::to_string(kMaxBurstSuffixes) + " strings");
      }
      for (const auto& v : a) {
        if (!v.is_string()) return simple_response(&req, 400, "text_suffixes must hold strings only");
        suffixes.push_back(v.get<std::string>());
      }
    }
    std::size_t sent = 0, reached = 0;
    const auto user = users_.find(*user_id);
    const std::vector<std::string> ids = user == users_.end() ? std::vector<std::string>{} : user->second.connection_ids;
    for (const auto& id : ids) {
      const auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      const auto conn = it->second;
      ++reached;
      const std::int64_t ts = epoch_s_now();
      for (std::int64_t i = 1; i <= *count; ++i) {
        const std::string json = py_dumps(ordered_json{{"type", "message"},
                                                       {"role", "assistant"},
                                                       {"message", prefix + std::to_string(i) +
                                                                     (suffixes.empty() ? std::string()
                                                                                       : suffixes[static_cast<std::size_t>(i - 1) % suffixes.size()])},
                                                       {"timestamp", ts},
                                                       {"session_id", conn->setup().session_id}});
        const SendResult result =
            conn->send_data(std::make_shared<const std::string>(ws::encode_message(ws::Opcode::kText, json)));
        if (result != SendResult::kSent) break;  // buffer full or gone: the rest would be dropped too
        ++sent;
      }
    }
    log("burst user=" + sanitize_for_log(*user_id) + " count=" + std::to_string(*count) +
        " connections=" + std::to_string(reached) + " sent=" + std::to_string(sent));
    return json_response(req, {{"sent", sent}, {"connections", reached}});
  }
  if (path == "/__dev/revoke") {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    if (options_.auth_secret.empty()) return simple_response(&req, 400, "no --auth-secret: there are no tokens to revoke");
    const auto body = json_object_body(req);
    if (!body) return simple_response(&req, 400, "body must be a JSON object");
    const std::string* jti = string_field(*body, "jti");
    if (!jti || !is_valid_jti(*jti)) {
      return simple_response(&req, 400, "jti must be 1-" + std::to_string(kMaxJtiBytes) +
                                            " printable characters without spaces");
    }
    if (revoked_.add(*jti) == RevokedJtis::AddResult::kFull) {
      return simple_response(&req, 400, "the revoked list is full (" + std::to_string(kMaxRevokedJtis) + " jtis)");
    }
    // Open sockets stay open, as in API Gateway: the authorizer only runs on $connect.
    log("revoke jti=" + sanitize_for_log(*jti));
    return json_response(req, {{"revoked", *jti}});
  }
  if (path == "/__dev/close") {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    const auto body = json_object_body(req);
    if (!body) return simple_response(&req, 400, "body must be a JSON object");
    const std::string* user_id = string_field(*body, "user_id");
    const auto code = int_field(*body, "code");
    if (!user_id || user_id->empty()) return simple_response(&req, 400, "user_id must be a non-empty string");
    if (!code || (*code != 0 && !ws::is_sendable_close_code(static_cast<std::uint32_t>(std::clamp<std::int64_t>(*code, 0, 65535))))) {
      return simple_response(&req, 400, "code must be 0 (abnormal drop) or a valid close code (1000-1003, 1007-1014, 3000-4999)");
    }
    std::string reason = *code == ws::close_code::kGoingAway ? "Going away" : "";
    if (body->contains("reason")) {
      const std::string* r = string_field(*body, "reason");
      if (!r || r->size() > 123) return simple_response(&req, 400, "reason must be a string of at most 123 bytes");
      reason = *r;
    }
    std::size_t closed = 0;
    const auto user = users_.find(*user_id);
    const std::vector<std::string> ids = user == users_.end() ? std::vector<std::string>{} : user->second.connection_ids;
    for (const auto& id : ids) {
      const auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      const auto conn = it->second;
      if (*code == 0) conn->drop("dev close (abnormal)");
      else conn->close(static_cast<std::uint16_t>(*code), reason);
      ++closed;
    }
    log("dev-close user=" + sanitize_for_log(*user_id) + " code=" + std::to_string(*code) + " closed=" + std::to_string(closed));
    return json_response(req, {{"closed", closed}});
  }
  return simple_response(&req, 404, "Not Found");
}

HttpResponse Server::handle_config(const HttpRequest& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return method_not_allowed(req, "GET, HEAD");
  std::string endpoint = endpoint_url();
  // Bound to every interface: point at the host the browser used, if it looks like a plain host[:port].
  if (options_.host == "0.0.0.0" || options_.host == "::") {
    const auto host = req.find(http::field::host);
    if (host != req.end() && !host->value().empty() && host->value().size() < 256) {
      bool plain = true;
      for (const char c : host->value()) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '-' || c == ':' || c == '[' || c == ']';
        plain = plain && ok;
      }
      if (plain) endpoint = "ws://" + std::string(host->value());
    }
  }
  nlohmann::ordered_json config = {{"websocketEndpoint", endpoint}};
  // Only when required, so that today's exact config stays valid (issue 13, "Configuration").
  if (!options_.auth_secret.empty()) config["auth"] = "required";
  HttpResponse res = json_response(req, config);
  res.set(http::field::cache_control, "no-cache");
  if (req.method() == http::verb::head) {
    const std::size_t n = res.body().size();
    res.body().clear();
    res.content_length(n);
  }
  return res;
}

HttpResponse Server::handle_static(const HttpRequest& req, std::string_view path) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return method_not_allowed(req, "GET, HEAD");
  std::optional<std::string_view> accept_encoding;
  if (const auto ae = req.find(http::field::accept_encoding); ae != req.end()) accept_encoding = ae->value();
  auto result = load_static_file(static_root_, path, accept_encoding);
  if (const auto* error = std::get_if<StaticError>(&result)) {
    const unsigned status = *error == StaticError::kBadRequest ? 400 : *error == StaticError::kTooLarge ? 413 : 404;
    HttpResponse res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = status == 404 ? "Not Found\n" : status == 400 ? "Bad Request\n" : "Too Large\n";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    return res;
  }
  StaticFile& file = std::get<StaticFile>(result);
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, file.content_type);
  res.set(http::field::cache_control, file.cache_control);
  res.set("X-Content-Type-Options", "nosniff");
  // As CloudFront: the encoding the request prefers among the build's siblings (static_files.hpp).
  if (file.coding != ContentCoding::kIdentity) res.set(http::field::content_encoding, to_string(file.coding));
  if (file.vary_accept_encoding) res.set(http::field::vary, "Accept-Encoding");
  res.keep_alive(req.keep_alive());
  if (req.method() == http::verb::head) {
    res.content_length(file.body.size());
  } else {
    res.body() = std::move(file.body);
    res.prepare_payload();
  }
  return res;
}

}  // namespace devserver
