"""The console adapter driven by lists of lines: numbering, threads, edits, errors, EOF."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from adapters.console.chat import ConsoleAdapter, ConsolePort, ConsoleSession
from adapters.plain import render
from bot.messages import (
    DigestHeader,
    File,
    LabBadge,
    MemberMatch,
    PaperCard,
    QuotedNote,
    Text,
    ThreadPrompt,
    TopicHits,
)
from bot.ports import (
    CommandEvent,
    CommandResult,
    PostRef,
    Reaction,
    ThreadRef,
    ThreadReply,
    ThreadReplyDeleted,
)

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
CARD = PaperCard(
    paper_key="2411.17700", title="Planning with diffusion", url="https://arxiv.org/abs/2411.17700",
    labs=(LabBadge("Google", "Google DeepMind", "Google DeepMind, London", "openalex"),),
    authors=("A. One", "B. Two", "C. Three"), et_al=True,
    matches=(MemberMatch("ana", "diffusion-planning", ("diffusion", "planning"), "ana"),),
    categories=("cs.LG", "cs.RO"), announced=date(2024, 11, 28),
    abstract_opening="We plan with diffusion…", marker="sw:2411.17700",
)
PROMPT = ThreadPrompt("How does our work differ?", ("ana",), ("diffusion-planning",), (
    QuotedNote("bo", "bo", NOW, "Older paper", "Ours is offline RL."),))


@dataclass
class FakeCore:
    """Records events; ``digest now`` posts a card with its thread through the port."""

    port: ConsolePort | None = None
    events: list[object] = field(default_factory=list)

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        self.events.append(event)
        if event.text == "/scoop digest now" and self.port is not None:
            card = await self.port.post("console", CARD)
            thread = await self.port.open_thread(card, "Planning with diffusion")
            await self.port.post(thread.channel_id, PROMPT, thread)
            return CommandResult((Text("Digest posted: 1 paper."),))
        if event.text == "/scoop notes export":
            return CommandResult((File("notes.md", b"# Notes\n", "text/markdown", "Notes"),))
        return CommandResult((Text(f"ok: {event.text} from {event.actor.member_id}"),))

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        self.events.append(event)
        paper_thread = event.thread.root_message_id == "s.1"
        if self.port is not None and paper_thread and not event.edited:
            await self.port.react(PostRef("console", "console", event.message_id),
                                  "white_check_mark")
        return paper_thread

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool:
        self.events.append(event)
        return True

    async def handle_reaction(self, event: Reaction) -> bool:
        self.events.append(event)
        return event.post.message_id == "s.1"


def session(member: str = "you") -> tuple[ConsoleSession, FakeCore, io.StringIO]:
    out = io.StringIO()
    port = ConsolePort(out, session="s")
    core = FakeCore(port)
    return ConsoleSession(core, port, member=member, clock=lambda: NOW), core, out


def test_plain_rendering_of_every_message_type() -> None:
    card = render(CARD)
    assert card.splitlines() == [
        "Planning with diffusion",
        "  https://arxiv.org/abs/2411.17700",
        "  Labs: Google DeepMind (openalex: Google DeepMind, London)",
        "  Authors: A. One, B. Two, C. Three et al.",
        "  Matches: diffusion-planning (ana): diffusion, planning",
        "  cs.LG, cs.RO · announced 2024-11-28",
        "  We plan with diffusion…",
    ]
    assert render(PROMPT).splitlines() == [
        "@ana How does our work differ? (topics: diffusion-planning)",
        "  Earlier notes from the lab:",
        '  > bo, 2024-11-28, on "Older paper": Ours is offline RL.',
    ]
    header = DigestHeader(date(2024, 11, 25), date(2024, 11, 28), 935, 0, 0,
                          (TopicHits("t", "ana", 2, "ana"),), quiet_reason="weekend")
    assert render(header).splitlines() == [
        "Digest for 2024-11-25 to 2024-11-28 (industry-only): 935 papers seen, 0 overlaps, "
        "0 shown",
        "Topics with hits: t (ana) 2",
        "Quiet: weekend",
    ]
    marked = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 935, 2, 1,
                          more_hint="1 more: /scoop digest now since 2024-11-22",
                          marker="sw:digest:0123456789ab")
    assert render(marked).splitlines() == [
        "Digest for 2024-11-28 (industry-only): 935 papers seen, 2 overlaps, 1 shown",
        "1 more: /scoop digest now since 2024-11-22",
    ]
    assert render(Text("hi", ("ana", "bo"), title="T")) == "T\n@ana @bo hi"
    assert render(File("n.md", b"# A\nb\n", "text/markdown", "Notes")) == (
        "[file n.md, 6 bytes] Notes\n  | # A\n  | b")
    assert render(File("x.bin", b"\0", "application/octet-stream", "Bin")) == (
        "[file x.bin, 1 byte] Bin")


async def test_commands_are_numbered_and_spoken_by_the_current_member() -> None:
    s, core, out = session()
    await s.run_lines(["/scoop help", "@ana /scoop topic list", "# a comment", ""])
    assert out.getvalue().splitlines() == [
        "you> /scoop help",
        "#1 ok: /scoop help from you",
        "ana> /scoop topic list",
        "#2 ok: /scoop topic list from ana",
    ]
    assert [e.actor.member_id for e in core.events] == ["you", "ana"]  # type: ignore[attr-defined]
    assert core.events[0] == CommandEvent("console", "console", "console",
                                          core.events[0].actor, "/scoop help")  # type: ignore[attr-defined]


async def test_replies_edits_deletes_and_reactions_in_a_paper_thread() -> None:
    s, core, out = session()
    await s.run_lines([
        "/scoop digest now",  # 1 card, 2 prompt, 3 summary
        "@ana reply 1 We plan in latent space.",  # 4
        "@bo reply 2 Ours is offline RL.",  # 5: N may be a message inside the thread
        "@ana edit 4 We plan with a world model.",
        "@bo delete 5",
        "react 1 +1",
        "reply 3 not a paper thread",  # 6
    ])
    text = out.getvalue()
    assert "#1 Planning with diffusion\n" in text
    assert "#2 [thread #1] @ana How does our work differ?" in text
    assert "#3 Digest posted: 1 paper." in text
    assert "#4 [thread #1] @ana: We plan in latent space.\n   ✓ note stored (#4)" in text
    assert "#5 [thread #1] @bo: Ours is offline RL." in text
    assert "#4 (edited) [thread #1] @ana: We plan with a world model.\n   ✓ note updated" in text
    assert "   #5 deleted (note marked deleted)" in text
    assert "   👍 on #1 (feedback kept)" in text  # the symbol, whatever the spelling typed
    assert "#6 [thread #3] @you: not a paper thread\n   (not a note: #3 is not a paper thread)" \
        in text
    replies = [e for e in core.events if isinstance(e, ThreadReply)]
    assert [(r.thread, r.message_id, r.actor.member_id, r.edited) for r in replies] == [
        (ThreadRef("console", "console", "s.1"), "s.4", "ana", False),
        (ThreadRef("console", "console", "s.1"), "s.5", "bo", False),
        (ThreadRef("console", "console", "s.1"), "s.4", "ana", True),
        (ThreadRef("console", "console", "s.3"), "s.6", "you", False),
    ]
    assert len({r.event_id for r in replies}) == 4


async def test_reactions_are_added_and_taken_back_with_their_emoji() -> None:
    """``react N EMOJI`` and ``unreact N EMOJI`` (also said as another member) reach the core
    as a reaction and its removal; the help names what the card reactions mean."""
    s, core, out = session()
    await s.run_lines([
        "/scoop digest now",  # 1 card, 2 prompt, 3 summary
        "@ana react 1 🏢",
        "@ana unreact 1 :office:",
        "unreact 3 👍",
        "unreact 1",
        "help",
    ])
    text = out.getvalue()
    assert "   🏢 on #1 (feedback kept)\n" in text
    assert "   🏢 taken off #1 (feedback undone)\n" in text
    assert "   👍 taken off #3\n" in text  # not a card: nothing changed
    assert "   ! expected unreact N EMOJI\n" in text
    assert "  unreact N EMOJI       take your reaction on #N back" in text
    assert "👎 (or -1) = not relevant to my topic, 🏢 (or office) = not an" in text
    reactions = [e for e in core.events if isinstance(e, Reaction)]
    assert [(r.actor.member_id, r.post.message_id, r.emoji, r.removed) for r in reactions] == [
        ("ana", "s.1", "🏢", False), ("ana", "s.1", "office", True),
        ("you", "s.3", "👍", True)]


async def test_bad_lines_print_a_message_and_the_session_goes_on() -> None:
    s, _core, out = session()
    await s.run_lines([
        "reply 99 hello", "reply x hello", "reply 1", "frobnicate", "/scoop help",
        "edit 1 x", "@bo hello everyone", "@bo", "/scoop status", "quit", "/scoop never",
    ])
    lines = out.getvalue().splitlines()
    assert "   ! there is no message #99" in lines
    assert '   ! expected reply N TEXT with N a message number, got "x"' in lines
    assert "   ! expected reply N TEXT" in lines
    assert '   ! unknown input "frobnicate": type help for what the console reads' in lines
    assert "   ! #1 is not a thread reply of @you's; you can only edit your own replies" in lines
    assert any(line.startswith("   (ignored: the bot only reads /scoop") for line in lines)
    assert "   (now speaking as @bo)" in lines
    assert "#2 ok: /scoop status from bo" in lines
    assert not any("never" in line for line in lines)


async def test_file_replies_are_uploaded() -> None:
    s, _core, out = session()
    await s.run_lines(["/scoop notes export"])
    assert "#1 [file notes.md, 8 bytes] Notes\n  | # Notes\n" in out.getvalue()


async def test_port_marker_and_thread_probes() -> None:
    out = io.StringIO()
    port = ConsolePort(out, session="s")
    card = await port.post("console", CARD)
    thread = await port.open_thread(card, "x")
    prompt = await port.post(thread.channel_id, PROMPT, thread)
    assert await port.find_marker("console", "sw:2411.17700", datetime.now(UTC)) == card
    assert await port.find_marker("console", "sw:9999.99999", datetime.now(UTC)) is None
    assert await port.find_bot_reply(thread) == prompt
    assert card.message_id == "s.1" and port.number("s.2") == 2
    assert port.number("other.2") is None
    assert await port.find_bot_reply(ThreadRef("console", "console", "s.2")) is None
    # A prompt into a thread of an earlier session (outbox resume after a restart).
    await port.post("console", PROMPT, ThreadRef("console", "console", "old.7"))
    assert "#3 [thread of an earlier session] @ana How does our work differ?" in out.getvalue()
    header = await port.post("console", DigestHeader(
        date(2024, 11, 28), date(2024, 11, 28), 935, 0, 0, marker="sw:digest:0123456789ab"))
    found = await port.find_marker("console", "sw:digest:0123456789ab", datetime.now(UTC))
    assert found == header
    # Markers are found, yet never printed: the person at the console reads no "[sw:...]".
    assert "sw:" not in out.getvalue()
    assert await port.find_marker("console", "sw:2411", datetime.now(UTC)) is None  # whole only


async def test_adapter_reads_stdin_to_the_end_and_exits_zero() -> None:
    out = io.StringIO()
    core = FakeCore()
    stdin = io.StringIO("/scoop help\n@ana /scoop labs\n")
    adapter = ConsoleAdapter(core, stdin=stdin, stdout=out, member="you", clock=lambda: NOW)
    core.port = adapter.port
    assert not adapter.interactive
    assert await asyncio.wait_for(adapter.run(asyncio.Event()), 5) == 0
    assert out.getvalue().splitlines() == [
        "you> /scoop help", "#1 ok: /scoop help from you",
        "ana> /scoop labs", "#2 ok: /scoop labs from ana",
    ]


async def test_adapter_stops_when_asked() -> None:
    class Blocking(io.StringIO):
        def readline(self, *args: object) -> str:  # never returns a line (like a silent tty)
            import time

            time.sleep(0.05)
            return "\n"

    stop = asyncio.Event()
    adapter = ConsoleAdapter(FakeCore(), stdin=Blocking(), stdout=io.StringIO(),
                             interactive=True)
    task = asyncio.create_task(adapter.run(stop))
    await asyncio.sleep(0.1)
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0
