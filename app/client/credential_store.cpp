#include "client/credential_store.h"

#include <QPointer>

#ifdef FLEETDECK_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace fleetdeck::console {
namespace {
[[maybe_unused]] const QString kService = QStringLiteral("FleetDeck Console");
}

CredentialStore::CredentialStore(bool enabled, QObject* parent) : QObject(parent), enabled_(enabled) {}

bool CredentialStore::isAvailable() const {
#ifdef FLEETDECK_HAVE_KEYCHAIN
  return enabled_;
#else
  return false;
#endif
}

QString CredentialStore::accountFor(const QString& gatewayUrl, const QString& username) {
  return username + QLatin1Char('@') + gatewayUrl;
}

void CredentialStore::load(const QString& account, QObject* context, std::function<void(const QString&)> done) {
  QPointer<QObject> guard(context);
  const bool hasContext = context != nullptr;
  auto finish = [guard, hasContext, done = std::move(done)](const QString& token) {
    if (hasContext && guard.isNull()) return;
    done(token);
  };
#ifdef FLEETDECK_HAVE_KEYCHAIN
  if (enabled_) {
    auto* job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(account);
    job->setAutoDelete(true);
    connect(job, &QKeychain::Job::finished, this, [this, job, finish](QKeychain::Job*) {
      if (job->error() == QKeychain::NoError) {
        finish(job->textData());
        return;
      }
      if (job->error() != QKeychain::EntryNotFound) emit problem(tr("Keychain: %1").arg(job->errorString()));
      finish(QString());
    });
    job->start();
    return;
  }
#else
  Q_UNUSED(account);
#endif
  finish(QString());
}

void CredentialStore::save(const QString& account, const QString& token) {
#ifdef FLEETDECK_HAVE_KEYCHAIN
  if (!enabled_) return;
  auto* job = new QKeychain::WritePasswordJob(kService, this);
  job->setKey(account);
  job->setTextData(token);
  job->setAutoDelete(true);
  // qtkeychain's plaintext fallback stays off: without a keychain the token is simply not kept.
  job->setInsecureFallback(false);
  connect(job, &QKeychain::Job::finished, this, [this, job](QKeychain::Job*) {
    if (job->error() != QKeychain::NoError) emit problem(tr("Keychain: %1").arg(job->errorString()));
  });
  job->start();
#else
  Q_UNUSED(account);
  Q_UNUSED(token);
#endif
}

void CredentialStore::remove(const QString& account) {
#ifdef FLEETDECK_HAVE_KEYCHAIN
  if (!enabled_) return;
  auto* job = new QKeychain::DeletePasswordJob(kService, this);
  job->setKey(account);
  job->setAutoDelete(true);
  job->start();
#else
  Q_UNUSED(account);
#endif
}

}  // namespace fleetdeck::console
