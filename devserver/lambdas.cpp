// lambdas.cpp: [lambdas] the seed's websocket_manager ("Enhanced for production", proposal section 6) and
// what websocket_responder delivers once the agents answer (here: the demo assistant). Frames are
// serialized exactly as the Lambdas' json.dumps does (pyjson.hpp); timestamps are int(time.time()).
#include <algorithm>

#include "assistant.hpp"
#include "pyjson.hpp"
#include "server.hpp"

namespace devserver {

namespace {

constexpr const char* kAckText = "Processando sua solicita\xC3\xA7\xC3\xA3o...";  // "Processando sua solicitação..."

void evict_oldest(UserState& user) {
  const std::size_t count = std::max<std::size_t>(1, user.log.size() / 4);
  for (std::size_t i = 0; i < count && i < user.log.size(); ++i) {
    const MessageRecord& r = user.log[i];
    if (r.client_msg_id) user.seen_msg_ids.erase(*r.client_msg_id);
    user.log_bytes -= r.message.size() + r.client_msg_id.value_or("").size();
  }
  user.log.erase(user.log.begin(), user.log.begin() + static_cast<std::ptrdiff_t>(std::min(count, user.log.size())));
}

}  // namespace

void Server::lambda_send_message(WsConnection& conn, const nlohmann::json& body) {
  // message = body.get('message', '').strip()
  std::string text;
  if (const auto it = body.find("message"); it != body.end()) {
    if (!it->is_string()) {
      // .strip() on a non-string raises; the Lambda's except branch sends this and returns 500.
      log("lambda sendMessage " + conn.id() + ": 'message' is not a string -> error frame");
      send_to(conn, py_dumps(ordered_json{
                        {"type", "error"}, {"message", "Erro ao processar mensagem"}, {"timestamp", epoch_s_now()}}));
      return;
    }
    text = py_strip(it->get_ref<const std::string&>());
  }
  // An empty message is the Lambda's {'statusCode': 400}: nothing reaches the client.
  if (text.empty()) return;

  std::optional<std::string> client_msg_id;
  if (const auto it = body.find("client_msg_id"); it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    client_msg_id = it->get<std::string>();
  }
  UserState& user = users_[conn.user_id()];
  // Dedupe per user by client_msg_id: a resend gets its ack again, never a second reply.
  if (client_msg_id && user.seen_msg_ids.count(*client_msg_id) != 0) {
    ++user.duplicates;
    log("dedupe " + conn.id() + " client_msg_id=" + sanitize_for_log(*client_msg_id));
    send_ack(conn, client_msg_id);
    return;
  }
  if (client_msg_id) user.seen_msg_ids.insert(*client_msg_id);
  user.log_bytes += text.size() + client_msg_id.value_or("").size();
  user.log.push_back(MessageRecord{client_msg_id, text, conn.id(), epoch_ms_now()});
  if (user.log.size() > kMaxLogRecordsPerUser || user.log_bytes > kMaxLogBytesPerUser) evict_oldest(user);

  send_ack(conn, client_msg_id);
  // The Lambda publishes the intention manifest to SNS; the agents' answer comes back through the responder.
  schedule_assistant_reply(conn.user_id(), conn.setup().session_id, std::move(text));
}

void Server::send_ack(WsConnection& conn, const std::optional<std::string>& client_msg_id) {
  const FaultConfig& faults = options_.faults;
  if (faults.ack_drop_p > 0 && conn.fault_rng().chance(faults.ack_drop_p)) {
    log("fault ack-drop " + conn.id());
    return;
  }
  auto send = [this, conn_id = conn.id(), client_msg_id] {
    const auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;
    ordered_json ack = {{"type", "ack"}, {"message", kAckText}, {"timestamp", epoch_s_now()}};
    if (client_msg_id) ack["client_msg_id"] = *client_msg_id;
    const auto keep = it->second;
    send_to(*keep, py_dumps(ack));
  };
  if (faults.ack_delay_ms > 0) {
    scheduler_.after(faults.ack_delay_ms, std::move(send));
  } else {
    send();
  }
}

void Server::schedule_assistant_reply(const std::string& user_id, const std::string& session_id, std::string text) {
  broadcast(user_id, py_dumps(ordered_json{{"type", "typing"}, {"typing", true}, {"agent", "assistant"}}));
  scheduler_.after(options_.reply_delay_ms, [this, user_id, session_id, text = std::move(text)] {
    const AssistantReply reply = assistant_reply(text);
    const std::size_t delivered = broadcast(user_id, py_dumps(ordered_json{{"type", "message"},
                                                                           {"role", "assistant"},
                                                                           {"message", reply.text},
                                                                           {"timestamp", epoch_s_now()},
                                                                           {"session_id", session_id}}));
    broadcast(user_id, py_dumps(ordered_json{{"type", "typing"}, {"typing", false}, {"agent", "assistant"}}));
    log("assistant user=" + sanitize_for_log(user_id) + " topic=" + to_string(reply.topic) +
        " delivered=" + std::to_string(delivered));
    if (!reply.sends_notification) return;
    // The demo "elevator arrived" notification: ~2 s at the default delay, scaled with --reply-delay-ms.
    const std::int64_t delay_ms = options_.reply_delay_ms * 10 / 3;
    scheduler_.after(delay_ms, [this, user_id] {
      const std::size_t n = broadcast(user_id, py_dumps(ordered_json{{"type", "notification"},
                                                                     {"message", kElevatorArrivedText},
                                                                     {"priority", "high"},
                                                                     {"timestamp", epoch_s_now()}}));
      log("notification user=" + sanitize_for_log(user_id) + " delivered=" + std::to_string(n));
    });
  });
}

}  // namespace devserver
