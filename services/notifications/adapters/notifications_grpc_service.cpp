#include "adapters/notifications_grpc_service.h"

#include <google/protobuf/util/time_util.h>

#include "fleetdeck/core/log.h"
#include "fleetdeck/rpc/blocking_handler.h"

namespace fleetdeck::notifications {

using google::protobuf::util::TimeUtil;

namespace {

telemetry::CounterFamily& notifyFamily(telemetry::Registry& registry) {
  return registry.counter("notifications_notify_total",
                          "Notify calls that succeeded, by outcome: created, repeated (same source id and "
                          "content) or conflicting (same source id, other content; the first one was kept)",
                          {"outcome"});
}

}  // namespace

NotifyMetrics::NotifyMetrics(telemetry::Registry& registry)
    : created(notifyFamily(registry).labels({"created"})),
      repeated(notifyFamily(registry).labels({"repeated"})),
      conflicting(notifyFamily(registry).labels({"conflicting"})) {}

void toProto(const Notification& notification, v1::Notification& out) {
  out.set_id(notification.id);
  out.set_user_id(notification.userId);
  out.set_kind(notification.kind);
  out.set_title(notification.title);
  out.set_body(notification.body);
  out.set_source_id(notification.sourceId);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(notification.createdAtMicros);
}

rpc::Handled NotificationsGrpcService::ListNotifications(rpc::ServerCall* call,
                                                         const v1::ListNotificationsRequest* request,
                                                         v1::ListNotificationsResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    ListRequest query{request->user_id(), request->page_size(), request->page_token()};
    auto page = inbox_.list(query);
    if (!page) return page.status();
    for (const auto& notification : page->notifications) toProto(notification, *response->add_notifications());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled NotificationsGrpcService::Notify(rpc::ServerCall* call, const v1::NotifyRequest* request,
                                              v1::Notification* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    NewNotification notification{request->source_id(), request->user_id(), request->kind(), request->title(),
                                 request->body()};
    auto result = inbox_.notify(std::move(notification));
    if (!result) return result.status();
    switch (result->outcome) {
      case NotifyOutcome::kCreated:
        metrics_.created.inc();
        break;
      case NotifyOutcome::kRepeated:
        metrics_.repeated.inc();
        break;
      case NotifyOutcome::kConflictingRepeat:
        metrics_.conflicting.inc();
        log::warn("notify repeated a source id with other content; kept the first notification",
                  {{"source_id", result->notification.sourceId}, {"notification_id", result->notification.id}});
        break;
    }
    toProto(result->notification, *response);
    return Status::ok();
  });
}

void NotificationsGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::NotificationsService::AsyncService;
  server.addAsyncService(async_, v1::NotificationsService::service_full_name());
  server.addUnary(async_, &Async::RequestListNotifications, "ListNotifications", this,
                  &NotificationsGrpcService::ListNotifications);
  server.addUnary(async_, &Async::RequestNotify, "Notify", this, &NotificationsGrpcService::Notify);
}

}  // namespace fleetdeck::notifications
