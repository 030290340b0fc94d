#include "fleetdeck/bus/message.h"

#include <cctype>
#include <cstdlib>

#include "nats_internal.h"

namespace fleetdeck::bus {

std::optional<std::string> findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> ReceivedMessage::header(std::string_view name) const { return findHeader(headers, name); }

ReceivedMessage messageFromNats(natsMsg* msg) {
  ReceivedMessage received;
  received.subject = natsMsg_GetSubject(msg);
  if (const char* data = natsMsg_GetData(msg); data != nullptr) {
    received.data.assign(data, static_cast<size_t>(natsMsg_GetDataLength(msg)));
  }
  const char** keys = nullptr;
  int keyCount = 0;
  if (natsMsgHeader_Keys(msg, &keys, &keyCount) == NATS_OK) {
    for (int i = 0; i < keyCount; ++i) {
      const char** values = nullptr;
      int valueCount = 0;
      if (natsMsgHeader_Values(msg, keys[i], &values, &valueCount) == NATS_OK) {
        for (int j = 0; j < valueCount; ++j) received.headers.emplace_back(keys[i], values[j]);
        free(values);
      }
    }
    free(keys);
  }
  return received;
}

bool isNatsControlHeader(std::string_view name) {
  constexpr std::string_view kPrefix = "nats-";
  if (name.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != kPrefix[i]) return false;
  }
  return true;
}

}  // namespace fleetdeck::bus
