// CredentialStore: the refresh token in the OS keychain (qtkeychain) when one is there; otherwise
// nothing is stored at all — never a token in plain text on disk.
#pragma once

#include <QObject>
#include <QString>
#include <functional>

namespace fleetdeck::console {

class CredentialStore : public QObject {
  Q_OBJECT

 public:
  // `enabled` false (--no-keychain, tests) turns every call into a no-op that finds nothing.
  explicit CredentialStore(bool enabled, QObject* parent = nullptr);

  // Whether the console was built with qtkeychain and the store is enabled. Virtual, like the calls
  // below, so tests can give the console a store that is not the user's keychain.
  virtual bool isAvailable() const;
  // Account key for one user at one gateway.
  static QString accountFor(const QString& gatewayUrl, const QString& username);

  // Calls `done` with the stored token, or an empty string when there is none or the keychain failed.
  virtual void load(const QString& account, QObject* context, std::function<void(const QString& token)> done);
  virtual void save(const QString& account, const QString& token);
  virtual void remove(const QString& account);

 signals:
  // A keychain error worth a status-bar line (locked keychain, no secret service); never the token.
  void problem(const QString& message);

 private:
  bool enabled_;
};

}  // namespace fleetdeck::console
