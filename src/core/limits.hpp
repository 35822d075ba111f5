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

// A stored identity blob ({"v":1,"user_id":..,"session_id":..,"token":..}) larger than this is refused before
// parsing. Builds before issue 13 refused blobs over 1024 bytes: tokens scripts/resident-link mints (names of
// at most 64 code points) keep the blob under that, so those builds still read it (without the token).
inline constexpr std::size_t kMaxIdentityBlobBytes = 4096;
// A resident or session id (from a link, storage or generated): 1 to this many bytes of [A-Za-z0-9._@+-].
// A token's sub is "<resident>@<bld>", each part up to kMaxTokenIdChars: 64 + 1 + 64.
inline constexpr std::size_t kMaxResidentIdBytes = 129;

// The resident token (docs/identity.md, "The token contract"; the dev server and the backend check the same
// numbers, and tests/fixtures/auth/token-vectors.json holds them). The client cannot verify the signature
// (it has no secret); it reads the claims to decide what to show, the server decides access.
inline constexpr std::size_t kMaxTokenBytes = 2048;             // checked before any decoding
inline constexpr int64_t kTokenLeewayS = 60;                    // clock skew allowed on exp
inline constexpr int64_t kMaxTokenLifetimeS = 400 * 86400;      // exp - iat
inline constexpr int64_t kMaxTokenTimeS = 100'000'000'000;      // iat/exp/nbf beyond this are garbage
inline constexpr std::size_t kMaxTokenIdChars = 64;             // resident and building ids: [A-Za-z0-9._+-]
inline constexpr std::size_t kMaxTokenNameCodePoints = 64;      // the "name" claim the menu shows
inline constexpr std::size_t kMinTokenJtiChars = 22;            // [A-Za-z0-9_-]
inline constexpr std::size_t kMaxTokenJtiChars = 64;
inline constexpr int kMaxTokenJsonDepth = 8;

// The WebSocket endpoint: API Gateway refuses URLs over 4096 bytes with the query the engine appends.
inline constexpr std::size_t kMaxEndpointBytes = 2048;

// RFC 6455 5.5: a control frame carries at most 125 bytes, 2 of them the close code, so a close reason is at
// most 123 bytes of UTF-8 (browsers throw a SyntaxError on a longer one). Logged reasons are cut there too.
inline constexpr std::size_t kMaxCloseReasonBytes = 123;

// Broadcast frames remembered while two connections overlap (a rotation), to drop the second copy.
inline constexpr std::size_t kDedupeMaxFrames = 512;

// Detail quoted from an untrusted frame in a log line (an unknown "type", say) is cut to this many bytes.
inline constexpr std::size_t kMaxLoggedDetailBytes = 64;

// API Gateway's integration timeout: past it the gateway stops waiting, but the Lambda may still post its ack.
inline constexpr int64_t kIntegrationTimeoutMs = 29'000;
// ...and the way back of that late frame (a slow phone network).
inline constexpr int64_t kLateAckMarginMs = 5'000;
// Without ids, a message goes out automatically at most this many times while its fate is unknown (the first
// send and one resend on a new link); then it is "not confirmed" and waits for the resident.
inline constexpr int kMaxUnconfirmedSends = 2;
// Ids of recently acked messages the stored outbox keeps, so a reload upgrades only what an ack proved.
inline constexpr std::size_t kOutboxRecentAcks = 200;
// Messages acked on one link that an error frame may still be for.
inline constexpr std::size_t kLinkRecentAcks = 16;

}  // namespace bos
