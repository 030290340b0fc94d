// The notifications service's gRPC face: proto <-> domain conversion around NotificationInbox, served by
// rpc::RpcServer's completion-queue threads.
#pragma once

#include "domain/notification_inbox.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/notifications/v1/notifications.grpc.pb.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::notifications {

// Declared once: how Notify calls end, so repeats and conflicting repeats are visible to operators.
struct NotifyMetrics {
  explicit NotifyMetrics(telemetry::Registry& registry);
  telemetry::Counter& created;
  telemetry::Counter& repeated;
  telemetry::Counter& conflicting;
};

class NotificationsGrpcService final {
 public:
  NotificationsGrpcService(NotificationInbox& inbox, WorkPool& pool,
                           telemetry::Registry& registry = telemetry::defaultRegistry())
      : inbox_(inbox), pool_(pool), metrics_(registry) {}

  rpc::Handled ListNotifications(rpc::ServerCall* call, const v1::ListNotificationsRequest* request,
                                 v1::ListNotificationsResponse* response);
  // Internal (no HTTP route): records one notification per source_id.
  rpc::Handled Notify(rpc::ServerCall* call, const v1::NotifyRequest* request, v1::Notification* response);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::NotificationsService::AsyncService async_;
  NotificationInbox& inbox_;
  WorkPool& pool_;
  NotifyMetrics metrics_;
};

void toProto(const Notification& notification, v1::Notification& out);

}  // namespace fleetdeck::notifications
