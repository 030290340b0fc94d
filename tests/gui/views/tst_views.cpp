// Console views against the demo fleet: role-aware actions, the stale-edit (412) dialog with reload,
// field errors beside fields, the offline banner when the gateway stops, the command palette, live
// saga steps, chart decimation and export, time travel in the history view, acknowledging alerts.
#include <QAction>
#include <QApplication>
#include <QBrush>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHeaderView>
#include <QImage>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QScreen>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyleOptionViewItem>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTranslator>
#include <QTreeView>
#include <QTreeWidget>

#include "client/connection_monitor.h"
#include "client/credential_store.h"
#include "client/event_stream.h"
#include "client/gateway_api.h"
#include "client/gateway_client.h"
#include "fakes/demo_fleet.h"
#include "fakes/fake_gateway.h"
#include "models/state_diff_model.h"
#include "views/alerts_view.h"
#include "models/orders_model.h"
#include "models/alerts_model.h"
#include "models/display_text.h"
#include "models/users_model.h"
#include "models/order_events_model.h"
#include "models/sagas_model.h"
#include "models/dead_letters_model.h"
#include "views/command_palette.h"
#include "views/console_app.h"
#include "views/dead_letters_view.h"
#include "views/sign_in_dialog.h"
#include "views/settings_dialog.h"
#include "views/fleet_view.h"
#include "views/sparkline_delegate.h"
#include "views/trace_waterfall_widget.h"
#include "views/history_view.h"
#include "views/main_window.h"
#include "views/frame_pacer.h"
#include "views/metric_chart.h"
#include "views/metric_queries.h"
#include "views/metrics_view.h"
#include "views/offline_banner.h"
#include "views/orders_view.h"
#include "views/saga_timeline_widget.h"
#include "views/traces_view.h"
#include "models/traces_model.h"
#include "models/display_text.h"
#include "views/sagas_view.h"
#include "views/user_edit_dialog.h"
#include "views/users_view.h"

using namespace fleetdeck::console;
using namespace fleetdeck::console::testing;

namespace {

// Every label's text in `dialog`, one per line: what it says to the user.
QString dialogText(QWidget* dialog) {
  QStringList texts;
  for (const QLabel* label : dialog->findChildren<QLabel*>()) {
    if (label->isVisibleTo(dialog)) texts << label->text();
  }
  return texts.join(QLatin1Char('\n'));
}

// Waits for the confirmation box `parent` opened, gives its text, and presses its accept button.
QString acceptConfirmation(QWidget* parent) {
  QMessageBox* confirm = nullptr;
  const bool opened = QTest::qWaitFor([&] {
    for (QMessageBox* box : parent->findChildren<QMessageBox*>("confirmDialog")) {
      if (box->isVisible()) confirm = box;
    }
    return confirm != nullptr;
  }, 5000);
  if (!opened) return QString();
  const QString text = confirm->text();
  for (QAbstractButton* button : confirm->buttons()) {
    if (confirm->buttonRole(button) == QMessageBox::AcceptRole) {
      button->click();
      break;
    }
  }
  return text;
}

// The last request of `method` to `path`.
FakeRequest lastRequest(const FakeGateway& gateway, const QByteArray& method, const QString& path) {
  FakeRequest last;
  for (const FakeRequest& request : gateway.requests()) {
    if (request.method == method && request.path == path) last = request;
  }
  return last;
}

// The POST bodies sent to `path`, oldest first.
QList<QJsonObject> postedBodies(const FakeGateway& gateway, const QString& path) {
  QList<QJsonObject> bodies;
  for (const FakeRequest& request : gateway.requests()) {
    if (request.method == "POST" && request.path == path) bodies.append(request.json());
  }
  return bodies;
}

// The GET requests sent to `path` (a list), oldest first.
QList<FakeRequest> listRequests(const FakeGateway& gateway, const QString& path) {
  QList<FakeRequest> listed;
  for (const FakeRequest& request : gateway.requests()) {
    if (request.method == "GET" && request.path == path) listed.append(request);
  }
  return listed;
}

// The tool button showing `action`, if any: hidden actions must not leave a visible button behind.
QToolButton* buttonFor(QWidget* root, QAction* action) {
  for (QToolButton* button : root->findChildren<QToolButton*>()) {
    if (button->defaultAction() == action) return button;
  }
  return nullptr;
}

}  // namespace

class ViewsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();

  void operatorRole_HidesEveryEditAction();
  void adminRole_ShowsEditActions();
  void staleEdit_ShowsDialog_ReloadBringsTheCurrentVersion();
  void fieldErrors_AreShownBesideTheirFields();
  void offlineBanner_AppearsWhenTheGatewayStops_AndLeavesWhenItIsBack();
  void commandPalette_FindsViewsAndActions();
  void sagaTimeline_FollowsLiveSteps();
  void sagaTimeline_HeaderNamesTheStepWhileRunning_TheOutcomeOnceFinished();
  void sagaTimeline_ALongOutcome_IsElidedBeforeTheTimeRange_NotDrawnOverIt();
  void metricsChart_IsDecimatedToTheWidth_AndExportsAllData();
  void metricsChart_NewerDataWhilePreparing_ShowsOnlyTheNewest_AndSurvivesItsDeletion();
  void framePacer_RunsOnePerTick_NewerReplacesOlder_SkipsDestroyedOwners();
  void history_TimeTravelHighlightsWhatChanged();
  void history_EventsTable_HasTheListPagesLook_ItsRowsLineUpWithTheDiff();
  void listTables_CutTextInTheMiddle_SoIdsOfOneDayStayApart();
  void orders_ACutCustomerId_IsWholeInItsTooltip_AndCtrlCCopiesIt();
  void signInDialog_ExplainsFailures_AndRefusesCustomers();
  void consoleApp_SignsInFromFlags_CapturesEveryView_AndFinishes();
  void consoleApp_Unauthenticated_WorksWithAGatewayThatServesOnlyUsers();
  void credentialsFile_GivesTheAdminLine_OrTheNamedUser();
  void alert_OpensTheSagasAndOrdersOfItsWindow();
  void alert_OpeningAPageForItsWindow_SendsOneListRequest_data();
  void alert_OpeningAPageForItsWindow_SendsOneListRequest();
  void alerts_OperatorAcknowledgesWithAComment_AndWithdrawsIt();
  void alerts_AcknowledgingAResolvedAlert_ShowsTheError();
  void ordersWindow_IsAskedOfTheGateway_ItsRowsOnly();
  void ordersDateFilter_IsSentInUtc_TheNextPageKeepsIt();
  void ordersDateFilter_InvertedRange_ShowsTheGatewaysError();
  void ordersDateFilter_EditsApplyOnceTheyPause_AndNotWhileItIsOff();
  void sagasWindow_IsSentInUtc_TheNextPageKeepsIt();
  void sagaStep_HighlightsItsSpansInTheTrace();
  void orderDetail_ShowsItsPayment();
  void stream_RemovedInstanceOrBreaker_ReloadsFleet_GapReloadsThePage();
  void consoleApp_WithoutCredentials_OpensTheSignInDialog();
  void consoleApp_ACommandLineSignInThatCannotReachTheGateway_SaysWhatToCheck();
  void consoleApp_SessionEnded_CancellingTheSignIn_KeepsTheWindowOpen();
  void consoleApp_ResumingARememberedSession_ShowsItCanBeCancelled();
  void consoleApp_ASecondConsoleForTheSameAccount_SignsInOnItsOwn();
  void faults_ApplySendsTheGatewaysShape_AndKeepsTheFailureCode();
  void orders_LateEventsOfAnOlderLoad_DoNotReplaceTheShownOrders();
  void orders_ActionDialog_ActsOnTheOrderItNamed_AtItsVersion();
  void orders_ActionRetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne_data();
  void orders_ActionRetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne();
  void orders_OverlappingLoadsOfOneOrder_TheNewestLoadWins_TheRowKeepsItsVersion();
  void orders_ShowOrderOfAListedOrder_SendsEachRequestOnce_ARowChosenByHandLoadsToo();
  void sagas_OverlappingLoadsOfOneSaga_TheNewestLoadWins();
  void newOrder_EscWhilePlacing_IsRefused_TheAnswerLands();
  void alerts_ListReadBeforeAStreamAlert_DoesNotHideIt_NorReportItTwice();
  void metrics_RefreshCancellingAQueryWhoseBoxWasCleared_GivesRunBack();
  void metrics_TheEmptyCustomChart_FollowsTheChosenRange_AndKeepsItsHint();
  void metrics_CancellingTheCustomQuery_LeavesThePresetChartsLoading();
  void history_NoticeWhileLoading_LoadsOnceMore();
  void userEdit_CancelWhileSaving_IsRefused_TheSaveLands();
  void userEdit_RoleOrStatusChange_IsConfirmedNamingTheUserAndBothValues();
  void userEdit_LostAnswer_SaysTheChangeMayBeSaved_ReloadShowsIt();
  void users_ResetAndDisable_ShowProgress_AndCannotBeStartedTwice();
  void users_Refresh_KeepsTheSelectedUser_FetchingThePagesItWasOn();
  void userCreate_RetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne_data();
  void userCreate_RetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne();
  void userCreate_AfterALostAnswer_TheSentDetailsAreReadOnly_TheRetrySendsTheSameBodyAndKey();
  void userCreate_KeyRefusedAfterALostAnswer_IsExplained_NoSecondAccount();
  void sagas_StepsBeforeTheListIsOpened_AreNotCollected_AndNoSagaIsListedTwice();
  void history_AFailedLoad_LeavesNothingOfThePreviousOrder();
  void fleet_AChangeWhileTheFleetIsLoading_LoadsItOnceMore();
  void fleet_ASteadyStreamOfChanges_StillShowsEachAnswer();
  void alerts_ASteadyStreamOfAlertEvents_StillShowsEachAnswer_NoReloadsWhileHidden();
  void fleet_UpdatesKeepTheDetailPanesFoldsAndCurrentRow();
  void fleet_ARestartResetsTheTree_TheCurrentRowAndFoldsStay();
  void fleet_StopAndStart_SayWhatIsGoingOn_OneAtATime();
  void fleet_DetailSaysWhyAnInstanceIsDownOrDegraded();
  void fleet_AServiceWithoutInstances_IsNamedInTheSummary_AndSaidInTheDetail();
  void fleet_TheSummaryCountsFollowStreamChanges();
  void alerts_TheCountsLine_NamesThePendingOnesToo();
  void alerts_TheSummaryColumn_IsReadable_At1280x800And1024x700();
  void mainWindow_FitsA1024By700Screen();
  void fleet_StartAndStop_FollowWhetherTheSelectedServiceRuns();
  void fleet_ReadinessChecks_ShowWhichAreNotCritical_Unelided();
  void fleet_FailedMetricQueries_AreSaid_TheColumnsKeepTheirLastValues();
  void fleet_FaultsThatFailed_AreAskedAgain_OnlyA404HidesThePanel();
  void alerts_RulesThatFailed_AreAskedAgain();
  void history_ARebuildShowsItsProgress_ThenItsReport_CountingEventsAndDifferencesEachInItsOwnPlural();
  void history_AFailedRebuild_ShowsItsError();
  void history_RebuildReadRefused_SaysWhy_AndReadsNoMore();
  void history_RebuildReadsFailingForAWhile_BackOff_ThenTheReportComes();
  void history_SigningOut_StopsReadingTheRebuild();
  void history_RebuildBeingStarted_CannotBeStartedAgain();
  void history_NoticeDuringAnOrdersFirstLoad_KeepsTheVersionAskedFor();
  void history_AnOrderIdInUpperCase_FollowsTheOrdersLiveEvents();
  void orders_ADetailLoadThatFails_LeavesNothingOfThePreviousOrder_RefreshTriesAgain();
  void sagas_ADetailLoadThatFails_LeavesNothingOfThePreviousSaga();
  void sagas_TheTraceOfTheSagaShownBefore_ArrivingLate_IsNotShown();
  void sagas_ATraceMissingAReplicasPart_SaysSo_TheNextWholeOneDoesNot();
  void sagas_IsNotReady_WhileTheSagasTraceIsStillLoading();
  void waterfall_PaintsOnlyTheRowsItShows();
  void waterfall_SpanNamesGetMoreRoom_OnAWideWidget();
  void waterfall_WrapsALongMessage_InANarrowWindow();
  void deadLetters_OperatorSeesTheLettersFiltersByConsumer_ReplayIsDisabled();
  void deadLetters_AdminReplaysALetterAndAConsumersLetters_AfterConfirming();
  void deadLetters_ErrorsAndTheEmptyList_SayWhatToDo();
  void traces_FiltersReachTheRequest_TheTableShowsTheAnswer_Sortable();
  void traces_SelectingARow_ShowsItsWaterfall();
  void traces_AnErrorAnswer_IsShown();
  void traces_UnreachableReplicas_AreSaid();
  void traces_ATraceThatFailedToLoad_LoadsAgainOnSearchOrAClickOnItsRow();
  void traces_AServiceTypedAndLeft_Searches_Once();
  void traces_ATraceSomeReplicasMayHold_IsNotCalledExpired_InTracesAndSagas();
  void traces_A503WithRetryAfter_IsLoadedAgainOnce_AfterThatManySeconds();
  void traces_TwoUnanswered503sInARow_AreTwoLoads_ThenThePageAsksForItsButton_InTracesAndSagas();
  void traces_ANewerTraceChosenWhileARetryWaits_TheOldOneIsNotLoadedAgain();
  void traces_AGatewayWithoutATraceStore_IsSaidToKeepNoTraces_AndNotReadAgain_InTracesAndSagas();
  void traces_TheListOfAGatewayWithoutATraceStore_SaysTracingIsOffThere();
  void traces_AProxys503_IsNotSaidToBeSilentReplicas_ItsRetryAfterIsKept();
  void traces_A503InTheGatewaysWordsButWithoutItsReason_IsAFailedLoad_NotTracingOffOrSilentReplicas();
  void traces_A503WithRetryAfterAsAnHttpDate_IsLoadedAgainThen_AtMost30SecondsLater();
  void metricsChart_AHoleInASeries_IsTwoLinesOfOneLegendEntry();
  void metricsChart_AxisLabelsAndValues_AreFixedNotationInTheLocale();
  void fleetSparkline_SamplesStayAtTheirTimes_MissingOnesLeaveAGap();
  void settings_UseTheSignInDialogsWords_AndWithoutAKeychainDoNotOfferToRemember();
  void reasonCodesAndOrderStates_AreWords_InTheOrderDetailAndTheHistoryDiff();

 private:
  void signIn(const QString& username);
  MainWindow* openWindow(const QString& username);

  FakeGateway* gateway_ = nullptr;
  DemoFleet* demo_ = nullptr;
  GatewayClient* client_ = nullptr;
  EventStream* stream_ = nullptr;
  MainWindow* window_ = nullptr;
};

void ViewsTest::initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

void ViewsTest::init() {
  gateway_ = new FakeGateway;
  QVERIFY(gateway_->start());
  demo_ = new DemoFleet(*gateway_);
  client_ = new GatewayClient;
  client_->setBaseUrl(gateway_->url());
  client_->connection()->setRetryDelays(1, 2);
  stream_ = new EventStream(client_);
  stream_->setBackoff(100, 500);
}

void ViewsTest::cleanup() {
  delete window_;
  window_ = nullptr;
  delete stream_;
  delete client_;
  delete demo_;
  delete gateway_;
}

void ViewsTest::signIn(const QString& username) {
  bool done = false;
  client_->signIn(username, DemoFleet::kPassword, this, [&](const Result<User>& result) {
    QVERIFY(result.ok());
    done = true;
  });
  QVERIFY(QTest::qWaitFor([&] { return done; }, 5000));
}

MainWindow* ViewsTest::openWindow(const QString& username) {
  signIn(username);
  window_ = new MainWindow(client_, stream_, ConsoleSettings{});
  window_->resize(1280, 800);
  window_->setSignedInUser(client_->session().user);
  window_->show();
  stream_->start();
  return window_;
}

void ViewsTest::operatorRole_HidesEveryEditAction() {
  MainWindow* window = openWindow("grace");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  for (const char* name : {"users.create", "users.edit", "users.disable", "users.resetPassword"}) {
    QAction* action = users->findChild<QAction*>(QLatin1String(name));
    QVERIFY2(action != nullptr, name);
    QVERIFY2(!action->isVisible(), name);
    QToolButton* button = buttonFor(users, action);
    QVERIFY2(button == nullptr || !button->isVisible(), name);
  }
  // Double-click, the usual way into an edit, opens nothing either.
  users->table()->selectRow(2);
  users->table()->doubleClicked(users->model()->index(2, 0));
  QVERIFY(users->editDialog() == nullptr);
  users->editSelected();
  QVERIFY(users->editDialog() == nullptr);

  window->showPage("orders");
  for (const char* name : {"orders.create", "orders.ship", "orders.deliver", "orders.cancel"}) {
    QAction* action = window->ordersView()->findChild<QAction*>(QLatin1String(name));
    QVERIFY2(action != nullptr && !action->isVisible(), name);
  }
  for (const char* name : {"fleet.stop", "fleet.start", "fleet.applyFaults"}) {
    QAction* action = window->fleetView()->findChild<QAction*>(QLatin1String(name));
    QVERIFY2(action != nullptr && !action->isVisible(), name);
  }
  QVERIFY(!window->fleetView()->findChild<QWidget*>("faultsBox")->isVisible());
  QVERIFY(!window->historyView()->findChild<QPushButton*>("rebuildButton")->isVisible());
  // Nor the rebuild's box: its progress bar would stay empty (a console follows only its own rebuilds).
  window->showPage("history");
  QVERIFY(!window->historyView()->findChild<QWidget*>("rebuildBox")->isVisible());
  // Nor does the command palette offer them.
  window->openCommandPalette();
  const QStringList offered = window->commandPalette()->filter(QString());
  QVERIFY(offered.filter("New user").isEmpty());
  QVERIFY(offered.filter("Cancel order").isEmpty());
  QVERIFY(!offered.filter("Go to Users").isEmpty());
  QVERIFY(window->findChild<QLabel*>("signedInUser")->text().contains("Operator"));
}

void ViewsTest::adminRole_ShowsEditActions() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  QAction* create = users->findChild<QAction*>("users.create");
  QVERIFY(create->isVisible());
  QVERIFY(buttonFor(users, create)->isVisible());
  QVERIFY(create->isEnabled());
  QAction* edit = users->findChild<QAction*>("users.edit");
  QVERIFY(!edit->isEnabled());  // nothing selected yet
  users->table()->selectRow(2);
  QVERIFY(edit->isEnabled());
  window->showPage("fleet");
  QVERIFY(QTest::qWaitFor([&] { return window->fleetView()->faultsAvailable(); }, 5000));
  QVERIFY(window->fleetView()->findChild<QWidget*>("faultsBox")->isVisible());
  window->showPage("history");
  QVERIFY(window->historyView()->findChild<QWidget*>("rebuildBox")->isVisible());
  window->openCommandPalette();
  QVERIFY(!window->commandPalette()->filter("new user").isEmpty());
}

void ViewsTest::faults_ApplySendsTheGatewaysShape_AndKeepsTheFailureCode() {
  demo_->setFaults(QJsonObject{
      {"declineRate", 0.0}, {"failureRate", 0.0}, {"addedLatencyMs", "0"}, {"failureCode", "INTERNAL"}});
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->faultsAvailable(); }, 5000));
  fleet->findChild<QDoubleSpinBox*>("failureRate")->setValue(25);
  QSignalSpy status(fleet, &ViewPage::statusMessage);
  fleet->findChild<QAction*>("fleet.applyFaults")->trigger();
  QVERIFY(QTest::qWaitFor([&] { return !status.isEmpty(); }, 5000));
  QVERIFY2(fleet->findChild<QMessageBox*>("errorDialog") == nullptr, "the gateway refused the body");
  QVERIFY(status.constLast().at(0).toString().contains("fail 25 %"));
  const QJsonObject sent = demo_->faults();
  QCOMPARE(sent.value("failureRate").toDouble(), 0.25);
  QCOMPARE(sent.value("failureCode").toString(), QStringLiteral("INTERNAL"));  // no control for it: kept as read
}

void ViewsTest::orders_LateEventsOfAnOlderLoad_DoNotReplaceTheShownOrders() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  const QJsonObject a = demo_->order(0);
  QJsonObject b;
  for (int i = 1; i < 50 && b.isEmpty(); ++i) {
    if (demo_->order(i).value("version") != a.value("version")) b = demo_->order(i);  // another event count
  }
  QVERIFY(!b.isEmpty());
  const QString aId = a.value("id").toString();
  const QString bId = b.value("id").toString();
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  // A reload of A whose events come late, then B whose details come later still: A's events arrive
  // while A's details are still the ones shown.
  gateway_->delayResponses("/api/v1/orders/" + aId + "/events", 200);
  gateway_->delayResponses("/api/v1/orders/" + bId + "/details", 500);
  orders->showOrder(aId);
  orders->showOrder(bId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == bId && orders->isReady(); }, 5000));
  QTest::qWait(100);
  const QVector<OrderEvent>& shown = orders->eventsModel()->events();
  QVERIFY(!shown.isEmpty());
  QCOMPARE(shown.first().time, QDateTime::fromString(b.value("createTime").toString(), Qt::ISODateWithMs));
}

void ViewsTest::orders_ActionDialog_ActsOnTheOrderItNamed_AtItsVersion() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  // Two confirmed orders: both can be shipped.
  const QJsonObject a = demo_->order(2);
  const QJsonObject b = demo_->order(6);
  QCOMPARE(a.value("status").toString(), QStringLiteral("CONFIRMED"));
  QCOMPARE(b.value("status").toString(), QStringLiteral("CONFIRMED"));
  const QString aId = a.value("id").toString();
  const QString bId = b.value("id").toString();
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  // B chosen, its details slow; the user ships what the panel still shows, A.
  gateway_->delayResponses("/api/v1/orders/" + bId + "/details", 300);
  orders->showOrder(bId);
  orders->findChild<QAction*>("orders.ship")->trigger();
  auto* dialog = orders->findChild<QDialog*>("orderActionDialog");
  QVERIFY(dialog != nullptr);
  QVERIFY(dialogText(dialog).contains(aId));
  // B's details arrive while the dialog is open.
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == bId && orders->isReady(); }, 5000));
  dialog->findChild<QLineEdit*>("orderActionText")->setText("1Z-NAMED");
  dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", "/api/v1/orders/ord-\\d+:ship") == 1; }, 5000));
  FakeRequest sent;
  for (const FakeRequest& request : gateway_->requests()) {
    if (request.method == "POST" && request.path.endsWith(":ship")) sent = request;
  }
  QCOMPARE(sent.path, "/api/v1/orders/" + aId + ":ship");
  QCOMPARE(sent.header("if-match"), '"' + a.value("version").toString().toUtf8() + '"');
  QVERIFY(QTest::qWaitFor([&] { return demo_->order(2).value("status").toString() == QLatin1String("SHIPPED"); }, 5000));
  QCOMPARE(demo_->order(6).value("status").toString(), QStringLiteral("CONFIRMED"));
  QCOMPARE(orders->shownOrderId(), bId);  // the panel stays on the order chosen last
}

void ViewsTest::orders_ActionRetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne_data() {
  QTest::addColumn<bool>("hangUp");
  QTest::newRow("503 from the proxy") << false;
  QTest::newRow("connection dropped") << true;
}

void ViewsTest::orders_ActionRetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne() {
  QFETCH(bool, hangUp);
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  const QJsonObject a = demo_->order(2);
  QCOMPARE(a.value("status").toString(), QStringLiteral("CONFIRMED"));
  const QString aId = a.value("id").toString();
  const qint64 version = a.value("version").toString().toLongLong();
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  QSignalSpy status(orders, &ViewPage::statusMessage);
  // The order is shipped, but the answer does not come back: the proxy in front answers 503, or the
  // connection drops (the network layer then sends the request once more by itself, and that answer
  // is lost too).
  const QString ship = "/api/v1/orders/" + aId + ":ship";
  FakeResponse lost = FakeResponse::error(503, "UNAVAILABLE", "upstream orders timed out");
  lost.hangUp = hangUp;
  gateway_->loseAnswers(ship, lost);
  orders->findChild<QAction*>("orders.ship")->trigger();
  QPointer<QDialog> dialog = orders->findChild<QDialog*>("orderActionDialog");
  QVERIFY(dialog != nullptr);
  dialog->findChild<QLineEdit*>("orderActionText")->setText("1Z-LOST");
  QPushButton* shipButton = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
  shipButton->click();
  QPointer<QLabel> error = dialog->findChild<QLabel*>("orderActionError");
  QVERIFY(QTest::qWaitFor([&] { return error.isNull() || error->isVisibleTo(dialog); }, 10000));
  // The dialog stays, says what happened and offers the same button again.
  QVERIFY2(!dialog.isNull() && dialog->isVisible(), "the dialog closed on a lost answer");
  QVERIFY2(error->text().contains("Ship"), qPrintable(error->text()));
  // All of it readable, and the question above it too: the dialog grew for the wrapped lines instead
  // of cutting them (the question lost the end of the order id, the error its last lines).
  for (QLabel* label : dialog->findChildren<QLabel*>()) {
    if (!label->isVisibleTo(dialog) || !label->wordWrap()) continue;
    QTRY_VERIFY2(label->height() >= label->heightForWidth(label->width()),
                 qPrintable(QStringLiteral("%1 px for %2 px of \"%3\"")
                                .arg(label->height()).arg(label->heightForWidth(label->width())).arg(label->text())));
  }
  QVERIFY(shipButton->isEnabled());
  QVERIFY(orders->findChild<QMessageBox*>("errorDialog") == nullptr);
  QCOMPARE(demo_->order(2).value("status").toString(), QStringLiteral("SHIPPED"));  // it did happen
  const int lostTries = gateway_->count("POST", ship);
  QVERIFY(lostTries >= 1);

  gateway_->keepAnswers(ship);
  shipButton->click();
  QVERIFY(QTest::qWaitFor([&] { return dialog.isNull() || !dialog->isVisible(); }, 5000));
  QList<FakeRequest> sent;
  for (const FakeRequest& request : gateway_->requests()) {
    if (request.method == "POST" && request.path == ship) sent.append(request);
  }
  QCOMPARE(sent.size(), lostTries + 1);
  const QByteArray key = sent[0].header("idempotency-key");
  QVERIFY(!key.isEmpty());
  for (const FakeRequest& request : sent) {
    QCOMPARE(request.header("idempotency-key"), key);
    // Every try names the version the dialog showed: the key is what lets the retry through.
    QCOMPARE(request.header("if-match"), '"' + QByteArray::number(version) + '"');
  }
  // Answered as the first request left the order: shipped once, no "no longer in a state" error.
  QVERIFY(orders->findChild<QMessageBox*>("errorDialog") == nullptr);
  QCOMPARE(demo_->order(2).value("version").toString().toLongLong(), version + 1);
  QVERIFY(!status.isEmpty());
  QCOMPARE(status.constLast().at(0).toString(), QStringLiteral("Order %1 shipped.").arg(aId));
  QCOMPARE(orders->model()->order(orders->model()->rowOf(aId)).status, QStringLiteral("SHIPPED"));

  // The next action is a dialog of its own, with a key of its own.
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && orders->findChild<QAction*>("orders.deliver")->isEnabled(); }, 5000));
  orders->findChild<QAction*>("orders.deliver")->trigger();
  QPointer<QDialog> deliver;
  for (QDialog* open : orders->findChildren<QDialog*>("orderActionDialog")) {
    if (open->isVisible()) deliver = open;
  }
  QVERIFY(deliver != nullptr);
  deliver->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
  const QString delivered = "/api/v1/orders/" + aId + ":deliver";
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", delivered) == 1; }, 5000));
  QByteArray deliverKey;
  for (const FakeRequest& request : gateway_->requests()) {
    if (request.method == "POST" && request.path == delivered) deliverKey = request.header("idempotency-key");
  }
  QVERIFY(!deliverKey.isEmpty());
  QVERIFY(deliverKey != key);
  QVERIFY(QTest::qWaitFor([&] { return demo_->order(2).value("status").toString() == QLatin1String("DELIVERED"); }, 5000));
}

void ViewsTest::orders_OverlappingLoadsOfOneOrder_TheNewestLoadWins_TheRowKeepsItsVersion() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  const QJsonObject a = demo_->order(2);
  QCOMPARE(a.value("status").toString(), QStringLiteral("CONFIRMED"));
  const QString aId = a.value("id").toString();
  const QString details = "/api/v1/orders/" + aId + "/details";
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && orders->model()->rowOf(aId) >= 0; }, 5000));
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  // A reload reads A at version 2 and is answered first…
  gateway_->delayResponses(details, 300);
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", details) == 2; }, 5000));
  // …after A was shipped elsewhere, and the stream's notice of it asked for a load of its own.
  bool shipped = false;
  api::shipOrder(client_, aId, 0, "1Z-ELSEWHERE", QString(), this, [&](const Result<Order>& result) { shipped = result.ok(); });
  QVERIFY(QTest::qWaitFor([&] { return shipped; }, 5000));
  gateway_->delayResponses(details, 800);
  orders->applyNotice({aId, 3, "OrderShipped", QDateTime::currentDateTimeUtc()});
  auto* header = orders->findChild<QLabel*>("orderHeader");
  QVERIFY2(QTest::qWaitFor([&] { return orders->isReady() && header->text().contains("version 3"); }, 5000),
           qPrintable(header->text()));
  const Order row = orders->model()->order(orders->model()->rowOf(aId));
  QCOMPARE(row.version, 3);
  QCOMPARE(row.status, QStringLiteral("SHIPPED"));
}

void ViewsTest::orders_ShowOrderOfAListedOrder_SendsEachRequestOnce_ARowChosenByHandLoadsToo() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  // The requests that read order `id`: its details, its events and its payments.
  const auto sent = [this](const QString& id) {
    int details = 0;
    int events = 0;
    int payments = 0;
    for (const FakeRequest& request : gateway_->requests()) {
      if (request.method != "GET") continue;
      if (request.path == "/api/v1/orders/" + id + "/details") ++details;
      if (request.path == "/api/v1/orders/" + id + "/events") ++events;
      if (request.path == "/api/v1/payments" && request.queryValue("orderId") == id) ++payments;
    }
    return QList<int>{details, events, payments};
  };
  // The list is there (its first row chosen and shown); A is a row of it, not the current one.
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && orders->model()->rowCount() > 3 && !orders->shownOrderId().isEmpty(); }, 5000));
  const QString aId = orders->model()->order(2).id;
  const QString bId = orders->model()->order(3).id;
  QVERIFY(orders->table()->currentIndex().row() != 2);
  QCOMPARE(sent(aId), (QList<int>{0, 0, 0}));

  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  QTest::qWait(300);  // a second load would be on its way by now
  QCOMPARE(orders->table()->currentIndex().row(), 2);
  QCOMPARE(sent(aId), (QList<int>{1, 1, 1}));  // details, events, payments: once each

  // The next row, chosen by hand: its selection loads it, once.
  QCOMPARE(sent(bId), (QList<int>{0, 0, 0}));
  QTest::keyClick(orders->table(), Qt::Key_Down);
  QCOMPARE(orders->table()->currentIndex().row(), 3);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == bId && orders->isReady(); }, 5000));
  QTest::qWait(300);
  QCOMPARE(sent(bId), (QList<int>{1, 1, 1}));
  QCOMPARE(sent(aId), (QList<int>{1, 1, 1}));
}

