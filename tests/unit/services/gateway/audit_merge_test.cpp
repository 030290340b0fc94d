// The merged audit listing's page token: what it resumes, and tokens of earlier gateway versions.
#include "domain/audit_merge.h"

#include <gtest/gtest.h>

#include "fleetdeck/core/encoding.h"

namespace fleetdeck::gateway {
namespace {

const std::vector<std::string> kSources = {"orders", "payments", "products", "users"};
constexpr const char* kId = "0190f5b2-7c1e-7a00-8000-000000000001";

common::v1::ListAuditResponse pageOf(std::vector<std::string> ids, std::string next = "") {
  common::v1::ListAuditResponse page;
  for (const auto& id : ids) page.add_entries()->set_id(id);
  page.set_next_page_token(std::move(next));
  return page;
}

TEST(AuditToken, ATokenResumesEverySourceItNames_AndASourceItLeftOutIsDone) {
  AuditPosition position{{"orders", {"t-orders", kId}}, {"users", {"", ""}}};
  auto decoded = decodeAuditToken(encodeAuditToken(position), kSources);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->size(), 2u);
  EXPECT_EQ(decoded->at("orders").token, "t-orders");
  EXPECT_EQ(decoded->at("orders").lastId, kId);
  EXPECT_FALSE(decoded->contains("payments"));
}

TEST(AuditToken, AVersion1TokenThatLeavesOutASource_IsRefusedWithAWayOn_NotReadAsThatSourceDone) {
  // Written by a gateway of before payments joined: it never listed payments.
  const std::string old = base64UrlEncode(
      R"({"v":1,"s":{"orders":{"t":"","l":""},"products":{"t":"","l":""},"users":{"t":"","l":""}}})");
  auto decoded = decodeAuditToken(old, kSources);
  ASSERT_FALSE(decoded.isOk());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("pageToken"), std::string::npos) << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("payments"), std::string::npos) << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("first page"), std::string::npos) << decoded.status().message();
}

TEST(AuditToken, AVersion1TokenNamingEverySource_StillResumes) {
  const std::string old = base64UrlEncode(
      R"({"v":1,"s":{"orders":{"t":"a","l":""},"payments":{"t":"","l":""},"products":{"t":"","l":""},"users":{"t":"","l":""}}})");
  auto decoded = decodeAuditToken(old, kSources);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->size(), 4u);
  EXPECT_EQ(decoded->at("orders").token, "a");
}

TEST(AuditToken, AnUnknownVersionOrSourceIsRefused) {
  EXPECT_FALSE(decodeAuditToken(base64UrlEncode(R"({"v":3,"s":{}})"), kSources).isOk());
  EXPECT_FALSE(decodeAuditToken(base64UrlEncode(R"({"v":2,"s":{"billing":{"t":"","l":""}}})"), kSources).isOk());
  EXPECT_FALSE(decodeAuditToken("not base64 !", kSources).isOk());
}

TEST(AuditSources, AnIdIsAskedOfEveryTrail_FaultsOfPaymentsAlone_AndAnythingElseIsRefusedNamingResourceId) {
  EXPECT_EQ(auditSourcesFor("", kSources).value(), kSources);
  EXPECT_EQ(auditSourcesFor(kId, kSources).value(), kSources);
  EXPECT_EQ(auditSourcesFor("0190F5B2-7C1E-7A00-8000-000000000001", kSources).value(), kSources);
  EXPECT_EQ(auditSourcesFor("faults", kSources).value(), std::vector<std::string>{"payments"});
  for (const char* id : {"wallet-42", "faults ", "FAULTS", "users", "{0190f5b2-7c1e-7a00-8000-000000000001}"}) {
    const auto refused = auditSourcesFor(id, kSources);
    ASSERT_FALSE(refused.isOk()) << id;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << id;
    ASSERT_EQ(refused.status().violations().size(), 1u) << id;
    EXPECT_EQ(refused.status().violations()[0].field, "resourceId") << id;
    EXPECT_NE(refused.status().message().find("\"faults\""), std::string::npos) << refused.status().message();
  }
  // Without payments among the sources no trail holds "faults".
  EXPECT_FALSE(auditSourcesFor("faults", {"orders", "products", "users"}).isOk());
}

TEST(AuditMerge, PagesInterleaveNewestFirst_AndTheTokenResumesWhereThePageEnded) {
  auto start = decodeAuditToken("", kSources);
  ASSERT_TRUE(start.isOk());
  const std::string a = "0190f5b2-7c1e-7a00-8000-00000000000a", b = "0190f5b2-7c1e-7a00-8000-00000000000b",
                    c = "0190f5b2-7c1e-7a00-8000-00000000000c";
  std::map<std::string, common::v1::ListAuditResponse> pages{
      {"orders", pageOf({c, a})}, {"payments", pageOf({b})}, {"products", pageOf({})}, {"users", pageOf({})}};
  auto first = mergeAudit(*start, pages, 2);
  ASSERT_EQ(first.entries.size(), 2u);
  EXPECT_EQ(first.entries[0].id(), c);
  EXPECT_EQ(first.entries[1].id(), b);
  ASSERT_FALSE(first.nextPageToken.empty());
  auto resumed = decodeAuditToken(first.nextPageToken, kSources);
  ASSERT_TRUE(resumed.isOk()) << resumed.status().toString();
  ASSERT_TRUE(resumed->contains("orders"));
  EXPECT_EQ(resumed->at("orders").lastId, c);
  EXPECT_FALSE(resumed->contains("payments")) << "payments was listed to its end";
  auto second = mergeAudit(*resumed, {{"orders", pageOf({c, a})}}, 2);
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0].id(), a);
  EXPECT_TRUE(second.nextPageToken.empty());
}

}  // namespace
}  // namespace fleetdeck::gateway
