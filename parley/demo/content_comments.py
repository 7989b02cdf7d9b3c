"""The demo discussions: who said what, to whom, when, and who voted for it.

Each comment is (key, parent key or None, username, age, body); the age is how long before
the load the comment was written, so relative times read naturally ("1 month ago", "4 weeks
ago", "5 hours ago") whenever the demo is loaded. Keys are local to one article.

The long discussion is shaped like a real magazine comment section: 16 comments in 7
threads, one thread nested four replies deep, a heated exchange, a pasted HTML link, a
commenter plugging their own blog, a mildly rude word, and votes that make Most Voted
differ from Oldest. Links point at reserved example domains.
"""

from datetime import timedelta

type CommentData = tuple[str, str | None, str, timedelta, str]
type VoteData = tuple[str, list[str], list[str]]  # (comment key, voted up by, voted down by)

DISCUSSION_SLUG = "car-free-centres-need-a-bargain"


def _ago(days: int = 0, hours: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


PASTED_LINK = (
    "Anyone who wants to see how this played out over a longer stretch should read this "
    "write-up:\n\n"
    '<div><h1><a href="https://example.org/low-traffic-centres-five-years-on">'
    "Low-traffic centres, five years on: what the counts show</a></h1></div>\n\n"
    "The section on delivery windows is the most useful thing I have read on the subject."
)

CAR_FREE_COMMENTS: list[CommentData] = [
    (
        "lapsed-shop",
        None,
        "lapsed",
        _ago(37, 22),
        "I run a small hardware shop two streets from the proposed zone in our town. Half my "
        "trade is people collecting things too heavy to carry onto a bus: bags of sand, "
        "ladders, paint by the tin. Nobody from the council has asked how they are meant to "
        "get home. I would support the closure tomorrow if someone answered that.",
    ),
    (
        "tidied",
        None,
        "harriet",
        _ago(37),
        '"A room that has been tidied for guests." I am stealing that for the next '
        "residents' meeting.",
    ),
    (
        "tidied-credit",
        "tidied",
        "kwame",
        _ago(36, 20),
        "Credit the author when you do, or she will turn up at your residents' meeting.",
    ),
    (
        "tidied-biscuits",
        "tidied-credit",
        "harriet",
        _ago(36, 18),
        "She would be very welcome. We have biscuits and a two-hour agenda about bins.",
    ),
    (
        "buses",
        None,
        "desmond",
        _ago(35),
        "The author is right that the bus has to come first. But every scheme I have seen "
        "promises a bus every ten minutes and delivers one every forty once the ribbon has "
        "been cut. What happens to the closure when the money for the buses runs out in "
        "year three?",
    ),
    (
        "buses-faster",
        "buses",
        "olly",
        _ago(34, 21),
        "That is not what happens in most places. Buses in closed centres usually get more "
        "frequent, because they stop queueing behind cars at every junction: the same "
        "number of vehicles and drivers can run more trips an hour. The funding problem is "
        "real, but the closure makes the service cheaper to run, not dearer.",
    ),
    (
        "buses-review",
        "buses",
        "beatrix",
        _ago(34),
        "Where I live the deal was written into the scheme: if bus frequency falls below a "
        "set level for two quarters in a row, the closure goes back to the council for "
        "review. It has never been triggered, but having it on paper changed the whole tone "
        "of the consultation.",
    ),
    (
        "buses-sources",
        "buses-faster",
        "desmond",
        _ago(33, 20),
        "Olly seems very sure of his figures. I would love to know where they come from, "
        "because my own town's operator cut two routes the year after the high street was "
        "pedestrianised. Faster buses are no use if there are fewer of them.\n\n"
        "Either way, the proof will be in the timetable, not in the brochure.",
    ),
    (
        "buses-wrong",
        "buses-sources",
        "gareth",
        _ago(33, 8),
        "You are wrong and you know it. Your town lost those routes because the operator "
        "was haemorrhaging money years before anyone touched the high street; it was in the "
        "local paper for months. Blaming the closure for a decade of underfunding is "
        "exactly the kind of story the article warns about. Pick a better example or admit "
        "this one does not hold.",
    ),
    (
        "cycle-lane",
        None,
        "lanterne",
        _ago(33),
        "Twenty years of cycling through our city centre and the only thing that ever "
        "changed was the colour of the paint. Consultation after consultation, and the "
        "result is always the same crap: a strip of green tarmac that ends exactly where "
        "you need it most.",
    ),
    ("five-years", None, "priya", _ago(32), PASTED_LINK),
    (
        "five-years-thanks",
        "five-years",
        "olly",
        _ago(31, 20),
        "Thanks for this. The chart of delivery windows against complaints should be "
        "pinned above every transport officer's desk.",
    ),
    (
        "buses-letters",
        "buses-wrong",
        "desmond",
        _ago(31),
        "I know what was in the local paper, thank you; I wrote two of the letters. Two "
        "things can be true at once: the operator was struggling, and the closure gave the "
        "council the excuse it had been waiting for. Telling me I am wrong in capital "
        "letters does not change the timetable at my stop.",
    ),
    (
        "footfall-blog",
        None,
        "beatrix",
        _ago(30, 6),
        "I have been counting footfall on our main street every month since the closure "
        "and writing it up on my blog: https://beatrixwalks.example.net/footfall-one-year-on\n"
        "\n"
        "The short version: weekday spending went up, Saturdays went sideways. The point "
        "about pedestrians being better customers over a month matches what I found, but "
        "the effect took about eight months to show. Councils that panic after the first "
        "quarter give up just before it works.",
    ),
    (
        "tidied-bins",
        "tidied-biscuits",
        "kwame",
        _ago(30),
        "Two hours on bins is how you know a neighbourhood is thriving.",
    ),
    (
        "report-back",
        None,
        "olly",
        _ago(0, 5),
        "Coming back to this a month on, because our council has just announced a scheme "
        "of its own. I have sent them a link to this piece and a list of the bus routes "
        "that would need to run properly first. Will report back.",
    ),
]

CAR_FREE_VOTES: list[VoteData] = [
    ("lapsed-shop", ["desmond", "harriet", "olly"], []),
    ("tidied", ["kwame", "priya"], []),
    ("tidied-credit", ["harriet"], []),
    ("buses", ["harriet", "kwame", "lanterne"], ["gareth"]),
    ("buses-faster", ["beatrix", "gareth", "priya", "lanterne"], []),
    ("buses-review", ["desmond", "olly", "priya"], []),
    ("buses-sources", ["harriet"], ["olly", "gareth"]),
    ("buses-wrong", ["olly", "lanterne"], ["desmond", "harriet", "beatrix"]),
    ("buses-letters", ["harriet", "kwame"], []),
    ("cycle-lane", ["gareth", "olly"], ["desmond"]),
    ("five-years", ["beatrix", "olly", "kwame"], []),
    ("footfall-blog", ["priya", "olly", "kwame", "harriet", "gareth", "lanterne"], []),
    ("report-back", ["beatrix"], []),
]

NIGHT_TRAIN_COMMENTS: list[CommentData] = [
    (
        "border",
        None,
        "kwame",
        _ago(19),
        "I took an overnight service last spring and loved every minute except the forty "
        "we spent at a border station at three in the morning while two crews argued about "
        "paperwork. The point about several infrastructure managers is not abstract.",
    ),
    (
        "border-villain",
        "border",
        "priya",
        _ago(18),
        "The border stop is the secret villain of every sleeper story. Ours lasted an hour "
        "and a half and nobody could tell us why.",
    ),
    (
        "hobby",
        None,
        "gareth",
        _ago(17),
        '"Lighthouses, libraries and the late bus" is a nice line, but lighthouses do not '
        "need a dining car. If a service can never cover its running costs, it is a hobby, "
        "not infrastructure.",
    ),
    (
        "fleet",
        None,
        "harriet",
        _ago(12),
        "Honest question: would a leased common fleet actually bring costs down, or just "
        "move them onto the public balance sheet where nobody looks?",
    ),
]

NIGHT_TRAIN_VOTES: list[VoteData] = [
    ("border", ["priya", "harriet", "desmond"], []),
    ("hobby", ["desmond"], ["kwame", "beatrix"]),
    ("fleet", ["gareth"], []),
]

REPAIR_COMMENTS: list[CommentData] = [
    (
        "card",
        None,
        "desmond",
        _ago(7),
        "Every town has a man like this, and he always has a card in the window. Ours says "
        '"Probably not, but bring it in."',
    ),
    (
        "cafe",
        None,
        "beatrix",
        _ago(5),
        "A word of praise for repair cafés. Ours brought a forty-year-old sewing machine back "
        "to life in twenty minutes, then showed me how to oil it so I would not need them "
        "next time.",
    ),
    (
        "cafe-volunteer",
        "cafe",
        "lanterne",
        _ago(4),
        "The teaching is the part that lasts. I went in with a lamp and came out a volunteer.",
    ),
]

REPAIR_VOTES: list[VoteData] = [
    ("cafe", ["desmond", "lanterne", "priya"], []),
    ("card", ["harriet"], []),
]

# article slug -> (comments in any order, votes)
DISCUSSIONS: dict[str, tuple[list[CommentData], list[VoteData]]] = {
    DISCUSSION_SLUG: (CAR_FREE_COMMENTS, CAR_FREE_VOTES),
    "night-train-arithmetic": (NIGHT_TRAIN_COMMENTS, NIGHT_TRAIN_VOTES),
    "quiet-return-of-the-repair-shop": (REPAIR_COMMENTS, REPAIR_VOTES),
}
