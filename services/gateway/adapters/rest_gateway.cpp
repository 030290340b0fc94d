#include "adapters/rest_gateway.h"

#include <google/protobuf/message.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/rpc/status_conversion.h"

namespace fleetdeck::gateway {
namespace {

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Adds X-Trace-Id to whatever the handler answers.
class TracedResponder final : public http::Responder {
 public:
  TracedResponder(std::shared_ptr<http::Responder> inner, std::string traceId)
      : inner_(std::move(inner)), traceId_(std::move(traceId)) {}
  void send(http::HttpResponse response) override {
    response.headers.add("X-Trace-Id", traceId_);
    inner_->send(std::move(response));
  }

 private:
  std::shared_ptr<http::Responder> inner_;
  std::string traceId_;
};

// Everything one upstream call needs until its completion callback has run.
struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

}  // namespace

TraceContext traceContextFor(const http::HttpRequest& request) {
  TraceContext context;
  // traceparent: version(2)-traceid(32)-parentid(16)-flags(2)
  if (auto header = request.header("traceparent"); header && header->size() == 55) {
    const std::string_view value = *header;
    const std::string_view traceId = value.substr(3, 32);
    if (value.substr(0, 3) == "00-" && value[35] == '-' && value[52] == '-' && isLowerHex(traceId) &&
        traceId != std::string(32, '0')) {
      context.traceId = std::string(traceId);
    }
  }
  if (context.traceId.empty()) context.traceId = randomHex(16);
  context.spanId = randomHex(8);
  context.traceparent = "00-" + context.traceId + "-" + context.spanId + "-01";
  return context;
}

RestGateway::RestGateway(std::vector<RestMapping> mappings, Upstreams& upstreams, GatewayOptions options)
    : mappings_(std::move(mappings)), upstreams_(upstreams), options_(options), transcoder_(options.limits) {
  for (const RestMapping& mapping : mappings_) {
    router_.add(mapping.httpMethod, mapping.pathTemplate,
                [this, bound = &mapping](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                  call(*bound, request, std::move(responder));
                });
  }
  router_.add("GET", "/api/v1/admin/audit", [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    auditByResource(request, std::move(responder));
  });
}

void RestGateway::auditByResource(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  auto query = http::parseQuery(request.query);
  if (!query) {
    responder->send(http::errorResponse(invalidField("query", "has a malformed %-escape"), request.traceId));
    return;
  }
  std::string resource;
  std::string rest;
  for (const auto& [name, value] : *query) {
    if (name == "resource") {
      resource = value;
      continue;
    }
    if (!rest.empty()) rest += '&';
    rest += percentEncode(name) + "=" + percentEncode(value);
  }
  const std::string target = "/api/v1/admin/audit/" + resource;
  for (const auto& mapping : mappings_) {
    if (!resource.empty() && mapping.httpMethod == "GET" && mapping.pathTemplate == target) {
      request.query = rest;
      request.path = target;
      call(mapping, request, std::move(responder));
      return;
    }
  }
  responder->send(http::errorResponse(invalidField("resource", "must be one of users, products, orders"), request.traceId));
}

void RestGateway::handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const TraceContext trace = traceContextFor(request);
  request.traceId = trace.traceId;
  request.traceparent = trace.traceparent;
  auto traced = std::make_shared<TracedResponder>(std::move(responder), trace.traceId);
  auto lookup = router_.find(request.method, request.path);
  switch (lookup.outcome) {
    case http::Router::Outcome::kNotFound:
      traced->send(http::errorResponse(notFound("no route for " + request.method + " " + request.path), trace.traceId));
      return;
    case http::Router::Outcome::kMethodNotAllowed: {
      auto response = http::errorResponse(
          Status(StatusCode::kUnimplemented, "method " + request.method + " is not allowed on " + request.path),
          trace.traceId);
      response.status = 405;
      response.headers.add("Allow", lookup.allow);
      traced->send(std::move(response));
      return;
    }
    case http::Router::Outcome::kMatched:
      request.pathParams = std::move(lookup.params);
      request.routeTemplate = lookup.route->text();
      (*lookup.handler)(request, std::move(traced));
      return;
  }
}

void RestGateway::call(const RestMapping& mapping, http::HttpRequest& request,
                       std::shared_ptr<http::Responder> responder) {
  const std::string& traceId = request.traceId;
  const bool conditional = request.headers.contains("If-Match");
  auto message = transcoder_.buildRequest(mapping, request);
  if (!message) {
    responder->send(http::errorResponse(message.status(), traceId, conditional));
    return;
  }
  grpc::GenericStub* stub = upstreams_.stub(mapping.upstream);
  if (stub == nullptr) {
    responder->send(http::errorResponse(unavailable("no address configured for upstream " + mapping.upstream), traceId));
    return;
  }
  auto pending = std::make_shared<PendingCall>();
  pending->context.set_deadline(std::chrono::system_clock::now() + options_.upstreamTimeout);
  pending->context.AddMetadata("traceparent", request.traceparent);
  const std::string bytes = (*message)->SerializeAsString();
  grpc::Slice slice(bytes);
  pending->request = grpc::ByteBuffer(&slice, 1);

  stub->UnaryCall(&pending->context, mapping.grpcPath, grpc::StubOptions(), &pending->request, &pending->response,
                  [this, pending, &mapping, responder, traceId, conditional](grpc::Status grpcStatus) {
                    if (!grpcStatus.ok()) {
                      Status status = rpc::fromGrpcStatus(grpcStatus);
                      if (status.code() == StatusCode::kUnavailable) {
                        status = unavailable("service '" + mapping.upstream + "' is unavailable: " + status.message());
                      }
                      auto response = http::errorResponse(status, traceId, conditional);
                      if (response.status == 503) response.headers.add("Retry-After", "1");
                      responder->send(std::move(response));
                      return;
                    }
                    auto reply = transcoder_.newResponse(mapping);
                    grpc::ProtoBufferReader reader(&pending->response);
                    if (!reply->ParseFromZeroCopyStream(&reader)) {
                      responder->send(http::errorResponse(internalError("malformed reply from " + mapping.upstream),
                                                          traceId));
                      return;
                    }
                    std::string etag;
                    auto body = transcoder_.renderResponse(mapping, *reply, etag);
                    if (!body) {
                      responder->send(http::errorResponse(body.status(), traceId));
                      return;
                    }
                    http::HttpResponse response;
                    response.status = mapping.successStatus;
                    if (mapping.successStatus != 204) response.headers.add("Content-Type", "application/json");
                    if (!etag.empty()) response.headers.add("ETag", etag);
                    response.body = std::move(*body);
                    responder->send(std::move(response));
                  });
}

}  // namespace fleetdeck::gateway
