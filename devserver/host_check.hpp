// host_check.hpp: the DNS-rebinding guard for /__dev/*, /notify and @connections (issue 13, "Dev server
// hardening"). A page on evil.example whose name later resolves to 127.0.0.1 is same-origin with us as far
// as the browser knows, so Origin proves nothing; its requests still carry "Host: evil.example". The trick
// needs a DNS name, so an IP literal is safe wherever it can reach us; names must be loopback's or listed.
// Pure (inet_pton only): no Asio, no sockets.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devserver {

struct HostPolicy {
  std::string bound_host;                // --host as given: 127.0.0.1, ::1, 0.0.0.0, ::, localhost, an address
  std::vector<std::string> allow_hosts;  // --allow-host, lower case; "*" accepts any Host
};

// The host part of a Host header value ("name", "name:port", "[v6]", "[v6]:port"), lower case, without
// a trailing dot; nullopt when it is none of those.
std::optional<std::string> host_name_of(std::string_view value);

// Accepted: no Host header (HTTP/1.0 tools; every browser sends one); "localhost"; a loopback address
// (127.0.0.0/8, ::1, ::ffff:127.x.y.z); the bound address; with a wildcard bind (0.0.0.0 or ::) any IP
// address; a name given with --allow-host. Refused: every other name, and anything malformed.
bool host_allowed(std::optional<std::string_view> host_header, const HostPolicy& policy);

}  // namespace devserver
