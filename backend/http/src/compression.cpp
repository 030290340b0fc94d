#include "fleetdeck/http/compression.h"

#include <zlib.h>

#include <charconv>

#include "field_values.h"

namespace fleetdeck::http {
namespace {

// The q value of one Accept-Encoding element ("gzip;q=0.5" -> 0.5); 1 when absent.
double qualityOf(std::string_view parameters) {
  while (!parameters.empty()) {
    const size_t semicolon = parameters.find(';');
    std::string_view parameter = detail::trimOptionalWhitespace(parameters.substr(0, semicolon));
    if (parameter.starts_with("q=") || parameter.starts_with("Q=")) {
      const std::string value(parameter.substr(2));
      char* end = nullptr;
      const double q = std::strtod(value.c_str(), &end);
      return end == value.c_str() ? 0.0 : q;
    }
    if (semicolon == std::string_view::npos) break;
    parameters.remove_prefix(semicolon + 1);
  }
  return 1.0;
}

}  // namespace

bool acceptsGzip(std::string_view acceptEncoding) {
  double gzip = -1;
  double any = -1;
  detail::forEachListElement(acceptEncoding, [&](std::string_view element) {
    const size_t semicolon = element.find(';');
    const std::string_view coding = detail::trimOptionalWhitespace(element.substr(0, semicolon));
    const double q = semicolon == std::string_view::npos ? 1.0 : qualityOf(element.substr(semicolon + 1));
    if (equalsIgnoreCase(coding, "gzip") || equalsIgnoreCase(coding, "x-gzip")) gzip = q;
    if (coding == "*") any = q;
  });
  if (gzip >= 0) return gzip > 0;
  return any > 0;
}

Result<std::string> gzipCompress(std::string_view data, int level) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return internalError("cannot start gzip compression");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  const size_t produced = stream.total_out;
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return internalError("gzip compression failed");
  out.resize(produced);
  return out;
}

Result<std::string> gzipDecompress(std::string_view data, size_t maxBytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return internalError("cannot start gzip decompression");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    result = inflate(&stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) {
      inflateEnd(&stream);
      return invalidArgument("not valid gzip data");
    }
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (out.size() > maxBytes) {
      inflateEnd(&stream);
      return resourceExhausted("gzip data expands beyond " + std::to_string(maxBytes) + " bytes");
    }
    if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return invalidArgument("truncated gzip data");
    }
  }
  inflateEnd(&stream);
  return out;
}

void compressIfAccepted(const HttpRequest& request, HttpResponse& response, size_t minBytes, int level) {
  if (response.body.size() < minBytes || response.headers.contains("Content-Encoding")) return;
  const auto accept = request.header("Accept-Encoding");
  if (!accept || !acceptsGzip(*accept)) {
    // Caches must still know the answer depends on the header.
    if (!response.headers.contains("Vary")) response.headers.add("Vary", "Accept-Encoding");
    return;
  }
  auto compressed = gzipCompress(response.body, level);
  if (!compressed) return;  // sending it uncompressed is always correct
  response.body = std::move(*compressed);
  response.headers.add("Content-Encoding", "gzip");
  response.headers.add("Vary", "Accept-Encoding");
}

}  // namespace fleetdeck::http
