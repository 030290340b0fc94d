#include "fleetdeck/core/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fleetdeck/core/json.h"

namespace fleetdeck::log {
namespace {

boost::json::object parseLine(const std::string& line) {
  auto parsed = json::parse(line);
  EXPECT_TRUE(parsed && parsed->is_object()) << line;
  return parsed->as_object();
}

TEST(Log, LineIsJsonWithEnvelope) {
  ASSERT_TRUE(configure({"users", "users-1", Level::kInfo, ""}).isOk());
  const auto line = parseLine(formatLine(Level::kWarn, "disk \"almost\" full", {{"free_mb", 12}, {"ok", false}}));
  EXPECT_EQ(json::stringOr(line, "service"), "users");
  EXPECT_EQ(json::stringOr(line, "instance"), "users-1");
  EXPECT_EQ(json::stringOr(line, "level"), "warn");
  EXPECT_EQ(json::stringOr(line, "message"), "disk \"almost\" full");
  EXPECT_EQ(line.at("free_mb").as_int64(), 12);
  EXPECT_FALSE(line.at("ok").as_bool());
  EXPECT_FALSE(json::stringOr(line, "time").empty());
}

// [log] file in a folder that does not exist (or is not writable): an error naming the file, and
// lines keep going to standard error; spdlog's exception used to end the process in std::terminate.
TEST(Log, AFileThatCannotBeOpenedIsAnError_AndLoggingCarriesOn) {
  // Its folder would have to be where a file is: spdlog creates missing folders, not this one.
  const auto notAFolder = std::filesystem::temp_directory_path() / ("fleetdeck-log-test-" + std::to_string(getpid()));
  std::ofstream(notAFolder) << "a file";
  const std::string path = (notAFolder / "users.log").string();
  const Status status = configure({"users", "users-1", Level::kInfo, path});
  std::filesystem::remove(notAFolder);
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  info("still logging", {});
  flush();
  EXPECT_TRUE(configure({"users", "users-1", Level::kInfo, ""}).isOk());
}

TEST(Log, TraceIdsOfTheThreadAppear) {
  setThreadTraceIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
  const auto line = parseLine(formatLine(Level::kInfo, "handled", {}));
  EXPECT_EQ(json::stringOr(line, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(json::stringOr(line, "span_id"), "b7ad6b7169203331");
  clearThreadTraceIds();
  EXPECT_FALSE(parseLine(formatLine(Level::kInfo, "handled", {})).contains("trace_id"));
}

// A line written for another request (the HTTP server's own answer, on a thread in the middle of a
// request of its own) carries that request's ids, and leaves the thread's as they were.
TEST(Log, ScopedTraceIdsPutBackTheThreadsOwn) {
  setThreadTraceIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
  {
    const ScopedThreadTraceIds other("11111111111111111111111111111111", "");
    EXPECT_EQ(json::stringOr(parseLine(formatLine(Level::kInfo, "refused", {})), "trace_id"),
              "11111111111111111111111111111111");
  }
  const auto line = parseLine(formatLine(Level::kInfo, "handled", {}));
  EXPECT_EQ(json::stringOr(line, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(json::stringOr(line, "span_id"), "b7ad6b7169203331");
  clearThreadTraceIds();
}

TEST(Log, SecretsAreRedacted) {
  const std::string line = formatLine(Level::kInfo, "login", {{"password", "hunter2hunter2"},
                                                              {"password_hash", "$argon2id$v=19$..."},
                                                              {"refreshToken", "abc.def"},
                                                              {"Authorization", "Bearer xyz"},
                                                              {"username", "alice"}});
  EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  EXPECT_EQ(line.find("argon2id"), std::string::npos) << line;
  EXPECT_EQ(line.find("abc.def"), std::string::npos) << line;
  EXPECT_EQ(line.find("Bearer"), std::string::npos) << line;
  EXPECT_NE(line.find("alice"), std::string::npos) << line;
}

TEST(Log, FieldsCannotOverwriteTheEnvelope) {
  ASSERT_TRUE(configure({"launcher", "", Level::kInfo, ""}).isOk());
  const auto line = parseLine(formatLine(Level::kInfo, "starting", {{"service", "users"}}));
  EXPECT_EQ(json::stringOr(line, "service"), "launcher");
  EXPECT_EQ(json::stringOr(line, "field_service"), "users");
}

TEST(Log, LevelsParseAndFilter) {
  Level level = Level::kInfo;
  EXPECT_TRUE(parseLevel("debug", level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(parseLevel("verbose", level));
  ASSERT_TRUE(configure({"x", "", Level::kWarn, ""}).isOk());
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kError));
}

}  // namespace
}  // namespace fleetdeck::log
