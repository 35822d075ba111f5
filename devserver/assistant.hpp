// assistant.hpp: the demo building assistant that stands in for the Persona/Director agents behind SNS.
// Canned, short pt-BR answers picked by keyword; the "call the elevator" request also asks for the demo
// notification. Pure: text in, answer out.
#pragma once
#include <string>
#include <string_view>

namespace devserver {

enum class Topic { kElevatorCall, kElevator, kPackages, kMaintenance, kHours, kGreeting, kDefault };

struct AssistantReply {
  Topic topic = Topic::kDefault;
  std::string text;                 // UTF-8
  bool sends_notification = false;  // the elevator-arrived notification follows
};

AssistantReply assistant_reply(std::string_view message_utf8);
const char* to_string(Topic topic);

inline constexpr const char* kElevatorArrivedText = "O elevador chegou ao seu andar";

}  // namespace devserver
