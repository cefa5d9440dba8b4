"""Every repository on one database, built in one place.

The composition root (``bot.app``) and the command line build one :class:`Stores` per open
database and hand out the repositories services need; no service constructs a store itself, so
a reader finds every table's access in one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.card_feedback import CardFeedbackStore
from bot.store.channel_attention import ChannelAttentionStore
from bot.store.claims import Claims, new_owner
from bot.store.counts import CountStore
from bot.store.db import Database
from bot.store.digest_headers import DigestHeaderStore
from bot.store.digest_slots import DigestSlotStore
from bot.store.events import EventLog, FeedbackStore
from bot.store.flag_corrections import FlagCorrectionStore
from bot.store.followup import FollowupStore
from bot.store.inbox import InboxStore
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
from bot.store.topic_suggestions import TopicSuggestionStore
from bot.store.topics import TopicStore
from bot.store.validators import ValidatorStore
from bot.store.version_notes import VersionNoteStore


@dataclass(frozen=True, slots=True)
class Stores:
    """The repositories of one open database, for one worker: ``owner`` names it in the
    claims it takes on outbox rows, inbox rows and digest slots (``bot.store.claims``)."""

    db: Database
    owner: str
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
    claims: Claims
    inbox: InboxStore
    digest_slots: DigestSlotStore
    flag_corrections: FlagCorrectionStore
    card_feedback: CardFeedbackStore
    topic_suggestions: TopicSuggestionStore
    followup: FollowupStore
    semantic: SemanticStore  # embeddings and seeds of the optional semantic extra

    @classmethod
    def on(cls, db: Database, owner: str | None = None) -> Stores:
        """All repositories over ``db`` (cheap: they hold the connection, nothing else), for
        a new worker unless ``owner`` is given."""
        state = SourceState(db)
        owner = owner or new_owner()
        return cls(
            db=db, owner=owner, papers=PaperStore(db), topics=TopicStore(db),
            members=MemberStore(db), notes=NoteStore(db), events=EventLog(db),
            feedback=FeedbackStore(db), subscriptions=SubscriptionStore(db),
            overlaps=OverlapStore(db), posts=PostStore(db),
            digest_headers=DigestHeaderStore(db), version_notes=VersionNoteStore(db),
            runs=RunStore(db), source_state=state, validators=ValidatorStore(state),
            channel_attention=ChannelAttentionStore(db), counts=CountStore(db),
            local_posts=LocalPostStore(db), followup=FollowupStore(db),
            claims=Claims(db, owner), inbox=InboxStore(db, owner),
            digest_slots=DigestSlotStore(db, owner),
            flag_corrections=FlagCorrectionStore(db),
            card_feedback=CardFeedbackStore(db), topic_suggestions=TopicSuggestionStore(db),
            semantic=SemanticStore(db),
        )
