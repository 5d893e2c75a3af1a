"""Cue phrases for the default scorer, and the VADER lexicon loaded from its own package.

The phrase lists are hand-written from general knowledge of how people agree, disagree and insult each
other in English comment threads; none was picked from labeled data. They are *literal* phrases, so
one Aho-Corasick pass (polars ``str.extract_many``) finds every cue and every VADER word of a whole
table at once. They are matched against the normalised text of :mod:`discourse.stance._features`:
lower case, punctuation removed (apostrophes kept), curly quotes straightened, padded with spaces, so
``" not true "`` matches the words "not true" and nothing inside another word.

A small brace syntax writes variants: ``"you{'re| are} {so |}right"`` stands for "you're so right",
"you're right", "you are so right" and "you are right".
"""

from __future__ import annotations

import functools
import itertools
import re
from importlib import resources

from discourse.errors import MissingDependency

__all__ = [
    "BODY_BITS",
    "BODY_CUES",
    "INSULT_ROOTS",
    "OPENER_BITS",
    "OPENER_CUES",
    "SWEAR_ROOTS",
    "body_table",
    "expand",
    "opener_table",
    "vader_lexicon",
]

_BRACES = re.compile(r"\{([^{}]*)\}")


def expand(phrase: str) -> list[str]:
    """Every variant of a brace phrase: ``"idiot{s|}"`` -> ``["idiots", "idiot"]``."""
    parts = _BRACES.split(phrase)
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    return [" ".join("".join(c).split()) for c in itertools.product(*choices)]


def _many(*phrases: str) -> tuple[str, ...]:
    return tuple(v for p in phrases for v in expand(p))


# -- agreement --------------------------------------------------------------------------------
AGREE_EXPLICIT = _many(
    "i {totally |completely |fully |absolutely |100% |really |strongly |}agree", "agreed", "well said", "well put",
    "{good|great|fair|valid|excellent|solid} point", "exactly", "{so|very|how|too} true",
    "you{'re| are|re} {so |absolutely |totally |completely |100% |quite |}right", "couldn't agree more",
    "could not agree more", "spot on", "i think so too", "nailed it", "that's {so |very |}{true|right|correct}",
    "that is {so |very |}{true|right|correct}", "agree with {you|this|that}", "i'm with you", "i second this",
    "precisely", "absolutely", "this is the way", "same here", "me too", "this is {so |}true", "amen", "preach",
    "truth", "facts", "{100|100%|1000|1000%}", "came here to say this", "underrated comment", "bingo",
)
AGREE_ANY = _many(
    "thank{s| you}", "makes sense", "fair enough", "good {call|take|answer|post|comment}", "can confirm",
    "great {post|comment|answer|explanation}", "happy to {help|see}", "glad {to hear|you}", "support {this|you}",
    "i like {this|that|it}", "love {this|that|it}", "i love", "{nice|great|good|awesome|beautiful}",
    "definitely", "of course", "indeed", "true", "yes", "yeah", "yep", "yup", "likewise",
    "good job", "congrats", "congratulations", "lol same",
)
# -- disagreement -----------------------------------------------------------------------------
DISAGREE_EXPLICIT = _many(
    "i {respectfully |strongly |completely |totally |}disagree", "disagree", "not true", "untrue", "not the case",
    "you{'re| are|re} {so |just |completely |totally |dead |simply |}wrong", "that's {just |completely |}{wrong|false|incorrect|not true}",
    "that is {just |completely |}{wrong|false|incorrect|not true}", "incorrect", "makes no sense",
    "doesn't make {any |}sense", "that's not how", "nonsense", "bullshit", "misinformation", "disinformation",
    "debunked", "that's a lie", "not an argument", "strawman", "straw man", "nobody {said|is saying|claimed}",
    "no one {said|is saying|claimed}", "completely wrong", "not even close", "not at all", "absolutely not",
    "hell no", "of course not", "that's ridiculous", "that's absurd", "you have no idea", "you don't understand",
    "you clearly don't", "wrong", "false", "not really", "not quite",
)
DISAGREE_ANY = _many(
    "actually", "however", "but", "except", "the problem is", "the difference is", "fallacy", "whataboutism",
    "ridiculous", "absurd", "not how", "not what", "not even", "lies", "propaganda", "why would", "how would",
    "why do you", "why are you", "do you really", "what makes you think", "i doubt", "hardly",
    "not sure {that|about}", "you{'re| are} {missing|ignoring|confusing}", "read {the|it} again", "point is",
    "implying", "source", "citation", "proof", "evidence", "i don't {think|believe|buy}", "i'm not {sure|convinced}",
    "so what", "says who", "what are you talking about", "that's why", "sorry but", "not necessarily",
    "you realize", "you do realize", "nope", "nah", "no",
)
NEGATED_AGREE = _many(
    "{don't|do not|dont|can't|cannot|cant|couldn't|won't|wouldn't|never|not|isn't|is not|aren't} {really |quite |entirely |}"
    "{agree|true|right|correct|accurate|valid|a good point|the case}",
    # the denied belief holds the agreement phrase: "I don't think that's true", "not sure that's right"
    "{don't|do not|dont|never} {think|believe} {that's|that is|it's|it is|this is|that|it|this|you're|you are} "
    "{really |quite |entirely |necessarily |}{true|right|correct|accurate|valid|fair|the case}",
    "{not|never} {sure|convinced} {that's|that is|it's|it is|this is|that|it|you're|you are} {true|right|correct|accurate}",
)
NEGATORS = _many("not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "{do|does|did|is|are|was|were|ca|wo|would|should|could|have|has|had|must}n't",
                 "dont", "cant", "wont", "isnt", "arent", "doesnt", "didnt", "cannot")
