// lambdas.cpp: [lambdas] the seed's websocket_manager ("Enhanced for production", proposal section 6) and
// what websocket_responder delivers once the agents answer (here: the demo assistant). Frames are
// serialized exactly as the Lambdas' json.dumps does (pyjson.hpp); timestamps are int(time.time()).
//
// Two sendMessage handlers (--backend), each with the same faults (--fault):
//   ids   the contract that turns on exactly-once: a conditional write on client_msg_id dedupes, the publish
//         comes next, the ack (echoing client_msg_id) only after it; a failure sends an error frame that
//         echoes client_msg_id (an extension) and never an ack.
//   seed  the handler as written: the ack (no id) is posted first, then the publish; nothing is deduped;
//         a failing publish leaves the ack out there and adds the error frame.
// Either way a failed message is not in the log (never published) and its id is not remembered, so the
// client's resend executes it.
#include <algorithm>

#include "assistant.hpp"
#include "pyjson.hpp"
#include "server.hpp"

namespace devserver {

namespace {

constexpr const char* kAckText = "Processando sua solicita\xC3\xA7\xC3\xA3o...";  // "Processando sua solicitação..."
constexpr const char* kErrorText = "Erro ao processar mensagem";

}  // namespace

void Server::lambda_send_message(WsConnection& conn, nlohmann::json body, const std::string& request_id) {
  // Every configured roll is drawn for every invocation, in this order, whether or not it ends up mattering.
  const FaultConfig& faults = options_.faults;
  Rng& rng = conn.fault_rng();
  Invocation invocation;
  invocation.request_id = request_id;
  if (faults.cold_start) invocation.cold_start_ms = rng.between(faults.cold_start_min_ms, faults.cold_start_max_ms);
  const bool silent = faults.silent_fail_p > 0 && rng.chance(faults.silent_fail_p);
  const bool handler_error = faults.handler_error_p > 0 && rng.chance(faults.handler_error_p);
  const bool publish_fail = faults.publish_fail_p > 0 && rng.chance(faults.publish_fail_p);
  invocation.drop_ack = faults.ack_drop_p > 0 && rng.chance(faults.ack_drop_p);
  invocation.failure = silent          ? LambdaFailure::kSilent
                       : handler_error ? LambdaFailure::kHandlerError
                       : publish_fail  ? LambdaFailure::kPublish
                                       : LambdaFailure::kNone;
  if (invocation.cold_start_ms <= 0) {
    run_send_message(conn.id(), body, invocation);
    return;
  }
  // A cold start (or any slow start) delays the whole handler: its ack, the publish and so the reply.
  log("fault cold-start " + conn.id() + " delay=" + std::to_string(invocation.cold_start_ms) + "ms requestId=" + request_id);
  if (invocation.cold_start_ms > options_.integration_timeout_ms) {
    // API Gateway stops waiting for the integration and tells the client (Kludex/mangum#128), but the
    // Lambda is not stopped: its own @connections posts still arrive when it runs.
    scheduler_.after(options_.integration_timeout_ms, [this, conn_id = conn.id(), request_id] {
      const auto it = conns_.find(conn_id);
      if (it == conns_.end()) return;
      const auto keep = it->second;
      log("integration timeout " + conn_id + " requestId=" + request_id);
      send_to(*keep, gateway_error_frame(*keep, "Endpoint request timed out", request_id));
    });
  }
  scheduler_.after(invocation.cold_start_ms, [this, conn_id = conn.id(), body = std::move(body), invocation] {
    run_send_message(conn_id, body, invocation);
  });
}

void Server::run_send_message(const std::string& conn_id, const nlohmann::json& body, const Invocation& invocation) {
  const auto found = conns_.find(conn_id);
  if (found == conns_.end() || !found->second->is_open()) {
    // get_connection_info finds no row once $disconnect ran: the Lambda's 404, nothing published.
    log("lambda sendMessage " + conn_id + ": connection gone before the handler ran -> not executed");
    return;
  }
  const auto keep = found->second;
  WsConnection& conn = *keep;
  const bool ids = options_.backend == Backend::kIds;

  std::optional<std::string> client_msg_id;
  if (const auto it = body.find("client_msg_id"); it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    client_msg_id = it->get<std::string>();
  }
  // The seed never reads client_msg_id; the ids contract echoes it in its error frames too.
  const std::optional<std::string> echoed_id = ids ? client_msg_id : std::nullopt;

  // message = body.get('message', '').strip()
  std::string text;
  if (const auto it = body.find("message"); it != body.end()) {
    if (!it->is_string()) {
      // .strip() on a non-string raises; the Lambda's except branch sends this and returns 500.
      log("lambda sendMessage " + conn.id() + ": 'message' is not a string -> error frame");
      send_to(conn, error_frame(echoed_id));
      return;
    }
    text = py_strip(it->get_ref<const std::string&>());
  }
  // An empty message is the Lambda's {'statusCode': 400}: nothing reaches the client.
  if (text.empty()) return;

  const std::string id_shown = client_msg_id ? " client_msg_id=" + sanitize_for_log(*client_msg_id) : "";
  if (invocation.failure == LambdaFailure::kSilent) {
    // The phase-1 handler catches the exception and returns 500, which API Gateway does not forward.
    log("fault silent-fail " + conn.id() + id_shown + " -> nothing sent, not published");
    return;
  }
  if (invocation.failure == LambdaFailure::kHandlerError) {
    // The enhanced handler's except branch, reached before the ack: only the error frame.
    log("fault handler-error " + conn.id() + id_shown + " -> error frame, not published");
    send_to(conn, error_frame(echoed_id));
    return;
  }

  const std::string& user_id = conn.user_id();
  if (!ids) {
    // The seed posts its ack first and then publishes: a failing publish leaves a ✓✓ for nothing.
    if (invocation.failure == LambdaFailure::kPublish) {
      log("fault publish-fail " + conn.id() + id_shown + " -> ack, then error frame, not published");
      send_ack(conn, std::nullopt, invocation.drop_ack, error_frame(std::nullopt));
      return;
    }
    send_ack(conn, std::nullopt, invocation.drop_ack);
    message_log_.append(user_id, MessageRecord{client_msg_id, text, conn.id(), epoch_ms_now()}, false);
    schedule_assistant_reply(user_id, conn.setup().session_id, std::move(text));
    return;
  }

  // ids: the conditional write on (user, client_msg_id) first. A resend gets its ack again, never a second reply.
  if (client_msg_id && message_log_.seen(user_id, *client_msg_id)) {
    message_log_.count_duplicate(user_id);
    log("dedupe " + conn.id() + id_shown);
    send_ack(conn, client_msg_id, invocation.drop_ack);
    return;
  }
  if (invocation.failure == LambdaFailure::kPublish) {
    // The publish failed: the write is undone (the id is not remembered) and the client hears so, no ack.
    log("fault publish-fail " + conn.id() + id_shown + " -> error frame, not published");
    send_to(conn, error_frame(client_msg_id));
    return;
  }
  message_log_.append(user_id, MessageRecord{client_msg_id, text, conn.id(), epoch_ms_now()}, true);
  send_ack(conn, client_msg_id, invocation.drop_ack);
  // The Lambda publishes the intention manifest to SNS; the agents' answer comes back through the responder.
  schedule_assistant_reply(user_id, conn.setup().session_id, std::move(text));
}

std::string Server::error_frame(const std::optional<std::string>& client_msg_id) const {
  ordered_json frame = {{"type", "error"}, {"message", kErrorText}, {"timestamp", epoch_s_now()}};
  if (client_msg_id) frame["client_msg_id"] = *client_msg_id;
  return py_dumps(frame);
}

void Server::send_ack(WsConnection& conn, const std::optional<std::string>& client_msg_id, bool drop_ack,
                      std::optional<std::string> then_frame) {
  if (drop_ack) log("fault ack-drop " + conn.id());
  auto send = [this, conn_id = conn.id(), client_msg_id, drop_ack, then_frame = std::move(then_frame)] {
    const auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;
    const auto keep = it->second;
    if (!drop_ack) {
      ordered_json ack = {{"type", "ack"}, {"message", kAckText}, {"timestamp", epoch_s_now()}};
      if (client_msg_id) ack["client_msg_id"] = *client_msg_id;
      send_to(*keep, py_dumps(ack));
    }
    if (then_frame) send_to(*keep, *then_frame);
  };
  if (options_.faults.ack_delay_ms > 0) {
    scheduler_.after(options_.faults.ack_delay_ms, std::move(send));
  } else {
    send();
  }
}

void Server::schedule_assistant_reply(const std::string& user_id, const std::string& session_id, std::string text) {
  // The responder scans by UserId and sends to every connection of the user, with the manifest's
  // session_id (the sender connection's SessionId): other tabs and devices get it too.
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
