// The HTTP/1.1 parser (picohttpparser for the head, our framing) against Beast's parser, which it
// replaced, as the reference: the same messages accepted and read alike, the same refused, fed whole
// and in pieces. Where the two differ on purpose, a test of its own says so.
#include "message_parser.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace fleetdeck::http::detail {
namespace {

namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;

struct Outcome {
  error_code error;
  bool done = false;
  size_t used = 0;  // bytes of the input the message took
};

// Feeds `raw` `piece` bytes at a time the way the server does: unused bytes stay and more are appended.
// `eof` ends the input as a closed connection would.
template <bool isRequest>
Outcome feed(MessageParser<isRequest>& parser, std::string_view raw, size_t piece, bool eof = false) {
  Outcome outcome;
  std::string buffer;
  size_t offered = 0;
  for (;;) {
    // An allocation of exactly the unread bytes: a read past them is a heap overflow under ASan
    // (a std::string's spare capacity would hide it).
    const std::unique_ptr<char[]> exact(new char[std::max<size_t>(buffer.size(), 1)]);
    std::memcpy(exact.get(), buffer.data(), buffer.size());
    const size_t used = buffer.empty() ? 0 : parser.put(std::string_view(exact.get(), buffer.size()), outcome.error);
    buffer.erase(0, used);
    outcome.used += used;
    if (outcome.error || parser.done()) break;
    if (used == 0 || buffer.empty()) {
      if (offered == raw.size()) {
        if (eof) parser.putEof(outcome.error);
        break;
      }
      const size_t take = std::min(piece, raw.size() - offered);
      buffer.append(raw.substr(offered, take));
      offered += take;
    }
  }
  outcome.done = parser.done();
  return outcome;
}

template <typename BeastParser>
Outcome feedBeast(BeastParser& parser, std::string_view raw, bool eof = false) {
  Outcome outcome;
  while (!parser.is_done() && outcome.used < raw.size()) {
    const size_t used = parser.put(boost::asio::buffer(raw.data() + outcome.used, raw.size() - outcome.used),
                                   outcome.error);
    outcome.used += used;
    if (outcome.error == bhttp::error::need_more) {
      outcome.error = {};
      break;
    }
    if (outcome.error) break;
  }
  if (eof && !outcome.error && !parser.is_done()) parser.put_eof(outcome.error);
  outcome.done = parser.is_done();
  return outcome;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

template <typename BeastMessage>
Fields beastFields(const BeastMessage& message) {
  Fields fields;
  for (const auto& field : message) fields.emplace_back(field.name_string(), field.value());
  return fields;
}

// Whether both parsers took the message (alike in how many bytes it was); failures say how they differ.
bool bothTookIt(const Outcome& reference, const Outcome& mine) {
  EXPECT_EQ(!reference.error, !mine.error) << "Beast: " << reference.error.message()
                                           << "; ours: " << mine.error.message();
  if (reference.error || mine.error) return false;
  EXPECT_TRUE(reference.done);
  EXPECT_TRUE(mine.done);
  EXPECT_EQ(mine.used, reference.used);
  return reference.done && mine.done;
}

// Requests both parsers take, including the framings and connection options they must agree on.
const std::vector<std::string> kAcceptedRequests = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /api/v1/products/7?x=1&y=%20 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer abc.def-ghi\r\n"
    "X-Empty:\r\nX-Spaces:  \t v w \t \r\nx-lower: caf\xc3\xa9\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;name=value\r\n world\r\n"
    "A\r\n0123456789\r\n0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;a;b=\"c\"\r\nabc\r\n0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3 ;a = \"q\\\"\\\\ \\\t\x80\" ; b=c\t;d\r\nabc\r\n0;e\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    "GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\nUpgrade: websocket\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "DELETE /api/v1/users/1 HTTP/1.1\r\nIdempotency-Key: k\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n",
};

// Requests both parsers refuse.
const std::vector<std::string> kRefusedRequests = {
    "G@T / HTTP/1.1\r\n\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "GET / HTTX/1.1\r\n\r\n",
    "GET /a\x7f HTTP/1.1\r\n\r\n",
    "GET /\x01 HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
    "GET / HTTP/1.1\r\nName : x\r\n\r\n",
    "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
    "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\rz\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\x7fz\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a\x01\r\nabc\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
    // A chunk-size line is the size, its extensions (";name" or ";name=value", BWS allowed before
    // ";" and around "=") and CRLF: anything else after the size was taken as size 1, the rest skipped.
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 x\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0 \r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;;a\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a b\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b c\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b \r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"b\"c\r\na\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x80\r\na\r\n0\r\n\r\n",
    // A Transfer-Encoding field after the one that said chunked, even an empty one: a front proxy
    // that reads only the last field would see no chunked body and take the chunks for a request.
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n1\r\na\r\n0\r\n\r\n",
};

void expectSameRequest(const std::string& raw, size_t piece) {
  SCOPED_TRACE("request " + ::testing::PrintToString(raw) + " in pieces of " + std::to_string(piece));
  RequestParser ours;
  const Outcome mine = feed(ours, raw, piece);
  bhttp::request_parser<bhttp::string_body> beast;
  beast.eager(true);
  const Outcome reference = feedBeast(beast, raw);
  if (!bothTookIt(reference, mine)) return;
  const auto& message = beast.get();
  EXPECT_EQ(ours.message().method, std::string(message.method_string()));
  EXPECT_EQ(ours.message().target, std::string(message.target()));
  EXPECT_EQ(ours.version(), static_cast<int>(message.version()));
  EXPECT_EQ(ours.message().headers.fields(), beastFields(message));
  EXPECT_EQ(ours.message().body, message.body());
  EXPECT_EQ(ours.keepAlive(), beast.keep_alive());
}

TEST(MessageParser, RequestsAreReadAsBeastReadsThem_WholeAndInPieces) {
  for (const auto& raw : kAcceptedRequests) {
    for (const size_t piece : {raw.size(), size_t{1}, size_t{7}}) expectSameRequest(raw, piece);
  }
}

TEST(MessageParser, RequestsBeastRefuses_AreRefused_WholeAndInPieces) {
  for (const auto& raw : kRefusedRequests) {
    for (const size_t piece : {raw.size(), size_t{1}, size_t{5}}) {
      expectSameRequest(raw, piece);
      RequestParser ours;
      EXPECT_TRUE(feed(ours, raw, piece).error) << ::testing::PrintToString(raw);
    }
  }
}

struct Answer {
  std::string raw;
  bool endsWithTheConnection = false;
  bool toAHead = false;
};

const std::vector<Answer> kAcceptedAnswers = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nhi"},
    {"HTTP/1.1 204 No Content\r\n\r\n"},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"v1\"\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false, true},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n3\r\n!!!\r\n0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nServer: upstream\r\n\r\nto the end of the connection", true},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw to the end", true},
    {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy"},
    // A trailer's Connection: close ends the connection after the answer, as a head's would.
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nConnection: close\r\n\r\n"},
};