# -- sarcasm, thanks, hedges ------------------------------------------------------------------
SARCASM = _many(
    "yeah right", "yea right", "sure jan", "sure buddy", "sure pal", "sure thing buddy", "okay buddy", "ok buddy",
    "because that worked", "that worked so well", "that worked out so well", "that went so well", "that went well",
    "oh great", "oh wonderful", "oh sure", "oh really", "oh yes", "oh joy", "oh wow", "oh boy", "how convenient",
    "what a {surprise|shock|shocker|concept|genius}", "shocking", "cool story", "nice try", "good luck with that",
    "riiight", "riiiight", "suuure", "suuuure", "wow just wow", "genius", "brilliant", "slow clap",
    "thanks captain", "captain obvious", "who would have thought", "who'd have thought", "who knew",
    "color me surprised", "colour me surprised", "surprise surprise", "clearly", "obviously", "totally",
    "rolls eyes", "eye roll", "eyeroll", "big brain", "galaxy brain", "so brave", "the audacity",
    "sure you {are|do|did|have|can}", "yeah sure", "sure sure", "because of course", "of course he did",
    "of course she did", "of course they did", "what could go wrong", "totally not", "real smart", "very smart",
)
THANKS = _many("thank{s| you}", "thx", "ty", "much appreciated", "appreciate it", "cheers")
HEDGE = _many("i think", "i guess", "maybe", "perhaps", "probably", "imo", "imho", "i believe", "not sure",
              "i feel like", "it seems", "might", "could be")
