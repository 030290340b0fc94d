// Item models fed through the real client from the demo fleet (fake gateway): each checked with
// QAbstractItemModelTester, incremental fetching page by page, filters, stale data, live updates;
// plus the pure helpers behind the views (decimation, trace layout, state diff, saga folding).
#include <QAbstractItemModelTester>
#include <QBrush>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QPalette>
#include <QSignalSpy>
#include <QTest>
#include <QTranslator>
#include <QScopeGuard>
#include <cmath>
#include <ctime>

#include "client/gateway_api.h"
#include "client/gateway_client.h"
#include "fakes/demo_fleet.h"
#include "fakes/fake_gateway.h"
#include "models/alerts_model.h"
#include "models/dead_letters_model.h"
#include "models/display_text.h"
#include "models/fleet_model.h"
#include "models/order_events_model.h"
#include "models/orders_model.h"
#include "models/sagas_model.h"
#include "models/series_decimation.h"
#include "models/series_preparer.h"
#include "models/state_diff_model.h"
#include "models/trace_layout.h"
#include "models/users_model.h"

using namespace fleetdeck::console;
using namespace fleetdeck::console::testing;

class ModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
  void init();
  void cleanup();

  void users_FetchPageByPage_UntilTheLastPage();
  void users_PassModelTester_WhileFetchingEveryPage();
  void users_FilterChange_DropsRowsAndIgnoresRepliesOfTheOldFilter();
  void users_FailedRefresh_KeepsRowsMarkedStale_AndDoesNotRetryByItself();
  void users_UpdateAndPrepend_EmitTheRightSignals();
  void orders_FilterByStatus_AndLiveNoticeMovesStatus();
  void orders_UpdateOrder_NeverPutsBackAnOlderVersion();
  void orders_TheWholeIdsAreTheTooltipsOfTheirCutColumns();
  void sagas_LiveStep_UpdatesKnownSaga_PrependsNewOne_RespectsFilter();
  void sagas_ManyNewSagasFromTheStream_KeepTheListBounded_StepsReachTheirRow();
  void sagas_StartedRange_IsTheGatewaysList_ANewSagaOutsideItStaysOut();
  void fleet_TreeShape_UpdateInPlace_LiveChange();
  void fleet_LiveChange_LeavesTheLastHeartbeatAsTheGatewaySawIt();
  void alerts_FiringFirst_NewlyFiringReported_InactiveRemoved();
  void alerts_SameFiringMetAgain_IsReportedOnce_ALaterFiringIsNews();
  void alerts_AcknowledgementsJoinedByNameAndFullLabels_ShownGreyed_NotReportedAsNews();
  void alerts_StreamEventsSetAndClearTheAcknowledgement_RefreshWithoutThemKeepsThem();
  void orderEvents_SortedAndAppendOnlyNewer();
  void deadLetters_ListedAsSent_ConsumersOnce_UndecodableAndBodylessLettersMarked();
  void deadLetters_ReplayedColumn_SaysWhichLettersFailedAgainAfterAReplay();
  void stateDiff_MarksChangedAddedRemovedFields();
  void stateDiff_ShowsMoneyAndLocalTimesAsTheConsoleDoes_TheRawValueInTheTooltip();

  void decimation_KeepsSpikesEndpointsAndBudget();
  void seriesPreparer_OnTheWorker_GivesTheSamePointsAsTheGuiThreadPathDid();
  void seriesPreparer_NewerRequest_DropsTheStaleResult();
  void fitToBudget_KeepsTheLowestPointForTheAxis();
  void fitToBudget_ASeriesWithATenStepHole_IsTwoSegments();
  void decimation_NeverBridgesAHole_EachSegmentGetsItsShare();
  void seriesPreparer_DestroyedWhileWorking_DeliversNothing();
  void traceLayout_ParentsFirst_OrphansAndCyclesSurvive();
  void traceSpansOfStep_ByAttributeOrName();
  void saga_ApplyStepEvents();
  void promResult_SkipsNaN_ReadsVectorAndMatrix();
  void translations_ChineseIsLoaded_AmbiguousWordsStayApart();

 private:
  FakeGateway* gateway_ = nullptr;
  DemoFleet* demo_ = nullptr;
  GatewayClient* client_ = nullptr;

  template <class Model>
  void waitLoaded(Model* model, int pages) {
    QVERIFY(QTest::qWaitFor([&] { return model->pagesLoaded() >= pages && !model->isLoading(); }, 5000));
  }
};

void ModelsTest::init() {
  gateway_ = new FakeGateway(this);
  QVERIFY(gateway_->start());
  demo_ = new DemoFleet(*gateway_, 120, 130);
  client_ = new GatewayClient(this);
  client_->setBaseUrl(gateway_->url());
  bool signedIn = false;
  client_->signIn("ada", DemoFleet::kPassword, this, [&](const Result<User>& result) { signedIn = result.ok(); });
  QVERIFY(QTest::qWaitFor([&] { return signedIn; }, 5000));
}

void ModelsTest::cleanup() {
  delete client_;
  delete demo_;
  delete gateway_;
}

void ModelsTest::users_FetchPageByPage_UntilTheLastPage() {
  // No model tester here: it calls fetchMore() itself, and this test is about who asks for pages when.
  UsersModel model(client_);
  model.setPageSize(50);
  QVERIFY(!model.canFetchMore({}));  // nothing before the owner starts it
  model.reload();
  QVERIFY(!model.canFetchMore({}));  // a page is in flight: no second request
  waitLoaded(&model, 1);
  QCOMPARE(model.rowCount(), 50);
  QVERIFY(model.canFetchMore({}));
  model.fetchMore({});
  waitLoaded(&model, 2);
  QCOMPARE(model.rowCount(), 100);
  model.fetchMore({});
  waitLoaded(&model, 3);
  QCOMPARE(model.rowCount(), 120);
  QVERIFY(!model.canFetchMore({}));
  QVERIFY(!model.hasMore());
  QCOMPARE(gateway_->count("GET", "/api/v1/users"), 3);
  const QList<FakeRequest> requests = gateway_->requests();
  QStringList tokens;
  for (const FakeRequest& request : requests) {
    if (request.path == QLatin1String("/api/v1/users")) tokens << request.queryValue("pageToken");
  }
  QCOMPARE(tokens, (QStringList{"", "o50", "o100"}));
  QCOMPARE(model.data(model.index(0, UsersModel::Username)).toString(), QStringLiteral("ada"));
  QCOMPARE(model.data(model.index(0, UsersModel::Role), UsersModel::RawValueRole).toString(), QStringLiteral("admin"));
  QCOMPARE(model.data(model.index(0, UsersModel::Role)).toString(), QStringLiteral("Admin"));
}

void ModelsTest::users_PassModelTester_WhileFetchingEveryPage() {
  UsersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setPageSize(40);
  model.reload();
  // Scroll to the end, page after page, as a view would; the tester checks every step.
  QVERIFY(QTest::qWaitFor([&] {
    if (!model.isLoading() && model.canFetchMore({})) model.fetchMore({});
    return !model.hasMore() && !model.isLoading();
  }, 5000));
  QCOMPARE(model.rowCount(), 120);
  QCOMPARE(model.pagesLoaded(), 3);
  QCOMPARE(gateway_->count("GET", "/api/v1/users"), 3);
}

void ModelsTest::users_FilterChange_DropsRowsAndIgnoresRepliesOfTheOldFilter() {
  UsersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  // Two filter changes in a row: only the second one's rows may show, whatever order replies arrive in.
  model.setFilter({"", "disabled", ""});
  QCOMPARE(model.rowCount(), 0);
  model.setFilter({"operator", "", ""});
  waitLoaded(&model, 1);
  QTest::qWait(100);
  QVERIFY(model.rowCount() > 0);
  for (int row = 0; row < model.rowCount(); ++row) QCOMPARE(model.user(row).role, QStringLiteral("operator"));
  const FakeRequest last = gateway_->requests().constLast();
  QCOMPARE(last.queryValue("role"), QStringLiteral("operator"));
  QVERIFY(last.queryValue("status").isEmpty());
}

