#include "message_parser.h"

#include <boost/beast/http/error.hpp>
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "field_values.h"
#include "picohttpparser.h"

namespace fleetdeck::http::detail {
namespace {

using boost::beast::http::error;
using error_code = boost::system::error_code;

class ParserErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fleetdeck.http.parser"; }
  std::string message(int code) const override {
    switch (static_cast<ParserError>(code)) {
      case ParserError::kTrailerFields:
        return "trailer fields are not accepted";
      case ParserError::kFoldedField:
        return "a field value folded onto the next line (obs-fold) is not accepted";
      case ParserError::kMalformedHead:
        return "malformed message head";
    }
    return "unknown parser error";
  }
};

// Fields a typical message has; a head with more is parsed again with room for as many as its bytes hold.
constexpr size_t kStackFields = 32;
// A body announced by its Content-Length gets this much memory before its bytes arrive.
constexpr std::uint64_t kBodyReservedUpFront = 64 * 1024;
// Partial heads shorter than this are parsed from their start on every read; see putHead.
constexpr size_t kParseEveryTimeBelow = 1024;
// 15 hex digits: a chunk of up to 2^60 bytes, far past any body limit, and no overflow.
constexpr size_t kMaxChunkSizeDigits = 15;

// RFC 9110 tchar: what a method or a field name is made of.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool isToken(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return kTokenChars[static_cast<unsigned char>(c)]; });
}

// A control character other than HTAB: never part of a field value, target, reason or chunk extension.
bool isControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

bool hasControl(std::string_view text) { return std::any_of(text.begin(), text.end(), isControl); }

// A CR that ends what has arrived may be its line's end, whose LF is still to come.
std::string_view trimTrailingCr(std::string_view text) { return text.ends_with('\r') ? text.substr(0, text.size() - 1) : text; }


// RFC 9112 section 7.1.1: what may follow a chunk's size on its line, before the CRLF (Beast's rule):
//   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), the name a token, the
//   value a token or a quoted-string. Controls other than HTAB were refused as they arrived.
bool isChunkExtension(std::string_view text) {
  size_t i = 0;
  auto skipWhitespace = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  auto skipToken = [&] {
    const size_t start = i;
    while (i < text.size() && kTokenChars[static_cast<unsigned char>(text[i])]) ++i;
    return i > start;
  };
  // qdtext and what a quoted-pair's backslash may escape: HTAB, SP, VCHAR, obs-text.
  auto isQuotable = [](char c) { return !isControl(c); };
  while (i < text.size()) {
    skipWhitespace();
    if (i == text.size() || text[i] != ';') return false;
    ++i;
    skipWhitespace();
    if (!skipToken()) return false;
    const size_t afterName = i;
    skipWhitespace();
    if (i == text.size() || text[i] != '=') {
      i = afterName;  // whitespace here may only come before the next ';'
      continue;
    }
    ++i;
    skipWhitespace();
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i == text.size()) return false;
        if (text[i] == '"') break;
        if (text[i] == '\\' && ++i == text.size()) return false;
        if (!isQuotable(text[i])) return false;
      }
      ++i;
    } else if (!skipToken()) {
      return false;
    }
  }
  return true;
}

bool parseDecimal(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.size() > 18) return false;  // 18 digits cannot overflow 64 bits
  std::uint64_t result = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + static_cast<std::uint64_t>(c - '0');
  }
  value = result;
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class FramingField { kNone, kContentLength, kTransferEncoding, kConnection };

// By length first: most fields are none of the three, and this runs for every field of every message.
FramingField fieldThatFrames(std::string_view name) {
  switch (name.size()) {
    case 10:
      return equalsIgnoreCase(name, "connection") ? FramingField::kConnection : FramingField::kNone;
    case 14:
      return equalsIgnoreCase(name, "content-length") ? FramingField::kContentLength : FramingField::kNone;
    case 17:
      return equalsIgnoreCase(name, "transfer-encoding") ? FramingField::kTransferEncoding : FramingField::kNone;
    default:
      return FramingField::kNone;
  }
}


