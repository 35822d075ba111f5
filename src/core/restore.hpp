// restore.hpp: making a stored outbox and a stored history agree, after a reload and when a tab takes over
// another's storage. Pure functions over an Outbox and a ChatModel; the engine logs, persists and sends.
//
// The two blobs are written at different times (the outbox at once on every change, the history in
// batches), so after a reload either may be behind the other. The rules:
//   - every message in the outbox is visible in the history, with the outbox's state;
//   - a resident message the history still shows as open (queued, sent) is in the outbox, or was acked
//     before the page went away: the outbox was read back and its record of recent acks names it. Not in
//     it, not named: it goes back into the outbox (an outbox write may have failed while the history's
//     succeeded; only a seen ack grants ✓✓);
//   - if the outbox could not be read back, the history's open messages go back into the outbox: a
//     duplicate (the server deduplicates by client_msg_id) is better than a lost message.
// No I/O, no clock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/chat.hpp"
#include "core/outbox.hpp"

namespace bos {

// The chat state that shows an outbox entry's state.
MessageState chat_state_for(OutboxState s);
// The chat message that shows an outbox entry (the resident's, with the entry's state and fail reason).
ChatMessage message_for(const OutboxEntry& e);
// The outbox entry that sends a history message again: queued, or failed (with its reason) if it failed.
OutboxEntry entry_for(const ChatMessage& m);

// Every outbox entry is in `chat` with the entry's state: missing ones are appended (returns their seqs).
std::vector<uint64_t> show_outbox_in_chat(const Outbox& outbox, ChatModel& chat);

struct Reconciled {
  std::size_t acked = 0;     // open in the history, its ack recorded by an intact outbox
  std::size_t requeued = 0;  // open in the history with no recorded ack, or failed and the outbox lost: back
};
// A page's own history against its own outbox, once both are read back. `outbox_intact`: the stored
// outbox was read back without error.
Reconciled reconcile_history(ChatModel& chat, Outbox& outbox, bool outbox_intact);

struct Adopted {
  std::size_t adopted = 0;     // entries taken into `ours`
  bool complete = true;        // every entry is now ours or delivered: their copy may be deleted
  std::vector<uint64_t> shown;  // seqs of the messages appended to `chat` for adopted entries
};
// A closed tab's outbox: what is not already ours or delivered (acked or answered in `chat`) is adopted
// with its id, to be sent from here.
Adopted adopt_outbox(const Outbox& theirs, Outbox& ours, ChatModel& chat);

// A closed tab's history, before it is merged into ours: its resident messages that are still open and not
// in `ours` are marked acked in `theirs` only if `ours` recorded their ack (adopt_outbox took that tab's
// record over); the others are put back in `ours` (sent ones with one send counted: their fate is unknown).
// Returns how many were put back.
std::size_t settle_closed_tab_history(ChatModel& theirs, Outbox& ours);

}  // namespace bos