void ModelsTest::users_FailedRefresh_KeepsRowsMarkedStale_AndDoesNotRetryByItself() {
  UsersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  QTest::qWait(200);  // let the tester's own fetchMore settle
  QVERIFY(!model.isLoading());
  const int rows = model.rowCount();
  QSignalSpy failed(&model, &PagedTableModel::loadFailed);
  const quint16 port = gateway_->port();
  gateway_->stop();
  model.reload(PagedTableModel::Keep::RowsUntilReplaced);
  QVERIFY(QTest::qWaitFor([&] { return failed.count() == 1; }, 5000));
  QCOMPARE(model.rowCount(), rows);
  QVERIFY(model.isStale());
  QVERIFY(model.lastError()->isNetworkFailure());
  QVERIFY(!model.canFetchMore({}));  // a view scrolling to the end must not hammer a dead gateway
  QVERIFY(gateway_->start(port));
  model.retry();
  QVERIFY(QTest::qWaitFor([&] { return !model.isStale() && !model.isLoading(); }, 5000));
  QVERIFY(model.rowCount() >= 50);
  QCOMPARE(model.user(0).username, QStringLiteral("ada"));
}

void ModelsTest::users_UpdateAndPrepend_EmitTheRightSignals() {
  UsersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
  User user = model.user(3);
  user.displayName = QStringLiteral("Changed");
  model.updateUser(user);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(model.data(model.index(3, UsersModel::DisplayName)).toString(), QStringLiteral("Changed"));
  User fresh = user;
  fresh.id = QStringLiteral("u-new");
  model.prependUser(fresh);
  QCOMPARE(inserted.count(), 1);
  QCOMPARE(model.user(0).id, QStringLiteral("u-new"));
  QCOMPARE(model.rowOf(user.id), 4);
}

void ModelsTest::traceSpansOfStep_ByAttributeOrName() {
  Trace trace;
  trace.traceId = QStringLiteral("t1");
  auto span = [](const QString& name, const QJsonObject& attributes = {}) {
    Span s;
    s.name = name;
    s.attributes = attributes;
    return s;
  };
  trace.spans = {span("POST /api/v1/orders"), span("saga Charge"), span("PaymentsService/Charge"),
                 span("payments.charge", {{"saga.step", "Charge"}}), span("ChargeBack"), span("ReserveStock"),
                 span("Recharge")};
  QCOMPARE(spansOfStep(trace, "Charge"), (QVector<int>{1, 2, 3}));
  QCOMPARE(spansOfStep(trace, "ReserveStock"), (QVector<int>{5}));
  QVERIFY(spansOfStep(trace, "").isEmpty());
  QVERIFY(spansOfStep(trace, "ConfirmOrder").isEmpty());
}

void ModelsTest::orders_FilterByStatus_AndLiveNoticeMovesStatus() {
  OrdersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setFilter({"CONFIRMED", ""});
  waitLoaded(&model, 1);
  QVERIFY(model.rowCount() > 1);
  for (int row = 0; row < model.rowCount(); ++row) QCOMPARE(model.order(row).status, QStringLiteral("CONFIRMED"));
  const Order first = model.order(0);
  const Order second = model.order(1);
  // A late duplicate of an older version changes nothing.
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  model.applyNotice({first.id, first.version, "OrderCancelled", QDateTime::currentDateTimeUtc()});
  QCOMPARE(changed.count(), 0);
  // Shipped: no longer a confirmed order, so it leaves the confirmed list, as a reload would show.
  const int rows = model.rowCount();
  model.applyNotice({first.id, first.version + 1, "OrderShipped", QDateTime::currentDateTimeUtc()});
  QCOMPARE(model.rowCount(), rows - 1);
  QCOMPARE(model.rowOf(first.id), -1);
  QCOMPARE(model.order(0).id, second.id);
  // A new (PENDING) order does not go on top of the confirmed list either.
  Order placed = second;
  placed.id = QStringLiteral("ord-new");
  placed.status = QStringLiteral("PENDING");
  model.prependOrder(placed);
  QCOMPARE(model.rowOf(placed.id), -1);

  // Unfiltered, the notice moves the row's status in place.
  OrdersModel all(client_);
  all.reload();
  waitLoaded(&all, 1);
  const int row = all.rowOf(second.id) >= 0 ? all.rowOf(second.id) : 0;
  const Order shown = all.order(row);
  all.applyNotice({shown.id, shown.version + 1, "OrderCancelled", QDateTime::currentDateTimeUtc()});
  QCOMPARE(all.order(row).status, QStringLiteral("CANCELLED"));
  QCOMPARE(all.data(all.index(row, OrdersModel::Total)).toString(), shown.total.format());
}

void ModelsTest::orders_UpdateOrder_NeverPutsBackAnOlderVersion() {
  OrdersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  const Order listed = model.order(0);
  QVERIFY(listed.version > 1);
  Order older = listed;
  older.version = listed.version - 1;
  older.status = QStringLiteral("PENDING");
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  model.updateOrder(older);  // read before the row's last change
  QCOMPARE(model.order(0).version, listed.version);
  QCOMPARE(model.order(0).status, listed.status);
  QCOMPARE(changed.count(), 0);
  Order newer = listed;
  newer.version = listed.version + 1;
  newer.status = QStringLiteral("CANCELLED");
  model.updateOrder(newer);
  QCOMPARE(model.order(0).version, newer.version);
  QCOMPARE(model.order(0).status, QStringLiteral("CANCELLED"));
  QCOMPARE(changed.count(), 1);
}

void ModelsTest::orders_TheWholeIdsAreTheTooltipsOfTheirCutColumns() {
  OrdersModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  // The views cut ids in the middle to fit their columns: the model gives the whole id to show and as
  // the tooltip, so rows can be compared and an id copied.
  Order order = model.order(0);
  order.userId = QStringLiteral("01a222f6-3b1c-7d42-9a10-5c3e8f2b7a01");
  ++order.version;
  model.updateOrder(order);
  QCOMPARE(model.data(model.index(0, OrdersModel::Customer)).toString(), order.userId);
  QCOMPARE(model.data(model.index(0, OrdersModel::Customer), Qt::ToolTipRole).toString(), order.userId);
  QCOMPARE(model.data(model.index(0, OrdersModel::Id), Qt::ToolTipRole).toString(), order.id);
}

