// DeadLettersView: the events consumers gave up on, filterable by consumer, the selected letter in full
// (its reason, event, trace id, where it came from), and — for admins — replaying one letter or all of
// a consumer's to that consumer alone.
#pragma once

#include "client/api_types.h"
#include "client/result.h"
#include "views/view_page.h"

class QComboBox;
class QLabel;
class QTableView;

namespace fleetdeck::console {

class DeadLettersModel;
class GatewayClient;

class DeadLettersView : public ViewPage {
  Q_OBJECT

 public:
  explicit DeadLettersView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("dead-letters"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override { return answered_ && !loading_; }
  // Operators see the letters and the replay actions, disabled: replaying is for admins.
  void setEditable(bool editable) override;
  QList<QAction*> paletteActions() const override;

  DeadLettersModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  // The consumer the list is filtered by; empty for every consumer.
  QString consumerFilter() const;
  void setConsumerFilter(const QString& consumer);

 public slots:
  // Each asks for confirmation first.
  void replaySelected();
  void replayAllOfConsumer();

 private:
  const DeadLetter* selected() const;
  // Whose letters "Replay all of …" replays: the filter's consumer, else the selected letter's.
  QString replayAllTarget() const;
  void showDetail();
  void updateActions();
  void showLoadError(const ApiError& error);
  void rememberConsumers(const QStringList& consumers);
  // After a replay: says how it went (`message`, or the error), then reads the list again.
  void finishReplay(const QString& message);
  void replayFailed(const ApiError& error, qint64 sequence);

  GatewayClient* client_;
  DeadLettersModel* model_;
  QComboBox* consumerFilter_;
  QTableView* table_;
  QLabel* notice_;
  QLabel* detail_;
  QLabel* statusLine_;
  QAction* refreshAction_;
  QAction* replayAction_;
  QAction* replayAllAction_;
  quint64 loads_ = 0;  // numbers each refresh(); only the newest one's answer is shown
  bool loading_ = false;
  bool replayInFlight_ = false;
  bool started_ = false;
  bool answered_ = false;
};

}  // namespace fleetdeck::console
