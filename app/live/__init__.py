"""Live updates: ticket events, presence and session signals delivered to WebSocket subscribers.

One ``LiveUpdates`` per server process owns a ``Dispatcher`` (one subscription to the ticket and
presence channels, loads what changed once, decides per subscriber in memory) and a
``ConnectionRegistry`` (authenticated sockets; closes them on session signals and resyncs).
"""
