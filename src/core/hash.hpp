// hash.hpp: FNV-1a, 64-bit: content ids of received messages (chat.cpp) and the cross-connection dedupe
// (engine.cpp). Not for anything an attacker could profit from colliding. No I/O.
#pragma once
#include <cstdint>
#include <string_view>

namespace bos {

inline constexpr uint64_t kFnvOffsetBasis = 1469598103934665603ull;
inline constexpr uint64_t kFnvPrime = 1099511628211ull;

inline uint64_t fnv1a(std::string_view s, uint64_t h = kFnvOffsetBasis) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace bos
