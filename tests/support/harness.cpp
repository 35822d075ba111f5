// harness.cpp: see harness.hpp.
#include "support/harness.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bos::test {

EngineConfig Harness::default_config() {
  EngineConfig c;
  c.endpoint = "ws://localhost:3001";
  c.page_is_loopback = true;  // the dev page on localhost
  c.user_id = "resident-42";
  c.session_id = "session-1";
  c.seed = 12345;
  return c;
}

Harness::Harness(EngineConfig config) : engine(std::move(config)) {}

void Harness::apply(Effects e) {
  for (auto& effect : e) {
    if (const auto* o = std::get_if<OpenSocket>(&effect)) {
      Socket s;
      s.conn = o->conn;
      s.url = o->url;
      sockets[o->conn] = s;
    } else if (const auto* t = std::get_if<SendText>(&effect)) {
      auto it = sockets.find(t->conn);
      if (it != sockets.end()) {
        // The platform must never send on a socket that is not open: that is a bug in the engine.
        if (!it->second.open || it->second.closed) {
          logs.push_back({LogLevel::Error, "ENGINE BUG: send on a socket that is not open: " + t->text});
        }
        it->second.sent.push_back(t->text);
      } else {
        logs.push_back({LogLevel::Error, "ENGINE BUG: send on an unknown socket"});
      }
    } else if (const auto* c = std::get_if<CloseSocket>(&effect)) {
      auto it = sockets.find(c->conn);
      if (it != sockets.end()) {
        it->second.closed = true;
        it->second.open = false;
        it->second.close_code = c->code;
      }
    } else if (const auto* p = std::get_if<Persist>(&effect)) {
      persisted.push_back(*p);
    } else if (const auto* n = std::get_if<Notify>(&effect)) {
      notifications.push_back(*n);
    } else if (const auto* l = std::get_if<Log>(&effect)) {
      logs.push_back(*l);
    } else if (const auto* u = std::get_if<UiEvent>(&effect)) {
      ui_events.push_back(*u);
    }
    effects.push_back(std::move(effect));
  }
}

void Harness::run_for(int64_t ms, int64_t step_ms) {
  const int64_t end = now + ms;
  while (now < end) advance(std::min(step_ms, end - now));
}

void Harness::stay_connected_for(int64_t ms, int64_t step_ms) {
  const int64_t end = now + ms;
  std::map<uint32_t, std::size_t> answered;
  while (now < end) {
    advance(std::min(step_ms, end - now));
    const uint32_t conn = engine.current_connection();
    auto it = sockets.find(conn);
    if (conn == 0 || it == sockets.end() || !it->second.open) continue;
    auto& seen = answered[conn];
    for (; seen < it->second.sent.size(); ++seen) {
      if (it->second.sent[seen].find("\"heartbeat\"") != std::string::npos) {
        server_says(R"({"type": "heartbeat", "timestamp": 1764345600})", conn);
      }
    }
  }
}

void Harness::open(uint32_t conn) {
  conn = conn ? conn : newest_conn();
  auto& s = sockets.at(conn);
  s.open = true;
  apply(engine.on_open(conn, now));
}

void Harness::server_says(const std::string& text, uint32_t conn) {
  apply(engine.on_text(resolve(conn), text, now));
}

void Harness::server_closes(int code, uint32_t conn, const std::string& reason) {
  conn = resolve(conn);
  if (auto it = sockets.find(conn); it != sockets.end()) {
    it->second.open = false;
    it->second.closed = true;
    it->second.close_code = code;
  }
  apply(engine.on_close(conn, code, reason, now));
}

SendResult Harness::send(const std::string& text) {
  SendResult r = engine.send_chat(text, now);
  apply(std::move(r.effects));
  r.effects.clear();
  return r;
}

std::vector<std::string> Harness::sent_texts(uint32_t conn) const {
  conn = resolve(conn);
  const auto it = sockets.find(conn);
  return it == sockets.end() ? std::vector<std::string>{} : it->second.sent;
}

std::vector<std::string> Harness::actions(uint32_t conn) const {
  std::vector<std::string> out;
  for (const auto& t : sent_texts(conn)) {
    const auto j = nlohmann::json::parse(t, nullptr, false);
    out.push_back(j.is_object() && j.contains("action") && j["action"].is_string() ? j["action"].get<std::string>() : "?");
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Harness::chat_frames() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [conn, s] : sockets) {
    for (const auto& t : s.sent) {
      const auto j = nlohmann::json::parse(t, nullptr, false);
      if (j.is_object() && j.value("action", "") == "sendMessage") {
        out.emplace_back(j.value("client_msg_id", ""), j.value("message", ""));
      }
    }
  }
  return out;
}

std::size_t Harness::open_socket_count() const {
  return static_cast<std::size_t>(
      std::count_if(sockets.begin(), sockets.end(), [](const auto& kv) { return kv.second.open && !kv.second.closed; }));
}

std::optional<Persist> Harness::last_persist(StoreKey key) const {
  for (auto it = persisted.rbegin(); it != persisted.rend(); ++it) {
    if (it->key == key) return *it;
  }
  return std::nullopt;
}

std::string Harness::ack_for(const std::string& client_msg_id) const {
  nlohmann::json j = {{"type", "ack"}, {"message", "Processando sua solicita\xC3\xA7\xC3\xA3o..."},
                      {"timestamp", now / 1000}, {"client_msg_id", client_msg_id}};
  return j.dump();
}

void Harness::ack_all(uint32_t conn) {
  conn = resolve(conn);
  // An ack can let more out (one in flight until the first ack proves ids): until none is left.
  for (bool more = true; more;) {
    more = false;
    std::vector<std::string> ids;
    for (const auto& t : sent_texts(conn)) {
      const auto j = nlohmann::json::parse(t, nullptr, false);
      if (j.is_object() && j.value("action", "") == "sendMessage") ids.push_back(j.value("client_msg_id", ""));
    }
    for (const auto& id : ids) {
      if (std::find(acked_.begin(), acked_.end(), id) != acked_.end()) continue;
      acked_.push_back(id);
      server_says(ack_for(id), conn);
      more = true;
    }
  }
}

}  // namespace bos::test
