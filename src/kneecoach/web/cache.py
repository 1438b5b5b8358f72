"""A small LRU cache of rendered `today` answers, keyed by the person's data revision.

Any write bumps the person's revision (store), so a stale answer is never served:
the key changes. Each server worker has its own cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class LruCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


TODAY_CACHE = LruCache(256)
