// Private to fleetdeck::http: the HTTP/1.1 parser the server reads requests with and the async client
// reads answers with, writing straight into our message types.
//
// picohttpparser parses the head (start line and fields) in one pass over a contiguous buffer; the
// framing around it is ours and as strict as Beast's parser, which it replaces (a third of the
// proxy's instructions per request went to Beast's byte-at-a-time field loop): one Content-Length or
// a chunked Transfer-Encoding, never both; chunk sizes in hex with CRLF line ends; trailer fields
// refused in requests; head, chunk lines and bodies under their limits. Errors are Beast's codes
// (the server maps body_limit to 413, header_limit to 431, the rest to 400) plus a few of ours.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fleetdeck/http/message.h"

struct phr_header;  // picohttpparser's, which stays out of this header

namespace fleetdeck::http::detail {

// Refusals Beast's error codes have no name for; error_code::message() says what was refused.
enum class ParserError {
  kTrailerFields = 1,  // a chunked request's trailer fields (they would bypass the head's checks)
  kFoldedField,        // obs-fold: a field value continued on the next line
  kMalformedHead,      // refused by picohttpparser where no finer reason was found
};
const boost::system::error_category& parserErrorCategory();
boost::system::error_code makeError(ParserError error);
inline boost::system::error_code trailerFieldsRefused() { return makeError(ParserError::kTrailerFields); }

// A parser is good for one message: emplace a new one for the next.
template <bool isRequest>
class MessageParser {
 public:
  using Message = std::conditional_t<isRequest, HttpRequest, HttpResponse>;
  using error_code = boost::system::error_code;

  MessageParser() { message_.headers.reserve(16); }

  // Bytes the head may take, and each chunk-size line or trailer section after it (default 8 KiB).
  void setHeaderLimit(size_t bytes) { headerLimit_ = bytes; }
  // Bytes the body may take once de-chunked (default 8 MiB).
  void setBodyLimit(std::uint64_t bytes) { bodyLimit_ = bytes; }
  // The answer to a HEAD request: its head's length fields describe a body that is not sent.
  void expectNoBody() { noBody_ = true; }
  // Only fields named in `names` (any case; it must outlive the parser) go into the message; the rest
  // are read for the framing only. Null: all of them.
  void keepOnlyFields(const std::vector<std::string>* names) { keepOnly_ = names; }

  // Takes what it can of `data` (the caller's unread bytes, from the start of this message's unused
  // part); returns how many bytes it used. Using none without an error means it needs more bytes:
  // a head is parsed only once it is whole, so the caller keeps the bytes and calls again with more.
  size_t put(std::string_view data, error_code& error);
  // The connection ended: completes an answer framed by the connection's end, refuses the rest.
  void putEof(error_code& error);

  bool done() const { return state_ == State::kDone; }
  // Whether any byte of this message arrived (a connection closed before that may be retried).
  bool receivedAny() const { return receivedAny_; }
  bool keepAlive() const;
  // 10 + the minor version: 10 for HTTP/1.0, 11 for HTTP/1.1 (up to 19: any HTTP/1.x is read as 1.1).
  int version() const { return version_; }
  Message& message() { return message_; }

 private:
  enum class State { kHead, kLengthBody, kBodyToEof, kChunkSize, kChunkLine, kChunkLineLf, kChunkData, kChunkDataCr,
                     kChunkDataLf, kTrailerLineStart, kTrailerLine, kTrailerEndLf, kDone };

  size_t putHead(std::string_view data, error_code& error);
  error_code takeFields(const phr_header* fields, size_t count);
  void noteConnectionOptions(std::string_view value, bool inTrailer);
  error_code startBody();
  void readNextHead();
  size_t putChunked(std::string_view data, error_code& error);
  error_code takeTrailerField();
  void addField(std::string_view name, std::string_view value);
  bool appendBody(std::string_view bytes, error_code& error);

  Message message_;
  State state_ = State::kHead;
  size_t headerLimit_ = 8 * 1024;
  std::uint64_t bodyLimit_ = 8 * 1024 * 1024;
  size_t bytesOfferedLastCall_ = 0;   // of an incomplete head (picohttpparser's resume hint)
  size_t windowAtLastFullParse_ = 0;  // bytes of the incomplete head when it was last parsed whole
  std::uint64_t remaining_ = 0;  // of the Content-Length body, or of the current chunk
  std::uint64_t contentLength_ = 0;
  size_t chunkSizeDigits_ = 0;
  size_t framingBytes_ = 0;  // of the current chunk-size line, or of the trailer section
  std::string chunkExtension_;  // of the current chunk-size line, until its CR
  std::string trailerLine_;  // an answer's trailer field, until its line is whole
  int version_ = 11;
  const std::vector<std::string>* keepOnly_ = nullptr;
  bool noBody_ = false;
  bool receivedAny_ = false;
  bool hasContentLength_ = false;
  bool hasTransferEncoding_ = false;
  bool chunked_ = false;
  bool connectionClose_ = false;
  bool connectionKeepAlive_ = false;
  bool bodyToEof_ = false;
};

extern template class MessageParser<true>;
extern template class MessageParser<false>;

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace fleetdeck::http::detail
