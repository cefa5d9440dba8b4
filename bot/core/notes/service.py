"""Differentiation notes: members' replies in paper threads, kept and quoted back.

Only replies in threads the bot opened under a paper card become notes; the bot's own and other
bots' messages never do. Platforms redeliver events, so a note is stored once per message (and
once per delivery id); an edit keeps the earlier text, a deletion only marks the note.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from bot.messages import Line, Text, item, line, shorten
from bot.models import Paper
from bot.ports import (
    ChatPort,
    CommandResult,
    PostRef,
    Reaction,
    ThreadReply,
    ThreadReplyDeleted,
)
from bot.store.events import EventLog
from bot.store.members import MemberStore
from bot.store.notes import NoteDraft, NoteRecord, NoteStore

log = logging.getLogger(__name__)

ACK_EMOJI = "white_check_mark"


class ThreadPost(Protocol):
    """What the notes side needs of a posted paper card (``bot.store.posts.PostRecord``)."""

    @property
    def paper_key(self) -> str: ...
    @property
    def card_message_id(self) -> str | None: ...
    @property
    def thread_root_id(self) -> str | None: ...
    @property
    def prompt_message_id(self) -> str | None: ...
    @property
    def topics(self) -> tuple[str, ...]: ...


class ThreadLookup(Protocol):
    """Finds the paper post behind a thread or message (``bot.store.posts.PostStore``)."""

    async def find_by_thread(
        self, platform: str, channel_id: str, root_message_id: str
    ) -> ThreadPost | None: ...

    async def find_by_message(self, platform: str, message_id: str) -> ThreadPost | None: ...


class PaperLookup(Protocol):
    async def get(self, key: str) -> Paper | None: ...


class ReactionHandler(Protocol):
    """Gives a reaction on a card post its meaning (``bot.core.notes.feedback``)."""

    async def handle(self, event: Reaction, post: ThreadPost) -> bool: ...


class NotesService:
    """Stores thread replies as notes and answers ``/scoop notes``."""

    def __init__(
        self, notes: NoteStore, members: MemberStore, events: EventLog,
        reactions: ReactionHandler, threads: ThreadLookup, papers: PaperLookup,
        port_for: Callable[[str], ChatPort | None],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._notes = notes
        self._members = members
        self._events = events
        self._reactions = reactions
        self._threads = threads
        self._papers = papers
        self._port_for = port_for
        self._clock = clock or (lambda: datetime.now(UTC))

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        """Store (or update) a note; True when a note was created or its text changed."""
        text = event.text.strip()
        if event.actor.is_bot or not text:
            return False
        if event.event_id and await self._events.seen(event.platform, event.event_id):
            return False
        thread = event.thread
        post = await self._threads.find_by_thread(
            event.platform, thread.channel_id, thread.root_message_id
        )
        if post is None or event.message_id in _bot_messages(post):
            return False
        existing = await self._notes.get_by_message(
            event.platform, thread.channel_id, event.message_id
        )
        if existing is not None:
            stored = event.edited and await self._notes.edit(existing.id, text, event.at)
        else:
            stored = await self._store_new(event, post, text)
        if event.event_id:
            await self._events.first_time(event.platform, event.event_id, self._clock())
        return stored

    async def acknowledge_again(self, event: ThreadReply) -> None:
        """The ✅ for a reply whose earlier try stored its note and then died, maybe before
        the ✅: the member must see one (a platform keeps one reaction per emoji)."""
        if event.edited or event.actor.is_bot:
            return
        note = await self._notes.get_by_message(event.platform, event.thread.channel_id,
                                                event.message_id)
        if note is not None:
            await self._acknowledge(event.as_post())

    async def _store_new(self, event: ThreadReply, post: ThreadPost, text: str) -> bool:
        paper = await self._papers.get(post.paper_key)
        actor = event.actor
        await self._members.upsert(event.platform, event.workspace, actor.member_id,
                                   actor.display_name, self._clock())
        known = await self._members.get(event.platform, event.workspace, actor.member_id)
        # An unknown name (blank) is stored as the id; the member store fills it in later.
        author = actor.display_name.strip() or (known.display_name if known else "")
        draft = NoteDraft(
            platform=event.platform, workspace=event.workspace,
            channel_id=event.thread.channel_id, root_message_id=event.thread.root_message_id,
            message_id=event.message_id, paper_key=post.paper_key,
            paper_title=paper.title if paper else post.paper_key,
            paper_url=paper.abs_url if paper else None, topics=tuple(post.topics),
            author_id=actor.member_id, author_name=author or actor.member_id,
            text=text, at=event.at,
        )
        _note, created = await self._notes.add(draft)
        if created:
            await self._acknowledge(event.as_post())
        return created

    async def _acknowledge(self, ref: PostRef) -> None:
        port = self._port_for(ref.platform)
        if port is None:
            return
        try:
            await port.react(ref, ACK_EMOJI)
        except Exception:  # the note is stored; a failed reaction must not undo that
            log.warning("could not acknowledge note %s on %s", ref.message_id, ref.platform,
                        exc_info=True)

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool:
        """Mark the note of a deleted message deleted; True when one was."""
        if event.thread is not None:
            note = await self._notes.get_by_message(
                event.platform, event.thread.channel_id, event.message_id
            )
            notes = [note] if note else []
        else:
            notes = await self._notes.find_by_message(event.platform, event.message_id)
        results = [await self._notes.mark_deleted(n.id, event.at) for n in notes]
        return any(results)

    async def handle_reaction(self, event: Reaction) -> bool:
        """A member's reaction on one of a paper post's messages, added or taken back, kept as
        feedback with its meaning; False for anything else (and when nothing changed)."""
        if event.actor.is_bot:
            return False
        post = await self._threads.find_by_message(event.platform, event.post.message_id)
        if post is None:
            return False
        return await self._reactions.handle(event, post)

    async def list_notes(
        self, platform: str, workspace: str, *, topic: str | None = None,
        author_id: str | None = None, label: str = "", limit: int = 10,
    ) -> CommandResult:
        """``/scoop notes [TOPIC|@member]``: who, when, on which paper, the text shortened."""
        notes = await self._notes.recent(
            platform, workspace, topic=topic, author_id=author_id, limit=limit
        )
        about = f" {label}" if label else ""
        if not notes:
            return CommandResult((Text(
                f"No differentiation notes{about} yet. Reply in a paper's thread to add one."),))
        lines = [line(f"Latest differentiation notes{about} ({len(notes)}):")]
        lines += [_note_line(n) for n in notes]
        return CommandResult((Text(lines),))


def _bot_messages(post: ThreadPost) -> set[str]:
    ids = (post.card_message_id, post.prompt_message_id)
    return {i for i in ids if i}


def _note_line(note: NoteRecord) -> Line:
    topics = f" [{', '.join(note.topics)}]" if note.topics else ""
    when = note.created_at.date().isoformat()
    return item(f"@{note.author_name}, {when}, on \"{shorten(note.paper_title, 80)}\"{topics}: "
                f"{shorten(note.text, 160)}", indent=1)