const std::vector<Answer> kRefusedAnswers = {
    {"HTTP/1.1 2x0 OK\r\n\r\n"},
    {"HTTP/2.0 200 OK\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", true},  // cut short
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n", true},
    {"HTTP/1.1 200 OK\r\nX: a\x02z\r\nContent-Length: 0\r\n\r\n"},
    // Framing fields in a trailer would join the head's fields (Beast refused them as in a head).
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nContent-Length: 1\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nTransfer-Encoding: gzip\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 x\r\na\r\n0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n1\r\na\r\n0\r\n\r\n"},
};

void expectSameAnswer(const Answer& answer, size_t piece) {
  SCOPED_TRACE("answer " + ::testing::PrintToString(answer.raw) + " in pieces of " + std::to_string(piece));
  ResponseParser ours;
  if (answer.toAHead) ours.expectNoBody();
  const Outcome mine = feed(ours, answer.raw, piece, answer.endsWithTheConnection);
  bhttp::response_parser<bhttp::string_body> beast;
  beast.eager(true);
  if (answer.toAHead) beast.skip(true);
  const Outcome reference = feedBeast(beast, answer.raw, answer.endsWithTheConnection);
  if (!bothTookIt(reference, mine)) return;
  const auto& message = beast.get();
  EXPECT_EQ(ours.message().status, static_cast<int>(message.result_int()));
  EXPECT_EQ(ours.version(), static_cast<int>(message.version()));
  EXPECT_EQ(ours.message().headers.fields(), beastFields(message));
  EXPECT_EQ(ours.message().body, message.body());
  EXPECT_EQ(ours.keepAlive(), beast.keep_alive());
}