void ViewsTest::sagas_OverlappingLoadsOfOneSaga_TheNewestLoadWins() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  const QJsonObject order = demo_->order(5);  // PENDING: its saga runs
  const QString sagaId = order.value("sagaId").toString();
  const QString path = "/api/v1/admin/sagas/" + sagaId;
  sagas->showSaga(sagaId);
  QVERIFY(QTest::qWaitFor([&] { return sagas->timeline()->saga().id == sagaId && sagas->isReady(); }, 5000));
  QCOMPARE(sagas->timeline()->saga().state, QStringLiteral("RUNNING"));
  // A refresh reads the saga running and is answered first; the order is cancelled, and a second
  // refresh reads the saga compensated and is answered last.
  gateway_->delayResponses(path, 300);
  sagas->refresh();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", path) == 2; }, 5000));
  bool cancelled = false;
  api::cancelOrder(client_, order.value("id").toString(), 0, "changed my mind", QString(), this,
                   [&](const Result<Order>& result) { cancelled = result.ok(); });
  QVERIFY(QTest::qWaitFor([&] { return cancelled; }, 5000));
  gateway_->delayResponses(path, 800);
  sagas->refresh();
  QVERIFY2(QTest::qWaitFor([&] { return sagas->isReady() && sagas->timeline()->saga().state == QLatin1String("COMPENSATED"); }, 5000),
           qPrintable(sagas->timeline()->saga().state));
}

void ViewsTest::newOrder_EscWhilePlacing_IsRefused_TheAnswerLands() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady(); }, 5000));
  QJsonObject placed = demo_->order(0);
  placed.insert("id", "ord-20001");
  placed.insert("status", "PENDING");
  placed.insert("version", "1");
  gateway_->route("POST", "/api/v1/orders", [placed](const FakeRequest&) {
    FakeResponse response = FakeResponse::json(201, placed);
    response.delayMs = 300;
    return response;
  });
  orders->createOrder();
  QPointer<QDialog> dialog = orders->findChild<QDialog*>("newOrderDialog");
  QVERIFY(dialog != nullptr);
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  dialog->findChild<QLineEdit*>("newOrderUser")->setText(placed.value("userId").toString());
  dialog->findChild<QPlainTextEdit*>("newOrderItems")->setPlainText("p-cable 2");
  dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", "/api/v1/orders") == 1; }, 5000));
  QTest::keyClick(dialog, Qt::Key_Escape);  // while the order is on its way
  dialog->close();
  QVERIFY(dialog != nullptr && dialog->isVisible());
  QVERIFY(QTest::qWaitFor([&] { return orders->model()->rowOf("ord-20001") >= 0; }, 5000));  // the answer landed
  QVERIFY(QTest::qWaitFor([&] { return dialog.isNull() || !dialog->isVisible(); }, 5000));    // and closed it
  QCOMPARE(gateway_->count("POST", "/api/v1/orders"), 1);
}

void ViewsTest::alerts_ListReadBeforeAStreamAlert_DoesNotHideIt_NorReportItTwice() {
  MainWindow* window = openWindow("grace");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && alerts->model()->rowCount() == 3; }, 5000));
  const QJsonObject disk{{"labels", QJsonObject{{"alertname", "DiskFull"}, {"severity", "critical"}, {"service", "orders"}}},
                         {"annotations", QJsonObject{{"summary", "orders' disk is full"}}},
                         {"state", "firing"},
                         {"activeAt", QDateTime::currentDateTimeUtc().addSecs(-30).toString(Qt::ISODateWithMs)},
                         {"value", "1"}};
  bool firing = false;  // what Prometheus answers from now on: DiskFull, once it fires
  gateway_->route("GET", "/api/v1/admin/alerts", [&firing, disk](const FakeRequest&) {
    const QJsonArray list = firing ? QJsonArray{disk} : QJsonArray{};
    return FakeResponse::json(200, {{"status", "success"}, {"data", QJsonObject{{"alerts", list}}}});
  });
  QSignalSpy fired(alerts->model(), &AlertsModel::alertFired);
  // A poll reads the list, DiskFull fires and the stream tells before the poll's answer arrives.
  gateway_->delayResponses("/api/v1/admin/alerts", 300);
  const int polls = gateway_->count("GET", "/api/v1/admin/alerts");
  alerts->refresh();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/alerts") == polls + 1; }, 5000));
  firing = true;
  alerts->applyAlert(PromAlert::fromJson(disk));
  QCOMPARE(fired.count(), 1);
  const QString key = PromAlert::fromJson(disk).key();
  QSignalSpy resets(alerts->model(), &QAbstractItemModel::modelReset);
  QVERIFY(QTest::qWaitFor([&] { return resets.count() >= 1; }, 5000));
  QVERIFY(alerts->model()->rowOf(key) >= 0);  // not taken away by the older list
  // The next poll lists it: the same firing, not news.
  alerts->refresh();
  QVERIFY(QTest::qWaitFor([&] { return resets.count() >= 2; }, 5000));
  QVERIFY(alerts->model()->rowOf(key) >= 0);
  QCOMPARE(fired.count(), 1);
}

void ViewsTest::alerts_ASteadyStreamOfAlertEvents_StillShowsEachAnswer_NoReloadsWhileHidden() {
  MainWindow* window = openWindow("grace");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && alerts->model()->rowCount() == 3; }, 5000));
  const QJsonObject disk{{"labels", QJsonObject{{"alertname", "DiskFull"}, {"severity", "critical"}, {"service", "orders"}}},
                         {"annotations", QJsonObject{{"summary", "orders' disk is full"}}},
                         {"state", "firing"},
                         {"activeAt", QDateTime::currentDateTimeUtc().addSecs(-30).toString(Qt::ISODateWithMs)},
                         {"value", "1"}};
  // From now on Prometheus lists DiskFull only; the stream keeps telling of a flapping alert.
  gateway_->route("GET", "/api/v1/admin/alerts", [disk](const FakeRequest&) {
    return FakeResponse::json(200, {{"status", "success"}, {"data", QJsonObject{{"alerts", QJsonArray{disk}}}}});
  });
  gateway_->delayResponses("/api/v1/admin/alerts", 300);
  PromAlert flapping = PromAlert::fromJson(disk);
  flapping.name = "Flapping";
  flapping.labels.insert("alertname", "Flapping");
  flapping.state = "pending";
  QTimer events;
  connect(&events, &QTimer::timeout, this, [alerts, flapping] { alerts->applyAlert(flapping); });
  events.start(50);
  alerts->refresh();
  const QString diskKey = PromAlert::fromJson(disk).key();
  QVERIFY2(QTest::qWaitFor([&] { return alerts->model()->rowOf(diskKey) >= 0 && alerts->model()->rowCount() == 2; }, 3000),
           "no alerts answer was shown while the events went on");
  QVERIFY(alerts->model()->rowOf(flapping.key()) >= 0);  // the stream's alert is not taken away by the list

  // Hidden, with a refresh on its way: the events ask for nothing more.
  alerts->refresh();
  window->showPage("fleet");
  QVERIFY(!alerts->isVisible());
  QTest::qWait(500);
  const int polls = gateway_->count("GET", "/api/v1/admin/alerts");
  QTest::qWait(700);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/alerts"), polls);
  events.stop();
}

void ViewsTest::metrics_RefreshCancellingAQueryWhoseBoxWasCleared_GivesRunBack() {
  MainWindow* window = openWindow("ada");
  window->showPage("metrics");
  MetricsView* metrics = window->metricsView();
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady(); }, 5000));
  QPushButton* run = nullptr;
  for (QPushButton* button : metrics->findChildren<QPushButton*>()) {
    if (button->text() == QLatin1String("Run")) run = button;
  }
  QVERIFY(run != nullptr);
  gateway_->delayResponses("/api/v1/admin/metrics/query_range", 300);
  metrics->runQuery("sum(rate(fleetdeck_requests_total[5m]))");
  QVERIFY(!run->isEnabled());  // while it runs
  metrics->findChild<QLineEdit*>("promqlEdit")->clear();
  metrics->refresh();  // the auto refresh, or the user's: it replaces the query in flight
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady(); }, 5000));
  QVERIFY(run->isEnabled());
}

void ViewsTest::metrics_TheEmptyCustomChart_FollowsTheChosenRange_AndKeepsItsHint() {
  MainWindow* window = openWindow("ada");
  window->showPage("metrics");
  MetricsView* metrics = window->metricsView();
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady(); }, 5000));
  auto span = [](MetricChart* chart) {
    auto* axis = qobject_cast<QDateTimeAxis*>(chart->chartView()->chart()->axes(Qt::Horizontal).value(0));
    return axis != nullptr ? axis->min().secsTo(axis->max()) : -1;
  };
  MetricChart* custom = metrics->customChart();
  MetricChart* rate = metrics->findChild<MetricChart*>("requestRateChart");
  // 5 minutes chosen: the empty custom chart beside the others showed the hour before the page opened.
  metrics->findChild<QToolButton*>("range300")->click();
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady() && span(rate) <= 310; }, 5000));
  QVERIFY2(qAbs(span(custom) - 300) <= 5, qPrintable(QString::number(span(custom))));
  bool hint = false;
  for (QLabel* label : custom->findChildren<QLabel*>()) {
    hint = hint || (label->isVisible() && label->text() == QLatin1String("Type a PromQL query below and press Run."));
  }
  QVERIFY(hint);
  metrics->findChild<QToolButton*>("range86400")->click();
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady() && span(custom) >= 86000; }, 5000));
}

void ViewsTest::metrics_CancellingTheCustomQuery_LeavesThePresetChartsLoading() {
  MainWindow* window = openWindow("ada");
  window->showPage("metrics");
  MetricsView* metrics = window->metricsView();
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady(); }, 5000));
  QPushButton* run = nullptr;
  QPushButton* cancel = nullptr;
  for (QPushButton* button : metrics->findChildren<QPushButton*>()) {
    if (button->text() == QLatin1String("Run")) run = button;
    if (button->text() == QLatin1String("Cancel")) cancel = button;
  }
  QVERIFY(run != nullptr && cancel != nullptr);
  gateway_->delayResponses("/api/v1/admin/metrics/query_range", 400);
  QSignalSpy presetShown(metrics->requestRateChart(), &MetricChart::seriesShown);
  QSignalSpy customShown(metrics->customChart(), &MetricChart::seriesShown);
  metrics->refresh();  // the preset charts load
  metrics->runQuery("sum(rate(fleetdeck_requests_total[5m]))");
  QVERIFY(cancel->isVisible());
  cancel->click();
  QVERIFY(run->isEnabled());
  QVERIFY(!cancel->isVisible());
  // The preset charts still get their data; the custom chart does not (the refresh, with no query in
  // the box then, gave it the range only: empty).
  QVERIFY2(QTest::qWaitFor([&] { return presetShown.count() == 1 && metrics->isReady(); }, 5000),
           "the preset charts' loads were cancelled with the custom query");
  QTest::qWait(200);
  QVERIFY(customShown.count() <= 1);
  QVERIFY(metrics->customChart()->series().isEmpty());
}

void ViewsTest::history_NoticeWhileLoading_LoadsOnceMore() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  const QString id = demo_->order(0).value("id").toString();
  const QString events = "/api/v1/orders/" + id + "/events";
  history->showOrder(id);
  OrderEventNotice notice;
  notice.orderId = id;
  history->applyNotice(notice);  // committed after the list on its way was read
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", events) == 2 && history->isReady(); }, 5000));
  QTest::qWait(100);
  QCOMPARE(gateway_->count("GET", events), 2);  // once more, not once per notice for ever
}

void ViewsTest::userEdit_CancelWhileSaving_IsRefused_TheSaveLands() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && users->model()->rowCount() > 5; }, 5000));
  users->table()->selectRow(3);
  const User listed = users->model()->user(3);
  users->editSelected();
  UserEditDialog* dialog = users->editDialog();
  QVERIFY(dialog != nullptr);
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  dialog->findChild<QLineEdit*>("displayNameEdit")->setText("Saved Slowly");
  gateway_->delayResponses("/api/v1/users/" + listed.id, 300);
  qint64 savedVersion = 0;
  connect(dialog, &UserEditDialog::saved, this, [&savedVersion](const User& user) { savedVersion = user.version; });
  dialog->save();
  dialog->reject();  // Cancel, or Esc, while the PATCH is on its way
  QVERIFY(dialog->isVisible());
  QVERIFY(QTest::qWaitFor([&] { return savedVersion != 0; }, 5000));
  QCOMPARE(savedVersion, listed.version + 1);
}

void ViewsTest::userEdit_RoleOrStatusChange_IsConfirmedNamingTheUserAndBothValues() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && users->model()->rowCount() > 5; }, 5000));
  users->table()->selectRow(3);
  const User listed = users->model()->user(3);
  QCOMPARE(listed.role, QStringLiteral("customer"));
  QCOMPARE(listed.status, QStringLiteral("active"));
  users->editSelected();
  QPointer<UserEditDialog> dialog = users->editDialog();
  QVERIFY(dialog != nullptr);
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  const QString path = "/api/v1/users/" + listed.id;
  auto openConfirmation = [&]() -> QMessageBox* {
    if (dialog.isNull()) return nullptr;  // saved and closed without asking
    for (QMessageBox* box : dialog->findChildren<QMessageBox*>("confirmDialog")) {
      if (box->isVisible()) return box;
    }
    return nullptr;
  };

  // A new role and status: asked first, nothing sent; Cancel sends nothing and keeps the form.
  auto* role = dialog->findChild<QComboBox*>("roleCombo");
  role->setCurrentIndex(role->findData("operator"));
  auto* status = dialog->findChild<QComboBox*>("statusCombo");
  status->setCurrentIndex(status->findData("disabled"));
  dialog->save();
  QVERIFY2(QTest::qWaitFor([&] { return openConfirmation() != nullptr; }, 5000), "no confirmation was asked");
  const QString text = openConfirmation()->text();
  QVERIFY2(text.contains(listed.username), qPrintable(text));
  QVERIFY2(text.contains(display::userRole("customer") + " → " + display::userRole("operator")), qPrintable(text));
  QVERIFY2(text.contains(display::userStatus("active") + " → " + display::userStatus("disabled")), qPrintable(text));
  QCOMPARE(gateway_->count("PATCH", path), 0);
  openConfirmation()->button(QMessageBox::Cancel)->click();
  QTest::qWait(100);
  QCOMPARE(gateway_->count("PATCH", path), 0);
  QVERIFY(dialog->isVisible());

  // Confirmed: the PATCH carries both.
  QSignalSpy saved(dialog, &UserEditDialog::saved);
  dialog->save();
  QVERIFY(!acceptConfirmation(dialog).isEmpty());
  QVERIFY(QTest::qWaitFor([&] { return saved.count() == 1; }, 5000));
  QCOMPARE(lastRequest(*gateway_, "PATCH", path).json().value("role").toString(), QStringLiteral("operator"));
  QCOMPARE(lastRequest(*gateway_, "PATCH", path).json().value("status").toString(), QStringLiteral("disabled"));

  // A display name alone is saved without a question.
  users->table()->selectRow(4);
  const User other = users->model()->user(4);
  users->editSelected();
  dialog = users->editDialog();
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  dialog->findChild<QLineEdit*>("displayNameEdit")->setText("Renamed Only");
  QSignalSpy renamed(dialog, &UserEditDialog::saved);
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return renamed.count() == 1; }, 5000));
  QCOMPARE(gateway_->count("PATCH", "/api/v1/users/" + other.id), 1);
}

void ViewsTest::userEdit_LostAnswer_SaysTheChangeMayBeSaved_ReloadShowsIt() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && users->model()->rowCount() > 5; }, 5000));
  users->table()->selectRow(3);
  const User listed = users->model()->user(3);
  users->editSelected();
  QPointer<UserEditDialog> dialog = users->editDialog();
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  const QString path = "/api/v1/users/" + listed.id;
  auto* displayName = dialog->findChild<QLineEdit*>("displayNameEdit");

  // The PATCH is applied, its answer lost on the way back (a proxy's 503).
  gateway_->loseAnswers(path, FakeResponse::error(503, "UNAVAILABLE", "upstream users timed out"));
  displayName->setText("Saved But Unheard");
  dialog->save();
  QVERIFY2(QTest::qWaitFor([&] { return dialog->lostAnswerDialog() != nullptr && dialog->lostAnswerDialog()->isVisible(); }, 5000),
           qPrintable(dialog->generalError()));
  QVERIFY(dialog->staleEditDialog() == nullptr);
  const QString text = dialog->lostAnswerDialog()->text();
  QVERIFY2(text.contains("may") && text.contains(listed.username), qPrintable(text));
  QVERIFY(!text.contains("someone else", Qt::CaseInsensitive));
  gateway_->keepAnswers(path);

  // Save again without reloading: the version moved on with that save, and the 412 does not blame
  // someone else.
  dialog->lostAnswerDialog()->close();
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return dialog->staleEditDialog() != nullptr && dialog->staleEditDialog()->isVisible(); }, 5000));
  QVERIFY2(!dialog->staleEditDialog()->text().contains("someone else", Qt::CaseInsensitive), qPrintable(dialog->staleEditDialog()->text()));
  QVERIFY2(dialog->staleEditDialog()->text().contains("your own earlier save"), qPrintable(dialog->staleEditDialog()->text()));

  // Reload shows the change as saved.
  dialog->staleEditDialog()->findChild<QPushButton*>("staleReloadButton")->click();
  QVERIFY(QTest::qWaitFor([&] { return dialog->generalError().contains(QString::number(listed.version + 1)); }, 5000));
  QCOMPARE(displayName->text(), QStringLiteral("Saved But Unheard"));
}

void ViewsTest::users_ResetAndDisable_ShowProgress_AndCannotBeStartedTwice() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && users->model()->rowCount() > 5; }, 5000));
  users->table()->selectRow(3);
  const User user = users->model()->user(3);
  QCOMPARE(user.status, QStringLiteral("active"));
  QAction* edit = users->findChild<QAction*>("users.edit");
  QAction* disable = users->findChild<QAction*>("users.disable");
  QAction* reset = users->findChild<QAction*>("users.resetPassword");
  QVERIFY(edit->isEnabled() && disable->isEnabled() && reset->isEnabled());
  QSignalSpy messages(users, &ViewPage::statusMessage);
  const QString resetPath = "/api/v1/users/" + user.id + ":resetPassword";
  auto passwordDialogs = [&] {
    int shown = 0;
    for (QMessageBox* box : users->findChildren<QMessageBox*>("temporaryPasswordDialog")) shown += box->isVisible() ? 1 : 0;
    return shown;
  };

  gateway_->delayResponses(resetPath, 400);
  reset->trigger();
  QVERIFY(!acceptConfirmation(users).isEmpty());
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", resetPath) == 1; }, 5000));
  // On its way: said so, and nothing on this user can start meanwhile.
  QVERIFY(!messages.isEmpty());
  QCOMPARE(messages.constLast().first().toString(), QStringLiteral("Resetting the password of %1…").arg(user.username));
  QVERIFY(!reset->isEnabled());
  QVERIFY(!disable->isEnabled());
  QVERIFY(!edit->isEnabled());
  users->resetPasswordOfSelected();  // a shortcut or the palette, the action notwithstanding
  QTest::qWait(50);
  bool askedAgain = false;
  for (QMessageBox* box : users->findChildren<QMessageBox*>("confirmDialog")) askedAgain = askedAgain || box->isVisible();
  QVERIFY(!askedAgain);
  QVERIFY(QTest::qWaitFor([&] { return passwordDialogs() == 1; }, 5000));
  QVERIFY(reset->isEnabled() && disable->isEnabled() && edit->isEnabled());
  QTest::qWait(200);
  QCOMPARE(gateway_->count("POST", resetPath), 1);
  QCOMPARE(passwordDialogs(), 1);
  for (QMessageBox* box : users->findChildren<QMessageBox*>("temporaryPasswordDialog")) box->close();

  const QString userPath = "/api/v1/users/" + user.id;
  gateway_->delayResponses(userPath, 400);
  disable->trigger();
  QVERIFY(!acceptConfirmation(users).isEmpty());
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("DELETE", userPath) == 1; }, 5000));
  QCOMPARE(messages.constLast().first().toString(), QStringLiteral("Disabling %1…").arg(user.username));
  QVERIFY(!reset->isEnabled() && !disable->isEnabled() && !edit->isEnabled());
  QVERIFY(QTest::qWaitFor([&] { return users->model()->user(3).status == QLatin1String("disabled"); }, 5000));
  QVERIFY(reset->isEnabled() && edit->isEnabled());
  QVERIFY(!disable->isEnabled());  // disabled already
  QCOMPARE(messages.constLast().first().toString(), QStringLiteral("Disabled %1.").arg(user.username));
}

void ViewsTest::users_Refresh_KeepsTheSelectedUser_FetchingThePagesItWasOn() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  UsersModel* model = users->model();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && model->rowCount() > 0; }, 5000));
  // Three pages of 50 down (120 users): the selected one is on the third.
  while (model->hasMore()) {
    const int before = model->rowCount();
    model->fetchMore({});
    QVERIFY(QTest::qWaitFor([&] { return !model->isLoading() && model->rowCount() > before; }, 5000));
  }
  QCOMPARE(model->pagesLoaded(), 3);
  users->table()->selectRow(110);
  const QString selected = model->user(110).id;
  auto selectedId = [&] {
    const QModelIndexList rows = users->table()->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : model->user(rows.first().row()).id;
  };
  const int lists = gateway_->count("GET", "/api/v1/users");
  users->refresh();  // F5, back online, a stream gap
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/users") > lists && users->isReady(); }, 5000));
  QVERIFY2(QTest::qWaitFor([&] { return selectedId() == selected; }, 5000), qPrintable(selectedId()));
  QVERIFY(model->rowCount() > 110);
  QCOMPARE(gateway_->count("GET", "/api/v1/users"), lists + 3);  // the pages it was on, no more
  QVERIFY(users->findChild<QAction*>("users.edit")->isEnabled());

  // On the first page: no page more than the first is asked for.
  users->table()->selectRow(7);
  const QString first = model->user(7).id;
  const int again = gateway_->count("GET", "/api/v1/users");
  users->refresh();
  QVERIFY(QTest::qWaitFor([&] { return selectedId() == first && users->isReady(); }, 5000));
  QTest::qWait(100);
  QCOMPARE(gateway_->count("GET", "/api/v1/users"), again + 1);
}

namespace {

// Fills the create dialog with a valid new user.
void fillNewUser(UserEditDialog* dialog, const QString& username, const QString& displayName) {
  dialog->findChild<QLineEdit*>("usernameEdit")->setText(username);
  dialog->findChild<QLineEdit*>("emailEdit")->setText(username + "@example.com");
  dialog->findChild<QLineEdit*>("displayNameEdit")->setText(displayName);
  dialog->findChild<QLineEdit*>("passwordEdit")->setText("a-long-enough-password");
}

// The Idempotency-Key of each POST /api/v1/users, oldest first.
QList<QByteArray> userCreateKeys(const FakeGateway& gateway) {
  QList<QByteArray> keys;
  for (const FakeRequest& request : gateway.requests()) {
    if (request.method == "POST" && request.path == QLatin1String("/api/v1/users")) keys.append(request.header("idempotency-key"));
  }
  return keys;
}

}  // namespace

void ViewsTest::userCreate_RetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne_data() {
  QTest::addColumn<bool>("hangUp");
  QTest::newRow("503 from the proxy") << false;
  QTest::newRow("connection dropped") << true;
}

void ViewsTest::userCreate_RetriedAfterALostAnswer_SendsTheSameIdempotencyKey_ANewDialogANewOne() {
  QFETCH(bool, hangUp);
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  // The account is made, but the answer does not come back: a 503 from the proxy in front, or a
  // dropped connection (which the network layer retries once by itself, and loses again).
  FakeResponse lost = FakeResponse::error(503, "UNAVAILABLE", "upstream users timed out");
  lost.hangUp = hangUp;
  gateway_->loseAnswers("/api/v1/users", lost);
  users->createUser();
  QPointer<UserEditDialog> dialog = users->editDialog();
  QVERIFY(dialog != nullptr);
  fillNewUser(dialog, "dora.lost", "Dora Lost");
  QString createdId;
  connect(dialog, &UserEditDialog::saved, this, [&createdId](const User& user) { createdId = user.id; });
  QPushButton* create = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save);
  create->click();
  QVERIFY(QTest::qWaitFor([&] { return dialog.isNull() || !dialog->generalError().isEmpty(); }, 10000));
  // The dialog stays, says the user may exist already and offers the same button again.
  QVERIFY2(!dialog.isNull() && dialog->isVisible(), "the dialog closed on a lost answer");
  QVERIFY2(dialog->generalError().contains("may have been created") && dialog->generalError().contains("Create"),
           qPrintable(dialog->generalError()));
  QVERIFY(create->isEnabled());
  const QJsonObject made = demo_->userByName("dora.lost");
  QVERIFY(!made.isEmpty());  // it did happen
  const qsizetype lostTries = userCreateKeys(*gateway_).size();
  QVERIFY(lostTries >= 1);

  gateway_->keepAnswers("/api/v1/users");
  create->click();
  // Answered with the account the first try made, not "username is already taken".
  QVERIFY2(QTest::qWaitFor([&] { return !createdId.isEmpty(); }, 5000),
           qPrintable(dialog.isNull() ? QString() : dialog->generalError()));
  QCOMPARE(createdId, made.value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return dialog.isNull() || !dialog->isVisible(); }, 5000));
  const QList<QByteArray> keys = userCreateKeys(*gateway_);
  QCOMPARE(keys.size(), lostTries + 1);
  QVERIFY(!keys.first().isEmpty());
  for (const QByteArray& key : keys) QCOMPARE(key, keys.first());
  int listed = 0;
  for (int row = 0; row < users->model()->rowCount(); ++row) {
    if (users->model()->user(row).id == createdId) ++listed;
  }
  QCOMPARE(listed, 1);

  // The next user is a dialog of its own, with a key of its own.
  users->createUser();
  QPointer<UserEditDialog> next = users->editDialog();
  QVERIFY(next != nullptr && next != dialog);
  fillNewUser(next, "dora.next", "Dora Next");
  next->save();
  QVERIFY(QTest::qWaitFor([&] { return !demo_->userByName("dora.next").isEmpty(); }, 5000));
  QVERIFY(!userCreateKeys(*gateway_).constLast().isEmpty());
  QVERIFY(userCreateKeys(*gateway_).constLast() != keys.first());
}

void ViewsTest::userCreate_AfterALostAnswer_TheSentDetailsAreReadOnly_TheRetrySendsTheSameBodyAndKey() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  gateway_->loseAnswers("/api/v1/users", FakeResponse::error(503, "UNAVAILABLE", "upstream users timed out"));
  users->createUser();
  QPointer<UserEditDialog> dialog = users->editDialog();
  QVERIFY(dialog != nullptr);
  QVERIFY(QTest::qWaitForWindowExposed(dialog));
  fillNewUser(dialog, "erin.lost", "Erin Lost");
  auto* role = dialog->findChild<QComboBox*>("roleCombo");
  role->setCurrentIndex(role->findData("operator"));
  QString createdId;
  connect(dialog, &UserEditDialog::saved, this, [&createdId](const User& user) { createdId = user.id; });
  QPushButton* create = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save);
  create->click();
  QVERIFY(QTest::qWaitFor([&] { return dialog->generalError().contains("may have been created"); }, 5000));
  QVERIFY(create->isEnabled());

  // The account may exist with the password sent: the gateway answers a repeat under the key without
  // comparing passwords, so one retyped differently would be "created" but not be the account's.
  // None of the details sent can be changed from the keyboard.
  const QMap<QString, QString> typed{{"usernameEdit", "erin.lost"},
                                     {"emailEdit", "erin.lost@example.com"},
                                     {"displayNameEdit", "Erin Lost"},
                                     {"passwordEdit", "a-long-enough-password"}};
  for (auto it = typed.cbegin(); it != typed.cend(); ++it) {
    auto* edit = dialog->findChild<QLineEdit*>(it.key());
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, "other-password-or-name");
    QVERIFY2(edit->text() == it.value(), qPrintable(it.key() + ": " + edit->text()));
    QVERIFY(edit->isReadOnly());
  }
  QVERIFY(!role->isEnabled());
  QTest::keyClick(role, Qt::Key_Down);
  QCOMPARE(role->currentData().toString(), QStringLiteral("operator"));
  // A line says why.
  auto* note = dialog->findChild<QLabel*>("sentDetailsNote");
  QVERIFY(note != nullptr && note->isVisible());
  QVERIFY2(note->text().contains("sent already") && note->text().contains("new dialog"), qPrintable(note->text()));

  gateway_->keepAnswers("/api/v1/users");
  create->click();
  QVERIFY2(QTest::qWaitFor([&] { return !createdId.isEmpty(); }, 5000),
           qPrintable(dialog.isNull() ? QString() : dialog->generalError()));
  QCOMPARE(createdId, demo_->userByName("erin.lost").value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return dialog.isNull() || !dialog->isVisible(); }, 5000));
  // The retry was the first request again: the same body, the password included, under the same key.
  QList<FakeRequest> creates;
  for (const FakeRequest& request : gateway_->requests()) {
    if (request.method == "POST" && request.path == QLatin1String("/api/v1/users")) creates.append(request);
  }
  QCOMPARE(creates.size(), 2);
  const QJsonObject firstBody = creates.first().json();
  QCOMPARE(firstBody.value("password").toString(), QStringLiteral("a-long-enough-password"));
  QCOMPARE(firstBody.value("role").toString(), QStringLiteral("operator"));
  QCOMPARE(creates.last().json(), firstBody);
  QVERIFY(!creates.first().header("idempotency-key").isEmpty());
  QCOMPARE(creates.last().header("idempotency-key"), creates.first().header("idempotency-key"));

  // After a lost answer, Cancel still closes the dialog.
  gateway_->loseAnswers("/api/v1/users", FakeResponse::error(503, "UNAVAILABLE", "upstream users timed out"));
  users->createUser();
  QPointer<UserEditDialog> next = users->editDialog();
  QVERIFY(next != nullptr && next != dialog);
  fillNewUser(next, "erin.next", "Erin Next");
  next->save();
  QVERIFY(QTest::qWaitFor([&] { return next->generalError().contains("may have been created"); }, 5000));
  next->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Cancel)->click();
  QVERIFY(QTest::qWaitFor([&] { return next.isNull() || !next->isVisible(); }, 5000));
  gateway_->keepAnswers("/api/v1/users");
}

