"""The Redis message queue between the site's processes, and what happens
when Redis goes away.

python-socketio's RedisManager already delivers a message to the clients of
the process that sent it before publishing it for the others, so without
Redis each process goes on serving its own clients: a board degrades to a
single process. What it lacks, and this subclass adds:
- knowing it: `linked` is False from the first failed publish or broken
  subscription, True again once Redis answers; each change calls
  `on_change(manager, linked)` (labo.workshops.events tells every screen,
  which shows a notice and, once linked again, fetches the whole board);
- coming back soon: the subscription is retried every 2 s at most, where
  the library's back-off grows to a minute;
- never hanging on a Redis that does not answer: connections time out after 2 s."""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

import socketio

log = logging.getLogger("labo.realtime")

CONNECT_TIMEOUT = 2  # seconds
RETRY_CAP = 2  # seconds between two tries to subscribe again


class SharedQueue(socketio.RedisManager):
    def __init__(self, url: str, *, on_change: Optional[Callable[["SharedQueue", bool], None]] = None,
                 on_message: Optional[Callable[[dict], None]] = None, **kwargs):
        kwargs.setdefault("redis_options", {"socket_connect_timeout": CONNECT_TIMEOUT})
        super().__init__(url, **kwargs)
        self.linked = True
        self.on_change = on_change
        self.on_message = on_message

    def _handle_emit(self, message):
        """A message from the queue, before this process's clients get it:
        `on_message(message)` first (labo.workshops.events drops what it kept
        of that board)."""
        if self.on_message is not None:
            self.on_message(message)
        return super()._handle_emit(message)

    def _set_linked(self, linked: bool) -> None:
        if linked == self.linked:
            return
        self.linked = linked
        if linked:
            log.info("Redis is back: the processes share the live boards again")
        else:
            log.error("Redis unreachable: each process serves only its own live-board clients until it returns")
        if self.on_change is not None and self.server is not None:
            self.on_change(self, linked)

    def _publish(self, data) -> None:
        error: Optional[Exception] = None
        for _attempt in range(2):
            try:
                if not self.connected:
                    self._redis_connect()
                self.redis.publish(self.channel, self.json.dumps(data))
                self._set_linked(True)
                return
            except Exception as exc:  # redis' errors, and OSError from the socket
                self.connected = False
                error = exc
        log.warning("message not shared with the other processes: %s", error)
        self._set_linked(False)

    def _redis_listen_with_retries(self):
        wait = 0.5
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    wait = 0.5
                    self._set_linked(True)
                yield from self.pubsub.listen()
            except Exception as exc:
                subscribed = False
                self._set_linked(False)
                log.debug("Redis subscription lost (%s): trying again in %s s", exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, RETRY_CAP)
