#include <gtest/gtest.h>

#include "fleetdeck/core/http_status.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck {
namespace {

TEST(Status, CanonicalCodesMapToHttp) {
  EXPECT_EQ(httpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(httpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(httpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(httpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(httpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(httpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(httpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(httpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(httpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(httpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(httpStatusFor(StatusCode::kUnimplemented), 501);
}

TEST(Status, VersionConflictOnConditionalRequestIsPreconditionFailed) {
  EXPECT_EQ(httpStatusFor(StatusCode::kAborted, /*conditionalRequest=*/true), 412);
  EXPECT_EQ(httpStatusFor(StatusCode::kNotFound, /*conditionalRequest=*/true), 404);
}

TEST(Status, CodeNamesRoundTrip) {
  for (int code = 0; code <= 16; ++code) {
    const auto value = static_cast<StatusCode>(code);
    EXPECT_EQ(statusCodeFromName(statusCodeName(value)), value);
  }
  EXPECT_EQ(statusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
}

TEST(Status, ValidationErrorsNameEveryField) {
  ValidationErrors errors;
  EXPECT_TRUE(errors.toStatus().isOk());
  errors.add("email", "must be an address");
  errors.add("password", "too short");
  const Status status = errors.toStatus();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(status.violations().size(), 2u);
  EXPECT_EQ(status.violations()[0].field, "email");
  EXPECT_NE(status.message().find("password too short"), std::string::npos);
}

TEST(Status, ResultHoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.isOk());
  EXPECT_EQ(*good, 7);
  Result<int> bad = notFound("nope");
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

Status failsThenPropagates() {
  FLEETDECK_RETURN_IF_ERROR(aborted("conflict"));
  return internalError("not reached");
}

TEST(Status, ReturnIfErrorPropagates) { EXPECT_EQ(failsThenPropagates().code(), StatusCode::kAborted); }

}  // namespace
}  // namespace fleetdeck