TEST(MessageParser, AnswersAreReadAsBeastReadsThem_WholeAndInPieces) {
  for (const auto& answer : kAcceptedAnswers) {
    for (const size_t piece : {answer.raw.size(), size_t{1}, size_t{6}}) expectSameAnswer(answer, piece);
  }
}

TEST(MessageParser, AnswersBeastRefuses_AreRefused) {
  for (const auto& answer : kRefusedAnswers) {
    for (const size_t piece : {answer.raw.size(), size_t{1}}) {
      expectSameAnswer(answer, piece);
      ResponseParser ours;
      EXPECT_TRUE(feed(ours, answer.raw, piece, answer.endsWithTheConnection).error)
          << ::testing::PrintToString(answer.raw);
    }
  }
}

TEST(MessageParser, PipelinedRequests_EachTakesOnlyItsOwnBytes) {
  const std::string first = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestParser parser;
  error_code error;
  const std::string both = first + second;
  EXPECT_EQ(parser.put(both, error), first.size());
  ASSERT_FALSE(error) << error.message();
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.message().body, "ab");
  RequestParser next;
  EXPECT_EQ(next.put(second, error), second.size());
  EXPECT_TRUE(next.done());
  EXPECT_EQ(next.message().target, "/b");
}

// Beyond the 32 fields parsed on the stack, a head is parsed again with room for all it can hold.
TEST(MessageParser, AHeadWithManyFields_KeepsThemAllInOrder) {
  std::string raw = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 300; ++i) raw += "X-Field-" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
  raw += "\r\n";
  RequestParser parser;
  const Outcome outcome = feed(parser, raw, raw.size());
  ASSERT_FALSE(outcome.error) << outcome.error.message();
  ASSERT_EQ(parser.message().headers.fields().size(), 300u);
  EXPECT_EQ(parser.message().headers.fields()[299].first, "X-Field-299");
  EXPECT_EQ(parser.message().headers.get("x-field-31"), "31");
}

TEST(MessageParser, LimitsAreRefusedByName_HeadChunkLineAndBody) {
  {
    RequestParser parser;
    parser.setHeaderLimit(64);
    const std::string head = "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n";
    EXPECT_EQ(feed(parser, head, 10).error, bhttp::error::header_limit);
  }
  {
    RequestParser parser;
    parser.setHeaderLimit(64);
    const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(41, 'a') + "\r\n\r\n";  // 64 bytes exactly
    ASSERT_EQ(head.size(), 64u);
    EXPECT_FALSE(feed(parser, head, 10).error);
    EXPECT_TRUE(parser.done());
  }
  {
    RequestParser parser;
    parser.setBodyLimit(4);
    EXPECT_EQ(feed(parser, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 100).error, bhttp::error::body_limit);
  }
  {
    RequestParser parser;
    parser.setBodyLimit(4);
    const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    EXPECT_EQ(feed(parser, chunked, 3).error, bhttp::error::body_limit);
  }
  {
    // A chunk-size line's extension that never ends: refused at the head limit, not read forever.
    RequestParser parser;
    parser.setHeaderLimit(128);
    const std::string endless =
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(200, 'x') + "\r\na\r\n0\r\n\r\n";
    EXPECT_EQ(feed(parser, endless, 16).error, bhttp::error::header_limit);
  }
  {
    // Many small chunks are not an endless line: each chunk-size line counts on its own.
    RequestParser parser;
    parser.setHeaderLimit(64);
    std::string many = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 100; ++i) many += "1;e=v\r\nz\r\n";
    many += "0\r\n\r\n";
    const Outcome outcome = feed(parser, many, many.size());
    EXPECT_FALSE(outcome.error) << outcome.error.message();
    EXPECT_EQ(parser.message().body, std::string(100, 'z'));
  }
}

// Bytes from outside, mutated at random from the messages above (a fixed seed, a bounded count): the
// parser never takes more than it was given, and reaches the same outcome whether the bytes come
// whole or one at a time (every state survives a split). Run under ASan and UBSan by hand with
// 200,000-300,000 rounds a seed (docs/performance.md); `feed` hands over exact-size allocations for that.
struct MutationRun {
  int rounds = 3000;
  size_t headerLimit = 256;
  size_t piece = 1;
  // Bytes appended to every mutated message: with more than the header limit, every input reaches a
  // verdict (a head whose end never comes is refused at the limit, read whole or in pieces alike).
  size_t padding = 0;
};

