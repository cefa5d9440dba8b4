"""The ``/scoop`` commands, declared once: words, arguments, help, and the handler that runs
each one. To find where a command lives, read its ``handler`` here.

Adapters pass the text after ``/scoop`` to ``bot.core.commands.parser.parse`` or mirror
:data:`COMMANDS` as typed commands; ``/scoop help`` is generated from it.
"""

from __future__ import annotations

from bot.core.commands import digests, help, labs, notes, seeds, stats, threads, topics, trends
from bot.core.commands.spec import Arg, ArgKind, Command
from bot.messages import SPACE

_NAME = Arg("name", "topic name: a-z, 0-9 and '-', at most 40 characters", ArgKind.SLUG, True)
_QUERY = Arg("query", "the topic query (see /scoop help topic)", ArgKind.QUERY, True)
_FORMATS = ("md", "csv", "json")
_MODES = ("industry-only", "all-papers")

COMMANDS: tuple[Command, ...] = (
    Command(("help",), (Arg("command", "a command, e.g. topic add", ArgKind.COMMAND),),
            "show commands, or the help of one command", "Example: /scoop help topic",
            handler=help.show_help),
    Command(("topic", "add"), (_NAME, _QUERY), "register a research topic",
            "Saves QUERY under NAME and shows what it would have matched in the last 7 days.\n"
            "Example: /scoop topic add diffusion-planning diffusion model* AND (planning OR "
            '"trajectory optimization")',
            handler=topics.add, channel_ordered=True),
    Command(("topic", "edit"), (_NAME, _QUERY), "replace the query of one of your topics",
            "Shows the new query's matches of the last 7 days, like topic add.",
            handler=topics.edit, channel_ordered=True),
    Command(("topic", "remove"), (_NAME,), "delete one of your topics",
            handler=topics.remove, channel_ordered=True),
    Command(("topic", "pause"), (_NAME,), "leave a topic out of digests for now",
            handler=topics.pause, channel_ordered=True),
    Command(("topic", "resume"), (_NAME,), "include a paused topic in digests again",
            handler=topics.resume, channel_ordered=True),
    Command(("topic", "seed"),
            (_NAME, Arg("ids", "arXiv ids of your own papers on this topic, separated by spaces",
                        ArgKind.QUERY, True, shape="ARXIV_ID...")),
            "anchor a topic's related papers on your own papers (semantic extra)",
            "Digests then also show up to 3 industry papers per topic that are close in meaning "
            "to these and to the topic's matched papers but share none of its keywords, marked "
            '"Related, no shared keywords". Needs pip install \'scoopwatch[semantic]\'; the '
            "papers must be in the store (scoopwatch ingest loads them).\n"
            "Example: /scoop topic seed diffusion-planning 2411.18562 2410.07093",
            handler=seeds.seed, channel_ordered=True),
    Command(("topic", "list"),
            (Arg("who", ("@member, or all for the whole ", SPACE), ArgKind.MEMBER_OR_ALL,
                 shape="@member|all"),),
            "list your topics, a member's, or everyone's",
            handler=topics.list_topics),
    Command(("preview",),
            (Arg("vs", "a topic to compare with: what the query changes", ArgKind.SLUG,
                 keyword="vs", shape="TOPIC"), _QUERY),
            "try a query without saving it",
            "Same report as topic add: parsed query, matches of the last 7 days, warnings. "
            "With vs TOPIC it also lists the papers of those days that the query adds to or "
            "drops from that topic.\n"
            "Example: /scoop preview vs diffusion-planning (diffusion AND planning) -robot*",
            handler=topics.preview),
    Command(("subscribe",), (
        Arg("days", "digest days: mon,thu | mon-fri | daily | weekdays", ArgKind.DAYS),
        Arg("time", "time of day, 24h", ArgKind.TIME, shape="HH:MM"),
        Arg("timezone", "IANA time zone, e.g. Europe/Berlin", ArgKind.TIMEZONE, shape="TZ"),
        Arg("mode", "industry-only (default) or all-papers", ArgKind.CHOICE, choices=_MODES),
    ), "post digests in this channel on a schedule",
        "Defaults: weekdays at the configured time and time zone, industry-only.\n"
        "Example: /scoop subscribe mon,thu 09:00 Europe/Berlin", admin_only=True, any_order=True,
        delegated=True, handler=digests.subscribe, channel_ordered=True),
    Command(("unsubscribe",), (), "stop this channel's digests", admin_only=True,
            handler=digests.unsubscribe, channel_ordered=True),
    Command(("digest", "now"),
            (Arg("since", "cover papers announced since this date", ArgKind.DATE,
                 keyword="since", shape="YYYY-MM-DD"),),
            "post this channel's digest now",
            "Covers papers since the last digest, or since YYYY-MM-DD.\n"
            "Example: /scoop digest now since 2026-01-05",
            handler=digests.digest_now, channel_ordered=True),
    Command(("notes", "export"), (
        Arg("topic", "only notes on this topic", ArgKind.SLUG),
        Arg("format", "file format", ArgKind.CHOICE, choices=_FORMATS),
    ), "download differentiation notes as a file (md, csv or json)",
        "Markdown is grouped by topic then paper. Example: /scoop notes export diffusion md",
        any_order=True, handler=notes.export),
    Command(("notes",), (Arg("of", "a topic name or @member", ArgKind.TOPIC_OR_MEMBER,
                 shape="TOPIC|@member"),),
            "recent differentiation notes, of a topic or a member",
            handler=notes.list_notes),
    Command(("stats",),
            (Arg("of", "a topic name or @member", ArgKind.TOPIC_OR_MEMBER,
                 shape="TOPIC|@member"),
             Arg("weeks", "how many weeks to count (default: 4 and 12)", ArgKind.NUMBER)),
            "how each topic's paper cards fared: posted, 👍/👎, precision, notes",
            "Per topic: papers posted, the 👍 (relevant) and 👎 (not relevant to my topic) "
            "reactions on their cards and the precision they give, notes written, threads "
            "nobody answered; over the last 4 and 12 weeks, or WEEKS.\n"
            "Example: /scoop stats diffusion-planning 8",
            any_order=True, handler=stats.stats),
    Command(("snooze",), (), "close the paper thread this is run in, without a note",
            "Marks the paper as not a concern: its thread gets no reminder and leaves the "
            "digest's list of open threads (a note written later is still kept). Run it inside "
            "the paper's thread; where a platform runs no commands in threads, its own action "
            "on a message of the thread does it (see the README). A ✋ reaction on the paper's "
            "card does the same everywhere.",
            handler=threads.snooze),
    Command(("labs",), (), "the industry labs the bot watches, and this lab's corrections",
            handler=labs.labs),
    Command(("labs", "suggest"),
            (Arg("weeks", "how many weeks of papers to look at (default 8, at most 52)",
                 ArgKind.NUMBER),),
            "companies on recent papers that the watched labs miss",
            "Company affiliations (Inc., GmbH, Co., Ltd., ...) on the papers of the last WEEKS "
            "weeks that no watched lab matches, most frequent first, with example papers and "
            "the lines to add them under [industry] extra_labs in the config.\n"
            "Example: /scoop labs suggest 12",
            handler=labs.suggest),
    Command(("trends",), (
        Arg("topic", "only this topic (default: all the topics here)", ArgKind.SLUG),
        Arg("weeks", "how many weeks to chart (default 26, at most 104)", ArgKind.NUMBER),
    ), "chart of industry papers per week by company, with the lab's notes",
        "Posts a picture: matched industry papers per week, stacked by company, and the "
        "lab's notes per week as a line.\nExample: /scoop trends diffusion-planning 12",
        any_order=True, handler=trends.trends),
    Command(("status",), (), "last fetch, next digest, counts and source health",
            handler=digests.status, channel_ordered=True),
)