# -- insults, profanity, attacks --------------------------------------------------------------
INSULT_WORDS = _many(
    "idiot{s|}", "idiotic", "moron{s|}", "moronic", "stupid", "stupidity", "dumb", "dumbass", "dumbasses",
    "retard{s|ed|}", "imbecile{s|}", "cretin{s|}", "loser{s|}", "clown{s|}", "troll{s|}", "shill{s|}",
    "asshole{s|}", "arsehole{s|}", "jackass", "jackasses", "dipshit{s|}", "dickhead{s|}", "douche{bag|}{s|}",
    "fool{s|}", "foolish", "pathetic", "ignorant", "ignoramus", "snowflake{s|}", "bootlicker{s|}", "scum",
    "scumbag{s|}", "trash", "garbage", "piece of shit", "liar{s|}", "hypocrite{s|}", "delusional", "brainwashed",
    "sheeple", "cuck{s|}", "libtard{s|}", "incel{s|}", "coward{s|}", "covidiot{s|}", "numpty", "numpties",
    "twat{s|}", "wanker{s|}", "prick{s|}", "bitch", "bitches", "cunt{s|}", "bastard{s|}", "halfwit{s|}",
    "nitwit{s|}", "dimwit{s|}", "dunce", "buffoon{s|}", "clueless", "braindead", "brain dead",
    "mouth breather{s|}", "neckbeard{s|}", "degenerate{s|}", "lowlife", "lowlifes", "vermin", "creep{s|}",
    "freak{s|}", "psycho{s|}", "lunatic{s|}", "nutjob{s|}", "nutcase{s|}", "crazy", "insane", "ugly", "fat",
    "disgusting", "shithead{s|}", "fuckwit{s|}", "fuckface", "nazi{s|}", "fascist{s|}", "bigot{s|}",
    "racist{s|}", "sexist{s|}", "idiocy", "ignorance", "grifter{s|}", "psychotic",
    "dogshit", "meathead{s|}", "parasite{s|}", "leech{es|}", "rat{s|}", "pig{s|}", "animals", "loony", "nut",
    "weirdo{s|}", "simp{s|}", "boomer{s|}", "karen{s|}", "pussy", "cocksucker{s|}", "motherfucker{s|}",
    "jerk{s|}", "tosser{s|}", "knobhead{s|}", "bellend{s|}", "pillock{s|}", "twit{s|}", "tard{s|}",
    "spaz", "dumbfuck{s|}", "fucktard{s|}", "shitstain{s|}", "dirtbag{s|}", "sleazebag{s|}", "scumbucket",
    "turd{s|}", "dweeb{s|}", "dork{s|}", "nerd{s|}", "wimp{s|}", "sissy", "mongoloid{s|}", "cripple{s|}",
    "subhuman", "waste of space", "waste of oxygen", "piece of trash", "piece of garbage", "stupid ass",
    "dumb ass", "dumb fuck", "lame", "scum of the earth", "troglodyte{s|}", "neanderthal{s|}", "hillbilly",
    "hillbillies", "redneck{s|}", "white trash", "trailer trash", "hoe{s|}", "skank{s|}", "tramp",
)
PROFANITY = _many(
    "fuck", "fucks", "fucked", "fucking", "fuckin", "fucker{s|}", "fck", "fk", "f*ck", "f**k", "f***", "shit",
    "shits", "shitty", "shitting", "bullshit", "horseshit", "damn", "damned", "dammit", "goddamn{it|}", "crap",
    "crappy", "bitch", "bitching", "bitches", "bastard{s|}", "piss", "pissed", "pissing", "cunt", "dick", "dicks",
    "cock", "wtf", "stfu", "gtfo", "hell", "ass", "asses", "arse", "bs", "bloody", "motherfucker{s|}",
    "motherfucking", "jesus christ", "af", "omfg", "sh*t", "a**",
    # obfuscated and dialect spellings (the normaliser drops "*", so "f*ck" reads "fck")
    "fucken", "fuckn", "fukin", "fuking", "fuk", "fuq", "phuck", "fcking", "fckin", "fkn", "fking", "fkin", "effing",
    "effin", "frigging", "friggin", "freaking", "sht", "shyt", "shite", "btch", "biatch", "azz", "arsed", "bollocks",
    "bugger", "bloody hell", "sob", "mf", "mofo", "mfer", "mfers", "pos", "ffs", "jfc", "goddam", "dam", "darn",
    "screw", "screwed", "sucks", "suck", "sucked", "douche", "prick", "tits", "wank", "wanking",
)
# attacks on the person replied to; phrases that also have an everyday sense ("go back to the settings", "cope
# with", "who asked about", "shut it down", "get help from") only in their attacking form
ATTACKS = _many(
    "{fuck|screw|fk} {you|u|off|yourself}", "go fuck", "shut {up|the fuck up}", "stfu", "gtfo", "kys",
    "kill yourself", "get a life", "grow the fuck up", "grow up already", "touch grass", "learn to read",
    "reading comprehension", "can you even read", "can't you read", "do you even", "ok boomer", "okay boomer",
    "{nobody|no one} asked {you|for your opinion}", "who {even |}asked {you|tho|though}", "literally who asked",
    "cry {more|harder|about it}", "cope harder", "cope and seethe", "seethe", "malding",
    "go back to {where you came from|your cave|your basement|your hole|your safe space|your echo chamber}",
    "bite me", "suck my", "yo mama", "piss off", "bugger off", "sod off", "how {dumb|stupid} are you",
    "are you {stupid|dumb|retarded|high|drunk|insane|blind|an idiot|a moron|daft|thick|serious|kidding me|ok}",
    "what is wrong with you", "what's wrong with you", "get your head out", "you people", "go to hell",
    "you need {professional|mental|psychiatric|serious} help", "you need help {dude|mate|man|buddy}",
    "take your meds", "get {professional |mental |psychiatric |}help {dude|mate|man|buddy}", "you're pathetic",
    "you're a joke", "you are a joke", "nobody cares", "no one cares", "eat shit", "die in a fire",
)
_SECOND_PERSON_PREFIXES = _many(
    "you", "you{'re| are|re} {a|an|such a|such an|the|just a|just an|one|a real|a total|a complete|an absolute|"
    "a fucking|a goddamn|a stupid|so|being|acting like a|acting like an|}", "your", "you {fucking|absolute|"
    "complete|total|stupid|dumb|little|utter|ignorant|pathetic}", "you sound like {a|an|}", "you look like {a|an|}",
    "you must be {a|an|}", "stop being {a|an|}", "don't be {a|an|so|}", "dont be {a|an|so|}", "u r {a|an|}",
    "ur {a|an|so|}", "you're one", "you are one",
)
# words that after "your" name things more often than they insult ("your trash bin", "your crazy week")
_PLAIN_AFTER_YOUR = frozenset(_many("trash", "garbage", "crazy", "insane", "fat", "ugly", "lame", "boomer{s|}",
                                    "karen{s|}", "nerd{s|}", "dork{s|}", "hoe{s|}", "creep{s|}", "freak{s|}",
                                    "cripple{s|}", "rat{s|}", "pig{s|}", "animals", "nut"))