template <bool isRequest>
void expectMutationsEndAlike(const std::vector<std::string>& seeds, bool eof, std::mt19937& random,
                             const MutationRun& run = {}) {
  static constexpr char kBytes[] = "\r\n :;,0123456789abcdefABCDEF\t\x00\x7f\x80";
  const std::string alphabet = std::string(kBytes, sizeof kBytes - 1) + "chunked";
  auto mutate = [&](std::string raw) {
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < edits && !raw.empty(); ++i) {
      const size_t at = random() % raw.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          raw[at] = c;
          break;
        case 1:
          raw.insert(raw.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          raw.erase(at, 1);
      }
    }
    return raw;
  };
  size_t taken = 0;
  size_t refused = 0;
  for (int round = 0; round < run.rounds; ++round) {
    const std::string raw = mutate(seeds[random() % seeds.size()]) + std::string(run.padding, 'a');
    MessageParser<isRequest> whole;
    whole.setHeaderLimit(run.headerLimit);
    whole.setBodyLimit(64);
    MessageParser<isRequest> pieces;
    pieces.setHeaderLimit(run.headerLimit);
    pieces.setBodyLimit(64);
    const Outcome all = feed(whole, raw, raw.size(), eof);
    const Outcome bytes = feed(pieces, raw, run.piece, eof);
    ASSERT_LE(all.used, raw.size());
    ASSERT_EQ(all.error, bytes.error) << ::testing::PrintToString(raw);
    ASSERT_EQ(all.done, bytes.done) << ::testing::PrintToString(raw);
    if (all.error) {
      ++refused;
      continue;
    }
    ASSERT_EQ(all.used, bytes.used) << ::testing::PrintToString(raw);
    if (!all.done) continue;
    ++taken;
    if constexpr (isRequest) {
      EXPECT_EQ(whole.message().method, pieces.message().method);
      EXPECT_EQ(whole.message().target, pieces.message().target);
    } else {
      EXPECT_EQ(whole.message().status, pieces.message().status);
    }
    EXPECT_EQ(whole.message().headers.fields(), pieces.message().headers.fields());
    EXPECT_EQ(whole.message().body, pieces.message().body);
    EXPECT_EQ(whole.keepAlive(), pieces.keepAlive());
  }
  // The mutations reach both sides: neither everything refused nor everything taken.
  EXPECT_GT(taken, static_cast<size_t>(run.rounds / 10));
  EXPECT_GT(refused, static_cast<size_t>(run.rounds / 10));
}

TEST(MessageParser, MutatedMessages_EndAlikeWholeAndByteByByte) {
  std::mt19937 random(20261129);
  std::vector<std::string> requests = kAcceptedRequests;
  requests.insert(requests.end(), kRefusedRequests.begin(), kRefusedRequests.end());
  expectMutationsEndAlike<true>(requests, /*eof=*/false, random);
  std::vector<std::string> answers;
  for (const auto& answer : kAcceptedAnswers) answers.push_back(answer.raw);
  for (const auto& answer : kRefusedAnswers) answers.push_back(answer.raw);
  expectMutationsEndAlike<false>(answers, /*eof=*/true, random);
  // Heads over 1 KiB, which are parsed whole only as they grow by a quarter and at the limit.
  const std::string longField = "X-Long: " + std::string(1500, 'v') + "\r\n";
  std::vector<std::string> longHeads;
  for (const auto& request : requests) {
    const size_t firstLine = request.find('\n');
    if (firstLine != std::string::npos) longHeads.push_back(request.substr(0, firstLine + 1) + longField + request.substr(firstLine + 1));
  }
  expectMutationsEndAlike<true>(longHeads, /*eof=*/false, random,
                                {.rounds = 60, .headerLimit = 4096, .piece = 7, .padding = 4200});
}