void ViewsTest::userCreate_KeyRefusedAfterALostAnswer_IsExplained_NoSecondAccount() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  gateway_->loseAnswers("/api/v1/users", FakeResponse::error(503, "UNAVAILABLE", "upstream users timed out"));
  users->createUser();
  UserEditDialog* dialog = users->editDialog();
  fillNewUser(dialog, "erin.lost", "Erin Lost");
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return dialog->generalError().contains("may have been created"); }, 5000));
  // A gateway that refuses the key on the retry (its 400 naming idempotencyKey) is explained, not
  // listed as "idempotencyKey: …".
  gateway_->loseAnswers("/api/v1/users", FakeResponse::error(400, "INVALID_ARGUMENT", "invalid user",
                                                             {{"idempotencyKey", "was already used for another account"}}));
  dialog->save();
  QVERIFY2(QTest::qWaitFor([&] { return dialog->generalError().contains("already created a user"); }, 5000),
           qPrintable(dialog->generalError()));
  gateway_->keepAnswers("/api/v1/users");
  QVERIFY(dialog->isVisible());
  QVERIFY(!dialog->generalError().contains("idempotencyKey"));
  QCOMPARE(demo_->userByName("erin.lost").value("displayName").toString(), QStringLiteral("Erin Lost"));
  const QList<QByteArray> keys = userCreateKeys(*gateway_);
  QCOMPARE(keys.size(), 2);
  QCOMPARE(keys.last(), keys.first());
}

void ViewsTest::sagas_StepsBeforeTheListIsOpened_AreNotCollected_AndNoSagaIsListedTwice() {
  MainWindow* window = openWindow("ada");
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
  SagasView* sagas = window->sagasView();
  // Steps of sagas nobody looks at yet: a view never opened must not collect them for the session.
  for (int i = 0; i < 5; ++i) {
    gateway_->pushEvent("saga.step", {{"sagaId", QStringLiteral("saga-new-%1").arg(i)}, {"orderId", "ord-x"},
                                      {"step", "reserve_stock"}, {"state", "started"}, {"time", "2024-01-01T00:00:00Z"}});
  }
  QTest::qWait(300);
  QCOMPARE(sagas->model()->rowCount(), 0);
  window->showPage("sagas");
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && sagas->model()->rowCount() > 0; }, 5000));
  QCOMPARE(sagas->model()->rowOf("saga-new-0"), -1);
  // An old saga beyond the loaded pages sends a step: it goes on top, and paging later reaches it.
  const QString old = demo_->order(239).value("sagaId").toString();
  QCOMPARE(sagas->model()->rowOf(old), -1);
  gateway_->pushEvent("saga.step", {{"sagaId", old}, {"orderId", demo_->order(239).value("id").toString()},
                                    {"step", "charge_payment"}, {"state", "started"}, {"time", "2024-01-01T00:00:00Z"}});
  QVERIFY(QTest::qWaitFor([&] { return sagas->model()->rowOf(old) >= 0; }, 5000));
  for (int page = 0; page < 30 && sagas->model()->hasMore(); ++page) {
    sagas->model()->fetchMore({});
    QVERIFY(QTest::qWaitFor([&] { return !sagas->model()->isLoading(); }, 5000));
  }
  QSet<QString> seen;
  for (int row = 0; row < sagas->model()->rowCount(); ++row) {
    const QString id = sagas->model()->index(row, 0).data(SagasModel::IdRole).toString();
    if (id.isEmpty()) continue;
    QVERIFY2(!seen.contains(id), qPrintable("listed twice: " + id));
    seen.insert(id);
  }
}

void ViewsTest::history_AFailedLoad_LeavesNothingOfThePreviousOrder() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->showOrder(demo_->order(0).value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return history->isReady() && history->eventsModel()->rowCount() > 0; }, 5000));
  history->showOrder("ord-99999999");  // no such order
  QVERIFY(QTest::qWaitFor([&] { return history->isReady(); }, 5000));
  QTest::qWait(100);
  QCOMPARE(history->eventsModel()->rowCount(), 0);
  QCOMPARE(history->diffModel()->rowCount(), 0);
}

void ViewsTest::fleet_AChangeWhileTheFleetIsLoading_LoadsItOnceMore() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady(); }, 5000));
  gateway_->delayResponses("/api/v1/admin/fleet", 300);
  const int before = gateway_->count("GET", "/api/v1/admin/fleet");
  fleet->refresh();
  FleetChange left;
  left.service = "payments";
  left.instance = "payments-2";
  left.removed = true;
  fleet->applyChange(left);  // while the first load is on its way: its answer may predate this
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/fleet") == before + 2; }, 5000));
  QTest::qWait(500);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/fleet"), before + 2);  // once more, not for ever
}

void ViewsTest::fleet_ASteadyStreamOfChanges_StillShowsEachAnswer() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  gateway_->delayResponses("/api/v1/admin/fleet", 300);
  demo_->restartService("payments");  // what the next answer brings
  // An instance the console does not know keeps changing: each change asks for the fleet, always
  // while a load is on its way.
  QTimer changes;
  connect(&changes, &QTimer::timeout, this, [fleet] {
    FleetChange change;
    change.service = "payments";
    change.instance = "payments-somewhere-new";
    change.status = "up";
    fleet->applyChange(change);
  });
  changes.start(50);
  fleet->refresh();
  QVERIFY2(QTest::qWaitFor([&] { return fleet->model()->indexOf("payments", "payments-r1-7f9c0").isValid(); }, 3000),
           "no fleet answer was shown while the changes went on");
  changes.stop();
  // Once the stream is quiet, at most the one load asked for meanwhile follows.
  QTest::qWait(700);
  const int loads = gateway_->count("GET", "/api/v1/admin/fleet");
  QTest::qWait(500);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/fleet"), loads);
}

void ViewsTest::fleet_UpdatesKeepTheDetailPanesFoldsAndCurrentRow() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  QModelIndex orders;
  for (int row = 0; row < fleet->model()->rowCount(); ++row) {
    const FleetService* service = fleet->model()->serviceAt(fleet->model()->index(row, 0));
    if (service != nullptr && service->name == "orders") orders = fleet->model()->index(row, 0);
  }
  QVERIFY(orders.isValid());
  fleet->tree()->setCurrentIndex(orders);
  QTreeWidget* detail = fleet->detail();
  QCOMPARE(detail->topLevelItemCount(), 2);  // its two instances
  QTreeWidgetItem* first = detail->topLevelItem(0);
  QTreeWidgetItem* check = first->child(0);
  const QString firstId = first->text(0);
  detail->setCurrentItem(check);
  detail->topLevelItem(1)->setExpanded(false);  // the operator folds the second instance

  fleet->model()->refreshTimes();  // the 5 s clock
  const int loads = gateway_->count("GET", "/api/v1/admin/fleet");
  fleet->refresh();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/fleet") > loads && fleet->isReady(); }, 5000));
  QTest::qWait(100);
  FleetChange degraded;
  degraded.service = "orders";
  degraded.instance = firstId;
  degraded.status = "degraded";
  fleet->applyChange(degraded);

  QCOMPARE(detail->topLevelItem(0), first);  // the same rows, updated in place
  QCOMPARE(detail->currentItem(), check);
  QVERIFY(first->isExpanded());
  QVERIFY(!detail->topLevelItem(1)->isExpanded());
  QCOMPARE(first->text(1), display::fleetStatus("degraded"));

  // Another service's instances replace the rows; the fold of an instance no longer shown is gone.
  for (int row = 0; row < fleet->model()->rowCount(); ++row) {
    const FleetService* service = fleet->model()->serviceAt(fleet->model()->index(row, 0));
    if (service != nullptr && service->name == "payments") fleet->tree()->setCurrentIndex(fleet->model()->index(row, 0));
  }
  QCOMPARE(detail->topLevelItemCount(), 1);
  QVERIFY(detail->topLevelItem(0)->text(0).startsWith("payments"));
  QVERIFY(detail->topLevelItem(0)->isExpanded());
}

void ViewsTest::fleet_ARestartResetsTheTree_TheCurrentRowAndFoldsStay() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  FleetModel* model = fleet->model();
  QTreeView* tree = fleet->tree();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && model->rowCount() > 0; }, 5000));
  auto reloadAfterRestartOf = [&](const QString& service) {
    demo_->restartService(service);
    QSignalSpy resets(model, &QAbstractItemModel::modelReset);
    fleet->refresh();
    return QTest::qWaitFor([&] { return resets.count() == 1; }, 5000);
  };
  auto currentService = [&] {
    const FleetService* service = model->serviceAt(tree->currentIndex());
    return service != nullptr ? service->name : QString();
  };

  // On an instance of users, gateway folded; payments restarts (new instance ids: the tree resets).
  const QModelIndex users = model->indexOf("users");
  QVERIFY(users.isValid());
  const QString usersInstance = model->index(0, 0, users).data(FleetModel::InstanceIdRole).toString();
  tree->setCurrentIndex(model->index(0, 0, users));
  tree->collapse(model->indexOf("gateway"));
  QVERIFY(model->indexOf("gateway").row() == 0);  // the row a reset used to jump to
  QVERIFY(reloadAfterRestartOf("payments"));
  QCOMPARE(tree->currentIndex().data(FleetModel::InstanceIdRole).toString(), usersInstance);
  QVERIFY(!tree->isExpanded(model->indexOf("gateway")));
  QVERIFY(tree->isExpanded(model->indexOf("payments")));
  QVERIFY(tree->isExpanded(model->indexOf("users")));

  // On payments itself: after its restart Stop and Start still aim at payments.
  tree->setCurrentIndex(model->indexOf("payments"));
  QVERIFY(reloadAfterRestartOf("payments"));
  QCOMPARE(currentService(), QStringLiteral("payments"));
  QVERIFY(!tree->isExpanded(model->indexOf("gateway")));
  // On a payments instance that restarts: its id is gone, its service stays current.
  tree->setCurrentIndex(model->index(0, 0, model->indexOf("payments")));
  QVERIFY(reloadAfterRestartOf("payments"));
  QCOMPARE(tree->currentIndex(), model->indexOf("payments"));
  QCOMPARE(fleet->detail()->topLevelItemCount(), 1);
  QVERIFY(fleet->detail()->topLevelItem(0)->text(0).startsWith("payments-r3-"));
}

void ViewsTest::fleet_StopAndStart_SayWhatIsGoingOn_OneAtATime() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  QAction* stop = fleet->findChild<QAction*>("fleet.stop");
  QAction* start = fleet->findChild<QAction*>("fleet.start");
  QVERIFY(stop->isEnabled());
  QVERIFY(!start->isEnabled());  // it runs
  auto* status = fleet->findChild<QLabel*>("fleetActionStatus");
  QVERIFY(status != nullptr);
  QSignalSpy messages(fleet, &ViewPage::statusMessage);
  // The launcher answers a stop once the service has shut down.
  gateway_->delayResponses("/api/v1/admin/services/.*", 400);

  stop->trigger();
  QVERIFY(!acceptConfirmation(fleet).isEmpty());
  // Said as soon as it is sent, and neither action can be used meanwhile.
  QCOMPARE(status->text(), QStringLiteral("Stopping payments…"));
  QCOMPARE(messages.constLast().first().toString(), QStringLiteral("Stopping payments…"));
  QVERIFY(!stop->isEnabled());
  QVERIFY(!start->isEnabled());
  start->trigger();
  QVERIFY(QTest::qWaitFor([&] { return status->text() == QLatin1String("payments stopped."); }, 5000));
  QCOMPARE(gateway_->count("POST", "/api/v1/admin/services/payments:stop"), 1);
  QCOMPARE(gateway_->count("POST", "/api/v1/admin/services/payments:start"), 0);
  // The fleet is read again: payments has no instances left, so only Start is left to do.
  QVERIFY(QTest::qWaitFor([&] { return start->isEnabled(); }, 5000));
  QVERIFY(!stop->isEnabled());

  start->trigger();
  QCOMPARE(status->text(), QStringLiteral("Starting payments…"));
  QVERIFY(!stop->isEnabled() && !start->isEnabled());
  QVERIFY(QTest::qWaitFor([&] { return status->text() == QLatin1String("payments started."); }, 5000));
  QCOMPARE(messages.constLast().first().toString(), QStringLiteral("payments started."));
  QVERIFY(QTest::qWaitFor([&] { return stop->isEnabled(); }, 5000));
  QVERIFY(!start->isEnabled());
}

void ViewsTest::fleet_StartAndStop_FollowWhetherTheSelectedServiceRuns() {
  demo_->setUnreachable("notifications", "dial tcp 127.0.0.1:9200: connection refused");
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  QAction* stop = fleet->findChild<QAction*>("fleet.stop");
  QAction* start = fleet->findChild<QAction*>("fleet.start");
  const QString paymentsInstance = fleet->model()->services().at(fleet->model()->indexOf("payments").row()).instances.at(0).instanceId;

  // Running (degraded still serves): it can be stopped, not started; its instance row says the same.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  QVERIFY(stop->isEnabled());
  QVERIFY(!start->isEnabled());
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments", paymentsInstance));
  QVERIFY(stop->isEnabled());
  QVERIFY(!start->isEnabled());

  // Every instance down (no answer from its admin port): it may be stopping or hung, both are offered.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("notifications"));
  QVERIFY(stop->isEnabled());
  QVERIFY(start->isEnabled());

  // The stream says payments' only instance went down, then came back: the actions follow in place.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  FleetChange change;
  change.service = "payments";
  change.instance = paymentsInstance;
  change.status = "down";
  fleet->applyChange(change);
  QVERIFY(start->isEnabled());
  change.status = "up";
  fleet->applyChange(change);
  QVERIFY(!start->isEnabled());
  QVERIFY(stop->isEnabled());

  // Stopped from elsewhere (another console): the next refresh lists it without instances.
  bool stopped = false;
  api::serviceAction(client_, "payments", "stop", this, [&](const Result<Done>& result) {
    QVERIFY(result.ok());
    stopped = true;
  });
  QVERIFY(QTest::qWaitFor([&] { return stopped; }, 5000));
  fleet->refresh();
  QVERIFY(QTest::qWaitFor([&] { return !stop->isEnabled(); }, 5000));
  QCOMPARE(fleet->tree()->currentIndex(), fleet->model()->indexOf("payments"));
  QVERIFY(start->isEnabled());
  QCOMPARE(gateway_->count("POST", "/api/v1/admin/services/payments:stop"), 1);

  // Another service keeps its own state.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("orders"));
  QVERIFY(stop->isEnabled());
  QVERIFY(!start->isEnabled());
}

void ViewsTest::fleet_FaultsThatFailed_AreAskedAgain_OnlyA404HidesThePanel() {
  int status = 403;  // what GET /admin/faults answers; the route is for admins
  gateway_->route("GET", "/api/v1/admin/faults", [&](const FakeRequest&) {
    if (status != 200) return FakeResponse::error(status, status == 404 ? "NOT_FOUND" : "UNAVAILABLE", "not now");
    return FakeResponse::json(200, demo_->faults());
  });
  // An operator first (refused), then an admin signs in on the same window while the gateway is
  // starting (503): neither refusal hides the panel for good.
  MainWindow* window = openWindow("grace");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  auto* box = fleet->findChild<QGroupBox*>("faultsBox");
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady(); }, 5000));
  QTest::qWait(100);
  QVERIFY(!box->isVisible());
  const int operatorAsked = gateway_->count("GET", "/api/v1/admin/faults");
  fleet->refresh();  // an operator is not asked again: the route could only refuse
  QTest::qWait(200);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/faults"), operatorAsked);

  status = 503;
  signIn("ada");
  window->setSignedInUser(client_->session().user);
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/faults") == operatorAsked + 1; }, 5000));
  QTest::qWait(100);
  QVERIFY(!fleet->faultsAvailable());
  // Payments down (503): the box stays, its inputs and button disabled, with a line saying why.
  auto* note = fleet->findChild<QLabel*>("faultsNote");
  QVERIFY(box->isVisible());
  QVERIFY(note != nullptr && note->isVisible());
  // Worded as the box's other note ("Faults unavailable: <error>") and the page's summary ("Metrics
  // unavailable: ..."), the service named as the page names it; it read "payments is not running.".
  QCOMPARE(note->text(), QStringLiteral("Faults unavailable: payments is not running."));
  QVERIFY(!fleet->findChild<QDoubleSpinBox*>("declineRate")->isEnabled());
  QVERIFY(!fleet->findChild<QAction*>("fleet.applyFaults")->isEnabled());
  // No answer at all (the connection dropped): the gateway's silence, not payments'.
  FakeResponse dropped = FakeResponse::error(503, "UNAVAILABLE", "not sent");
  dropped.hangUp = true;
  gateway_->loseAnswers("/api/v1/admin/faults", dropped);
  const int beforeDrop = gateway_->count("GET", "/api/v1/admin/faults");
  fleet->refresh();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/faults") > beforeDrop; }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return note->text().contains(QStringLiteral("the gateway did not answer")); }, 5000));
  QVERIFY2(note->text().startsWith(QStringLiteral("Faults unavailable: the gateway did not answer (")),
           qPrintable(note->text()));
  QVERIFY(box->isVisible());
  gateway_->keepAnswers("/api/v1/admin/faults");
  status = 200;
  fleet->refresh();
  QVERIFY(QTest::qWaitFor([&] { return fleet->faultsAvailable(); }, 5000));
  QVERIFY(box->isVisible());
  QVERIFY(!note->isVisible());
  QVERIFY(fleet->findChild<QDoubleSpinBox*>("declineRate")->isEnabled());
  QVERIFY(fleet->findChild<QAction*>("fleet.applyFaults")->isEnabled());

  // Not a local fleet (404, after a sign-in to another gateway): hidden, and not asked at every refresh.
  status = 404;
  window->setSignedInUser(client_->session().user);
  QVERIFY(QTest::qWaitFor([&] { return !fleet->faultsAvailable(); }, 5000));
  QVERIFY(!box->isVisible());
  const int asked = gateway_->count("GET", "/api/v1/admin/faults");
  fleet->refresh();
  QTest::qWait(300);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/faults"), asked);
}

void ViewsTest::alerts_RulesThatFailed_AreAskedAgain() {
  int failures = 1;
  gateway_->route("GET", "/api/v1/admin/rules", [&](const FakeRequest&) {
    if (failures-- > 0) return FakeResponse::error(503, "UNAVAILABLE", "prometheus is starting");
    return FakeResponse::json(200, {{"status", "success"},
                                    {"data", QJsonObject{{"groups", QJsonArray{QJsonObject{
                                                 {"name", "fleetdeck"},
                                                 {"rules", QJsonArray{QJsonObject{{"name", "PaymentsErrorRateHigh"},
                                                                                  {"type", "alerting"},
                                                                                  {"query", "payments_errors > 0.05"}}}}}}}}}});
  });
  MainWindow* window = openWindow("grace");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() > 0; }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/rules") == 1; }, 5000));
  for (int row = 0; row < table->model()->rowCount(); ++row) {
    if (table->model()->index(row, AlertsModel::Name).data().toString() == QLatin1String("PaymentsErrorRateHigh")) table->selectRow(row);
  }
  QAction* chart = alerts->findChild<QAction*>("alerts.chart");
  QTest::qWait(100);
  QVERIFY(!chart->isEnabled());
  alerts->refresh();
  QVERIFY(QTest::qWaitFor([&] { return chart->isEnabled(); }, 5000));
  QCOMPARE(alerts->expressionOf("PaymentsErrorRateHigh"), QStringLiteral("payments_errors > 0.05"));
  // Loaded: a refresh does not ask again; the next sign-in does.
  alerts->refresh();
  QTest::qWait(200);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/rules"), 2);
  window->setSignedInUser(client_->session().user);
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/rules") == 3; }, 5000));
}

void ViewsTest::fleet_DetailSaysWhyAnInstanceIsDownOrDegraded() {
  demo_->setUnreachable("notifications", "dial tcp 127.0.0.1:9200: connection refused");
  MainWindow* window = openWindow("grace");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  QTreeWidget* detail = fleet->detail();
  auto row = [&](const QString& name) -> QTreeWidgetItem* {
    QTreeWidgetItem* top = detail->topLevelItem(0);
    for (int i = 0; top != nullptr && i < top->childCount(); ++i) {
      if (top->child(i)->text(0) == name) return top->child(i);
    }
    return nullptr;
  };
  const QColor red = display::fleetStatusColor("down");
  const QColor amber = display::fleetStatusColor("degraded");
  const QColor green = display::fleetStatusColor("up");

  // Its admin port does not answer: down, and the readiness row says why.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("notifications"));
  QCOMPARE(detail->topLevelItemCount(), 1);
  QCOMPARE(detail->topLevelItem(0)->text(1), display::fleetStatus("down"));
  // The last column holds a check's error and, on the instance's own row, when it started: not an
  // "Error" column showing a start time.
  QCOMPARE(detail->headerItem()->text(3), QStringLiteral("Detail"));
  QVERIFY2(detail->topLevelItem(0)->text(3).startsWith("started "), qPrintable(detail->topLevelItem(0)->text(3)));
  QTreeWidgetItem* readiness = row("Readiness");
  QVERIFY(readiness != nullptr);
  QCOMPARE(readiness->text(1), display::readinessStatus("unreachable"));
  QCOMPARE(readiness->text(1), QStringLiteral("Unreachable"));
  QCOMPARE(readiness->text(3), QStringLiteral("dial tcp 127.0.0.1:9200: connection refused"));
  QCOMPARE(readiness->foreground(1).color(), red);
  QTreeWidgetItem* scrape = row("Prometheus scrape");
  QVERIFY(scrape != nullptr);
  QCOMPARE(scrape->text(1), display::fleetStatus("down"));

  // Ready, but a check that is not critical is down: degraded, the check coloured and its error shown.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  QCOMPARE(detail->topLevelItem(0)->text(1), display::fleetStatus("degraded"));
  QCOMPARE(row("Readiness")->text(1), QStringLiteral("Degraded"));
  QCOMPARE(row("Readiness")->foreground(1).color(), amber);
  QTreeWidgetItem* cache = row("wallet-cache (not critical)");
  QVERIFY(cache != nullptr);
  QCOMPARE(cache->text(1), display::fleetStatus("down"));
  QCOMPARE(cache->text(3), QStringLiteral("redis: connection refused"));
  QCOMPARE(cache->foreground(1).color(), amber);
  QTreeWidgetItem* postgres = row("postgres");
  QVERIFY(postgres != nullptr);
  QCOMPARE(postgres->text(1), display::fleetStatus("up"));
  QCOMPARE(postgres->foreground(1).color(), green);
  QCOMPARE(row("Prometheus scrape")->text(1), display::fleetStatus("up"));
}

void ViewsTest::fleet_AServiceWithoutInstances_IsNamedInTheSummary_AndSaidInTheDetail() {
  MainWindow* window = openWindow("ada");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  auto* summary = fleet->findChild<QLabel*>("fleetSummary");
  QVERIFY(!summary->text().contains("No instance running"));
  QVERIFY2(summary->text().contains(QRegularExpression(" instances up\\. Updated \\d\\d:\\d\\d:\\d\\d\\.$")), qPrintable(summary->text()));

  // Stopped: "n of n instances up" alone would read as a healthy fleet.
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  fleet->findChild<QAction*>("fleet.stop")->trigger();
  QVERIFY(!acceptConfirmation(fleet).isEmpty());
  QVERIFY2(QTest::qWaitFor([&] { return summary->text().contains("No instance running: payments."); }, 5000),
           qPrintable(summary->text()));
  QVERIFY(summary->text().contains(" Updated "));
  // The detail pane says why it is empty, instead of being empty.
  QTreeWidget* detail = fleet->detail();
  QVERIFY(QTest::qWaitFor([&] { return detail->topLevelItemCount() == 1; }, 5000));
  QTreeWidgetItem* none = detail->topLevelItem(0);
  QCOMPARE(none->text(0), QStringLiteral("payments"));
  QCOMPARE(none->text(1), display::fleetStatus("down"));
  QVERIFY2(none->text(3).startsWith("No instance is registered"), qPrintable(none->text(3)));
  QCOMPARE(none->toolTip(3), none->text(3));

  // Started again: the note goes.
  fleet->findChild<QAction*>("fleet.start")->trigger();
  QVERIFY2(QTest::qWaitFor([&] { return !summary->text().contains("No instance running"); }, 5000), qPrintable(summary->text()));
  QVERIFY(QTest::qWaitFor([&] { return detail->topLevelItemCount() == 1 && detail->topLevelItem(0)->text(0) != "payments"; }, 5000));
}

void ViewsTest::fleet_TheSummaryCountsFollowStreamChanges() {
  MainWindow* window = openWindow("grace");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  auto* summary = fleet->findChild<QLabel*>("fleetSummary");
  int instances = 0;
  int up = 0;
  QString someInstance;
  for (const FleetService& service : fleet->model()->services()) {
    for (const FleetInstance& instance : service.instances) {
      ++instances;
      if (instance.status == QLatin1String("up")) {
        ++up;
        if (service.name == QLatin1String("orders")) someInstance = instance.instanceId;
      }
    }
  }
  QVERIFY(!someInstance.isEmpty());
  const QString before = QStringLiteral("%1 of %2 instances up.").arg(up).arg(instances);
  QVERIFY2(summary->text().contains(before), qPrintable(summary->text()));
  // Between two refreshes an instance turns degraded: its row says so, and the counts too.
  FleetChange degraded;
  degraded.service = "orders";
  degraded.instance = someInstance;
  degraded.status = "degraded";
  fleet->applyChange(degraded);
  const QString after = QStringLiteral("%1 of %2 instances up.").arg(up - 1).arg(instances);
  QVERIFY2(summary->text().contains(after), qPrintable(summary->text()));
}

void ViewsTest::alerts_TheCountsLine_NamesThePendingOnesToo() {
  MainWindow* window = openWindow("grace");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() == 3; }, 5000));
  auto* status = alerts->findChild<QLabel*>("alertsStatus");
  QVERIFY(status != nullptr);
  // Two firing, one pending (SlowRequests): a line counting only the firing ones read "0 alerts
  // firing." over a table of pending alerts while a fleet started.
  QVERIFY2(status->text().contains(QRegularExpression("^2 alert.* firing\\. 1 pending\\.")), qPrintable(status->text()));
}

void ViewsTest::alerts_TheSummaryColumn_IsReadable_At1280x800And1024x700() {
  MainWindow* window = openWindow("grace");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() == 3; }, 5000));
  // The summary says what is wrong: it was the last column, left what six fixed widths (980 px) did
  // not take: 100 px at 1280 x 800 ("payments fai...% of charges"), off the table at 1024 x 700.
  QString longest;
  for (int row = 0; row < table->model()->rowCount(); ++row) {
    const QString summary = table->model()->index(row, AlertsModel::Summary).data().toString();
    if (summary.size() > longest.size()) longest = summary;
  }
  const int needed = table->fontMetrics().horizontalAdvance(longest) + 8;  // and the cell's margins
  for (const QSize size : {QSize(1280, 800), QSize(1024, 700)}) {
    window->resize(size);
    QTRY_COMPARE(window->size(), size);
    const QString at = QStringLiteral("%1 x %2: ").arg(size.width()).arg(size.height());
    QTRY_VERIFY2(table->columnViewportPosition(AlertsModel::Summary) + table->columnWidth(AlertsModel::Summary) <=
                     table->viewport()->width(),
                 qPrintable(at + QStringLiteral("the summary runs off the table (%1 + %2 > %3)")
                                     .arg(table->columnViewportPosition(AlertsModel::Summary))
                                     .arg(table->columnWidth(AlertsModel::Summary))
                                     .arg(table->viewport()->width())));
    QVERIFY2(table->columnWidth(AlertsModel::Summary) >= needed,
             qPrintable(at + QStringLiteral("%1 < %2 for \"%3\"").arg(table->columnWidth(AlertsModel::Summary)).arg(needed).arg(longest)));
    // The alerts' names are whole too.
    QVERIFY2(static_cast<QAbstractItemView*>(table)->sizeHintForColumn(AlertsModel::Name) <= table->columnWidth(AlertsModel::Name),
             qPrintable(at + QStringLiteral("the name column: %1").arg(table->columnWidth(AlertsModel::Name))));
    // The widest column: it is what an operator reads first.
    for (int column = 0; column < AlertsModel::Summary; ++column) {
      QVERIFY2(table->columnWidth(column) < table->columnWidth(AlertsModel::Summary),
               qPrintable(at + QStringLiteral("column %1: %2 >= %3").arg(column).arg(table->columnWidth(column)).arg(table->columnWidth(AlertsModel::Summary))));
    }
  }
}

void ViewsTest::mainWindow_FitsA1024By700Screen() {
  MainWindow* window = openWindow("ada");
  // Every page fits beside the sidebar: the widest one sets the window's least width, and at 1168
  // (Alerts' six buttons in a row) the window ran off a 1024-pixel screen.
  const int sidebar = window->findChild<QWidget*>("sidebar")->width();
  for (const QString& key : window->pageKeys()) {
    ViewPage* page = window->page(key);
    page->setEditable(true);
    const QSize least = page->minimumSizeHint();
    QVERIFY2(least.width() + sidebar <= 1024 && least.height() <= 600,
             qPrintable(QStringLiteral("%1: %2 x %3").arg(key).arg(least.width()).arg(least.height())));
  }
  QVERIFY2(window->minimumSizeHint().width() <= 1024 && window->minimumSizeHint().height() <= 700,
           qPrintable(QStringLiteral("%1 x %2").arg(window->minimumSizeHint().width()).arg(window->minimumSizeHint().height())));
  // Alerts' actions that do not fit are in the tool bar's menu, still there.
  auto* actions = window->alertsView()->findChild<QToolBar*>("alertsActions");
  QVERIFY(actions != nullptr);
  QCOMPARE(actions->actions().size(), 6);
  // A first start opens at 1280 x 800, or the screen's free area where that is smaller.
  QCOMPARE(MainWindow::defaultSize(nullptr), QSize(1280, 800));
  const QScreen* screen = QGuiApplication::primaryScreen();
  QVERIFY(screen != nullptr);
  QCOMPARE(MainWindow::defaultSize(screen), QSize(1280, 800).boundedTo(screen->availableGeometry().size()));
}

void ViewsTest::fleet_ReadinessChecks_ShowWhichAreNotCritical_Unelided() {
  // A larger desktop font (as many operators use): a fixed-width name column would cut the suffix.
  const QFont font = QApplication::font();
  QFont larger = font;
  larger.setPointSizeF(font.pointSizeF() * 1.5);
  QApplication::setFont(larger);
  auto restoreFont = qScopeGuard([&] { QApplication::setFont(font); });
  MainWindow* window = openWindow("grace");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && fleet->model()->rowCount() > 0; }, 5000));
  fleet->tree()->setCurrentIndex(fleet->model()->indexOf("payments"));
  QTreeWidget* detail = fleet->detail();
  QCOMPARE(detail->topLevelItemCount(), 1);
  QTreeWidgetItem* top = detail->topLevelItem(0);
  QTreeWidgetItem* cache = nullptr;
  QTreeWidgetItem* postgres = nullptr;
  for (int i = 0; i < top->childCount(); ++i) {
    if (top->child(i)->text(0) == QLatin1String("wallet-cache (not critical)")) cache = top->child(i);
    if (top->child(i)->text(0) == QLatin1String("postgres")) postgres = top->child(i);
  }
  QVERIFY(cache != nullptr && postgres != nullptr);
  QVERIFY(top->isExpanded());
  QCoreApplication::processEvents();

  // The name column is as wide as its widest row, the indentation included: "(not critical)" is read
  // in full, not elided to "wallet-cache (not cr…".
  const int needed = detail->indentation() * 2 + detail->fontMetrics().horizontalAdvance(cache->text(0));
  QVERIFY2(detail->columnWidth(0) >= needed,
           qPrintable(QStringLiteral("column %1 px, the check needs %2 px").arg(detail->columnWidth(0)).arg(needed)));
  QVERIFY(detail->columnWidth(0) >= static_cast<QAbstractItemView*>(detail)->sizeHintForColumn(0));
  // And each check says what its criticality means.
  QVERIFY(cache->toolTip(0).startsWith(QLatin1String("Not critical")));
  QVERIFY(postgres->toolTip(0).startsWith(QLatin1String("Critical")));
}

