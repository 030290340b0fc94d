<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>ApiError</name>
        <message>
            <source>The gateway answered HTTP %1.</source>
            <translation>网关返回了 HTTP %1。</translation>
        </message>
        <message>
            <source>The gateway sent a response the console cannot read: %1</source>
            <translation>网关返回了控制台无法解析的响应：%1</translation>
        </message>
        <message>
            <source> [trace %1]</source>
            <translation> [追踪 %1]</translation>
        </message>
    </context>
    <context>
        <name>Dialogs</name>
        <message>
            <source>Trace id: %1</source>
            <translation>追踪 ID：%1</translation>
        </message>
    </context>
    <context>
        <name>DisplayText</name>
        <message>
            <source>out of stock</source>
            <comment>reason</comment>
            <translation>缺货</translation>
        </message>
        <message>
            <source>payment declined</source>
            <comment>reason</comment>
            <translation>支付被拒绝</translation>
        </message>
        <message>
            <source>a price changed</source>
            <comment>reason</comment>
            <translation>价格已变动</translation>
        </message>
        <message>
            <source>not enough money in the wallet</source>
            <comment>reason</comment>
            <translation>钱包余额不足</translation>
        </message>
        <message>
            <source>no wallet for this account</source>
            <comment>reason</comment>
            <translation>此账户没有钱包</translation>
        </message>
        <message>
            <source>payment declined (test fault)</source>
            <comment>reason</comment>
            <translation>支付被拒绝（测试故障）</translation>
        </message>
        <message>
            <source>customer request</source>
            <comment>reason</comment>
            <translation>客户要求</translation>
        </message>
        <message>
            <source>the order could not be placed</source>
            <comment>reason</comment>
            <translation>订单未能下单</translation>
        </message>
        <message>
            <source>cancelled while it was being placed</source>
            <comment>reason</comment>
            <translation>下单过程中被取消</translation>
        </message>
        <message>
            <source>Admin</source>
            <comment>user role</comment>
            <translation>管理员</translation>
        </message>
        <message>
            <source>Operator</source>
            <comment>user role</comment>
            <translation>运维人员</translation>
        </message>
        <message>
            <source>Customer</source>
            <comment>user role</comment>
            <translation>客户</translation>
        </message>
        <message>
            <source>Active</source>
            <comment>user status</comment>
            <translation>启用</translation>
        </message>
        <message>
            <source>Disabled</source>
            <comment>user status</comment>
            <translation>已停用</translation>
        </message>
        <message>
            <source>Pending</source>
            <comment>order status</comment>
            <translation>待处理</translation>
        </message>
        <message>
            <source>Confirmed</source>
            <comment>order status</comment>
            <translation>已确认</translation>
        </message>
        <message>
            <source>Shipped</source>
            <comment>order status</comment>
            <translation>已发货</translation>
        </message>
        <message>
            <source>Delivered</source>
            <comment>order status</comment>
            <translation>已送达</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <comment>order status</comment>
            <translation>已取消</translation>
        </message>
        <message>
            <source>Running</source>
            <comment>saga state</comment>
            <translation>运行中</translation>
        </message>
        <message>
            <source>Compensating</source>
            <comment>saga state</comment>
            <translation>补偿中</translation>
        </message>
        <message>
            <source>Completed</source>
            <comment>saga state</comment>
            <translation>已完成</translation>
        </message>
        <message>
            <source>Compensated</source>
            <comment>saga state</comment>
            <translation>已补偿</translation>
        </message>
        <message>
            <source>Failed</source>
            <comment>saga state</comment>
            <translation>失败</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>saga step state</comment>
            <translation>已开始</translation>
        </message>
        <message>
            <source>Succeeded</source>
            <comment>saga step state</comment>
            <translation>成功</translation>
        </message>
        <message>
            <source>Failed</source>
            <comment>saga step state</comment>
            <translation>失败</translation>
        </message>
        <message>
            <source>Compensating</source>
            <comment>saga step state</comment>
            <translation>补偿中</translation>
        </message>
        <message>
            <source>Compensated</source>
            <comment>saga step state</comment>
            <translation>已补偿</translation>
        </message>
        <message>
            <source>Up</source>
            <comment>service status</comment>
            <translation>正常</translation>
        </message>
        <message>
            <source>Degraded</source>
            <comment>service status</comment>
            <translation>降级</translation>
        </message>
        <message>
            <source>Down</source>
            <comment>service status</comment>
            <translation>宕机</translation>
        </message>
        <message>
            <source>Closed</source>
            <comment>circuit breaker state</comment>
            <translation>闭合</translation>
        </message>
        <message>
            <source>Open</source>
            <comment>circuit breaker state</comment>
            <translation>断开</translation>
        </message>
        <message>
            <source>Half open</source>
            <comment>circuit breaker state</comment>
            <translation>半开</translation>
        </message>
        <message>
            <source>Firing</source>
            <comment>alert state</comment>
            <translation>触发中</translation>
        </message>
        <message>
            <source>Pending</source>
            <comment>alert state</comment>
            <translation>待定</translation>
        </message>
        <message>
            <source>Inactive</source>
            <comment>alert state</comment>
            <translation>未激活</translation>
        </message>
        <message>
            <source>Critical</source>
            <comment>alert severity</comment>
            <translation>严重</translation>
        </message>
        <message>
            <source>Warning</source>
            <comment>alert severity</comment>
            <translation>警告</translation>
        </message>
        <message>
            <source>Info</source>
            <comment>alert severity</comment>
            <translation>信息</translation>
        </message>
        <message>
            <source>%1 s ago</source>
            <comment>time since</comment>
            <translation>%1 秒前</translation>
        </message>
        <message>
            <source>%1 min ago</source>
            <comment>time since</comment>
            <translation>%1 分钟前</translation>
        </message>
        <message>
            <source>%1 h ago</source>
            <comment>time since</comment>
            <translation>%1 小时前</translation>
        </message>
        <message>
            <source>%1 d ago</source>
            <comment>time since</comment>
            <translation>%1 天前</translation>
        </message>
        <message>
            <source>%1 s</source>
            <comment>duration</comment>
            <translation>%1 秒</translation>
        </message>
        <message>
            <source>%1 min %2 s</source>
            <comment>duration</comment>
            <translation>%1 分 %2 秒</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <comment>duration</comment>
            <translation>%1 小时 %2 分</translation>
        </message>
        <message>
            <source>%1 d %2 h</source>
            <comment>duration</comment>
            <translation>%1 天 %2 小时</translation>
        </message>
        <message>
            <source>%1 µs</source>
            <comment>duration</comment>
            <translation>%1 微秒</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>duration</comment>
            <translation>%1 毫秒</translation>
        </message>
        <message>
            <source>Ready</source>
            <comment>readiness status</comment>
            <translation>就绪</translation>
        </message>
        <message>
            <source>Degraded</source>
            <comment>readiness status</comment>
            <translation>降级</translation>
        </message>
        <message>
            <source>Not ready</source>
            <comment>readiness status</comment>
            <translation>未就绪</translation>
        </message>
        <message>
            <source>Unreachable</source>
            <comment>readiness status</comment>
            <translation>无法访问</translation>
        </message>
        <message>
            <source>Not polled yet</source>
            <comment>readiness status</comment>
            <translation>尚未探测</translation>
        </message>
        <message>
            <source>HTTP %1</source>
            <comment>readiness status</comment>
            <translation>HTTP %1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::AlertsModel</name>
        <message>
            <source>Active since %1</source>
            <translation>自 %1 起激活</translation>
        </message>
        <message>
            <source>Alert</source>
            <translation>告警</translation>
        </message>
        <message>
            <source>Severity</source>
            <translation>严重程度</translation>
        </message>
        <message>
            <source>State</source>
            <comment>alert state column</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Since</source>
            <translation>持续</translation>
        </message>
        <message>
            <source>Labels</source>
            <translation>标签</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>摘要</translation>
        </message>
        <message>
            <source>Acknowledged %1</source>
            <translation>已确认：%1</translation>
        </message>
        <message>
            <source>by %1 at %2</source>
            <comment>alert acknowledged by a user at a time</comment>
            <translation>%1 于 %2</translation>
        </message>
        <message>
            <source>Acknowledged</source>
            <comment>alert column</comment>
            <translation>已确认</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::AlertsView</name>
        <message>
            <source>Firing and pending</source>
            <translation>触发中和待定</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>Chart the rule's expression</source>
            <translation>绘制规则表达式</translation>
        </message>
        <message>
            <source>Sagas of that time</source>
            <translation>该时段的 Saga</translation>
        </message>
        <message>
            <source>Orders of that time</source>
            <translation>该时段的订单</translation>
        </message>
        <message numerus="yes">
            <source>%n alert(s) firing.</source>
            <translation>
                <numerusform>%n 条告警正在触发。</numerusform>
            </translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>告警</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>显示的是旧数据：上次刷新失败（%1）。</translation>
        </message>
        <message>
            <source>Could not load alerts: %1</source>
            <translation>无法加载告警：%1</translation>
        </message>
        <message>
            <source>No alerts are firing or pending.</source>
            <translation>没有触发中或待定的告警。</translation>
        </message>
        <message>
            <source>Nothing is firing. When an alert fires, select it here to see its details, chart its rule and open the sagas and orders of its time.</source>
            <translation>当前没有告警。告警触发后，在此选中它即可查看详情、绘制其规则，并打开该时段的 Saga 和订单。</translation>
        </message>
        <message>
            <source>Select an alert to see its details.</source>
            <translation>选择一条告警以查看详情。</translation>
        </message>
        <message>
            <source>Labels: %1</source>
            <translation>标签：%1</translation>
        </message>
        <message>
            <source>Expression: &lt;code&gt;%1&lt;/code&gt;</source>
            <translation>表达式：&lt;code&gt;%1&lt;/code&gt;</translation>
        </message>
        <message>
            <source>Acknowledge…</source>
            <comment>alert</comment>
            <translation>确认告警…</translation>
        </message>
        <message>
            <source>Tell the other operators that someone is on this alert</source>
            <translation>告诉其他运维人员已有人在处理此告警</translation>
        </message>
        <message>
            <source>Withdraw acknowledgement</source>
            <translation>撤回确认</translation>
        </message>
        <message numerus="yes">
            <source>%n acknowledged.</source>
            <comment>alerts</comment>
            <translation>
                <numerusform>%n 条已确认。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n pending.</source>
            <comment>alerts</comment>
            <translation>
                <numerusform>%n 条待定。</numerusform>
            </translation>
        </message>
        <message>
            <source>Acknowledgements could not be loaded: %1</source>
            <translation>无法加载告警确认：%1</translation>
        </message>
        <message>
            <source>Acknowledged %1</source>
            <translation>已确认：%1</translation>
        </message>
        <message>
            <source>Acknowledge %1</source>
            <translation>确认告警 %1</translation>
        </message>
        <message numerus="yes">
            <source>What are you doing about it? (optional, at most %n characters)</source>
            <translation>
                <numerusform>你正在如何处理？（可选，最多 %n 个字符）</numerusform>
            </translation>
        </message>
        <message>
            <source>Could not acknowledge %1</source>
            <translation>无法确认告警 %1</translation>
        </message>
        <message>
            <source>%1 is no longer active.</source>
            <translation>%1 已不再活跃。</translation>
        </message>
        <message>
            <source>Acknowledged %1.</source>
            <translation>已确认告警 %1。</translation>
        </message>
        <message>
            <source>Could not withdraw the acknowledgement of %1</source>
            <translation>无法撤回对 %1 的确认</translation>
        </message>
        <message>
            <source>Withdrew the acknowledgement of %1.</source>
            <translation>已撤回对 %1 的确认。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::CommandPalette</name>
        <message>
            <source>Command palette</source>
            <translation>命令面板</translation>
        </message>
        <message>
            <source>Type a view or an action…</source>
            <translation>输入视图或操作名称…</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::ConsoleApp</name>
        <message>
            <source>Your session has ended. Sign in again to continue.</source>
            <translation>会话已结束。请重新登录以继续。</translation>
        </message>
        <message>
            <source>%1 is not an operator or admin account.</source>
            <translation>%1 不是运维人员或管理员账号。</translation>
        </message>
        <message>
            <source>No sign-in (development)</source>
            <translation>未登录（开发模式）</translation>
        </message>
        <message>
            <source>Resuming the session of %1 at %2…</source>
            <translation>正在恢复 %1 在 %2 的会话…</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>FleetDeck console</source>
            <translation>FleetDeck 控制台</translation>
        </message>
        <message>
            <source>Resuming the session was cancelled.</source>
            <translation>已取消恢复会话。</translation>
        </message>
        <message>
            <source>Another FleetDeck console on this computer is signed in as %1. Sign in here for a session of this window&apos;s own.</source>
            <translation>此计算机上的另一个 FleetDeck 控制台已以 %1 的身份登录。请在此处单独登录，以使用本窗口自己的会话。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::CredentialStore</name>
        <message>
            <source>Keychain: %1</source>
            <translation>钥匙串：%1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::DeadLettersModel</name>
        <message>
            <source>(undecodable) %1</source>
            <comment>dead letter whose event could not be read; %1 = its subject</comment>
            <translation>（无法解析）%1</translation>
        </message>
        <message>
            <source>It failed again after a replay.</source>
            <translation>重放后再次处理失败。</translation>
        </message>
        <message>
            <source>Kept without its body: it cannot be replayed.</source>
            <translation>保存时未保留消息体：无法重放。</translation>
        </message>
        <message>
            <source>#</source>
            <comment>dead letter sequence column</comment>
            <translation>序号</translation>
        </message>
        <message>
            <source>Consumer</source>
            <translation>消费者</translation>
        </message>
        <message>
            <source>Event</source>
            <comment>dead letter column</comment>
            <translation>事件</translation>
        </message>
        <message>
            <source>Aggregate</source>
            <translation>聚合</translation>
        </message>
        <message>
            <source>Deliveries</source>
            <translation>投递次数</translation>
        </message>
        <message>
            <source>Yes</source>
            <comment>dead letter replayed before</comment>
            <translation>是</translation>
        </message>
        <message>
            <source>No</source>
            <comment>dead letter not replayed yet</comment>
            <translation>否</translation>
        </message>
        <message>
            <source>Replayed</source>
            <comment>dead letter column: replayed before and failed again</comment>
            <translation>已重放</translation>
        </message>
        <message>
            <source>Occurred</source>
            <translation>发生时间</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::DeadLettersView</name>
        <message>
            <source>All consumers</source>
            <translation>全部消费者</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>Replay…</source>
            <comment>dead letter</comment>
            <translation>重放…</translation>
        </message>
        <message>
            <source>Consumer:</source>
            <comment>dead letter filter label</comment>
            <translation>消费者：</translation>
        </message>
        <message>
            <source>Dead letters</source>
            <translation>死信</translation>
        </message>
        <message>
            <source>Loading dead letters…</source>
            <translation>正在加载死信…</translation>
        </message>
        <message>
            <source>No dead letters: every consumer has handled every event.</source>
            <translation>没有死信：每个消费者都已处理了每个事件。</translation>
        </message>
        <message>
            <source>No dead letters of %1.</source>
            <translation>%1 没有死信。</translation>
        </message>
        <message numerus="yes">
            <source>%n dead letter(s), oldest first.</source>
            <translation>
                <numerusform>共 %n 条死信，最早的在前。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n in the dead-letter stream in all.</source>
            <translation>
                <numerusform>死信流中共有 %n 条。</numerusform>
            </translation>
        </message>
        <message>
            <source>The gateway did not answer (%1). Check the connection to the gateway, then press Refresh.</source>
            <translation>网关没有响应（%1）。请检查与网关的连接，然后点击“刷新”。</translation>
        </message>
        <message>
            <source>Your account may not see dead letters: sign in as an operator or an admin.</source>
            <translation>您的账号无权查看死信：请以运维人员或管理员身份登录。</translation>
        </message>
        <message>
            <source>The gateway cannot reach the event bus (%1). Check that NATS is running and that the gateway's nats.url is set, then press Refresh.</source>
            <translation>网关无法连接事件总线（%1）。请确认 NATS 正在运行，且网关已设置 nats.url，然后点击“刷新”。</translation>
        </message>
        <message>
            <source>The gateway is busy with other dead-letter requests. Wait a moment, then press Refresh.</source>
            <translation>网关正忙于处理其他死信请求。请稍候，然后点击“刷新”。</translation>
        </message>
        <message>
            <source>Could not load the dead letters: %1. Press Refresh to try again.</source>
            <translation>无法加载死信：%1。请点击“刷新”重试。</translation>
        </message>
        <message>
            <source>Showing older data. %1</source>
            <translation>显示的是较早的数据。%1</translation>
        </message>
        <message>
            <source>Replay all of a consumer…</source>
            <translation>重放某个消费者的全部死信…</translation>
        </message>
        <message>
            <source>Replay all of %1…</source>
            <translation>重放 %1 的全部死信…</translation>
        </message>
        <message>
            <source>Only admins can replay dead letters.</source>
            <translation>只有管理员可以重放死信。</translation>
        </message>
        <message>
            <source>This letter was kept without its body and cannot be replayed.</source>
            <translation>这条死信未保留消息体，无法重放。</translation>
        </message>
        <message>
            <source>Send the selected letter again to the consumer that gave up on it</source>
            <translation>将选中的死信重新发送给放弃处理它的消费者</translation>
        </message>
        <message>
            <source>Choose a consumer, or select one of its letters, first.</source>
            <translation>请先选择一个消费者，或选中它的一条死信。</translation>
        </message>
        <message>
            <source>Send the dead letters of %1 (its oldest 500) to it again</source>
            <translation>将 %1 的死信（最早的 500 条）重新发送给它</translation>
        </message>
        <message>
            <source>When a consumer gives up on an event (its retries ran out, or it cannot read the event), the event is kept here for 14 days, until an admin replays it to that consumer.</source>
            <translation>当消费者放弃处理某个事件（重试次数用尽，或无法读取该事件）时，该事件会在这里保留 14 天，直到管理员将其重放给该消费者。</translation>
        </message>
        <message>
            <source>Select a dead letter to see its reason in full, its event and its trace id.</source>
            <translation>选择一条死信，查看完整原因、对应事件及追踪 ID。</translation>
        </message>
        <message>
            <source>Dead letter %1</source>
            <translation>死信 %1</translation>
        </message>
        <message numerus="yes">
            <source>%1 gave up on it after %n delivery(ies).</source>
            <translation>
                <numerusform>%1 在投递 %n 次后放弃了处理。</numerusform>
            </translation>
        </message>
        <message>
            <source>Its event could not be read: only the message is known.</source>
            <translation>无法读取其事件：只知道消息本身。</translation>
        </message>
        <message>
            <source>Event: %1</source>
            <translation>事件：%1</translation>
        </message>
        <message>
            <source>order &lt;a href="order:%1"&gt;%1&lt;/a&gt;</source>
            <translation>订单 &lt;a href="order:%1"&gt;%1&lt;/a&gt;</translation>
        </message>
        <message>
            <source>aggregate %1</source>
            <translation>聚合 %1</translation>
        </message>
        <message>
            <source>occurred %1</source>
            <translation>发生于 %1</translation>
        </message>
        <message>
            <source>Event id: %1</source>
            <translation>事件 ID：%1</translation>
        </message>
        <message>
            <source>Trace id: %1</source>
            <translation>追踪 ID：%1</translation>
        </message>
        <message numerus="yes">
            <source>Message %1 on %2 (stream %3), %n byte(s).</source>
            <translation>
                <numerusform>消息 %1，主题 %2（流 %3），%n 字节。</numerusform>
            </translation>
        </message>
        <message>
            <source>It failed again after a replay.</source>
            <translation>重放后再次处理失败。</translation>
        </message>
        <message>
            <source>It was kept without its body (too large), so it cannot be replayed: republish the original event from its stream position.</source>
            <translation>保存时未保留消息体（过大），因此无法重放：请从原始流中的位置重新发布原事件。</translation>
        </message>
        <message>
            <source>Replay dead letter</source>
            <translation>重放死信</translation>
        </message>
        <message>
            <source>Replay dead letter %1 (%2) to %3? Only %3 handles it again; the other consumers of its stream skip it. If it fails again, it comes back to this list.</source>
            <translation>将死信 %1（%2）重放给 %3？只有 %3 会重新处理它，其所在流的其他消费者会跳过它。如果再次失败，它会回到此列表。</translation>
        </message>
        <message>
            <source>Replay</source>
            <comment>dead letter</comment>
            <translation>重放</translation>
        </message>
        <message>
            <source>Dead letter %1 replayed to %2.</source>
            <translation>死信 %1 已重放给 %2。</translation>
        </message>
        <message>
            <source>Replay dead letters</source>
            <translation>重放死信</translation>
        </message>
        <message numerus="yes">
            <source>Replay the dead letters of %1 (%n listed here; at most its oldest 500)? Only %1 handles them again; the other consumers of their streams skip them. Letters that fail again come back to this list.</source>
            <translation>
                <numerusform>重放 %1 的死信（此处列出 %n 条；最多重放最早的 500 条）？只有 %1 会重新处理它们，其所在流的其他消费者会跳过它们。再次失败的死信会回到此列表。</numerusform>
            </translation>
        </message>
        <message>
            <source>Replay all</source>
            <translation>全部重放</translation>
        </message>
        <message numerus="yes">
            <source>%n dead letter(s) of %1 replayed.</source>
            <translation>
                <numerusform>已重放 %1 的 %n 条死信。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n letter(s) kept without a body stay(s) listed: republish them from their stream.</source>
            <translation>
                <numerusform>%n 条未保留消息体的死信仍在列表中：请从其所在流重新发布。</numerusform>
            </translation>
        </message>
        <message>
            <source>Dead letter %1 is gone: it was replayed already, or it aged out.</source>
            <translation>死信 %1 已不存在：它已被重放，或已过期。</translation>
        </message>
        <message>
            <source>Dead letter %1 was kept without its body, so it cannot be replayed: republish the original event from its stream position (docs/events.md, "Dead letters and replay").</source>
            <translation>死信 %1 未保留消息体，因此无法重放：请从原始流中的位置重新发布原事件（见 docs/events.md 的“Dead letters and replay”一节）。</translation>
        </message>
        <message>
            <source>No answer came back (%1), so the replay may or may not have happened. The list is read again: the letters still in it were not replayed.</source>
            <translation>没有收到响应（%1），重放可能已经发生，也可能没有。列表已重新读取：仍在列表中的死信未被重放。</translation>
        </message>
        <message>
            <source>Could not replay</source>
            <translation>无法重放</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::EventStream</name>
        <message>
            <source>No event or heartbeat from the gateway for %1 s.</source>
            <translation>网关已有 %1 秒没有发送任何事件或心跳。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::FleetModel</name>
        <message numerus="yes">
            <source>%1 (%n instance(s))</source>
            <comment>service name and instance count</comment>
            <translation>
                <numerusform>%1（%n 个实例）</numerusform>
            </translation>
        </message>
        <message>
            <source>%1/s</source>
            <comment>requests per second</comment>
            <translation>%1/秒</translation>
        </message>
        <message>
            <source>%1 %</source>
            <comment>error percentage</comment>
            <translation>%1 %</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>latency</comment>
            <translation>%1 毫秒</translation>
        </message>
        <message>
            <source>gRPC %1, admin %2</source>
            <translation>gRPC %1，管理端口 %2</translation>
        </message>
        <message>
            <source>Service</source>
            <translation>服务</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>service status column</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Version</source>
            <translation>版本</translation>
        </message>
        <message>
            <source>Uptime</source>
            <translation>运行时长</translation>
        </message>
        <message>
            <source>Requests</source>
            <translation>请求</translation>
        </message>
        <message>
            <source>Errors</source>
            <translation>错误</translation>
        </message>
        <message>
            <source>p99</source>
            <translation>p99</translation>
        </message>
        <message>
            <source>Heartbeat</source>
            <translation>心跳</translation>
        </message>
        <message>
            <source>Breakers</source>
            <comment>circuit breakers column</comment>
            <translation>熔断器</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::FleetView</name>
        <message>
            <source>Faults unavailable: payments is not running.</source>
            <translation>无法读取故障设置：payments 未在运行。</translation>
        </message>
        <message>
            <source>Faults unavailable: %1</source>
            <translation>无法读取故障设置：%1</translation>
        </message>
        <message>
            <source>Faults unavailable: the gateway did not answer (%1).</source>
            <translation>无法读取故障设置：网关没有应答（%1）。</translation>
        </message>
        <message>
            <source>Fault injection (local fleet)</source>
            <translation>故障注入（本地集群）</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>Stop service…</source>
            <translation>停止服务…</translation>
        </message>
        <message>
            <source>Start service</source>
            <translation>启动服务</translation>
        </message>
        <message>
            <source>Apply faults</source>
            <translation>应用故障设置</translation>
        </message>
        <message>
            <source>Check</source>
            <translation>检查项</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>readiness check status</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Latency</source>
            <translation>延迟</translation>
        </message>
        <message>
            <source>Detail</source>
            <comment>readiness check detail: its error, or when the instance started</comment>
            <translation>详情</translation>
        </message>
        <message>
            <source> ms</source>
            <comment>milliseconds suffix</comment>
            <translation> 毫秒</translation>
        </message>
        <message>
            <source>Payments declined:</source>
            <translation>支付拒绝率：</translation>
        </message>
        <message>
            <source>Payments failing:</source>
            <translation>支付失败率：</translation>
        </message>
        <message>
            <source>Added latency:</source>
            <translation>附加延迟：</translation>
        </message>
        <message>
            <source>Fleet</source>
            <translation>集群</translation>
        </message>
        <message>
            <source>Could not load the fleet: %1</source>
            <translation>无法加载集群：%1</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>显示的是旧数据：上次刷新失败（%1）。</translation>
        </message>
        <message numerus="yes">
            <source>%n service(s), %1 of %2 instances up.</source>
            <translation>
                <numerusform>%n 个服务，%2 个实例中 %1 个正常。</numerusform>
            </translation>
        </message>
        <message>
            <source>No instance running: %1.</source>
            <comment>services</comment>
            <translation>没有实例在运行：%1。</translation>
        </message>
        <message>
            <source>Updated %1.</source>
            <comment>the fleet</comment>
            <translation>更新于 %1。</translation>
        </message>
        <message>
            <source>No instance is registered: the service is stopped, or has not started yet.</source>
            <translation>没有已注册的实例：该服务已停止，或尚未启动。</translation>
        </message>
        <message>
            <source>Could not change the faults</source>
            <translation>无法修改故障设置</translation>
        </message>
        <message>
            <source>Payments now decline %1 %, fail %2 %, with %3 ms added latency.</source>
            <translation>支付现在拒绝 %1 %，失败 %2 %，附加延迟 %3 毫秒。</translation>
        </message>
        <message>
            <source>Services can only be stopped and started on a local fleet.</source>
            <translation>只有本地集群中的服务才能停止和启动。</translation>
        </message>
        <message>
            <source>Stopping %1…</source>
            <translation>正在停止 %1…</translation>
        </message>
        <message>
            <source>Starting %1…</source>
            <translation>正在启动 %1…</translation>
        </message>
        <message>
            <source>Stop service</source>
            <translation>停止服务</translation>
        </message>
        <message>
            <source>Stop every instance of %1? Sagas that need it will retry and then compensate.</source>
            <translation>停止 %1 的所有实例？依赖它的 Saga 会重试，随后执行补偿。</translation>
        </message>
        <message>
            <source>Stop</source>
            <comment>stop a service</comment>
            <translation>停止</translation>
        </message>
        <message>
            <source>started %1</source>
            <translation>启动于 %1</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>latency</comment>
            <translation>%1 毫秒</translation>
        </message>
        <message>
            <source>breaker → %1</source>
            <translation>熔断器 → %1</translation>
        </message>
        <message>
            <source>Could not stop %1</source>
            <translation>无法停止 %1</translation>
        </message>
        <message>
            <source>Could not start %1</source>
            <translation>无法启动 %1</translation>
        </message>
        <message>
            <source>%1 stopped.</source>
            <translation>%1 已停止。</translation>
        </message>
        <message>
            <source>%1 started.</source>
            <translation>%1 已启动。</translation>
        </message>
        <message>
            <source>Readiness</source>
            <translation>就绪状态</translation>
        </message>
        <message>
            <source>%1 (not critical)</source>
            <comment>readiness check</comment>
            <translation>%1（非关键）</translation>
        </message>
        <message>
            <source>Critical: the instance is not ready while this check is down.</source>
            <translation>关键：此检查失败期间，该实例处于未就绪状态。</translation>
        </message>
        <message>
            <source>Not critical: the instance stays ready, degraded, while this check is down.</source>
            <translation>非关键：此检查失败期间，该实例仍保持就绪，但处于降级状态。</translation>
        </message>
        <message>
            <source>Prometheus scrape</source>
            <translation>Prometheus 抓取</translation>
        </message>
        <message>
            <source>Prometheus cannot scrape its metrics</source>
            <translation>Prometheus 无法抓取其指标</translation>
        </message>
        <message>
            <source>Metrics unavailable: %1; requests, errors and p99 show the last values read.</source>
            <translation>指标不可用：%1；请求数、错误率和 p99 显示的是上次读取的值。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::GatewayClient</name>
        <message>
            <source>The gateway did not answer within %1 s.</source>
            <translation>网关在 %1 秒内没有响应。</translation>
        </message>
        <message>
            <source>the body is not a JSON object</source>
            <translation>响应体不是 JSON 对象</translation>
        </message>
        <message>
            <source>the sign-in answer carries no access token</source>
            <translation>登录响应中没有访问令牌</translation>
        </message>
        <message>
            <source>Signed in again.</source>
            <translation>已重新登录。</translation>
        </message>
        <message>
            <source>The session was replaced.</source>
            <translation>会话已被替换。</translation>
        </message>
        <message>
            <source>Not signed in.</source>
            <translation>未登录。</translation>
        </message>
        <message>
            <source>the refresh answer carries no access token</source>
            <translation>刷新响应中没有访问令牌</translation>
        </message>
        <message>
            <source>Signed out.</source>
            <translation>已退出登录。</translation>
        </message>
        <message>
            <source>The gateway&apos;s answer was cut off (%1).</source>
            <translation>网关的响应被截断了（%1）。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::HistoryView</name>
        <message>
            <source>Enter an order id and press Load history, or open one from Orders with Event history.</source>
            <translation>输入订单 ID 并点击“加载历史”，或在“订单”中通过“事件历史”打开。</translation>
        </message>
        <message>
            <source>Only changed fields</source>
            <translation>只显示变更的字段</translation>
        </message>
        <message>
            <source>Rebuild orders projection</source>
            <translation>重建订单投影</translation>
        </message>
        <message>
            <source>Stop watching</source>
            <translation>停止关注</translation>
        </message>
        <message>
            <source>Order id</source>
            <translation>订单 ID</translation>
        </message>
        <message>
            <source>Load history</source>
            <translation>加载历史</translation>
        </message>
        <message>
            <source>v</source>
            <comment>version prefix</comment>
            <translation>v</translation>
        </message>
        <message>
            <source>Order:</source>
            <translation>订单：</translation>
        </message>
        <message>
            <source>Previous version</source>
            <translation>上一版本</translation>
        </message>
        <message>
            <source>Next version</source>
            <translation>下一版本</translation>
        </message>
        <message>
            <source>Projection rebuild</source>
            <translation>投影重建</translation>
        </message>
        <message>
            <source>Replays every order event into a fresh read model and reports where it differs from the live one.</source>
            <translation>将全部订单事件重放到新的读模型中，并报告它与线上读模型的差异。</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Field</source>
            <translation>字段</translation>
        </message>
        <message>
            <source>Live</source>
            <comment>live projection value</comment>
            <translation>线上值</translation>
        </message>
        <message>
            <source>Rebuilt</source>
            <translation>重建值</translation>
        </message>
        <message>
            <source>No longer watching; the rebuild goes on in the gateway.</source>
            <translation>已停止关注；重建仍在网关中继续。</translation>
        </message>
        <message>
            <source>History</source>
            <comment>order event history view</comment>
            <translation>历史</translation>
        </message>
        <message>
            <source>No order %1.</source>
            <translation>没有订单 %1。</translation>
        </message>
        <message>
            <source>Could not load the history: %1</source>
            <translation>无法加载历史：%1</translation>
        </message>
        <message>
            <source>Order %1 has no events.</source>
            <translation>订单 %1 没有事件。</translation>
        </message>
        <message>
            <source>Could not load version %1: %2</source>
            <translation>无法加载版本 %1：%2</translation>
        </message>
        <message numerus="yes">
            <source>Version %1 of %2 · %3 · %n field(s) changed</source>
            <translation>
                <numerusform>版本 %1 / %2 · %3 · %n 个字段有变更</numerusform>
            </translation>
        </message>
        <message>
            <source>Rebuild projection</source>
            <translation>重建投影</translation>
        </message>
        <message>
            <source>Replay every order event into a fresh read model and compare it with the live one? The live projection keeps serving meanwhile.</source>
            <translation>将全部订单事件重放到新的读模型中，并与线上读模型比较？期间线上投影照常提供服务。</translation>
        </message>
        <message>
            <source>Rebuild</source>
            <translation>重建</translation>
        </message>
        <message>
            <source>Starting…</source>
            <translation>正在启动…</translation>
        </message>
        <message>
            <source>Could not start the rebuild: %1</source>
            <translation>无法启动重建：%1</translation>
        </message>
        <message>
            <source>Rebuild %1 running…</source>
            <translation>重建 %1 进行中…</translation>
        </message>
        <message>
            <source>The rebuilt projection matches the live one.</source>
            <translation>重建的投影与线上一致。</translation>
        </message>
        <message numerus="yes">
            <source>%n difference(s) from the live projection.</source>
            <translation>
                <numerusform>与线上投影有 %n 处差异。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Replayed %1 of %n event(s)…</source>
            <translation>
                <numerusform>已重放 %1 / %n 个事件…</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>The rebuild failed after %n event(s): %1</source>
            <translation>
                <numerusform>重建在 %n 个事件后失败：%1</numerusform>
            </translation>
        </message>
        <message>
            <source>the orders service gave no reason</source>
            <translation>订单服务未给出原因</translation>
        </message>
        <message numerus="yes">
            <source>Replayed %n event(s).</source>
            <translation>
                <numerusform>已重放 %n 个事件。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>The first %n are listed.</source>
            <translation>
                <numerusform>列出了前 %n 处。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Could not read rebuild %1 (%2); trying again in %n s.</source>
            <translation>
                <numerusform>无法读取重建 %1（%2）；%n 秒后重试。</numerusform>
            </translation>
        </message>
        <message>
            <source>Rebuild %1 is not known to the gateway (%2). The orders service may have restarted; no longer watching it.</source>
            <translation>网关不知道重建 %1（%2）。订单服务可能已重启；已停止关注。</translation>
        </message>
        <message>
            <source>Could not read rebuild %1: %2. No longer watching it.</source>
            <translation>无法读取重建 %1：%2。已停止关注。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::MainWindow</name>
        <message>
            <source>FleetDeck console</source>
            <translation>FleetDeck 控制台</translation>
        </message>
        <message>
            <source>%1 (Ctrl+%2)</source>
            <translation>%1（Ctrl+%2）</translation>
        </message>
        <message>
            <source>&amp;Console</source>
            <translation>控制台(&amp;C)</translation>
        </message>
        <message>
            <source>Command palette…</source>
            <translation>命令面板…</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>设置…</translation>
        </message>
        <message>
            <source>Toggle light/dark theme</source>
            <translation>切换浅色/深色主题</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>退出登录</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>退出</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <source>About FleetDeck console</source>
            <translation>关于 FleetDeck 控制台</translation>
        </message>
        <message>
            <source>&lt;b&gt;FleetDeck console %1&lt;/b&gt;&lt;br&gt;Operations console for the FleetDeck fleet.&lt;br&gt;Gateway: %2</source>
            <translation>&lt;b&gt;FleetDeck 控制台 %1&lt;/b&gt;&lt;br&gt;FleetDeck 服务集群的运维控制台。&lt;br&gt;网关：%2</translation>
        </message>
        <message numerus="yes">
            <source>Live updates: reconnecting in %n s</source>
            <translation>
                <numerusform>实时更新：%n 秒后重连</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 (%2)</source>
            <translation>%1（%2）</translation>
        </message>
        <message>
            <source>● Connected to %1</source>
            <translation>● 已连接 %1</translation>
        </message>
        <message>
            <source>● Offline (%1)</source>
            <translation>● 离线（%1）</translation>
        </message>
        <message>
            <source>● Connecting to %1</source>
            <translation>● 正在连接 %1</translation>
        </message>
        <message>
            <source>Live updates: on</source>
            <translation>实时更新：开启</translation>
        </message>
        <message>
            <source>Live updates: connecting…</source>
            <translation>实时更新：连接中…</translation>
        </message>
        <message>
            <source>Live updates: off</source>
            <translation>实时更新：关闭</translation>
        </message>
        <message>
            <source>Go to %1</source>
            <translation>转到%1</translation>
        </message>
        <message>
            <source>The new language applies when the console restarts.</source>
            <translation>新的语言将在控制台重启后生效。</translation>
        </message>
        <message>
            <source>Alert firing: %1 (%2)%3</source>
            <translation>告警触发：%1（%2）%3</translation>
        </message>
        <message>
            <source>FleetDeck alert</source>
            <translation>FleetDeck 告警</translation>
        </message>
        <message>
            <source>Live updates missed some events; the view was reloaded.</source>
            <translation>实时更新漏掉了一些事件，已重新加载此视图。</translation>
        </message>
        <message>
            <source>Sign in…</source>
            <translation>登录…</translation>
        </message>
        <message>
            <source>Not signed in</source>
            <translation>未登录</translation>
        </message>
        <message>
            <source>Your session has ended: what is shown is no longer updated. Sign in to continue.</source>
            <translation>您的会话已结束：显示的内容不再更新。请登录以继续。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::MetricChart</name>
        <message>
            <source>PNG</source>
            <translation>PNG</translation>
        </message>
        <message>
            <source>Save the chart as an image</source>
            <translation>将图表保存为图片</translation>
        </message>
        <message>
            <source>CSV</source>
            <translation>CSV</translation>
        </message>
        <message>
            <source>Save the chart's data as CSV</source>
            <translation>将图表数据保存为 CSV</translation>
        </message>
        <message>
            <source>No data in this range.</source>
            <translation>此时间范围内没有数据。</translation>
        </message>
        <message>
            <source>Save chart as image</source>
            <translation>保存图表图片</translation>
        </message>
        <message>
            <source>PNG images (*.png)</source>
            <translation>PNG 图片 (*.png)</translation>
        </message>
        <message>
            <source>Could not write %1.</source>
            <translation>无法写入 %1。</translation>
        </message>
        <message>
            <source>Save chart data as CSV</source>
            <translation>保存图表数据为 CSV</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::MetricsView</name>
        <message>
            <source>Request rate</source>
            <translation>请求速率</translation>
        </message>
        <message>
            <source>req/s</source>
            <translation>请求/秒</translation>
        </message>
        <message>
            <source>Error rate</source>
            <translation>错误率</translation>
        </message>
        <message>
            <source>%</source>
            <comment>percent unit</comment>
            <translation>%</translation>
        </message>
        <message>
            <source>Latency</source>
            <translation>延迟</translation>
        </message>
        <message>
            <source>ms</source>
            <comment>milliseconds unit</comment>
            <translation>毫秒</translation>
        </message>
        <message>
            <source>Custom query</source>
            <translation>自定义查询</translation>
        </message>
        <message>
            <source>Auto refresh</source>
            <translation>自动刷新</translation>
        </message>
        <message>
            <source>Run</source>
            <translation>运行</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Range:</source>
            <translation>时间范围：</translation>
        </message>
        <message>
            <source>5m</source>
            <comment>5 minutes range</comment>
            <translation>5 分钟</translation>
        </message>
        <message>
            <source>1h</source>
            <comment>1 hour range</comment>
            <translation>1 小时</translation>
        </message>
        <message>
            <source>6h</source>
            <comment>6 hours range</comment>
            <translation>6 小时</translation>
        </message>
        <message>
            <source>24h</source>
            <comment>24 hours range</comment>
            <translation>24 小时</translation>
        </message>
        <message>
            <source>Latency of:</source>
            <translation>延迟对象：</translation>
        </message>
        <message>
            <source>All services</source>
            <translation>所有服务</translation>
        </message>
        <message>
            <source>Type a PromQL query below and press Run.</source>
            <translation>在下方输入 PromQL 查询并点击“运行”。</translation>
        </message>
        <message>
            <source>PromQL, e.g. sum by (service) (rate(fleetdeck_requests_total[5m]))</source>
            <translation>PromQL，例如 sum by (service) (rate(fleetdeck_requests_total[5m]))</translation>
        </message>
        <message>
            <source>PromQL:</source>
            <translation>PromQL：</translation>
        </message>
        <message>
            <source>Refresh charts</source>
            <translation>刷新图表</translation>
        </message>
        <message>
            <source>Run a PromQL query</source>
            <translation>运行 PromQL 查询</translation>
        </message>
        <message>
            <source>Metrics</source>
            <translation>指标</translation>
        </message>
        <message>
            <source>Latency p50/p95/p99, all services</source>
            <translation>延迟 p50/p95/p99，所有服务</translation>
        </message>
        <message>
            <source>Latency p50/p95/p99, %1</source>
            <translation>延迟 p50/p95/p99，%1</translation>
        </message>
        <message>
            <source>Query failed: %1</source>
            <translation>查询失败：%1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OfflineBanner</name>
        <message>
            <source>Retry now</source>
            <translation>立即重试</translation>
        </message>
        <message>
            <source>The gateway is unreachable. Data on screen may be stale.</source>
            <translation>无法连接网关。屏幕上的数据可能已过时。</translation>
        </message>
        <message>
            <source>(%1)</source>
            <comment>reason of a connection failure</comment>
            <translation>（%1）</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message numerus="yes">
            <source>Retrying in %n s.</source>
            <comment>countdown</comment>
            <translation>
                <numerusform>%n 秒后重试。</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrderEventsModel</name>
        <message>
            <source>Version</source>
            <comment>event version column</comment>
            <translation>版本</translation>
        </message>
        <message>
            <source>Event</source>
            <translation>事件</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Actor</source>
            <translation>操作者</translation>
        </message>
        <message>
            <source>Trace</source>
            <translation>追踪</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrdersModel</name>
        <message>
            <source>Cancelled: %1</source>
            <translation>已取消：%1</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>客户</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>order status column</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Items</source>
            <comment>number of items</comment>
            <translation>件数</translation>
        </message>
        <message>
            <source>Total</source>
            <comment>order total</comment>
            <translation>总额</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>创建时间</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>更新时间</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrdersView</name>
        <message>
            <source>Created between</source>
            <translation>创建日期介于</translation>
        </message>
        <message>
            <source>Any status</source>
            <comment>order status filter</comment>
            <translation>任意状态</translation>
        </message>
        <message>
            <source>User id</source>
            <translation>用户 ID</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>New order…</source>
            <translation>新建订单…</translation>
        </message>
        <message>
            <source>Ship…</source>
            <translation>发货…</translation>
        </message>
        <message>
            <source>Mark delivered…</source>
            <translation>标记为已送达…</translation>
        </message>
        <message>
            <source>Cancel order…</source>
            <translation>取消订单…</translation>
        </message>
        <message>
            <source>Event history</source>
            <translation>事件历史</translation>
        </message>
        <message>
            <source>Saga timeline</source>
            <translation>Saga 时间线</translation>
        </message>
        <message>
            <source>SKU</source>
            <translation>SKU</translation>
        </message>
        <message>
            <source>Product</source>
            <translation>商品</translation>
        </message>
        <message>
            <source>Qty</source>
            <comment>quantity</comment>
            <translation>数量</translation>
        </message>
        <message>
            <source>Unit price</source>
            <translation>单价</translation>
        </message>
        <message>
            <source>Line total</source>
            <translation>小计</translation>
        </message>
        <message>
            <source>&lt;b&gt;Events&lt;/b&gt;</source>
            <translation>&lt;b&gt;事件&lt;/b&gt;</translation>
        </message>
        <message>
            <source>Ship order</source>
            <translation>订单发货</translation>
        </message>
        <message>
            <source>Tracking number for order %1:</source>
            <translation>订单 %1 的运单号：</translation>
        </message>
        <message>
            <source>Mark delivered</source>
            <translation>标记为已送达</translation>
        </message>
        <message>
            <source>Mark order %1 as delivered?</source>
            <translation>将订单 %1 标记为已送达？</translation>
        </message>
        <message>
            <source>Cancel order</source>
            <translation>取消订单</translation>
        </message>
        <message>
            <source>Why is order %1 cancelled? Payment is refunded and stock released.</source>
            <translation>取消订单 %1 的原因？款项将退回，库存将释放。</translation>
        </message>
        <message>
            <source>Ship</source>
            <comment>order action button</comment>
            <translation>发货</translation>
        </message>
        <message>
            <source>Enter the tracking number.</source>
            <translation>请输入运单号。</translation>
        </message>
        <message>
            <source>Enter why the order is cancelled.</source>
            <translation>请输入取消订单的原因。</translation>
        </message>
        <message>
            <source>No answer arrived (%1). The order may have been changed already: press "%2" again to retry. The gateway recognises the retry and does not change the order twice.</source>
            <translation>没有收到响应（%1）。订单可能已经被修改：请再次点击“%2”重试。网关能识别这次重试，不会重复修改订单。</translation>
        </message>
        <message numerus="yes">
            <source>%n order(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>已加载 %n 个订单；向下滚动加载更多。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n order(s).</source>
            <translation>
                <numerusform>%n 个订单。</numerusform>
            </translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>显示的是旧数据：上次刷新失败（%1）。</translation>
        </message>
        <message>
            <source>Could not load orders: %1</source>
            <translation>无法加载订单：%1</translation>
        </message>
        <message>
            <source>Orders</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Order %1: %2</source>
            <translation>订单 %1：%2</translation>
        </message>
        <message>
            <source>Select an order to see its details.</source>
            <translation>选择一个订单以查看详情。</translation>
        </message>
        <message>
            <source>Order %1</source>
            <translation>订单 %1</translation>
        </message>
        <message>
            <source>Customer: %1 &amp;lt;%2&amp;gt;</source>
            <translation>客户：%1 &amp;lt;%2&amp;gt;</translation>
        </message>
        <message>
            <source>Customer: %1</source>
            <translation>客户：%1</translation>
        </message>
        <message>
            <source>Created %1 · updated %2 · version %3</source>
            <translation>创建于 %1 · 更新于 %2 · 版本 %3</translation>
        </message>
        <message>
            <source>Saga: &lt;a href="saga:%1"&gt;%1&lt;/a&gt;</source>
            <translation>Saga：&lt;a href="saga:%1"&gt;%1&lt;/a&gt;</translation>
        </message>
        <message>
            <source>Not available right now: %1</source>
            <translation>暂时无法获取：%1</translation>
        </message>
        <message>
            <source>&lt;b&gt;Total: %1&lt;/b&gt;</source>
            <translation>&lt;b&gt;总额：%1&lt;/b&gt;</translation>
        </message>
        <message>
            <source>Tracking number: %1</source>
            <translation>运单号：%1</translation>
        </message>
        <message>
            <source>Cancelled because: %1</source>
            <translation>取消原因：%1</translation>
        </message>
        <message>
            <source>Cancel reason: %1</source>
            <comment>the code as the fleet sent it</comment>
            <translation>取消原因代码：%1</translation>
        </message>
        <message>
            <source>Decline reason: %1</source>
            <comment>the code as the fleet sent it</comment>
            <translation>支付被拒原因代码：%1</translation>
        </message>
        <message>
            <source>The order was not changed</source>
            <translation>订单未被修改</translation>
        </message>
        <message>
            <source>Order %1 is no longer in a state that allows this: %2</source>
            <translation>订单 %1 当前的状态不允许此操作：%2</translation>
        </message>
        <message>
            <source>Order %1 changed after you chose this. Look at it again and retry if it still applies.</source>
            <translation>订单 %1 在您选择此操作后已发生变化。请重新查看，如仍需要再重试。</translation>
        </message>
        <message>
            <source>New order</source>
            <translation>新建订单</translation>
        </message>
        <message>
            <source>One line per product: &lt;product id&gt; &lt;quantity&gt;</source>
            <translation>每行一个商品：&lt;商品 ID&gt; &lt;数量&gt;</translation>
        </message>
        <message>
            <source>Place order</source>
            <translation>下单</translation>
        </message>
        <message>
            <source>&amp;Customer:</source>
            <translation>客户(&amp;C)：</translation>
        </message>
        <message>
            <source>&amp;Items:</source>
            <translation>商品(&amp;I)：</translation>
        </message>
        <message>
            <source>Cannot read "%1": write a product id and a quantity.</source>
            <translation>无法识别“%1”：请填写商品 ID 和数量。</translation>
        </message>
        <message>
            <source>Enter the customer and at least one product.</source>
            <translation>请填写客户和至少一个商品。</translation>
        </message>
        <message>
            <source>Order %1 placed; its saga is running.</source>
            <translation>订单 %1 已提交；其 Saga 正在运行。</translation>
        </message>
        <message>
            <source>Order %1 shipped.</source>
            <translation>订单 %1 已发货。</translation>
        </message>
        <message>
            <source>Order %1 marked delivered.</source>
            <translation>订单 %1 已标记为送达。</translation>
        </message>
        <message>
            <source>Order %1 cancelled.</source>
            <translation>订单 %1 已取消。</translation>
        </message>
        <message>
            <source>Orders created between %1 and %2.</source>
            <translation>创建于 %1 至 %2 之间的订单。</translation>
        </message>
        <message>
            <source>charged</source>
            <comment>payment status</comment>
            <translation>已扣款</translation>
        </message>
        <message>
            <source>declined</source>
            <comment>payment status</comment>
            <translation>已拒绝</translation>
        </message>
        <message>
            <source>refunded</source>
            <comment>payment status</comment>
            <translation>已退款</translation>
        </message>
        <message>
            <source>Payment: not available right now (%1)</source>
            <translation>支付：暂时无法获取（%1）</translation>
        </message>
        <message>
            <source>Payment: %1 %2 · %3</source>
            <translation>支付：%1 %2 · %3</translation>
        </message>
        <message>
            <source>Could not load order %1: %2</source>
            <translation>无法加载订单 %1：%2</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SagaTimelineWidget</name>
        <message>
            <source>Select a saga to see its steps.</source>
            <translation>选择一个 Saga 以查看其步骤。</translation>
        </message>
        <message numerus="yes">
            <source>%n attempt(s)</source>
            <comment>saga step retries</comment>
            <translation>
                <numerusform>%n 次尝试</numerusform>
            </translation>
        </message>
        <message>
            <source>No steps recorded yet.</source>
            <translation>尚无步骤记录。</translation>
        </message>
        <message>
            <source> (compensation)</source>
            <translation>（补偿）</translation>
        </message>
        <message>
            <source>State: %1</source>
            <translation>状态：%1</translation>
        </message>
        <message>
            <source>Attempts: %1</source>
            <translation>尝试次数：%1</translation>
        </message>
        <message>
            <source>Started: %1</source>
            <translation>开始：%1</translation>
        </message>
        <message>
            <source>Ended: %1</source>
            <translation>结束：%1</translation>
        </message>
        <message>
            <source>Error: %1</source>
            <translation>错误：%1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SagasModel</name>
        <message>
            <source>Saga</source>
            <translation>Saga</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>State</source>
            <comment>saga state column</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Current step</source>
            <translation>当前步骤</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>start time column</comment>
            <translation>开始时间</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>更新时间</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SagasView</name>
        <message>
            <source>All states</source>
            <comment>saga state filter</comment>
            <translation>所有状态</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>State:</source>
            <comment>saga state filter label</comment>
            <translation>状态：</translation>
        </message>
        <message>
            <source>Click a step to see its details and the order events it produced.</source>
            <translation>点击一个步骤，查看其详情以及它产生的订单事件。</translation>
        </message>
        <message numerus="yes">
            <source>%n saga(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>已加载 %n 个 Saga；向下滚动加载更多。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n saga(s).</source>
            <translation>
                <numerusform>%n 个 Saga。</numerusform>
            </translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>显示的是旧数据：上次刷新失败（%1）。</translation>
        </message>
        <message>
            <source>Could not load sagas: %1</source>
            <translation>无法加载 Saga：%1</translation>
        </message>
        <message>
            <source>Sagas</source>
            <translation>Saga</translation>
        </message>
        <message>
            <source>Saga %1: %2</source>
            <translation>Saga %1：%2</translation>
        </message>
        <message>
            <source>This saga has no trace id.</source>
            <translation>此 Saga 没有追踪 ID。</translation>
        </message>
        <message>
            <source>Saga &lt;b&gt;%1&lt;/b&gt; for order &lt;a href="order:%2"&gt;%2&lt;/a&gt;</source>
            <translation>订单 &lt;a href="order:%2"&gt;%2&lt;/a&gt; 的 Saga &lt;b&gt;%1&lt;/b&gt;</translation>
        </message>
        <message>
            <source>trace</source>
            <translation>追踪</translation>
        </message>
        <message>
            <source> (compensation)</source>
            <translation>（补偿）</translation>
        </message>
        <message>
            <source>Order events produced: %1</source>
            <translation>产生的订单事件：%1</translation>
        </message>
        <message>
            <source>Outcome: %1</source>
            <translation>结果：%1</translation>
        </message>
        <message>
            <source>Span %1</source>
            <translation>Span %1</translation>
        </message>
        <message>
            <source>Sagas started between %1 and %2 · &lt;a href=&quot;all&quot;&gt;Show all&lt;/a&gt;</source>
            <translation>开始于 %1 至 %2 之间的 Saga · &lt;a href=&quot;all&quot;&gt;显示全部&lt;/a&gt;</translation>
        </message>
        <message>
            <source>In the trace: %1</source>
            <translation>追踪中：%1</translation>
        </message>
        <message>
            <source>Could not load saga %1: %2</source>
            <translation>无法加载 Saga %1：%2</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SettingsDialog</name>
        <message>
            <source>Keeps a refresh token in the system keychain; never your password.</source>
            <translation>在系统钥匙串中保存刷新令牌；绝不保存您的密码。</translation>
        </message>
        <message>
            <source>No system keychain is available, so nothing is remembered.</source>
            <translation>没有可用的系统钥匙串，因此不会记住任何信息。</translation>
        </message>
        <message>
            <source>Remember my sign-in</source>
            <translation>记住我的登录</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <source>Light</source>
            <comment>theme</comment>
            <translation>浅色</translation>
        </message>
        <message>
            <source>Dark</source>
            <comment>theme</comment>
            <translation>深色</translation>
        </message>
        <message>
            <source> s</source>
            <comment>seconds suffix</comment>
            <translation> 秒</translation>
        </message>
        <message>
            <source>&amp;Gateway URL:</source>
            <translation>网关地址(&amp;G)：</translation>
        </message>
        <message>
            <source>&amp;Language:</source>
            <translation>语言(&amp;L)：</translation>
        </message>
        <message>
            <source>&amp;Theme:</source>
            <translation>主题(&amp;T)：</translation>
        </message>
        <message>
            <source>&amp;Refresh every:</source>
            <translation>刷新间隔(&amp;R)：</translation>
        </message>
        <message>
            <source>A new language or gateway URL applies the next time the console starts.</source>
            <translation>新的语言或网关地址将在下次启动控制台时生效。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SignInDialog</name>
        <message>
            <source>&amp;Remember my sign-in</source>
            <translation>记住我的登录(&amp;R)</translation>
        </message>
        <message>
            <source>Sign in to FleetDeck</source>
            <translation>登录 FleetDeck</translation>
        </message>
        <message>
            <source>Keeps a refresh token in the system keychain; never your password.</source>
            <translation>在系统钥匙串中保存刷新令牌；绝不保存您的密码。</translation>
        </message>
        <message>
            <source>No system keychain is available, so nothing is remembered.</source>
            <translation>没有可用的系统钥匙串，因此不会记住任何信息。</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>登录</translation>
        </message>
        <message>
            <source>&amp;Gateway URL:</source>
            <translation>网关地址(&amp;G)：</translation>
        </message>
        <message>
            <source>&amp;User:</source>
            <translation>用户(&amp;U)：</translation>
        </message>
        <message>
            <source>&amp;Password:</source>
            <translation>密码(&amp;P)：</translation>
        </message>
        <message>
            <source>&lt;b&gt;FleetDeck console&lt;/b&gt;&lt;br&gt;Sign in with an operator or admin account.</source>
            <translation>&lt;b&gt;FleetDeck 控制台&lt;/b&gt;&lt;br&gt;请使用运维人员或管理员账号登录。</translation>
        </message>
        <message>
            <source>Sign-in cancelled.</source>
            <translation>已取消登录。</translation>
        </message>
        <message>
            <source>Enter the gateway address, for example http://127.0.0.1:8080.</source>
            <translation>请输入网关地址，例如 http://127.0.0.1:8080。</translation>
        </message>
        <message>
            <source>Enter your user name and password.</source>
            <translation>请输入用户名和密码。</translation>
        </message>
        <message>
            <source>Wrong user name or password.</source>
            <translation>用户名或密码错误。</translation>
        </message>
        <message numerus="yes">
            <source>Too many attempts. Try again in %n second(s).</source>
            <translation>
                <numerusform>尝试次数过多。请在 %n 秒后重试。</numerusform>
            </translation>
        </message>
        <message>
            <source>Too many attempts. Wait a little and try again.</source>
            <translation>尝试次数过多。请稍后再试。</translation>
        </message>
        <message>
            <source>Cannot reach the gateway: %1. Check the gateway address, and that the gateway is running.</source>
            <translation>无法连接网关：%1。请检查网关地址，并确认网关正在运行。</translation>
        </message>
        <message>
            <source>This console is for operators and admins; %1 is a %2 account.</source>
            <translation>此控制台仅供运维人员和管理员使用；%1 是%2账号。</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::StateDiffModel</name>
        <message>
            <source>After</source>
            <translation>之后</translation>
        </message>
        <message>
            <source>Field</source>
            <translation>字段</translation>
        </message>
        <message>
            <source>Version %1</source>
            <comment>order version</comment>
            <translation>版本 %1</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>之前</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracePane</name>
        <message>
            <source>Loading trace %1…</source>
            <translation>正在加载追踪 %1…</translation>
        </message>
        <message>
            <source>Trace %1 is not in the trace store (it may have expired).</source>
            <translation>追踪存储中没有追踪 %1（可能已过期）。</translation>
        </message>
        <message>
            <source>This gateway keeps no traces: tracing is off there, so trace %1 cannot be shown (press %2 once it is on). The gateway said: %3</source>
            <translation>此网关不保存追踪：那里未开启追踪，因此无法显示追踪 %1（开启后请点击“%2”）。网关返回：%3</translation>
        </message>
        <message>
            <source>Trace %1 was not found, but some gateway replicas did not answer; try again (press %2). The gateway said: %3</source>
            <translation>未找到追踪 %1，但有网关副本没有应答；请重试（点击“%2”）。网关返回：%3</translation>
        </message>
        <message>
            <source>Could not load trace %1: %2. Press %3 to try again.</source>
            <translation>无法加载追踪 %1：%2。请点击“%3”重试。</translation>
        </message>
        <message numerus="yes">
            <source>Could not load trace %1: %2. Trying again in %n second(s) (or press %3).</source>
            <translation>
                <numerusform>无法加载追踪 %1：%2。将在 %n 秒后自动重试（也可点击“%3”立即重试）。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n gateway replica(s) did not answer: the spans they hold are missing from this trace.</source>
            <translation>
                <numerusform>%n 个网关副本没有应答：它们持有的 span 不在此追踪中。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Trace %1 was not found, but some gateway replicas did not answer; trying again in %n second(s) (or press %2). The gateway said: %3</source>
            <translation>
                <numerusform>未找到追踪 %1，但有网关副本没有应答；将在 %n 秒后自动重试（也可点击“%2”立即重试）。网关返回：%3</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TraceWaterfallWidget</name>
        <message>
            <source>No trace loaded.</source>
            <translation>未加载追踪。</translation>
        </message>
        <message numerus="yes">
            <source>Trace %1 · %n span(s)</source>
            <translation>
                <numerusform>追踪 %1 · %n 个 Span</numerusform>
            </translation>
        </message>
        <message>
            <source>Duration: %1</source>
            <translation>耗时：%1</translation>
        </message>
        <message>
            <source>Status: %1</source>
            <comment>span status</comment>
            <translation>状态：%1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracesModel</name>
        <message>
            <source>Error</source>
            <comment>trace with a failed span</comment>
            <translation>错误</translation>
        </message>
        <message>
            <source>Trace %1</source>
            <translation>追踪 %1</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>trace column</comment>
            <translation>开始时间</translation>
        </message>
        <message>
            <source>Root service</source>
            <translation>根服务</translation>
        </message>
        <message>
            <source>Root span</source>
            <translation>根 span</translation>
        </message>
        <message>
            <source>Duration</source>
            <comment>trace column</comment>
            <translation>耗时</translation>
        </message>
        <message>
            <source>Spans</source>
            <translation>Span 数</translation>
        </message>
        <message>
            <source>Error</source>
            <comment>trace column: a span failed</comment>
            <translation>错误</translation>
        </message>
        <message>
            <source>Services</source>
            <translation>服务</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracesView</name>
        <message>
            <source>All services</source>
            <comment>trace service filter</comment>
            <translation>所有服务</translation>
        </message>
        <message>
            <source>All operations</source>
            <comment>trace operation filter</comment>
            <translation>操作不限</translation>
        </message>
        <message>
            <source>Only traces whose root span has this name, e.g. POST /api/v1/orders</source>
            <translation>只列出根 span 为此名称的追踪，例如 POST /api/v1/orders</translation>
        </message>
        <message>
            <source>Operation:</source>
            <comment>trace filter label: the root span's name</comment>
            <translation>操作：</translation>
        </message>
        <message>
            <source> ms</source>
            <comment>minimum trace duration</comment>
            <translation> 毫秒</translation>
        </message>
        <message>
            <source>Any</source>
            <comment>minimum trace duration of 0</comment>
            <translation>不限</translation>
        </message>
        <message>
            <source>Search</source>
            <comment>traces</comment>
            <translation>搜索</translation>
        </message>
        <message>
            <source>List the newest traces that match the filters</source>
            <translation>列出符合筛选条件的最新追踪</translation>
        </message>
        <message>
            <source>Service:</source>
            <comment>trace filter label</comment>
            <translation>服务：</translation>
        </message>
        <message>
            <source>At least:</source>
            <comment>trace minimum duration label</comment>
            <translation>至少：</translation>
        </message>
        <message>
            <source>Show:</source>
            <comment>how many traces to list</comment>
            <translation>显示：</translation>
        </message>
        <message>
            <source>Select a trace to see its spans.</source>
            <translation>选择一条追踪以查看其 span。</translation>
        </message>
        <message>
            <source>Traces</source>
            <translation>追踪</translation>
        </message>
        <message>
            <source>Loading traces…</source>
            <translation>正在加载追踪…</translation>
        </message>
        <message numerus="yes">
            <source>%n gateway replica(s) did not answer: the traces they hold are missing from this list.</source>
            <translation>
                <numerusform>%n 个网关副本没有应答：它们持有的追踪不在此列表中。</numerusform>
            </translation>
        </message>
        <message>
            <source>No traces match these filters.</source>
            <translation>没有符合这些筛选条件的追踪。</translation>
        </message>
        <message numerus="yes">
            <source>The newest %n trace(s); older ones may match too: raise the limit to see them.</source>
            <translation>
                <numerusform>最新的 %n 条追踪；更早的追踪也可能符合条件：提高显示数量即可查看。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n trace(s), newest first.</source>
            <translation>
                <numerusform>%n 条追踪，最新的在前。</numerusform>
            </translation>
        </message>
        <message>
            <source>The gateway did not answer (%1). Check the connection to the gateway, then press Search.</source>
            <translation>网关没有响应（%1）。请检查与网关的连接，然后点击“搜索”。</translation>
        </message>
        <message>
            <source>Your account may not see traces: sign in as an operator or an admin.</source>
            <translation>您的账号无权查看追踪：请以运维人员或管理员身份登录。</translation>
        </message>
        <message>
            <source>The gateway refused the filters: %1</source>
            <translation>网关拒绝了这些筛选条件：%1</translation>
        </message>
        <message>
            <source>This gateway keeps no traces: tracing is off there ([traces] enabled in its configuration). Press Search once it is on. The gateway said: %1</source>
            <translation>此网关不保存追踪：其追踪功能已关闭（配置中的 [traces] enabled）。开启后请点击“搜索”。网关的回答：%1</translation>
        </message>
        <message>
            <source>Could not load the traces: %1. Press Search to try again.</source>
            <translation>无法加载追踪：%1。请点击“搜索”重试。</translation>
        </message>
        <message>
            <source>Showing older data. %1</source>
            <translation>显示的是较早的数据。%1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UserEditDialog</name>
        <message>
            <source>New user</source>
            <translation>新建用户</translation>
        </message>
        <message>
            <source>Edit %1</source>
            <translation>编辑 %1</translation>
        </message>
        <message>
            <source>3-32 characters: a-z, 0-9, '.', '_', '-'</source>
            <translation>3-32 个字符：a-z、0-9、'.'、'_'、'-'</translation>
        </message>
        <message>
            <source>&amp;Username:</source>
            <translation>用户名(&amp;U)：</translation>
        </message>
        <message>
            <source>&amp;Display name:</source>
            <translation>显示名称(&amp;D)：</translation>
        </message>
        <message>
            <source>&amp;Email:</source>
            <translation>邮箱(&amp;E)：</translation>
        </message>
        <message>
            <source>&amp;Role:</source>
            <translation>角色(&amp;R)：</translation>
        </message>
        <message>
            <source>12-128 characters</source>
            <translation>12-128 个字符</translation>
        </message>
        <message>
            <source>&amp;Password:</source>
            <translation>密码(&amp;P)：</translation>
        </message>
        <message>
            <source>&amp;Status:</source>
            <translation>状态(&amp;S)：</translation>
        </message>
        <message>
            <source>Create</source>
            <translation>创建</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>No answer arrived (%1). The user may have been created already: press "%2" again to retry. The gateway recognises the retry and does not create a second user.</source>
            <translation>没有收到响应（%1）。用户可能已经创建：请再次点击“%2”重试。网关能识别这次重试，不会再创建第二个用户。</translation>
        </message>
        <message>
            <source>This dialog already created a user with the details it sent before (that answer was lost), so the changed details were not used. Close it and refresh the list to find that user.</source>
            <translation>此对话框已用之前发送的信息创建了一个用户（那次的响应丢失了），因此没有使用修改后的信息。请关闭此对话框并刷新列表以找到该用户。</translation>
        </message>
        <message>
            <source>Reloaded: this is the user as saved now (version %1).</source>
            <translation>已重新加载：这是该用户当前保存的内容（版本 %1）。</translation>
        </message>
        <message>
            <source>These details were sent already; the retry must send the same details (the password too). Open a new dialog for another user.</source>
            <translation>这些信息已经发送过；重试必须发送相同的信息（密码也一样）。如需创建其他用户，请打开新的对话框。</translation>
        </message>
        <message>
            <source>Someone else changed this user</source>
            <translation>其他人修改了此用户</translation>
        </message>
        <message>
            <source>%1 was changed by someone else after you opened it, so your edit was not saved (nothing was overwritten).</source>
            <translation>在您打开 %1 之后，其他人修改了它，因此您的编辑未保存（没有覆盖任何内容）。</translation>
        </message>
        <message>
            <source>Reload to see the current values, then make your change again.</source>
            <translation>请重新加载以查看当前值，然后再次进行修改。</translation>
        </message>
        <message>
            <source>Trace id: %1</source>
            <translation>追踪 ID：%1</translation>
        </message>
        <message>
            <source>Reload</source>
            <translation>重新加载</translation>
        </message>
        <message>
            <source>Keep my edits</source>
            <translation>保留我的编辑</translation>
        </message>
        <message>
            <source>Please correct the fields marked above.</source>
            <translation>请更正上面标出的字段。</translation>
        </message>
        <message>
            <source>That username or email is already taken.</source>
            <translation>该用户名或邮箱已被占用。</translation>
        </message>
        <message>
            <source>Save these changes to %1?</source>
            <translation>保存对 %1 的这些修改？</translation>
        </message>
        <message>
            <source>Role: %1 → %2</source>
            <translation>角色：%1 → %2</translation>
        </message>
        <message>
            <source>Status: %1 → %2</source>
            <translation>状态：%1 → %2</translation>
        </message>
        <message>
            <source>They can no longer sign in; their history stays.</source>
            <translation>该用户将无法登录；其历史记录会保留。</translation>
        </message>
        <message>
            <source>Change %1</source>
            <translation>修改 %1</translation>
        </message>
        <message>
            <source>%1 changed after you opened it, perhaps by your own earlier save whose answer was lost, so this edit was not saved again (nothing was overwritten).</source>
            <translation>在您打开 %1 之后它已被修改，可能正是您之前那次响应丢失的保存，因此这次编辑没有再次保存（没有覆盖任何内容）。</translation>
        </message>
        <message>
            <source>This user changed</source>
            <translation>此用户已被修改</translation>
        </message>
        <message>
            <source>The change may have been saved</source>
            <translation>修改可能已经保存</translation>
        </message>
        <message>
            <source>No answer arrived (%1), so the console cannot tell whether your change to %2 was saved. It may well have been.</source>
            <translation>没有收到响应（%1），因此控制台无法判断您对 %2 的修改是否已保存。很可能已经保存。</translation>
        </message>
        <message>
            <source>Reload to see %1 as saved now: if your change is there, nothing more is needed.</source>
            <translation>请重新加载以查看 %1 当前保存的内容：如果您的修改已在其中，则无需再做任何操作。</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UsersModel</name>
        <message>
            <source>Username</source>
            <translation>用户名</translation>
        </message>
        <message>
            <source>Display name</source>
            <translation>显示名称</translation>
        </message>
        <message>
            <source>Email</source>
            <translation>邮箱</translation>
        </message>
        <message>
            <source>Role</source>
            <comment>user role column</comment>
            <translation>角色</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>user status column</comment>
            <translation>状态</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>更新时间</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UsersView</name>
        <message>
            <source>Search by name, user name or email</source>
            <translation>按姓名、用户名或邮箱搜索</translation>
        </message>
        <message>
            <source>All roles</source>
            <translation>所有角色</translation>
        </message>
        <message>
            <source>Any status</source>
            <comment>user status filter</comment>
            <translation>任意状态</translation>
        </message>
        <message>
            <source>New user…</source>
            <translation>新建用户…</translation>
        </message>
        <message>
            <source>Edit…</source>
            <comment>edit a user</comment>
            <translation>编辑…</translation>
        </message>
        <message>
            <source>Disable…</source>
            <comment>disable a user account</comment>
            <translation>停用…</translation>
        </message>
        <message>
            <source>Reset password…</source>
            <translation>重置密码…</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>Users: %1</source>
            <translation>用户：%1</translation>
        </message>
        <message>
            <source>Users</source>
            <translation>用户</translation>
        </message>
        <message>
            <source>Loading users…</source>
            <translation>正在加载用户…</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>显示的是旧数据：上次刷新失败（%1）。</translation>
        </message>
        <message>
            <source>Could not load users: %1</source>
            <translation>无法加载用户：%1</translation>
        </message>
        <message numerus="yes">
            <source>%n user(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>已加载 %n 个用户；向下滚动加载更多。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n user(s).</source>
            <translation>
                <numerusform>%n 个用户。</numerusform>
            </translation>
        </message>
        <message>
            <source>Created user %1.</source>
            <translation>已创建用户 %1。</translation>
        </message>
        <message>
            <source>Saved %1.</source>
            <translation>已保存 %1。</translation>
        </message>
        <message>
            <source>Disable user</source>
            <translation>停用用户</translation>
        </message>
        <message>
            <source>Disable %1? They can no longer sign in; their history stays.</source>
            <translation>停用 %1？该用户将无法登录；其历史记录会保留。</translation>
        </message>
        <message>
            <source>Disable</source>
            <comment>disable a user account</comment>
            <translation>停用</translation>
        </message>
        <message>
            <source>Could not disable the user</source>
            <translation>无法停用该用户</translation>
        </message>
        <message>
            <source>Disabled %1.</source>
            <translation>已停用 %1。</translation>
        </message>
        <message>
            <source>Reset password</source>
            <translation>重置密码</translation>
        </message>
        <message>
            <source>Give %1 a new temporary password? Their current password stops working.</source>
            <translation>为 %1 生成新的临时密码？其当前密码将失效。</translation>
        </message>
        <message>
            <source>Could not reset the password</source>
            <translation>无法重置密码</translation>
        </message>
        <message>
            <source>Temporary password</source>
            <translation>临时密码</translation>
        </message>
        <message>
            <source>The temporary password of %1 is shown once:</source>
            <translation>%1 的临时密码仅显示一次：</translation>
        </message>
        <message>
            <source>Copy</source>
            <translation>复制</translation>
        </message>
        <message>
            <source>Disabling %1…</source>
            <translation>正在停用 %1…</translation>
        </message>
        <message>
            <source>Resetting the password of %1…</source>
            <translation>正在重置 %1 的密码…</translation>
        </message>
    </context>
    <context>
        <name>main</name>
        <message>
            <source>FleetDeck console: fleet health, metrics, alerts, sagas, orders, users, event history, dead letters and traces.</source>
            <translation>FleetDeck 控制台：集群健康、指标、告警、Saga、订单、用户、事件历史、死信和追踪。</translation>
        </message>
        <message>
            <source>Gateway base URL (default: the one in the settings, else http://127.0.0.1:8080).</source>
            <translation>网关基础地址（默认：设置中的地址，否则为 http://127.0.0.1:8080）。</translation>
        </message>
        <message>
            <source>User to sign in as.</source>
            <translation>登录所用的用户。</translation>
        </message>
        <message>
            <source>Read the password from FILE (first line); with --user, signs in without asking.</source>
            <translation>从 FILE 读取密码（第一行）；与 --user 一起使用时无需询问即可登录。</translation>
        </message>
        <message>
            <source>After signing in, save console-&lt;view&gt;.png of each main view into DIR, then exit.</source>
            <translation>登录后将每个主视图保存为 DIR 中的 console-&lt;视图&gt;.png，然后退出。</translation>
        </message>
        <message>
            <source>Neither read nor store a refresh token in the system keychain.</source>
            <translation>不从系统钥匙串读取，也不向其保存刷新令牌。</translation>
        </message>
        <message>
            <source>Development only: skip sign-in, for a gateway without authentication.</source>
            <translation>仅用于开发：跳过登录，用于尚未启用认证的网关。</translation>
        </message>
        <message>
            <source>Sign in with an account from FILE, lines &quot;&lt;role&gt; &lt;username&gt; &lt;password&gt;&quot; as ./fleetdeck credentials prints them: the --user line, else the first admin.</source>
            <translation>使用 FILE 中的账户登录，每行 &quot;&lt;role&gt; &lt;username&gt; &lt;password&gt;&quot;（即 ./fleetdeck credentials 的输出）：取 --user 指定的那一行，否则取第一个管理员。</translation>
        </message>
    </context>
</TS>