// A head announcing a large body gets memory as the body arrives, not all of it up front: otherwise
// heads alone, one per connection, would each hold a body limit's worth.
TEST(MessageParser, ALargeAnnouncedBody_IsNotReservedBeforeItArrives) {
  RequestParser parser;
  parser.setBodyLimit(8 << 20);
  const Outcome outcome = feed(parser, std::string("POST / HTTP/1.1\r\nContent-Length: 4000000\r\n\r\nabc"), 100);
  ASSERT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_FALSE(parser.done());
  EXPECT_EQ(parser.message().body, "abc");
  EXPECT_LE(parser.message().body.capacity(), 64u * 1024);
}

// A long head still arriving is parsed whole only as it grows by a quarter; at the limit it always is,
// so a bad byte near the limit is named (400) as it is when the same bytes come at once, not refused
// as too long (431).
TEST(MessageParser, ABadByteNearTheHeadLimit_IsNamed_WholeOrInPieces) {
  std::string raw = "GET / HTTP/1.1\r\nX-Long: " + std::string(3900, 'v');
  raw += '\x01';
  raw += std::string(400, 'v');  // no line end before the 4096-byte limit
  for (const size_t piece : {raw.size(), size_t{1}, size_t{100}}) {
    RequestParser parser;
    parser.setHeaderLimit(4096);
    EXPECT_EQ(feed(parser, raw, piece).error, bhttp::error::bad_value) << "in pieces of " << piece;
  }
}

// The field-value scan takes 16 bytes a turn (SSE2, our one change to picohttpparser): a control byte
// or DEL anywhere in a value, in either 16-byte block or the tail after them, is refused as Beast
// refuses it, and a tab anywhere is taken as Beast takes it.
TEST(MessageParser, AControlByteAnywhereInALongValue_IsFound) {
  for (size_t position = 0; position < 40; ++position) {
    for (int byte = 0; byte < 0x80; ++byte) {
      // LF ends the line (a lone LF is a line end here, not for Beast: LoneLineFeedsInAHead_AreLineEnds).
      if ((byte >= 0x20 && byte != 0x7f && byte != '\t') || byte == '\n') continue;
      std::string value(40, 'v');
      value[position] = static_cast<char>(byte);
      const std::string raw = "GET / HTTP/1.1\r\nX-Value: " + value + "\r\n\r\n";
      expectSameRequest(raw, raw.size());
      RequestParser ours;
      const Outcome outcome = feed(ours, raw, raw.size());
      if (byte == '\t') {
        EXPECT_FALSE(outcome.error) << "tab at " << position;
      } else {
        EXPECT_TRUE(outcome.error) << "byte " << byte << " at " << position;
      }
    }
  }
}

// Where we differ from Beast on purpose.
TEST(MessageParser, ARequestsTrailerFields_AreRefused_AnAnswersAreReadPast) {
  const std::string request =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nAuthorization: Bearer x\r\n\r\n";
  RequestParser parser;
  const Outcome outcome = feed(parser, request, request.size());
  EXPECT_EQ(outcome.error, trailerFieldsRefused());
  EXPECT_EQ(outcome.error.message(), "trailer fields are not accepted");
  EXPECT_FALSE(parser.message().headers.contains("Authorization"));
}