// picohttpparser says only that a head is malformed; this names the first part that is, for the
// 400's message. It may see only the head's start (the rest has not arrived), and reads it as
// picohttpparser does, left to right, so the name does not depend on how the bytes were split.
error_code diagnoseHead(std::string_view head, bool isRequest) {
  const error_code cutShort = makeError(ParserError::kMalformedHead);
  // Takes the bytes up to `stop` (excluded); false when the head ends first.
  auto takeUntil = [&head](char stop, std::string_view& taken) {
    const size_t at = head.find(stop);
    taken = head.substr(0, at);
    if (at == std::string_view::npos) return false;
    head.remove_prefix(at + 1);
    return true;
  };
  // "HTTP/1.<digit>", or as much of it as arrived.
  auto versionError = [&head]() -> std::optional<error_code> {
    constexpr std::string_view kVersion = "HTTP/1.";
    const std::string_view text = head.substr(0, kVersion.size() + 1);
    if (!kVersion.starts_with(text.substr(0, kVersion.size())) ||
        (text.size() > kVersion.size() && (text.back() < '0' || text.back() > '9'))) {
      return error_code(error::bad_version);
    }
    if (text.size() <= kVersion.size()) return std::nullopt;
    head.remove_prefix(text.size());
    return error_code();
  };
  std::string_view part;
  if (isRequest) {
    if (head.starts_with("\r\n")) head.remove_prefix(2);  // one empty line before a request is allowed
    const bool methodEnded = takeUntil(' ', part);
    if (!part.empty() && !isToken(part)) return error::bad_method;
    if (!methodEnded) return cutShort;
    if (part.empty()) return error::bad_method;
    const bool targetEnded = takeUntil(' ', part);
    if (hasControl(part) || part.find('\t') != std::string_view::npos) return error::bad_target;
    if (!targetEnded) return cutShort;
    if (part.empty()) return error::bad_target;
    const auto version = versionError();
    if (!version) return cutShort;
    if (*version) return *version;
    if (!head.empty() && head.front() != '\r' && head.front() != '\n') return error::bad_version;
  } else {
    const auto version = versionError();
    if (!version) return cutShort;
    if (*version) return *version;
    if (head.empty()) return cutShort;
    if (head.front() != ' ') return error::bad_version;
    head.remove_prefix(1);
    const std::string_view status = head.substr(0, 3);
    if (!std::all_of(status.begin(), status.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return error::bad_status;
    }
    if (status.size() < 3) return cutShort;
    head.remove_prefix(3);
    if (!head.empty() && head.front() != ' ') return error::bad_status;
  }
  // The rest of the start line (a reason phrase), then the fields, a line at a time.
  const bool startLineEnded = takeUntil('\n', part);
  if (part.ends_with('\r') && startLineEnded) part.remove_suffix(1);
  if (hasControl(startLineEnded ? part : trimTrailingCr(part))) return isRequest ? error::bad_version : error::bad_reason;
  if (!startLineEnded) return cutShort;
  while (!head.empty()) {
    const bool whole = takeUntil('\n', part);
    if (whole && (part.empty() || part == "\r")) break;  // the head's end
    if (part.empty()) break;
    if (part.front() == ' ' || part.front() == '\t') return makeError(ParserError::kFoldedField);
    // The name is read up to its ':' as it came (a CR in it is no line end); the value to the line's.
    const size_t colon = part.find(':');
    const std::string_view name = part.substr(0, colon);
    if ((whole || colon != std::string_view::npos || !name.empty()) && !isToken(name)) return error::bad_field;
    if (colon == std::string_view::npos) return whole ? error::bad_field : cutShort;
    if (hasControl(trimTrailingCr(part.substr(colon + 1)))) return error::bad_value;
    if (!whole) break;
  }
  return cutShort;
}

}  // namespace

const boost::system::error_category& parserErrorCategory() {
  static const ParserErrorCategory category;
  return category;
}

boost::system::error_code makeError(ParserError error) { return {static_cast<int>(error), parserErrorCategory()}; }

template <bool isRequest>
size_t MessageParser<isRequest>::put(std::string_view data, error_code& error) {
  error = {};
  if (data.empty()) return 0;
  receivedAny_ = true;
  size_t used = 0;
  while (state_ == State::kHead) {  // more than once after an interim (1xx) answer
    const size_t head = putHead(data, error);
    used += head;
    data.remove_prefix(head);
    if (error || head == 0 || data.empty()) return used;
  }
  switch (state_) {
    case State::kDone:
      return used;
    case State::kLengthBody: {
      const size_t take = static_cast<size_t>(std::min<std::uint64_t>(remaining_, data.size()));
      message_.body.append(data.data(), take);
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDone;
      return used + take;
    }
    case State::kBodyToEof:
      if (!appendBody(data, error)) return used;
      return used + data.size();
    default:
      return used + putChunked(data, error);
  }
}

