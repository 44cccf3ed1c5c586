# -*- test-case-name: tests.api.test_document_controller -*-
"""The ``document`` controller: its actions live in three modules, by kind."""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.api.controllers.document_multi import MultiDocumentActions
from kuzzle_tx.api.controllers.document_search import SearchActions
from kuzzle_tx.api.controllers.document_single import SingleDocumentActions
from kuzzle_tx.api.scrolls import ScrollCursors
from kuzzle_tx.config import LimitsConfig
from kuzzle_tx.interfaces import INotifier, IStorage


class DocumentController(SingleDocumentActions, MultiDocumentActions, SearchActions):
    ACTIONS = (
        "create",
        "createOrReplace",
        "replace",
        "update",
        "upsert",
        "get",
        "exists",
        "delete",
        "deleteFields",
        "validate",
        "mGet",
        "mExists",
        "mCreate",
        "mCreateOrReplace",
        "mReplace",
        "mUpdate",
        "mUpsert",
        "mDelete",
        "deleteByQuery",
        "updateByQuery",
        "search",
        "scroll",
        "count",
    )

    def __init__(
        self,
        storage: IStorage,
        notifier: INotifier,
        clock: IReactorTime,
        limits: LimitsConfig,
        max_scroll_seconds: float,
    ) -> None:
        super().__init__(storage, notifier, clock, limits)
        self._scrolls = ScrollCursors(clock)
        self._max_scroll = max_scroll_seconds
