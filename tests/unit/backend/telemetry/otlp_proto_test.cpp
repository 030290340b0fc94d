// The exporter's JSON checked against the OTLP protos themselves (a transcribed copy, see
// otlp_proto/README.md) with protobuf's strict JSON parser, as a collector written in Go or Java
// decodes it: unknown fields, wrong types or wrong enum values fail here.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "fleetdeck/telemetry/otlp_exporter.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace fleetdeck::telemetry {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;

TEST(OtlpProto, ExporterJsonIsAnExportTraceServiceRequest) {
  SpanData span;
  span.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  span.spanId = "b7ad6b7169203331";
  span.parentSpanId = "00f067aa0ba902b7";
  span.traceState = "rojo=1";
  span.name = "fleetdeck.users.v1.UsersService/GetUser";
  span.kind = SpanKind::kClient;
  span.startUnixNanos = 1'700'000'000'123'456'789;
  span.endUnixNanos = 1'700'000'000'223'456'789;
  span.attributes = {{"rpc.system", std::string("grpc")},
                     {"rpc.grpc.status_code", int64_t{14}},
                     {"ratio", 0.75},
                     {"retried", true}};
  span.statusCode = SpanStatusCode::kError;
  span.statusMessage = "connection refused";
  SpanData root = span;
  root.parentSpanId.clear();
  root.attributes.clear();
  root.statusCode = SpanStatusCode::kUnset;
  root.kind = SpanKind::kInternal;

  const std::string json = toOtlpJson({"users", "0.1.0", "users-1"}, {span, root});
  ExportTraceServiceRequest request;
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &request, strict);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString() << "\n" << json;

  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& resourceSpans = request.resource_spans(0);
  bool serviceNameFound = false;
  for (const auto& attribute : resourceSpans.resource().attributes()) {
    if (attribute.key() == "service.name") {
      serviceNameFound = true;
      EXPECT_EQ(attribute.value().string_value(), "users");
    }
  }
  EXPECT_TRUE(serviceNameFound);
  ASSERT_EQ(resourceSpans.scope_spans_size(), 1);
  EXPECT_EQ(resourceSpans.scope_spans(0).scope().name(), "fleetdeck");
  ASSERT_EQ(resourceSpans.scope_spans(0).spans_size(), 2);
  const Span& decoded = resourceSpans.scope_spans(0).spans(0);
  EXPECT_EQ(decoded.name(), "fleetdeck.users.v1.UsersService/GetUser");
  EXPECT_EQ(decoded.kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(decoded.trace_state(), "rojo=1");
  EXPECT_EQ(decoded.start_time_unix_nano(), 1'700'000'000'123'456'789u);
  EXPECT_EQ(decoded.end_time_unix_nano(), 1'700'000'000'223'456'789u);
  ASSERT_EQ(decoded.attributes_size(), 4);
  EXPECT_EQ(decoded.attributes(0).value().string_value(), "grpc");
  EXPECT_EQ(decoded.attributes(1).value().int_value(), 14);
  EXPECT_EQ(decoded.attributes(2).value().double_value(), 0.75);
  EXPECT_TRUE(decoded.attributes(3).value().bool_value());
  EXPECT_EQ(decoded.status().code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(decoded.status().message(), "connection refused");
  // Ids are bytes in the proto; OTLP/JSON spells them in hex (not proto3's base64), which this
  // parser cannot check: the shape test in otlp_exporter_test.cpp does.
  EXPECT_FALSE(decoded.trace_id().empty());
  EXPECT_FALSE(decoded.parent_span_id().empty());
  const Span& decodedRoot = resourceSpans.scope_spans(0).spans(1);
  EXPECT_TRUE(decodedRoot.parent_span_id().empty());
  EXPECT_EQ(decodedRoot.kind(), Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(decodedRoot.status().code(), Status::STATUS_CODE_UNSET);
}

TEST(OtlpProto, AMisspeltFieldWouldBeCaught) {
  // The check above is only worth something if the strict parser really rejects a wrong shape.
  ExportTraceServiceRequest request;
  google::protobuf::util::JsonParseOptions strict;
  EXPECT_FALSE(google::protobuf::util::JsonStringToMessage(
                   R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNanos":"1"}]}]}]})", &request, strict)
                   .ok());
  EXPECT_FALSE(google::protobuf::util::JsonStringToMessage(
                   R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]})", &request, strict)
                   .ok());
}

}  // namespace
}  // namespace fleetdeck::telemetry