template <bool isRequest>
size_t MessageParser<isRequest>::putHead(std::string_view data, error_code& error) {
  // Only the first headerLimit_ bytes may hold the head: a longer one is refused, not scanned on.
  const size_t window = std::min(data.size(), headerLimit_);
  // picohttpparser can first look for the head's end only in what arrived since last time (its
  // slowloris check) and parse only then, or parse all of it now, which finds a malformed line before
  // the head is whole. A short head is parsed whole each time; a long one when it grew by a quarter,
  // so a head sent a byte at a time costs linear work, not quadratic; and always at the limit, so the
  // refusal there names the malformed line (400) as it would for the same bytes read at once, rather
  // than the limit (431). A malformed line in a long head still arriving is found a little later.
  const bool parseAll = window < kParseEveryTimeBelow || window == headerLimit_ ||
                        window >= windowAtLastFullParse_ + windowAtLastFullParse_ / 4;
  const size_t resumeFrom = parseAll ? 0 : std::min(bytesOfferedLastCall_, window);
  if (parseAll) windowAtLastFullParse_ = window;
  std::array<phr_header, kStackFields> stackFields;
  std::vector<phr_header> moreFields;
  phr_header* fields = stackFields.data();
  size_t fieldCount = stackFields.size();
  int minorVersion = 0;
  const char* method = nullptr;
  size_t methodLength = 0;
  const char* target = nullptr;
  size_t targetLength = 0;
  int status = 0;
  const char* reason = nullptr;
  size_t reasonLength = 0;
  auto parse = [&] {
    if constexpr (isRequest) {
      return phr_parse_request(data.data(), window, &method, &methodLength, &target, &targetLength, &minorVersion,
                               fields, &fieldCount, resumeFrom);
    } else {
      return phr_parse_response(data.data(), window, &minorVersion, &status, &reason, &reasonLength, fields,
                                &fieldCount, resumeFrom);
    }
  };
  int headLength = parse();
  if (headLength == -1 && fieldCount == stackFields.size()) {
    // Every field line takes at least three bytes ("a:" and LF): this many always fit what arrived
    // (sized by the bytes, not the limit: a head still arriving is parsed again on every read).
    moreFields.resize(window / 3 + 1);
    fields = moreFields.data();
    fieldCount = moreFields.size();
    headLength = parse();
  }
  if (headLength == -2) {
    if (window == headerLimit_) error = error::header_limit;
    bytesOfferedLastCall_ = window;
    return 0;
  }
  if (headLength < 0) {
    error = diagnoseHead(data.substr(0, window), isRequest);
    return 0;
  }
  version_ = 10 + minorVersion;
  if constexpr (isRequest) {
    const std::string_view methodText(method, methodLength);
    if (!isToken(methodText)) {
      error = error::bad_method;
      return 0;
    }
    if (targetLength == 0) {
      error = error::bad_target;
      return 0;
    }
    message_.method.assign(methodText);
    message_.target.assign(target, targetLength);
  } else {
    if (status < 100) {
      error = error::bad_status;
      return 0;
    }
    message_.status = status;
  }
  if ((error = takeFields(fields, fieldCount))) return 0;
  if ((error = startBody())) return 0;
  return static_cast<size_t>(headLength);
}

template <bool isRequest>
boost::system::error_code MessageParser<isRequest>::takeFields(const phr_header* fields, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (fields[i].name == nullptr) return makeError(ParserError::kFoldedField);
    const std::string_view name(fields[i].name, fields[i].name_len);
    const std::string_view value = trimOptionalWhitespace(std::string_view(fields[i].value, fields[i].value_len));
    switch (fieldThatFrames(name)) {
      case FramingField::kContentLength:
        // Two lengths, even equal ones, are how one message is read as two (request smuggling).
        if (hasContentLength_) return error::multiple_content_length;
        if (!parseDecimal(value, contentLength_)) return error::bad_content_length;
        hasContentLength_ = true;
        break;
      case FramingField::kTransferEncoding: {
        // Even an empty one: a front proxy that reads only the last field would see no chunked body.
        if (chunked_) return error::bad_transfer_encoding;
        hasTransferEncoding_ = true;
        bool refused = false;
        forEachListElement(value, [&](std::string_view coding) {
          // Chunked comes last and once: anything after it would leave the body's end unknown.
          if (chunked_) refused = true;
          chunked_ = equalsIgnoreCase(coding, "chunked");
        });
        if (refused) return error::bad_transfer_encoding;
        break;
      }
      case FramingField::kConnection:
        noteConnectionOptions(value, /*inTrailer=*/false);
        break;
      case FramingField::kNone:
        break;
    }
    addField(name, value);
  }
  return {};
}

