"""The demo publication: a site, its authors, three articles and the people who read them.

Everything here is original writing made for Parley's demo. Article bodies use the format of
`parley.articles.body`: blocks separated by blank lines, `> ` for a pull quote (which repeats
a sentence of the body), `## ` for a subheading. The discussions live in content_comments.py.
"""

from typing import TypedDict

PASSWORD = "parley-demo"  # noqa: S105 - the demo accounts' published password


class SiteData(TypedDict):
    key: str
    name: str
    tagline: str
    comments_page_size: int
    edit_window_minutes: int


class AuthorData(TypedDict):
    slug: str
    name: str
    bio: str
    social_handle: str


class ArticleData(TypedDict):
    slug: str
    author: str
    days_ago: int
    title: str
    standfirst: str
    image: str
    image_alt: str
    image_caption: str
    image_credit: str
    body: str


SITE: SiteData = {
    "key": "demo",
    "name": "The Long Argument",
    "tagline": "Essays for readers who like to disagree properly",
    "comments_page_size": 5,
    "edit_window_minutes": 15,
}

# (role label, username, display name): the accounts a visitor signs in with, in the order
# the demo prints them. Each uses PASSWORD.
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("subscriber", "subscriber", "Sam Subscriber"),
    ("free reader", "reader", "Robin Reader"),
    ("lapsed", "lapsed", "Lee Lapsed"),
    ("moderator", "moderator", "Morgan Moderator"),
    ("editor", "editor", "Eddie Editor"),
]

# (username, display name, subscribed how many days ago): regular readers with a current
# subscription, who wrote the demo discussions.
COMMENTERS: list[tuple[str, str, int]] = [
    ("harriet", "Harriet Lowe", 420),
    ("desmond", "Desmond Achterberg", 730),
    ("priya", "Priya Raman", 210),
    ("olly", "Olly Brackenbury", 365),
    ("lanterne", "Lanterne Rouge", 540),
    ("gareth", "Gareth Pryce", 300),
    ("beatrix", "Beatrix Nolan", 150),
    ("kwame", "Kwame Doherty", 95),
]

AUTHORS: list[AuthorData] = [
    {
        "slug": "ines-calloway",
        "name": "Ines Calloway",
        "bio": (
            "Ines Calloway writes about cities, streets and the people who argue over them. "
            "She spent ten years as a transport planner before deciding she preferred "
            "describing the arguments to losing them."
        ),
        "social_handle": "@inescalloway",
    },
    {
        "slug": "tobias-wren",
        "name": "Tobias Wren",
        "bio": (
            "Tobias Wren is The Long Argument's economics correspondent. He has travelled "
            "by sleeper train on eleven routes and complained about the coffee on all of them."
        ),
        "social_handle": "@tobiaswren",
    },
    {
        "slug": "ruth-adebayo-knox",
        "name": "Ruth Adebayo-Knox",
        "bio": (
            "Ruth Adebayo-Knox writes about work, craft and the small economies of the high "
            "street. She can rewire a lamp and is learning, slowly, to resole a boot."
        ),
        "social_handle": "@ruthak",
    },
]

CAR_FREE_BODY = """
Every city that has closed its centre to private cars has gone through the same three
seasons. First comes the fury: shopkeepers predicting ruin, radio phone-ins full of
pensioners who will never again see their dentist, petitions with tens of thousands of
names. Then comes a strange quiet, as the streets empty of engines and fill, hesitantly,
with people who are not quite sure they are allowed to stand there. And finally, usually
within two years, comes amnesia. Nobody can remember why the square was ever a car park,
and the politician who fought hardest against the change is photographed cutting a ribbon
on it.

That pattern is so reliable that it has become the main argument of the car-free
movement. Look, its advocates say, the sky never falls. But the argument is weaker than it
sounds, and those of us who want quieter, cleaner centres should stop leaning on it. The
fact that people forget their objections does not prove that the objections were wrong.
It may only prove that the people who lost out stopped coming.

## Who the streets are for

Start with what a city centre actually is. It is not a neighbourhood in the usual sense;
relatively few people live there. It is a shared room used by a whole region: for work,
for hospitals and courts, for the one shop that stocks the right kind of hearing-aid
battery. When the room is rearranged, the people who live within walking distance gain
almost everything, and the people who live forty minutes away by an infrequent bus may
lose a great deal.

That does not mean the rearrangement is wrong. The gains are real and they are large. Air
pollution falls fast when traffic is removed, and it falls hardest on the street-level
lungs of children and the elderly. Collisions drop. Footfall, contrary to every
shopkeeper's instinct, tends to rise, because people on foot linger and people in cars do
not. A pedestrian spends less per visit than a driver but visits far more often, and over
a month the pedestrian is the better customer.

> A pedestrian spends less per visit than a driver but visits far more often, and over a
month the pedestrian is the better customer.

But the gains are distributed unevenly, and honesty about that is what separates a
durable policy from a fashionable one. A ban that is imposed on the suburbs by the centre
will be reversed by the suburbs the first time they are given a vote.

## The bargain

What would a fair version look like? It begins with the bus, not the bollard. Before a
single street is closed, the routes that feed it should run often enough that nobody
needs a timetable: every ten minutes, late into the evening, at a fare that does not
punish a family of four. Cities that did this first found the closure almost an
anticlimax. Cities that did it afterwards spent years apologising.

Second, the exemptions have to be generous and boring. Blue-badge holders, tradespeople
with a van full of tools, the florist delivering at six in the morning: each needs a route
in that does not depend on a pleading email to the council. The point of a car-free centre
is to remove through-traffic and the idle circling for parking, which together make up
most of the cars in most city cores. It is not to make a plumber carry a boiler from a
park-and-ride.

Third, the money raised from whatever charging or parking remains should be visibly spent
on the people who pay it. A levy that vanishes into a general budget feels like a fine.
One that buys a new night bus to the outer estates feels like a fare.

## What we are really arguing about

None of this is technically difficult. The engineering of a pedestrian street is centuries
old; the software for permits and deliveries is cheap. What is difficult is admitting that
the argument is not really about cars. It is about whose convenience a city is arranged
around, and whether the people at its edge are treated as residents or as visitors.

The best car-free centres I have walked through feel less like a victory for one tribe
over another than like a room that has been tidied for guests. The worst feel like a
private garden with the gate locked. The difference is rarely the width of the pavement or
the choice of paving stone. It is whether, on the day the barriers went up, somebody had
already made sure that everyone could still get in.
"""

