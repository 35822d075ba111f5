// host_check.cpp: see host_check.hpp.
#include "host_check.hpp"

#include <array>
#include <cstring>

#include <arpa/inet.h>

#include "encoding.hpp"

namespace devserver {

namespace {

// An IP literal as 16 bytes (IPv4 as ::ffff:a.b.c.d), or nullopt for a name.
std::optional<std::array<unsigned char, 16>> ip_bytes(const std::string& text) {
  std::array<unsigned char, 16> out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool is_v4_mapped(const std::array<unsigned char, 16>& ip) {
  for (int i = 0; i < 10; ++i) {
    if (ip[static_cast<std::size_t>(i)] != 0) return false;
  }
  return ip[10] == 0xff && ip[11] == 0xff;
}

bool is_loopback(const std::array<unsigned char, 16>& ip) {
  if (is_v4_mapped(ip)) return ip[12] == 127;
  for (int i = 0; i < 15; ++i) {
    if (ip[static_cast<std::size_t>(i)] != 0) return false;
  }
  return ip[15] == 1;  // ::1
}

bool is_unspecified(const std::array<unsigned char, 16>& ip) {
  if (is_v4_mapped(ip)) return ip[12] == 0 && ip[13] == 0 && ip[14] == 0 && ip[15] == 0;
  for (const unsigned char b : ip) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> host_name_of(std::string_view value) {
  const std::string v = ascii_lower(value);
  std::string name;
  std::string_view rest;
  if (!v.empty() && v.front() == '[') {
    const std::size_t close = v.find(']');
    if (close == std::string::npos || close < 2) return std::nullopt;
    name = v.substr(1, close - 1);
    rest = std::string_view(v).substr(close + 1);
    if (name.find(':') == std::string::npos) return std::nullopt;  // brackets are for IPv6 only
  } else {
    const std::size_t colon = v.find(':');
    name = v.substr(0, colon);
    rest = colon == std::string::npos ? std::string_view{} : std::string_view(v).substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return std::nullopt;
    for (const char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return std::nullopt;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == ':';
    if (!ok) return std::nullopt;
  }
  return name;
}

bool host_allowed(std::optional<std::string_view> host_header, const HostPolicy& policy) {
  for (const auto& allowed : policy.allow_hosts) {
    if (allowed == "*") return true;
  }
  if (!host_header) return true;
  const auto name = host_name_of(*host_header);
  if (!name) return false;
  if (*name == "localhost") return true;
  if (const auto ip = ip_bytes(*name)) {
    if (is_loopback(*ip)) return true;
    const auto bound = ip_bytes(policy.bound_host == "localhost" ? "127.0.0.1" : ascii_lower(policy.bound_host));
    return bound && (is_unspecified(*bound) || *bound == *ip);
  }
  for (const auto& allowed : policy.allow_hosts) {
    if (allowed == *name) return true;
  }
  return false;
}

}  // namespace devserver