INSULT_2P = tuple(f"{p} {w}" for p in _SECOND_PERSON_PREFIXES for w in INSULT_WORDS
                  if not (p == "your" and w in _PLAIN_AFTER_YOUR)) + tuple(f"{w} like you" for w in INSULT_WORDS)
SECOND_PERSON = _many("you", "your", "you're", "youre", "yours", "yourself", "u", "ur", "ya", "you'd",
                      "you've", "you'll", "yall", "y'all")
GROUP_TARGETS = tuple(
    f"{a} {g}" for a in _many("these", "those", "all", "typical", "fucking", "stupid", "dumb", "all these",
                              "all you", "you")
    for g in _many("people", "liberals", "conservatives", "leftists", "republicans", "democrats", "women",
                   "men", "feminists", "christians", "muslims", "atheists", "boomers", "kids", "americans",
                   "immigrants", "libs", "cons", "trumpers", "antivaxxers", "anti vaxxers", "maskers",
                   "anti maskers", "idiots", "morons", "liberal", "conservative", "leftist", "republican",
                   "democrat", "religious", "racists", "nazis", "commies", "communists", "socialists")
)
# offensive whatever the target: sexual content, slurs, violence, mentions of identity groups
SEXUAL = _many(
    "sex", "sexy", "sexual", "sexually", "porn", "porno", "pornography", "pussy", "pussies", "tits", "titties",
    "boobs", "boob", "cum", "cumming", "horny", "nude", "nudes", "naked", "rape", "raped", "rapist", "raping",
    "slut{s|}", "slutty", "whore{s|}", "hooker{s|}", "thot{s|}", "dildo{s|}", "blowjob{s|}", "anal", "penis",
    "vagina", "masturbate", "masturbating", "masturbation", "orgasm{s|}", "erection{s|}", "genitals", "balls",
    "nipple{s|}", "butt", "booty", "milf", "onlyfans", "kinky", "fap", "jerk off", "hit it", "smash",
)
SLURS = _many(
    "fag{s|}", "faggot{s|}", "retard{s|ed|}", "tranny", "trannies", "dyke{s|}", "chink{s|}", "spic{s|}",
    "kike{s|}", "wetback{s|}", "nigger{s|}", "nigga{s|}", "negro{es|}", "coon{s|}", "gypsy", "gypsies",
    "towelhead{s|}", "beaner{s|}", "gook{s|}", "paki{s|}", "shemale{s|}", "homo{s|}", "queer{s|}", "sodomite{s|}",
    "savage{s|}", "subhuman{s|}", "cuck{s|ed|}",
    "nig", "nigs", "niggas", "nigguh", "jap{s|}", "raghead{s|}", "sandnigger{s|}", "camel jockey{s|}",
    "zipperhead{s|}", "wop{s|}", "dago{s|}", "kyke{s|}", "heeb{s|}", "gyp{s|}", "squaw{s|}", "redskin{s|}",
    "half breed{s|}", "faggy", "fagot{s|}", "trannie{s|}", "ladyboy{s|}", "libtard{s|}", "retarded",
    "mong{s|}", "spastic{s|}", "spaz", "tard{s|}", "cripple{s|}",
)
VIOLENCE = _many(
    "kill", "kills", "killed", "killing", "die", "dies", "dead", "murder", "murdered", "murdering", "shoot",
    "shooting", "shot", "hang", "hanged", "lynch", "lynched", "beat the", "beat your", "punch", "punched",
    "stab", "stabbed", "gas the", "gas them", "burn them", "behead", "beheaded", "execute", "executed", "bomb",
    "bombing", "bombed", "hurt", "slap", "slapped", "choke", "strangle", "genocide", "holocaust", "massacre",
)
IDENTITY = _many(
    "women", "woman", "girl{s|}", "female{s|}", "men", "male{s|}", "gay{s|}", "lesbian{s|}", "trans",
    "transgender", "black {people|folks|men|women|guys}", "blacks", "white {people|folks|men|women|guys}",
    "jew{s|}", "jewish", "muslim{s|}", "islam", "islamic", "christian{s|ity|}", "religion", "religious",
    "atheist{s|}", "atheism", "feminist{s|}", "feminism", "immigrant{s|}", "mexican{s|}", "asian{s|}",
    "indian{s|}", "chinese", "arab{s|}", "lgbt", "lgbtq", "wife", "wives", "girlfriend{s|}", "hoe{s|}",
    "chick{s|}", "ladies", "boys", "god", "jesus", "leftist{s|}", "liberal{s|}", "libs", "democrat{s|}",
    "republican{s|}", "conservative{s|}", "the left", "the right", "mgtow", "nationalist{s|}", "supremacist{s|}",
    "mormon{s|}", "catholic{s|}", "scientology", "nazi{s|}", "hitler", "race", "racial", "racism",
)
# roots found inside any word (unpadded): inflections, compounds and obfuscations ("fucktard", "f*cking" read
# "fcking", "idiots", "shitposting"), only where the root cannot be part of a harmless English word
SWEAR_ROOTS: tuple[str, ...] = (
    "fuck", "fcking", "fckin", "fukin", "fukk", "phuck", "shit", "bitch", "btch", "biatch", "cunt", "twat", "wank",
    "bastard", "whore", "slut", "faggot", "nigg", "motherf", "bullsh", "dumbf",
)
INSULT_ROOTS: tuple[str, ...] = (
    "asshole", "arsehole", "dumbass", "jackass", "idiot", "moron", "retard", "stupid", "dipshit", "douche", "dickhead",
    "libtard", "scumbag", "imbecil",
)
BODY_CUES: dict[str, tuple[str, ...]] = {
    "agree_explicit": AGREE_EXPLICIT,
    "agree_any": AGREE_ANY,
    "disagree_explicit": DISAGREE_EXPLICIT,
    "disagree_any": DISAGREE_ANY,
    "negated_agree": NEGATED_AGREE,
    "negator": NEGATORS,
    "sarcasm": SARCASM,
    "thanks": THANKS,
    "hedge": HEDGE,
    "insult": INSULT_WORDS,
    "profanity": PROFANITY,
    "attack": ATTACKS,
    "insult_2p": INSULT_2P,
    "group_target": GROUP_TARGETS,
    "sexual": SEXUAL,
    "slur": SLURS,
    "violence": VIOLENCE,
    "identity": IDENTITY,
    "second_person": SECOND_PERSON,
}
# what a reply opens with counts most ("Exactly.", "No,", "Yeah right"): matched on its first words
OPENER_CUES: dict[str, tuple[str, ...]] = {
    "agree_open": _many(
        "yes", "yess", "yeah", "yea", "yep", "yup", "exactly", "agreed", "i agree", "agree", "absolutely",
        "definitely", "true", "so true", "very true", "100%", "same", "indeed", "correct", "precisely", "right",
        "well said", "good point", "great point", "fair point", "thank you", "thanks", "amen", "bingo", "preach",
        "spot on", "this is so true", "this so much", "this right here", "couldn't agree more", "you're right",
        "you are right", "that's true", "that's right", "that's fair", "good call", "makes sense", "fair enough",
        "ha true", "haha true", "lol true", "lol yes", "lol same", "i think so too", "of course", "totally agree",
    ),
    "disagree_open": _many(
        "no", "nope", "nah", "wrong", "not really", "not true", "not quite", "actually", "well actually",
        "i disagree", "disagree", "incorrect", "false", "but", "except", "however", "um", "umm", "uh", "lol no",
        "bullshit", "bs", "nonsense", "what the", "wtf", "huh", "that's not", "that is not", "that isn't", "so what",
        "source", "citation needed", "i don't think so", "not at all", "not sure", "you're wrong", "you are wrong",
        "you do realize", "you realize", "says who", "says you", "that's bs", "that's bullshit", "that's false",
        "that's wrong", "that's ridiculous", "lmao no", "sorry but", "not necessarily", "i mean no", "eh",
        "i respectfully disagree", "i strongly disagree", "respectfully", "not exactly", "that's a stretch",
        "how is that", "how does that", "how so", "ok and", "okay and",
    ),
    "question_open": _many(
        "who", "what", "when", "where", "why", "how", "which", "is", "are", "do", "does", "did", "can", "could",
        "would", "will", "should", "have", "has", "was", "were", "any", "anyone", "anybody", "so", "wait",
    ),
    "sarcasm_open": _many("yeah right", "yea right", "oh great", "oh sure", "oh yeah", "oh really", "sure jan",
                          "yeah sure", "sure buddy", "ok buddy", "okay buddy", "wow", "oh wow", "riiight",
                          "suuure", "lol sure", "right because", "sure because", "oh joy", "cool story"),
    # an insult, or a dismissal that attacks when a reply opens with it ("Go away."): later in a reply these words
    # are everyday ones ("the errors go away")
    "insult_open": INSULT_WORDS + _many("go away", "get lost", "grow up"),
}
BODY_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(BODY_CUES)}
OPENER_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(OPENER_CUES)}