void ViewsTest::fleet_FailedMetricQueries_AreSaid_TheColumnsKeepTheirLastValues() {
  MainWindow* window = openWindow("grace");
  window->showPage("fleet");
  FleetView* fleet = window->fleetView();
  FleetModel* model = fleet->model();
  auto* summary = fleet->findChild<QLabel*>("fleetSummary");
  auto cell = [&](int column) { return model->index(model->indexOf("gateway").row(), column).data().toString(); };
  QVERIFY(QTest::qWaitFor([&] { return fleet->isReady() && !cell(FleetModel::RequestRate).isEmpty() &&
                                       !cell(FleetModel::ErrorRate).isEmpty() && !cell(FleetModel::P99).isEmpty(); }, 5000));
  const QString rate = cell(FleetModel::RequestRate);
  const QString errors = cell(FleetModel::ErrorRate);
  const QString p99 = cell(FleetModel::P99);
  QVERIFY(!summary->text().contains("Metrics unavailable"));

  // Prometheus is down: the gateway answers its metric routes 503.
  const FakeResponse down = FakeResponse::error(503, "UNAVAILABLE", "prometheus: connection refused");
  gateway_->loseAnswers("/api/v1/admin/metrics/.*", down);
  const int queries = gateway_->count("GET", "/api/v1/admin/metrics/.*");
  fleet->refresh();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/metrics/.*") == queries + 3; }, 5000));
  QVERIFY2(QTest::qWaitFor([&] { return summary->text().contains("Metrics unavailable: prometheus: connection refused"); }, 5000),
           qPrintable(summary->text()));
  QCOMPARE(cell(FleetModel::RequestRate), rate);
  QCOMPARE(cell(FleetModel::ErrorRate), errors);
  QCOMPARE(cell(FleetModel::P99), p99);

  // Back: the note goes.
  gateway_->keepAnswers("/api/v1/admin/metrics/.*");
  fleet->refresh();
  QVERIFY2(QTest::qWaitFor([&] { return !summary->text().contains("Metrics unavailable"); }, 5000), qPrintable(summary->text()));
  QVERIFY(summary->text().contains("instances up"));
}

void ViewsTest::history_ARebuildShowsItsProgress_ThenItsReport_CountingEventsAndDifferencesEachInItsOwnPlural() {
  // The English catalogue carries the plural forms ("1 difference", "618 events").
  QTranslator english;
  QVERIFY2(english.load(QStringLiteral("fleetdeck_en"), qEnvironmentVariable("FLEETDECK_QM_DIR")),
           qPrintable(qEnvironmentVariable("FLEETDECK_QM_DIR")));
  QApplication::installTranslator(&english);
  const auto uninstall = qScopeGuard([&] { QApplication::removeTranslator(&english); });
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->setRebuildPollInterval(200);
  history->findChild<QPushButton*>("rebuildButton")->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QLabel* status = history->findChild<QLabel*>("rebuildStatus");
  QVERIFY(status != nullptr);
  // The demo fleet's rebuild (orders.proto's Rebuild, as the gateway answers it): RUNNING at the
  // start, halfway at the first read, DONE with one difference at the second.
  const qint64 events = demo_->eventCount();
  QStringList seen;
  QVERIFY2(QTest::qWaitFor([&] {
             if (seen.value(seen.size() - 1) != status->text()) seen << status->text();
             return status->text().startsWith("Replayed") && status->text().endsWith('.');
           }, 5000),
           qPrintable(seen.join(" | ")));
  QVERIFY2(seen.contains(QStringLiteral("Replayed %1 of %2 events…").arg(events / 2).arg(events)), qPrintable(seen.join(" | ")));
  QCOMPARE(status->text(), QStringLiteral("Replayed %1 events. 1 difference from the live projection.").arg(events));
  auto* differences = history->findChild<QTreeWidget*>("rebuildDifferences");
  QCOMPARE(differences->topLevelItemCount(), 1);
  QCOMPARE(differences->topLevelItem(0)->text(3), QStringLiteral("CANCELLED"));
  // Done: no more reads.
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/projections/rebuilds/.+"), 2);
  QTest::qWait(500);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/projections/rebuilds/.+"), 2);
  QVERIFY(history->findChild<QPushButton*>("rebuildButton")->isEnabled());
}

void ViewsTest::history_AFailedRebuild_ShowsItsError() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->setRebuildPollInterval(100);
  // Running at first, then FAILED with its error (int64 as strings, as the gateway sends them).
  int reads = 0;
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [&reads](const FakeRequest& request) {
    const bool failed = ++reads >= 2;
    return FakeResponse::json(200, {{"id", request.match.captured(1)}, {"projection", "orders"},
                                    {"state", failed ? "FAILED" : "RUNNING"}, {"processedEvents", failed ? "37" : "20"},
                                    {"totalEvents", "90"}, {"differences", QJsonArray{}}, {"differenceCount", "0"},
                                    {"error", failed ? "event 38 of order ord-10012 does not decode" : ""}});
  });
  history->findChild<QPushButton*>("rebuildButton")->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QLabel* status = history->findChild<QLabel*>("rebuildStatus");
  QVERIFY2(QTest::qWaitFor([&] { return status->text().contains("failed"); }, 5000), qPrintable(status->text()));
  QVERIFY2(status->text().contains("event 38 of order ord-10012 does not decode"), qPrintable(status->text()));
  QVERIFY2(status->text().contains("37"), qPrintable(status->text()));
  QVERIFY2(!status->text().contains("matches"), qPrintable(status->text()));
  QVERIFY(history->findChild<QTreeWidget*>("rebuildDifferences")->isHidden());
  QVERIFY(history->findChild<QPushButton*>("rebuildButton")->isEnabled());
  QTest::qWait(400);
  QCOMPARE(reads, 2);  // over: no more reads
}

void ViewsTest::history_RebuildReadRefused_SaysWhy_AndReadsNoMore() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->setRebuildPollInterval(100);
  // The orders service restarted: the rebuild it was running is not known any more.
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [](const FakeRequest& request) {
    return FakeResponse::error(404, "NOT_FOUND", "rebuild " + request.match.captured(1) + " not found");
  });
  const QString reads = "/api/v1/admin/projections/rebuilds/.+";
  history->findChild<QPushButton*>("rebuildButton")->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QLabel* status = history->findChild<QLabel*>("rebuildStatus");
  QVERIFY2(QTest::qWaitFor([&] { return status->text().contains("not found"); }, 5000), qPrintable(status->text()));
  QVERIFY2(status->text().contains("no longer watching"), qPrintable(status->text()));
  QCOMPARE(gateway_->count("GET", reads), 1);
  QTest::qWait(600);
  QCOMPARE(gateway_->count("GET", reads), 1);  // not read again: it would be refused again
  QVERIFY(history->findChild<QPushButton*>("rebuildButton")->isEnabled());
  QVERIFY(!history->findChild<QPushButton*>("stopWatchingButton")->isVisible());
}

void ViewsTest::history_RebuildReadsFailingForAWhile_BackOff_ThenTheReportComes() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->setRebuildPollInterval(100);
  bool failing = true;
  int reads = 0;
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [&](const FakeRequest& request) {
    ++reads;
    if (failing) return FakeResponse::error(503, "UNAVAILABLE", "orders is unavailable");
    return FakeResponse::json(200, {{"id", request.match.captured(1)}, {"state", "DONE"}, {"processedEvents", "90"},
                                    {"totalEvents", "90"}, {"differences", QJsonArray{}}, {"differenceCount", "0"},
                                    {"error", ""}});
  });
  history->findChild<QPushButton*>("rebuildButton")->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QLabel* status = history->findChild<QLabel*>("rebuildStatus");
  QVERIFY2(QTest::qWaitFor([&] { return status->text().contains("orders is unavailable"); }, 5000), qPrintable(status->text()));
  QVERIFY2(status->text().contains("trying again"), qPrintable(status->text()));
  // Read at 100 ms, then 200, 400, 800 ms after each failure: not every 100 ms.
  QTest::qWait(1200);
  QVERIFY2(reads >= 2 && reads <= 4, qPrintable(QString::number(reads)));
  failing = false;
  QVERIFY2(QTest::qWaitFor([&] { return status->text().contains("matches"); }, 5000), qPrintable(status->text()));
  const int done = reads;
  QTest::qWait(400);
  QCOMPARE(reads, done);
}

void ViewsTest::history_SigningOut_StopsReadingTheRebuild() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  history->setRebuildPollInterval(100);
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [](const FakeRequest& request) {
    return FakeResponse::json(200, {{"id", request.match.captured(1)}, {"state", "RUNNING"}, {"processedEvents", "5"},
                                    {"totalEvents", "90"}, {"differences", QJsonArray{}}, {"differenceCount", "0"},
                                    {"error", ""}});
  });
  const QString reads = "/api/v1/admin/projections/rebuilds/.+";
  history->findChild<QPushButton*>("rebuildButton")->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", reads) >= 2; }, 5000));
  // ConsoleApp::signOut hides the window; the view lives on.
  client_->signOut();
  window->hide();
  const int atSignOut = gateway_->count("GET", reads);
  QTest::qWait(600);
  QCOMPARE(gateway_->count("GET", reads), atSignOut);
  QVERIFY(history->findChild<QPushButton*>("rebuildButton")->isEnabled());
}

void ViewsTest::history_RebuildBeingStarted_CannotBeStartedAgain() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  const QString start = "/api/v1/admin/projections/orders:rebuild";
  gateway_->delayResponses(start, 400);
  auto* button = history->findChild<QPushButton*>("rebuildButton");
  auto* action = history->findChild<QAction*>("history.rebuild");
  QVERIFY(action->isEnabled());
  button->click();
  QVERIFY(!acceptConfirmation(history).isEmpty());
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", start) == 1; }, 5000));
  // While the start is on its way: neither the button nor the palette's action starts another.
  QVERIFY(!button->isEnabled());
  QVERIFY(!action->isEnabled());
  window->openCommandPalette();
  window->commandPalette()->filter("rebuild orders");
  window->commandPalette()->triggerCurrent();
  history->startRebuild();
  QTest::qWait(50);
  for (QMessageBox* box : history->findChildren<QMessageBox*>("confirmDialog")) {
    if (box->isVisible()) acceptConfirmation(history);  // asked again: accepted, as a user would
  }
  QLabel* status = history->findChild<QLabel*>("rebuildStatus");
  QVERIFY2(QTest::qWaitFor([&] { return status->text().contains("running"); }, 5000), qPrintable(status->text()));
  QTest::qWait(500);
  QCOMPARE(gateway_->count("POST", start), 1);
  QVERIFY(!action->isEnabled());  // watching it now
}

void ViewsTest::history_NoticeDuringAnOrdersFirstLoad_KeepsTheVersionAskedFor() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  const QString a = demo_->order(0).value("id").toString();  // DELIVERED: versions 1-4
  history->showOrder(a);
  QVERIFY(QTest::qWaitFor([&] { return history->isReady() && history->currentVersion() == 4; }, 5000));
  QString b;
  for (int i = 1; i < 50 && b.isEmpty(); ++i) {
    if (demo_->order(i).value("version").toString().toLongLong() >= 3) b = demo_->order(i).value("id").toString();
  }
  QVERIFY(!b.isEmpty());
  // "Event history" at version 2 of B; an event of B is noticed while B's first list is on its way.
  const QString events = "/api/v1/orders/" + b + "/events";
  gateway_->delayResponses(events, 300);
  history->showOrder(b, 2);
  OrderEventNotice notice;
  notice.orderId = b;
  history->applyNotice(notice);
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", events) == 2 && history->isReady(); }, 5000));
  QTest::qWait(200);
  QCOMPARE(history->orderId(), b);
  QCOMPARE(history->currentVersion(), 2);  // not A's version, not B's latest
  QCOMPARE(history->diffModel()->headerData(StateDiffModel::After, Qt::Horizontal).toString(), QStringLiteral("Version 2"));
}

void ViewsTest::history_AnOrderIdInUpperCase_FollowsTheOrdersLiveEvents() {
  MainWindow* window = openWindow("ada");
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
  window->showPage("history");
  HistoryView* history = window->historyView();
  const QJsonObject order = demo_->order(0);
  const QString id = order.value("id").toString();
  // Pasted as another tool prints it; the gateway answers and streams ids lower-case.
  history->showOrder(id.toUpper());
  QVERIFY(QTest::qWaitFor([&] { return history->isReady() && history->eventsModel()->rowCount() > 0; }, 5000));
  const QString events = "/api/v1/orders/.+/events";
  const int loads = gateway_->count("GET", events);
  gateway_->pushEvent("order.event", {{"orderId", id}, {"version", order.value("version")}, {"type", "OrderNoted"},
                                      {"time", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}});
  QVERIFY2(QTest::qWaitFor([&] { return gateway_->count("GET", events) == loads + 1; }, 5000),
           qPrintable(QString::number(gateway_->count("GET", events) - loads)));
  QCOMPARE(history->orderId(), id);
}

void ViewsTest::orders_ADetailLoadThatFails_LeavesNothingOfThePreviousOrder_RefreshTriesAgain() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  const QJsonObject a = demo_->order(2);  // CONFIRMED: can be shipped and cancelled
  const QJsonObject b = demo_->order(6);
  const QString aId = a.value("id").toString();
  const QString bId = b.value("id").toString();
  orders->showOrder(aId);
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == aId && orders->isReady(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return orders->eventsModel()->rowCount() > 0; }, 5000));
  auto* ship = orders->findChild<QAction*>("orders.ship");
  QVERIFY(ship->isEnabled());
  // B's details fail; its events and payments are read all the same, the events after the failure.
  gateway_->delayResponses("/api/v1/orders/" + bId + "/events", 200);
  bool failing = true;
  gateway_->route("GET", "/api/v1/orders/" + bId + "/details", [&failing, b](const FakeRequest&) {
    if (failing) return FakeResponse::error(500, "INTERNAL", "users is down");
    return FakeResponse::json(200, {{"order", b}, {"missing", QJsonArray{}}});
  });
  orders->showOrder(bId);
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && gateway_->count("GET", "/api/v1/orders/" + bId + "/events") >= 1; }, 5000));
  QTest::qWait(400);
  auto* header = orders->findChild<QLabel*>("orderHeader");
  QVERIFY2(header->text().contains("Could not load order " + bId) && header->text().contains("users is down"),
           qPrintable(header->text()));
  QVERIFY2(!header->text().contains(aId), qPrintable(header->text()));
  QVERIFY(orders->shownOrderId().isEmpty());
  for (const char* name : {"orders.ship", "orders.deliver", "orders.cancel", "orders.history", "orders.saga"}) {
    QVERIFY2(!orders->findChild<QAction*>(name)->isEnabled(), name);
  }
  QCOMPARE(orders->eventsModel()->rowCount(), 0);  // neither A's nor B's under an error
  QVERIFY(orders->findChild<QTreeWidget*>("orderLines")->topLevelItemCount() == 0);
  // Refresh reads B again, and B is shown with its own events.
  gateway_->delayResponses("/api/v1/orders/" + bId + "/events", 0);
  failing = false;
  orders->refresh();
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == bId && orders->isReady(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return orders->eventsModel()->rowCount() > 0; }, 5000));
  QCOMPARE(orders->eventsModel()->events().first().time,
           QDateTime::fromString(b.value("createTime").toString(), Qt::ISODateWithMs));
}

void ViewsTest::sagas_ADetailLoadThatFails_LeavesNothingOfThePreviousSaga() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  const QString a = demo_->order(4).value("sagaId").toString();
  const QString b = demo_->order(6).value("sagaId").toString();
  sagas->showSaga(a);
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && sagas->timeline()->saga().id == a &&
                                       !sagas->waterfall()->trace().spans.isEmpty(); }, 5000));
  gateway_->route("GET", "/api/v1/admin/sagas/" + b, [](const FakeRequest&) {
    return FakeResponse::error(500, "INTERNAL", "orders is down");
  });
  sagas->showSaga(b);
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  QTest::qWait(100);
  const QString detail = sagas->findChild<QLabel*>("sagaStepDetail")->text();
  QVERIFY2(detail.contains("Could not load saga " + b) && detail.contains("orders is down"), qPrintable(detail));
  QVERIFY2(!detail.contains(a), qPrintable(detail));
  QVERIFY(!sagas->timeline()->hasSaga());
  QVERIFY(sagas->waterfall()->trace().spans.isEmpty());
}

void ViewsTest::sagas_TheTraceOfTheSagaShownBefore_ArrivingLate_IsNotShown() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  const QString a = demo_->order(4).value("sagaId").toString();
  const QString b = demo_->order(6).value("sagaId").toString();
  const QString c = demo_->order(8).value("sagaId").toString();
  QVERIFY(a != b && b != c && a != c);
  // B has no trace id; C cannot be read.
  gateway_->route("GET", "/api/v1/admin/sagas/" + b, [b](const FakeRequest&) {
    return FakeResponse::json(200, {{"saga", QJsonObject{{"id", b}, {"orderId", "ord-10006"}, {"state", "COMPLETED"},
                                                         {"currentStep", ""}, {"startTime", "2024-05-01T10:00:00Z"},
                                                         {"steps", QJsonArray{}}}}});
  });
  gateway_->route("GET", "/api/v1/admin/sagas/" + c, [](const FakeRequest&) {
    return FakeResponse::error(500, "INTERNAL", "orders is down");
  });
  const QString traces = "/api/v1/admin/traces/.+";
  gateway_->delayResponses(traces, 400);
  for (const QString& next : {b, c}) {
    // A is shown and its trace is on its way when the user moves on to the next saga.
    const int asked = gateway_->count("GET", traces);
    sagas->showSaga(a);
    QVERIFY(QTest::qWaitFor([&] { return sagas->timeline()->saga().id == a && gateway_->count("GET", traces) == asked + 1; }, 5000));
    sagas->showSaga(next);
    QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
    QTest::qWait(600);  // A's trace has come meanwhile
    QVERIFY2(sagas->waterfall()->trace().spans.isEmpty(), qPrintable(next + " shows " + sagas->waterfall()->trace().traceId));
    QCOMPARE(sagas->timeline()->saga().id, next == b ? b : QString());
  }
}

void ViewsTest::sagas_IsNotReady_WhileTheSagasTraceIsStillLoading() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  const QString saga = demo_->order(6).value("sagaId").toString();
  QVERIFY(sagas->timeline()->saga().id != saga);
  // The saga comes at once, its trace a while later: the page is half loaded meanwhile.
  const QString traces = "/api/v1/admin/traces/.+";
  gateway_->delayResponses(traces, 800);
  const int asked = gateway_->count("GET", traces);
  sagas->showSaga(saga);
  QVERIFY(QTest::qWaitFor([&] { return sagas->timeline()->saga().id == saga && gateway_->count("GET", traces) == asked + 1; }, 5000));
  const QString traceId = sagas->timeline()->saga().traceId;
  QVERIFY(!traceId.isEmpty());
  QVERIFY2(sagas->waterfall()->message().contains("Loading trace " + traceId), qPrintable(sagas->waterfall()->message()));
  QVERIFY(!sagas->isReady());
  QTest::qWait(300);  // still on its way
  QVERIFY(sagas->waterfall()->trace().spans.isEmpty());
  QVERIFY(!sagas->isReady());
  // Ready once the trace is shown, and not before.
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  QCOMPARE(sagas->waterfall()->trace().traceId, traceId);
  QVERIFY(!sagas->waterfall()->trace().spans.isEmpty());
  QVERIFY2(sagas->waterfall()->message().isEmpty(), qPrintable(sagas->waterfall()->message()));
}

void ViewsTest::sagas_ATraceMissingAReplicasPart_SaysSo_TheNextWholeOneDoesNot() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  const QString a = demo_->order(4).value("sagaId").toString();
  const QString b = demo_->order(6).value("sagaId").toString();
  // While `partial` is set, traces lack one gateway replica's part.
  bool partial = false;
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&partial](const FakeRequest& request) {
    const QJsonObject span{{"spanId", "a1"}, {"parentSpanId", ""}, {"service", "gateway"}, {"name", "POST /api/v1/orders"},
                           {"startTimeUnixNano", "1700000000000000000"}, {"endTimeUnixNano", "1700000000005000000"},
                           {"attributes", QJsonObject{}}, {"status", "OK"}};
    QJsonObject trace{{"traceId", request.match.captured(1)}, {"spans", QJsonArray{span}}};
    if (partial) trace.insert("unreachableReplicas", 1);
    return FakeResponse::json(200, trace);
  });
  auto* note = sagas->findChild<QLabel*>("traceNote");
  QVERIFY(note != nullptr);
  const auto shown = [&](const QString& saga) {
    sagas->showSaga(saga);
    return QTest::qWaitFor([&] { return sagas->timeline()->saga().id == saga && !sagas->waterfall()->trace().spans.isEmpty(); },
                           5000);
  };
  QVERIFY(shown(b));
  QVERIFY(!note->isVisible());
  partial = true;
  QVERIFY(shown(a));
  QCOMPARE(sagas->waterfall()->trace().unreachableReplicas, 1);
  QVERIFY(note->isVisible());
  QVERIFY2(note->text().contains("did not answer"), qPrintable(note->text()));
  partial = false;
  QVERIFY(shown(b));
  QCOMPARE(sagas->waterfall()->trace().unreachableReplicas, 0);
  QVERIFY(!note->isVisible());
}

void ViewsTest::waterfall_PaintsOnlyTheRowsItShows() {
  Trace trace;
  trace.traceId = QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736");
  for (int i = 0; i < 2000; ++i) {
    Span span;
    span.spanId = QStringLiteral("%1").arg(i + 1, 16, 10, QLatin1Char('0'));
    span.parentSpanId = i == 0 ? QString() : QStringLiteral("%1").arg(1, 16, 10, QLatin1Char('0'));
    span.service = QStringLiteral("orders");
    span.name = QStringLiteral("step %1").arg(i);
    span.startTimeUnixNano = 1'000'000'000LL + i * 1000;
    span.endTimeUnixNano = span.startTimeUnixNano + 500;
    trace.spans.append(span);
  }
  TraceWaterfallWidget waterfall;
  waterfall.setTrace(trace);
  waterfall.resize(800, waterfall.sizeHint().height());
  QImage image(waterfall.size(), QImage::Format_ARGB32);
  waterfall.render(&image, QPoint(), QRegion(0, 0, 800, 300));  // what a scroll area shows
  QVERIFY2(waterfall.rowsPaintedLast() > 0 && waterfall.rowsPaintedLast() < 40, qPrintable(QString::number(waterfall.rowsPaintedLast())));
  waterfall.render(&image);
  QCOMPARE(waterfall.rowsPaintedLast(), 2000);
}

void ViewsTest::waterfall_SpanNamesGetMoreRoom_OnAWideWidget() {
  TraceWaterfallWidget waterfall;
  // The real fleet's span names are gRPC methods: "orders: fleetdeck.products.v1.ProductsService/
  // ReserveStock" was cut at 280 px while the bars had 800 px to themselves.
  waterfall.resize(640, 200);
  QCOMPARE(waterfall.labelWidth(), 280);
  waterfall.resize(1080, 200);  // the Traces page at 1280 x 800
  QCOMPARE(waterfall.labelWidth(), 432);
  QVERIFY(waterfall.fontMetrics().horizontalAdvance(QStringLiteral("orders: fleetdeck.orders.v1.OrdersService/CreateOrder")) <
          waterfall.labelWidth() - 3 * 14 - 8);
  waterfall.resize(2400, 200);
  QCOMPARE(waterfall.labelWidth(), 520);  // the bars keep most of a very wide one
  waterfall.resize(300, 200);
  QCOMPARE(waterfall.labelWidth(), 280);
}

void ViewsTest::waterfall_WrapsALongMessage_InANarrowWindow() {
  // The 503 text of a trace some replicas did not answer is longer than a narrow window is wide.
  TraceWaterfallWidget waterfall;
  waterfall.setMessage(QStringLiteral("Some gateway replicas did not answer, and the trace may be on one of them. "
                                      "Try again in a few seconds."));
  waterfall.resize(320, waterfall.sizeHint().height());
  QImage image(waterfall.size(), QImage::Format_ARGB32);
  waterfall.render(&image);
  const QRgb base = waterfall.palette().color(QPalette::Base).rgb();
  // Bands of pixel rows holding text: one per drawn line.
  int bands = 0;
  bool inBand = false;
  bool touchesAnEdge = false;
  for (int y = 0; y < image.height(); ++y) {
    bool ink = false;
    for (int x = 0; x < image.width(); ++x) {
      if (image.pixel(x, y) == base) continue;
      ink = true;
      if (x < 4 || x >= image.width() - 4) touchesAnEdge = true;
    }
    if (ink && !inBand) ++bands;
    inBand = ink;
  }
  QVERIFY2(bands >= 2, qPrintable(QStringLiteral("%1 line(s) of text").arg(bands)));
  QVERIFY2(!touchesAnEdge, "the text runs past the widget's sides");
}

void ViewsTest::staleEdit_ShowsDialog_ReloadBringsTheCurrentVersion() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady() && users->model()->rowCount() > 5; }, 5000));
  users->table()->selectRow(4);
  const User listed = users->model()->user(4);
  users->editSelected();
  UserEditDialog* dialog = users->editDialog();
  QVERIFY(dialog != nullptr);
  QVERIFY(QTest::qWaitForWindowExposed(dialog));

  demo_->touchUser(listed.id);  // someone else saves first
  auto* displayName = dialog->findChild<QLineEdit*>("displayNameEdit");
  displayName->setText("Edited Here");
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return dialog->staleEditDialog() != nullptr && dialog->staleEditDialog()->isVisible(); }, 5000));
  QMessageBox* stale = dialog->staleEditDialog();
  QCOMPARE(stale->objectName(), QStringLiteral("staleEditDialog"));
  QVERIFY(stale->text().contains(listed.username));
  QCOMPARE(gateway_->requests().constLast().header("if-match"), '"' + QByteArray::number(listed.version) + '"');
  QVERIFY(dialog->isVisible());  // nothing was saved, the form stays

  stale->findChild<QPushButton*>("staleReloadButton")->click();
  QVERIFY(QTest::qWaitFor([&] { return displayName->text().endsWith("(changed)"); }, 5000));
  QVERIFY(dialog->generalError().contains(QString::number(listed.version + 1)));

  displayName->setText("Edited After Reload");
  QSignalSpy saved(dialog, &UserEditDialog::saved);
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return saved.count() == 1; }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return users->model()->user(4).displayName == "Edited After Reload"; }, 5000));
  QCOMPARE(users->model()->user(4).version, listed.version + 2);
}

void ViewsTest::fieldErrors_AreShownBesideTheirFields() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  UsersView* users = window->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  users->table()->selectRow(3);
  users->editSelected();
  UserEditDialog* dialog = users->editDialog();
  dialog->findChild<QLineEdit*>("emailEdit")->setText("not-an-email");
  dialog->findChild<QLineEdit*>("displayNameEdit")->setText("   ");
  dialog->save();
  QVERIFY(QTest::qWaitFor([&] { return !dialog->fieldError("email").isEmpty(); }, 5000));
  QCOMPARE(dialog->fieldError("email"), QStringLiteral("must be a valid email address"));
  // The gateway named it display_name; the form knows it as displayName.
  QCOMPARE(dialog->fieldError("displayName"), QStringLiteral("must not be empty"));
  QVERIFY(dialog->fieldError("role").isEmpty());
  QVERIFY(dialog->findChild<QLabel*>("error_email")->isVisible());
  QVERIFY(dialog->isVisible());
  // Only the changed fields went out.
  QCOMPARE(gateway_->requests().constLast().json().keys(), (QStringList{"displayName", "email"}));

  // Creating a user with several problems puts each one beside its own field.
  users->createUser();
  UserEditDialog* create = users->editDialog();
  create->findChild<QLineEdit*>("usernameEdit")->setText("Bad Name");
  create->findChild<QLineEdit*>("emailEdit")->setText("x@example.com");
  create->findChild<QLineEdit*>("passwordEdit")->setText("short");
  create->save();
  QVERIFY(QTest::qWaitFor([&] { return !create->fieldError("password").isEmpty(); }, 5000));
  QVERIFY(!create->fieldError("username").isEmpty());
  QVERIFY(create->fieldError("email").isEmpty());
}