NIGHT_TRAINS_BODY = """
There is a particular kind of contentment that comes from going to sleep in one country and
waking up in another. The rattle of the points at two in the morning, the blind lifted on
an unfamiliar platform, the coffee that arrives in a paper cup beside a croissant that has
clearly travelled as far as you have. For a decade that pleasure seemed to be dying.
Operators cut routes, sold carriages for scrap and told passengers that budget airlines
had won. Now the sleeper is back, with new lines announced almost every season and waiting
lists for compartments on the popular routes.

The revival is welcome. It is also fragile, and the reason is not nostalgia or politics
but the humble economics of a bed.

## The once-a-day problem

A daytime train earns money all day. A carriage that leaves at seven in the morning can
make three or four journeys before midnight, and every seat can be sold on every run. A
sleeper carriage makes one journey in twenty-four hours, and it spends the daylight parked
in a siding. There it is cleaned and restocked, and its whole cost (the steel, the
maintenance, the staff who make up the berths) has to be recovered from a single overnight
trip.

> A sleeper carriage makes one journey in twenty-four hours, and it spends the daylight
parked in a siding.

Worse, a sleeper carries far fewer people than the same length of ordinary train. A
compartment that would hold six seated passengers holds perhaps two or three lying down,
and those who pay the most want it to themselves. So the operator ends up with an
expensive vehicle, used once a day, at a fraction of the density of its daytime cousins. No
amount of good branding changes that sum.

## Where the money leaks

Then there are the charges that passengers never see. In most of Europe an operator pays a
fee for every kilometre it runs on someone else's track, and for every station it calls
at. A long international route may cross three or four infrastructure managers, each with
its own tariff, its own paperwork and its own idea of when maintenance should close the
line. Night is precisely when engineers like to work, so sleepers are routinely diverted,
delayed or cancelled to make room for track renewal.

Rolling stock is its own headache. Sleeper carriages are a niche product built in small
batches, which makes them expensive to buy and slow to arrive. Several of the new services
launched with borrowed or refurbished vehicles from decades ago, whose charm wears thin
when the air conditioning fails in July.

## What would change the sums

None of this means the night train is doomed. It means that treating it as an ordinary
commercial service, expected to pay its way from the ticket alone, is a category error. The
better comparison is with a regional airport or a ferry link: infrastructure that a region
decides it wants, and pays for in part because of what it makes possible.

There are levers short of open-ended subsidy. Track-access charges could be cut or waived
overnight, when the rails are otherwise empty. Governments could buy a common fleet of
sleeper carriages and lease them to whichever operator wins a route, which would spread
the risk of a failed service. And the daylight problem can be softened: a carriage whose
berths fold up into seats can earn something on a short morning hop before heading back
out at night.

Fares matter too, though not in the direction people assume. The most successful routes
charge a wide spread of prices, from a cheap reclining seat to a private compartment with
a shower, and the expensive berths quietly subsidise the cheap ones. That is how airlines
have always worked. The sleeper has simply been slow to copy it.

## The honest pitch

Advocates sometimes sell the night train as a cheaper, greener replacement for flying.
Greener, usually. Cheaper, rarely, and it will not become so without public money. The
honest pitch is different: that a continent which wants to fly less needs a way to cross
itself overnight, and that a bed on wheels is worth paying for together, in the way we pay
for lighthouses, libraries and the late bus. It is a pitch that can win. It just cannot be
won with arithmetic alone.
"""

