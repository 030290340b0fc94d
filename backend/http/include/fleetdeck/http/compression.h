// gzip response compression for clients that ask for it (Accept-Encoding), on zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

// True when the Accept-Encoding value allows gzip (q=0 refuses it; "*" allows it).
bool acceptsGzip(std::string_view acceptEncoding);

// gzip format (RFC 1952) at `level` 1-9.
Result<std::string> gzipCompress(std::string_view data, int level = 6);
// For tests and tools: the inverse, refusing output beyond `maxBytes`.
Result<std::string> gzipDecompress(std::string_view data, size_t maxBytes = 64 << 20);

// Compresses `response` in place when the request accepts gzip, the body is at least `minBytes`,
// and the response is not already encoded; adds Content-Encoding and Vary: Accept-Encoding.
void compressIfAccepted(const HttpRequest& request, HttpResponse& response, size_t minBytes = 1024, int level = 6);

}  // namespace fleetdeck::http
