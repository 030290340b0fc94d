<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
    <context>
        <name>ApiError</name>
        <message>
            <source>The gateway answered HTTP %1.</source>
            <translation>The gateway answered HTTP %1.</translation>
        </message>
        <message>
            <source>The gateway sent a response the console cannot read: %1</source>
            <translation>The gateway sent a response the console cannot read: %1</translation>
        </message>
        <message>
            <source> [trace %1]</source>
            <translation> [trace %1]</translation>
        </message>
    </context>
    <context>
        <name>Dialogs</name>
        <message>
            <source>Trace id: %1</source>
            <translation>Trace id: %1</translation>
        </message>
    </context>
    <context>
        <name>DisplayText</name>
        <message>
            <source>out of stock</source>
            <comment>reason</comment>
            <translation>out of stock</translation>
        </message>
        <message>
            <source>payment declined</source>
            <comment>reason</comment>
            <translation>payment declined</translation>
        </message>
        <message>
            <source>a price changed</source>
            <comment>reason</comment>
            <translation>a price changed</translation>
        </message>
        <message>
            <source>not enough money in the wallet</source>
            <comment>reason</comment>
            <translation>not enough money in the wallet</translation>
        </message>
        <message>
            <source>no wallet for this account</source>
            <comment>reason</comment>
            <translation>no wallet for this account</translation>
        </message>
        <message>
            <source>payment declined (test fault)</source>
            <comment>reason</comment>
            <translation>payment declined (test fault)</translation>
        </message>
        <message>
            <source>customer request</source>
            <comment>reason</comment>
            <translation>customer request</translation>
        </message>
        <message>
            <source>the order could not be placed</source>
            <comment>reason</comment>
            <translation>the order could not be placed</translation>
        </message>
        <message>
            <source>cancelled while it was being placed</source>
            <comment>reason</comment>
            <translation>cancelled while it was being placed</translation>
        </message>
        <message>
            <source>Admin</source>
            <comment>user role</comment>
            <translation>Admin</translation>
        </message>
        <message>
            <source>Operator</source>
            <comment>user role</comment>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Customer</source>
            <comment>user role</comment>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Active</source>
            <comment>user status</comment>
            <translation>Active</translation>
        </message>
        <message>
            <source>Disabled</source>
            <comment>user status</comment>
            <translation>Disabled</translation>
        </message>
        <message>
            <source>Pending</source>
            <comment>order status</comment>
            <translation>Pending</translation>
        </message>
        <message>
            <source>Confirmed</source>
            <comment>order status</comment>
            <translation>Confirmed</translation>
        </message>
        <message>
            <source>Shipped</source>
            <comment>order status</comment>
            <translation>Shipped</translation>
        </message>
        <message>
            <source>Delivered</source>
            <comment>order status</comment>
            <translation>Delivered</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <comment>order status</comment>
            <translation>Cancelled</translation>
        </message>
        <message>
            <source>Running</source>
            <comment>saga state</comment>
            <translation>Running</translation>
        </message>
        <message>
            <source>Compensating</source>
            <comment>saga state</comment>
            <translation>Compensating</translation>
        </message>
        <message>
            <source>Completed</source>
            <comment>saga state</comment>
            <translation>Completed</translation>
        </message>
        <message>
            <source>Compensated</source>
            <comment>saga state</comment>
            <translation>Compensated</translation>
        </message>
        <message>
            <source>Failed</source>
            <comment>saga state</comment>
            <translation>Failed</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>saga step state</comment>
            <translation>Started</translation>
        </message>
        <message>
            <source>Succeeded</source>
            <comment>saga step state</comment>
            <translation>Succeeded</translation>
        </message>
        <message>
            <source>Failed</source>
            <comment>saga step state</comment>
            <translation>Failed</translation>
        </message>
        <message>
            <source>Compensating</source>
            <comment>saga step state</comment>
            <translation>Compensating</translation>
        </message>
        <message>
            <source>Compensated</source>
            <comment>saga step state</comment>
            <translation>Compensated</translation>
        </message>
        <message>
            <source>Up</source>
            <comment>service status</comment>
            <translation>Up</translation>
        </message>
        <message>
            <source>Degraded</source>
            <comment>service status</comment>
            <translation>Degraded</translation>
        </message>
        <message>
            <source>Down</source>
            <comment>service status</comment>
            <translation>Down</translation>
        </message>
        <message>
            <source>Closed</source>
            <comment>circuit breaker state</comment>
            <translation>Closed</translation>
        </message>
        <message>
            <source>Open</source>
            <comment>circuit breaker state</comment>
            <translation>Open</translation>
        </message>
        <message>
            <source>Half open</source>
            <comment>circuit breaker state</comment>
            <translation>Half open</translation>
        </message>
        <message>
            <source>Firing</source>
            <comment>alert state</comment>
            <translation>Firing</translation>
        </message>
        <message>
            <source>Pending</source>
            <comment>alert state</comment>
            <translation>Pending</translation>
        </message>
        <message>
            <source>Inactive</source>
            <comment>alert state</comment>
            <translation>Inactive</translation>
        </message>
        <message>
            <source>Critical</source>
            <comment>alert severity</comment>
            <translation>Critical</translation>
        </message>
        <message>
            <source>Warning</source>
            <comment>alert severity</comment>
            <translation>Warning</translation>
        </message>
        <message>
            <source>Info</source>
            <comment>alert severity</comment>
            <translation>Info</translation>
        </message>
        <message>
            <source>%1 s ago</source>
            <comment>time since</comment>
            <translation>%1 s ago</translation>
        </message>
        <message>
            <source>%1 min ago</source>
            <comment>time since</comment>
            <translation>%1 min ago</translation>
        </message>
        <message>
            <source>%1 h ago</source>
            <comment>time since</comment>
            <translation>%1 h ago</translation>
        </message>
        <message>
            <source>%1 d ago</source>
            <comment>time since</comment>
            <translation>%1 d ago</translation>
        </message>
        <message>
            <source>%1 s</source>
            <comment>duration</comment>
            <translation>%1 s</translation>
        </message>
        <message>
            <source>%1 min %2 s</source>
            <comment>duration</comment>
            <translation>%1 min %2 s</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <comment>duration</comment>
            <translation>%1 h %2 min</translation>
        </message>
        <message>
            <source>%1 d %2 h</source>
            <comment>duration</comment>
            <translation>%1 d %2 h</translation>
        </message>
        <message>
            <source>%1 µs</source>
            <comment>duration</comment>
            <translation>%1 µs</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>duration</comment>
            <translation>%1 ms</translation>
        </message>
        <message>
            <source>Ready</source>
            <comment>readiness status</comment>
            <translation>Ready</translation>
        </message>
        <message>
            <source>Degraded</source>
            <comment>readiness status</comment>
            <translation>Degraded</translation>
        </message>
        <message>
            <source>Not ready</source>
            <comment>readiness status</comment>
            <translation>Not ready</translation>
        </message>
        <message>
            <source>Unreachable</source>
            <comment>readiness status</comment>
            <translation>Unreachable</translation>
        </message>
        <message>
            <source>Not polled yet</source>
            <comment>readiness status</comment>
            <translation>Not polled yet</translation>
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
            <translation>Active since %1</translation>
        </message>
        <message>
            <source>Alert</source>
            <translation>Alert</translation>
        </message>
        <message>
            <source>Severity</source>
            <translation>Severity</translation>
        </message>
        <message>
            <source>State</source>
            <comment>alert state column</comment>
            <translation>State</translation>
        </message>
        <message>
            <source>Since</source>
            <translation>Since</translation>
        </message>
        <message>
            <source>Labels</source>
            <translation>Labels</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>Summary</translation>
        </message>
        <message>
            <source>Acknowledged %1</source>
            <translation>Acknowledged %1</translation>
        </message>
        <message>
            <source>by %1 at %2</source>
            <comment>alert acknowledged by a user at a time</comment>
            <translation>by %1 at %2</translation>
        </message>
        <message>
            <source>Acknowledged</source>
            <comment>alert column</comment>
            <translation>Acknowledged</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::AlertsView</name>
        <message>
            <source>Firing and pending</source>
            <translation>Firing and pending</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Chart the rule's expression</source>
            <translation>Chart the rule's expression</translation>
        </message>
        <message>
            <source>Sagas of that time</source>
            <translation>Sagas of that time</translation>
        </message>
        <message>
            <source>Orders of that time</source>
            <translation>Orders of that time</translation>
        </message>
        <message numerus="yes">
            <source>%n alert(s) firing.</source>
            <translation>
                <numerusform>%n alert firing.</numerusform>
                <numerusform>%n alerts firing.</numerusform>
            </translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>Alerts</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>Showing older data: the last refresh failed (%1).</translation>
        </message>
        <message>
            <source>Could not load alerts: %1</source>
            <translation>Could not load alerts: %1</translation>
        </message>
        <message>
            <source>No alerts are firing or pending.</source>
            <translation>No alerts are firing or pending.</translation>
        </message>
        <message>
            <source>Nothing is firing. When an alert fires, select it here to see its details, chart its rule and open the sagas and orders of its time.</source>
            <translation>Nothing is firing. When an alert fires, select it here to see its details, chart its rule and open the sagas and orders of its time.</translation>
        </message>
        <message>
            <source>Select an alert to see its details.</source>
            <translation>Select an alert to see its details.</translation>
        </message>
        <message>
            <source>Labels: %1</source>
            <translation>Labels: %1</translation>
        </message>
        <message>
            <source>Expression: &lt;code&gt;%1&lt;/code&gt;</source>
            <translation>Expression: &lt;code&gt;%1&lt;/code&gt;</translation>
        </message>
        <message>
            <source>Acknowledge…</source>
            <comment>alert</comment>
            <translation>Acknowledge…</translation>
        </message>
        <message>
            <source>Tell the other operators that someone is on this alert</source>
            <translation>Tell the other operators that someone is on this alert</translation>
        </message>
        <message>
            <source>Withdraw acknowledgement</source>
            <translation>Withdraw acknowledgement</translation>
        </message>
        <message numerus="yes">
            <source>%n acknowledged.</source>
            <comment>alerts</comment>
            <translation>
                <numerusform>%n acknowledged.</numerusform>
                <numerusform>%n acknowledged.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n pending.</source>
            <comment>alerts</comment>
            <translation>
                <numerusform>%n pending.</numerusform>
                <numerusform>%n pending.</numerusform>
            </translation>
        </message>
        <message>
            <source>Acknowledgements could not be loaded: %1</source>
            <translation>Acknowledgements could not be loaded: %1</translation>
        </message>
        <message>
            <source>Acknowledged %1</source>
            <translation>Acknowledged %1</translation>
        </message>
        <message>
            <source>Acknowledge %1</source>
            <translation>Acknowledge %1</translation>
        </message>
        <message numerus="yes">
            <source>What are you doing about it? (optional, at most %n characters)</source>
            <translation>
                <numerusform>What are you doing about it? (optional, at most %n character)</numerusform>
                <numerusform>What are you doing about it? (optional, at most %n characters)</numerusform>
            </translation>
        </message>
        <message>
            <source>Could not acknowledge %1</source>
            <translation>Could not acknowledge %1</translation>
        </message>
        <message>
            <source>%1 is no longer active.</source>
            <translation>%1 is no longer active.</translation>
        </message>
        <message>
            <source>Acknowledged %1.</source>
            <translation>Acknowledged %1.</translation>
        </message>
        <message>
            <source>Could not withdraw the acknowledgement of %1</source>
            <translation>Could not withdraw the acknowledgement of %1</translation>
        </message>
        <message>
            <source>Withdrew the acknowledgement of %1.</source>
            <translation>Withdrew the acknowledgement of %1.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::CommandPalette</name>
        <message>
            <source>Command palette</source>
            <translation>Command palette</translation>
        </message>
        <message>
            <source>Type a view or an action…</source>
            <translation>Type a view or an action…</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::ConsoleApp</name>
        <message>
            <source>Your session has ended. Sign in again to continue.</source>
            <translation>Your session has ended. Sign in again to continue.</translation>
        </message>
        <message>
            <source>%1 is not an operator or admin account.</source>
            <translation>%1 is not an operator or admin account.</translation>
        </message>
        <message>
            <source>No sign-in (development)</source>
            <translation>No sign-in (development)</translation>
        </message>
        <message>
            <source>Resuming the session of %1 at %2…</source>
            <translation>Resuming the session of %1 at %2…</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>FleetDeck console</source>
            <translation>FleetDeck console</translation>
        </message>
        <message>
            <source>Resuming the session was cancelled.</source>
            <translation>Resuming the session was cancelled.</translation>
        </message>
        <message>
            <source>Another FleetDeck console on this computer is signed in as %1. Sign in here for a session of this window&apos;s own.</source>
            <translation>Another FleetDeck console on this computer is signed in as %1. Sign in here for a session of this window&apos;s own.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::CredentialStore</name>
        <message>
            <source>Keychain: %1</source>
            <translation>Keychain: %1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::DeadLettersModel</name>
        <message>
            <source>(undecodable) %1</source>
            <comment>dead letter whose event could not be read; %1 = its subject</comment>
            <translation>(undecodable) %1</translation>
        </message>
        <message>
            <source>It failed again after a replay.</source>
            <translation>It failed again after a replay.</translation>
        </message>
        <message>
            <source>Kept without its body: it cannot be replayed.</source>
            <translation>Kept without its body: it cannot be replayed.</translation>
        </message>
        <message>
            <source>#</source>
            <comment>dead letter sequence column</comment>
            <translation>#</translation>
        </message>
        <message>
            <source>Consumer</source>
            <translation>Consumer</translation>
        </message>
        <message>
            <source>Event</source>
            <comment>dead letter column</comment>
            <translation>Event</translation>
        </message>
        <message>
            <source>Aggregate</source>
            <translation>Aggregate</translation>
        </message>
        <message>
            <source>Deliveries</source>
            <translation>Deliveries</translation>
        </message>
        <message>
            <source>Yes</source>
            <comment>dead letter replayed before</comment>
            <translation>Yes</translation>
        </message>
        <message>
            <source>No</source>
            <comment>dead letter not replayed yet</comment>
            <translation>No</translation>
        </message>
        <message>
            <source>Replayed</source>
            <comment>dead letter column: replayed before and failed again</comment>
            <translation>Replayed</translation>
        </message>
        <message>
            <source>Occurred</source>
            <translation>Occurred</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Reason</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::DeadLettersView</name>
        <message>
            <source>All consumers</source>
            <translation>All consumers</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Replay…</source>
            <comment>dead letter</comment>
            <translation>Replay…</translation>
        </message>
        <message>
            <source>Consumer:</source>
            <comment>dead letter filter label</comment>
            <translation>Consumer:</translation>
        </message>
        <message>
            <source>Dead letters</source>
            <translation>Dead letters</translation>
        </message>
        <message>
            <source>Loading dead letters…</source>
            <translation>Loading dead letters…</translation>
        </message>
        <message>
            <source>No dead letters: every consumer has handled every event.</source>
            <translation>No dead letters: every consumer has handled every event.</translation>
        </message>
        <message>
            <source>No dead letters of %1.</source>
            <translation>No dead letters of %1.</translation>
        </message>
        <message numerus="yes">
            <source>%n dead letter(s), oldest first.</source>
            <translation>
                <numerusform>%n dead letter, oldest first.</numerusform>
                <numerusform>%n dead letters, oldest first.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n in the dead-letter stream in all.</source>
            <translation>
                <numerusform>%n in the dead-letter stream in all.</numerusform>
                <numerusform>%n in the dead-letter stream in all.</numerusform>
            </translation>
        </message>
        <message>
            <source>The gateway did not answer (%1). Check the connection to the gateway, then press Refresh.</source>
            <translation>The gateway did not answer (%1). Check the connection to the gateway, then press Refresh.</translation>
        </message>
        <message>
            <source>Your account may not see dead letters: sign in as an operator or an admin.</source>
            <translation>Your account may not see dead letters: sign in as an operator or an admin.</translation>
        </message>
        <message>
            <source>The gateway cannot reach the event bus (%1). Check that NATS is running and that the gateway's nats.url is set, then press Refresh.</source>
            <translation>The gateway cannot reach the event bus (%1). Check that NATS is running and that the gateway's nats.url is set, then press Refresh.</translation>
        </message>
        <message>
            <source>The gateway is busy with other dead-letter requests. Wait a moment, then press Refresh.</source>
            <translation>The gateway is busy with other dead-letter requests. Wait a moment, then press Refresh.</translation>
        </message>
        <message>
            <source>Could not load the dead letters: %1. Press Refresh to try again.</source>
            <translation>Could not load the dead letters: %1. Press Refresh to try again.</translation>
        </message>
        <message>
            <source>Showing older data. %1</source>
            <translation>Showing older data. %1</translation>
        </message>
        <message>
            <source>Replay all of a consumer…</source>
            <translation>Replay all of a consumer…</translation>
        </message>
        <message>
            <source>Replay all of %1…</source>
            <translation>Replay all of %1…</translation>
        </message>
        <message>
            <source>Only admins can replay dead letters.</source>
            <translation>Only admins can replay dead letters.</translation>
        </message>
        <message>
            <source>This letter was kept without its body and cannot be replayed.</source>
            <translation>This letter was kept without its body and cannot be replayed.</translation>
        </message>
        <message>
            <source>Send the selected letter again to the consumer that gave up on it</source>
            <translation>Send the selected letter again to the consumer that gave up on it</translation>
        </message>
        <message>
            <source>Choose a consumer, or select one of its letters, first.</source>
            <translation>Choose a consumer, or select one of its letters, first.</translation>
        </message>
        <message>
            <source>Send the dead letters of %1 (its oldest 500) to it again</source>
            <translation>Send the dead letters of %1 (its oldest 500) to it again</translation>
        </message>
        <message>
            <source>When a consumer gives up on an event (its retries ran out, or it cannot read the event), the event is kept here for 14 days, until an admin replays it to that consumer.</source>
            <translation>When a consumer gives up on an event (its retries ran out, or it cannot read the event), the event is kept here for 14 days, until an admin replays it to that consumer.</translation>
        </message>
        <message>
            <source>Select a dead letter to see its reason in full, its event and its trace id.</source>
            <translation>Select a dead letter to see its reason in full, its event and its trace id.</translation>
        </message>
        <message>
            <source>Dead letter %1</source>
            <translation>Dead letter %1</translation>
        </message>
        <message numerus="yes">
            <source>%1 gave up on it after %n delivery(ies).</source>
            <translation>
                <numerusform>%1 gave up on it after %n delivery.</numerusform>
                <numerusform>%1 gave up on it after %n deliveries.</numerusform>
            </translation>
        </message>
        <message>
            <source>Its event could not be read: only the message is known.</source>
            <translation>Its event could not be read: only the message is known.</translation>
        </message>
        <message>
            <source>Event: %1</source>
            <translation>Event: %1</translation>
        </message>
        <message>
            <source>order &lt;a href="order:%1"&gt;%1&lt;/a&gt;</source>
            <translation>order &lt;a href="order:%1"&gt;%1&lt;/a&gt;</translation>
        </message>
        <message>
            <source>aggregate %1</source>
            <translation>aggregate %1</translation>
        </message>
        <message>
            <source>occurred %1</source>
            <translation>occurred %1</translation>
        </message>
        <message>
            <source>Event id: %1</source>
            <translation>Event id: %1</translation>
        </message>
        <message>
            <source>Trace id: %1</source>
            <translation>Trace id: %1</translation>
        </message>
        <message numerus="yes">
            <source>Message %1 on %2 (stream %3), %n byte(s).</source>
            <translation>
                <numerusform>Message %1 on %2 (stream %3), %n byte.</numerusform>
                <numerusform>Message %1 on %2 (stream %3), %n bytes.</numerusform>
            </translation>
        </message>
        <message>
            <source>It failed again after a replay.</source>
            <translation>It failed again after a replay.</translation>
        </message>
        <message>
            <source>It was kept without its body (too large), so it cannot be replayed: republish the original event from its stream position.</source>
            <translation>It was kept without its body (too large), so it cannot be replayed: republish the original event from its stream position.</translation>
        </message>
        <message>
            <source>Replay dead letter</source>
            <translation>Replay dead letter</translation>
        </message>
        <message>
            <source>Replay dead letter %1 (%2) to %3? Only %3 handles it again; the other consumers of its stream skip it. If it fails again, it comes back to this list.</source>
            <translation>Replay dead letter %1 (%2) to %3? Only %3 handles it again; the other consumers of its stream skip it. If it fails again, it comes back to this list.</translation>
        </message>
        <message>
            <source>Replay</source>
            <comment>dead letter</comment>
            <translation>Replay</translation>
        </message>
        <message>
            <source>Dead letter %1 replayed to %2.</source>
            <translation>Dead letter %1 replayed to %2.</translation>
        </message>
        <message>
            <source>Replay dead letters</source>
            <translation>Replay dead letters</translation>
        </message>
        <message numerus="yes">
            <source>Replay the dead letters of %1 (%n listed here; at most its oldest 500)? Only %1 handles them again; the other consumers of their streams skip them. Letters that fail again come back to this list.</source>
            <translation>
                <numerusform>Replay the dead letters of %1 (%n listed here; at most its oldest 500)? Only %1 handles them again; the other consumers of their streams skip them. Letters that fail again come back to this list.</numerusform>
                <numerusform>Replay the dead letters of %1 (%n listed here; at most its oldest 500)? Only %1 handles them again; the other consumers of their streams skip them. Letters that fail again come back to this list.</numerusform>
            </translation>
        </message>
        <message>
            <source>Replay all</source>
            <translation>Replay all</translation>
        </message>
        <message numerus="yes">
            <source>%n dead letter(s) of %1 replayed.</source>
            <translation>
                <numerusform>%n dead letter of %1 replayed.</numerusform>
                <numerusform>%n dead letters of %1 replayed.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n letter(s) kept without a body stay(s) listed: republish them from their stream.</source>
            <translation>
                <numerusform>%n letter kept without a body stays listed: republish it from its stream.</numerusform>
                <numerusform>%n letters kept without a body stay listed: republish them from their stream.</numerusform>
            </translation>
        </message>
        <message>
            <source>Dead letter %1 is gone: it was replayed already, or it aged out.</source>
            <translation>Dead letter %1 is gone: it was replayed already, or it aged out.</translation>
        </message>
        <message>
            <source>Dead letter %1 was kept without its body, so it cannot be replayed: republish the original event from its stream position (docs/events.md, "Dead letters and replay").</source>
            <translation>Dead letter %1 was kept without its body, so it cannot be replayed: republish the original event from its stream position (docs/events.md, "Dead letters and replay").</translation>
        </message>
        <message>
            <source>No answer came back (%1), so the replay may or may not have happened. The list is read again: the letters still in it were not replayed.</source>
            <translation>No answer came back (%1), so the replay may or may not have happened. The list is read again: the letters still in it were not replayed.</translation>
        </message>
        <message>
            <source>Could not replay</source>
            <translation>Could not replay</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::EventStream</name>
        <message>
            <source>No event or heartbeat from the gateway for %1 s.</source>
            <translation>No event or heartbeat from the gateway for %1 s.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::FleetModel</name>
        <message numerus="yes">
            <source>%1 (%n instance(s))</source>
            <comment>service name and instance count</comment>
            <translation>
                <numerusform>%1 (%n instance)</numerusform>
                <numerusform>%1 (%n instances)</numerusform>
            </translation>
        </message>
        <message>
            <source>%1/s</source>
            <comment>requests per second</comment>
            <translation>%1/s</translation>
        </message>
        <message>
            <source>%1 %</source>
            <comment>error percentage</comment>
            <translation>%1 %</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>latency</comment>
            <translation>%1 ms</translation>
        </message>
        <message>
            <source>gRPC %1, admin %2</source>
            <translation>gRPC %1, admin %2</translation>
        </message>
        <message>
            <source>Service</source>
            <translation>Service</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>service status column</comment>
            <translation>Status</translation>
        </message>
        <message>
            <source>Version</source>
            <translation>Version</translation>
        </message>
        <message>
            <source>Uptime</source>
            <translation>Uptime</translation>
        </message>
        <message>
            <source>Requests</source>
            <translation>Requests</translation>
        </message>
        <message>
            <source>Errors</source>
            <translation>Errors</translation>
        </message>
        <message>
            <source>p99</source>
            <translation>p99</translation>
        </message>
        <message>
            <source>Heartbeat</source>
            <translation>Heartbeat</translation>
        </message>
        <message>
            <source>Breakers</source>
            <comment>circuit breakers column</comment>
            <translation>Breakers</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::FleetView</name>
        <message>
            <source>Faults unavailable: payments is not running.</source>
            <translation>Faults unavailable: payments is not running.</translation>
        </message>
        <message>
            <source>Faults unavailable: %1</source>
            <translation>Faults unavailable: %1</translation>
        </message>
        <message>
            <source>Faults unavailable: the gateway did not answer (%1).</source>
            <translation>Faults unavailable: the gateway did not answer (%1).</translation>
        </message>
        <message>
            <source>Fault injection (local fleet)</source>
            <translation>Fault injection (local fleet)</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Stop service…</source>
            <translation>Stop service…</translation>
        </message>
        <message>
            <source>Start service</source>
            <translation>Start service</translation>
        </message>
        <message>
            <source>Apply faults</source>
            <translation>Apply faults</translation>
        </message>
        <message>
            <source>Check</source>
            <translation>Check</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>readiness check status</comment>
            <translation>Status</translation>
        </message>
        <message>
            <source>Latency</source>
            <translation>Latency</translation>
        </message>
        <message>
            <source>Detail</source>
            <comment>readiness check detail: its error, or when the instance started</comment>
            <translation>Detail</translation>
        </message>
        <message>
            <source> ms</source>
            <comment>milliseconds suffix</comment>
            <translation> ms</translation>
        </message>
        <message>
            <source>Payments declined:</source>
            <translation>Payments declined:</translation>
        </message>
        <message>
            <source>Payments failing:</source>
            <translation>Payments failing:</translation>
        </message>
        <message>
            <source>Added latency:</source>
            <translation>Added latency:</translation>
        </message>
        <message>
            <source>Fleet</source>
            <translation>Fleet</translation>
        </message>
        <message>
            <source>Could not load the fleet: %1</source>
            <translation>Could not load the fleet: %1</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>Showing older data: the last refresh failed (%1).</translation>
        </message>
        <message numerus="yes">
            <source>%n service(s), %1 of %2 instances up.</source>
            <translation>
                <numerusform>%n service, %1 of %2 instances up.</numerusform>
                <numerusform>%n services, %1 of %2 instances up.</numerusform>
            </translation>
        </message>
        <message>
            <source>No instance running: %1.</source>
            <comment>services</comment>
            <translation>No instance running: %1.</translation>
        </message>
        <message>
            <source>Updated %1.</source>
            <comment>the fleet</comment>
            <translation>Updated %1.</translation>
        </message>
        <message>
            <source>No instance is registered: the service is stopped, or has not started yet.</source>
            <translation>No instance is registered: the service is stopped, or has not started yet.</translation>
        </message>
        <message>
            <source>Could not change the faults</source>
            <translation>Could not change the faults</translation>
        </message>
        <message>
            <source>Payments now decline %1 %, fail %2 %, with %3 ms added latency.</source>
            <translation>Payments now decline %1 %, fail %2 %, with %3 ms added latency.</translation>
        </message>
        <message>
            <source>Services can only be stopped and started on a local fleet.</source>
            <translation>Services can only be stopped and started on a local fleet.</translation>
        </message>
        <message>
            <source>Stopping %1…</source>
            <translation>Stopping %1…</translation>
        </message>
        <message>
            <source>Starting %1…</source>
            <translation>Starting %1…</translation>
        </message>
        <message>
            <source>Stop service</source>
            <translation>Stop service</translation>
        </message>
        <message>
            <source>Stop every instance of %1? Sagas that need it will retry and then compensate.</source>
            <translation>Stop every instance of %1? Sagas that need it will retry and then compensate.</translation>
        </message>
        <message>
            <source>Stop</source>
            <comment>stop a service</comment>
            <translation>Stop</translation>
        </message>
        <message>
            <source>started %1</source>
            <translation>started %1</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <comment>latency</comment>
            <translation>%1 ms</translation>
        </message>
        <message>
            <source>breaker → %1</source>
            <translation>breaker → %1</translation>
        </message>
        <message>
            <source>Could not stop %1</source>
            <translation>Could not stop %1</translation>
        </message>
        <message>
            <source>Could not start %1</source>
            <translation>Could not start %1</translation>
        </message>
        <message>
            <source>%1 stopped.</source>
            <translation>%1 stopped.</translation>
        </message>
        <message>
            <source>%1 started.</source>
            <translation>%1 started.</translation>
        </message>
        <message>
            <source>Readiness</source>
            <translation>Readiness</translation>
        </message>
        <message>
            <source>%1 (not critical)</source>
            <comment>readiness check</comment>
            <translation>%1 (not critical)</translation>
        </message>
        <message>
            <source>Critical: the instance is not ready while this check is down.</source>
            <translation>Critical: the instance is not ready while this check is down.</translation>
        </message>
        <message>
            <source>Not critical: the instance stays ready, degraded, while this check is down.</source>
            <translation>Not critical: the instance stays ready, degraded, while this check is down.</translation>
        </message>
        <message>
            <source>Prometheus scrape</source>
            <translation>Prometheus scrape</translation>
        </message>
        <message>
            <source>Prometheus cannot scrape its metrics</source>
            <translation>Prometheus cannot scrape its metrics</translation>
        </message>
        <message>
            <source>Metrics unavailable: %1; requests, errors and p99 show the last values read.</source>
            <translation>Metrics unavailable: %1; requests, errors and p99 show the last values read.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::GatewayClient</name>
        <message>
            <source>The gateway did not answer within %1 s.</source>
            <translation>The gateway did not answer within %1 s.</translation>
        </message>
        <message>
            <source>the body is not a JSON object</source>
            <translation>the body is not a JSON object</translation>
        </message>
        <message>
            <source>the sign-in answer carries no access token</source>
            <translation>the sign-in answer carries no access token</translation>
        </message>
        <message>
            <source>Signed in again.</source>
            <translation>Signed in again.</translation>
        </message>
        <message>
            <source>The session was replaced.</source>
            <translation>The session was replaced.</translation>
        </message>
        <message>
            <source>Not signed in.</source>
            <translation>Not signed in.</translation>
        </message>
        <message>
            <source>the refresh answer carries no access token</source>
            <translation>the refresh answer carries no access token</translation>
        </message>
        <message>
            <source>Signed out.</source>
            <translation>Signed out.</translation>
        </message>
        <message>
            <source>The gateway&apos;s answer was cut off (%1).</source>
            <translation>The gateway&apos;s answer was cut off (%1).</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::HistoryView</name>
        <message>
            <source>Enter an order id and press Load history, or open one from Orders with Event history.</source>
            <translation>Enter an order id and press Load history, or open one from Orders with Event history.</translation>
        </message>
        <message>
            <source>Only changed fields</source>
            <translation>Only changed fields</translation>
        </message>
        <message>
            <source>Rebuild orders projection</source>
            <translation>Rebuild orders projection</translation>
        </message>
        <message>
            <source>Stop watching</source>
            <translation>Stop watching</translation>
        </message>
        <message>
            <source>Order id</source>
            <translation>Order id</translation>
        </message>
        <message>
            <source>Load history</source>
            <translation>Load history</translation>
        </message>
        <message>
            <source>v</source>
            <comment>version prefix</comment>
            <translation>v</translation>
        </message>
        <message>
            <source>Order:</source>
            <translation>Order:</translation>
        </message>
        <message>
            <source>Previous version</source>
            <translation>Previous version</translation>
        </message>
        <message>
            <source>Next version</source>
            <translation>Next version</translation>
        </message>
        <message>
            <source>Projection rebuild</source>
            <translation>Projection rebuild</translation>
        </message>
        <message>
            <source>Replays every order event into a fresh read model and reports where it differs from the live one.</source>
            <translation>Replays every order event into a fresh read model and reports where it differs from the live one.</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>Order</translation>
        </message>
        <message>
            <source>Field</source>
            <translation>Field</translation>
        </message>
        <message>
            <source>Live</source>
            <comment>live projection value</comment>
            <translation>Live</translation>
        </message>
        <message>
            <source>Rebuilt</source>
            <translation>Rebuilt</translation>
        </message>
        <message>
            <source>No longer watching; the rebuild goes on in the gateway.</source>
            <translation>No longer watching; the rebuild goes on in the gateway.</translation>
        </message>
        <message>
            <source>History</source>
            <comment>order event history view</comment>
            <translation>History</translation>
        </message>
        <message>
            <source>No order %1.</source>
            <translation>No order %1.</translation>
        </message>
        <message>
            <source>Could not load the history: %1</source>
            <translation>Could not load the history: %1</translation>
        </message>
        <message>
            <source>Order %1 has no events.</source>
            <translation>Order %1 has no events.</translation>
        </message>
        <message>
            <source>Could not load version %1: %2</source>
            <translation>Could not load version %1: %2</translation>
        </message>
        <message numerus="yes">
            <source>Version %1 of %2 · %3 · %n field(s) changed</source>
            <translation>
                <numerusform>Version %1 of %2 · %3 · %n field changed</numerusform>
                <numerusform>Version %1 of %2 · %3 · %n fields changed</numerusform>
            </translation>
        </message>
        <message>
            <source>Rebuild projection</source>
            <translation>Rebuild projection</translation>
        </message>
        <message>
            <source>Replay every order event into a fresh read model and compare it with the live one? The live projection keeps serving meanwhile.</source>
            <translation>Replay every order event into a fresh read model and compare it with the live one? The live projection keeps serving meanwhile.</translation>
        </message>
        <message>
            <source>Rebuild</source>
            <translation>Rebuild</translation>
        </message>
        <message>
            <source>Starting…</source>
            <translation>Starting…</translation>
        </message>
        <message>
            <source>Could not start the rebuild: %1</source>
            <translation>Could not start the rebuild: %1</translation>
        </message>
        <message>
            <source>Rebuild %1 running…</source>
            <translation>Rebuild %1 running…</translation>
        </message>
        <message>
            <source>The rebuilt projection matches the live one.</source>
            <translation>The rebuilt projection matches the live one.</translation>
        </message>
        <message numerus="yes">
            <source>%n difference(s) from the live projection.</source>
            <translation>
                <numerusform>%n difference from the live projection.</numerusform>
                <numerusform>%n differences from the live projection.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Replayed %1 of %n event(s)…</source>
            <translation>
                <numerusform>Replayed %1 of %n event…</numerusform>
                <numerusform>Replayed %1 of %n events…</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>The rebuild failed after %n event(s): %1</source>
            <translation>
                <numerusform>The rebuild failed after %n event: %1</numerusform>
                <numerusform>The rebuild failed after %n events: %1</numerusform>
            </translation>
        </message>
        <message>
            <source>the orders service gave no reason</source>
            <translation>the orders service gave no reason</translation>
        </message>
        <message numerus="yes">
            <source>Replayed %n event(s).</source>
            <translation>
                <numerusform>Replayed %n event.</numerusform>
                <numerusform>Replayed %n events.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>The first %n are listed.</source>
            <translation>
                <numerusform>The first %n is listed.</numerusform>
                <numerusform>The first %n are listed.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Could not read rebuild %1 (%2); trying again in %n s.</source>
            <translation>
                <numerusform>Could not read rebuild %1 (%2); trying again in %n s.</numerusform>
                <numerusform>Could not read rebuild %1 (%2); trying again in %n s.</numerusform>
            </translation>
        </message>
        <message>
            <source>Rebuild %1 is not known to the gateway (%2). The orders service may have restarted; no longer watching it.</source>
            <translation>Rebuild %1 is not known to the gateway (%2). The orders service may have restarted; no longer watching it.</translation>
        </message>
        <message>
            <source>Could not read rebuild %1: %2. No longer watching it.</source>
            <translation>Could not read rebuild %1: %2. No longer watching it.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::MainWindow</name>
        <message>
            <source>FleetDeck console</source>
            <translation>FleetDeck console</translation>
        </message>
        <message>
            <source>%1 (Ctrl+%2)</source>
            <translation>%1 (Ctrl+%2)</translation>
        </message>
        <message>
            <source>&amp;Console</source>
            <translation>&amp;Console</translation>
        </message>
        <message>
            <source>Command palette…</source>
            <translation>Command palette…</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>Settings…</translation>
        </message>
        <message>
            <source>Toggle light/dark theme</source>
            <translation>Toggle light/dark theme</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>Sign out</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>Quit</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>&amp;View</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>&amp;Help</translation>
        </message>
        <message>
            <source>About FleetDeck console</source>
            <translation>About FleetDeck console</translation>
        </message>
        <message>
            <source>&lt;b&gt;FleetDeck console %1&lt;/b&gt;&lt;br&gt;Operations console for the FleetDeck fleet.&lt;br&gt;Gateway: %2</source>
            <translation>&lt;b&gt;FleetDeck console %1&lt;/b&gt;&lt;br&gt;Operations console for the FleetDeck fleet.&lt;br&gt;Gateway: %2</translation>
        </message>
        <message numerus="yes">
            <source>Live updates: reconnecting in %n s</source>
            <translation>
                <numerusform>Live updates: reconnecting in %n s</numerusform>
                <numerusform>Live updates: reconnecting in %n s</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 (%2)</source>
            <translation>%1 (%2)</translation>
        </message>
        <message>
            <source>● Connected to %1</source>
            <translation>● Connected to %1</translation>
        </message>
        <message>
            <source>● Offline (%1)</source>
            <translation>● Offline (%1)</translation>
        </message>
        <message>
            <source>● Connecting to %1</source>
            <translation>● Connecting to %1</translation>
        </message>
        <message>
            <source>Live updates: on</source>
            <translation>Live updates: on</translation>
        </message>
        <message>
            <source>Live updates: connecting…</source>
            <translation>Live updates: connecting…</translation>
        </message>
        <message>
            <source>Live updates: off</source>
            <translation>Live updates: off</translation>
        </message>
        <message>
            <source>Go to %1</source>
            <translation>Go to %1</translation>
        </message>
        <message>
            <source>The new language applies when the console restarts.</source>
            <translation>The new language applies when the console restarts.</translation>
        </message>
        <message>
            <source>Alert firing: %1 (%2)%3</source>
            <translation>Alert firing: %1 (%2)%3</translation>
        </message>
        <message>
            <source>FleetDeck alert</source>
            <translation>FleetDeck alert</translation>
        </message>
        <message>
            <source>Live updates missed some events; the view was reloaded.</source>
            <translation>Live updates missed some events; the view was reloaded.</translation>
        </message>
        <message>
            <source>Sign in…</source>
            <translation>Sign in…</translation>
        </message>
        <message>
            <source>Not signed in</source>
            <translation>Not signed in</translation>
        </message>
        <message>
            <source>Your session has ended: what is shown is no longer updated. Sign in to continue.</source>
            <translation>Your session has ended: what is shown is no longer updated. Sign in to continue.</translation>
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
            <translation>Save the chart as an image</translation>
        </message>
        <message>
            <source>CSV</source>
            <translation>CSV</translation>
        </message>
        <message>
            <source>Save the chart's data as CSV</source>
            <translation>Save the chart's data as CSV</translation>
        </message>
        <message>
            <source>No data in this range.</source>
            <translation>No data in this range.</translation>
        </message>
        <message>
            <source>Save chart as image</source>
            <translation>Save chart as image</translation>
        </message>
        <message>
            <source>PNG images (*.png)</source>
            <translation>PNG images (*.png)</translation>
        </message>
        <message>
            <source>Could not write %1.</source>
            <translation>Could not write %1.</translation>
        </message>
        <message>
            <source>Save chart data as CSV</source>
            <translation>Save chart data as CSV</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV files (*.csv)</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::MetricsView</name>
        <message>
            <source>Request rate</source>
            <translation>Request rate</translation>
        </message>
        <message>
            <source>req/s</source>
            <translation>req/s</translation>
        </message>
        <message>
            <source>Error rate</source>
            <translation>Error rate</translation>
        </message>
        <message>
            <source>%</source>
            <comment>percent unit</comment>
            <translation>%</translation>
        </message>
        <message>
            <source>Latency</source>
            <translation>Latency</translation>
        </message>
        <message>
            <source>ms</source>
            <comment>milliseconds unit</comment>
            <translation>ms</translation>
        </message>
        <message>
            <source>Custom query</source>
            <translation>Custom query</translation>
        </message>
        <message>
            <source>Auto refresh</source>
            <translation>Auto refresh</translation>
        </message>
        <message>
            <source>Run</source>
            <translation>Run</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Range:</source>
            <translation>Range:</translation>
        </message>
        <message>
            <source>5m</source>
            <comment>5 minutes range</comment>
            <translation>5m</translation>
        </message>
        <message>
            <source>1h</source>
            <comment>1 hour range</comment>
            <translation>1h</translation>
        </message>
        <message>
            <source>6h</source>
            <comment>6 hours range</comment>
            <translation>6h</translation>
        </message>
        <message>
            <source>24h</source>
            <comment>24 hours range</comment>
            <translation>24h</translation>
        </message>
        <message>
            <source>Latency of:</source>
            <translation>Latency of:</translation>
        </message>
        <message>
            <source>All services</source>
            <translation>All services</translation>
        </message>
        <message>
            <source>Type a PromQL query below and press Run.</source>
            <translation>Type a PromQL query below and press Run.</translation>
        </message>
        <message>
            <source>PromQL, e.g. sum by (service) (rate(fleetdeck_requests_total[5m]))</source>
            <translation>PromQL, e.g. sum by (service) (rate(fleetdeck_requests_total[5m]))</translation>
        </message>
        <message>
            <source>PromQL:</source>
            <translation>PromQL:</translation>
        </message>
        <message>
            <source>Refresh charts</source>
            <translation>Refresh charts</translation>
        </message>
        <message>
            <source>Run a PromQL query</source>
            <translation>Run a PromQL query</translation>
        </message>
        <message>
            <source>Metrics</source>
            <translation>Metrics</translation>
        </message>
        <message>
            <source>Latency p50/p95/p99, all services</source>
            <translation>Latency p50/p95/p99, all services</translation>
        </message>
        <message>
            <source>Latency p50/p95/p99, %1</source>
            <translation>Latency p50/p95/p99, %1</translation>
        </message>
        <message>
            <source>Query failed: %1</source>
            <translation>Query failed: %1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OfflineBanner</name>
        <message>
            <source>Retry now</source>
            <translation>Retry now</translation>
        </message>
        <message>
            <source>The gateway is unreachable. Data on screen may be stale.</source>
            <translation>The gateway is unreachable. Data on screen may be stale.</translation>
        </message>
        <message>
            <source>(%1)</source>
            <comment>reason of a connection failure</comment>
            <translation>(%1)</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>Connecting…</translation>
        </message>
        <message numerus="yes">
            <source>Retrying in %n s.</source>
            <comment>countdown</comment>
            <translation>
                <numerusform>Retrying in %n s.</numerusform>
                <numerusform>Retrying in %n s.</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrderEventsModel</name>
        <message>
            <source>Version</source>
            <comment>event version column</comment>
            <translation>Version</translation>
        </message>
        <message>
            <source>Event</source>
            <translation>Event</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>Time</translation>
        </message>
        <message>
            <source>Actor</source>
            <translation>Actor</translation>
        </message>
        <message>
            <source>Trace</source>
            <translation>Trace</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrdersModel</name>
        <message>
            <source>Cancelled: %1</source>
            <translation>Cancelled: %1</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>Order</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>order status column</comment>
            <translation>Status</translation>
        </message>
        <message>
            <source>Items</source>
            <comment>number of items</comment>
            <translation>Items</translation>
        </message>
        <message>
            <source>Total</source>
            <comment>order total</comment>
            <translation>Total</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>Created</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>Updated</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::OrdersView</name>
        <message>
            <source>Created between</source>
            <translation>Created between</translation>
        </message>
        <message>
            <source>Any status</source>
            <comment>order status filter</comment>
            <translation>Any status</translation>
        </message>
        <message>
            <source>User id</source>
            <translation>User id</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>New order…</source>
            <translation>New order…</translation>
        </message>
        <message>
            <source>Ship…</source>
            <translation>Ship…</translation>
        </message>
        <message>
            <source>Mark delivered…</source>
            <translation>Mark delivered…</translation>
        </message>
        <message>
            <source>Cancel order…</source>
            <translation>Cancel order…</translation>
        </message>
        <message>
            <source>Event history</source>
            <translation>Event history</translation>
        </message>
        <message>
            <source>Saga timeline</source>
            <translation>Saga timeline</translation>
        </message>
        <message>
            <source>SKU</source>
            <translation>SKU</translation>
        </message>
        <message>
            <source>Product</source>
            <translation>Product</translation>
        </message>
        <message>
            <source>Qty</source>
            <comment>quantity</comment>
            <translation>Qty</translation>
        </message>
        <message>
            <source>Unit price</source>
            <translation>Unit price</translation>
        </message>
        <message>
            <source>Line total</source>
            <translation>Line total</translation>
        </message>
        <message>
            <source>&lt;b&gt;Events&lt;/b&gt;</source>
            <translation>&lt;b&gt;Events&lt;/b&gt;</translation>
        </message>
        <message>
            <source>Ship order</source>
            <translation>Ship order</translation>
        </message>
        <message>
            <source>Tracking number for order %1:</source>
            <translation>Tracking number for order %1:</translation>
        </message>
        <message>
            <source>Mark delivered</source>
            <translation>Mark delivered</translation>
        </message>
        <message>
            <source>Mark order %1 as delivered?</source>
            <translation>Mark order %1 as delivered?</translation>
        </message>
        <message>
            <source>Cancel order</source>
            <translation>Cancel order</translation>
        </message>
        <message>
            <source>Why is order %1 cancelled? Payment is refunded and stock released.</source>
            <translation>Why is order %1 cancelled? Payment is refunded and stock released.</translation>
        </message>
        <message>
            <source>Ship</source>
            <comment>order action button</comment>
            <translation>Ship</translation>
        </message>
        <message>
            <source>Enter the tracking number.</source>
            <translation>Enter the tracking number.</translation>
        </message>
        <message>
            <source>Enter why the order is cancelled.</source>
            <translation>Enter why the order is cancelled.</translation>
        </message>
        <message>
            <source>No answer arrived (%1). The order may have been changed already: press "%2" again to retry. The gateway recognises the retry and does not change the order twice.</source>
            <translation>No answer arrived (%1). The order may have been changed already: press "%2" again to retry. The gateway recognises the retry and does not change the order twice.</translation>
        </message>
        <message numerus="yes">
            <source>%n order(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>%n order loaded; scroll for more.</numerusform>
                <numerusform>%n orders loaded; scroll for more.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n order(s).</source>
            <translation>
                <numerusform>%n order.</numerusform>
                <numerusform>%n orders.</numerusform>
            </translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>Showing older data: the last refresh failed (%1).</translation>
        </message>
        <message>
            <source>Could not load orders: %1</source>
            <translation>Could not load orders: %1</translation>
        </message>
        <message>
            <source>Orders</source>
            <translation>Orders</translation>
        </message>
        <message>
            <source>Order %1: %2</source>
            <translation>Order %1: %2</translation>
        </message>
        <message>
            <source>Select an order to see its details.</source>
            <translation>Select an order to see its details.</translation>
        </message>
        <message>
            <source>Order %1</source>
            <translation>Order %1</translation>
        </message>
        <message>
            <source>Customer: %1 &amp;lt;%2&amp;gt;</source>
            <translation>Customer: %1 &amp;lt;%2&amp;gt;</translation>
        </message>
        <message>
            <source>Customer: %1</source>
            <translation>Customer: %1</translation>
        </message>
        <message>
            <source>Created %1 · updated %2 · version %3</source>
            <translation>Created %1 · updated %2 · version %3</translation>
        </message>
        <message>
            <source>Saga: &lt;a href="saga:%1"&gt;%1&lt;/a&gt;</source>
            <translation>Saga: &lt;a href="saga:%1"&gt;%1&lt;/a&gt;</translation>
        </message>
        <message>
            <source>Not available right now: %1</source>
            <translation>Not available right now: %1</translation>
        </message>
        <message>
            <source>&lt;b&gt;Total: %1&lt;/b&gt;</source>
            <translation>&lt;b&gt;Total: %1&lt;/b&gt;</translation>
        </message>
        <message>
            <source>Tracking number: %1</source>
            <translation>Tracking number: %1</translation>
        </message>
        <message>
            <source>Cancelled because: %1</source>
            <translation>Cancelled because: %1</translation>
        </message>
        <message>
            <source>Cancel reason: %1</source>
            <comment>the code as the fleet sent it</comment>
            <translation>Cancel reason: %1</translation>
        </message>
        <message>
            <source>Decline reason: %1</source>
            <comment>the code as the fleet sent it</comment>
            <translation>Decline reason: %1</translation>
        </message>
        <message>
            <source>The order was not changed</source>
            <translation>The order was not changed</translation>
        </message>
        <message>
            <source>Order %1 is no longer in a state that allows this: %2</source>
            <translation>Order %1 is no longer in a state that allows this: %2</translation>
        </message>
        <message>
            <source>Order %1 changed after you chose this. Look at it again and retry if it still applies.</source>
            <translation>Order %1 changed after you chose this. Look at it again and retry if it still applies.</translation>
        </message>
        <message>
            <source>New order</source>
            <translation>New order</translation>
        </message>
        <message>
            <source>One line per product: &lt;product id&gt; &lt;quantity&gt;</source>
            <translation>One line per product: &lt;product id&gt; &lt;quantity&gt;</translation>
        </message>
        <message>
            <source>Place order</source>
            <translation>Place order</translation>
        </message>
        <message>
            <source>&amp;Customer:</source>
            <translation>&amp;Customer:</translation>
        </message>
        <message>
            <source>&amp;Items:</source>
            <translation>&amp;Items:</translation>
        </message>
        <message>
            <source>Cannot read "%1": write a product id and a quantity.</source>
            <translation>Cannot read "%1": write a product id and a quantity.</translation>
        </message>
        <message>
            <source>Enter the customer and at least one product.</source>
            <translation>Enter the customer and at least one product.</translation>
        </message>
        <message>
            <source>Order %1 placed; its saga is running.</source>
            <translation>Order %1 placed; its saga is running.</translation>
        </message>
        <message>
            <source>Order %1 shipped.</source>
            <translation>Order %1 shipped.</translation>
        </message>
        <message>
            <source>Order %1 marked delivered.</source>
            <translation>Order %1 marked delivered.</translation>
        </message>
        <message>
            <source>Order %1 cancelled.</source>
            <translation>Order %1 cancelled.</translation>
        </message>
        <message>
            <source>Orders created between %1 and %2.</source>
            <translation>Orders created between %1 and %2.</translation>
        </message>
        <message>
            <source>charged</source>
            <comment>payment status</comment>
            <translation>charged</translation>
        </message>
        <message>
            <source>declined</source>
            <comment>payment status</comment>
            <translation>declined</translation>
        </message>
        <message>
            <source>refunded</source>
            <comment>payment status</comment>
            <translation>refunded</translation>
        </message>
        <message>
            <source>Payment: not available right now (%1)</source>
            <translation>Payment: not available right now (%1)</translation>
        </message>
        <message>
            <source>Payment: %1 %2 · %3</source>
            <translation>Payment: %1 %2 · %3</translation>
        </message>
        <message>
            <source>Could not load order %1: %2</source>
            <translation>Could not load order %1: %2</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SagaTimelineWidget</name>
        <message>
            <source>Select a saga to see its steps.</source>
            <translation>Select a saga to see its steps.</translation>
        </message>
        <message numerus="yes">
            <source>%n attempt(s)</source>
            <comment>saga step retries</comment>
            <translation>
                <numerusform>%n attempt</numerusform>
                <numerusform>%n attempts</numerusform>
            </translation>
        </message>
        <message>
            <source>No steps recorded yet.</source>
            <translation>No steps recorded yet.</translation>
        </message>
        <message>
            <source> (compensation)</source>
            <translation> (compensation)</translation>
        </message>
        <message>
            <source>State: %1</source>
            <translation>State: %1</translation>
        </message>
        <message>
            <source>Attempts: %1</source>
            <translation>Attempts: %1</translation>
        </message>
        <message>
            <source>Started: %1</source>
            <translation>Started: %1</translation>
        </message>
        <message>
            <source>Ended: %1</source>
            <translation>Ended: %1</translation>
        </message>
        <message>
            <source>Error: %1</source>
            <translation>Error: %1</translation>
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
            <translation>Order</translation>
        </message>
        <message>
            <source>State</source>
            <comment>saga state column</comment>
            <translation>State</translation>
        </message>
        <message>
            <source>Current step</source>
            <translation>Current step</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>start time column</comment>
            <translation>Started</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>Updated</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SagasView</name>
        <message>
            <source>All states</source>
            <comment>saga state filter</comment>
            <translation>All states</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>State:</source>
            <comment>saga state filter label</comment>
            <translation>State:</translation>
        </message>
        <message>
            <source>Click a step to see its details and the order events it produced.</source>
            <translation>Click a step to see its details and the order events it produced.</translation>
        </message>
        <message numerus="yes">
            <source>%n saga(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>%n saga loaded; scroll for more.</numerusform>
                <numerusform>%n sagas loaded; scroll for more.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n saga(s).</source>
            <translation>
                <numerusform>%n saga.</numerusform>
                <numerusform>%n sagas.</numerusform>
            </translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>Showing older data: the last refresh failed (%1).</translation>
        </message>
        <message>
            <source>Could not load sagas: %1</source>
            <translation>Could not load sagas: %1</translation>
        </message>
        <message>
            <source>Sagas</source>
            <translation>Sagas</translation>
        </message>
        <message>
            <source>Saga %1: %2</source>
            <translation>Saga %1: %2</translation>
        </message>
        <message>
            <source>This saga has no trace id.</source>
            <translation>This saga has no trace id.</translation>
        </message>
        <message>
            <source>Saga &lt;b&gt;%1&lt;/b&gt; for order &lt;a href="order:%2"&gt;%2&lt;/a&gt;</source>
            <translation>Saga &lt;b&gt;%1&lt;/b&gt; for order &lt;a href="order:%2"&gt;%2&lt;/a&gt;</translation>
        </message>
        <message>
            <source>trace</source>
            <translation>trace</translation>
        </message>
        <message>
            <source> (compensation)</source>
            <translation> (compensation)</translation>
        </message>
        <message>
            <source>Order events produced: %1</source>
            <translation>Order events produced: %1</translation>
        </message>
        <message>
            <source>Outcome: %1</source>
            <translation>Outcome: %1</translation>
        </message>
        <message>
            <source>Span %1</source>
            <translation>Span %1</translation>
        </message>
        <message>
            <source>Sagas started between %1 and %2 · &lt;a href=&quot;all&quot;&gt;Show all&lt;/a&gt;</source>
            <translation>Sagas started between %1 and %2 · &lt;a href=&quot;all&quot;&gt;Show all&lt;/a&gt;</translation>
        </message>
        <message>
            <source>In the trace: %1</source>
            <translation>In the trace: %1</translation>
        </message>
        <message>
            <source>Could not load saga %1: %2</source>
            <translation>Could not load saga %1: %2</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SettingsDialog</name>
        <message>
            <source>Keeps a refresh token in the system keychain; never your password.</source>
            <translation>Keeps a refresh token in the system keychain; never your password.</translation>
        </message>
        <message>
            <source>No system keychain is available, so nothing is remembered.</source>
            <translation>No system keychain is available, so nothing is remembered.</translation>
        </message>
        <message>
            <source>Remember my sign-in</source>
            <translation>Remember my sign-in</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Settings</translation>
        </message>
        <message>
            <source>Light</source>
            <comment>theme</comment>
            <translation>Light</translation>
        </message>
        <message>
            <source>Dark</source>
            <comment>theme</comment>
            <translation>Dark</translation>
        </message>
        <message>
            <source> s</source>
            <comment>seconds suffix</comment>
            <translation> s</translation>
        </message>
        <message>
            <source>&amp;Gateway URL:</source>
            <translation>&amp;Gateway URL:</translation>
        </message>
        <message>
            <source>&amp;Language:</source>
            <translation>&amp;Language:</translation>
        </message>
        <message>
            <source>&amp;Theme:</source>
            <translation>&amp;Theme:</translation>
        </message>
        <message>
            <source>&amp;Refresh every:</source>
            <translation>&amp;Refresh every:</translation>
        </message>
        <message>
            <source>A new language or gateway URL applies the next time the console starts.</source>
            <translation>A new language or gateway URL applies the next time the console starts.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::SignInDialog</name>
        <message>
            <source>&amp;Remember my sign-in</source>
            <translation>&amp;Remember my sign-in</translation>
        </message>
        <message>
            <source>Sign in to FleetDeck</source>
            <translation>Sign in to FleetDeck</translation>
        </message>
        <message>
            <source>Keeps a refresh token in the system keychain; never your password.</source>
            <translation>Keeps a refresh token in the system keychain; never your password.</translation>
        </message>
        <message>
            <source>No system keychain is available, so nothing is remembered.</source>
            <translation>No system keychain is available, so nothing is remembered.</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>Sign in</translation>
        </message>
        <message>
            <source>&amp;Gateway URL:</source>
            <translation>&amp;Gateway URL:</translation>
        </message>
        <message>
            <source>&amp;User:</source>
            <translation>&amp;User:</translation>
        </message>
        <message>
            <source>&amp;Password:</source>
            <translation>&amp;Password:</translation>
        </message>
        <message>
            <source>&lt;b&gt;FleetDeck console&lt;/b&gt;&lt;br&gt;Sign in with an operator or admin account.</source>
            <translation>&lt;b&gt;FleetDeck console&lt;/b&gt;&lt;br&gt;Sign in with an operator or admin account.</translation>
        </message>
        <message>
            <source>Sign-in cancelled.</source>
            <translation>Sign-in cancelled.</translation>
        </message>
        <message>
            <source>Enter the gateway address, for example http://127.0.0.1:8080.</source>
            <translation>Enter the gateway address, for example http://127.0.0.1:8080.</translation>
        </message>
        <message>
            <source>Enter your user name and password.</source>
            <translation>Enter your user name and password.</translation>
        </message>
        <message>
            <source>Wrong user name or password.</source>
            <translation>Wrong user name or password.</translation>
        </message>
        <message numerus="yes">
            <source>Too many attempts. Try again in %n second(s).</source>
            <translation>
                <numerusform>Too many attempts. Try again in %n second.</numerusform>
                <numerusform>Too many attempts. Try again in %n seconds.</numerusform>
            </translation>
        </message>
        <message>
            <source>Too many attempts. Wait a little and try again.</source>
            <translation>Too many attempts. Wait a little and try again.</translation>
        </message>
        <message>
            <source>Cannot reach the gateway: %1. Check the gateway address, and that the gateway is running.</source>
            <translation>Cannot reach the gateway: %1. Check the gateway address, and that the gateway is running.</translation>
        </message>
        <message>
            <source>This console is for operators and admins; %1 is a %2 account.</source>
            <translation>This console is for operators and admins; %1 is a %2 account.</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::StateDiffModel</name>
        <message>
            <source>After</source>
            <translation>After</translation>
        </message>
        <message>
            <source>Field</source>
            <translation>Field</translation>
        </message>
        <message>
            <source>Version %1</source>
            <comment>order version</comment>
            <translation>Version %1</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>Before</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracePane</name>
        <message>
            <source>Loading trace %1…</source>
            <translation>Loading trace %1…</translation>
        </message>
        <message>
            <source>Trace %1 is not in the trace store (it may have expired).</source>
            <translation>Trace %1 is not in the trace store (it may have expired).</translation>
        </message>
        <message>
            <source>This gateway keeps no traces: tracing is off there, so trace %1 cannot be shown (press %2 once it is on). The gateway said: %3</source>
            <translation>This gateway keeps no traces: tracing is off there, so trace %1 cannot be shown (press %2 once it is on). The gateway said: %3</translation>
        </message>
        <message>
            <source>Trace %1 was not found, but some gateway replicas did not answer; try again (press %2). The gateway said: %3</source>
            <translation>Trace %1 was not found, but some gateway replicas did not answer; try again (press %2). The gateway said: %3</translation>
        </message>
        <message>
            <source>Could not load trace %1: %2. Press %3 to try again.</source>
            <translation>Could not load trace %1: %2. Press %3 to try again.</translation>
        </message>
        <message numerus="yes">
            <source>Could not load trace %1: %2. Trying again in %n second(s) (or press %3).</source>
            <translation>
                <numerusform>Could not load trace %1: %2. Trying again in %n second (or press %3).</numerusform>
                <numerusform>Could not load trace %1: %2. Trying again in %n seconds (or press %3).</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n gateway replica(s) did not answer: the spans they hold are missing from this trace.</source>
            <translation>
                <numerusform>%n gateway replica did not answer: the spans it holds are missing from this trace.</numerusform>
                <numerusform>%n gateway replicas did not answer: the spans they hold are missing from this trace.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Trace %1 was not found, but some gateway replicas did not answer; trying again in %n second(s) (or press %2). The gateway said: %3</source>
            <translation>
                <numerusform>Trace %1 was not found, but some gateway replicas did not answer; trying again in %n second (or press %2). The gateway said: %3</numerusform>
                <numerusform>Trace %1 was not found, but some gateway replicas did not answer; trying again in %n seconds (or press %2). The gateway said: %3</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TraceWaterfallWidget</name>
        <message>
            <source>No trace loaded.</source>
            <translation>No trace loaded.</translation>
        </message>
        <message numerus="yes">
            <source>Trace %1 · %n span(s)</source>
            <translation>
                <numerusform>Trace %1 · %n span</numerusform>
                <numerusform>Trace %1 · %n spans</numerusform>
            </translation>
        </message>
        <message>
            <source>Duration: %1</source>
            <translation>Duration: %1</translation>
        </message>
        <message>
            <source>Status: %1</source>
            <comment>span status</comment>
            <translation>Status: %1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracesModel</name>
        <message>
            <source>Error</source>
            <comment>trace with a failed span</comment>
            <translation>Error</translation>
        </message>
        <message>
            <source>Trace %1</source>
            <translation>Trace %1</translation>
        </message>
        <message>
            <source>Started</source>
            <comment>trace column</comment>
            <translation>Started</translation>
        </message>
        <message>
            <source>Root service</source>
            <translation>Root service</translation>
        </message>
        <message>
            <source>Root span</source>
            <translation>Root span</translation>
        </message>
        <message>
            <source>Duration</source>
            <comment>trace column</comment>
            <translation>Duration</translation>
        </message>
        <message>
            <source>Spans</source>
            <translation>Spans</translation>
        </message>
        <message>
            <source>Error</source>
            <comment>trace column: a span failed</comment>
            <translation>Error</translation>
        </message>
        <message>
            <source>Services</source>
            <translation>Services</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::TracesView</name>
        <message>
            <source>All services</source>
            <comment>trace service filter</comment>
            <translation>All services</translation>
        </message>
        <message>
            <source>All operations</source>
            <comment>trace operation filter</comment>
            <translation>All operations</translation>
        </message>
        <message>
            <source>Only traces whose root span has this name, e.g. POST /api/v1/orders</source>
            <translation>Only traces whose root span has this name, e.g. POST /api/v1/orders</translation>
        </message>
        <message>
            <source>Operation:</source>
            <comment>trace filter label: the root span's name</comment>
            <translation>Operation:</translation>
        </message>
        <message>
            <source> ms</source>
            <comment>minimum trace duration</comment>
            <translation> ms</translation>
        </message>
        <message>
            <source>Any</source>
            <comment>minimum trace duration of 0</comment>
            <translation>Any</translation>
        </message>
        <message>
            <source>Search</source>
            <comment>traces</comment>
            <translation>Search</translation>
        </message>
        <message>
            <source>List the newest traces that match the filters</source>
            <translation>List the newest traces that match the filters</translation>
        </message>
        <message>
            <source>Service:</source>
            <comment>trace filter label</comment>
            <translation>Service:</translation>
        </message>
        <message>
            <source>At least:</source>
            <comment>trace minimum duration label</comment>
            <translation>At least:</translation>
        </message>
        <message>
            <source>Show:</source>
            <comment>how many traces to list</comment>
            <translation>Show:</translation>
        </message>
        <message>
            <source>Select a trace to see its spans.</source>
            <translation>Select a trace to see its spans.</translation>
        </message>
        <message>
            <source>Traces</source>
            <translation>Traces</translation>
        </message>
        <message>
            <source>Loading traces…</source>
            <translation>Loading traces…</translation>
        </message>
        <message numerus="yes">
            <source>%n gateway replica(s) did not answer: the traces they hold are missing from this list.</source>
            <translation>
                <numerusform>%n gateway replica did not answer: the traces it holds are missing from this list.</numerusform>
                <numerusform>%n gateway replicas did not answer: the traces they hold are missing from this list.</numerusform>
            </translation>
        </message>
        <message>
            <source>No traces match these filters.</source>
            <translation>No traces match these filters.</translation>
        </message>
        <message numerus="yes">
            <source>The newest %n trace(s); older ones may match too: raise the limit to see them.</source>
            <translation>
                <numerusform>The newest trace; older ones may match too: raise the limit to see them.</numerusform>
                <numerusform>The newest %n traces; older ones may match too: raise the limit to see them.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n trace(s), newest first.</source>
            <translation>
                <numerusform>%n trace, newest first.</numerusform>
                <numerusform>%n traces, newest first.</numerusform>
            </translation>
        </message>
        <message>
            <source>The gateway did not answer (%1). Check the connection to the gateway, then press Search.</source>
            <translation>The gateway did not answer (%1). Check the connection to the gateway, then press Search.</translation>
        </message>
        <message>
            <source>Your account may not see traces: sign in as an operator or an admin.</source>
            <translation>Your account may not see traces: sign in as an operator or an admin.</translation>
        </message>
        <message>
            <source>The gateway refused the filters: %1</source>
            <translation>The gateway refused the filters: %1</translation>
        </message>
        <message>
            <source>This gateway keeps no traces: tracing is off there ([traces] enabled in its configuration). Press Search once it is on. The gateway said: %1</source>
            <translation>This gateway keeps no traces: tracing is off there ([traces] enabled in its configuration). Press Search once it is on. The gateway said: %1</translation>
        </message>
        <message>
            <source>Could not load the traces: %1. Press Search to try again.</source>
            <translation>Could not load the traces: %1. Press Search to try again.</translation>
        </message>
        <message>
            <source>Showing older data. %1</source>
            <translation>Showing older data. %1</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UserEditDialog</name>
        <message>
            <source>New user</source>
            <translation>New user</translation>
        </message>
        <message>
            <source>Edit %1</source>
            <translation>Edit %1</translation>
        </message>
        <message>
            <source>3-32 characters: a-z, 0-9, '.', '_', '-'</source>
            <translation>3-32 characters: a-z, 0-9, '.', '_', '-'</translation>
        </message>
        <message>
            <source>&amp;Username:</source>
            <translation>&amp;Username:</translation>
        </message>
        <message>
            <source>&amp;Display name:</source>
            <translation>&amp;Display name:</translation>
        </message>
        <message>
            <source>&amp;Email:</source>
            <translation>&amp;Email:</translation>
        </message>
        <message>
            <source>&amp;Role:</source>
            <translation>&amp;Role:</translation>
        </message>
        <message>
            <source>12-128 characters</source>
            <translation>12-128 characters</translation>
        </message>
        <message>
            <source>&amp;Password:</source>
            <translation>&amp;Password:</translation>
        </message>
        <message>
            <source>&amp;Status:</source>
            <translation>&amp;Status:</translation>
        </message>
        <message>
            <source>Create</source>
            <translation>Create</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Save</translation>
        </message>
        <message>
            <source>No answer arrived (%1). The user may have been created already: press "%2" again to retry. The gateway recognises the retry and does not create a second user.</source>
            <translation>No answer arrived (%1). The user may have been created already: press "%2" again to retry. The gateway recognises the retry and does not create a second user.</translation>
        </message>
        <message>
            <source>This dialog already created a user with the details it sent before (that answer was lost), so the changed details were not used. Close it and refresh the list to find that user.</source>
            <translation>This dialog already created a user with the details it sent before (that answer was lost), so the changed details were not used. Close it and refresh the list to find that user.</translation>
        </message>
        <message>
            <source>Reloaded: this is the user as saved now (version %1).</source>
            <translation>Reloaded: this is the user as saved now (version %1).</translation>
        </message>
        <message>
            <source>These details were sent already; the retry must send the same details (the password too). Open a new dialog for another user.</source>
            <translation>These details were sent already; the retry must send the same details (the password too). Open a new dialog for another user.</translation>
        </message>
        <message>
            <source>Someone else changed this user</source>
            <translation>Someone else changed this user</translation>
        </message>
        <message>
            <source>%1 was changed by someone else after you opened it, so your edit was not saved (nothing was overwritten).</source>
            <translation>%1 was changed by someone else after you opened it, so your edit was not saved (nothing was overwritten).</translation>
        </message>
        <message>
            <source>Reload to see the current values, then make your change again.</source>
            <translation>Reload to see the current values, then make your change again.</translation>
        </message>
        <message>
            <source>Trace id: %1</source>
            <translation>Trace id: %1</translation>
        </message>
        <message>
            <source>Reload</source>
            <translation>Reload</translation>
        </message>
        <message>
            <source>Keep my edits</source>
            <translation>Keep my edits</translation>
        </message>
        <message>
            <source>Please correct the fields marked above.</source>
            <translation>Please correct the fields marked above.</translation>
        </message>
        <message>
            <source>That username or email is already taken.</source>
            <translation>That username or email is already taken.</translation>
        </message>
        <message>
            <source>Save these changes to %1?</source>
            <translation>Save these changes to %1?</translation>
        </message>
        <message>
            <source>Role: %1 → %2</source>
            <translation>Role: %1 → %2</translation>
        </message>
        <message>
            <source>Status: %1 → %2</source>
            <translation>Status: %1 → %2</translation>
        </message>
        <message>
            <source>They can no longer sign in; their history stays.</source>
            <translation>They can no longer sign in; their history stays.</translation>
        </message>
        <message>
            <source>Change %1</source>
            <translation>Change %1</translation>
        </message>
        <message>
            <source>%1 changed after you opened it, perhaps by your own earlier save whose answer was lost, so this edit was not saved again (nothing was overwritten).</source>
            <translation>%1 changed after you opened it, perhaps by your own earlier save whose answer was lost, so this edit was not saved again (nothing was overwritten).</translation>
        </message>
        <message>
            <source>This user changed</source>
            <translation>This user changed</translation>
        </message>
        <message>
            <source>The change may have been saved</source>
            <translation>The change may have been saved</translation>
        </message>
        <message>
            <source>No answer arrived (%1), so the console cannot tell whether your change to %2 was saved. It may well have been.</source>
            <translation>No answer arrived (%1), so the console cannot tell whether your change to %2 was saved. It may well have been.</translation>
        </message>
        <message>
            <source>Reload to see %1 as saved now: if your change is there, nothing more is needed.</source>
            <translation>Reload to see %1 as saved now: if your change is there, nothing more is needed.</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Close</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UsersModel</name>
        <message>
            <source>Username</source>
            <translation>Username</translation>
        </message>
        <message>
            <source>Display name</source>
            <translation>Display name</translation>
        </message>
        <message>
            <source>Email</source>
            <translation>Email</translation>
        </message>
        <message>
            <source>Role</source>
            <comment>user role column</comment>
            <translation>Role</translation>
        </message>
        <message>
            <source>Status</source>
            <comment>user status column</comment>
            <translation>Status</translation>
        </message>
        <message>
            <source>Updated</source>
            <comment>time of last change</comment>
            <translation>Updated</translation>
        </message>
    </context>
    <context>
        <name>fleetdeck::console::UsersView</name>
        <message>
            <source>Search by name, user name or email</source>
            <translation>Search by name, user name or email</translation>
        </message>
        <message>
            <source>All roles</source>
            <translation>All roles</translation>
        </message>
        <message>
            <source>Any status</source>
            <comment>user status filter</comment>
            <translation>Any status</translation>
        </message>
        <message>
            <source>New user…</source>
            <translation>New user…</translation>
        </message>
        <message>
            <source>Edit…</source>
            <comment>edit a user</comment>
            <translation>Edit…</translation>
        </message>
        <message>
            <source>Disable…</source>
            <comment>disable a user account</comment>
            <translation>Disable…</translation>
        </message>
        <message>
            <source>Reset password…</source>
            <translation>Reset password…</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Users: %1</source>
            <translation>Users: %1</translation>
        </message>
        <message>
            <source>Users</source>
            <translation>Users</translation>
        </message>
        <message>
            <source>Loading users…</source>
            <translation>Loading users…</translation>
        </message>
        <message>
            <source>Showing older data: the last refresh failed (%1).</source>
            <translation>Showing older data: the last refresh failed (%1).</translation>
        </message>
        <message>
            <source>Could not load users: %1</source>
            <translation>Could not load users: %1</translation>
        </message>
        <message numerus="yes">
            <source>%n user(s) loaded; scroll for more.</source>
            <translation>
                <numerusform>%n user loaded; scroll for more.</numerusform>
                <numerusform>%n users loaded; scroll for more.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n user(s).</source>
            <translation>
                <numerusform>%n user.</numerusform>
                <numerusform>%n users.</numerusform>
            </translation>
        </message>
        <message>
            <source>Created user %1.</source>
            <translation>Created user %1.</translation>
        </message>
        <message>
            <source>Saved %1.</source>
            <translation>Saved %1.</translation>
        </message>
        <message>
            <source>Disable user</source>
            <translation>Disable user</translation>
        </message>
        <message>
            <source>Disable %1? They can no longer sign in; their history stays.</source>
            <translation>Disable %1? They can no longer sign in; their history stays.</translation>
        </message>
        <message>
            <source>Disable</source>
            <comment>disable a user account</comment>
            <translation>Disable</translation>
        </message>
        <message>
            <source>Could not disable the user</source>
            <translation>Could not disable the user</translation>
        </message>
        <message>
            <source>Disabled %1.</source>
            <translation>Disabled %1.</translation>
        </message>
        <message>
            <source>Reset password</source>
            <translation>Reset password</translation>
        </message>
        <message>
            <source>Give %1 a new temporary password? Their current password stops working.</source>
            <translation>Give %1 a new temporary password? Their current password stops working.</translation>
        </message>
        <message>
            <source>Could not reset the password</source>
            <translation>Could not reset the password</translation>
        </message>
        <message>
            <source>Temporary password</source>
            <translation>Temporary password</translation>
        </message>
        <message>
            <source>The temporary password of %1 is shown once:</source>
            <translation>The temporary password of %1 is shown once:</translation>
        </message>
        <message>
            <source>Copy</source>
            <translation>Copy</translation>
        </message>
        <message>
            <source>Disabling %1…</source>
            <translation>Disabling %1…</translation>
        </message>
        <message>
            <source>Resetting the password of %1…</source>
            <translation>Resetting the password of %1…</translation>
        </message>
    </context>
    <context>
        <name>main</name>
        <message>
            <source>FleetDeck console: fleet health, metrics, alerts, sagas, orders, users, event history, dead letters and traces.</source>
            <translation>FleetDeck console: fleet health, metrics, alerts, sagas, orders, users, event history, dead letters and traces.</translation>
        </message>
        <message>
            <source>Gateway base URL (default: the one in the settings, else http://127.0.0.1:8080).</source>
            <translation>Gateway base URL (default: the one in the settings, else http://127.0.0.1:8080).</translation>
        </message>
        <message>
            <source>User to sign in as.</source>
            <translation>User to sign in as.</translation>
        </message>
        <message>
            <source>Read the password from FILE (first line); with --user, signs in without asking.</source>
            <translation>Read the password from FILE (first line); with --user, signs in without asking.</translation>
        </message>
        <message>
            <source>After signing in, save console-&lt;view&gt;.png of each main view into DIR, then exit.</source>
            <translation>After signing in, save console-&lt;view&gt;.png of each main view into DIR, then exit.</translation>
        </message>
        <message>
            <source>Neither read nor store a refresh token in the system keychain.</source>
            <translation>Neither read nor store a refresh token in the system keychain.</translation>
        </message>
        <message>
            <source>Development only: skip sign-in, for a gateway without authentication.</source>
            <translation>Development only: skip sign-in, for a gateway without authentication.</translation>
        </message>
        <message>
            <source>Sign in with an account from FILE, lines &quot;&lt;role&gt; &lt;username&gt; &lt;password&gt;&quot; as ./fleetdeck credentials prints them: the --user line, else the first admin.</source>
            <translation>Sign in with an account from FILE, lines &quot;&lt;role&gt; &lt;username&gt; &lt;password&gt;&quot; as ./fleetdeck credentials prints them: the --user line, else the first admin.</translation>
        </message>
    </context>
</TS>
