// seeds.cpp: writes the hand-made seed inputs of the fuzz corpora (fuzz_seeds OUT_DIR → OUT_DIR/<target>/).
//
// The committed corpora in fuzz/corpus/ grew from these seeds and were minimized with -merge=1 (the seed
// files themselves are not kept by name). Frames come from the seed backend (docs/seed Lambdas), API
// Gateway's own frames (byte-exact captures), malformed ones, and action scripts in fuzz_frame's format;
// persisted blobs are produced by a real Engine session. Run it again to start a corpus from scratch.
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "core/engine.hpp"

namespace {

using namespace bos;

std::string g_out;
int g_written = 0;

void write_one(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = g_out + "/" + target;
  ::mkdir(g_out.c_str(), 0755);
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/seed-" + name, std::ios::binary) << bytes;
  ++g_written;
}

// fuzz_parse and fuzz_load read fuzz_frame's and fuzz_restore's inputs: they start from the same seeds.
void write(const std::string& target, const std::string& name, const std::string& bytes) {
  write_one(target, name, bytes);
  if (target == "frame") write_one("parse", name, bytes);
  if (target == "restore") write_one("load", name, bytes);
}

// fuzz_frame actions (see Op in targets.cpp): the byte is op + kOpCount * param.
constexpr int kOpCount = 20;
std::string act(int op, int param = 0, const std::string& rest = "") {
  return std::string("\xFF") + static_cast<char>(op + kOpCount * param) + rest;
}
enum {
  kFrameCurrent, kFrameOther, kFrameStale, kSendChat, kSendLong, kTick, kOpen, kCloseCurrent, kCloseOther,
  kSocketTrouble, kDisconnect, kReconnect, kRotate, kPage, kComposer, kRetryDelete, kClearHistory, kReload,
  kServe, kBigFrame
};

void frame_seeds() {
  const std::vector<std::pair<std::string, std::string>> frames = {
      {"ack-seed", R"({"type": "ack", "message": "Processando sua solicita\u00e7\u00e3o...", "timestamp": 1764345600})"},
      {"ack-raw-utf8", "{\"type\": \"ack\", \"message\": \"Sua solicita\xC3\xA7\xC3\xA3o est\xC3\xA1 sendo processada...\", \"timestamp\": 1764345600}"},
      {"ack-m1", R"({"type":"ack","message":"ok","timestamp":1764345600,"client_msg_id":"m1"})"},
      {"ack-m2", R"({"type":"ack","client_msg_id":"m2"})"},
      {"ack-m3-failed", R"({"type":"ack","client_msg_id":"m3"})"},
      {"ack-unknown-id", R"({"type":"ack","client_msg_id":"nope"})"},
      {"message-seed", R"({"type": "message", "role": "assistant", "message": "O elevador 2 est\u00e1 em manuten\u00e7\u00e3o.", "timestamp": 1764345601, "session_id": "session-9"})"},
      {"message-min", R"({"type":"message","message":"oi"})"},
      {"message-ms", R"({"type":"message","message":"x","timestamp":1764345600123})"},
      {"message-frac", R"({"type":"message","message":"x","timestamp":1764345600.5})"},
      {"message-bad-ts", R"({"type":"message","message":"x","timestamp":-5e308})"},
      {"notification-high", R"({"type":"notification","message":"O elevador chegou","priority":"high"})"},
      {"notification", R"({"type":"notification","message":"Encomenda na portaria","timestamp":1764345602})"},
      {"typing-on", R"({"type":"typing","typing":true,"agent":"assistant"})"},
      {"typing-off", R"({"type":"typing","typing":false})"},
      {"status", R"({"type": "status", "status": "connected", "message": "\ud83d\udfe2 Conectado em tempo real", "timestamp": 1764345600, "connectionId": "R0oXAdfD0kwCH6w="})"},
      {"error", R"({"type": "error", "message": "Erro ao processar mensagem", "timestamp": 1764345600})"},
      {"error-empty", R"({"type":"error"})"},
      {"heartbeat", R"({"type": "heartbeat", "timestamp": 1764345600})"},
      {"gw-forbidden", R"({"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="})"},
      {"gw-internal", R"({"message": "Internal server error", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="})"},
      {"gw-no-request", R"({"message": "Forbidden"})"},
      {"empty", ""},
      {"open-brace", "{"},
      {"single-quotes", "{'type':'ack'}"},
      {"trailing", R"({"type":"ack"} trailing)"},
      {"invalid-utf8", "{\"type\":\"message\",\"message\":\"\xFE\"}"},
      {"encoded-surrogate", "{\"type\":\"message\",\"message\":\"\xED\xA0\x80\"}"},
      {"lone-surrogate-escape", R"({"type":"message","message":"\ud800"})"},
      {"null", "null"},
      {"array", R"([{"type":"ack"}])"},
      {"type-null", R"({"type":null})"},
      {"type-array", R"({"type":["ack"]})"},
      {"unknown-type", R"({"type":"presence","user":"x"})"},
      {"format-string", R"({"type":"message","message":"%s%n%x%p ##id ###","role":"%s"})"},
      {"bidi-zero-width", "{\"type\":\"message\",\"message\":\"\xE2\x80\xAE" "abc\xE2\x80\x8B\xE2\x80\x8D\xEF\xBB\xBF\"}"},
      {"emoji", "{\"type\":\"message\",\"message\":\"\xF0\x9F\x9A\xBF\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\"}"},
      {"wrong-message-type", R"({"type":"message","message":{"text":"x"}})"},
      {"wrong-typing", R"({"type":"typing","typing":"true"})"},
      {"wrong-priority", R"({"type":"notification","message":"x","priority":1})"},
      {"wrong-client-msg-id", R"({"type":"ack","client_msg_id":123})"},
      {"deep-33", std::string(33, '[') + std::string(33, ']')},
      {"deep-string-brackets", R"({"type":"message","message":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"{{{"})"},
      {"escapes", R"({"type":"message","message":"\"\\\/\b\f\n\r\t\u0000\u001f\u2028"})"},
      {"duplicate-keys", R"({"type":"message","type":"ack","message":"a","message":7})"},
  };
  for (const auto& [name, text] : frames) write("frame", name, text);

  // Action scripts: the first part is a frame on the connected engine, then actions.
  const std::string ack1 = R"({"type":"ack","client_msg_id":"m1"})";
  const std::string answer = R"({"type":"message","message":"Vou verificar."})";
  write("frame", "script-send-serve-answer",
        ack1 + act(kSendChat, 0, "o vazamento no 502 voltou") + act(kServe) + act(kFrameCurrent, 0, answer));
  write("frame", "script-rotation",
        ack1 + act(kRotate, 1) + act(kFrameOther, 0, answer) + act(kFrameCurrent, 0, answer) +
            act(kSendChat, 0, "durante a rota\xC3\xA7\xC3\xA3o") + act(kServe) + act(kTick, 3));
  write("frame", "script-rotation-close-old",
        act(kRotate, 1) + act(kCloseOther, 0) + act(kServe) + act(kTick, 6));
  write("frame", "script-1009",
        act(kSendLong, 1, "\xF0\x9F\x98\x80") + act(kCloseCurrent, 5, "Message too big") + act(kTick, 5) +
            act(kOpen) + act(kRetryDelete, 0) + act(kServe));
  write("frame", "script-1008-refused",
        act(kCloseCurrent, 4, "Forbidden") + act(kTick, 11) + act(kReconnect) + act(kOpen) + act(kServe));
  write("frame", "script-drop-backoff",
        act(kCloseCurrent, 3) + act(kTick, 3) + act(kOpen) + act(kCloseCurrent, 3) + act(kTick, 7) +
            act(kTick, 7) + act(kOpen, 1) + act(kServe));
  write("frame", "script-dead-link", act(kTick, 7) + act(kTick, 5) + act(kTick, 4) + act(kOpen) + act(kServe));
  write("frame", "script-reload",
        act(kSendChat, 0, "antes do reload") + act(kReload, 1) + act(kOpen) + act(kServe) + act(kReload, 2));
  write("frame", "script-offline-reload",
        act(kDisconnect) + act(kSendChat, 0, "offline") + act(kReload, 0) + act(kOpen) + act(kServe));
  write("frame", "script-typing",
        act(kComposer) + act(kTick, 3) + act(kComposer) + act(kComposer, 1) +
            act(kFrameCurrent, 0, R"({"type":"typing","typing":true})") + act(kTick, 8) + act(kTick, 8));
  write("frame", "script-page", act(kPage, 0) + act(kFrameCurrent, 0, answer) + act(kTick, 9) + act(kPage, 1) +
                                   act(kPage, 2) + act(kPage, 3) + act(kServe));
  write("frame", "script-stale", act(kCloseCurrent, 1) + act(kFrameStale, 1, ack1) + act(kCloseOther, 1) +
                                    act(kFrameStale, 0, answer));
  write("frame", "script-trouble", act(kSocketTrouble, 0) + act(kSocketTrouble, 1) + act(kTick, 3) + act(kOpen));
  write("frame", "script-clear-delete", act(kClearHistory) + act(kRetryDelete, 1) + act(kRetryDelete, 1, "m3") +
                                           act(kServe) + act(kClearHistory));
  write("frame", "script-clock-back", act(kTick, 12) + act(kSendChat, 0, "rel\xC3\xB3gio") + act(kTick, 11) + act(kServe));
  for (int p = 0; p <= 11; ++p) {
    write("frame", "script-big-" + std::to_string(p), act(kBigFrame, p, "\xC3\xA7\xF0\x9F\x98\x80x"));
  }
  write("frame", "script-gateway-errors",
        act(kFrameCurrent, 0, R"({"message": "Internal server error", "connectionId":"a", "requestId":"b"})") +
            act(kFrameCurrent, 0, R"({"message": "Internal server error", "connectionId":"a", "requestId":"c"})"));
}

void utf8_seeds() {
  const std::vector<std::pair<std::string, std::string>> texts = {
      {"ascii", "o vazamento no 502 voltou"},
      {"portuguese", "Solicita\xC3\xA7\xC3\xA3o n\xC2\xBA 5, manuten\xC3\xA7\xC3\xA3o"},
      {"emoji-zwj", "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 \xF0\x9F\x9A\xBF"},
      {"js-spaces", " \t\n\x0B\x0C\r\xC2\xA0\xE1\x9A\x80\xE2\x80\x80\xE2\x80\x8A\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xAF\xE2\x81\x9F\xE3\x80\x80\xEF\xBB\xBFx\xE3\x80\x80 "},
      {"not-spaces", "\xE2\x80\x8B\xC2\x85\xE1\xA0\x8Ex\xE2\x80\x8B"},
      {"overlong", "\xC0\xAF\xE0\x80\xAF\xF0\x80\x80\xAF"},
      {"surrogates", "\xED\xA0\x80\xED\xBF\xBF\xED\x9F\xBF"},
      {"above-max", "\xF4\x90\x80\x80\xF4\x8F\xBF\xBF\xF5\x80\x80\x80"},
      {"truncated", "a\xE2\x82" "b\xF0\x9F\x98" "c\xC3"},
      {"stray-continuation", "\x80\xBF\xBFx\x80"},
      {"invalid-leads", "\xF8\x88\x80\x80\x80\xFC\x84\x80\x80\x80\x80\xFE\xFF"},
      {"bidi", "\xE2\x80\xAE\xE2\x81\xA6" "abc\xE2\x81\xA9\xE2\x80\xAC"},
      {"nul", std::string("a\0b", 3)},
      {"boundaries", "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"},
  };
  for (const auto& [name, text] : texts) write("utf8", name, text);
}

// A short session on a real engine; returns the last blob it persisted under each key.
struct Blobs {
  std::string outbox, history, identity;
};

Blobs session(bool with_failure) {
  EngineConfig c;
  c.endpoint = "ws://localhost:3001";
  c.page_is_loopback = true;
  c.seed = 7;
  Engine e(c);
  Blobs b;
  int64_t now = 1'764'345'600'000;
  const auto take = [&](Effects effects) {
    for (auto& effect : effects) {
      if (auto* p = std::get_if<Persist>(&effect)) {
        (p->key == StoreKey::Outbox ? b.outbox : p->key == StoreKey::History ? b.history : b.identity) = p->data;
      }
    }
  };
  take(e.start(now));
  take(e.on_open(e.current_connection(), now));
  take(e.on_text(e.current_connection(), R"({"type":"status","status":"connected","connectionId":"R0oXAdfD0kwCH6w="})", now));
  for (const char* text : {"Bom dia", "o vazamento no 502 voltou", "\xF0\x9F\x9A\xBF urgente", "obrigado"}) {
    auto r = e.send_chat(text, now += 1000);
    take(std::move(r.effects));
  }
  const std::string first = e.outbox().entries().front().id;
  take(e.on_text(e.current_connection(), R"({"type":"ack","client_msg_id":")" + first + R"("})", now));
  take(e.on_text(e.current_connection(), R"({"type":"message","message":"Vou verificar o 502.","timestamp":1764345610})", now));
  take(e.on_text(e.current_connection(), R"({"type":"notification","message":"O elevador chegou","priority":"high"})", now));
  if (with_failure) take(e.on_close(e.current_connection(), 1009, "Message too big", now));
  else take(e.on_close(e.current_connection(), 1006, "", now));
  auto r = e.send_chat("digitado offline", now += 1000);
  take(std::move(r.effects));
  take(e.page_hidden(now += 5000));
  return b;
}

void restore_seeds() {
  const Blobs a = session(false), b = session(true);
  const std::string sep = "\xFF";
  write("restore", "engine-session", a.outbox + sep + a.history + sep + a.identity);
  write("restore", "engine-session-failed", b.outbox + sep + b.history + sep + b.identity + sep + "\x07");
  write("restore", "engine-history-only", sep + a.history + sep + sep + "\x02");
  write("restore", "engine-outbox-only", b.outbox + sep + sep + a.identity + sep + "\x05");
  write("restore", "history-first-reload", a.outbox + sep + b.history + sep + b.identity + sep + "\x0D");
  const std::vector<std::pair<std::string, std::string>> blobs = {
      {"outbox-wrong-version", R"({"v":2,"m":[]})" + sep + R"({"v":"1","m":[]})"},
      {"outbox-truncated", a.outbox.substr(0, a.outbox.size() / 2) + sep + a.history.substr(0, a.history.size() / 3)},
      {"outbox-bad-entries", R"({"v":1,"m":[["id","",1,0],["id2","x",1,3],["","x",1,0],["a","b",1.5,0]]})"},
      {"outbox-duplicates", R"({"v":1,"m":[["a","x",1,0,0],["a","y",2,1,0],["b","z",-9223372036854775808,2,2]]})"},
      {"outbox-extra-fields", R"({"v":1,"m":[["a","x",18446744073709551615,1,1,"extra",[]]],"z":{}})"},
      {"history-odd", sep + R"({"v":1,"m":[{"i":"","r":0,"s":0,"t":"","ts":0},{"i":"m9","r":0,"s":1,"t":"x","ts":-1,"p":1,"f":2},{"i":"m9","r":4,"s":5,"t":"dup","ts":1}]})"},
      {"history-bad-role", sep + R"({"v":1,"m":[{"i":"a","r":9,"s":0,"t":"x","ts":0}]})"},
      {"history-queued-user", sep + R"({"v":1,"m":[{"i":"q1","r":0,"s":0,"t":"queued in history only","ts":5},{"i":"q2","r":0,"s":4,"t":"failed","ts":6,"f":1}]})"},
      {"identity-ok", sep + sep + R"({"v":1,"user_id":"resident-42","session_id":"session-1"})" + sep + "\x02"},
      {"identity-bad", sep + sep + R"({"v":1,"user_id":"a b","session_id":""})" + sep + "\x02"},
      {"not-json", "nul" + sep + "[" + sep + "{"},
      {"deep", std::string(64, '[') + sep + std::string(64, '{')},
  };
  for (const auto& [name, bytes] : blobs) write("restore", name, bytes);
  // Another tab's stored state (parts 5 and 6), merged after start, before start (0x10), from a live tab (0x20).
  write("restore", "merge-closed-tab", a.outbox + sep + a.history + sep + a.identity + sep + "\x00" + sep +
                                           b.outbox + sep + b.history);
  write("restore", "merge-before-start", sep + sep + sep + "\x10" + sep + b.outbox + sep + b.history);
  write("restore", "merge-live-tab", a.outbox + sep + a.history + sep + sep + "\x20" + sep + b.outbox + sep + b.history);
  write("restore", "merge-unreadable-outbox", sep + sep + sep + "\x00" + sep + "{\"v\":1," + sep + b.history);
  write("restore", "merge-same-tab", a.outbox + sep + a.history + sep + sep + "\x00" + sep + a.outbox + sep + a.history);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  frame_seeds();
  utf8_seeds();
  restore_seeds();
  std::printf("%d seed files written under %s\n", g_written, g_out.c_str());
  return 0;
}
