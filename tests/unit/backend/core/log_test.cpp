#include "fleetdeck/core/log.h"

#include <gtest/gtest.h>

#include "fleetdeck/core/json.h"

namespace fleetdeck::log {
namespace {

boost::json::object parseLine(const std::string& line) {
  auto parsed = json::parse(line);
  EXPECT_TRUE(parsed && parsed->is_object()) << line;
  return parsed->as_object();
}

TEST(Log, LineIsJsonWithEnvelope) {
  configure({"users", "users-1", Level::kInfo, ""});
  const auto line = parseLine(formatLine(Level::kWarn, "disk \"almost\" full", {{"free_mb", 12}, {"ok", false}}));
  EXPECT_EQ(json::stringOr(line, "service"), "users");
  EXPECT_EQ(json::stringOr(line, "instance"), "users-1");
  EXPECT_EQ(json::stringOr(line, "level"), "warn");
  EXPECT_EQ(json::stringOr(line, "message"), "disk \"almost\" full");
  EXPECT_EQ(line.at("free_mb").as_int64(), 12);
  EXPECT_FALSE(line.at("ok").as_bool());
  EXPECT_FALSE(json::stringOr(line, "time").empty());
}

TEST(Log, TraceIdsOfTheThreadAppear) {
  setThreadTraceIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
  const auto line = parseLine(formatLine(Level::kInfo, "handled", {}));
  EXPECT_EQ(json::stringOr(line, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(json::stringOr(line, "span_id"), "b7ad6b7169203331");
  clearThreadTraceIds();
  EXPECT_FALSE(parseLine(formatLine(Level::kInfo, "handled", {})).contains("trace_id"));
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
  configure({"launcher", "", Level::kInfo, ""});
  const auto line = parseLine(formatLine(Level::kInfo, "starting", {{"service", "users"}}));
  EXPECT_EQ(json::stringOr(line, "service"), "launcher");
  EXPECT_EQ(json::stringOr(line, "field_service"), "users");
}

TEST(Log, LevelsParseAndFilter) {
  Level level = Level::kInfo;
  EXPECT_TRUE(parseLevel("debug", level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(parseLevel("verbose", level));
  configure({"x", "", Level::kWarn, ""});
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kError));
}

}  // namespace
}  // namespace fleetdeck::log
