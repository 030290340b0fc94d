// ViewPage: what every main view (Fleet, Metrics, Alerts, Sagas, Users, Orders, History, Dead letters, Traces)
// offers the window — a title, loading on first show, refresh, role-aware edit actions, palette actions.
#pragma once

#include <QDateTime>
#include <QIcon>
#include <QList>
#include <QString>
#include <QWidget>

class QAction;

namespace fleetdeck::console {

class ViewPage : public QWidget {
  Q_OBJECT

 public:
  using QWidget::QWidget;

  // Stable key: "fleet", "users"… (screenshot names, settings, palette).
  virtual QString key() const = 0;
  virtual QString title() const = 0;
  virtual QIcon icon() const = 0;

  // Called each time the page is shown; loads on first show.
  virtual void activate() = 0;
  virtual void refresh() = 0;
  // True once the page holds data (or a definite error) worth a screenshot.
  virtual bool isReady() const = 0;
  // Admins edit; operators only look. Edit actions are hidden, not just disabled, for operators.
  virtual void setEditable(bool editable) { editable_ = editable; }
  bool isEditable() const { return editable_; }
  // After each sign-in (another user, or the same one again): what the previous session was refused
  // or could not load is asked again.
  virtual void userChanged() {}
  // Actions the command palette lists (besides "Go to <title>").
  virtual QList<QAction*> paletteActions() const { return {}; }

 signals:
  void statusMessage(const QString& message);
  // Cross-links; the window routes them to the page that shows the thing.
  void openOrderRequested(const QString& orderId);
  void openSagaRequested(const QString& sagaId);
  void openHistoryRequested(const QString& orderId, qint64 version);
  void openTraceRequested(const QString& traceId);
  void openMetricsRequested(const QString& query, qint64 startSecs, qint64 endSecs);
  // The sagas or orders ("sagas", "orders") of a time window, e.g. around an alert.
  void openWindowRequested(const QString& pageKey, const QDateTime& from, const QDateTime& to);

 protected:
  bool editable_ = true;
};

}  // namespace fleetdeck::console
