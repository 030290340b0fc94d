// REST <-> gRPC message conversion for one RestMapping: path parameters, query, JSON body and
// If-Match become the request message; the response message becomes JSON plus an ETag.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "domain/rest_mapping.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/http/message.h"

namespace google::protobuf {
class Message;
}

namespace fleetdeck::gateway {

struct TranscodeLimits {
  // Deeper JSON is refused before it reaches a parser that recurses.
  int maxJsonDepth = 32;
};

// OK when `text` can travel in a proto string field: UTF-8 without NUL characters. Anything else
// would fail the call's serialization upstream (a 500); here it is INVALID_ARGUMENT naming `field`.
// For the gateway's own routes that fill request messages by hand; buildRequest checks its own.
Status checkStringField(std::string_view field, std::string_view text);

class Transcoder {
 public:
  explicit Transcoder(TranscodeLimits limits = {}) : limits_(limits) {}

  // INVALID_ARGUMENT naming the offending field, parameter, header or JSON position.
  Result<std::unique_ptr<google::protobuf::Message>> buildRequest(const RestMapping& mapping,
                                                                  const http::HttpRequest& request) const;

  std::unique_ptr<google::protobuf::Message> newResponse(const RestMapping& mapping) const;

  // The JSON body (lowerCamelCase names, default values included) and, when the mapping names an
  // etag field, its value as a strong ETag ("\"7\"").
  Result<std::string> renderResponse(const RestMapping& mapping, const google::protobuf::Message& response,
                                     std::string& etag) const;

 private:
  TranscodeLimits limits_;
};

}  // namespace fleetdeck::gateway
