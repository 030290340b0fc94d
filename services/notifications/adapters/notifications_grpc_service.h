// The notifications service's gRPC face: proto <-> domain conversion around NotificationInbox, on the callback API.
#pragma once

#include "domain/notification_inbox.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/notifications/v1/notifications.grpc.pb.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::notifications {

// Declared once: how Notify calls end, so repeats and conflicting repeats are visible to operators.
struct NotifyMetrics {
  explicit NotifyMetrics(telemetry::Registry& registry);
  telemetry::Counter& created;
  telemetry::Counter& repeated;
  telemetry::Counter& conflicting;
};

class NotificationsGrpcService final : public v1::NotificationsService::CallbackService {
 public:
  NotificationsGrpcService(NotificationInbox& inbox, WorkPool& pool,
                           telemetry::Registry& registry = telemetry::defaultRegistry())
      : inbox_(inbox), pool_(pool), metrics_(registry) {}

  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const v1::ListNotificationsRequest* request,
                                              v1::ListNotificationsResponse* response) override;
  // Internal (no HTTP route): records one notification per source_id.
  grpc::ServerUnaryReactor* Notify(grpc::CallbackServerContext* context, const v1::NotifyRequest* request,
                                   v1::Notification* response) override;

 private:
  NotificationInbox& inbox_;
  WorkPool& pool_;
  NotifyMetrics metrics_;
};

void toProto(const Notification& notification, v1::Notification& out);

}  // namespace fleetdeck::notifications
