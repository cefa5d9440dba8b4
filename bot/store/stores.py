"""Every repository on one database, built in one place.

The composition root (``bot.app``) and the command line build one :class:`Stores` per open
database and hand out the repositories services need; no service constructs a store itself, so
a reader finds every table's access in one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.channel_attention import ChannelAttentionStore
from bot.store.counts import CountStore
from bot.store.db import Database
from bot.store.digest_headers import DigestHeaderStore
from bot.store.events import EventLog, FeedbackStore
from bot.store.local_posts import LocalPostStore
from bot.store.members import MemberStore
from bot.store.notes import NoteStore
from bot.store.overlaps import OverlapStore
from bot.store.papers import PaperStore
from bot.store.posts import PostStore
from bot.store.runs import RunStore
from bot.store.semantic import SemanticStore
from bot.store.source_state import SourceState
from bot.store.subscriptions import SubscriptionStore
from bot.store.topics import TopicStore
from bot.store.validators import ValidatorStore
from bot.store.version_notes import VersionNoteStore


@dataclass(frozen=True, slots=True)
class Stores:
    """The repositories of one open database."""

    db: Database
    papers: PaperStore
    topics: TopicStore
    members: MemberStore
    notes: NoteStore
    events: EventLog
    feedback: FeedbackStore
    subscriptions: SubscriptionStore
    overlaps: OverlapStore
    posts: PostStore
    digest_headers: DigestHeaderStore
    version_notes: VersionNoteStore
    runs: RunStore
    source_state: SourceState
    validators: ValidatorStore
    channel_attention: ChannelAttentionStore
    counts: CountStore
    local_posts: LocalPostStore
    semantic: SemanticStore  # embeddings and seeds of the optional semantic extra

    @classmethod
    def on(cls, db: Database) -> Stores:
        """All repositories over ``db`` (cheap: they hold the connection, nothing else)."""
        state = SourceState(db)
        return cls(
            db=db, papers=PaperStore(db), topics=TopicStore(db), members=MemberStore(db),
            notes=NoteStore(db), events=EventLog(db), feedback=FeedbackStore(db),
            subscriptions=SubscriptionStore(db), overlaps=OverlapStore(db), posts=PostStore(db),
            digest_headers=DigestHeaderStore(db), version_notes=VersionNoteStore(db),
            runs=RunStore(db), source_state=state, validators=ValidatorStore(state),
            channel_attention=ChannelAttentionStore(db), counts=CountStore(db),
            local_posts=LocalPostStore(db), semantic=SemanticStore(db),
        )