// "close" ends the connection after this message; "keep-alive" keeps an HTTP/1.0 one, and only from
// the head (a trailer comes too late to change what the head promised).
template <bool isRequest>
void MessageParser<isRequest>::noteConnectionOptions(std::string_view value, bool inTrailer) {
  forEachListElement(value, [this, inTrailer](std::string_view option) {
    if (equalsIgnoreCase(option, "close")) connectionClose_ = true;
    if (!inTrailer && equalsIgnoreCase(option, "keep-alive")) connectionKeepAlive_ = true;
  });
}

template <bool isRequest>
void MessageParser<isRequest>::addField(std::string_view name, std::string_view value) {
  if (keepOnly_ != nullptr && std::none_of(keepOnly_->begin(), keepOnly_->end(), [name](const std::string& kept) {
        return equalsIgnoreCase(kept, name);
      })) {
    return;
  }
  message_.headers.add(std::string(name), std::string(value));
}

// After an interim answer: what its head said is forgotten, and the next head is read as the first.
template <bool isRequest>
void MessageParser<isRequest>::readNextHead() {
  message_ = Message();
  message_.headers.reserve(16);
  hasContentLength_ = hasTransferEncoding_ = chunked_ = connectionClose_ = connectionKeepAlive_ = false;
  contentLength_ = 0;
  bytesOfferedLastCall_ = windowAtLastFullParse_ = 0;
  state_ = State::kHead;
}

template <bool isRequest>
boost::system::error_code MessageParser<isRequest>::startBody() {
  // Both framings at once is the classic way to make two parsers disagree on where a message ends.
  if (hasContentLength_ && hasTransferEncoding_) return error::bad_transfer_encoding;
  // RFC 9112 section 6.1: HTTP/1.0 has no transfer codings, so its framing is faulty. A front proxy
  // reading it as HTTP/1.0 would take the chunks for the next request where we took them for a body.
  if (hasTransferEncoding_ && version_ < 11) return error::bad_transfer_encoding;
  if constexpr (isRequest) {
    if (hasTransferEncoding_ && !chunked_) return error::bad_transfer_encoding;
  } else {
    const int status = message_.status;
    if (status / 100 == 1 && status != 101) {
      // RFC 9110 section 15.2: an interim answer (100 Continue, 103 Early Hints) is read past; the
      // final one follows on the same connection. Taken for the answer, it left the final one unread
      // on a pooled connection, for the next request to be given.
      readNextHead();
      return {};
    }
    if (noBody_ || status / 100 == 1 || status == 204 || status == 304) {
      state_ = State::kDone;
      return {};
    }
  }
  if (chunked_) {
    state_ = State::kChunkSize;
    return {};
  }
  if (hasContentLength_) {
    if (contentLength_ > bodyLimit_) return error::body_limit;
    // What arrives, not what is announced: a head alone must not make every connection hold a
    // body-limit's worth of memory. Past this the string grows as the bytes come.
    message_.body.reserve(static_cast<size_t>(std::min<std::uint64_t>(contentLength_, kBodyReservedUpFront)));
    remaining_ = contentLength_;
    state_ = contentLength_ == 0 ? State::kDone : State::kLengthBody;
    return {};
  }
  if constexpr (isRequest) {
    state_ = State::kDone;  // a request without either has no body
  } else {
    bodyToEof_ = true;  // an answer without either ends where the connection does
    state_ = State::kBodyToEof;
  }
  return {};
}

template <bool isRequest>
bool MessageParser<isRequest>::appendBody(std::string_view bytes, error_code& error) {
  if (message_.body.size() + bytes.size() > bodyLimit_) {
    error = error::body_limit;
    return false;
  }
  message_.body.append(bytes.data(), bytes.size());
  return true;
}

