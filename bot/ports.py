"""The seam between the core and the chat adapters.

Inbound: adapters turn platform events into these frozen events and call the core.
Outbound: the core talks to a platform only through ``ChatPort``. A thread is always
``(platform, channel_id, root_message_id)``; the core never sees platform message ids
as anything but opaque strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.messages import Message
from bot.unicode_text import well_formed


def _well_formed(event: Any, *names: str) -> None:
    """Member text as UTF-8 can carry it (:mod:`bot.unicode_text`): a lone surrogate from a
    platform's JSON or a terminal's undecodable byte would otherwise make the note, the
    command or the name impossible to store."""
    for name in names:
        value = getattr(event, name)
        clean = well_formed(value)
        if clean is not value:
            object.__setattr__(event, name, clean)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a platform user id, a display name, and whether it is a bot.

    ``display_name`` is empty when the platform could not say right now (its user look-up
    failed): the event still counts, and the core keeps the name it already knows."""

    member_id: str
    display_name: str
    is_bot: bool = False

    def __post_init__(self) -> None:
        _well_formed(self, "member_id", "display_name")


@dataclass(frozen=True, slots=True)
class PostRef:
    """A message the bot posted."""

    platform: str
    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """A thread, identified by the message it hangs off."""

    platform: str
    channel_id: str
    root_message_id: str


def mention_token(member_id: str) -> str:
    """How command text names a member by platform id: ``<@MEMBER_ID>``.

    Each platform writes mentions its own way; adapters rewrite them into this one form before
    a ``CommandEvent`` reaches the core, so the core reads a single notation. Broadcasts arrive
    as the plain words ``@everyone``, ``@here`` or ``@channel``.
    """
    return f"<@{member_id}>"


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """``/scoop <text>`` typed by ``actor`` in ``channel_id`` of ``workspace``; members named
    by id are written as :func:`mention_token` makes them. ``thread`` is the thread of that
    channel the command was run in, when the platform can say (``/scoop snooze`` needs it)."""

    platform: str
    workspace: str
    channel_id: str
    actor: Actor
    text: str
    thread: ThreadRef | None = None

    def __post_init__(self) -> None:
        _well_formed(self, "text")


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """A message in a thread (new, or edited when ``edited`` is true)."""

    platform: str
    workspace: str
    thread: ThreadRef
    message_id: str
    actor: Actor
    text: str
    at: datetime
    event_id: str | None = None  # platform delivery id, for de-duplication
    edited: bool = False
    # The channel holding the message itself, where the platform gives a thread a channel of
    # its own (Discord); None where thread messages sit in the thread's channel (Slack).
    located_in: str | None = None

    def __post_init__(self) -> None:
        _well_formed(self, "text")

    def as_post(self) -> PostRef:
        """The reply as a message to react to. Kept with the event (the inbox stores it), so
        a process that did not see the thread's messages still reaches the right channel."""
        return PostRef(self.platform, self.located_in or self.thread.channel_id,
                       self.message_id)


@dataclass(frozen=True, slots=True)
class ThreadReplyDeleted:
    """A thread message was deleted."""

    platform: str
    workspace: str
    thread: ThreadRef | None  # None when the platform does not say (resolved via message id)
    message_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reaction:
    """A reaction added to one of the bot's posts (feedback on a paper card), or taken back
    (``removed``: the platform says the member removed it)."""

    platform: str
    workspace: str
    post: PostRef
    actor: Actor
    emoji: str
    at: datetime
    removed: bool = False

    def __post_init__(self) -> None:
        _well_formed(self, "emoji")


InboundEvent = ThreadReply | ThreadReplyDeleted | Reaction
"""The inbound events that may become (or change) a note: kept in the inbox before they are
acknowledged (``CoreApi.receive``)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a command answers. ``public`` replies go to the channel, others only to the actor."""

    messages: tuple[Message, ...]
    public: bool = False
    ok: bool = True


class ChatPort(Protocol):
    """What the core needs from a chat platform. Adapters enforce their own limits.

    A call the platform refuses until a person acts (the bot is not in the channel, the
    channel is archived or gone, a permission is missing) raises
    ``bot.errors.ChannelUnavailable``; anything else a platform raises counts as transient.
    """

    platform: str

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        """Post in a channel, or in ``thread`` of it; a ``File`` is uploaded there."""
        ...

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        """Make ``post`` the root of a thread (some platforms create one; on others a reply to
        the post is the thread, and nothing needs creating)."""
        ...

    async def react(self, post: PostRef, emoji: str) -> None:
        """Add a reaction (used to acknowledge stored notes). Platforms without them may print."""
        ...

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        """The bot's top-level message holding ``marker`` among every message posted in the
        channel since ``since`` (outbox crash recovery: the post was attempted after that
        moment, so however busy the channel, it is found if it arrived)."""
        ...

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        """The bot's own first message in ``thread``, if any (outbox crash recovery: a thread
        prompt that went out before a crash is found instead of posted twice)."""
        ...

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        """The bot's message in ``thread`` carrying exactly ``marker`` (a thread reminder
        posted just before a crash), if any."""
        ...


class CoreApi(Protocol):
    """What the core offers adapters: one entry point per inbound event
    (``bot.core.facade.Core`` implements it; adapter tests use fakes)."""

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        """Parse, validate and run a ``/scoop`` command."""
        ...

    async def receive(self, event: InboundEvent) -> bool:
        """Keep a thread reply, edit, deletion or reaction in the inbox, to be processed in
        the background until done. Returns once the event is durable (a redelivery of one
        already kept included), so adapters acknowledge the platform only then: True; False
        when it could not be kept (the member was asked in the thread to send it again)."""
        ...

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        """Keep, then store (or update) a differentiation note at once; True when it was one
        (the console, which prints the outcome of every line)."""
        ...

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> object:
        """Keep, then mark the note of a deleted thread message deleted at once."""
        ...

    async def handle_reaction(self, event: Reaction) -> object:
        """Keep, then record feedback on a paper card at once (or undo it when the reaction
        was removed)."""
        ...

    async def topic_names(self, platform: str, workspace: str, member_id: str
                          ) -> Sequence[str]:
        """Topic names to offer while a member types (their own first, then the others')."""
        ...