// RFC 9112 section 6.1: a request whose last coding is not chunked is refused (Beast reads
// "chunked, gzip" as a request without a body, and the chunks that follow as the next request).
TEST(MessageParser, ARequestWhoseLastCodingIsNotChunked_IsRefused) {
  RequestParser parser;
  const Outcome outcome =
      feed(parser, std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"), 100);
  EXPECT_EQ(outcome.error, bhttp::error::bad_transfer_encoding);
}

// RFC 9112 section 6.1: an HTTP/1.0 message with a Transfer-Encoding has faulty framing (Beast reads
// it as chunked). A front proxy that reads HTTP/1.0 as it should, without chunked coding, would take
// the chunks for the next request while we took them for this one's body.
TEST(MessageParser, AnHttp10MessageWithATransferEncoding_IsRefused) {
  for (const std::string raw : {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
                                "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}) {
    for (const size_t piece : {raw.size(), size_t{1}}) {
      RequestParser parser;
      EXPECT_EQ(feed(parser, raw, piece).error, bhttp::error::bad_transfer_encoding) << ::testing::PrintToString(raw);
    }
  }
  ResponseParser answer;
  EXPECT_EQ(feed(answer, std::string("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"), 100,
                 /*eof=*/true)
                .error,
            bhttp::error::bad_transfer_encoding);
}

// RFC 9110 section 15.2: a client reads past interim (1xx) answers to the final one. Beast's parser
// ends the message at the 1xx, and the client took "100 Continue" or "103 Early Hints" for the answer
// and pooled the connection with the real one unread, for the next request to be given.
TEST(MessageParser, InterimAnswers_AreReadPast_ToTheFinalOne) {
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
  const std::string final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: 1\r\n\r\nhi";
  for (const size_t piece : {interim.size() + final.size(), size_t{1}, size_t{7}}) {
    ResponseParser parser;
    const Outcome outcome = feed(parser, interim + final + "HTTP/1.1 200 OK\r\n", piece);
    ASSERT_FALSE(outcome.error) << outcome.error.message();
    EXPECT_TRUE(parser.done());
    EXPECT_EQ(outcome.used, interim.size() + final.size());
    EXPECT_EQ(parser.message().status, 200);
    EXPECT_EQ(parser.message().body, "hi");
    EXPECT_EQ(parser.message().headers.fields(), (Fields{{"Content-Length", "2"}, {"X-Final", "1"}}));
    EXPECT_TRUE(parser.keepAlive());
  }
  // An interim answer alone is not an answer yet.
  ResponseParser waiting;
  EXPECT_FALSE(feed(waiting, std::string("HTTP/1.1 100 Continue\r\n\r\n"), 100).done);
  // 101: the connection no longer speaks HTTP/1.1 (and we never ask for it): not kept.
  ResponseParser switching;
  const Outcome switched =
      feed(switching, std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw bytes"), 100);
  ASSERT_FALSE(switched.error) << switched.error.message();
  EXPECT_TRUE(switching.done());
  EXPECT_EQ(switching.message().status, 101);
  EXPECT_FALSE(switching.keepAlive());
}

TEST(MessageParser, AFoldedFieldValue_IsRefused_ByName) {
  RequestParser parser;
  const Outcome outcome = feed(parser, std::string("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n"), 100);
  EXPECT_EQ(outcome.error, makeError(ParserError::kFoldedField));
  EXPECT_NE(outcome.error.message().find("obs-fold"), std::string::npos);
}

// picohttpparser, like nginx, takes a lone LF as a line's end (RFC 9112 section 2.2 allows it);
// Beast refuses. The lines are read the same either way.
TEST(MessageParser, LoneLineFeedsInAHead_AreLineEnds) {
  RequestParser parser;
  const Outcome outcome = feed(parser, std::string("GET /x HTTP/1.1\nHost: a\nX-B: c\n\n"), 100);
  ASSERT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(parser.message().target, "/x");
  EXPECT_EQ(parser.message().headers.get("X-B"), "c");
}

TEST(MessageParser, RefusalsNameThePartThatIsWrong) {
  auto refusal = [](std::string raw) {
    RequestParser parser;
    return feed(parser, raw, raw.size()).error;
  };
  EXPECT_EQ(refusal("G@T / HTTP/1.1\r\n\r\n"), bhttp::error::bad_method);
  EXPECT_EQ(refusal("GET /\x01 HTTP/1.1\r\n\r\n"), bhttp::error::bad_target);
  EXPECT_EQ(refusal("GET / HTTP/3\r\n\r\n"), bhttp::error::bad_version);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), bhttp::error::bad_field);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n"), bhttp::error::bad_value);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"),
            bhttp::error::multiple_content_length);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            bhttp::error::bad_transfer_encoding);
  ResponseParser answer;
  EXPECT_EQ(feed(answer, std::string("HTTP/1.1 2x0 OK\r\n\r\n"), 100).error, bhttp::error::bad_status);
}

TEST(MessageParser, AnAnswerCutShort_IsAPartialMessage_AndNothingReceivedIsSaid) {
  ResponseParser parser;
  EXPECT_FALSE(parser.receivedAny());
  const Outcome outcome = feed(parser, std::string("HTTP/1.1 200 OK\r\nContent-"), 100, /*eof=*/true);
  EXPECT_TRUE(parser.receivedAny());
  EXPECT_EQ(outcome.error, bhttp::error::partial_message);
}

}  // namespace
}  // namespace fleetdeck::http::detail