void ViewsTest::offlineBanner_AppearsWhenTheGatewayStops_AndLeavesWhenItIsBack() {
  MainWindow* window = openWindow("ada");
  window->showPage("users");
  QVERIFY(QTest::qWaitFor([&] { return window->usersView()->isReady(); }, 5000));
  OfflineBanner* banner = window->offlineBanner();
  QVERIFY(!banner->isVisible());
  QVERIFY(window->connectionText().contains("Connected"));
  const int rows = window->usersView()->model()->rowCount();

  const quint16 port = gateway_->port();
  gateway_->stop();
  window->refreshCurrent();
  QVERIFY(QTest::qWaitFor([&] { return banner->isVisible(); }, 5000));
  QVERIFY(banner->text().contains("unreachable"));
  QVERIFY(QTest::qWaitFor([&] { return banner->text().contains("Retrying in"); }, 3000));
  QVERIFY(window->connectionText().contains("Offline"));
  // The data stays on screen, marked stale, and there is one banner, not a dialog per failure.
  QCOMPARE(window->usersView()->model()->rowCount(), rows);
  QVERIFY(window->usersView()->model()->isStale());
  QVERIFY(window->findChildren<QMessageBox*>().isEmpty());

  QVERIFY(gateway_->start(port));
  window->findChild<QPushButton*>("offlineRetryButton")->click();
  QVERIFY(QTest::qWaitFor([&] { return !banner->isVisible(); }, 5000));
  QVERIFY(window->connectionText().contains("Connected"));
  // Back online, the page on screen refreshes by itself and the stream resumes.
  QVERIFY(QTest::qWaitFor([&] { return !window->usersView()->model()->isStale(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
}

void ViewsTest::commandPalette_FindsViewsAndActions() {
  MainWindow* window = openWindow("ada");
  window->openCommandPalette();
  CommandPalette* palette = window->commandPalette();
  QVERIFY(palette->isVisible());
  QCOMPARE(palette->filter("usr").value(0), QStringLiteral("Go to Users"));
  QCOMPARE(palette->filter("sagas").value(0), QStringLiteral("Go to Sagas"));
  QVERIFY2(palette->filter("zzzz").isEmpty(), qPrintable(palette->filter("zzzz").join('|')));
  palette->filter("go to hist");
  palette->triggerCurrent();
  QCOMPARE(window->currentPage()->key(), QStringLiteral("history"));
  QVERIFY(!palette->isVisible());
  QVERIFY(CommandPalette::matchScore("Go to Users", "go") > CommandPalette::matchScore("Toggle light/dark theme", "go"));
}

void ViewsTest::sagaTimeline_FollowsLiveSteps() {
  MainWindow* window = openWindow("ada");
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  // A running saga from the demo data: order index 5 is PENDING.
  const QJsonObject order = demo_->order(5);
  sagas->showSaga(order.value("sagaId").toString());
  SagaTimelineWidget* timeline = sagas->timeline();
  QVERIFY(QTest::qWaitFor([&] { return timeline->saga().id == order.value("sagaId").toString(); }, 5000));
  QCOMPARE(timeline->saga().state, QStringLiteral("RUNNING"));
  const int steps = timeline->saga().steps.size();

  gateway_->pushEvent("saga.step", {{"sagaId", order.value("sagaId")}, {"orderId", order.value("id")}, {"step", "Charge"},
                                    {"state", "failed"}, {"attempt", 3}, {"error", "payment_declined"},
                                    {"time", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}});
  gateway_->pushEvent("saga.step", {{"sagaId", order.value("sagaId")}, {"orderId", order.value("id")}, {"step", "ReserveStock"},
                                    {"state", "compensating"}, {"attempt", 1},
                                    {"time", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}});
  QVERIFY(QTest::qWaitFor([&] { return timeline->saga().steps.size() == steps + 1; }, 5000));
  QCOMPARE(timeline->saga().state, QStringLiteral("COMPENSATING"));
  QCOMPARE(timeline->saga().steps[1].state, QStringLiteral("failed"));
  QCOMPARE(timeline->saga().steps[1].attempts, 3);
  QVERIFY(timeline->saga().steps.last().compensation);
  // The list row moved too.
  const int row = sagas->model()->rowOf(order.value("sagaId").toString());
  if (row >= 0) QCOMPARE(sagas->model()->saga(row).state, QStringLiteral("COMPENSATING"));
  // And the trace of the saga is on screen.
  QVERIFY(QTest::qWaitFor([&] { return !sagas->waterfall()->trace().spans.isEmpty(); }, 5000));
}

void ViewsTest::metricsChart_IsDecimatedToTheWidth_AndExportsAllData() {
  MainWindow* window = openWindow("ada");
  window->showPage("metrics");
  MetricsView* metrics = window->metricsView();
  metrics->setRangeSeconds(86400);
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady() && metrics->requestRateChart()->seriesCount() == 6; }, 8000));
  MetricChart* chart = metrics->requestRateChart();
  // 24 h asked at a 120 s step: 721 samples per series, handed over in one replace() each.
  QCOMPARE(chart->rawPointCount(0), 721);
  QVERIFY2(chart->plottedPointCount(0) <= 2 * chart->plotWidth(), qPrintable(QString::number(chart->plotWidth())));
  FakeRequest request;
  for (const FakeRequest& r : gateway_->requests()) {
    if (r.path.endsWith("query_range") && r.queryValue("query") == queries::requestRateByService() &&
        r.queryValue("end").toLongLong() - r.queryValue("start").toLongLong() == 86400) {
      request = r;
    }
  }
  QCOMPARE(request.queryValue("step"), QStringLiteral("120"));

  // A dense series (a custom query over a long range) is cut to about twice the plot width, spike kept.
  MetricChart dense(QStringLiteral("dense"), QString());
  dense.resize(600, 300);
  dense.show();
  QVERIFY(QTest::qWaitForWindowExposed(&dense));
  PromSeries series;
  for (int i = 0; i < 50000; ++i) series.points.append(QPointF(1.7e12 + i * 1000.0, i == 31337 ? 500.0 : (i % 100) / 10.0));
  dense.setSeries({series}, QDateTime::fromMSecsSinceEpoch(1.7e12), QDateTime::fromMSecsSinceEpoch(1.7e12 + 5e7));
  QVERIFY(dense.isPreparing());  // parsed and decimated on a worker thread, then applied
  QTRY_VERIFY(!dense.isPreparing());
  QTRY_VERIFY2(dense.plottedPointCount(0) <= 2 * dense.plotWidth(),
               qPrintable(QStringLiteral("%1 points for a %2 px plot").arg(dense.plottedPointCount(0)).arg(dense.plotWidth())));
  QVERIFY(dense.plottedPointCount(0) > dense.plotWidth() / 2);
  QCOMPARE(dense.rawPointCount(0), 50000);

  QTemporaryDir dir;
  const QString csv = dir.filePath("rate.csv");
  QVERIFY(chart->exportCsv(csv));
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QList<QByteArray> lines = file.readAll().split('\n');
  QCOMPARE(lines.first(), QByteArray("series,timestamp,unix_ms,value"));
  QCOMPARE(lines.size() - 2, 6 * 721);  // header and the final newline aside: every sample, none decimated
  QVERIFY(chart->exportPng(dir.filePath("rate.png")));
  QVERIFY(QImage(dir.filePath("rate.png")).width() > 100);

  // A query that draws, then one that fails: the chart, titled with the failed one now, keeps none
  // of the lines of the first, nor the hint to type a query; the error is under the PromQL box.
  MetricChart* custom = metrics->customChart();
  metrics->runQuery("sum by (service) (rate(fleetdeck_requests_total[1m]))");
  QVERIFY(QTest::qWaitFor([&] { return metrics->isReady() && custom->seriesCount() > 0; }, 5000));
  metrics->runQuery("bad{");
  QVERIFY(QTest::qWaitFor([&] { return metrics->findChild<QLabel*>("promqlError")->isVisible(); }, 5000));
  QVERIFY(metrics->findChild<QLabel*>("promqlError")->text().contains("parse error"));
  QTRY_VERIFY(!custom->isPreparing());
  QCOMPARE(custom->seriesCount(), 0);
  for (QLabel* label : custom->findChildren<QLabel*>()) {
    QVERIFY2(!label->isVisible() || !label->text().contains("Type a PromQL query"), qPrintable(label->text()));
  }
}

void ViewsTest::metricsChart_NewerDataWhilePreparing_ShowsOnlyTheNewest_AndSurvivesItsDeletion() {
  MetricChart chart(QStringLiteral("stale"), QString());
  chart.resize(600, 300);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  QStringList shown;  // the first series' label each time new data lands
  connect(&chart, &MetricChart::seriesShown, &chart, [&] { shown << chart.series().first().label(); });
  const QDateTime start = QDateTime::fromMSecsSinceEpoch(1.7e12);
  auto seriesOf = [](const QString& service, int points) {
    PromSeries series;
    series.metric.insert(QStringLiteral("service"), service);
    for (int i = 0; i < points; ++i) series.points.append(QPointF(1.7e12 + i * 1000.0, i % 10));
    return series;
  };
  // An old refresh with a lot of data, then at once a newer one: the old result must never land.
  chart.setSeries({seriesOf("old", 200000), seriesOf("old2", 200000)}, start, start.addSecs(200000));
  chart.setSeries({seriesOf("new", 300)}, start, start.addSecs(300));
  QTRY_VERIFY(!chart.isPreparing());
  QTest::qWait(100);  // time for a wrongly delivered stale result to show up
  QCOMPARE(shown, QStringList{"new"});
  QCOMPARE(chart.seriesCount(), 1);
  QCOMPARE(chart.rawPointCount(0), 300);
  QCOMPARE(chart.plottedPointCount(0), 300);  // under the budget: drawn whole
  QCOMPARE(chart.series().first().label(), QStringLiteral("new"));

  // A chart closed while its data is on the worker: nothing lands on the deleted widget.
  auto* closed = new MetricChart(QStringLiteral("closed"), QString());
  closed->setSeries({seriesOf("gone", 200000)}, start, start.addSecs(200000));
  delete closed;
  chart.setSeries({seriesOf("after", 50)}, start, start.addSecs(50));  // queued behind the abandoned job
  QTRY_VERIFY(!chart.isPreparing());
  QCOMPARE(chart.series().first().label(), QStringLiteral("after"));
}

void ViewsTest::sagaTimeline_HeaderNamesTheStepWhileRunning_TheOutcomeOnceFinished() {
  SagaTimelineWidget timeline;
  QCOMPARE(timeline.headerText(), QString());
  Saga saga;
  saga.id = QStringLiteral("saga-1");
  saga.startTime = QDateTime::fromString(QStringLiteral("2026-11-27T10:00:00.000Z"), Qt::ISODateWithMs);
  saga.updateTime = saga.startTime.addMSecs(11);
  const QString sep = QStringLiteral(" · ");
  const QString took = display::durationNanos(11'000'000);
  // A finished saga has no current step: no empty part between two separators.
  saga.state = QStringLiteral("COMPLETED");
  timeline.setSaga(saga);
  QCOMPARE(timeline.headerText(), display::sagaState(saga.state) + sep + took);
  // Compensated: the outcome says why, in words.
  saga.state = QStringLiteral("COMPENSATED");
  saga.outcomeReason = QStringLiteral("payment_declined");
  timeline.setSaga(saga);
  QCOMPARE(timeline.headerText(), display::sagaState(saga.state) + sep + QStringLiteral("payment declined") + sep + took);
  // Running: the step it is on (its duration grows with the clock, so only the start is compared).
  saga.state = QStringLiteral("RUNNING");
  saga.currentStep = QStringLiteral("Charge");
  timeline.setSaga(saga);
  QVERIFY2(timeline.headerText().startsWith(display::sagaState(saga.state) + sep + QStringLiteral("Charge") + sep),
           qPrintable(timeline.headerText()));
}

void ViewsTest::sagaTimeline_ALongOutcome_IsElidedBeforeTheTimeRange_NotDrawnOverIt() {
  SagaTimelineWidget timeline;
  timeline.resize(680, 300);
  Saga saga;
  saga.id = QStringLiteral("saga-1");
  saga.state = QStringLiteral("COMPENSATED");
  saga.outcomeReason = QStringLiteral("out of stock: TEA-002 (1 wanted, 0 available)");
  saga.startTime = QDateTime::currentDateTimeUtc().addSecs(-5);
  saga.updateTime = saga.startTime.addMSecs(25);
  timeline.setSaga(saga);
  // Seen at 680 pixels (the Sagas page at 1280 x 800): the header ran on under "10:00:00 → 10:00:00".
  SagaTimelineWidget::HeaderLayout header = timeline.headerLayout();
  QVERIFY2(!header.textRect.intersects(header.rangeRect), qPrintable(header.text));
  QVERIFY(header.textRect.right() < header.rangeRect.left());
  // The outcome is elided (the whole is in the tooltip and under the timeline); the state and the
  // duration stay.
  QVERIFY2(header.text.contains(QStringLiteral("… · ")), qPrintable(header.text));
  QVERIFY(header.text.startsWith(display::sagaState(saga.state) + QStringLiteral(" · out of")));
  QVERIFY2(header.text.endsWith(QStringLiteral(" · ") + display::durationNanos(25'000'000)), qPrintable(header.text));
  QFont bold = timeline.font();
  bold.setBold(true);
  QVERIFY(QFontMetrics(bold).horizontalAdvance(header.text) <= header.textRect.width());
  QVERIFY(header.range.contains(QStringLiteral(" → ")));
  QCOMPARE(header.rangeRect.width(), timeline.fontMetrics().horizontalAdvance(header.range));
  // Where there is room, the whole of it.
  timeline.resize(1400, 300);
  header = timeline.headerLayout();
  QCOMPARE(header.text, timeline.headerText());
  QVERIFY(!header.textRect.intersects(header.rangeRect));
}

void ViewsTest::framePacer_RunsOnePerTick_NewerReplacesOlder_SkipsDestroyedOwners() {
  FramePacer pacer;
  QObject first;
  QObject second;
  auto* third = new QObject;
  QStringList ran;
  pacer.post(&first, [&] { ran << "first"; });
  QCOMPARE(ran, QStringList{"first"});  // nothing queued: at once
  pacer.post(&second, [&] { ran << "second (old)"; });
  pacer.post(third, [&] { ran << "third"; });
  pacer.post(&second, [&] { ran << "second"; });  // newer data for the same owner replaces the queued item
  QCOMPARE(ran, QStringList{"first"});             // the rest waits for the ticks
  delete third;
  QTRY_VERIFY(pacer.isIdle());
  QTest::qWait(50);
  QCOMPARE(ran, (QStringList{"first", "second"}));
}

void ViewsTest::history_TimeTravelHighlightsWhatChanged() {
  MainWindow* window = openWindow("ada");
  window->showPage("history");
  HistoryView* history = window->historyView();
  const QJsonObject order = demo_->order(0);  // DELIVERED: versions 1-4
  history->showOrder(order.value("id").toString(), 3);
  QVERIFY(QTest::qWaitFor([&] { return history->currentVersion() == 3 && history->isReady() && history->diffModel()->rowCount() > 0; }, 5000));
  QMap<QString, FieldDiff> diff;
  for (const FieldDiff& d : history->diffModel()->rows()) diff.insert(d.path, d);
  QVERIFY(diff["status"].changed);
  QCOMPARE(diff["status"].before, QStringLiteral("Confirmed"));
  QCOMPARE(diff["status"].after, QStringLiteral("Shipped"));
  QCOMPARE(diff["status"].rawAfter, QStringLiteral("SHIPPED"));
  QVERIFY(diff["trackingNumber"].changed);
  QVERIFY(!diff["userId"].changed);
  QVERIFY(gateway_->count("GET", "/api/v1/admin/orders/" + order.value("id").toString() + "/state") >= 2);

  history->setVersion(1);
  QVERIFY(QTest::qWaitFor([&] { return history->isReady() && history->diffModel()->headerData(StateDiffModel::After, Qt::Horizontal).toString() == "Version 1"; }, 5000));
  for (const FieldDiff& d : history->diffModel()->rows()) QVERIFY2(d.added, qPrintable(d.path));
}

void ViewsTest::history_EventsTable_HasTheListPagesLook_ItsRowsLineUpWithTheDiff() {
  MainWindow* window = openWindow("ada");
  auto* events = window->historyView()->findChild<QTableView*>("historyEvents");
  auto* diff = window->historyView()->findChild<QTableView*>("stateDiffTable");
  auto* orders = window->findChild<QTableView*>("ordersTable");
  QVERIFY(events != nullptr && diff != nullptr && orders != nullptr);
  QCOMPARE(events->selectionBehavior(), orders->selectionBehavior());
  QCOMPARE(events->selectionMode(), orders->selectionMode());
  QCOMPARE(events->editTriggers(), orders->editTriggers());
  QCOMPARE(events->alternatingRowColors(), orders->alternatingRowColors());
  QCOMPARE(events->verticalHeader()->isHidden(), orders->verticalHeader()->isHidden());
  QVERIFY(events->horizontalHeader()->stretchLastSection());
  // Two pixels tighter than the list pages' rows, as the state diff beside it.
  QCOMPARE(events->verticalHeader()->defaultSectionSize(), diff->verticalHeader()->defaultSectionSize());
  QCOMPARE(events->verticalHeader()->defaultSectionSize(), orders->verticalHeader()->defaultSectionSize() - 2);
  // At the default window size the version, event and time (with its date) are in view; the Time
  // column was cut to "Tim".
  window->showPage("history");
  QTRY_VERIFY2(events->columnViewportPosition(OrderEventsModel::Time) + events->columnWidth(OrderEventsModel::Time) <=
                   events->viewport()->width(),
               qPrintable(QStringLiteral("%1 + %2 > %3")
                              .arg(events->columnViewportPosition(OrderEventsModel::Time))
                              .arg(events->columnWidth(OrderEventsModel::Time))
                              .arg(events->viewport()->width())));
  const int timeWidth = events->fontMetrics().horizontalAdvance(QStringLiteral("2026-11-28 09:44")) + 8;
  QVERIFY2(events->columnWidth(OrderEventsModel::Time) >= timeWidth,
           qPrintable(QStringLiteral("%1 < %2").arg(events->columnWidth(OrderEventsModel::Time)).arg(timeWidth)));
}

void ViewsTest::listTables_CutTextInTheMiddle_SoIdsOfOneDayStayApart() {
  MainWindow* window = openWindow("ada");
  // Two UUIDv7 order ids made a second apart: alike in their first characters, as every id of a day is.
  const QString first = QStringLiteral("01a222f6-3b1c-7d42-9a10-5c3e8f2b7a01");
  const QString second = QStringLiteral("01a222f6-3f04-7e11-8b22-0d9c4a6e19f3");
  for (const char* name : {"ordersTable", "sagasTable", "usersTable", "alertsTable", "deadLettersTable", "tracesTable", "historyEvents"}) {
    auto* table = window->findChild<QTableView*>(QLatin1String(name));
    QVERIFY2(table != nullptr, name);
    QCOMPARE(table->textElideMode(), Qt::ElideMiddle);
    // Qt cuts only the last line of a wrapped text: a one-line row showed a wrapped span name's
    // first line cut at its end.
    QVERIFY2(!table->wordWrap(), name);
  }
  // What the orders list's id column shows of each: the two rows can be told apart.
  auto* orders = window->findChild<QTableView*>("ordersTable");
  const int width = orders->columnWidth(OrdersModel::Id) - 8;  // less the cell's margins
  const QString shownFirst = orders->fontMetrics().elidedText(first, orders->textElideMode(), width);
  const QString shownSecond = orders->fontMetrics().elidedText(second, orders->textElideMode(), width);
  QVERIFY2(shownFirst != first, qPrintable(shownFirst));  // the column is narrower than an id
  QVERIFY2(shownFirst != shownSecond, qPrintable(shownFirst + " / " + shownSecond));
}

void ViewsTest::orders_ACutCustomerId_IsWholeInItsTooltip_AndCtrlCCopiesIt() {
  MainWindow* window = openWindow("grace");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->model()->rowCount() > 0; }, 5000));
  // A customer id as the fleet makes them (UUIDv7): wider than the Customer column, so it is cut there.
  Order order = orders->model()->order(0);
  order.userId = QStringLiteral("01a222f6-3b1c-7d42-9a10-5c3e8f2b7a01");
  ++order.version;
  orders->model()->updateOrder(order);
  QTableView* table = orders->table();
  const QModelIndex customer = table->model()->index(0, OrdersModel::Customer);
  const int width = table->columnWidth(OrdersModel::Customer) - 8;  // less the cell's margins
  QVERIFY(table->fontMetrics().elidedText(order.userId, table->textElideMode(), width) != order.userId);
  // To compare rows by: the whole id is the cell's tooltip (the order id's too).
  QCOMPARE(customer.data(Qt::ToolTipRole).toString(), order.userId);
  QCOMPARE(table->model()->index(0, OrdersModel::Id).data(Qt::ToolTipRole).toString(), order.id);
  // To paste it somewhere (a filter, a ticket): Ctrl+C on the cell copies the whole id (the view copies
  // the model's display text, which the cut leaves whole).
  QApplication::clipboard()->clear();
  window->activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(window));
  table->setFocus();
  table->setCurrentIndex(customer);
  QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
  QCOMPARE(QApplication::clipboard()->text(), order.userId);
}

void ViewsTest::signInDialog_ExplainsFailures_AndRefusesCustomers() {
  SignInDialog dialog(client_, false);
  dialog.setGatewayUrl(gateway_->url());
  dialog.setUsername("ada");
  dialog.show();
  auto* password = dialog.findChild<QLineEdit*>("passwordEdit");
  password->setText("wrong-password");
  dialog.submit();
  QVERIFY(QTest::qWaitFor([&] { return !dialog.errorText().isEmpty(); }, 5000));
  QCOMPARE(dialog.errorText(), QStringLiteral("Wrong user name or password."));
  QVERIFY(dialog.isVisible());

  // A customer account signs in fine at the gateway but gets no console.
  const QString customer = demo_->user(2).value("username").toString();
  dialog.setUsername(customer);
  password->setText(DemoFleet::kPassword);
  dialog.submit();
  QVERIFY(QTest::qWaitFor([&] { return dialog.errorText().contains("operators and admins"); }, 5000));
  QVERIFY(!client_->isSignedIn());
  QVERIFY(dialog.result() != QDialog::Accepted);

  dialog.setUsername("grace");
  password->setText(DemoFleet::kPassword);
  dialog.submit();
  QVERIFY(QTest::qWaitFor([&] { return dialog.result() == QDialog::Accepted; }, 5000));
  QCOMPARE(client_->session().user.role, QStringLiteral("operator"));
  QVERIFY(password->text().isEmpty());  // the password does not linger in the widget
}

void ViewsTest::consoleApp_SignsInFromFlags_CapturesEveryView_AndFinishes() {
  QTemporaryDir dir;
  ConsoleSettings settings;
  settings.gatewayUrl = gateway_->url();
  LaunchOptions options;
  options.user = QStringLiteral("ada");
  options.password = QString::fromLatin1(DemoFleet::kPassword);
  options.screenshotDir = dir.path();
  options.useKeychain = false;
  ConsoleApp app(settings, options);
  QSignalSpy finished(&app, &ConsoleApp::finished);
  app.start();
  QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 60000));
  QCOMPARE(finished.first().first().toInt(), 0);
  QVERIFY(app.window() != nullptr && app.window()->isVisible());
  for (const QString& key : app.window()->pageKeys()) {
    QVERIFY2(QFile::exists(dir.filePath("console-" + key + ".png")), qPrintable(key));
  }

  // A wrong password in screenshot mode ends with a failure code instead of waiting for a human.
  options.password = QStringLiteral("nope");
  ConsoleApp failing(settings, options);
  QSignalSpy failed(&failing, &ConsoleApp::finished);
  failing.start();
  QVERIFY(QTest::qWaitFor([&] { return failed.count() == 1; }, 5000));
  QCOMPARE(failed.first().first().toInt(), 1);
}

void ViewsTest::consoleApp_Unauthenticated_WorksWithAGatewayThatServesOnlyUsers() {
  // Today's gateway: the users API without authentication, nothing else.
  FakeGateway bare;
  QVERIFY(bare.start());
  const QJsonObject user = demo_->user(3);
  bare.route("GET", "/api/v1/users", [user](const FakeRequest& request) {
    if (!request.header("authorization").isEmpty()) return FakeResponse::error(400, "INVALID_ARGUMENT", "unexpected token");
    return FakeResponse::json(200, {{"users", QJsonArray{user}}, {"nextPageToken", ""}});
  });
  ConsoleSettings settings;
  settings.gatewayUrl = bare.url();
  LaunchOptions options;
  options.unauthenticated = true;
  options.useKeychain = false;
  ConsoleApp app(settings, options);
  app.start();
  QVERIFY(app.window() != nullptr);
  app.window()->showPage("users");
  UsersView* users = app.window()->usersView();
  QVERIFY(QTest::qWaitFor([&] { return users->isReady(); }, 5000));
  QCOMPARE(users->model()->rowCount(), 1);
  QCOMPARE(users->model()->user(0).username, user.value("username").toString());
  QVERIFY(users->findChild<QAction*>("users.create")->isVisible());
  QCOMPARE(bare.count("POST", "/api/v1/auth/.*"), 0);
}

void ViewsTest::alert_OpensTheSagasAndOrdersOfItsWindow() {
  MainWindow* window = openWindow("ada");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() > 0; }, 5000));
  int row = -1;
  for (int i = 0; i < table->model()->rowCount(); ++i) {
    if (table->model()->index(i, AlertsModel::Name).data().toString() == QLatin1String("PaymentsErrorRateHigh")) row = i;
  }
  QVERIFY(row >= 0);
  table->selectRow(row);
  // The demo alert became active 9 minutes ago: its window starts 15 minutes before that.
  const QDateTime from = demo_->now().addSecs(-540 - 15 * 60);
  auto inWindow = [&](const QDateTime& time) { return time >= from.addSecs(-5) && time <= QDateTime::currentDateTimeUtc(); };
  int expected = 0;
  for (int i = 0; i < 240; ++i) {
    if (inWindow(QDateTime::fromString(demo_->order(i).value("createTime").toString(), Qt::ISODateWithMs))) ++expected;
  }
  QVERIFY(expected > 0);

  alerts->findChild<QAction*>("alerts.sagas")->trigger();
  QCOMPARE(window->currentPage()->key(), QStringLiteral("sagas"));
  SagasView* sagas = window->sagasView();
  auto* sagasTable = sagas->findChild<QTableView*>("sagasTable");
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && sagasTable->model()->rowCount() == expected; }, 5000));
  for (int i = 0; i < sagasTable->model()->rowCount(); ++i) {
    QVERIFY(inWindow(sagasTable->model()->index(i, SagasModel::Started).data(SagasModel::RawValueRole).toDateTime()));
  }
  // The window's sagas are the gateway's list, not rows hidden from a longer one.
  QCOMPARE(sagas->model()->rowCount(), expected);
  QVERIFY(listRequests(*gateway_, "/api/v1/admin/sagas").constLast().query.hasQueryItem("createdAfter"));
  auto* windowLabel = sagas->findChild<QLabel*>("sagaWindow");
  QVERIFY(windowLabel->isVisible());
  emit windowLabel->linkActivated(QStringLiteral("all"));
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && sagasTable->model()->rowCount() > expected; }, 5000));
  QVERIFY(!listRequests(*gateway_, "/api/v1/admin/sagas").constLast().query.hasQueryItem("createdAfter"));
  QVERIFY(windowLabel->isHidden());

  window->showPage("alerts");
  alerts->findChild<QAction*>("alerts.orders")->trigger();
  QCOMPARE(window->currentPage()->key(), QStringLiteral("orders"));
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && orders->table()->model()->rowCount() == expected; }, 5000));
  for (int i = 0; i < orders->table()->model()->rowCount(); ++i) {
    QVERIFY(inWindow(orders->table()->model()->index(i, OrdersModel::Created).data(OrdersModel::RawValueRole).toDateTime()));
  }
}

namespace {

int alertRow(QAbstractItemModel* model, const QString& name) {
  for (int row = 0; row < model->rowCount(); ++row) {
    if (model->index(row, AlertsModel::Name).data().toString() == name) return row;
  }
  return -1;
}

}  // namespace

void ViewsTest::alert_OpeningAPageForItsWindow_SendsOneListRequest_data() {
  QTest::addColumn<QString>("action");
  QTest::addColumn<QString>("page");
  QTest::addColumn<QString>("listPath");
  QTest::newRow("sagas") << "alerts.sagas" << "sagas" << "/api/v1/admin/sagas";
  QTest::newRow("orders") << "alerts.orders" << "orders" << "/api/v1/orders";
}

void ViewsTest::alert_OpeningAPageForItsWindow_SendsOneListRequest() {
  QFETCH(QString, action);
  QFETCH(QString, page);
  QFETCH(QString, listPath);
  MainWindow* window = openWindow("ada");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() > 0; }, 5000));
  table->selectRow(0);
  QVERIFY(listRequests(*gateway_, listPath).isEmpty());  // the page was never opened
  // The page opens on the alert's window: its first load is the window's, not an unfiltered one that
  // the window's then replaces.
  alerts->findChild<QAction*>(action)->trigger();
  QCOMPARE(window->currentPage()->key(), page);
  QVERIFY(QTest::qWaitFor([&] { return window->currentPage()->isReady(); }, 5000));
  QTest::qWait(100);  // a second request would be on its way by now
  const QList<FakeRequest> listed = listRequests(*gateway_, listPath);
  QCOMPARE(listed.size(), 1);
  QVERIFY(listed.first().query.hasQueryItem("createdAfter"));
  QVERIFY(listed.first().query.hasQueryItem("createdBefore"));
}

