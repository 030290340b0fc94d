#include "adapters/users_grpc_service.h"

#include <google/protobuf/util/time_util.h>

#include "fleetdeck/rpc/audit_response.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/call_context.h"

namespace fleetdeck::users {

using google::protobuf::util::TimeUtil;

void toProto(const User& user, v1::User& out) {
  out.set_id(user.id);
  out.set_username(user.username);
  out.set_email(user.email);
  out.set_display_name(user.displayName);
  out.set_role(user.role);
  out.set_status(user.status);
  out.set_version(user.version);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(user.createdAtMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(user.updatedAtMicros);
}

namespace {

ChangeContext changeContextOf(const grpc::ServerContextBase& context) {
  const rpc::CallContext call = rpc::callContextFrom(context);
  return {call.actor, call.traceId()};
}

// Maps the update mask onto domain changes; paths may be snake_case or lowerCamelCase.
Result<UserChanges> changesFromMask(const v1::UpdateUserRequest& request) {
  UserChanges changes;
  ValidationErrors errors;
  for (const auto& path : request.update_mask().paths()) {
    if (path == "email") {
      changes.email = request.user().email();
    } else if (path == "display_name" || path == "displayName") {
      changes.displayName = request.user().display_name();
    } else if (path == "role") {
      changes.role = request.user().role();
    } else if (path == "status") {
      changes.status = request.user().status();
    } else if (path == "id" || path == "username" || path == "version" || path == "create_time" ||
               path == "update_time" || path == "createTime" || path == "updateTime") {
      errors.add(path, "cannot be changed");
    } else {
      errors.add(path, "is not a field of User");
    }
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return changes;
}

std::string metadataValue(const grpc::ServerContextBase& context, const char* key) {
  const auto& entries = context.client_metadata();
  auto found = entries.find(key);
  return found == entries.end() ? std::string() : std::string(found->second.data(), found->second.size());
}

// The gateway's word for the client address; a direct gRPC caller is known by its peer address.
std::string clientAddressOf(const grpc::ServerContextBase& context) {
  std::string address = metadataValue(context, kClientAddressKey);
  if (!address.empty()) return address.substr(0, 64);
  std::string peer = context.peer();  // "ipv4:127.0.0.1:53422" or "ipv6:[::1]:53422"
  if (const size_t colon = peer.find(':'); colon != std::string::npos) peer = peer.substr(colon + 1);
  if (const size_t port = peer.rfind(':'); port != std::string::npos) peer = peer.substr(0, port);
  return peer;
}

void toProto(const SessionGrant& grant, v1::Session& out) {
  out.set_refresh_token(grant.refreshToken);
  out.set_session_id(grant.familyId);
  out.set_refresh_expires_in(static_cast<int32_t>(grant.refreshExpiresInSeconds));
  toProto(grant.user, *out.mutable_user());
}

rpc::Handled unimplemented(rpc::ServerCall* call) {
  return call->finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "sign-in is not configured in this process"));
}

}  // namespace

rpc::Handled UsersGrpcService::CreateUser(rpc::ServerCall* call, const v1::CreateUserRequest* request,
                                          v1::User* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    NewUser user{request->username(), request->email(), request->password(), request->display_name(),
                 request->role(), request->idempotency_key()};
    auto created = accounts_.create(std::move(user), changeContextOf(*context));
    if (!created) return created.status();
    toProto(*created, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::GetUser(rpc::ServerCall* call, const v1::GetUserRequest* request, v1::User* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto user = accounts_.get(request->id());
    if (!user) return user.status();
    toProto(*user, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::ListUsers(rpc::ServerCall* call, const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    ListRequest query{request->page_size(), request->page_token(), request->role(), request->status(),
                      request->query()};
    auto page = accounts_.list(query);
    if (!page) return page.status();
    for (const auto& user : page->users) toProto(user, *response->add_users());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::UpdateUser(rpc::ServerCall* call, const v1::UpdateUserRequest* request,
                                          v1::User* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto changes = changesFromMask(*request);
    if (!changes) return changes.status();
    auto updated = accounts_.update(request->id(), std::move(*changes), request->expected_version(),
                                    changeContextOf(*context));
    if (!updated) return updated.status();
    toProto(*updated, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::DeleteUser(rpc::ServerCall* call, const v1::DeleteUserRequest* request,
                                          v1::User* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto disabled = accounts_.disable(request->id(), changeContextOf(*context));
    if (!disabled) return disabled.status();
    toProto(*disabled, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::ResetPassword(rpc::ServerCall* call, const v1::ResetPasswordRequest* request,
                                             v1::ResetPasswordResponse* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto password = accounts_.resetPassword(request->id(), changeContextOf(*context));
    if (!password) return password.status();
    response->set_temporary_password(*password);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::ListUserAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                             common::v1::ListAuditResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page = accounts_.audit({request->resource_id(), request->actor(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    rpc::fillAuditResponse(page->records, page->nextPageToken, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::Register(rpc::ServerCall* call, const v1::RegisterRequest* request, v1::User* response) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    NewUser user{request->username(), request->email(), request->password(), request->display_name(), "",
                 request->idempotency_key()};
    ChangeContext change = changeContextOf(*context);
    auto created = signIn_->registerCustomer(std::move(user), change);
    if (!created) return created.status();
    toProto(*created, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::Login(rpc::ServerCall* call, const v1::LoginRequest* request, v1::Session* response) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    int64_t retryAfter = 0;
    auto session = signIn_->login(request->username(), request->password(), clientAddressOf(*context), retryAfter);
    if (!session) {
      // The gateway turns this into the Retry-After header of its 429.
      if (retryAfter > 0) context->AddTrailingMetadata("retry-after", std::to_string(retryAfter));
      return session.status();
    }
    toProto(*session, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::Refresh(rpc::ServerCall* call, const v1::RefreshRequest* request,
                                       v1::Session* response) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto session = signIn_->refresh(request->refresh_token(), clientAddressOf(*context));
    if (!session) return session.status();
    toProto(*session, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::Logout(rpc::ServerCall* call, const v1::LogoutRequest* request, v1::LogoutResponse*) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, request] { return signIn_->logout(request->refresh_token()); });
}

rpc::Handled UsersGrpcService::GetMe(rpc::ServerCall* call, const v1::GetMeRequest*, v1::User* response) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), response] {
    auto user = signIn_->me(rpc::callContextFrom(*context).actor);
    if (!user) return user.status();
    toProto(*user, *response);
    return Status::ok();
  });
}

rpc::Handled UsersGrpcService::UpdateMe(rpc::ServerCall* call, const v1::UpdateMeRequest* request, v1::User* response) {
  if (signIn_ == nullptr) return unimplemented(call);
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    MeChanges changes;
    if (request->has_display_name()) changes.displayName = request->display_name();
    if (request->has_email()) changes.email = request->email();
    if (request->has_password()) changes.password = request->password();
    changes.currentPassword = request->current_password();
    auto user = signIn_->updateMe(rpc::callContextFrom(*context).actor, changes, changeContextOf(*context));
    if (!user) return user.status();
    toProto(*user, *response);
    return Status::ok();
  });
}

void UsersGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::UsersService::AsyncService;
  server.addAsyncService(async_, v1::UsersService::service_full_name());
  server.addUnary(async_, &Async::RequestCreateUser, "CreateUser", this, &UsersGrpcService::CreateUser);
  server.addUnary(async_, &Async::RequestGetUser, "GetUser", this, &UsersGrpcService::GetUser);
  server.addUnary(async_, &Async::RequestListUsers, "ListUsers", this, &UsersGrpcService::ListUsers);
  server.addUnary(async_, &Async::RequestUpdateUser, "UpdateUser", this, &UsersGrpcService::UpdateUser);
  server.addUnary(async_, &Async::RequestDeleteUser, "DeleteUser", this, &UsersGrpcService::DeleteUser);
  server.addUnary(async_, &Async::RequestResetPassword, "ResetPassword", this, &UsersGrpcService::ResetPassword);
  server.addUnary(async_, &Async::RequestListUserAudit, "ListUserAudit", this, &UsersGrpcService::ListUserAudit);
  server.addUnary(async_, &Async::RequestRegister, "Register", this, &UsersGrpcService::Register);
  server.addUnary(async_, &Async::RequestLogin, "Login", this, &UsersGrpcService::Login);
  server.addUnary(async_, &Async::RequestRefresh, "Refresh", this, &UsersGrpcService::Refresh);
  server.addUnary(async_, &Async::RequestLogout, "Logout", this, &UsersGrpcService::Logout);
  server.addUnary(async_, &Async::RequestGetMe, "GetMe", this, &UsersGrpcService::GetMe);
  server.addUnary(async_, &Async::RequestUpdateMe, "UpdateMe", this, &UsersGrpcService::UpdateMe);
}

}  // namespace fleetdeck::users
