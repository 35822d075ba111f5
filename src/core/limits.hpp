// limits.hpp: every size and count the engine enforces, in one place.
// Numbers come from API Gateway's quotas (../docs/architecture.md) and the outbox/history rules.
// Must not include anything but <cstddef>/<cstdint>.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bos {

// Incoming frames larger than this are counted and dropped before parsing (API Gateway's message limit).
inline constexpr std::size_t kMaxInboundFrameBytes = 128 * 1024;
// API Gateway closes the socket (1009) on an inbound frame over 32 KB; browsers never fragment.
inline constexpr std::size_t kMaxOutboundFrameBytes = 32 * 1024;

// A resident's message: code points, counted after trimming.
inline constexpr std::size_t kMaxMessageCodepoints = 4000;
// The UI shows a counter from here on.
inline constexpr std::size_t kMessageCounterFromCodepoints = 3500;

// Outbox: messages not yet acknowledged (queued, sent, failed).
inline constexpr std::size_t kOutboxMaxMessages = 1000;
inline constexpr std::size_t kOutboxMaxBytes = 1024 * 1024;

// History: kept in memory, and the tail that is persisted.
inline constexpr std::size_t kHistoryMaxMessages = 10000;
inline constexpr std::size_t kHistoryPersistMessages = 500;
inline constexpr std::size_t kHistoryPersistBytes = 256 * 1024;

// Text shown from the network is cut to this many bytes (a 1 MB string must not freeze the layout).
inline constexpr std::size_t kMaxDisplayTextBytes = 16 * 1024;
// Short fields (ids, agent names, priorities) are cut to this many bytes.
inline constexpr std::size_t kMaxShortFieldBytes = 128;

// Persisted blobs larger than this are refused before parsing.
inline constexpr std::size_t kMaxPersistedBlobBytes = 4 * 1024 * 1024;

// JSON nesting deeper than this is refused before parsing (nlohmann recurses).
inline constexpr int kMaxJsonDepth = 32;

}  // namespace bos