void ViewsTest::alerts_OperatorAcknowledgesWithAComment_AndWithdrawsIt() {
  MainWindow* window = openWindow("grace");  // an operator: no edit actions, but acknowledging is theirs
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QAbstractItemModel* rows = table->model();
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && rows->rowCount() == 3; }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
  QAction* acknowledge = alerts->findChild<QAction*>("alerts.acknowledge");
  QAction* withdraw = alerts->findChild<QAction*>("alerts.withdrawAcknowledgement");
  QVERIFY(acknowledge != nullptr && withdraw != nullptr);
  QVERIFY(acknowledge->isVisible() && buttonFor(alerts, acknowledge)->isVisible());
  QVERIFY(withdraw->isVisible() && buttonFor(alerts, withdraw)->isVisible());

  // The demo fleet's acknowledgement of SagaCompensationsHigh was joined to the list.
  const int saga = alertRow(rows, "SagaCompensationsHigh");
  QVERIFY(saga >= 0);
  QVERIFY(rows->index(saga, 0).data(AlertsModel::AcknowledgedRole).toBool());
  QVERIFY(rows->index(saga, AlertsModel::Acknowledged).data().toString().startsWith("by grace at "));
  table->selectRow(saga);
  QVERIFY(!acknowledge->isEnabled());
  QVERIFY(withdraw->isEnabled());
  QVERIFY(alerts->findChild<QLabel*>("alertDetail")->text().contains("Acknowledged by grace"));

  const int payments = alertRow(rows, "PaymentsErrorRateHigh");
  QVERIFY(!rows->index(payments, 0).data(AlertsModel::AcknowledgedRole).toBool());
  table->selectRow(payments);
  QVERIFY(acknowledge->isEnabled());
  QVERIFY(!withdraw->isEnabled());

  gateway_->clearRequests();
  acknowledge->trigger();
  auto* dialog = alerts->findChild<QInputDialog*>("acknowledgeDialog");
  QVERIFY(dialog != nullptr && dialog->isVisible());
  auto* comment = dialog->findChild<QLineEdit*>();
  QVERIFY(comment != nullptr);
  comment->setText(QString(600, QLatin1Char('x')));
  QCOMPARE(comment->text().size(), 500);  // the gateway's limit
  comment->setText("  provider incident, following it  ");
  QCOMPARE(gateway_->count("POST", "/api/v1/admin/alerts:acknowledge"), 0);  // nothing sent before OK
  dialog->accept();

  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", "/api/v1/admin/alerts:acknowledge") == 1; }, 5000));
  const FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.json().value("alertname").toString(), QStringLiteral("PaymentsErrorRateHigh"));
  QCOMPARE(sent.json().value("labels").toObject(),
           (QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "payments"}}));
  QCOMPARE(sent.json().value("comment").toString(), QStringLiteral("provider incident, following it"));
  QVERIFY(QTest::qWaitFor([&] { return rows->index(payments, 0).data(AlertsModel::AcknowledgedRole).toBool(); }, 5000));
  QVERIFY(rows->index(payments, AlertsModel::Acknowledged).data().toString().endsWith(": provider incident, following it"));
  QCOMPARE(rows->index(payments, AlertsModel::Name).data(Qt::ForegroundRole).value<QBrush>().color(),
           QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
  QVERIFY(QTest::qWaitFor([&] { return withdraw->isEnabled() && !acknowledge->isEnabled(); }, 5000));
  QVERIFY(demo_->acknowledgements().contains(DemoFleet::alertKey(
      "PaymentsErrorRateHigh", {{"severity", "critical"}, {"service", "payments"}})));

  withdraw->trigger();
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", "/api/v1/admin/alerts:unacknowledge") == 1; }, 5000));
  QCOMPARE(gateway_->requests().constLast().json().value("labels").toObject().value("service").toString(), QStringLiteral("payments"));
  QVERIFY(!gateway_->requests().constLast().json().contains("comment"));
  QVERIFY(QTest::qWaitFor([&] { return !rows->index(payments, 0).data(AlertsModel::AcknowledgedRole).toBool(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return acknowledge->isEnabled() && !withdraw->isEnabled(); }, 5000));
  QCOMPARE(demo_->acknowledgements().size(), 1);  // only the demo's own is left

  // Another console withdraws grace's acknowledgement of the saga alert: the stream event alone updates the row.
  gateway_->pushEvent("alert", {{"alertname", "SagaCompensationsHigh"}, {"state", "firing"}, {"severity", "warning"},
                                {"labels", QJsonObject{{"alertname", "SagaCompensationsHigh"}, {"severity", "warning"}, {"service", "orders"}}},
                                {"annotations", QJsonObject{}}, {"acknowledgement", QJsonValue::Null}});
  QVERIFY(QTest::qWaitFor([&] { return !rows->index(saga, 0).data(AlertsModel::AcknowledgedRole).toBool(); }, 5000));
}

void ViewsTest::alerts_AcknowledgingAResolvedAlert_ShowsTheError() {
  MainWindow* window = openWindow("ada");
  window->showPage("alerts");
  AlertsView* alerts = window->alertsView();
  auto* table = alerts->findChild<QTableView*>("alertsTable");
  QVERIFY(QTest::qWaitFor([&] { return alerts->isReady() && table->model()->rowCount() == 3; }, 5000));
  // The alert resolves between the list and the click.
  gateway_->route("POST", "/api/v1/admin/alerts:acknowledge", [](const FakeRequest&) {
    return FakeResponse::error(404, "NOT_FOUND", "no active alert SlowRequests with these labels");
  });
  const int slow = alertRow(table->model(), "SlowRequests");
  table->selectRow(slow);
  const int listed = gateway_->count("GET", "/api/v1/admin/alerts");
  alerts->acknowledgeSelected();
  auto* dialog = alerts->findChild<QInputDialog*>("acknowledgeDialog");
  QVERIFY(dialog != nullptr);
  dialog->accept();  // no comment: it is optional
  QMessageBox* error = nullptr;
  QVERIFY(QTest::qWaitFor([&] {
    error = alerts->findChild<QMessageBox*>("errorDialog");
    return error != nullptr && error->isVisible();
  }, 5000));
  QVERIFY2(error->text().contains("SlowRequests is no longer active"), qPrintable(error->text()));
  QVERIFY(error->informativeText().contains("Trace id"));
  QCOMPARE(gateway_->requests().constLast().json().value("comment").toString(), QString());
  QVERIFY(!table->model()->index(slow, 0).data(AlertsModel::AcknowledgedRole).toBool());
  // The list is reloaded, since it showed an alert that is gone.
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/alerts") > listed; }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return alerts->findChild<QAction*>("alerts.acknowledge")->isEnabled(); }, 5000));
}

namespace {

QList<FakeRequest> orderListRequests(const FakeGateway& gateway) { return listRequests(gateway, "/api/v1/orders"); }

QDateTime wholeMinute(const QDateTime& time) {
  const QTime t = time.time();
  return QDateTime(time.date(), QTime(t.hour(), t.minute()), time.timeZone());
}

}  // namespace

void ViewsTest::ordersWindow_IsAskedOfTheGateway_ItsRowsOnly() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady(); }, 5000));
  // A day ago: demo orders are 10 minutes apart, newest first, 50 a page — this window was on page 4.
  const QDateTime from = demo_->now().addSecs(-25 * 3600);
  const QDateTime to = demo_->now().addSecs(-20 * 3600);
  int expected = 0;
  for (int i = 0; i < 240; ++i) {
    const QDateTime created = QDateTime::fromString(demo_->order(i).value("createTime").toString(), Qt::ISODateWithMs);
    if (created >= from && created <= to) ++expected;
  }
  QVERIFY(expected > 0);
  orders->showWindow(from, to);
  QVERIFY(QTest::qWaitFor([&] { return !orders->model()->isLoading() && orders->table()->model()->rowCount() == expected; }, 10000));
  const FakeRequest sent = orderListRequests(*gateway_).constLast();
  QCOMPARE(sent.queryValue("createdAfter"), rfc3339(from));
  QCOMPARE(sent.queryValue("createdBefore"), rfc3339(to.addMSecs(1)));  // `to` is included
  QVERIFY(sent.queryValue("pageToken").isEmpty());
  QCOMPARE(orders->model()->pagesLoaded(), 1);
  QVERIFY(!orders->model()->hasMore());  // the gateway's list ends with the window
}

void ViewsTest::ordersDateFilter_IsSentInUtc_TheNextPageKeepsIt() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady(); }, 5000));
  auto* enabled = orders->findChild<QCheckBox*>("orderDateFilter");
  auto* fromEdit = orders->findChild<QDateTimeEdit*>("orderCreatedFrom");
  auto* toEdit = orders->findChild<QDateTimeEdit*>("orderCreatedTo");
  QVERIFY(enabled != nullptr && fromEdit != nullptr && toEdit != nullptr);
  // Ten hours a day ago: about 60 demo orders, more than one page of 50.
  const QDateTime from = wholeMinute(demo_->now().toLocalTime().addSecs(-25 * 3600));
  const QDateTime to = wholeMinute(demo_->now().toLocalTime().addSecs(-15 * 3600));
  fromEdit->setDateTime(from);
  toEdit->setDateTime(to);
  const int sentBefore = static_cast<int>(orderListRequests(*gateway_).size());
  enabled->setChecked(true);
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady() && orderListRequests(*gateway_).size() > sentBefore; }, 5000));

  // Whole minutes as shown, the last one included, in UTC.
  const QDateTime before = to.addSecs(60);
  const FakeRequest first = orderListRequests(*gateway_).constLast();
  QCOMPARE(first.queryValue("createdAfter"), from.toUTC().toString(Qt::ISODateWithMs));
  QCOMPARE(first.queryValue("createdBefore"), before.toUTC().toString(Qt::ISODateWithMs));
  QVERIFY(first.queryValue("createdAfter").endsWith(QLatin1Char('Z')));
  QVERIFY(first.queryValue("pageToken").isEmpty());
  QCOMPARE(orders->model()->rowCount(), 50);
  QVERIFY(orders->model()->hasMore());

  // The next page: the same range, and the gateway's page token.
  QVERIFY(orders->table()->model()->canFetchMore({}));
  orders->table()->model()->fetchMore({});
  QVERIFY(QTest::qWaitFor([&] { return orders->model()->pagesLoaded() == 2 && !orders->model()->isLoading(); }, 5000));
  const FakeRequest second = orderListRequests(*gateway_).constLast();
  QCOMPARE(second.queryValue("pageToken"), QStringLiteral("o50"));
  QCOMPARE(second.queryValue("createdAfter"), first.queryValue("createdAfter"));
  QCOMPARE(second.queryValue("createdBefore"), first.queryValue("createdBefore"));
  int expected = 0;
  for (int i = 0; i < 240; ++i) {
    const QDateTime created = QDateTime::fromString(demo_->order(i).value("createTime").toString(), Qt::ISODateWithMs);
    if (created >= from && created < before) ++expected;
  }
  QVERIFY(expected > 50);
  QCOMPARE(orders->model()->rowCount(), expected);
  QVERIFY(!orders->model()->hasMore());
  for (int row = 0; row < orders->model()->rowCount(); ++row) {
    const QDateTime created = orders->model()->order(row).createTime;
    QVERIFY2(created >= from && created < before, qPrintable(rfc3339(created)));
  }

  // A new order (created now) is outside the range: it does not go on top of the list.
  Order placed = orders->model()->order(0);
  placed.id = QStringLiteral("ord-new");
  placed.createTime = QDateTime::currentDateTimeUtc();
  orders->model()->prependOrder(placed);
  QCOMPARE(orders->model()->rowOf(placed.id), -1);
}

void ViewsTest::ordersDateFilter_InvertedRange_ShowsTheGatewaysError() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady(); }, 5000));
  auto* enabled = orders->findChild<QCheckBox*>("orderDateFilter");
  auto* fromEdit = orders->findChild<QDateTimeEdit*>("orderCreatedFrom");
  auto* toEdit = orders->findChild<QDateTimeEdit*>("orderCreatedTo");
  auto* statusLine = orders->findChild<QLabel*>("ordersStatusLine");
  QVERIFY(enabled != nullptr && fromEdit != nullptr && toEdit != nullptr && statusLine != nullptr);
  const QDateTime to = wholeMinute(demo_->now().toLocalTime().addSecs(-20 * 3600));
  toEdit->setDateTime(to);
  fromEdit->setDateTime(to.addSecs(3600));
  enabled->setChecked(true);
  // The gateway refuses it rather than answer an empty list; its words reach the user.
  QVERIFY2(QTest::qWaitFor([&] { return statusLine->text().contains(QLatin1String("createdBefore must be later than createdAfter")); }, 5000),
           qPrintable(statusLine->text()));
  const FakeRequest sent = orderListRequests(*gateway_).constLast();
  QCOMPARE(sent.queryValue("createdAfter"), to.addSecs(3600).toUTC().toString(Qt::ISODateWithMs));
  QCOMPARE(orders->table()->model()->rowCount(), 0);
}

// Each step of a date editor changed the range: the list was cleared and fetched again for every one,
// inverted ranges among them. While the filter is off its editors do not reload at all.
void ViewsTest::ordersDateFilter_EditsApplyOnceTheyPause_AndNotWhileItIsOff() {
  MainWindow* window = openWindow("ada");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  QVERIFY(QTest::qWaitFor([&] { return orders->isReady(); }, 5000));
  auto* enabled = orders->findChild<QCheckBox*>("orderDateFilter");
  auto* toEdit = orders->findChild<QDateTimeEdit*>("orderCreatedTo");
  QVERIFY(enabled != nullptr && toEdit != nullptr);
  const qsizetype atStart = orderListRequests(*gateway_).size();
  toEdit->setDateTime(toEdit->dateTime().addDays(-1));
  QTest::qWait(700);
  QCOMPARE(orderListRequests(*gateway_).size(), atStart);  // off: nothing to apply

  enabled->setChecked(true);  // applies at once
  QVERIFY(QTest::qWaitFor([&] { return orderListRequests(*gateway_).size() == atStart + 1; }, 5000));
  for (int step = 1; step <= 5; ++step) toEdit->setDateTime(toEdit->dateTime().addSecs(-60));  // five steps
  QTest::qWait(150);
  QCOMPARE(orderListRequests(*gateway_).size(), atStart + 1);
  QVERIFY(QTest::qWaitFor([&] { return orderListRequests(*gateway_).size() == atStart + 2; }, 5000));
  QTest::qWait(600);
  QCOMPARE(orderListRequests(*gateway_).size(), atStart + 2);  // one fetch for the five steps
  const QDateTime before = wholeMinute(toEdit->dateTime()).addSecs(60);
  QCOMPARE(orderListRequests(*gateway_).constLast().queryValue("createdBefore"),
           before.toUTC().toString(Qt::ISODateWithMs));
}

void ViewsTest::sagasWindow_IsSentInUtc_TheNextPageKeepsIt() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  // Ten hours a day ago: about 60 demo sagas (one per order), more than one page of 50.
  const QDateTime from = demo_->now().toLocalTime().addSecs(-25 * 3600);
  const QDateTime to = demo_->now().toLocalTime().addSecs(-15 * 3600);
  const int sentBefore = static_cast<int>(listRequests(*gateway_, "/api/v1/admin/sagas").size());
  sagas->showWindow(from, to);
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && listRequests(*gateway_, "/api/v1/admin/sagas").size() > sentBefore; }, 5000));

  // `to` included, in UTC.
  const QDateTime before = to.addMSecs(1);
  const FakeRequest first = listRequests(*gateway_, "/api/v1/admin/sagas").constLast();
  QCOMPARE(first.queryValue("createdAfter"), from.toUTC().toString(Qt::ISODateWithMs));
  QCOMPARE(first.queryValue("createdBefore"), before.toUTC().toString(Qt::ISODateWithMs));
  QVERIFY(first.queryValue("createdAfter").endsWith(QLatin1Char('Z')));
  QVERIFY(first.queryValue("pageToken").isEmpty());
  QCOMPARE(sagas->model()->rowCount(), 50);
  QVERIFY(sagas->model()->hasMore());

  // The next page: the same range, and the gateway's page token.
  auto* table = sagas->findChild<QTableView*>("sagasTable");
  QVERIFY(table->model()->canFetchMore({}));
  table->model()->fetchMore({});
  QVERIFY(QTest::qWaitFor([&] { return sagas->model()->pagesLoaded() == 2 && !sagas->model()->isLoading(); }, 5000));
  const FakeRequest second = listRequests(*gateway_, "/api/v1/admin/sagas").constLast();
  QCOMPARE(second.queryValue("pageToken"), QStringLiteral("o50"));
  QCOMPARE(second.queryValue("createdAfter"), first.queryValue("createdAfter"));
  QCOMPARE(second.queryValue("createdBefore"), first.queryValue("createdBefore"));
  int expected = 0;
  for (int i = 0; i < 240; ++i) {
    const QDateTime created = QDateTime::fromString(demo_->order(i).value("createTime").toString(), Qt::ISODateWithMs);
    if (created >= from && created < before) ++expected;
  }
  QVERIFY(expected > 50);
  QCOMPARE(sagas->model()->rowCount(), expected);
  QCOMPARE(table->model()->rowCount(), expected);
  QVERIFY(!sagas->model()->hasMore());
  for (int row = 0; row < sagas->model()->rowCount(); ++row) {
    const QDateTime started = sagas->model()->saga(row).startTime;
    QVERIFY2(started >= from && started < before, qPrintable(rfc3339(started)));
  }

  // The state filter keeps the window.
  auto* state = sagas->findChild<QComboBox*>("sagaStateFilter");
  state->setCurrentIndex(state->findData(QStringLiteral("COMPLETED")));
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && listRequests(*gateway_, "/api/v1/admin/sagas").constLast().queryValue("state") == "COMPLETED"; }, 5000));
  QCOMPARE(listRequests(*gateway_, "/api/v1/admin/sagas").constLast().queryValue("createdAfter"), first.queryValue("createdAfter"));
}

void ViewsTest::sagaStep_HighlightsItsSpansInTheTrace() {
  MainWindow* window = openWindow("ada");
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  const QJsonObject cancelled = demo_->order(4);
  sagas->showSaga(cancelled.value("sagaId").toString());
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && !sagas->waterfall()->trace().spans.isEmpty(); }, 5000));
  const Saga& saga = sagas->timeline()->saga();
  int charge = -1;
  for (int i = 0; i < saga.steps.size(); ++i) {
    if (saga.steps[i].name == QLatin1String("Charge")) charge = i;
  }
  QVERIFY(charge >= 0);
  sagas->timeline()->setSelectedStep(charge);
  const QVector<int> highlighted = sagas->waterfall()->highlightedSpans();
  QVERIFY(!highlighted.isEmpty());
  for (int index : highlighted) QVERIFY(sagas->waterfall()->trace().spans[index].name.endsWith(QLatin1String("Charge")));
  const QString detail = sagas->findChild<QLabel*>("sagaStepDetail")->text();
  QVERIFY2(detail.contains(QLatin1String("PaymentsService/Charge")), qPrintable(detail));
  QVERIFY2(detail.contains(QLatin1String("decline=true")), qPrintable(detail));  // attributes, not only on hover
  // A click on a span row shows that span alone.
  emit sagas->waterfall()->spanClicked(0);
  QCOMPARE(sagas->waterfall()->highlightedSpans(), QVector<int>{0});
}

void ViewsTest::orderDetail_ShowsItsPayment() {
  MainWindow* window = openWindow("grace");  // operators read payments too
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  auto* summary = orders->findChild<QLabel*>("orderSummary");
  // Order 4 of the demo was cancelled because its payment was declined; order 0 was delivered.
  const QJsonObject declined = demo_->order(4);
  orders->showOrder(declined.value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return summary->text().contains(QLatin1String("Payment:")); }, 5000));
  // The decline reason in words, as the cancel reason beside it; the codes the fleet sent are the tooltip.
  QVERIFY2(summary->text().contains(QLatin1String("Payment: declined")) &&
               summary->text().contains(QLatin1String("not enough money in the wallet")) &&
               !summary->text().contains(QLatin1String("insufficient_funds")),
           qPrintable(summary->text()));
  QVERIFY2(summary->text().contains(QLatin1String("Cancelled because: payment declined")), qPrintable(summary->text()));
  QVERIFY2(summary->toolTip().contains(QLatin1String("insufficient_funds")) && summary->toolTip().contains(QLatin1String("payment_declined")),
           qPrintable(summary->toolTip()));
  const QJsonObject delivered = demo_->order(0);
  orders->showOrder(delivered.value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return orders->shownOrderId() == delivered.value("id").toString() &&
                                       summary->text().contains(QLatin1String("charged")); }, 5000));
  QVERIFY2(!summary->text().contains(QLatin1String("declined")), qPrintable(summary->text()));
  QVERIFY2(summary->toolTip().isEmpty(), qPrintable(summary->toolTip()));  // no codes left from the declined order
}

void ViewsTest::stream_RemovedInstanceOrBreaker_ReloadsFleet_GapReloadsThePage() {
  MainWindow* window = openWindow("ada");
  QVERIFY(QTest::qWaitFor([&] { return stream_->state() == EventStream::State::Open; }, 5000));
  window->showPage("fleet");
  QVERIFY(QTest::qWaitFor([&] { return window->fleetView()->isReady(); }, 5000));
  const int fleetLoads = gateway_->count("GET", "/api/v1/admin/fleet");
  // A known instance changing status is applied in place: no reload.
  gateway_->pushEvent("fleet.change", {{"service", "users"}, {"instance", "users-7f9c0"}, {"status", "degraded"}});
  QTest::qWait(400);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/fleet"), fleetLoads);
  // An instance that left the registry, then a breaker transition: each brings the whole fleet again.
  gateway_->pushEvent("fleet.change", {{"service", "users"}, {"instance", "users-7f9c0"}, {"status", "down"}, {"removed", true}});
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/fleet") == fleetLoads + 1; }, 5000));
  gateway_->pushEvent("fleet.change", {{"service", "payments"}, {"instance", "127.0.0.1:50054"}, {"status", "up"},
                                       {"kind", "circuit_breaker"}, {"upstream", "payments"}, {"state", "open"}});
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/fleet") == fleetLoads + 2; }, 5000));

  // A gap in the stream reloads the page on screen.
  window->showPage("sagas");
  QVERIFY(QTest::qWaitFor([&] { return window->sagasView()->isReady(); }, 5000));
  window->showPage("orders");
  QVERIFY(QTest::qWaitFor([&] { return window->ordersView()->isReady(); }, 5000));
  const int sagaLoads = gateway_->count("GET", "/api/v1/admin/sagas");
  window->showPage("sagas");  // shown again without a gap: what it had stands
  QTest::qWait(300);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/sagas"), sagaLoads);
  window->showPage("orders");
  const int orderLoads = gateway_->count("GET", "/api/v1/orders");
  gateway_->pushEvent("stream.gap", {{"reason", "resumed on another gateway"}});
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/orders") > orderLoads; }, 5000));
  // A page shown before the gap missed those events too: it reloads when it is next shown (it showed
  // pre-gap statuses with nothing to say they were old).
  window->showPage("sagas");
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/sagas") > sagaLoads; }, 5000));
}

void ViewsTest::credentialsFile_GivesTheAdminLine_OrTheNamedUser() {
  const QByteArray file =
      "# demo accounts\n"
      "operator grace op-secret\n"
      "\n"
      "admin ada  adm1n pass with spaces  \n"
      "customer carol c-secret\n"
      "admin root second-admin\n"
      "garbage\n";
  const std::optional<Account> admin = findAccount(file, QStringLiteral("admin"));
  QVERIFY(admin.has_value());
  QCOMPARE(admin->username, QStringLiteral("ada"));
  QCOMPARE(admin->password, QStringLiteral("adm1n pass with spaces"));
  const std::optional<Account> named = findAccount(file, QStringLiteral("admin"), QStringLiteral("grace"));
  QVERIFY(named.has_value());
  QCOMPARE(named->role, QStringLiteral("operator"));
  QCOMPARE(named->password, QStringLiteral("op-secret"));
  QVERIFY(!findAccount(file, QStringLiteral("admin"), QStringLiteral("nobody")).has_value());
  QVERIFY(!findAccount("customer carol c-secret\n", QStringLiteral("admin")).has_value());
  QVERIFY(!findAccount(QByteArray(), QStringLiteral("admin")).has_value());
}

void ViewsTest::consoleApp_WithoutCredentials_OpensTheSignInDialog() {
  ConsoleSettings settings;
  settings.gatewayUrl = gateway_->url();
  settings.rememberSignIn = false;
  LaunchOptions options;
  options.useKeychain = false;
  ConsoleApp app(settings, options);
  app.start();
  SignInDialog* dialog = nullptr;
  QVERIFY(QTest::qWaitFor([&] {
    for (QWidget* widget : QApplication::topLevelWidgets()) {
      if (auto* candidate = qobject_cast<SignInDialog*>(widget); candidate != nullptr && candidate->isVisible()) dialog = candidate;
    }
    return dialog != nullptr;
  }, 5000));
  QVERIFY(app.window() == nullptr);
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/login"), 0);
  dialog->reject();
}

void ViewsTest::consoleApp_ACommandLineSignInThatCannotReachTheGateway_SaysWhatToCheck() {
  QTcpServer closed;  // a port nothing listens on any more
  QVERIFY(closed.listen(QHostAddress::LocalHost));
  const quint16 port = closed.serverPort();
  closed.close();
  ConsoleSettings settings;
  settings.gatewayUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
  settings.rememberSignIn = false;
  LaunchOptions options;  // as --credentials gives them
  options.user = QStringLiteral("ada");
  options.password = QString::fromLatin1(DemoFleet::kPassword);
  options.useKeychain = false;
  ConsoleApp app(settings, options);
  app.start();
  SignInDialog* dialog = nullptr;
  QVERIFY(QTest::qWaitFor([&] {
    for (QWidget* widget : QApplication::topLevelWidgets()) {
      if (auto* candidate = qobject_cast<SignInDialog*>(widget); candidate != nullptr && candidate->isVisible()) dialog = candidate;
    }
    return dialog != nullptr && !dialog->errorText().isEmpty();
  }, 10000));
  // Worded as when the dialog's own Sign in fails, with what to check: it said only "Connection refused".
  QVERIFY2(dialog->errorText().startsWith(QStringLiteral("Cannot reach the gateway: ")), qPrintable(dialog->errorText()));
  QVERIFY2(dialog->errorText().endsWith(QStringLiteral("Check the gateway address, and that the gateway is running.")),
           qPrintable(dialog->errorText()));
  QCOMPARE(dialog->gatewayUrl(), settings.gatewayUrl);
  dialog->reject();
}

void ViewsTest::consoleApp_SessionEnded_CancellingTheSignIn_KeepsTheWindowOpen() {
  ConsoleSettings settings;
  settings.gatewayUrl = gateway_->url();
  settings.rememberSignIn = false;
  LaunchOptions options;
  options.user = QStringLiteral("ada");
  options.password = QString::fromLatin1(DemoFleet::kPassword);
  options.useKeychain = false;
  ConsoleApp app(settings, options);
  QSignalSpy finished(&app, &ConsoleApp::finished);
  app.start();
  QVERIFY(QTest::qWaitFor([&] { return app.window() != nullptr && app.window()->isVisible(); }, 5000));
  MainWindow* window = app.window();
  auto visibleSignIn = [&]() -> SignInDialog* {
    for (SignInDialog* dialog : window->findChildren<SignInDialog*>()) {
      if (dialog->isVisible()) return dialog;
    }
    return nullptr;
  };
  auto* signInButton = window->findChild<QToolButton*>("signInButton");
  QVERIFY(signInButton != nullptr && !signInButton->isVisible());

  // The refresh token is refused (revoked elsewhere): the session ends and the dialog asks.
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::error(401, "UNAUTHENTICATED", "refresh token revoked");
  });
  demo_->expireAccessToken();
  window->refreshCurrent();
  QVERIFY(QTest::qWaitFor([&] { return visibleSignIn() != nullptr; }, 5000));
  QVERIFY(visibleSignIn()->errorText().contains("session has ended"));

  // Esc: the console stays, its window open and saying it is signed out.
  visibleSignIn()->reject();
  QTest::qWait(200);
  QCOMPARE(finished.count(), 0);
  QVERIFY(window->isVisible());
  QVERIFY(signInButton->isVisible());
  QCOMPARE(window->findChild<QLabel*>("signedInUser")->text(), QStringLiteral("Not signed in"));
  // The pages' next calls fail as well: the dialog does not come back by itself.
  window->refreshCurrent();
  QTest::qWait(500);
  QVERIFY(visibleSignIn() == nullptr);
  QCOMPARE(finished.count(), 0);

  // "Sign in…" asks again; signing in brings the window back to work.
  signInButton->click();
  QVERIFY(QTest::qWaitFor([&] { return visibleSignIn() != nullptr; }, 5000));
  SignInDialog* dialog = visibleSignIn();
  dialog->setUsername("ada");
  dialog->findChild<QLineEdit*>("passwordEdit")->setText(DemoFleet::kPassword);
  dialog->submit();
  QVERIFY(QTest::qWaitFor([&] { return app.client()->isSignedIn() && !signInButton->isVisible(); }, 5000));
  QVERIFY(window->findChild<QLabel*>("signedInUser")->text().contains("Admin"));
  QCOMPARE(finished.count(), 0);
}

namespace {

// A refresh token kept in memory: what the keychain would give back, without touching the user's.
class MemoryCredentialStore : public CredentialStore {
 public:
  explicit MemoryCredentialStore(const QString& token) : CredentialStore(false), token_(token) {}
  bool isAvailable() const override { return true; }
  void load(const QString&, QObject*, std::function<void(const QString&)> done) override { done(token_); }
  void save(const QString&, const QString& token) override { token_ = token; }
  void remove(const QString&) override { token_.clear(); }

 private:
  QString token_;
};

QProgressDialog* visibleResuming() {
  for (QWidget* widget : QApplication::topLevelWidgets()) {
    if (auto* dialog = qobject_cast<QProgressDialog*>(widget); dialog != nullptr && dialog->isVisible() &&
                                                                 dialog->objectName() == QLatin1String("resumingDialog")) {
      return dialog;
    }
  }
  return nullptr;
}

// The settings of a console that remembered `user`'s sign-in at `gatewayUrl`.
ConsoleSettings rememberedSignIn(const QUrl& gatewayUrl, const QString& user) {
  ConsoleSettings settings;
  settings.gatewayUrl = gatewayUrl;
  settings.rememberSignIn = true;
  settings.lastUser = user;
  return settings;
}

}  // namespace

void ViewsTest::consoleApp_ResumingARememberedSession_ShowsItCanBeCancelled() {
  signIn("ada");  // a refresh token the gateway knows
  const QString token = client_->session().refreshToken;
  const ConsoleSettings settings = rememberedSignIn(gateway_->url(), QStringLiteral("ada"));
  LaunchOptions options;
  options.useKeychain = false;  // the test hands each console a MemoryCredentialStore
  // A slow (black-holed) gateway: the refresh is answered late.
  gateway_->delayResponses("/api/v1/auth/refresh", 700);
  {
    ConsoleApp app(settings, options, new MemoryCredentialStore(token));
    app.start();
    QVERIFY2(QTest::qWaitFor([&] { return visibleResuming() != nullptr; }, 500), "nothing shows that the session is being resumed");
    QVERIFY(visibleResuming()->labelText().contains("Resuming"));
    QVERIFY(app.window() == nullptr);
    QVERIFY(QTest::qWaitFor([&] { return app.window() != nullptr && app.window()->isVisible(); }, 5000));
    QVERIFY(QTest::qWaitFor([&] { return visibleResuming() == nullptr; }, 1000));
    QCOMPARE(app.client()->session().user.username, QStringLiteral("ada"));
    demo_->expireAccessToken();  // this app's session ends with it; the next one starts afresh
  }

  // Cancelled: the sign-in dialog at once, and the late answer does not open a window after all.
  signIn("ada");
  ConsoleApp app(settings, options, new MemoryCredentialStore(client_->session().refreshToken));
  QSignalSpy finished(&app, &ConsoleApp::finished);
  app.start();
  QVERIFY(QTest::qWaitFor([&] { return visibleResuming() != nullptr; }, 500));
  QPushButton* cancel = visibleResuming()->findChild<QPushButton*>();
  QVERIFY(cancel != nullptr && cancel->text() == QLatin1String("Cancel"));
  cancel->click();
  SignInDialog* dialog = nullptr;
  QVERIFY(QTest::qWaitFor([&] {
    for (QWidget* widget : QApplication::topLevelWidgets()) {
      if (auto* candidate = qobject_cast<SignInDialog*>(widget); candidate != nullptr && candidate->isVisible()) dialog = candidate;
    }
    return dialog != nullptr;
  }, 1000));
  QVERIFY(dialog->errorText().contains("cancelled"));
  QVERIFY(visibleResuming() == nullptr);
  QTest::qWait(1200);  // the refresh's answer has come and gone
  QVERIFY(app.window() == nullptr);
  QVERIFY(!app.client()->isSignedIn());
  QCOMPARE(finished.count(), 0);
  dialog->reject();
}

// Two consoles resuming from one keychain token: the second rotated it under the first, whose next
// refresh then looked like a stolen token's reuse and ended both sessions.
void ViewsTest::consoleApp_ASecondConsoleForTheSameAccount_SignsInOnItsOwn() {
  signIn("ada");
  const QString token = client_->session().refreshToken;
  const ConsoleSettings settings = rememberedSignIn(gateway_->url(), QStringLiteral("ada"));
  LaunchOptions options;
  options.useKeychain = false;  // the test hands each console a MemoryCredentialStore
  ConsoleApp first(settings, options, new MemoryCredentialStore(token));
  first.start();
  QVERIFY(QTest::qWaitFor([&] { return first.window() != nullptr && first.window()->isVisible(); }, 5000));
  const int refreshes = gateway_->count("POST", "/api/v1/auth/refresh");

  ConsoleApp second(settings, options, new MemoryCredentialStore(token));
  second.start();
  SignInDialog* dialog = nullptr;
  QVERIFY(QTest::qWaitFor(
      [&] {
        for (QWidget* widget : QApplication::topLevelWidgets()) {
          if (auto* candidate = qobject_cast<SignInDialog*>(widget); candidate != nullptr && candidate->isVisible())
            dialog = candidate;
        }
        return dialog != nullptr;
      },
      1000));
  QVERIFY2(dialog->errorText().contains("Another FleetDeck console"), qPrintable(dialog->errorText()));
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/refresh"), refreshes);  // the token was not used
  QVERIFY(second.window() == nullptr);
  dialog->reject();
  QVERIFY(first.client()->isSignedIn());
}