@functools.cache
def body_table() -> tuple[list[str], list[int], list[float]]:
    """Padded patterns of the body pass, their cue bit masks and their VADER valence (0 if none)."""
    bits: dict[str, int] = {}
    for name, phrases in BODY_CUES.items():
        for ph in phrases:
            key = f" {ph} "
            bits[key] = bits.get(key, 0) | BODY_BITS[name]
    valence: dict[str, float] = {}
    for word, v in zip(*vader_lexicon()):
        key = f" {word} "
        valence[key] = v
        bits.setdefault(key, 0)
    for roots, name in ((SWEAR_ROOTS, "profanity"), (INSULT_ROOTS, "insult")):  # unpadded: inside any word
        for root in roots:
            bits[root] = bits.get(root, 0) | BODY_BITS[name]
    patterns = sorted(bits)
    return patterns, [bits[p] for p in patterns], [valence.get(p, 0.0) for p in patterns]


@functools.cache
def opener_table() -> tuple[list[str], list[int]]:
    """Patterns of the opening pass (``"^ phrase "``) and their bit masks."""
    bits: dict[str, int] = {}
    for name, phrases in OPENER_CUES.items():
        for ph in phrases:
            key = f"^ {ph} "
            bits[key] = bits.get(key, 0) | OPENER_BITS[name]
    patterns = sorted(bits)
    return patterns, [bits[p] for p in patterns]


@functools.cache
def vader_lexicon() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The VADER lexicon (word, mean valence in [-4, 4]) read from the installed vaderSentiment package.

    Only single words of letters and apostrophes are kept (the normaliser removes other punctuation).
    """
    try:
        path = resources.files("vaderSentiment") / "vader_lexicon.txt"
        raw = path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise MissingDependency("the default stance scorer", "vaderSentiment") from err
    words: list[str] = []
    values: list[float] = []
    seen: set[str] = set()
    for line in raw.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        word = parts[0].strip()
        if word and word not in seen and all(ch.isalpha() or ch == "'" for ch in word):
            try:
                values.append(float(parts[1]))
            except ValueError:
                continue
            words.append(word)
            seen.add(word)
    return tuple(words), tuple(values)