void ModelsTest::sagas_LiveStep_UpdatesKnownSaga_PrependsNewOne_RespectsFilter() {
  SagasModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  const int before = model.rowCount();
  int running = -1;
  for (int row = 0; row < model.rowCount() && running < 0; ++row) {
    if (model.saga(row).state == QLatin1String("RUNNING")) running = row;
  }
  QVERIFY(running >= 0);
  const QString known = model.saga(running).id;
  model.applyStep({known, model.saga(running).orderId, "ReleaseStock", "compensating", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowOf(known), running);
  QCOMPARE(model.saga(running).state, QStringLiteral("COMPENSATING"));
  QCOMPARE(model.saga(running).currentStep, QStringLiteral("ReleaseStock"));
  model.applyStep({"saga-new", "ord-new", "ReserveStock", "started", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowCount(), before + 1);
  QCOMPARE(model.saga(0).id, QStringLiteral("saga-new"));
  QCOMPARE(model.saga(0).state, QStringLiteral("RUNNING"));

  model.setFilter({"RUNNING", {}, {}});
  waitLoaded(&model, 1);
  const int runningCount = model.rowCount();
  QVERIFY(runningCount > 1);
  model.applyStep({"saga-other", "o", "ReserveStock", "started", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowCount(), runningCount + 1);
  // A listed saga that finishes leaves the RUNNING list.
  model.applyStep({model.saga(1).id, "o", "ConfirmOrder", "succeeded", 1, "", QDateTime::currentDateTimeUtc(), "t", "COMPLETED"});
  QCOMPARE(model.rowCount(), runningCount);

  model.setFilter({"COMPLETED", {}, {}});
  waitLoaded(&model, 1);
  const int completed = model.rowCount();
  model.applyStep({"saga-third", "o", "ReserveStock", "started", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowCount(), completed);  // a new, running saga is not "completed"
}

void ModelsTest::sagas_StartedRange_IsTheGatewaysList_ANewSagaOutsideItStaysOut() {
  SagasModel model(client_);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  // Two hours, half a day ago: demo sagas start with their orders, 10 minutes apart.
  const QDateTime from = demo_->now().addSecs(-12 * 3600);
  const QDateTime before = demo_->now().addSecs(-10 * 3600);
  model.setFilter({"", from, before});
  waitLoaded(&model, 1);
  int expected = 0;
  for (int i = 0; i < 130; ++i) {
    const QDateTime created = QDateTime::fromString(demo_->order(i).value("createTime").toString(), Qt::ISODateWithMs);
    if (created >= from && created < before) ++expected;
  }
  QVERIFY(expected > 0);
  QCOMPARE(model.rowCount(), expected);
  QVERIFY(!model.hasMore());
  for (int row = 0; row < model.rowCount(); ++row) {
    QVERIFY(model.saga(row).startTime >= from && model.saga(row).startTime < before);
  }
  // A saga starting now is after the range: the stream does not put it on top.
  model.applyStep({"saga-new", "ord-new", "ReserveStock", "started", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowOf("saga-new"), -1);
  QCOMPARE(model.rowCount(), expected);
  // Open at the end, it does.
  model.setFilter({"", from, {}});
  waitLoaded(&model, 1);
  model.applyStep({"saga-new", "ord-new", "ReserveStock", "started", 1, "", QDateTime::currentDateTimeUtc(), "t", ""});
  QCOMPARE(model.rowOf("saga-new"), 0);
}

void ModelsTest::sagas_ManyNewSagasFromTheStream_KeepTheListBounded_StepsReachTheirRow() {
  SagasModel model(client_);
  model.setPageSize(20);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.reload();
  waitLoaded(&model, 1);
  const int listed = model.rowCount();
  QCOMPARE(listed, 20);
  const QString listedFirst = model.saga(0).id;
  const QString listedLast = model.saga(listed - 1).id;
  auto step = [](const QString& sagaId, const QString& name, const QString& state, const QString& sagaState = {}) {
    return SagaStepEvent{sagaId, "ord-" + sagaId, name, state, 1, "", QDateTime::currentDateTimeUtc(), "t", sagaState};
  };
  // A long session: many more new sagas than a few pages.
  constexpr int kNew = 1000;
  const int bound = listed + 10 * model.pageSize();
  for (int i = 0; i < kNew; ++i) model.applyStep(step(QStringLiteral("saga-live-%1").arg(i), "ReserveStock", "started"));
  QVERIFY2(model.rowCount() <= bound, qPrintable(QString::number(model.rowCount())));
  // The newest ones are kept, on top of the listed page, which stays whole.
  const int kept = model.rowCount() - listed;
  QVERIFY(kept >= model.pageSize());
  QCOMPARE(model.saga(0).id, QStringLiteral("saga-live-%1").arg(kNew - 1));
  QCOMPARE(model.saga(kept - 1).id, QStringLiteral("saga-live-%1").arg(kNew - kept));
  QCOMPARE(model.rowOf("saga-live-0"), -1);
  QCOMPARE(model.rowOf(listedFirst), kept);
  QCOMPARE(model.rowOf(listedLast), model.rowCount() - 1);

  // Steps reach the right row, whether the stream or a page brought the saga.
  const QString streamed = QStringLiteral("saga-live-%1").arg(kNew - 10);
  model.applyStep(step(streamed, "Charge", "failed"));
  QCOMPARE(model.saga(model.rowOf(streamed)).id, streamed);
  QCOMPARE(model.saga(model.rowOf(streamed)).currentStep, QStringLiteral("Charge"));
  model.applyStep(step(listedLast, "ConfirmOrder", "succeeded", "COMPLETED"));
  QCOMPARE(model.saga(model.rowOf(listedLast)).state, QStringLiteral("COMPLETED"));
  for (int row = 0; row < model.rowCount(); ++row) QCOMPARE(model.rowOf(model.saga(row).id), row);

  // The running list: finished sagas leave from anywhere, and the rows by id follow.
  model.setFilter({"RUNNING", {}, {}});
  waitLoaded(&model, 1);
  for (int i = 0; i < kNew; ++i) {
    model.applyStep(step(QStringLiteral("saga-run-%1").arg(i), "ReserveStock", "started"));
    if (i % 7 == 0) model.applyStep(step(model.saga(model.rowCount() / 2).id, "ConfirmOrder", "succeeded", "COMPLETED"));
  }
  QVERIFY2(model.rowCount() <= bound, qPrintable(QString::number(model.rowCount())));
  QCOMPARE(model.rowOf(QStringLiteral("saga-run-%1").arg(kNew - 1)), 0);
  for (int row = 0; row < model.rowCount(); ++row) QCOMPARE(model.rowOf(model.saga(row).id), row);
}

void ModelsTest::fleet_TreeShape_UpdateInPlace_LiveChange() {
  FleetModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QVector<FleetService> fleet;
  bool done = false;
  api::fleet(client_, this, [&](const Result<QVector<FleetService>>& result) {
    fleet = result.value();
    done = true;
  });
  QVERIFY(QTest::qWaitFor([&] { return done; }, 5000));
  QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
  model.setFleet(fleet);
  QCOMPARE(resets.count(), 1);
  QCOMPARE(model.rowCount(), 6);
  const QModelIndex gateway = model.index(0, 0);  // sorted: gateway, notifications, orders, payments, …
  QCOMPARE(gateway.data(FleetModel::ServiceNameRole).toString(), QStringLiteral("gateway"));
  QCOMPARE(model.rowCount(gateway), 2);
  QCOMPARE(model.parent(model.index(1, 3, gateway)), gateway);

  // Same services and instances again: rows change in place, no reset (selection survives refreshes).
  model.setFleet(fleet);
  QCOMPARE(resets.count(), 1);

  const QString instance = model.index(0, 0, gateway).data(FleetModel::InstanceIdRole).toString();
  QVERIFY(model.applyChange({"gateway", instance, "down"}));
  QCOMPARE(model.index(0, FleetModel::Status, gateway).data(FleetModel::RawValueRole).toString(), QStringLiteral("down"));
  QCOMPARE(model.index(0, FleetModel::Status).data(FleetModel::RawValueRole).toString(), QStringLiteral("degraded"));
  QVERIFY(!model.applyChange({"gateway", "gateway-unknown", "up"}));

  QHash<QString, ServiceStats> stats;
  stats["gateway"].requestRateHistory = Sparkline{{{60000, 1}, {90000, 2}, {120000, 3}}, 0, 120000, 30000};
  stats["gateway"].requestRate = 3;
  model.setStats(stats);
  // The samples keep their times and the window they belong to.
  const auto sparkline = model.index(0, FleetModel::RequestRate).data(FleetModel::SparklineRole).value<Sparkline>();
  QCOMPARE(sparkline.points.size(), 3);
  QCOMPARE(sparkline.points.first(), QPointF(60000, 1));
  QCOMPARE(sparkline.endMs, 120000.0);
  QCOMPARE(sparkline.stepMs, 30000.0);
  QVERIFY(model.index(0, FleetModel::RequestRate).data().toString().startsWith(QLatin1String("3.0")));
}

void ModelsTest::fleet_LiveChange_LeavesTheLastHeartbeatAsTheGatewaySawIt() {
  FleetModel model;
  FleetInstance instance;
  instance.instanceId = QStringLiteral("payments-1");
  instance.status = QStringLiteral("up");
  const QDateTime heartbeat = QDateTime::currentDateTimeUtc().addSecs(-40);
  instance.lastHeartbeat = heartbeat;
  model.setFleet({FleetService{QStringLiteral("payments"), QStringLiteral("up"), {instance}}});
  const QModelIndex payments = model.indexOf(QStringLiteral("payments"));
  const QModelIndex row = model.index(0, FleetModel::LastHeartbeat, payments);
  const QString age = row.data().toString();
  QCOMPARE(age, display::age(heartbeat));
  // Degraded because its heartbeat is late: the change must not make the heartbeat look fresh.
  for (const char* status : {"degraded", "up"}) {
    QVERIFY(model.applyChange({QStringLiteral("payments"), QStringLiteral("payments-1"), QLatin1String(status)}));
    QCOMPARE(model.instanceAt(model.index(0, 0, payments))->lastHeartbeat, heartbeat);
    QCOMPARE(row.data().toString(), age);
    QCOMPARE(model.index(0, FleetModel::LastHeartbeat).data().toString(), age);
  }
}

void ModelsTest::alerts_FiringFirst_NewlyFiringReported_InactiveRemoved() {
  AlertsModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy fired(&model, &AlertsModel::alertFired);
  PromAlert pending{"Slow", "warning", "pending", {{"alertname", "Slow"}}, {}, QDateTime::currentDateTimeUtc(), "1"};
  PromAlert critical{"Down", "critical", "firing", {{"alertname", "Down"}}, {}, QDateTime::currentDateTimeUtc(), "1"};
  PromAlert resolved{"Old", "warning", "inactive", {{"alertname", "Old"}}, {}, QDateTime(), "0"};
  model.setAlerts({pending, critical, resolved});
  QCOMPARE(model.rowCount(), 2);
  QCOMPARE(model.alert(0).name, QStringLiteral("Down"));
  QCOMPARE(fired.count(), 1);
  model.setAlerts({pending, critical});
  QCOMPARE(fired.count(), 1);  // still firing is not news
  pending.state = QStringLiteral("firing");
  model.applyAlert(pending);
  QCOMPARE(fired.count(), 2);
  QCOMPARE(model.firingCount(), 2);
  critical.state = QStringLiteral("inactive");
  model.applyAlert(critical);
  QCOMPARE(model.rowCount(), 1);
  QCOMPARE(model.alert(0).name, QStringLiteral("Slow"));
}

void ModelsTest::alerts_SameFiringMetAgain_IsReportedOnce_ALaterFiringIsNews() {
  AlertsModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy fired(&model, &AlertsModel::alertFired);
  const QDateTime began = QDateTime::currentDateTimeUtc().addSecs(-30);
  PromAlert disk{"DiskFull", "critical", "firing", {{"alertname", "DiskFull"}}, {}, began, "1"};
  model.applyAlert(disk);  // from the stream
  QCOMPARE(fired.count(), 1);
  model.setAlerts({});  // a list read before it fired
  QCOMPARE(model.rowCount(), 0);
  model.setAlerts({disk});  // the next poll: the same firing
  QCOMPARE(model.rowCount(), 1);
  QCOMPARE(fired.count(), 1);
  PromAlert withoutStart = disk;  // an event that does not say when it began
  withoutStart.activeAt = QDateTime();
  model.setAlerts({});
  model.applyAlert(withoutStart);
  QCOMPARE(fired.count(), 1);

  disk.state = QStringLiteral("inactive");
  model.applyAlert(disk);  // resolved
  QCOMPARE(model.rowCount(), 0);
  disk.state = QStringLiteral("firing");
  disk.activeAt = began.addSecs(600);
  model.setAlerts({disk});  // it fires again later: news
  QCOMPARE(fired.count(), 2);
  // Resolved while nobody was told (the stream was down): a later start is news all the same.
  model.setAlerts({});
  disk.activeAt = began.addSecs(1200);
  model.setAlerts({disk});
  QCOMPARE(fired.count(), 3);
}

namespace {

PromAlert alertOf(const QString& name, const QString& service, const QString& state = QStringLiteral("firing")) {
  return PromAlert{name, "warning", state, {{"alertname", name}, {"severity", "warning"}, {"service", service}}, {},
                   QDateTime::currentDateTimeUtc().addSecs(-60), "1"};
}

AlertAcknowledgement acknowledgementOf(const PromAlert& alert, const QString& username, const QString& comment) {
  AlertAcknowledgement acknowledgement;
  acknowledgement.alertname = alert.name;
  acknowledgement.labels = alert.labels;
  acknowledgement.byUserId = QStringLiteral("u-") + username;
  acknowledgement.byUsername = username;
  acknowledgement.at = QDateTime::currentDateTimeUtc();
  acknowledgement.comment = comment;
  return acknowledgement;
}

int rowNamed(const AlertsModel& model, const QString& name, const QString& service) {
  for (int row = 0; row < model.rowCount(); ++row) {
    if (model.alert(row).name == name && model.alert(row).labels.value("service") == service) return row;
  }
  return -1;
}

}  // namespace

void ModelsTest::alerts_AcknowledgementsJoinedByNameAndFullLabels_ShownGreyed_NotReportedAsNews() {
  AlertsModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy fired(&model, &AlertsModel::alertFired);
  const PromAlert ordersDown = alertOf("ServiceDown", "orders");
  const PromAlert paymentsDown = alertOf("ServiceDown", "payments");
  const PromAlert slow = alertOf("SlowRequests", "gateway", "pending");
  AlertAcknowledgement onOrders = acknowledgementOf(ordersDown, "grace", "restarting it");
  // Same name, a label set that is not the alert's full one: it belongs to no listed alert.
  AlertAcknowledgement partial = acknowledgementOf(paymentsDown, "ada", "");
  partial.labels.remove("severity");
  // The gateway may leave alertname out of the labels; fromJson puts it back, so it joins.
  const AlertAcknowledgement onSlow = AlertAcknowledgement::fromJson(
      {{"alertname", "SlowRequests"}, {"labels", QJsonObject{{"severity", "warning"}, {"service", "gateway"}}},
       {"by", QJsonObject{{"userId", "u-1"}, {"username", "ada"}}}, {"at", "2024-05-01T10:04:31Z"}});

  model.setAlerts({ordersDown, paymentsDown, slow}, QVector<AlertAcknowledgement>{onOrders, partial, onSlow});
  QCOMPARE(model.rowCount(), 3);
  const int orders = rowNamed(model, "ServiceDown", "orders");
  const int payments = rowNamed(model, "ServiceDown", "payments");
  const int gateway = rowNamed(model, "SlowRequests", "gateway");
  QVERIFY(orders >= 0 && payments >= 0 && gateway >= 0);
  QVERIFY(model.index(orders, AlertsModel::Labels).data(AlertsModel::AcknowledgedRole).toBool());
  QVERIFY(!model.index(payments, AlertsModel::Labels).data(AlertsModel::AcknowledgedRole).toBool());
  QVERIFY(model.index(gateway, AlertsModel::Name).data(AlertsModel::AcknowledgedRole).toBool());
  QCOMPARE(model.acknowledgedCount(), 2);

  const QString shown = model.index(orders, AlertsModel::Acknowledged).data().toString();
  QVERIFY2(shown.startsWith("by grace at ") && shown.endsWith(": restarting it"), qPrintable(shown));
  QCOMPARE(model.index(orders, AlertsModel::Acknowledged).data(AlertsModel::RawValueRole).toString(), QStringLiteral("grace"));
  QVERIFY(model.index(payments, AlertsModel::Acknowledged).data().toString().isEmpty());
  // No comment: no dangling colon.
  QCOMPARE(model.index(gateway, AlertsModel::Acknowledged).data().toString(), "by ada at " + display::timestamp(onSlow.at));
  QCOMPARE(model.headerData(AlertsModel::Acknowledged, Qt::Horizontal).toString(), QStringLiteral("Acknowledged"));
  QVERIFY(model.index(orders, AlertsModel::Summary).data(Qt::ToolTipRole).toString().contains("restarting it"));

  // Acknowledged rows are greyed, the unacknowledged firing one keeps its severity colour.
  const auto foreground = [&](int row, int column) { return model.index(row, column).data(Qt::ForegroundRole).value<QBrush>().color(); };
  QCOMPARE(foreground(orders, AlertsModel::Severity), QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
  QCOMPARE(foreground(orders, AlertsModel::Name), QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
  QCOMPARE(foreground(payments, AlertsModel::Severity), display::severityColor("warning"));
  QVERIFY(model.index(orders, AlertsModel::Name).data(Qt::DecorationRole).value<QColor>() !=
          model.index(payments, AlertsModel::Name).data(Qt::DecorationRole).value<QColor>());

  // Two alerts started firing; only the one nobody has acknowledged is news.
  QCOMPARE(fired.count(), 1);
  QCOMPARE(fired.first().first().value<PromAlert>().labels.value("service"), QStringLiteral("payments"));
  // An acknowledged pending alert that starts firing is not news either.
  PromAlert slowFiring = slow;
  slowFiring.state = QStringLiteral("firing");
  slowFiring.acknowledgement = onSlow;
  model.applyAlert(slowFiring);
  QCOMPARE(fired.count(), 1);
  QCOMPARE(model.firingCount(), 3);
}

void ModelsTest::alerts_StreamEventsSetAndClearTheAcknowledgement_RefreshWithoutThemKeepsThem() {
  AlertsModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  const PromAlert ordersDown = alertOf("ServiceDown", "orders");
  const PromAlert paymentsDown = alertOf("ServiceDown", "payments");
  model.setAlerts({ordersDown, paymentsDown}, QVector<AlertAcknowledgement>{});
  QCOMPARE(model.acknowledgedCount(), 0);
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  QSignalSpy fired(&model, &AlertsModel::alertFired);

  // The stream's `alert` event, as the gateway sends it after an acknowledgement.
  QJsonObject event{{"alertname", "ServiceDown"}, {"state", "firing"}, {"severity", "warning"},
                    {"labels", QJsonObject{{"alertname", "ServiceDown"}, {"severity", "warning"}, {"service", "payments"}}},
                    {"annotations", QJsonObject{}}, {"activeAt", "2024-05-01T10:00:00Z"},
                    {"acknowledgement", QJsonObject{{"alertname", "ServiceDown"},
                                                    {"labels", QJsonObject{{"alertname", "ServiceDown"}, {"severity", "warning"},
                                                                           {"service", "payments"}}},
                                                    {"by", QJsonObject{{"userId", "u-2"}, {"username", "grace"}}},
                                                    {"at", "2024-05-01T10:04:31Z"}, {"comment", "on it"}}}};
  model.applyAlert(PromAlert::fromJson(event));
  QCOMPARE(model.rowCount(), 2);  // updated in place, not added
  QCOMPARE(changed.count(), 1);
  const int payments = rowNamed(model, "ServiceDown", "payments");
  const int orders = rowNamed(model, "ServiceDown", "orders");
  QVERIFY(model.alert(payments).acknowledgement.has_value());
  QCOMPARE(model.alert(payments).acknowledgement->comment, QStringLiteral("on it"));
  QVERIFY(!model.alert(orders).acknowledgement.has_value());
  QCOMPARE(fired.count(), 0);  // still firing is not news

  // A refresh whose acknowledgements could not be fetched keeps the known ones…
  model.setAlerts({ordersDown, paymentsDown});
  QVERIFY(model.alert(rowNamed(model, "ServiceDown", "payments")).acknowledgement.has_value());
  // …a refresh with them replaces them.
  model.setAlerts({ordersDown, paymentsDown}, QVector<AlertAcknowledgement>{acknowledgementOf(ordersDown, "ada", "")});
  QVERIFY(!model.alert(rowNamed(model, "ServiceDown", "payments")).acknowledgement.has_value());
  QCOMPARE(model.alert(rowNamed(model, "ServiceDown", "orders")).acknowledgement->byUsername, QStringLiteral("ada"));

  // Withdrawn: the event comes again with acknowledgement null.
  event.insert("labels", QJsonObject{{"alertname", "ServiceDown"}, {"severity", "warning"}, {"service", "orders"}});
  event.insert("acknowledgement", QJsonValue::Null);
  changed.clear();
  model.applyAlert(PromAlert::fromJson(event));
  QCOMPARE(changed.count(), 1);
  QVERIFY(!model.alert(rowNamed(model, "ServiceDown", "orders")).acknowledgement.has_value());
  QCOMPARE(model.acknowledgedCount(), 0);

  // The answer to the console's own acknowledge call sets it directly.
  QVERIFY(model.setAcknowledgement(ordersDown.key(), acknowledgementOf(ordersDown, "grace", "")));
  QVERIFY(model.index(rowNamed(model, "ServiceDown", "orders"), 0).data(AlertsModel::AcknowledgedRole).toBool());
  QVERIFY(model.setAcknowledgement(ordersDown.key(), std::nullopt));
  QCOMPARE(model.acknowledgedCount(), 0);
  QVERIFY(!model.setAcknowledgement(alertOf("ServiceDown", "users").key(), std::nullopt));
}

void ModelsTest::orderEvents_SortedAndAppendOnlyNewer() {
  OrderEventsModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  OrderEvent a;
  a.version = 2;
  a.type = "OrderConfirmed";
  OrderEvent b;
  b.version = 1;
  b.type = "OrderCreated";
  model.setEvents({a, b});
  QCOMPARE(model.events().first().version, 1);
  QVERIFY(!model.appendEvent(b));
  OrderEvent c;
  c.version = 3;
  QVERIFY(model.appendEvent(c));
  QCOMPARE(model.rowOfVersion(3), 2);
}

void ModelsTest::deadLetters_ListedAsSent_ConsumersOnce_UndecodableAndBodylessLettersMarked() {
  DeadLettersModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  std::optional<Result<DeadLetterList>> answer;
  api::listDeadLetters(client_, QString(), 500, this, [&](const Result<DeadLetterList>& result) { answer.emplace(result); });
  QVERIFY(QTest::qWaitFor([&] { return answer.has_value(); }, 5000));
  QVERIFY(answer->ok());
  model.setLetters(answer->value());
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.total(), qint64(4));
  QList<qint64> sequences;
  for (int row = 0; row < model.rowCount(); ++row) sequences << model.data(model.index(row, 0), DeadLettersModel::SequenceRole).toLongLong();
  QCOMPARE(sequences, (QList<qint64>{17, 18, 23, 31}));  // oldest first, as the gateway sent them
  QCOMPARE(model.consumers(), (QStringList{"notifications-orders", "notifications-users", "payments-users"}));
  QCOMPARE(model.rowOf(23), 2);
  QCOMPARE(model.rowOf(99), -1);
  QCOMPARE(model.data(model.index(0, DeadLettersModel::Event)).toString(), QStringLiteral("UserRegistered"));
  QCOMPARE(model.data(model.index(0, DeadLettersModel::Deliveries), DeadLettersModel::RawValueRole).toLongLong(), 5);
  // The table shows the reason on one line; the raw value (and the detail pane) keeps it whole.
  QVERIFY(!model.data(model.index(0, DeadLettersModel::Reason)).toString().contains('\n'));
  QVERIFY(model.data(model.index(0, DeadLettersModel::Reason), DeadLettersModel::RawValueRole).toString().contains('\n'));
  // Its envelope unknown, a letter is named by its subject; kept without its body, it is greyed.
  QCOMPARE(model.data(model.index(3, DeadLettersModel::Event)).toString(),
           QStringLiteral("(undecodable) fleetdeck.orders.OrderCreated"));
  QVERIFY(model.data(model.index(3, DeadLettersModel::Consumer), Qt::ForegroundRole).isValid());
  QVERIFY(!model.data(model.index(0, DeadLettersModel::Consumer), Qt::ForegroundRole).isValid());
  QVERIFY(model.data(model.index(3, 0), Qt::ToolTipRole).toString().contains("cannot be replayed"));
  QVERIFY(model.data(model.index(2, 0), Qt::ToolTipRole).toString().contains("failed again after a replay"));
  QCOMPARE(model.bodyDroppedCount("notifications-orders"), 1);
  QCOMPARE(model.bodyDroppedCount("payments-users"), 0);
  model.setLetters({});
  QCOMPARE(model.rowCount(), 0);
  QVERIFY(model.consumers().isEmpty());
}

void ModelsTest::deadLetters_ReplayedColumn_SaysWhichLettersFailedAgainAfterAReplay() {
  DeadLettersModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  DeadLetter fresh;
  fresh.sequence = 5;
  DeadLetter back;
  back.sequence = 6;
  back.replayed = true;
  model.setLetters(DeadLetterList{{fresh, back}, 2});
  QCOMPARE(model.headerData(DeadLettersModel::Replayed, Qt::Horizontal).toString(), QStringLiteral("Replayed"));
  QCOMPARE(model.data(model.index(0, DeadLettersModel::Replayed)).toString(), QStringLiteral("No"));
  QCOMPARE(model.data(model.index(1, DeadLettersModel::Replayed)).toString(), QStringLiteral("Yes"));
  // Sorted or filtered by its raw value, as the other columns are.
  QCOMPARE(model.data(model.index(0, DeadLettersModel::Replayed), DeadLettersModel::RawValueRole), QVariant(false));
  QCOMPARE(model.data(model.index(1, DeadLettersModel::Replayed), DeadLettersModel::RawValueRole), QVariant(true));
}

void ModelsTest::stateDiff_MarksChangedAddedRemovedFields() {
  StateDiffModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  // Nothing loaded yet: no "Version 0" in the headers.
  QCOMPARE(model.headerData(StateDiffModel::Before, Qt::Horizontal).toString(), QStringLiteral("Before"));
  QCOMPARE(model.headerData(StateDiffModel::After, Qt::Horizontal).toString(), QStringLiteral("After"));
  const QJsonObject before{{"status", "PENDING"}, {"version", "1"}, {"items", QJsonArray{QJsonObject{{"sku", "A"}}}},
                           {"cancelReason", "x"}};
  const QJsonObject after{{"status", "CONFIRMED"}, {"version", "2"}, {"items", QJsonArray{QJsonObject{{"sku", "A"}}}},
                          {"paymentId", "p1"}};
  model.setStates(before, after, 1, 2);
  QMap<QString, FieldDiff> byPath;
  for (const FieldDiff& diff : model.rows()) byPath.insert(diff.path, diff);
  QVERIFY(byPath["status"].changed);
  QCOMPARE(byPath["status"].before, QStringLiteral("Pending"));  // in words; the raw value is the tooltip
  QCOMPARE(byPath["status"].rawBefore, QStringLiteral("PENDING"));
  QVERIFY(!byPath["items[0].sku"].changed);
  QVERIFY(byPath["paymentId"].added);
  QVERIFY(byPath["cancelReason"].removed);
  QCOMPARE(model.changedCount(), 4);
  QCOMPARE(model.headerData(StateDiffModel::Before, Qt::Horizontal).toString(), QStringLiteral("Version 1"));
  QCOMPARE(model.headerData(StateDiffModel::After, Qt::Horizontal).toString(), QStringLiteral("Version 2"));
  QVERIFY(model.index(0, 0).data(Qt::BackgroundRole).isValid() == model.rows().first().changed);
}

void ModelsTest::stateDiff_ShowsMoneyAndLocalTimesAsTheConsoleDoes_TheRawValueInTheTooltip() {
  // Not UTC, and not a whole number of hours from it: a time shown in UTC would be caught.
  const QByteArray oldTz = qgetenv("TZ");
  qputenv("TZ", "Asia/Kolkata");
  tzset();
  const auto restore = qScopeGuard([&] {
    if (oldTz.isEmpty()) qunsetenv("TZ"); else qputenv("TZ", oldTz);
    tzset();
  });
  QCOMPARE(QDateTime::fromString("2024-03-01T10:00:00Z", Qt::ISODate).toLocalTime().time(), QTime(15, 30));

  StateDiffModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  const QJsonObject before{{"total", QJsonObject{{"currencyCode", "EUR"}, {"units", "12900"}}},
                           {"items", QJsonArray{QJsonObject{{"unitPrice", QJsonObject{{"currencyCode", "JPY"}, {"units", "1500"}}}}}},
                           {"createTime", "2024-03-01T10:00:00.123456789Z"},
                           {"updateTime", "2024-03-01T10:00:00.100Z"},
                           {"trackingNumber", "2024-03-01T10:00:00"}};  // not a timestamp: no zone
  QJsonObject after = before;
  after.insert("total", QJsonObject{{"currencyCode", "EUR"}, {"units", "13900"}});
  after.insert("updateTime", "2024-03-01T10:00:00.900Z");  // the same minute on screen
  model.setStates(before, after, 1, 2);
  QMap<QString, FieldDiff> byPath;
  for (const FieldDiff& diff : model.rows()) byPath.insert(diff.path, diff);
  // Money is one field, with its currency's decimals, not "total.units = 12900".
  QVERIFY2(!byPath.contains("total.units"), qPrintable(byPath.keys().join(", ")));
  QCOMPARE(byPath["total"].before, QStringLiteral("129.00 EUR"));
  QCOMPARE(byPath["total"].after, QStringLiteral("139.00 EUR"));
  QVERIFY(byPath["total"].changed);
  QCOMPARE(byPath["items[0].unitPrice"].after, QStringLiteral("1,500 JPY"));
  QVERIFY(!byPath["items[0].unitPrice"].changed);
  // Times in local time, as display::timestamp shows them everywhere else.
  QCOMPARE(byPath["createTime"].after, QStringLiteral("2024-03-01 15:30"));
  QCOMPARE(byPath["createTime"].after, display::timestamp(QDateTime::fromString("2024-03-01T10:00:00Z", Qt::ISODate)));
  QVERIFY(!byPath["createTime"].changed);
  // Changed is decided on the values sent: they read the same, and differ.
  QCOMPARE(byPath["updateTime"].before, byPath["updateTime"].after);
  QVERIFY(byPath["updateTime"].changed);
  QCOMPARE(byPath["trackingNumber"].after, QStringLiteral("2024-03-01T10:00:00"));
  QCOMPARE(model.changedCount(), 2);
  // The raw value is the tooltip, where the cell shows something else.
  auto rowOf = [&model](const QString& path) {
    for (int row = 0; row < model.rowCount(); ++row) {
      if (model.rows().at(row).path == path) return row;
    }
    return -1;
  };
  const int total = rowOf("total");
  QVERIFY(total >= 0);
  QCOMPARE(model.index(total, StateDiffModel::Before).data(Qt::DisplayRole).toString(), QStringLiteral("129.00 EUR"));
  QCOMPARE(model.index(total, StateDiffModel::Before).data(Qt::ToolTipRole).toString(),
           QStringLiteral("{\"currencyCode\":\"EUR\",\"units\":\"12900\"}"));
  QCOMPARE(model.index(total, StateDiffModel::After).data(StateDiffModel::RawValueRole).toString(),
           QStringLiteral("{\"currencyCode\":\"EUR\",\"units\":\"13900\"}"));
  const int created = rowOf("createTime");
  QCOMPARE(model.index(created, StateDiffModel::After).data(Qt::ToolTipRole).toString(),
           QStringLiteral("2024-03-01T10:00:00.123456789Z"));
}

void ModelsTest::decimation_KeepsSpikesEndpointsAndBudget() {
  QList<QPointF> points;
  for (int i = 0; i < 100000; ++i) points.append(QPointF(i, i == 54321 ? 1000.0 : std::sin(i / 100.0)));
  const QList<QPointF> out = decimateMinMax(points, 800);
  QVERIFY(out.size() <= 800);
  QVERIFY(out.size() >= 700);
  QCOMPARE(out.first(), points.first());
  QCOMPARE(out.last(), points.last());
  bool spike = false;
  for (int i = 1; i < out.size(); ++i) {
    QVERIFY(out[i].x() >= out[i - 1].x());
    spike = spike || out[i].y() == 1000.0;
  }
  QVERIFY(spike);
  const QList<QPointF> small{{0, 1}, {1, 2}};
  QCOMPARE(decimateMinMax(small, 800), small);
  QCOMPARE(stepForRange(86400, 720), 120);
  QCOMPARE(stepForRange(300, 720), 1);
}

namespace {

// A query_range body as Prometheus sends it: two series of `samples` samples each, one second apart;
// the first has a spike at sample 3001 and NaN, +Inf and -Inf samples among its values.
QByteArray queryRangeBody(int samples) {
  QJsonArray orders;
  QJsonArray payments;
  for (int i = 0; i < samples; ++i) {
    const double t = 1700000000 + i;
    QString value = QString::number(std::sin(i / 50.0) + 2, 'f', 4);
    if (i == 3001) value = QStringLiteral("500");
    if (i == 10) value = QStringLiteral("NaN");
    if (i == 11) value = QStringLiteral("+Inf");
    if (i == 4000) value = QStringLiteral("-Inf");
    orders.append(QJsonArray{t, value});
    payments.append(QJsonArray{t, QString::number(i % 7)});
  }
  const QJsonArray result{QJsonObject{{"metric", QJsonObject{{"service", "orders"}}}, {"values", orders}},
                          QJsonObject{{"metric", QJsonObject{{"service", "payments"}}}, {"values", payments}}};
  return QJsonDocument(QJsonObject{{"status", "success"}, {"data", QJsonObject{{"resultType", "matrix"}, {"result", result}}}})
      .toJson(QJsonDocument::Compact);
}

}  // namespace

void ModelsTest::seriesPreparer_OnTheWorker_GivesTheSamePointsAsTheGuiThreadPathDid() {
  const QByteArray body = queryRangeBody(5000);
  constexpr int kBudget = 800;
  const QDateTime start = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
  const QDateTime end = start.addSecs(5000);
  SeriesPreparer preparer;
  QSignalSpy spy(&preparer, &SeriesPreparer::prepared);
  preparer.prepareAnswers({QueryAnswer{body, {}, QStringLiteral("p99"), 1}, QueryAnswer{{}, QStringLiteral("timed out"), {}}},
                          kBudget, start, end);
  QCOMPARE(spy.count(), 0);  // handed to the worker, not done on the spot
  QVERIFY(preparer.isBusy());
  QVERIFY(spy.wait(5000));
  QVERIFY(!preparer.isBusy());
  const auto prepared = spy.takeFirst().first().value<PreparedChart>();

  // What the GUI thread used to do with the same answer: parse the reply, then decimate at replot —
  // now each run between missing samples on its own, at the step the answer was asked with.
  const PromQueryResult before = PromQueryResult::fromJson(QJsonDocument::fromJson(body).object());
  QCOMPARE(before.series.size(), 2);
  QCOMPARE(prepared.series.size(), 2);
  QCOMPARE(prepared.plotted.size(), 2);
  QCOMPARE(prepared.stepSeconds, 1);
  for (int i = 0; i < 2; ++i) {
    QCOMPARE(prepared.series[i].points, before.series[i].points);
    QCOMPARE(prepared.plotted[i], decimateSegments(before.series[i].points, 1000.0, kBudget));
    QCOMPARE(prepared.series[i].metric.value("quantile"), QStringLiteral("p99"));
  }
  QCOMPARE(prepared.plotted[1], SeriesSegments{decimateMinMax(before.series[1].points, kBudget)});  // no gap
  // NaN, +Inf and -Inf skipped, and the line broken there; decimated to the budget, spike and ends kept.
  QCOMPARE(prepared.series[0].points.size(), 4997);
  QCOMPARE(prepared.series[1].points.size(), 5000);
  const SeriesSegments& orders = prepared.plotted[0];
  QCOMPARE(orders.size(), 3);  // samples 0-9, 12-3999, 4001-4999
  qsizetype plotted = 0;
  for (const QList<QPointF>& segment : orders) plotted += segment.size();
  QVERIFY(plotted <= kBudget);
  QVERIFY(plotted >= kBudget / 2);
  QCOMPARE(orders.first().first(), QPointF(1700000000000.0, 2.0));
  QCOMPARE(orders.first().last().x(), (1700000000.0 + 9) * 1000.0);
  QCOMPARE(orders[1].first().x(), (1700000000.0 + 12) * 1000.0);
  QCOMPARE(orders.last().last().x(), (1700000000.0 + 4999) * 1000.0);
  QVERIFY(orders[1].contains(QPointF((1700000000.0 + 3001) * 1000.0, 500.0)));
  for (const QList<QPointF>& segment : orders) {
    for (const QPointF& point : segment) QVERIFY(std::isfinite(point.y()));
  }
  QCOMPARE(prepared.top, 500.0);
  QCOMPARE(prepared.errors, QStringList{"timed out"});
  QCOMPARE(prepared.start, start);
  QCOMPARE(prepared.end, end);

  // A body that is not JSON becomes an error, not a crash or an empty success.
  preparer.prepareAnswers({QueryAnswer{"<html>bad gateway</html>", {}, {}}}, kBudget, start, end);
  QVERIFY(spy.wait(5000));
  const auto malformed = spy.takeFirst().first().value<PreparedChart>();
  QVERIFY(malformed.series.isEmpty());
  QCOMPARE(malformed.errors.size(), 1);
  QVERIFY2(malformed.errors.first().startsWith("malformed answer"), qPrintable(malformed.errors.first()));
}

void ModelsTest::seriesPreparer_NewerRequest_DropsTheStaleResult() {
  const QDateTime start = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
  SeriesPreparer preparer;
  QSignalSpy spy(&preparer, &SeriesPreparer::prepared);
  // A big answer, then at once a small one for the same chart: only the small one may be shown.
  preparer.prepareAnswers({QueryAnswer{queryRangeBody(20000), {}, {}}}, 800, start, start.addSecs(20000));
  PreparedChart newer;
  PromSeries only;
  only.metric.insert("service", "newest");
  only.points = {{1.0, 1.0}, {2.0, 3.0}};
  newer.series = {only};
  preparer.fit(newer, 800);
  QVERIFY(spy.wait(5000));
  QTRY_COMPARE(preparer.droppedCount(), 1);
  QTest::qWait(50);  // time for a wrongly delivered stale result to show up
  QCOMPARE(spy.count(), 1);
  const auto shown = spy.takeFirst().first().value<PreparedChart>();
  QCOMPARE(shown.series.size(), 1);
  QCOMPARE(shown.series[0].label(), QStringLiteral("newest"));
  QCOMPARE(shown.plotted[0], SeriesSegments{only.points});
  QCOMPARE(shown.top, 3.0);
  QVERIFY(!preparer.isBusy());
}

void ModelsTest::seriesPreparer_DestroyedWhileWorking_DeliversNothing() {
  const QDateTime start = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
  int delivered = 0;
  QObject receiver;
  auto* doomed = new SeriesPreparer;
  connect(doomed, &SeriesPreparer::prepared, &receiver, [&] { ++delivered; });
  doomed->prepareAnswers({QueryAnswer{queryRangeBody(20000), {}, {}}}, 800, start, start.addSecs(20000));
  delete doomed;  // a chart closed while its data was on the worker
  // Preparation runs one job at a time, in order: once a later job is back, the abandoned one is done.
  SeriesPreparer later;
  QSignalSpy spy(&later, &SeriesPreparer::prepared);
  later.prepareAnswers({QueryAnswer{queryRangeBody(10), {}, {}}}, 800, start, start.addSecs(10));
  QVERIFY(spy.wait(5000));
  QCoreApplication::processEvents();
  QCOMPARE(delivered, 0);
  QCOMPARE(spy.first().first().value<PreparedChart>().series.size(), 2);
}

void ModelsTest::traceLayout_ParentsFirst_OrphansAndCyclesSurvive() {
  Trace trace;
  auto span = [](const char* id, const char* parent, qint64 start) {
    Span s;
    s.spanId = id;
    s.parentSpanId = parent;
    s.startTimeUnixNano = start;
    s.endTimeUnixNano = start + 10;
    return s;
  };
  trace.spans = {span("c", "b", 30), span("a", "", 0), span("b", "a", 20), span("b2", "a", 10),
                 span("orphan", "missing", 5), span("x", "y", 50), span("y", "x", 60)};
  const TraceLayout layout = layoutTrace(trace);
  QStringList order;
  QList<int> depths;
  for (const SpanRow& row : layout.rows) {
    order << trace.spans[row.spanIndex].spanId;
    depths << row.depth;
  }
  QCOMPARE(layout.rows.size(), trace.spans.size());
  QCOMPARE(order.mid(0, 4), (QStringList{"a", "b2", "b", "c"}));
  QCOMPARE(depths.mid(0, 4), (QList<int>{0, 1, 1, 2}));
  QVERIFY(order.contains("orphan") && order.contains("x") && order.contains("y"));
  QCOMPARE(layout.startNanos, 0);
  QCOMPARE(layout.endNanos, 70);
}

void ModelsTest::saga_ApplyStepEvents() {
  Saga saga;
  saga.id = "s1";
  saga.state = "RUNNING";
  const QDateTime t0 = QDateTime::currentDateTimeUtc();
  QVERIFY(!saga.apply({"other", "", "X", "started", 1, "", t0, "", ""}));
  saga.apply({"s1", "o1", "Charge", "started", 1, "", t0, "trace", ""});
  saga.apply({"s1", "o1", "Charge", "failed", 3, "declined", t0.addSecs(2), "trace", ""});
  saga.apply({"s1", "o1", "Charge", "compensating", 1, "", t0.addSecs(3), "trace", ""});
  QCOMPARE(saga.steps.size(), 2);
  QCOMPARE(saga.steps[0].state, QStringLiteral("failed"));
  QCOMPARE(saga.steps[0].attempts, 3);
  QCOMPARE(saga.steps[0].error, QStringLiteral("declined"));
  QCOMPARE(saga.steps[0].endTime, t0.addSecs(2));
  QVERIFY(saga.steps[1].compensation);
  QCOMPARE(saga.state, QStringLiteral("COMPENSATING"));
  saga.apply({"s1", "o1", "Charge", "compensated", 1, "", t0.addSecs(4), "trace", "COMPENSATED"});
  QCOMPARE(saga.steps.size(), 2);
  QCOMPARE(saga.state, QStringLiteral("COMPENSATED"));
  QCOMPARE(saga.orderId, QStringLiteral("o1"));

  // The orders service names the start createTime and adds an outcome; both are read.
  const Saga listed = Saga::fromJson({{"saga", QJsonObject{{"id", "s2"}, {"createTime", "2024-05-01T10:00:00Z"},
                                                           {"outcomeReason", "payment_declined"},
                                                           {"steps", QJsonArray{QJsonObject{{"name", "Charge"}, {"attempts", 2}}}}}}});
  QCOMPARE(listed.startTime, QDateTime(QDate(2024, 5, 1), QTime(10, 0), Qt::UTC));
  QCOMPARE(listed.outcomeReason, QStringLiteral("payment_declined"));
  QCOMPARE(listed.steps.size(), 1);
  QCOMPARE(listed.steps[0].attempts, 2);
}

void ModelsTest::promResult_SkipsNaN_ReadsVectorAndMatrix() {
  const QJsonObject matrix{{"status", "success"},
                           {"data", QJsonObject{{"resultType", "matrix"},
                                                {"result", QJsonArray{QJsonObject{{"metric", QJsonObject{{"service", "orders"}}},
                                                                                  {"values", QJsonArray{QJsonArray{1700000000.5, "1.5"},
                                                                                                        QJsonArray{1700000015, "NaN"},
                                                                                                        QJsonArray{1700000030, "+Inf"},
                                                                                                        QJsonArray{1700000045, "2"}}}}}}}}};
  const PromQueryResult result = PromQueryResult::fromJson(matrix);
  QCOMPARE(result.series.size(), 1);
  QCOMPARE(result.series[0].points.size(), 2);
  QCOMPARE(result.series[0].points[0].x(), 1700000000500.0);
  QCOMPARE(result.series[0].label(), QStringLiteral("orders"));
  const QJsonObject failed{{"status", "error"}, {"error", "parse error"}};
  QCOMPARE(PromQueryResult::fromJson(failed).errorMessage, QStringLiteral("parse error"));
  const PromAlert fromStream = PromAlert::fromJson(
      {{"alertname", "A"}, {"state", "firing"}, {"severity", "critical"}, {"labels", QJsonObject{{"service", "x"}}},
       {"activeAt", "2024-05-01T10:00:00.987654321Z"}});
  QCOMPARE(fromStream.labels.value("alertname"), QStringLiteral("A"));
  QCOMPARE(fromStream.activeAt.time().msec(), 987);
}

void ModelsTest::translations_ChineseIsLoaded_AmbiguousWordsStayApart() {
  const QString directory = qEnvironmentVariable("FLEETDECK_QM_DIR");
  if (directory.isEmpty()) QSKIP("FLEETDECK_QM_DIR not set (run through ctest)");
  QTranslator chinese;
  QVERIFY(chinese.load(QStringLiteral("fleetdeck_zh_CN"), directory));
  QCoreApplication::installTranslator(&chinese);
  // "Pending" is an order status and an alert state: one English word, two Chinese ones.
  QCOMPARE(display::orderStatus("PENDING"), QStringLiteral("待处理"));
  QCOMPARE(display::alertState("pending"), QStringLiteral("待定"));
  QCOMPARE(display::userRole("operator"), QStringLiteral("运维人员"));
  UsersModel model(client_);
  QCOMPARE(model.headerData(UsersModel::Email, Qt::Horizontal).toString(), QStringLiteral("邮箱"));
  QCoreApplication::removeTranslator(&chinese);
  QCOMPARE(display::orderStatus("PENDING"), QStringLiteral("Pending"));

  QTranslator english;
  QVERIFY(english.load(QStringLiteral("fleetdeck_en"), directory));
  QCoreApplication::installTranslator(&english);
  QCOMPARE(QCoreApplication::translate("fleetdeck::console::UsersView", "%n user(s).", nullptr, 1), QStringLiteral("1 user."));
  QCOMPARE(QCoreApplication::translate("fleetdeck::console::UsersView", "%n user(s).", nullptr, 3), QStringLiteral("3 users."));
  QCoreApplication::removeTranslator(&english);
}

void ModelsTest::fitToBudget_KeepsTheLowestPointForTheAxis() {
  // A custom deriv() query: the axis must reach below zero, or the chart cuts these points off.
  PreparedChart chart;
  PromSeries falling;
  falling.points = {{0, 3.0}, {1, -2.5}, {2, -7.0}};
  chart.series = {falling};
  const PreparedChart fitted = fitToBudget(chart, 100);
  QCOMPARE(fitted.top, 3.0);
  QCOMPARE(fitted.bottom, -7.0);
  PromSeries positive;
  positive.points = {{0, 1.0}, {1, 4.0}};
  chart.series = {positive};
  QCOMPARE(fitToBudget(chart, 100).bottom, 0.0);
}

void ModelsTest::fitToBudget_ASeriesWithATenStepHole_IsTwoSegments() {
  // A service scraped every 15 s that was down for 10 steps: Prometheus leaves those samples out.
  PreparedChart chart;
  chart.stepSeconds = 15;
  PromSeries flapping;
  for (int i = 0; i < 60; ++i) {
    if (i >= 20 && i < 30) continue;
    flapping.points.append(QPointF(1.7e12 + i * 15000.0, 10 + i % 3));
  }
  PromSeries steady;
  for (int i = 0; i < 60; ++i) steady.points.append(QPointF(1.7e12 + i * 15000.0, 4));
  chart.series = {flapping, steady};
  const PreparedChart fitted = fitToBudget(chart, 800);
  QCOMPARE(fitted.plotted.size(), 2);
  QCOMPARE(fitted.plotted[0].size(), 2);
  QCOMPARE(fitted.plotted[0][0].size(), 20);
  QCOMPARE(fitted.plotted[0][0].last().x(), 1.7e12 + 19 * 15000.0);
  QCOMPARE(fitted.plotted[0][1].first().x(), 1.7e12 + 30 * 15000.0);
  QCOMPARE(fitted.plotted[0][1].size(), 30);
  QCOMPARE(fitted.plotted[1], SeriesSegments{steady.points});
  // Timestamps a little off the grid (up to 1.5 steps apart) are no gap.
  chart.series = {steady};
  chart.series[0].points[10].rx() += 7000;
  QCOMPARE(fitToBudget(chart, 800).plotted[0].size(), 1);
  // Without a step, the closest samples stand for it.
  chart.stepSeconds = 0;
  chart.series = {flapping};
  QCOMPARE(fitToBudget(chart, 800).plotted[0].size(), 2);
}

void ModelsTest::decimation_NeverBridgesAHole_EachSegmentGetsItsShare() {
  // 10 000 samples a second apart with two holes, decimated to 200 points: min/max buckets over the
  // whole series would span the holes.
  QList<QPointF> points;
  for (int i = 0; i < 10000; ++i) {
    if ((i >= 3000 && i < 3010) || (i >= 7000 && i < 7500)) continue;
    points.append(QPointF(i * 1000.0, std::sin(i / 40.0) + (i == 5000 ? 50 : 0)));
  }
  constexpr int kBudget = 200;
  const SeriesSegments segments = decimateSegments(points, 1000.0, kBudget);
  QCOMPARE(segments.size(), 3);
  const QList<QPair<double, double>> runs{{0, 2999000}, {3010000, 6999000}, {7500000, 9999000}};
  qsizetype total = 0;
  for (int k = 0; k < 3; ++k) {
    const QList<QPointF>& segment = segments[k];
    // Each segment keeps its own ends and stays inside its run: no point, no line, in a hole.
    QCOMPARE(segment.first().x(), runs[k].first);
    QCOMPARE(segment.last().x(), runs[k].second);
    for (const QPointF& point : segment) QVERIFY(point.x() >= runs[k].first && point.x() <= runs[k].second);
    total += segment.size();
  }
  QVERIFY2(total <= kBudget, qPrintable(QString::number(total)));
  // The shares follow the samples: 3000, 3990 and 2500 of 9490.
  QVERIFY(segments[1].size() > segments[0].size());
  QVERIFY(segments[0].size() > segments[2].size());
  QVERIFY(segments[1].contains(QPointF(5000000.0, std::sin(5000 / 40.0) + 50)));  // the spike survives
  // Under the budget nothing is decimated, but the holes still split.
  QCOMPARE(decimateSegments(points.mid(0, 150), 1000.0, kBudget), SeriesSegments{points.mid(0, 150)});
  QCOMPARE(splitAtGaps({}, 1000.0), SeriesSegments{});
  QCOMPARE(splitAtGaps({QPointF(0, 1)}, 1000.0), SeriesSegments{{QPointF(0, 1)}});
}

QTEST_MAIN(ModelsTest)
#include "tst_models.moc"