void ViewsTest::deadLetters_OperatorSeesTheLettersFiltersByConsumer_ReplayIsDisabled() {
  MainWindow* window = openWindow("grace");
  window->showPage("dead-letters");
  DeadLettersView* letters = window->deadLettersView();
  QCOMPARE(window->currentPage(), letters);
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady(); }, 5000));
  QCOMPARE(letters->model()->rowCount(), 4);
  QCOMPARE(letters->model()->letter(0).sequence, qint64(17));  // oldest first, as listed
  QCOMPARE(lastRequest(*gateway_, "GET", "/api/v1/admin/dead-letters").queryValue("limit"), QStringLiteral("500"));
  auto* status = letters->findChild<QLabel*>("deadLettersStatus");
  QVERIFY2(status->text().contains("oldest first"), qPrintable(status->text()));

  // The first letter is selected and shown in full: the whole reason, its event, its trace id.
  auto* detail = letters->findChild<QLabel*>("deadLetterDetail");
  QVERIFY2(detail->text().contains("wallet currency &quot;XTS&quot; is not supported\nat payments/adapters"),
           qPrintable(detail->text()));
  QVERIFY(detail->text().contains("0b5c2f4e-6f1c-4d9a-9a51-7d4bbf6e0a17"));
  QVERIFY(detail->text().contains("7d2c1e9a0b3f4a5c8e6d2b1a0f9e8d7c"));
  QVERIFY(detail->text().contains("payments-users"));

  // Operators see the replay actions, disabled, and why.
  QAction* replay = letters->findChild<QAction*>("deadLetters.replay");
  QAction* replayAll = letters->findChild<QAction*>("deadLetters.replayAll");
  for (QAction* action : {replay, replayAll}) {
    QVERIFY(action->isVisible());
    QVERIFY(!action->isEnabled());
    QCOMPARE(action->toolTip(), QStringLiteral("Only admins can replay dead letters."));
    QVERIFY(buttonFor(letters, action)->isVisible());
  }
  letters->replaySelected();  // refused here too, not only by the gateway
  QVERIFY(letters->findChild<QMessageBox*>("confirmDialog") == nullptr);

  // The filter offers the consumers listed and asks the gateway for one consumer's letters.
  auto* filter = letters->findChild<QComboBox*>("deadLetterConsumerFilter");
  QCOMPARE(filter->count(), 4);  // all, and three consumers
  QCOMPARE(filter->itemData(1).toString(), QStringLiteral("notifications-orders"));
  letters->setConsumerFilter("notifications-orders");
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 2; }, 5000));
  QCOMPARE(lastRequest(*gateway_, "GET", "/api/v1/admin/dead-letters").queryValue("consumer"),
           QStringLiteral("notifications-orders"));
  QCOMPARE(replayAll->text(), QStringLiteral("Replay all of notifications-orders…"));
  QVERIFY(!replayAll->isEnabled());
  QVERIFY2(status->text().contains("4 in the dead-letter stream"), qPrintable(status->text()));

  // A letter of an order links to it.
  letters->table()->selectRow(0);
  QCOMPARE(letters->model()->letter(0).eventType, QStringLiteral("OrderShipped"));
  const QString orderId = letters->model()->letter(0).aggregateId;
  QVERIFY2(detail->text().contains("href=\"order:" + orderId + "\""), qPrintable(detail->text()));
  QVERIFY(detail->text().contains("failed again after a replay"));
  emit detail->linkActivated("order:" + orderId);
  QCOMPARE(window->currentPage(), window->ordersView());
  QVERIFY(QTest::qWaitFor([&] { return window->ordersView()->shownOrderId() == orderId; }, 5000));

  // The letter kept without its body says it cannot be replayed; its event is unknown.
  window->showPage("dead-letters");
  letters->table()->selectRow(1);
  QCOMPARE(letters->model()->data(letters->model()->index(1, DeadLettersModel::Event)).toString(),
           QStringLiteral("(undecodable) fleetdeck.orders.OrderCreated"));
  QVERIFY2(detail->text().contains("cannot be replayed"), qPrintable(detail->text()));

  // The page is in the palette and has the next free shortcut.
  window->openCommandPalette();
  QVERIFY(!window->commandPalette()->filter("dead letters").isEmpty());
  QAction* go = window->findChild<QAction*>("go.dead-letters");
  QVERIFY(go != nullptr);
  QCOMPARE(go->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_8));
}

void ViewsTest::deadLetters_AdminReplaysALetterAndAConsumersLetters_AfterConfirming() {
  MainWindow* window = openWindow("ada");
  window->showPage("dead-letters");
  DeadLettersView* letters = window->deadLettersView();
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 4; }, 5000));
  QSignalSpy status(letters, &ViewPage::statusMessage);
  auto* notice = letters->findChild<QLabel*>("deadLettersNotice");
  const QString replayPath = QStringLiteral("/api/v1/admin/dead-letters:replay");

  // One letter: the selected one, named in the confirmation, sent as a JSON number.
  letters->table()->selectRow(0);
  QAction* replay = letters->findChild<QAction*>("deadLetters.replay");
  QVERIFY(replay->isEnabled());
  replay->trigger();
  const QString question = acceptConfirmation(letters);
  QVERIFY2(question.contains("17") && question.contains("payments-users") && question.contains("UserRegistered u-0042"),
           qPrintable(question));
  QVERIFY(QTest::qWaitFor([&] { return !status.isEmpty(); }, 5000));
  QList<QJsonObject> bodies = postedBodies(*gateway_, replayPath);
  QCOMPARE(bodies.size(), 1);
  QCOMPARE(bodies[0].keys(), QStringList{"sequence"});
  QVERIFY(bodies[0].value("sequence").isDouble());
  QCOMPARE(bodies[0].value("sequence").toInteger(), qint64(17));
  QCOMPARE(notice->text(), QStringLiteral("Dead letter 17 replayed to payments-users."));
  QVERIFY(notice->isVisible());
  // …and the list is read again.
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 3; }, 5000));
  QCOMPARE(letters->model()->rowOf(17), -1);

  // All of a consumer: the one of the selected letter, or the filter's.
  letters->table()->selectRow(letters->model()->rowOf(23));
  QAction* replayAll = letters->findChild<QAction*>("deadLetters.replayAll");
  QCOMPARE(replayAll->text(), QStringLiteral("Replay all of notifications-orders…"));
  QVERIFY(replayAll->isEnabled());
  replayAll->trigger();
  const QString all = acceptConfirmation(letters);
  QVERIFY2(all.contains("notifications-orders") && all.contains("500"), qPrintable(all));
  QVERIFY(QTest::qWaitFor([&] { return status.size() == 2; }, 5000));
  bodies = postedBodies(*gateway_, replayPath);
  QCOMPARE(bodies.size(), 2);
  QCOMPARE(bodies[1], (QJsonObject{{"consumer", "notifications-orders"}}));
  // One replayed; the letter kept without its body stays, and the message says so.
  QVERIFY2(notice->text().contains("1 dead letter") && notice->text().contains("notifications-orders") &&
               notice->text().contains("without a body"),
           qPrintable(notice->text()));
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 2; }, 5000));
  QVERIFY(letters->model()->rowOf(31) >= 0);
  QVERIFY(letters->findChild<QMessageBox*>("errorDialog") == nullptr);

  // Nothing is sent without the confirmation.
  letters->setConsumerFilter("notifications-users");
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 1; }, 5000));
  replayAll->trigger();
  QMessageBox* confirm = nullptr;
  QVERIFY(QTest::qWaitFor([&] { return (confirm = letters->findChild<QMessageBox*>("confirmDialog")) != nullptr && confirm->isVisible(); }, 5000));
  confirm->reject();
  QTest::qWait(50);
  QCOMPARE(postedBodies(*gateway_, replayPath).size(), 2);
}

void ViewsTest::deadLetters_ErrorsAndTheEmptyList_SayWhatToDo() {
  MainWindow* window = openWindow("ada");
  const QJsonArray seeded = demo_->deadLetters();
  // The gateway runs without the event bus.
  gateway_->route("GET", "/api/v1/admin/dead-letters", [](const FakeRequest&) {
    return FakeResponse::error(503, "UNAVAILABLE", "this gateway has no event bus (nats.url is empty)");
  });
  window->showPage("dead-letters");
  DeadLettersView* letters = window->deadLettersView();
  auto* status = letters->findChild<QLabel*>("deadLettersStatus");
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady(); }, 5000));
  QVERIFY2(status->text().contains("event bus") && status->text().contains("nats.url") && status->text().contains("press Refresh"),
           qPrintable(status->text()));

  // Back, and empty.
  demo_->setDeadLetters({});
  gateway_->route("GET", "/api/v1/admin/dead-letters", [this](const FakeRequest&) {
    return FakeResponse::json(200, {{"deadLetters", demo_->deadLetters()}, {"total", demo_->deadLetters().size()}});
  });
  letters->findChild<QAction*>("deadLetters.refresh")->trigger();
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && status->text().startsWith("No dead letters"); }, 5000));
  QCOMPARE(status->text(), QStringLiteral("No dead letters: every consumer has handled every event."));
  QVERIFY(!letters->findChild<QAction*>("deadLetters.replay")->isEnabled());
  QVERIFY(!letters->findChild<QAction*>("deadLetters.replayAll")->isEnabled());

  // A letter replayed by someone else meanwhile: 404, said plainly, and the list is read again.
  demo_->setDeadLetters(seeded);
  letters->refresh();
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 4; }, 5000));
  letters->table()->selectRow(0);
  demo_->setDeadLetters(QJsonArray{seeded[1], seeded[2], seeded[3]});
  letters->replaySelected();
  acceptConfirmation(letters);
  QMessageBox* error = nullptr;
  QVERIFY(QTest::qWaitFor([&] { return (error = letters->findChild<QMessageBox*>("errorDialog")) != nullptr; }, 5000));
  QVERIFY2(error->text().contains("Dead letter 17 is gone"), qPrintable(error->text()));
  QVERIFY(!error->informativeText().isEmpty());  // the trace id to quote
  QVERIFY(QTest::qWaitFor([&] { return letters->isReady() && letters->model()->rowCount() == 3; }, 5000));
  error->close();

  // A letter kept without its body, were it offered: 409 explained, nothing replayed.
  gateway_->route("POST", "/api/v1/admin/dead-letters:replay", [](const FakeRequest&) {
    return FakeResponse::error(409, "FAILED_PRECONDITION", "dead letter 18 was kept without its body (too large)");
  });
  letters->table()->selectRow(0);
  letters->replaySelected();
  acceptConfirmation(letters);
  QVERIFY(QTest::qWaitFor([&] {
    for (QMessageBox* box : letters->findChildren<QMessageBox*>("errorDialog")) {
      if (box->isVisible() && box->text().contains("republish the original event")) return true;
    }
    return false;
  }, 5000));
}

void ViewsTest::metricsChart_AxisLabelsAndValues_AreFixedNotationInTheLocale() {
  MetricChart chart(QStringLiteral("numbers"), QStringLiteral("req/s"));
  chart.resize(600, 300);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  const QDateTime start = QDateTime::fromMSecsSinceEpoch(1.7e12);
  auto show = [&](double top) {
    PromSeries series;
    series.metric.insert(QStringLiteral("service"), QStringLiteral("gateway"));
    for (int i = 0; i <= 20; ++i) series.points.append(QPointF(1.7e12 + i * 30000.0, top * i / 20));
    chart.setSeries({series}, start, start.addSecs(20 * 30), 30);
    return QTest::qWaitFor([&] { return !chart.isPreparing(); }, 5000);
  };
  // What the chart draws: its texts in the scene (axis labels among them).
  auto numberLabels = [&] {
    QApplication::processEvents();
    QStringList labels;
    static const QRegularExpression number(QStringLiteral("^-?[0-9][0-9.,]*(e[+-]?[0-9]+)?$"));
    for (QGraphicsItem* item : chart.chartView()->scene()->items()) {
      if (auto* text = dynamic_cast<QGraphicsTextItem*>(item); text != nullptr && text->isVisible()) {
        const QString plain = text->toPlainText();
        if (number.match(plain).hasMatch()) labels << plain;
      }
    }
    return labels;
  };

  QVERIFY(show(12345.678));
  QStringList labels = numberLabels();
  QVERIFY2(labels.size() >= 3, qPrintable(labels.join(" | ")));
  for (const QString& label : labels) {
    QVERIFY2(!label.contains('e') && !label.contains('.'), qPrintable(labels.join(" | ")));  // "12,000", not "1.2e+04"
  }
  QVERIFY2(labels.filter(QRegularExpression(QStringLiteral("^\\d{1,3}(,\\d{3})+$"))).size() >= 2, qPrintable(labels.join(" | ")));
  QCOMPARE(chart.valueText(12345.678), QStringLiteral("12,346"));
  QCOMPARE(chart.valueText(1000), QStringLiteral("1,000"));

  // Below 100 the labels have the decimals their step needs: "10", not "10.00"; the tooltips keep
  // two. Well below 1, enough to tell the ticks apart.
  QVERIFY(show(42));
  labels = numberLabels();
  QVERIFY2(labels.size() >= 3, qPrintable(labels.join(" | ")));
  for (const QString& label : labels) QVERIFY2(QRegularExpression(QStringLiteral("^\\d+$")).match(label).hasMatch(), qPrintable(labels.join(" | ")));
  QVERIFY(show(0.9));
  labels = numberLabels();
  QVERIFY2(labels.size() >= 3 && labels.removeDuplicates() == 0, qPrintable(labels.join(" | ")));
  for (const QString& label : labels) QVERIFY2(QRegularExpression(QStringLiteral("^\\d\\.\\d{1,2}$|^\\d$")).match(label).hasMatch(), qPrintable(labels.join(" | ")));
  QVERIFY(show(42));
  QCOMPARE(chart.valueText(12.3456), QStringLiteral("12.35"));
  QVERIFY(show(0.042));
  labels = numberLabels();
  QVERIFY2(labels.size() >= 3 && labels.removeDuplicates() == 0, qPrintable(labels.join(" | ")));
  for (const QString& label : labels) QVERIFY2(!label.contains('e'), qPrintable(labels.join(" | ")));
  QCOMPARE(chart.valueText(0.0123), QStringLiteral("0.012"));
}

void ViewsTest::metricsChart_AHoleInASeries_IsTwoLinesOfOneLegendEntry() {
  MetricChart chart(QStringLiteral("gaps"), QString());
  chart.resize(600, 300);
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  const QDateTime start = QDateTime::fromMSecsSinceEpoch(1.7e12);
  // Scraped every 30 s; orders was down for ten steps, payments answered throughout.
  PromSeries orders;
  orders.metric.insert(QStringLiteral("service"), QStringLiteral("orders"));
  PromSeries payments;
  payments.metric.insert(QStringLiteral("service"), QStringLiteral("payments"));
  for (int i = 0; i < 40; ++i) {
    const QPointF point(1.7e12 + i * 30000.0, 5 + i % 4);
    if (i < 15 || i >= 25) orders.points.append(point);
    payments.points.append(point + QPointF(0, 10));
  }
  chart.setSeries({orders, payments}, start, start.addSecs(40 * 30), 30);
  QTRY_VERIFY(!chart.isPreparing());
  QCOMPARE(chart.seriesCount(), 2);
  const QList<QLineSeries*> ordersLines = chart.linesOf(0);
  QCOMPARE(ordersLines.size(), 2);  // not one line drawn straight across the ten missing steps
  QCOMPARE(ordersLines[0]->count(), 15);
  QCOMPARE(ordersLines[0]->at(14).x(), 1.7e12 + 14 * 30000.0);
  QCOMPARE(ordersLines[1]->at(0).x(), 1.7e12 + 25 * 30000.0);
  QCOMPARE(chart.plottedPointCount(0), 30);
  QCOMPARE(chart.linesOf(1).size(), 1);
  // The same series: same name and pen; one legend entry per series.
  QCOMPARE(ordersLines[1]->name(), ordersLines[0]->name());
  QCOMPARE(ordersLines[1]->pen(), ordersLines[0]->pen());
  QVERIFY(ordersLines[0]->pen().color() != chart.linesOf(1).first()->pen().color());
  auto legend = [&chart] {
    QStringList labels;
    for (QLegendMarker* marker : chart.chartView()->chart()->legend()->markers()) {
      if (marker->isVisible()) labels << marker->label();
    }
    return labels;
  };
  QTRY_COMPARE(legend(), (QStringList{"orders", "payments"}));  // markers show once the legend is laid out

  // Back without the hole: one line again, and the extra one is gone from the chart.
  chart.setSeries({payments}, start, start.addSecs(40 * 30), 30);
  QTRY_VERIFY(!chart.isPreparing());
  QCOMPARE(chart.seriesCount(), 1);
  QCOMPARE(chart.linesOf(0).size(), 1);
  QCOMPARE(chart.linesOf(0).first()->count(), 40);
  QCOMPARE(chart.chartView()->chart()->series().size(), 2);  // the line and the time axis' anchor
  QTRY_COMPARE(legend(), QStringList{"payments"});

  // More holes later: the lines added to a series stay out of the legend.
  orders.points.removeAt(5);
  chart.setSeries({orders, payments}, start, start.addSecs(40 * 30), 30);
  QTRY_VERIFY(!chart.isPreparing());
  QCOMPARE(chart.linesOf(0).size(), 3);
  QTRY_COMPARE(legend(), (QStringList{"orders", "payments"}));
}

void ViewsTest::fleetSparkline_SamplesStayAtTheirTimes_MissingOnesLeaveAGap() {
  // The fleet's request-rate cell, 15 minutes at a 30 s step.
  constexpr double kStepMs = 30000;
  constexpr double kWindowMs = 15 * 60 * 1000;
  auto render = [](const Sparkline& sparkline) {
    QStandardItemModel model(1, 1);
    model.setData(model.index(0, 0), QVariant::fromValue(sparkline), FleetModel::SparklineRole);
    SparklineDelegate delegate(FleetModel::SparklineRole);
    QImage image(208, 30, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QStyleOptionViewItem option;
    option.rect = image.rect();
    option.palette.setColor(QPalette::Highlight, Qt::blue);
    QPainter painter(&image);
    delegate.paint(&painter, option, model.index(0, 0));
    painter.end();
    return image;
  };
  // Whether the sparkline has ink in column x (the line sits in x 4..104 of this cell).
  auto inked = [](const QImage& image, int x) {
    for (int y = 0; y < image.height(); ++y) {
      if (QColor(image.pixel(x, y)).blue() > QColor(image.pixel(x, y)).red() + 40) return true;
    }
    return false;
  };
  // A service that started ten minutes in: its samples cover the last third only, not the whole cell.
  Sparkline started{{}, 0, kWindowMs, kStepMs};
  for (double t = 600000; t <= kWindowMs; t += kStepMs) started.points.append(QPointF(t, std::fmod(t / kStepMs, 3)));
  const QImage fresh = render(started);
  for (int x = 6; x < 66; ++x) QVERIFY2(!inked(fresh, x), qPrintable(QString::number(x)));
  for (int x = 72; x < 102; ++x) QVERIFY2(inked(fresh, x), qPrintable(QString::number(x)));

  // Samples missing in the middle (a stopped scrape): a gap, not a line across.
  Sparkline holed{{}, 0, kWindowMs, kStepMs};
  for (double t = 0; t <= kWindowMs; t += kStepMs) {
    if (t < 300000 || t > 600000) holed.points.append(QPointF(t, std::fmod(t / kStepMs, 3)));
  }
  const QImage gap = render(holed);
  for (int x = 6; x < 34; ++x) QVERIFY2(inked(gap, x), qPrintable(QString::number(x)));
  for (int x = 40; x < 68; ++x) QVERIFY2(!inked(gap, x), qPrintable(QString::number(x)));
  for (int x = 74; x < 102; ++x) QVERIFY2(inked(gap, x), qPrintable(QString::number(x)));

  // On the selected row: drawn over the selection's background, in its text colour, not under it.
  QStandardItemModel model(1, 1);
  model.setData(model.index(0, 0), QVariant::fromValue(started), FleetModel::SparklineRole);
  model.setData(model.index(0, 0), QStringLiteral("12.5/s"), Qt::DisplayRole);  // the rate, on the right
  model.setData(model.index(0, 0), int(Qt::AlignRight | Qt::AlignVCenter), Qt::TextAlignmentRole);
  SparklineDelegate delegate(FleetModel::SparklineRole);
  QImage selected(208, 30, QImage::Format_ARGB32);
  selected.fill(Qt::white);
  QStyleOptionViewItem option;
  option.rect = selected.rect();
  option.state |= QStyle::State_Selected | QStyle::State_Enabled | QStyle::State_Active;
  option.showDecorationSelected = true;  // as the fleet's tree: the whole cell takes the selection
  option.palette.setColor(QPalette::Highlight, Qt::blue);
  option.palette.setColor(QPalette::HighlightedText, Qt::white);
  QPainter painter(&selected);
  delegate.paint(&painter, option, model.index(0, 0));
  painter.end();
  auto light = [&](int x) {
    for (int y = 0; y < selected.height(); ++y) {
      if (QColor(selected.pixel(x, y)).red() > 150) return true;  // not the blue background
    }
    return false;
  };
  QVERIFY(!light(40));  // before the service started: only the selection's blue
  int lit = 0;
  for (int x = 72; x < 102; ++x) lit += light(x) ? 1 : 0;
  QVERIFY2(lit > 25, qPrintable(QString::number(lit)));
}


namespace {

// The trace id of the Traces table's `row`, as shown (sorted).
QString shownTraceId(TracesView* traces, int row) {
  return traces->table()->model()->index(row, 0).data(TracesModel::TraceIdRole).toString();
}

// A trace of one span, as the gateway answers GET /api/v1/admin/traces/{traceId}.
FakeResponse oneSpanTrace(const QString& traceId) {
  const QJsonObject span{{"spanId", "a1"}, {"parentSpanId", ""}, {"service", "gateway"}, {"name", "POST /api/v1/orders"},
                         {"startTimeUnixNano", "1700000000000000000"}, {"endTimeUnixNano", "1700000000005000000"},
                         {"attributes", QJsonObject{}}, {"status", "OK"}};
  return FakeResponse::json(200, {{"traceId", traceId}, {"spans", QJsonArray{span}}});
}

// The gateway's answer for a trace no answering replica holds while one did not answer.
FakeResponse unansweredTrace(const QString& traceId, const QByteArray& retryAfter) {
  return FakeResponse::error(503, "UNAVAILABLE",
                             "trace " + traceId + " is in no answering gateway replica's trace store, and 1 replica(s) did not answer")
      .withErrorReason("TRACE_REPLICAS_SILENT")
      .withHeader("Retry-After", retryAfter);
}

// The gateway's answer to every trace route when it hosts no trace store ([traces] enabled = false).
FakeResponse noTraceStore(const QByteArray& retryAfter) {
  return FakeResponse::error(503, "UNAVAILABLE", "this gateway hosts no trace store")
      .withErrorReason("TRACE_STORE_DISABLED")
      .withHeader("Retry-After", retryAfter);
}

}  // namespace

void ViewsTest::traces_FiltersReachTheRequest_TheTableShowsTheAnswer_Sortable() {
  MainWindow* window = openWindow("grace");
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QCOMPARE(window->currentPage(), traces);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  // The first search: no filter, the gateway's default limit.
  FakeRequest listed = lastRequest(*gateway_, "GET", "/api/v1/admin/traces");
  QCOMPARE(listed.queryValue("limit"), QStringLiteral("20"));
  QVERIFY(!listed.query.hasQueryItem("service") && !listed.query.hasQueryItem("minDurationMs"));
  QCOMPARE(traces->model()->rowCount(), 6);
  auto* status = traces->findChild<QLabel*>("tracesStatus");
  QVERIFY2(status->text().startsWith("6 trace") && status->text().contains("newest first"), qPrintable(status->text()));

  // Sorted by duration, by value: 3.2 ms first and 2.15 s last, which their text would not give.
  const QJsonArray seeded = demo_->traces();
  traces->table()->sortByColumn(TracesModel::Duration, Qt::AscendingOrder);
  QCOMPARE(shownTraceId(traces, 0), seeded[3].toObject().value("traceId").toString());
  QCOMPARE(shownTraceId(traces, 1), seeded[1].toObject().value("traceId").toString());
  QCOMPARE(shownTraceId(traces, 5), seeded[0].toObject().value("traceId").toString());
  traces->table()->sortByColumn(TracesModel::Started, Qt::DescendingOrder);
  QCOMPARE(shownTraceId(traces, 0), seeded[0].toObject().value("traceId").toString());
  QCOMPARE(shownTraceId(traces, 5), seeded[5].toObject().value("traceId").toString());

  // Slow requests through payments: the filters reach the gateway, the table shows what it answered.
  auto* service = traces->findChild<QComboBox*>("traceServiceFilter");
  auto* minDuration = traces->findChild<QSpinBox*>("traceMinDuration");
  auto* limit = traces->findChild<QSpinBox*>("traceLimit");
  QVERIFY(service != nullptr && minDuration != nullptr && limit != nullptr);
  QVERIFY(service->findText("payments") >= 0);  // the services seen are offered
  service->setEditText("payments");
  minDuration->setValue(1000);
  limit->setValue(5);
  traces->findChild<QAction*>("traces.search")->trigger();
  // Each filter counts: without the service a slow orders trace would be listed too, without the
  // duration a quicker payments one.
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 2; }, 5000));
  listed = lastRequest(*gateway_, "GET", "/api/v1/admin/traces");
  QCOMPARE(listed.queryValue("service"), QStringLiteral("payments"));
  QCOMPARE(listed.queryValue("minDurationMs"), QStringLiteral("1000"));
  QCOMPARE(listed.queryValue("limit"), QStringLiteral("5"));

  // Newest first, each column as the gateway said it; the start in local time.
  QAbstractItemModel* shown = traces->table()->model();
  QCOMPARE(shownTraceId(traces, 0), seeded[0].toObject().value("traceId").toString());
  QCOMPARE(shownTraceId(traces, 1), seeded[5].toObject().value("traceId").toString());
  const QDateTime started = QDateTime::fromMSecsSinceEpoch(
      seeded[0].toObject().value("startTimeUnixNano").toString().toLongLong() / 1'000'000, Qt::UTC);
  QCOMPARE(shown->index(0, TracesModel::Started).data().toString(), display::timestamp(started));
  QCOMPARE(shown->index(0, TracesModel::RootService).data().toString(), QStringLiteral("gateway"));
  QCOMPARE(shown->index(0, TracesModel::RootName).data().toString(), QStringLiteral("POST /api/v1/orders"));
  QCOMPARE(shown->index(0, TracesModel::Duration).data().toString(), QStringLiteral("2.15 s"));
  QCOMPARE(shown->index(0, TracesModel::Spans).data().toString(), QStringLiteral("9"));
  QCOMPARE(shown->index(0, TracesModel::Error).data().toString(), QStringLiteral("Error"));
  QCOMPARE(shown->index(1, TracesModel::Services).data().toString(), QStringLiteral("gateway, payments"));

  // The limit cuts the list, and the page says older ones may match too.
  service->setEditText(QString());
  minDuration->setValue(0);
  limit->setValue(2);
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 2 && status->text().startsWith("The newest"); }, 5000));
  listed = lastRequest(*gateway_, "GET", "/api/v1/admin/traces");
  QCOMPARE(listed.queryValue("limit"), QStringLiteral("2"));
  QVERIFY(!listed.query.hasQueryItem("service") && !listed.query.hasQueryItem("minDurationMs"));
  QCOMPARE(shownTraceId(traces, 1), seeded[1].toObject().value("traceId").toString());
  QCOMPARE(shown->index(1, TracesModel::Error).data().toString(), QString());

  // One operation (the root span's name) out of every kind of request: the operations seen are
  // offered, the name reaches the gateway, only the orders placed are listed.
  auto* operation = traces->findChild<QComboBox*>("traceOperationFilter");
  QVERIFY(operation != nullptr);
  QVERIFY(operation->findText("POST /api/v1/orders") >= 0 && operation->findText("GET /api/v1/users/me") >= 0);
  operation->setEditText("POST /api/v1/orders");
  limit->setValue(20);
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 2; }, 5000));
  listed = lastRequest(*gateway_, "GET", "/api/v1/admin/traces");
  QCOMPARE(listed.queryValue("rootName"), QStringLiteral("POST /api/v1/orders"));
  QCOMPARE(shownTraceId(traces, 0), seeded[0].toObject().value("traceId").toString());
  QCOMPARE(shownTraceId(traces, 1), seeded[2].toObject().value("traceId").toString());
  operation->setEditText(QString());
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  QVERIFY(!lastRequest(*gateway_, "GET", "/api/v1/admin/traces").query.hasQueryItem("rootName"));

  // The page is in the sidebar's order and the palette.
  QAction* go = window->findChild<QAction*>("go.traces");
  QVERIFY(go != nullptr);
  QCOMPARE(go->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_9));
}

void ViewsTest::traces_SelectingARow_ShowsItsWaterfall() {
  MainWindow* window = openWindow("grace");
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  const QString third = shownTraceId(traces, 2);
  QVERIFY(!third.isEmpty());
  QVERIFY(traces->waterfall()->trace().traceId != third);
  traces->table()->selectRow(2);
  QVERIFY(QTest::qWaitFor([&] {
    return traces->isReady() && traces->waterfall()->trace().traceId == third && !traces->waterfall()->trace().spans.isEmpty();
  }, 5000));
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + third), 1);
  QVERIFY(traces->waterfall()->message().isEmpty());
}

void ViewsTest::traces_AnErrorAnswer_IsShown() {
  MainWindow* window = openWindow("grace");
  // The fake refuses what the gateway refuses, naming the parameter.
  for (const auto& [name, value] : QList<QPair<QString, QString>>{
           {"limit", "0"}, {"limit", "1001"}, {"minDurationMs", "-1"}, {"minDurationMs", "slow"}, {"minDuration", "5"}}) {
    ApiRequest request;
    request.path = QStringLiteral("/api/v1/admin/traces");
    request.query.addQueryItem(name, value);
    std::optional<ApiError> refused;
    client_->send(request, this, [&](const Result<ApiResponse>& result) {
      refused = result ? ApiError{} : result.error();
    });
    QVERIFY(QTest::qWaitFor([&] { return refused.has_value(); }, 5000));
    QCOMPARE(refused->httpStatus, 400);
    QVERIFY2(refused->fieldErrors.contains(name), qPrintable(name + "=" + value));
  }
  gateway_->route("GET", "/api/v1/admin/traces", [](const FakeRequest&) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"minDurationMs", "must be a number of milliseconds >= 0"}});
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  auto* status = traces->findChild<QLabel*>("tracesStatus");
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  QVERIFY2(status->text().contains("refused the filters") && status->text().contains("minDurationMs"), qPrintable(status->text()));
  QVERIFY(status->styleSheet().contains("#d13d3d"));
  QCOMPARE(traces->model()->rowCount(), 0);

  // A store that fails: said, with what to do; the list answered before stays, marked as older.
  gateway_->route("GET", "/api/v1/admin/traces", [this](const FakeRequest&) {
    return FakeResponse::json(200, {{"traces", demo_->traces()}});
  });
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  QVERIFY(status->styleSheet().isEmpty());
  gateway_->route("GET", "/api/v1/admin/traces", [](const FakeRequest&) {
    return FakeResponse::error(503, "UNAVAILABLE", "trace store unavailable");
  });
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && status->text().contains("trace store unavailable"); }, 5000));
  QVERIFY2(status->text().startsWith("Showing older data.") && status->text().contains("Press Search"), qPrintable(status->text()));

  // A trace that expired: the waterfall says so.
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [](const FakeRequest&) {
    return FakeResponse::error(404, "NOT_FOUND", "no such trace");
  });
  const QString second = shownTraceId(traces, 1);
  traces->table()->selectRow(1);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->message().contains(second); }, 5000));
  QVERIFY2(traces->waterfall()->message().contains("not in the trace store"), qPrintable(traces->waterfall()->message()));
}

