"""A local chat for trying the bot and for scripted sessions: one channel, ``console``.

Every message in the channel gets a number, printed as ``#N`` (bot posts, command replies and
members' thread replies alike), so a script can say ``reply 4 ...`` or ``edit 6 ...``. On a
database the numbers go on across sessions, so ``#N`` names one post for good and yesterday's
cards can be answered today. On a
terminal this is an interactive prompt; otherwise every input line is echoed and handled to
completion, in order, which makes ``scoopwatch run --db X < session.txt`` reproducible.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

from adapters.console.plugin import CONSOLE
from adapters.controls import show_controls
from adapters.plain import TEXT_TYPES, render
from bot.core.followup.threads import CLOSE_EMOJI
from bot.core.notes.reactions import SYMBOLS, canonical
from bot.errors import ScoopwatchError
from bot.messages import DigestHeader, File, Message, PaperCard, ThreadLink, ThreadReminder
from bot.platforms import PostLog
from bot.ports import (
    Actor,
    CommandEvent,
    CommandResult,
    PostRef,
    Reaction,
    ThreadRef,
    ThreadReply,
    ThreadReplyDeleted,
)

if TYPE_CHECKING:
    from bot.config import Config
    from bot.platforms import AppIO

log = logging.getLogger(__name__)

PLATFORM = WORKSPACE = CHANNEL = "console"
BOT = "scoopwatch"
HELP = """\
Console input, one line at a time:
  /scoop ...            a command from the current member (try /scoop help)
  @NAME LINE            LINE said by member NAME (a /scoop command, reply, edit, react...)
  @NAME                 speak as NAME from now on
  reply N TEXT          reply in the thread of message #N (a card, its prompt or a reply;
                        numbers go on across sessions, so yesterday's cards, prompts and
                        reminders are reachable too); reply N /scoop ... runs a command in
                        that thread (snooze)
  edit N TEXT           change your reply #N
  delete N              delete your reply #N
  react N EMOJI         react to message #N; on a paper card 👍 (or +1) = relevant,
                        👎 (or -1) = not relevant to my topic, 🏢 (or office) = not an
                        industry paper (see /scoop stats and /scoop labs)
  unreact N EMOJI       take your reaction on #N back (undoes what it meant)
  help, quit"""


@runtime_checkable
class NumberedPostLog(PostLog, Protocol):
    """The kept posts (``bot.store.local_posts``) with their numbers, and the highest number
    shown, so numbers go on across sessions of one database and never repeat."""

    async def record(self, platform: str, channel_id: str, message_id: str, *,
                     thread_root_id: str | None, marker: str | None, now: datetime,
                     number: int | None = None) -> None: ...

    async def keep_number(self, platform: str, channel_id: str, number: int) -> None: ...

    async def last_number(self, platform: str, channel_id: str) -> int: ...

    async def by_number(self, platform: str, channel_id: str, number: int
                        ) -> tuple[str, str | None] | None: ...

    async def numbers(self, platform: str, channel_id: str, message_ids: Collection[str]
                      ) -> dict[str, int]: ...


class CoreLike(Protocol):
    async def handle_command(self, event: CommandEvent) -> CommandResult: ...
    async def handle_thread_reply(self, event: ThreadReply) -> bool: ...
    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool: ...
    async def handle_reaction(self, event: Reaction) -> bool: ...


@dataclass
class Entry:
    """One numbered message of the channel."""

    number: int
    message_id: str  # its platform id (an earlier session's post keeps the id it had)
    author: str  # BOT or a member id
    text: str
    thread: int | None  # number of the thread's root message (0: not known), None: top
    root_id: str | None = None  # platform id of the thread's root message
    marker: str | None = None  # a header's or card's marker: kept, never printed


class ConsolePort:
    """``ChatPort`` for the console: prints every post with its number.

    The terminal keeps nothing the bot can read back, so the posts crash recovery asks about
    (cards and headers by marker, the bot's replies in threads) go to ``local_posts`` on the
    database before they are printed; ``find_marker`` and ``find_bot_reply`` answer from it,
    across restarts. Without it (a chat with no database) they see this session only.

    With ``local_posts`` the numbers go on from the highest one any session of the database
    showed, and each number is written down before its post is printed (a kept post with its
    row, any other post as the channel's highest number), so no number is ever shown twice,
    even after a kill. ``reply N`` and ``react N`` then reach an earlier session's kept post
    by its number. Without it numbers restart with every session. Either way the platform id
    is ``<session>.<number>``: ids stay unique even where numbers restart, and ids written
    before numbers went on (when each session began at #1) stay valid.
    """

    platform = PLATFORM

    def __init__(self, out: TextIO, names: Callable[[str], str] = str,
                 session: str | None = None, *, local_posts: NumberedPostLog | None = None,
                 clock: Callable[[], datetime] | None = None,
                 files_dir: Path | None = None) -> None:
        self.out = out
        self.files_dir = files_dir or Path(tempfile.gettempdir()) / "scoopwatch"
        self.names = names
        self.session = session or uuid.uuid4().hex[:8]
        self.entries: dict[int, Entry] = {}
        self._numbered = 0
        self._continued = local_posts is None  # True once numbering knows where to go on
        self._continuing = asyncio.Lock()
        self._known: dict[str, int] = {}  # earlier sessions' ids -> their numbers
        self.local_posts = local_posts
        self.clock = clock or (lambda: datetime.now(UTC))

    def message_id(self, number: int) -> str:
        return f"{self.session}.{number}"

    def number(self, message_id: str) -> int | None:
        """The ``#N`` of a message of this session, or of an earlier one already looked up
        (``learn``); None when it has none the console knows."""
        session, _, number = message_id.rpartition(".")
        if session == self.session and number.isdigit():
            return int(number)
        return self._known.get(message_id)

    async def learn(self, message_ids: Iterable[str]) -> None:
        """Look up the numbers of earlier sessions' posts among ``message_ids``, so a thread
        label, a header line or a reminder's hint can name them. Best effort: a post whose
        number cannot be read is named as of an earlier session, which is what it shows."""
        missing = {m for m in message_ids if self.number(m) is None}
        if not missing or self.local_posts is None:
            return
        try:
            self._known.update(await self.local_posts.numbers(PLATFORM, CHANNEL, missing))
        except Exception:
            log.warning("console: could not look up earlier posts' numbers", exc_info=True)

    async def continue_numbers(self) -> None:
        """Before the first number: go on after the highest one shown on this database.
        Raises when the database cannot say (the post is then not printed)."""
        if self._continued:
            return
        async with self._continuing:
            if not self._continued:
                assert self.local_posts is not None
                last = await self.local_posts.last_number(PLATFORM, CHANNEL)
                self._numbered = max(self._numbered, last)
                self._continued = True

    async def keep_number(self, number: int) -> None:
        """Write down that ``number`` is shown (a post with no row in ``local_posts``).

        Best effort, unlike a kept post: a command's answer or a member's line is still
        shown when the database cannot take the write, because the member must see what was
        done. The mark only goes up, so the next number written (kept post or not) covers
        this one too; only a process that ends before any later write can give it again.
        """
        if self.local_posts is None:
            return
        try:
            await self.local_posts.keep_number(PLATFORM, CHANNEL, number)
        except Exception:
            log.warning("console: post number #%d not written down", number, exc_info=True)

    async def entry(self, number: int) -> Entry | None:
        """Message ``#number``: one of this session's, or an earlier session's kept post (a
        card, header, prompt or reminder), looked up by its number."""
        entry = self.entries.get(number)
        if entry is not None or self.local_posts is None:
            return entry
        found = await self.local_posts.by_number(PLATFORM, CHANNEL, number)
        if found is None:
            return None
        message_id, root_id = found
        if root_id is not None:
            await self.learn([root_id])
        thread = None if root_id is None else (self.number(root_id) or 0)
        entry = Entry(number, message_id, BOT, "", thread, root_id)
        self._known[message_id] = number
        self.entries[number] = entry
        return entry

    @property
    def last(self) -> int:
        """The highest number known to be given (on a database: once numbering went on)."""
        return self._numbered

    def _add(self, author: str, text: str, root_id: str | None,
             marker: str | None = None) -> Entry:
        thread = None if root_id is None else (self.number(root_id) or 0)
        self._numbered += 1
        entry = Entry(self._numbered, self.message_id(self._numbered), author, text, thread,
                      root_id, marker)
        self.entries[entry.number] = entry
        return entry

    def print(self, line: str) -> None:
        """Print one entry; control characters (an escape sequence in a title, a NUL in a
        reply) are shown as visible symbols, so nothing a source or member wrote can rewrite
        the terminal."""
        self.out.write(show_controls(line) + "\n")
        self.out.flush()

    def show(self, entry: Entry, edited: bool = False) -> None:
        where = "" if entry.thread is None else (
            f"[thread #{entry.thread}] " if entry.thread else "[thread of an earlier session] ")
        who = "" if entry.author == BOT else f"@{self.names(entry.author)}: "
        tag = "(edited) " if edited else ""
        self.print(f"#{entry.number} {tag}{where}{who}{entry.text}")

    def _ref(self, entry: Entry) -> PostRef:
        return PostRef(PLATFORM, CHANNEL, entry.message_id)

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        marker = (message.marker if isinstance(message, DigestHeader | PaperCard | ThreadReminder)
                  else None)
        root_id = thread.root_message_id if thread else None
        links = message.open_threads if isinstance(message, DigestHeader) else ()
        await self.learn([link.root_message_id for link in links]
                         + ([root_id] if root_id else []))
        text = render(message, self.names, self.where, lambda _r: self.close_hint(root_id))
        return await self._bot_post(text, root_id, marker)

    def where(self, link: ThreadLink) -> str:
        """An open thread in a header: its card's post number, which ``reply N`` takes
        (a card kept from before numbers went on has one too, given by the upgrade)."""
        number = self.number(link.root_message_id)
        return f"#{number}" if number is not None else "[earlier session]"

    def close_hint(self, root_id: str | None) -> str:
        """Under a reminder: how to close its thread without a note, in console input."""
        number = self.number(root_id) if root_id else None
        n = str(number) if number is not None else "N"
        return (f"Not a concern? react {n} hand (✋ on the card), or reply {n} /scoop snooze.")

    async def _bot_post(self, text: str, root_id: str | None, marker: str | None) -> PostRef:
        """Number a post, record it if recovery may ask about it, then print it.

        Numbered first, so a post printed while this one is recorded takes the next number;
        recorded (with its number) before printing, so a kill in between leaves a post the
        restarted bot finds rather than one it prints again, and a number no later session
        gives again. A post that cannot be recorded is not printed (the outbox tries it again
        later) and its number stays unused. A post recovery never asks about (a command's
        answer) only has its number written down.
        """
        await self.continue_numbers()
        entry = self._add(BOT, text, root_id, marker)
        if self.local_posts is not None and (marker is not None or root_id is not None):
            try:
                await self.local_posts.record(
                    PLATFORM, CHANNEL, entry.message_id, thread_root_id=root_id,
                    marker=marker, now=self.clock(), number=entry.number)
            except BaseException:
                del self.entries[entry.number]
                raise
        else:
            await self.keep_number(entry.number)
        self.show(entry)
        return self._ref(entry)

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return ThreadRef(PLATFORM, post.channel_id, post.message_id)

    async def react(self, post: PostRef, emoji: str) -> None:
        """Say what the bot reacted with, on which post: a reply kept before a restart and
        stored after it belongs to an earlier session, and a member's line is not kept, so
        its number is not known in this one."""
        label = "note stored" if emoji == "white_check_mark" else f":{emoji}:"
        await self.learn([post.message_id])
        number = self.number(post.message_id)
        where = f"#{number}" if number is not None else "a message of an earlier session"
        self.print(f"   ✓ {label} ({where})")

    async def upload(self, channel_id: str, file: File, thread: ThreadRef | None = None
                     ) -> PostRef:
        """A text file is printed; any other (a chart) is saved under ``files_dir`` and its
        path printed, so the person at the terminal can open it."""
        text = render(file)
        if not file.mime_type.startswith(TEXT_TYPES):
            text += f"\n  saved to {self.save(file)}"
        return await self._bot_post(text, thread.root_message_id if thread else None, None)

    def save(self, file: File) -> Path:
        """Write ``file`` under ``files_dir`` by its own name (its base name only, so a name
        cannot leave the folder), numbered when that name is taken; returns the path."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        name = Path(file.filename).name or "file"
        stem, suffix = Path(name).stem, Path(name).suffix
        path, n = self.files_dir / name, 1
        while True:
            try:
                with path.open("xb") as out:
                    out.write(file.content)
                return path.resolve()
            except FileExistsError:
                n += 1
                path = self.files_dir / f"{stem}-{n}{suffix}"

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        """The latest top-level post carrying exactly ``marker``. Every recorded post is
        searched (``since`` is moot): a marker names one card or header of the channel."""
        if self.local_posts is not None:
            found = await self.local_posts.by_marker(PLATFORM, CHANNEL, marker)
            return PostRef(PLATFORM, CHANNEL, found) if found else None
        mine = [e for e in self.entries.values()
                if e.author == BOT and e.thread is None and e.marker == marker]
        return self._ref(mine[-1]) if mine else None

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        """The bot's first post in ``thread``, in this session or an earlier one."""
        if self.local_posts is not None:
            found = await self.local_posts.first_reply(PLATFORM, CHANNEL,
                                                       thread.root_message_id)
            return PostRef(PLATFORM, CHANNEL, found) if found else None
        mine = [e for e in self.entries.values()
                if e.root_id == thread.root_message_id and e.author == BOT]
        return self._ref(mine[0]) if mine else None

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        """The bot's post in ``thread`` carrying exactly ``marker``, in this session or an
        earlier one."""
        if self.local_posts is not None:
            found = await self.local_posts.in_thread_by_marker(
                PLATFORM, CHANNEL, thread.root_message_id, marker)
            return PostRef(PLATFORM, CHANNEL, found) if found else None
        mine = [e for e in self.entries.values() if e.author == BOT
                and e.root_id == thread.root_message_id and e.marker == marker]
        return self._ref(mine[0]) if mine else None

    async def say(self, member: str, text: str, root_id: str) -> Entry:
        """Print a member's reply in a thread under the next number (written down first)."""
        await self.continue_numbers()
        entry = self._add(member, text, root_id)
        await self.keep_number(entry.number)
        self.show(entry)
        return entry


class ConsoleSession:
    """Reads console lines and turns them into core events, one at a time."""

    def __init__(self, core: CoreLike, port: ConsolePort, *, member: str = "you",
                 clock: Callable[[], datetime] | None = None, echo: bool = True) -> None:
        self.core = core
        self.port = port
        self.member = member
        self.clock = clock or (lambda: datetime.now(UTC))
        self.echo = echo
        self._edits = 0

    async def run_lines(self, lines: Iterable[str]) -> int:
        """Handle every line in order; stop at ``quit``. Returns the exit status (0)."""
        for line in lines:
            if not await self.handle_line(line):
                break
        return 0

    async def handle_line(self, raw: str, *, echo: bool | None = None) -> bool:
        """Handle one line; False means quit. Errors print one line and never stop the loop.

        ``echo`` overrides the session's setting for this line (scripted opening lines are
        shown even on a terminal, where typed lines are not).
        """
        line = raw.strip()
        if not line or line.startswith("#"):
            return True
        if self.echo if echo is None else echo:
            word, _, rest = line.partition(" ")
            speaker = word[1:] if word.startswith("@") and len(word) > 1 and rest else None
            self.port.print(f"{speaker}> {rest.strip()}" if speaker else f"{self.member}> {line}")
        try:
            return await self._dispatch(self.member, line)
        except (ConsoleError, ScoopwatchError) as exc:  # a sentence meant for the member
            self.port.print(f"   ! {exc}")
        except Exception:  # a bug or a store failure: say so, keep the session alive
            log.exception("console line failed: %r", line)
            self.port.print("   ! that line failed and was not carried out; the log says why")
        return True

    async def _dispatch(self, member: str, line: str) -> bool:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        low = word.lower()
        if low == "/scoop":
            await self.command(member, line)
        elif word.startswith("@") and len(word) > 1:
            if not rest:
                self.member = word[1:]
                self.port.print(f"   (now speaking as @{self.member})")
            elif rest.split()[0].lower() in ("/scoop", "reply", "edit", "delete", "react",
                                             "unreact"):
                await self._dispatch(word[1:], rest)
            else:
                self.port.print("   (ignored: the bot only reads /scoop commands and replies "
                                "in paper threads; use reply N TEXT)")
        elif low in ("quit", "exit"):
            return False
        elif low == "help":
            self.port.print(HELP)
        elif low == "reply":
            number, text = await self._number_and_text(rest, "reply N TEXT")
            await self.reply(member, number, text)
        elif low == "edit":
            number, text = await self._number_and_text(rest, "edit N TEXT")
            await self.edit(member, number, text)
        elif low == "delete":
            await self.delete(member, (await self._entry(rest, "delete N")).number)
        elif low in ("react", "unreact"):
            number, emoji = await self._number_and_text(rest, f"{low} N EMOJI")
            await self.react(member, number, emoji.strip(":"), removed=low == "unreact")
        else:
            raise ConsoleError(f'unknown input "{word}": type help for what the console reads')
        return True

    async def command(self, member: str, text: str, thread: ThreadRef | None = None
                      ) -> CommandResult:
        event = CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor(member, member), text, thread)
        result = await self.core.handle_command(event)
        for message in result.messages:
            if isinstance(message, File):
                await self.port.upload(CHANNEL, message)
            else:
                await self.port.post(CHANNEL, message)
        return result

    async def reply(self, member: str, number: int, text: str) -> bool:
        target = await self._entry(str(number), "reply N TEXT")
        root_id = target.root_id or target.message_id
        if text.split()[0].lower() == "/scoop":  # a command run in the thread, not a note
            await self.command(member, text, ThreadRef(PLATFORM, CHANNEL, root_id))
            return False
        entry = await self.port.say(member, text, root_id)
        message_id = entry.message_id
        event = ThreadReply(PLATFORM, WORKSPACE, ThreadRef(PLATFORM, CHANNEL, root_id), message_id,
                            Actor(member, member), text, self.clock(),
                            event_id=f"console:{message_id}")
        stored = await self.core.handle_thread_reply(event)
        if not stored:
            self.port.print(f"   (not a note: #{entry.thread} is not a paper thread)")
        return stored

    async def edit(self, member: str, number: int, text: str) -> bool:
        entry = await self._own(member, number, "edit")
        entry.text = text
        self.port.show(entry, edited=True)
        self._edits += 1
        message_id = entry.message_id
        event = ThreadReply(PLATFORM, WORKSPACE, self._thread(entry), message_id,
                            Actor(member, member), text, self.clock(),
                            event_id=f"console:{message_id}:edit:{self._edits}", edited=True)
        stored = await self.core.handle_thread_reply(event)
        self.port.print("   ✓ note updated" if stored else "   (no note changed)")
        return stored

    async def delete(self, member: str, number: int) -> bool:
        entry = await self._own(member, number, "delete")
        event = ThreadReplyDeleted(PLATFORM, WORKSPACE, self._thread(entry),
                                   entry.message_id, self.clock())
        deleted = await self.core.handle_reply_deleted(event)
        self.port.print(f"   #{number} deleted" + (" (note marked deleted)" if deleted else ""))
        return deleted

    async def react(self, member: str, number: int, emoji: str, *, removed: bool = False
                    ) -> bool:
        """``react N EMOJI`` (or ``unreact``): the core says whether feedback changed."""
        target = await self._entry(str(number),
                                   "unreact N EMOJI" if removed else "react N EMOJI")
        event = Reaction(PLATFORM, WORKSPACE, PostRef(PLATFORM, CHANNEL, target.message_id),
                         Actor(member, member), emoji, self.clock(), removed=removed)
        changed = await self.core.handle_reaction(event)
        name = canonical(emoji)
        closes = name in CLOSE_EMOJI
        label = SYMBOLS.get(name) or ("✋" if closes else
                                      f":{emoji}:" if emoji.isascii() else emoji)
        if removed:
            said = " (the thread stays closed)" if closes else " (feedback undone)"
            self.port.print(f"   {label} taken off #{number}" + (said if changed else ""))
        else:
            said = " (thread closed: not a concern)" if closes else " (feedback kept)"
            self.port.print(f"   {label} on #{number}" + (said if changed else ""))
        return changed

    @staticmethod
    def _thread(entry: Entry) -> ThreadRef:
        assert entry.root_id is not None  # only thread replies are edited or deleted
        return ThreadRef(PLATFORM, CHANNEL, entry.root_id)

    async def _number_and_text(self, rest: str, usage: str) -> tuple[int, str]:
        number, _, text = rest.partition(" ")
        if not text.strip():
            raise ConsoleError(f"expected {usage}")
        return (await self._entry(number, usage)).number, text.strip()

    async def _entry(self, number: str, usage: str) -> Entry:
        digits = number.strip().lstrip("#")
        if not digits.isdigit():
            raise ConsoleError(f'expected {usage} with N a message number, got "{number}"')
        entry = await self.port.entry(int(digits))
        if entry is not None:
            return entry
        await self.port.continue_numbers()
        if self.port.local_posts is not None and 0 < int(digits) <= self.port.last:
            raise ConsoleError(f"#{digits} was shown in an earlier session and is not kept: "
                               "after a restart the console reaches the bot's cards, digest "
                               "headers and posts in paper threads")
        raise ConsoleError(f"there is no message #{digits}")

    async def _own(self, member: str, number: int, verb: str) -> Entry:
        entry = await self._entry(str(number), f"{verb} N")
        if entry.author != member or entry.thread is None:
            raise ConsoleError(f"#{number} is not a thread reply of @{member}'s; "
                               f"you can only {verb} your own replies")
        return entry


class ConsoleError(Exception):
    """Bad console input (not a bot error): printed as one line, the session goes on."""


class ConsoleAdapter:
    """The console as a runnable adapter: reads ``stdin`` until end of input, ``quit`` or stop.

    Lines are read by a daemon thread so the event loop keeps running scheduled jobs while a
    person thinks; each line is still handled to completion before the next one is taken.
    """

    name = "console"

    def __init__(self, core: CoreLike, *, stdin: TextIO, stdout: TextIO, member: str = "you",
                 interactive: bool | None = None,
                 clock: Callable[[], datetime] | None = None,
                 script: Iterable[str] = (), local_posts: NumberedPostLog | None = None,
                 files_dir: Path | None = None) -> None:
        self.stdin = stdin
        self.script = tuple(script)
        self.interactive = _isatty(stdin) if interactive is None else interactive
        self.port = ConsolePort(stdout, local_posts=local_posts, clock=clock,
                                files_dir=files_dir)
        self.session = ConsoleSession(core, self.port, member=member, clock=clock,
                                      echo=not self.interactive)

    @classmethod
    def from_config(cls, config: Config, core: CoreLike, io: AppIO) -> ConsoleAdapter:
        """The adapter entry point (``bot.app.build_adapter``): ``io`` gives stdin, stdout, the
        clock, the opening script and where posts are kept for recovery; ``console.member`` is
        who types, ``console.files_dir`` where posted charts are saved."""
        settings = CONSOLE.settings(config)
        posts = io.local_posts
        if posts is not None and not isinstance(posts, NumberedPostLog):
            raise TypeError("the console keeps its posts in bot.store.local_posts, which "
                            "numbers them")
        return cls(core, stdin=io.stdin, stdout=io.stdout, member=settings.member,
                   clock=io.clock, script=io.script, local_posts=posts,
                   files_dir=settings.files_dir)

    async def start(self) -> None:
        """Nothing to connect: the console is ready as soon as it is built."""

    async def stop(self) -> None:
        """Nothing to disconnect: ``run`` ends with its input or the stop event."""

    async def run(self, stop: asyncio.Event) -> int:
        """Run the opening script, then serve until end of input (exit status 0), ``quit``, or
        ``stop`` being set."""
        for opening in self.script:
            if stop.is_set() or not await self.session.handle_line(opening, echo=True):
                return 0
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def pump() -> None:
            try:
                for line in iter(self.stdin.readline, ""):
                    loop.call_soon_threadsafe(queue.put_nowait, line)
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except (RuntimeError, ValueError):  # loop closed or stdin closed: we are done
                return

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()
        if self.interactive:
            self.port.print(HELP)
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while True:
                if self.interactive:
                    self.port.out.write(f"{self.session.member}> ")
                    self.port.out.flush()
                line_task = asyncio.ensure_future(queue.get())
                await asyncio.wait({line_task, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not line_task.done():
                    line_task.cancel()
                    break
                line = line_task.result()
                if line is None or not await self.session.handle_line(line):
                    break
        finally:
            stopped.cancel()
        return 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