REPAIR_BODY = """
On a side street not far from where I live there is a shop that has been fixing things for
forty-one years. It has no website. Its window holds a sewing machine, a carriage clock
with its back removed and a hand-lettered card that says, in full, "Yes, probably." The
owner tells me the card answers the only question anyone ever asks him.

For most of those forty-one years, the question came less and less often. Things got
cheaper, then they got sealed. Radios gave way to phones glued shut; toasters arrived with
screws that needed a bit nobody owned; a new kettle cost less than an hour of someone's
time. Repair shops closed by the thousand, and the ones that survived did so on a diet of
watches, shoes and the occasional stubborn vacuum cleaner.

Something has shifted. The owner says his queue is longer now than at any point since the
early nineties, and the people in it are younger. Across town, a volunteer repair café that
began in a church hall with three tables now runs twice a month and turns people away.
Independent phone and laptop menders, once treated as slightly disreputable, have become a
fixture of the high street.

## Why now

Part of the explanation is money. When prices rise faster than wages, a forty-pound repair
to a washing machine looks very different from a four-hundred-pound replacement. Part of
it is law. Rules that require manufacturers to make spare parts and manuals available for
a set number of years are slowly changing what is possible behind the counter, even if the
detail still favours the big brands.

But the most interesting part is cultural. People who grew up with disposable everything
have discovered that mending is satisfying in a way that buying is not. Fixing a lamp
gives you a small, private competence. You know how the thing works now. You will notice,
next time, when it starts to go.

> Fixing a lamp gives you a small, private competence.

## The trade behind the counter

What the revival has not solved is the trade itself. Repair is labour-intensive by
definition, and labour is the thing that modern economies price most highly. A skilled
mender can finish perhaps a dozen jobs on a good day, and the customer's sense of what a
repair should cost was set by decades of cheap replacements. The owner of the shop on my
street works six days a week and describes his income as "enough, in a good month".

Training is another gap. Apprenticeships in appliance repair largely vanished along with
the shops, and much of the knowledge now lives in the heads of people approaching
retirement and in online videos of uncertain reliability. Repair cafés are wonderful at
teaching people to change a fuse; they are less well placed to train the next generation
of professionals who can diagnose a failing circuit board.

## What would help

The policy menu is not complicated. Lower tax on repair labour has been tried in a handful
of countries and seems to make a modest difference at modest cost. Stronger right-to-repair
rules would help most if they covered the parts that actually fail, at prices that are not
designed to discourage their use. Local councils could do more with cheap leases on empty
shop units, which are not in short supply.

Consumers have a part to play too, and it is mostly patience. A repair takes days, not
minutes; the part may need ordering; the answer may occasionally be no. A culture that
expects next-day delivery of anything has to relearn the habit of waiting for something to
come back better than it left.

The man on my street is not sentimental about any of this. He fixes things because he is
good at them and because he likes the moment when a dead machine hums again. Asked whether
he thinks the revival will last, he shrugged and pointed at the card in his window. Yes,
probably.
"""

# The first article carries the long discussion (see content_comments.DISCUSSION_SLUG).
ARTICLES: list[ArticleData] = [
    {
        "slug": "car-free-centres-need-a-bargain",
        "author": "ines-calloway",
        "days_ago": 38,
        "title": "A car-free city centre is a bargain, not a victory",
        "standfirst": (
            "Closing the core to traffic works, but not for the reasons its champions give, "
            "and not without a deal with the people it inconveniences most."
        ),
        "image": "car-free.svg",
        "image_alt": "Abstract composition of pale circles crossing a broad band of grey",
        "image_caption": "Room to linger: the square after the traffic has gone",
        "image_credit": "Illustration: The Long Argument",
        "body": CAR_FREE_BODY,
    },
    {
        "slug": "night-train-arithmetic",
        "author": "tobias-wren",
        "days_ago": 20,
        "title": "The night train is a lovely idea with unforgiving arithmetic",
        "standfirst": (
            "Sleepers are back in fashion across Europe. Whether they survive depends on a "
            "problem most passengers never see: each bed is used only once a day."
        ),
        "image": "night-train.svg",
        "image_alt": "Abstract dark blue field with a row of small lit rectangles",
        "image_caption": "Lights in a row, somewhere between two borders",
        "image_credit": "Illustration: The Long Argument",
        "body": NIGHT_TRAINS_BODY,
    },
    {
        "slug": "quiet-return-of-the-repair-shop",
        "author": "ruth-adebayo-knox",
        "days_ago": 8,
        "title": "The quiet return of the repair shop",
        "standfirst": (
            "A generation raised on replacing things is learning to mend them again. The "
            "shops that never closed have some advice for the newcomers."
        ),
        "image": "repair-shop.svg",
        "image_alt": "Abstract warm shapes: interlocking gears and a rounded rectangle",
        "image_caption": "Parts waiting for a second life on a workbench",
        "image_credit": "Illustration: The Long Argument",
        "body": REPAIR_BODY,
    },
]