void ViewsTest::traces_UnreachableReplicas_AreSaid() {
  MainWindow* window = openWindow("grace");
  demo_->setUnreachableTraceReplicas(2);
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  auto* listNote = traces->findChild<QLabel*>("tracesListNote");
  auto* traceNote = traces->findChild<QLabel*>("traceNote");
  QVERIFY(listNote != nullptr && traceNote != nullptr);
  // The newest trace is selected and loaded with the list.
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && !traces->waterfall()->trace().spans.isEmpty(); }, 5000));
  QVERIFY(listNote->isVisible());
  QVERIFY2(listNote->text().startsWith("2 gateway replica") && listNote->text().contains("did not answer") &&
               listNote->text().contains("missing from this list"),
           qPrintable(listNote->text()));
  QVERIFY(traceNote->isVisible());
  QVERIFY2(traceNote->text().startsWith("2 gateway replica") && traceNote->text().contains("did not answer") &&
               traceNote->text().contains("missing from this trace"),
           qPrintable(traceNote->text()));

  // Every replica answers again: neither note stays.
  demo_->setUnreachableTraceReplicas(0);
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && !listNote->isVisible(); }, 5000));
  const QString second = shownTraceId(traces, 1);
  traces->table()->selectRow(1);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->trace().traceId == second; }, 5000));
  QVERIFY(!traceNote->isVisible());
}

void ViewsTest::traces_ATraceThatFailedToLoad_LoadsAgainOnSearchOrAClickOnItsRow() {
  MainWindow* window = openWindow("grace");
  // While `failing` is set, the trace store fails every trace.
  bool failing = true;
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [this, &failing](const FakeRequest& request) {
    if (failing) return FakeResponse::error(500, "INTERNAL", "trace store failed");
    return FakeResponse::json(200, {{"traceId", request.match.captured(1)},
                                    {"spans", QJsonArray{QJsonObject{{"spanId", "a1"}, {"parentSpanId", ""}, {"service", "gateway"},
                                                                     {"name", "POST /api/v1/orders"},
                                                                     {"startTimeUnixNano", "1700000000000000000"},
                                                                     {"endTimeUnixNano", "1700000000005000000"},
                                                                     {"attributes", QJsonObject{}}, {"status", "OK"}}}}});
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  // The newest trace is selected with the list, and cannot be loaded.
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  traces->table()->selectRow(0);
  QCOMPARE(traces->table()->currentIndex().row(), 0);
  QVERIFY2(traces->waterfall()->message().contains("Could not load trace " + first) &&
               traces->waterfall()->message().contains("trace store failed") &&
               traces->waterfall()->message().contains("Press Search"),
           qPrintable(traces->waterfall()->message()));
  QCOMPARE(gateway_->count("GET", path), 1);

  // The store answers again: a search loads the selected trace again.
  failing = false;
  traces->findChild<QAction*>("traces.search")->trigger();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  QVERIFY2(traces->waterfall()->message().isEmpty(), qPrintable(traces->waterfall()->message()));
  QCOMPARE(traces->waterfall()->trace().traceId, first);
  QVERIFY(!traces->waterfall()->trace().spans.isEmpty());
  QCOMPARE(gateway_->count("GET", path), 2);
  QCOMPARE(traces->table()->currentIndex().row(), 0);
  // A trace loaded stays as it is through a search.
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  QCOMPARE(traces->waterfall()->trace().traceId, first);
  QCOMPARE(gateway_->count("GET", path), 2);

  // Another row that fails, then a click on it, selected already, loads it again; once loaded, a click
  // loads nothing more.
  failing = true;
  const QString second = shownTraceId(traces, 1);
  traces->table()->selectRow(1);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->message().contains("Could not load trace " + second); }, 5000));
  failing = false;
  const QPoint onSecond = traces->table()->visualRect(traces->table()->model()->index(1, 0)).center();
  QTest::mouseClick(traces->table()->viewport(), Qt::LeftButton, {}, onSecond);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  QVERIFY2(traces->waterfall()->message().isEmpty(), qPrintable(traces->waterfall()->message()));
  QCOMPARE(traces->waterfall()->trace().traceId, second);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + second), 2);
  QTest::mouseClick(traces->table()->viewport(), Qt::LeftButton, {}, onSecond);
  QTest::qWait(100);
  QVERIFY(traces->isReady());
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + second), 2);
}

void ViewsTest::traces_AServiceTypedAndLeft_Searches_Once() {
  MainWindow* window = openWindow("grace");
  // Unfiltered, the store lists no trace through orders: the service filter does not offer it.
  gateway_->route("GET", "/api/v1/admin/traces", [this](const FakeRequest& request) {
    const QString service = request.queryValue("service");
    QJsonArray listed;
    for (const QJsonValue& value : demo_->traces()) {
      const QJsonArray services = value.toObject().value("services").toArray();
      if (service.isEmpty() ? !services.contains("orders") : services.contains(service)) listed.append(value);
    }
    return FakeResponse::json(200, {{"traces", listed}});
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 3; }, 5000));
  window->activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(window));
  auto* service = traces->findChild<QComboBox*>("traceServiceFilter");
  QVERIFY(service != nullptr);
  QCOMPARE(service->findText("orders"), -1);
  QVERIFY(service->findText("payments") >= 0);
  const QString list = "/api/v1/admin/traces";
  const auto searches = [&] { return gateway_->count("GET", list); };
  const auto focus = [](QWidget* widget) {
    widget->setFocus();
    return QTest::qWaitFor([widget] { return widget->hasFocus(); }, 2000);
  };

  // Typed, then Tab to the next field: the list is searched with it, once.
  QVERIFY(focus(service->lineEdit()));
  int before = searches();
  QTest::keyClicks(service->lineEdit(), "orders");
  QCOMPARE(searches(), before);  // typing alone does not search
  QTest::keyClick(service->lineEdit(), Qt::Key_Tab);
  QVERIFY(!service->lineEdit()->hasFocus());
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && searches() > before; }, 5000));
  QCOMPARE(searches(), before + 1);
  QCOMPARE(lastRequest(*gateway_, "GET", list).queryValue("service"), QStringLiteral("orders"));
  QCOMPARE(traces->model()->rowCount(), 3);
  QCOMPARE(shownTraceId(traces, 0), demo_->traces()[0].toObject().value("traceId").toString());
  QVERIFY(service->findText("orders") >= 0);  // offered from now on

  // Return on a service the filter offers searches once; leaving afterwards, or leaving an unchanged
  // filter, does not search again.
  QVERIFY(focus(service->lineEdit()));
  service->lineEdit()->selectAll();
  QTest::keyClicks(service->lineEdit(), "payments");
  before = searches();
  QTest::keyClick(service->lineEdit(), Qt::Key_Return);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && searches() > before; }, 5000));
  QCOMPARE(lastRequest(*gateway_, "GET", list).queryValue("service"), QStringLiteral("payments"));
  QVERIFY(focus(traces->table()));
  QVERIFY(focus(service->lineEdit()));
  QVERIFY(focus(traces->table()));
  QTest::qWait(100);
  QVERIFY(traces->isReady());
  QCOMPARE(searches(), before + 1);
  // Return with nothing changed searches again, as Search does.
  QVERIFY(focus(service->lineEdit()));
  QTest::keyClick(service->lineEdit(), Qt::Key_Return);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && searches() > before + 1; }, 5000));
  QTest::qWait(100);
  QCOMPARE(searches(), before + 2);
}

void ViewsTest::traces_ATraceSomeReplicasMayHold_IsNotCalledExpired_InTracesAndSagas() {
  MainWindow* window = openWindow("grace");
  // No replica that answered holds the trace, one did not answer: the gateway's 503 with Retry-After.
  bool unanswered = true;
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&unanswered](const FakeRequest& request) {
    const QString id = request.match.captured(1);
    if (unanswered) return unansweredTrace(id, "5");
    const QJsonObject span{{"spanId", "a1"}, {"parentSpanId", ""}, {"service", "gateway"}, {"name", "POST /api/v1/orders"},
                           {"startTimeUnixNano", "1700000000000000000"}, {"endTimeUnixNano", "1700000000005000000"},
                           {"attributes", QJsonObject{}}, {"status", "OK"}};
    return FakeResponse::json(200, {{"traceId", id}, {"spans", QJsonArray{span}}});
  });
  // The page will read it again by itself in the 5 s the gateway asked for; its button does so now.
  // (No catalogue is loaded here: plurals read "second(s)".)
  const auto saysTryAgain = [](const QString& message, const QString& traceId, const QString& button) {
    return message.contains("Trace " + traceId) &&
           message.contains("some gateway replicas did not answer; trying again in 5 second") && message.contains("(or press " + button + ")") &&
           message.contains("1 replica(s) did not answer") && !message.contains("expired");
  };

  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  QVERIFY2(saysTryAgain(traces->waterfall()->message(), first, "Search"), qPrintable(traces->waterfall()->message()));
  QVERIFY(traces->waterfall()->trace().spans.isEmpty());
  // Trying again (without waiting) finds it once the replica answers.
  unanswered = false;
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady(); }, 5000));
  QVERIFY2(traces->waterfall()->message().isEmpty(), qPrintable(traces->waterfall()->message()));
  QCOMPARE(traces->waterfall()->trace().traceId, first);

  // The Sagas page's waterfall says the same of a saga's trace.
  unanswered = true;
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady(); }, 5000));
  const QString saga = demo_->order(4).value("sagaId").toString();
  sagas->showSaga(saga);
  QVERIFY(QTest::qWaitFor([&] { return sagas->timeline()->saga().id == saga && sagas->waterfall()->message().contains("did not answer"); }, 5000));
  const QString sagaTrace = sagas->timeline()->saga().traceId;
  QVERIFY(!sagaTrace.isEmpty());
  QVERIFY2(saysTryAgain(sagas->waterfall()->message(), sagaTrace, "Refresh"), qPrintable(sagas->waterfall()->message()));
  unanswered = false;
  sagas->findChild<QAction*>("sagas.refresh")->trigger();
  QVERIFY(QTest::qWaitFor([&] { return sagas->waterfall()->trace().traceId == sagaTrace; }, 5000));
  QVERIFY(sagas->waterfall()->message().isEmpty());
}

void ViewsTest::traces_A503WithRetryAfter_IsLoadedAgainOnce_AfterThatManySeconds() {
  MainWindow* window = openWindow("grace");
  // Each trace's first read finds a replica silent (503, Retry-After: 1); the next one finds the trace.
  QElapsedTimer clock;
  clock.start();
  QHash<QString, QList<qint64>> askedAt;  // trace id -> when each read of it came, in ms
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&](const FakeRequest& request) {
    const QString id = request.match.captured(1);
    askedAt[id].append(clock.elapsed());
    return askedAt[id].size() == 1 ? unansweredTrace(id, "1") : oneSpanTrace(id);
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  // Said not found yet, and that the page tries again by itself.
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->message().contains("did not answer"); }, 5000));
  const QString message = traces->waterfall()->message();
  QVERIFY2(message.contains("Trace " + first) && message.contains("trying again in 1 second") &&
               message.contains("1 replica(s) did not answer") && !message.contains("expired"),
           qPrintable(message));
  QCOMPARE(gateway_->count("GET", path), 1);

  // Read once more after the second the gateway asked for, and shown.
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->trace().traceId == first; }, 5000));
  QVERIFY(traces->isReady());
  QVERIFY2(traces->waterfall()->message().isEmpty(), qPrintable(traces->waterfall()->message()));
  QVERIFY(!traces->waterfall()->trace().spans.isEmpty());
  QCOMPARE(gateway_->count("GET", path), 2);
  const qint64 waited = askedAt[first][1] - askedAt[first][0];
  QVERIFY2(waited >= 900, qPrintable(QString::number(waited)));  // a timer may fire a little early
}

void ViewsTest::traces_TwoUnanswered503sInARow_AreTwoLoads_ThenThePageAsksForItsButton_InTracesAndSagas() {
  MainWindow* window = openWindow("grace");
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [](const FakeRequest& request) {
    return unansweredTrace(request.match.captured(1), "1");
  });
  const auto saysPress = [](const QString& message, const QString& traceId, const QString& button) {
    return message.contains("Trace " + traceId) && message.contains("some gateway replicas did not answer; try again (press " + button + ")") &&
           message.contains("1 replica(s) did not answer") && !message.contains("trying again");
  };

  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->message().contains("trying again in 1 second"); }, 5000));
  QCOMPARE(gateway_->count("GET", path), 1);
  // The second 503 is not waited out again: the page asks for Search.
  QVERIFY(QTest::qWaitFor([&] { return saysPress(traces->waterfall()->message(), first, "Search"); }, 5000));
  QVERIFY(traces->isReady());
  QCOMPARE(gateway_->count("GET", path), 2);
  QTest::qWait(1500);  // as long as the Retry-After, and a margin: no third read comes
  QCOMPARE(gateway_->count("GET", path), 2);
  QVERIFY2(saysPress(traces->waterfall()->message(), first, "Search"), qPrintable(traces->waterfall()->message()));

  // The Sagas page's trace is the same pane: it asks for Refresh. (The demo's sagas share the trace
  // above, so only the reads from here on are counted.)
  gateway_->clearRequests();
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && !sagas->timeline()->saga().traceId.isEmpty(); }, 5000));
  const QString sagaTrace = sagas->timeline()->saga().traceId;
  QVERIFY(QTest::qWaitFor([&] {
    return sagas->waterfall()->message().contains("Trace " + sagaTrace) && sagas->waterfall()->message().contains("trying again in 1 second");
  }, 5000));
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + sagaTrace), 1);
  QVERIFY(QTest::qWaitFor([&] { return saysPress(sagas->waterfall()->message(), sagaTrace, "Refresh"); }, 5000));
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + sagaTrace), 2);
}

void ViewsTest::traces_ANewerTraceChosenWhileARetryWaits_TheOldOneIsNotLoadedAgain() {
  MainWindow* window = openWindow("grace");
  // The trace read first (the newest, selected with the list) is in no answering replica (Retry-After:
  // 1); `third`, once set, asks for two minutes.
  QString first;
  QString third;
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&](const FakeRequest& request) {
    const QString id = request.match.captured(1);
    if (first.isEmpty()) first = id;
    if (id == first) return unansweredTrace(id, "1");
    if (id == third) return unansweredTrace(id, "120");
    return oneSpanTrace(id);
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  QCOMPARE(first, shownTraceId(traces, 0));
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->message().contains("trying again in 1 second"); }, 5000));
  QVERIFY2(traces->waterfall()->message().contains("Trace " + first), qPrintable(traces->waterfall()->message()));
  third = shownTraceId(traces, 2);

  // Another row chosen before the second is up: it is shown, and the first is not read again.
  const QString second = shownTraceId(traces, 1);
  traces->table()->selectRow(1);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->trace().traceId == second; }, 5000));
  QTest::qWait(1500);  // as long as the first trace's Retry-After, and a margin
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/traces/" + first), 1);
  QCOMPARE(traces->waterfall()->trace().traceId, second);
  QVERIFY2(traces->waterfall()->message().isEmpty(), qPrintable(traces->waterfall()->message()));

  // A longer Retry-After is waited 30 s at most.
  traces->table()->selectRow(2);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->message().contains("Trace " + third); }, 5000));
  QVERIFY2(traces->waterfall()->message().contains("trying again in 30 second"), qPrintable(traces->waterfall()->message()));
}

void ViewsTest::traces_AGatewayWithoutATraceStore_IsSaidToKeepNoTraces_AndNotReadAgain_InTracesAndSagas() {
  MainWindow* window = openWindow("grace");
  // Whatever its Retry-After says (the gateway's own is 30), tracing off is not a replica that may
  // answer soon: the page says what it is and does not read the trace again by itself.
  QByteArray retryAfter = "1";
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&retryAfter](const FakeRequest&) { return noTraceStore(retryAfter); });
  const auto saysNoTraces = [](const QString& message, const QString& traceId, const QString& button) {
    return message.contains("This gateway keeps no traces: tracing is off there") && message.contains("trace " + traceId) &&
           message.contains("(press " + button + " once it is on)") &&
           message.contains("this gateway hosts no trace store") && !message.contains("did not answer") &&
           !message.contains("trying again") && !message.contains("expired");
  };

  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && gateway_->count("GET", path) == 1; }, 5000));
  QVERIFY2(saysNoTraces(traces->waterfall()->message(), first, "Search"), qPrintable(traces->waterfall()->message()));
  QTest::qWait(1500);  // as long as the Retry-After, and a margin: no read again comes
  QCOMPARE(gateway_->count("GET", path), 1);
  QVERIFY(traces->isReady());
  QVERIFY2(saysNoTraces(traces->waterfall()->message(), first, "Search"), qPrintable(traces->waterfall()->message()));

  // The Sagas page's trace is the same pane: it names Refresh. (The demo's sagas share the trace
  // above, so only the reads from here on are counted.)
  retryAfter = "30";
  gateway_->clearRequests();
  window->showPage("sagas");
  SagasView* sagas = window->sagasView();
  QVERIFY(QTest::qWaitFor([&] { return sagas->isReady() && !sagas->timeline()->saga().traceId.isEmpty(); }, 5000));
  const QString sagaTrace = sagas->timeline()->saga().traceId;
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/traces/" + sagaTrace) == 1 && sagas->isReady(); }, 5000));
  QVERIFY2(saysNoTraces(sagas->waterfall()->message(), sagaTrace, "Refresh"), qPrintable(sagas->waterfall()->message()));
}

void ViewsTest::traces_TheListOfAGatewayWithoutATraceStore_SaysTracingIsOffThere() {
  MainWindow* window = openWindow("grace");
  gateway_->route("GET", "/api/v1/admin/traces", [](const FakeRequest&) { return noTraceStore("30"); });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  auto* status = traces->findChild<QLabel*>("tracesStatus");
  QVERIFY(status != nullptr);
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", "/api/v1/admin/traces") >= 1 && !status->text().isEmpty(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return status->text().contains("keeps no traces"); }, 5000));
  const QString text = status->text();
  QVERIFY2(text.contains("tracing is off there ([traces] enabled") && text.contains("Press Search once it is on") &&
               text.contains("this gateway hosts no trace store") && !text.contains("try again"),
           qPrintable(text));
  QCOMPARE(traces->model()->rowCount(), 0);
}

void ViewsTest::traces_AProxys503_IsNotSaidToBeSilentReplicas_ItsRetryAfterIsKept() {
  MainWindow* window = openWindow("grace");
  // A proxy in front of a restarting gateway: an HTML page, no gateway error body. Nothing is known of
  // the replicas; a Retry-After is still waited out once.
  int proxyAnswers = 2;
  QByteArray retryAfter = "1";
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&](const FakeRequest& request) {
    const QString id = request.match.captured(1);
    if (proxyAnswers > 0) {
      --proxyAnswers;
      FakeResponse page = FakeResponse::empty(503);
      page.body = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";
      page.withHeader("Content-Type", "text/html");
      if (!retryAfter.isEmpty()) page.withHeader("Retry-After", retryAfter);
      return page;
    }
    const QJsonObject span{{"spanId", "a1"}, {"parentSpanId", ""}, {"service", "gateway"}, {"name", "GET /api/v1/orders"},
                           {"startTimeUnixNano", "1700000000000000000"}, {"endTimeUnixNano", "1700000000005000000"},
                           {"attributes", QJsonObject{}}, {"status", "OK"}};
    return FakeResponse::json(200, {{"traceId", id}, {"spans", QJsonArray{span}}});
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  const auto message = [&] { return traces->waterfall()->message(); };
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", path) == 1 && !message().isEmpty(); }, 5000));
  QVERIFY2(message().startsWith("Could not load trace " + first) && message().contains("Trying again in 1 second") &&
               message().contains("(or press Search)") && !message().contains("replica"),
           qPrintable(message()));
  // The second read, a second after, finds the proxy again: the page asks for its button.
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("GET", path) == 2 && traces->isReady(); }, 5000));
  QVERIFY(QTest::qWaitFor([&] { return message().contains("Press Search to try again"); }, 5000));
  QVERIFY2(!message().contains("replica") && !message().contains("Trying again"), qPrintable(message()));
  // Search reads it again, and the gateway is back.
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->trace().traceId == first; }, 5000));
  QVERIFY2(message().isEmpty(), qPrintable(message()));
}

void ViewsTest::traces_A503InTheGatewaysWordsButWithoutItsReason_IsAFailedLoad_NotTracingOffOrSilentReplicas() {
  MainWindow* window = openWindow("grace");
  // 503s worded as the gateway words its own two, but without their reason (TRACE_STORE_DISABLED,
  // TRACE_REPLICAS_SILENT): the console goes by the reason, so these are loads that failed.
  QString words = "this gateway hosts no trace store";
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&words](const FakeRequest&) {
    return FakeResponse::error(503, "UNAVAILABLE", words);
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  const QString path = "/api/v1/admin/traces/" + first;
  const auto message = [&] { return traces->waterfall()->message(); };
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && gateway_->count("GET", path) == 1 && !message().isEmpty(); }, 5000));
  QVERIFY2(message().startsWith("Could not load trace " + first + ": this gateway hosts no trace store") &&
               message().contains("Press Search to try again") && !message().contains("keeps no traces"),
           qPrintable(message()));

  words = "trace " + first + " is in no answering gateway replica's trace store, and 1 replica(s) did not answer";
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && message().contains("no answering gateway replica"); }, 5000));
  QCOMPARE(gateway_->count("GET", path), 2);
  QVERIFY2(message().startsWith("Could not load trace " + first + ": trace " + first) &&
               message().contains("Press Search to try again") && !message().contains("some gateway replicas did not answer"),
           qPrintable(message()));

  // The list's 503 in those words: a failed search, not a gateway that keeps no traces.
  gateway_->route("GET", "/api/v1/admin/traces", [](const FakeRequest&) {
    return FakeResponse::error(503, "UNAVAILABLE", "this gateway hosts no trace store");
  });
  auto* status = traces->findChild<QLabel*>("tracesStatus");
  QVERIFY(status != nullptr);
  traces->refresh();
  QVERIFY(QTest::qWaitFor([&] { return status->text().contains("this gateway hosts no trace store"); }, 5000));
  QVERIFY2(status->text().contains("Could not load the traces: this gateway hosts no trace store") &&
               !status->text().contains("keeps no traces"),
           qPrintable(status->text()));
}

void ViewsTest::traces_A503WithRetryAfterAsAnHttpDate_IsLoadedAgainThen_AtMost30SecondsLater() {
  MainWindow* window = openWindow("grace");
  // Retry-After as an HTTP-date (IMF-fixdate, RFC 9110), `aheadOf[id]` seconds from the trace's first
  // read (2 unless set); the next read finds the trace.
  const auto httpDate = [](qint64 secondsFromNow) {
    return QLocale::c().toString(QDateTime::currentDateTimeUtc().addSecs(secondsFromNow), "ddd, dd MMM yyyy HH:mm:ss 'GMT'").toLatin1();
  };
  QElapsedTimer clock;
  clock.start();
  QHash<QString, QList<qint64>> askedAt;  // trace id -> when each read of it came, in ms
  QHash<QString, qint64> aheadOf;
  gateway_->route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [&](const FakeRequest& request) {
    const QString id = request.match.captured(1);
    askedAt[id].append(clock.elapsed());
    return askedAt[id].size() == 1 ? unansweredTrace(id, httpDate(aheadOf.value(id, 2))) : oneSpanTrace(id);
  });
  window->showPage("traces");
  TracesView* traces = window->tracesView();
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->model()->rowCount() == 6; }, 5000));
  const QString first = shownTraceId(traces, 0);
  // The date is in whole seconds: 1 or 2 s away by the time the answer is read.
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->message().contains("did not answer"); }, 5000));
  const QString message = traces->waterfall()->message();
  QVERIFY2(message.contains("Trace " + first) &&
               (message.contains("trying again in 1 second") || message.contains("trying again in 2 second")),
           qPrintable(message));
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->trace().traceId == first; }, 5000));
  QCOMPARE(askedAt[first].size(), 2);
  const qint64 waited = askedAt[first][1] - askedAt[first][0];
  QVERIFY2(waited >= 900, qPrintable(QString::number(waited)));  // a timer may fire a little early

  // Ten minutes ahead is waited 30 s at most, as in seconds; a date already past, 1 s.
  const QString second = shownTraceId(traces, 1);
  const QString third = shownTraceId(traces, 2);
  aheadOf[second] = 600;
  aheadOf[third] = -3600;
  traces->table()->selectRow(1);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->message().contains("Trace " + second); }, 5000));
  QVERIFY2(traces->waterfall()->message().contains("trying again in 30 second"), qPrintable(traces->waterfall()->message()));
  traces->table()->selectRow(2);
  QVERIFY(QTest::qWaitFor([&] { return traces->isReady() && traces->waterfall()->message().contains("Trace " + third); }, 5000));
  QVERIFY2(traces->waterfall()->message().contains("trying again in 1 second"), qPrintable(traces->waterfall()->message()));
  QVERIFY(QTest::qWaitFor([&] { return traces->waterfall()->trace().traceId == third; }, 5000));
  QCOMPARE(askedAt[third].size(), 2);
  QCOMPARE(askedAt[second].size(), 1);
}

void ViewsTest::settings_UseTheSignInDialogsWords_AndWithoutAKeychainDoNotOfferToRemember() {
  // One wording per concept in both dialogs: the gateway's field, and remembering the sign-in.
  auto urlLabel = [](QDialog* dialog) {
    for (QLabel* label : dialog->findChildren<QLabel*>()) {
      if (qobject_cast<QLineEdit*>(label->buddy()) != nullptr && label->text().contains(QLatin1String("Gateway"))) return label->text();
    }
    return QString();
  };
  auto rememberBox = [](QDialog* dialog) -> QCheckBox* {
    const QList<QCheckBox*> boxes = dialog->findChildren<QCheckBox*>();
    return boxes.size() == 1 ? boxes.first() : nullptr;
  };
  auto plain = [](QString text) { return text.remove(QLatin1Char('&')); };
  ConsoleSettings settings;
  settings.rememberSignIn = true;
  for (const bool keychain : {true, false}) {
    SignInDialog signIn(client_, keychain);
    SettingsDialog dialog(settings, keychain);
    QVERIFY(!urlLabel(&signIn).isEmpty());
    QCOMPARE(plain(urlLabel(&dialog)), plain(urlLabel(&signIn)));
    QCheckBox* signInBox = rememberBox(&signIn);
    QCheckBox* settingsBox = rememberBox(&dialog);
    QVERIFY(signInBox != nullptr && settingsBox != nullptr);
    QCOMPARE(plain(settingsBox->text()), plain(signInBox->text()));
    // --no-keychain: neither offers what it cannot do, and both say why.
    QCOMPARE(settingsBox->isEnabled(), keychain);
    QCOMPARE(signInBox->isEnabled(), keychain);
    QCOMPARE(settingsBox->isChecked(), keychain);
    QCOMPARE(settingsBox->toolTip(), signInBox->toolTip());
    if (!keychain) {
      QVERIFY2(settingsBox->toolTip().contains(QLatin1String("keychain")), qPrintable(settingsBox->toolTip()));
      // What an earlier run with a keychain chose is kept for the next such run.
      QVERIFY(dialog.settings().rememberSignIn);
    }
  }
  // The window passes on what the console was started with.
  MainWindow* window = openWindow("ada");
  window->setKeychainAvailable(false);
  window->openSettings();
  QDialog* opened = nullptr;
  QVERIFY(QTest::qWaitFor([&] { return (opened = window->findChild<QDialog*>("settingsDialog")) != nullptr; }, 2000));
  QVERIFY(!rememberBox(opened)->isEnabled());
  opened->reject();
}

void ViewsTest::reasonCodesAndOrderStates_AreWords_InTheOrderDetailAndTheHistoryDiff() {
  // The Sagas page's words for the fleet's codes, with any detail after them kept.
  QCOMPARE(display::reason(QStringLiteral("out_of_stock")), QStringLiteral("out of stock"));
  QCOMPARE(display::reason(QStringLiteral("payment_declined: wallet balance 12.00 EUR < 459.00 EUR")),
           QStringLiteral("payment declined: wallet balance 12.00 EUR < 459.00 EUR"));
  QCOMPARE(display::reason(QStringLiteral("The customer called")), QStringLiteral("The customer called"));

  // History: the order's state and its reason in words; the raw value stays the tooltip.
  const QVector<FieldDiff> rows =
      diffStates(QJsonObject{{"status", "PENDING"}, {"cancelReason", ""}},
                 QJsonObject{{"status", "CANCELLED"}, {"cancelReason", "out_of_stock"}});
  QCOMPARE(rows.size(), 2);
  QCOMPARE(rows[0].path, QStringLiteral("cancelReason"));
  QCOMPARE(rows[0].after, QStringLiteral("out of stock"));
  QCOMPARE(rows[0].rawAfter, QStringLiteral("out_of_stock"));
  QCOMPARE(rows[1].path, QStringLiteral("status"));
  QCOMPARE(rows[1].before, QStringLiteral("Pending"));
  QCOMPARE(rows[1].after, QStringLiteral("Cancelled"));
  QCOMPARE(rows[1].rawBefore, QStringLiteral("PENDING"));

  // The order detail: order 4 of the demo was cancelled for payment_declined.
  MainWindow* window = openWindow("grace");
  window->showPage("orders");
  OrdersView* orders = window->ordersView();
  auto* summary = orders->findChild<QLabel*>("orderSummary");
  orders->showOrder(demo_->order(4).value("id").toString());
  QVERIFY(QTest::qWaitFor([&] { return summary->text().contains(QLatin1String("Cancelled because")); }, 5000));
  QVERIFY2(summary->text().contains(QLatin1String("Cancelled because: payment declined")), qPrintable(summary->text()));
  QVERIFY2(!summary->text().contains(QLatin1String("payment_declined")), qPrintable(summary->text()));
}

QTEST_MAIN(ViewsTest)
#include "tst_views.moc"