template <bool isRequest>
size_t MessageParser<isRequest>::putChunked(std::string_view data, error_code& error) {
  // Chunk-size lines and trailer sections count against the header limit, so an endless extension
  // or trailer is refused before the read timeout rather than read forever.
  auto countFraming = [this, &error](size_t bytes) {
    framingBytes_ += bytes;
    if (framingBytes_ > headerLimit_) error = error::header_limit;
    return !error;
  };
  size_t i = 0;
  while (i < data.size() && state_ != State::kDone) {
    const char c = data[i];
    switch (state_) {
      case State::kChunkSize: {
        const int digit = hexValue(c);
        if (digit < 0) {
          // The size ends at the line's end, an extension's ';' or the whitespace before one.
          if (chunkSizeDigits_ == 0 || (c != '\r' && c != ';' && c != ' ' && c != '\t')) {
            error = error::bad_chunk;
            return i;
          }
          state_ = State::kChunkLine;
          break;
        }
        if (++chunkSizeDigits_ > kMaxChunkSizeDigits) {
          error = error::bad_chunk;
          return i;
        }
        remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
        if (!countFraming(1)) return i;
        ++i;
        break;
      }
      case State::kChunkLine: {  // extensions (";name=value"), if any, up to the line's CR
        size_t end = i;
        while (end < data.size() && data[end] != '\r') {
          if (isControl(data[end])) {
            error = error::bad_chunk_extension;
            return end;
          }
          ++end;
        }
        if (!countFraming(end - i)) return i;
        // Kept until the line is whole (under the header limit, counted above), then checked whole.
        chunkExtension_.append(data.data() + i, end - i);
        i = end;
        if (i < data.size()) {
          if (!isChunkExtension(chunkExtension_)) {
            error = error::bad_chunk_extension;
            return i;
          }
          chunkExtension_.clear();
          state_ = State::kChunkLineLf;
          ++i;
        }
        break;
      }
      case State::kChunkLineLf:
        if (c != '\n') {
          error = error::bad_chunk;
          return i;
        }
        ++i;
        if (remaining_ == 0) {  // the last chunk: trailer fields or the empty line follow
          framingBytes_ = 0;
          state_ = State::kTrailerLineStart;
        } else {
          state_ = State::kChunkData;
        }
        break;
      case State::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
        if (!appendBody(data.substr(i, take), error)) return i;
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kChunkDataCr;
        break;
      }
      case State::kChunkDataCr:
      case State::kChunkDataLf:
        if (c != (state_ == State::kChunkDataCr ? '\r' : '\n')) {
          error = error::bad_chunk;
          return i;
        }
        ++i;
        if (state_ == State::kChunkDataCr) {
          state_ = State::kChunkDataLf;
        } else {
          state_ = State::kChunkSize;
          chunkSizeDigits_ = 0;
          framingBytes_ = 0;
        }
        break;
      case State::kTrailerLineStart:
        if (c == '\n') {
          error = error::bad_line_ending;
          return i;
        }
        if (c == '\r') {
          state_ = State::kTrailerEndLf;
          ++i;
        } else {
          state_ = State::kTrailerLine;
        }
        break;
      case State::kTrailerLine: {
        const size_t lf = data.find('\n', i);
        const size_t end = lf == std::string_view::npos ? data.size() : lf + 1;
        if (!countFraming(end - i)) return i;
        trailerLine_.append(data.data() + i, end - i);
        if (lf == std::string_view::npos) return data.size();
        if constexpr (isRequest) {
          // Whole, it would arrive after every check made of the head (a trailer Authorization or
          // X-Forwarded-For), and no client of ours sends one: refused rather than dropped silently.
          error = trailerFieldsRefused();
          return i;
        }
        if ((error = takeTrailerField())) return i;
        i = end;
        state_ = State::kTrailerLineStart;
        break;
      }
      case State::kTrailerEndLf:
        if (c != '\n') {
          error = error::bad_chunk;
          return i;
        }
        ++i;
        state_ = State::kDone;
        break;
      default:
        return i;
    }
  }
  return i;
}

// An answer's trailer field joins its head's fields, as Beast's parser had them.
template <bool isRequest>
boost::system::error_code MessageParser<isRequest>::takeTrailerField() {
  std::string_view line = trailerLine_;
  if (line.size() < 2 || line[line.size() - 2] != '\r') return error::bad_line_ending;
  line.remove_suffix(2);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) return error::bad_field;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trimOptionalWhitespace(line.substr(colon + 1));
  if (hasControl(value)) return error::bad_value;
  // It joins the head's fields, where a length or coding would say something else of this body.
  switch (fieldThatFrames(name)) {
    case FramingField::kContentLength:
      return error::bad_content_length;
    case FramingField::kTransferEncoding:
      return error::bad_transfer_encoding;
    case FramingField::kConnection:
      noteConnectionOptions(value, /*inTrailer=*/true);
      break;
    case FramingField::kNone:
      break;
  }
  addField(name, value);
  trailerLine_.clear();
  return {};
}

template <bool isRequest>
void MessageParser<isRequest>::putEof(error_code& error) {
  error = {};
  if (state_ == State::kBodyToEof) {
    state_ = State::kDone;
    return;
  }
  if (state_ != State::kDone) error = error::partial_message;
}

template <bool isRequest>
bool MessageParser<isRequest>::keepAlive() const {
  if (bodyToEof_) return false;
  if constexpr (!isRequest) {
    if (message_.status == 101) return false;  // the connection left HTTP/1.1 (we never ask it to)
  }
  if (version_ >= 11) return !connectionClose_;
  return connectionKeepAlive_ && !connectionClose_;
}

template class MessageParser<true>;
template class MessageParser<false>;

}  // namespace fleetdeck::http::detail
