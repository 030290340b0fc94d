// Identifiers: time-ordered UUIDs (v7) for rows and events, random hex for trace ids and secrets.
#pragma once

#include <string>
#include <string_view>

namespace fleetdeck {

// A UUID version 7 in canonical lower-case form; sorts by creation time, which keeps B-tree inserts local.
// Ids made by one process sort in the order they were made, within a millisecond too.
std::string newUuid();
// True for any canonical UUID (8-4-4-4-12 hex digits).
bool isUuid(std::string_view text);
// One spelling of an id for storing and comparing: lower case, as PostgreSQL prints uuids. isUuid
// accepts either case, and a stored id compared with a caller's upper-case one would differ.
std::string canonicalUuid(std::string_view id);
// `bytes` bytes from the OS random source, hex encoded (2 * bytes characters).
std::string randomHex(size_t bytes);
// `bytes` bytes from the OS random source.
std::string randomBytes(size_t bytes);

}  // namespace fleetdeck
