"""Cue word lists for the default scorer, and the VADER lexicon loaded from its own package.

The lists are hand-written from general knowledge of how people agree, disagree and insult each other
in English comment threads; none was picked from labeled data. Every pattern runs on the *normalised*
text made by :func:`discourse.stance._features.normalise`: lower case, curly quotes straightened,
HTML entities for ``> & '`` decoded, whitespace collapsed. Patterns are Rust-regex syntax (no
look-around), since polars runs them.
"""

from __future__ import annotations

import functools
from importlib import resources

from discourse.errors import MissingDependency

__all__ = ["vader_lexicon", "CUES", "alternation"]


def alternation(words: tuple[str, ...]) -> str:
    """``(?:a|b|c)`` from a tuple of regex fragments."""
    return "(?:" + "|".join(words) + ")"


# -- agreement --------------------------------------------------------------------------------
# what a reply opens with counts most: "Exactly." / "Yes, and ..." / "This."
AGREE_OPENERS = (
    r"yes+\b", r"yeah+\b", r"yep\b", r"yup\b", r"exactly\b", r"agreed\b", r"i agree\b", r"agree\b",
    r"absolutely\b", r"definitely\b", r"true\b", r"so true\b", r"very true\b", r"this\W*$", r"this[.!]",
    r"this\s+(?:so much|right here|100|is (?:so )?(?:true|correct|right|spot on|it))",
    r"100\s?%", r"\+1\b", r"same\b", r"indeed\b", r"correct\b", r"precisely\b", r"right\?*[.!,]",
    r"well said\b", r"good point\b", r"great point\b", r"fair point\b", r"thank you\b", r"thanks\b",
    r"amen\b", r"bingo\b", r"preach\b", r"spot on\b", r"couldn't agree more", r"could not agree more",
    r"you(?:'re| are) (?:so |absolutely |totally |completely |100% )?right\b", r"good call\b",
    r"that's (?:so )?(?:true|right|correct|spot on|a good point|fair)\b", r"^ha(?:ha)+\b.*\btrue\b",
    r"ok(?:ay)? that makes sense", r"makes sense\b", r"fair enough\b", r"i think so too",
)
AGREE_EXPLICIT = (
    r"\bi (?:\w+ )?agree\b", r"\bagreed\b", r"\bwell said\b", r"\b(?:good|great|fair|valid|excellent) point\b",
    r"\bexactly\b", r"\b(?:so|very|how) true\b", r"\byou(?:'re| are) (?:so |absolutely |totally |completely |100% )?right\b",
    r"\bcouldn't agree more\b", r"\bcould not agree more\b", r"\bspot on\b", r"\bi think so too\b",
    r"\bnailed it\b", r"\bwell put\b", r"\bthat's (?:so )?(?:true|right|correct)\b", r"\bagree with (?:you|this|that)\b",
    r"\bi'm with you\b", r"\bi second (?:this|that)\b", r"\bprecisely\b", r"\babsolutely\b", r"\bthis is the way\b",
)
AGREE_ANYWHERE = (
    r"\bi agree\b", r"\bagreed\b", r"\bwell said\b", r"\bgood point\b", r"\bgreat point\b",
    r"\bfair point\b", r"\bvalid point\b", r"\bexactly\b", r"\bso true\b", r"\bvery true\b",
    r"\byou(?:'re| are) (?:so |absolutely |totally |completely )?right\b", r"\bcouldn't agree more\b",
    r"\bthis is (?:so )?(?:true|correct|spot on)\b", r"\bspot on\b", r"\bi think so too\b",
    r"\bsame here\b", r"\bme too\b", r"\bthank(?:s| you)\b", r"\bmakes sense\b", r"\bfair enough\b",
    r"\bgood (?:call|take|answer|post)\b", r"\bnailed it\b", r"\bwell put\b", r"\bthis is the way\b",
    r"\bhow true\b", r"\bi second this\b", r"\bseconded\b", r"\bwith you on\b", r"\bi'm with you\b",
    r"\bgreat (?:post|comment|answer|explanation)\b", r"\bhappy to (?:help|see)\b", r"\bagree with you\b",
    r"\bsupport (?:this|you)\b", r"\bcan confirm\b", r"\bthis\b[.!]",
)

# -- disagreement -----------------------------------------------------------------------------
DISAGREE_OPENERS = (
    r"no+\b", r"nope\b", r"nah\b", r"wrong\b", r"not really\b", r"not true\b", r"not quite\b",
    r"actually\b", r"well,? actually\b", r"i disagree\b", r"disagree\b", r"incorrect\b", r"false\b",
    r"but\b", r"except\b", r"however\b", r"um+\b", r"uh+\b", r"lol no\b", r"bullshit\b", r"bs\b",
    r"nonsense\b", r"what\?", r"wtf\b", r"huh\??", r"that's not\b", r"that is not\b", r"that isn't\b",
    r"how (?:is|does|did|can|could) that\b", r"so what\b", r"source\?", r"citation needed",
    r"i don't think so\b", r"not at all\b", r"not sure (?:that|about)\b", r"you(?:'re| are) wrong\b",
    r"you do realize\b", r"you realize\b", r"except that\b", r"and\?$", r"says who\b", r"says you\b",
    r"that's (?:a )?(?:bs|bullshit|nonsense|false|wrong|incorrect|ridiculous|absurd|a stretch|a lie)\b",
    r"lmao no\b", r"that's why\b", r"sorry,? but\b", r"not necessarily\b", r"i mean,? no\b", r"eh\b",
    r"i (?:\w+ )?disagree\b", r"respectfully\b", r"i don't (?:think|believe|buy)\b", r"i'm not (?:sure|convinced)\b",
)
DISAGREE_EXPLICIT = (
    r"\bi (?:\w+ )?disagree\b", r"\bdisagree\b", r"\bnot true\b", r"\buntrue\b", r"\bnot the case\b",
    r"\byou(?:'re| are) (?:\w+ )?wrong\b", r"\bthat's (?:just )?(?:wrong|false|incorrect|not true|bs|bullshit|nonsense)\b",
    r"\bthat is (?:just )?(?:wrong|false|incorrect|not true)\b", r"\bincorrect\b", r"\bmakes no sense\b",
    r"\bdoesn't make (?:any )?sense\b", r"\bthat's not how\b", r"\bnonsense\b", r"\bbullshit\b",
    r"\bmisinformation\b", r"\bdebunked\b", r"\bthat's a lie\b", r"\bnot an argument\b", r"\bstraw ?man\b",
    r"\bnobody (?:said|is saying|claimed)\b", r"\bno one (?:said|is saying|claimed)\b", r"\bcompletely wrong\b",
    r"^\W*(?:no+|nope|nah|wrong|false|incorrect)\b",
)
DISAGREE_ANYWHERE = (
    r"\bi disagree\b", r"\bdisagree\b", r"\bnot true\b", r"\bnot the case\b", r"\bthat's not\b",
    r"\bthat is not\b", r"\bthat isn't\b", r"\byou(?:'re| are) wrong\b", r"\bthat's wrong\b",
    r"\bis wrong\b", r"\bincorrect\b", r"\bfalse\b", r"\bmisinformation\b", r"\bmisleading\b",
    r"\bdoesn't mean\b", r"\bdoes not mean\b", r"\bnobody (?:said|is saying|claimed)\b",
    r"\bno one (?:said|is saying|claimed)\b", r"\bmakes no sense\b", r"\bdoesn't make sense\b",
    r"\bthat's not how\b", r"\byou don't (?:understand|get it|know)\b", r"\byou clearly\b",
    r"\bsource\?", r"\bcitation\b", r"\bproof\?", r"\bevidence\?", r"\bwhat are you talking about\b",
    r"\bactually\b", r"\bhowever\b", r"\bthe problem is\b", r"\bthe difference is\b", r"\bstrawman\b",
    r"\bstraw man\b", r"\bfallacy\b", r"\bwhataboutism\b", r"\bbullshit\b", r"\bnonsense\b",
    r"\bridiculous\b", r"\babsurd\b", r"\bnot how\b", r"\bnot what\b", r"\bnot even\b",
    r"\bdebunked\b", r"\bthat's a lie\b", r"\blies\b", r"\bpropaganda\b", r"\bconspiracy\b",
    r"\bwhy would\b", r"\bhow would\b", r"\bwhy do you\b", r"\bwhy are you\b", r"\bdo you really\b",
    r"\bwhat makes you think\b", r"\bi doubt\b", r"\bhardly\b", r"\bnot sure that\b",
    r"\byou(?:'re| are) (?:missing|ignoring)\b", r"\byou(?:'re| are) confusing\b", r"\bread (?:the|it) again\b",
    r"\bnot an argument\b", r"\bno,", r"\bnope\b", r"\bnah\b", r"\bpoint is\b", r"\bimplying\b",
)
# negated agreement becomes disagreement ("I don't agree", "not true", "you're not right")
NEGATED_AGREEMENT = (
    r"\b(?:don't|do not|dont|can't|cannot|cant|couldn't|won't|wouldn't|never|not|n't) "
    r"(?:\w+ )?(?:agree|true|right|correct|accurate|valid|a good point)\b"
)
NEGATORS = (r"\bnot\b", r"n't\b", r"\bnever\b", r"\bno\b", r"\bnothing\b", r"\bnobody\b", r"\bnone\b",
            r"\bneither\b", r"\bnor\b", r"\bdont\b", r"\bcant\b", r"\bwont\b", r"\bisnt\b", r"\bwithout\b")

# -- questions and sarcasm --------------------------------------------------------------------
QUESTION_OPENERS = (r"(?:who|what|when|where|why|how|which|is|are|do|does|did|can|could|would|will|"
                    r"should|have|has|was|were|any|anyone|so)\b[^.!]*\?")
SARCASM = (
    r"\byeah,? right\b", r"\bsure,? (?:jan|buddy|pal|thing|bud|man|dude)\b", r"\bbecause that worked\b",
    r"\bthat worked (?:out )?so well\b", r"\bthat went (?:so )?well\b", r"\boh (?:great|wonderful|sure|really|yes|joy|wow|boy)\b",
    r"(?:^|\s)/s\b", r"\bhow convenient\b", r"\bwhat a (?:surprise|shock|shocker|concept|genius)\b",
    r"\bshocking\b", r"\bcool story\b", r"\bnice try\b", r"\bgood luck with that\b", r"\briight+\b",
    r"\bsure+\.\.+", r"\bright\.\.+", r"\bwow,? (?:just )?wow\b", r"\bgenius\b", r"\bbrilliant\b",
    r"\bslow clap\b", r"\bthanks,? captain\b", r"\bcaptain obvious\b", r"\bwho would have thought\b",
    r"\bwho'd have thought\b", r"\bwho knew\b", r"\bcolor me surprised\b", r"\bsurprise,? surprise\b",
    r"\bclearly\b", r"\bobviously\b", r"\btotally\b", r"🙄", r"\*rolls eyes\*", r"\beye ?roll\b",
    r"\bbig brain\b", r"\bgalaxy brain\b", r"\bso brave\b", r"\bthe audacity\b", r"\bok(?:ay)?,? buddy\b",
    r"\bsure you (?:are|do|did|have)\b", r"\byeah,? sure\b", r"\bsure,? sure\b", r"\bbecause of course\b",
    r"\bof course (?:he|she|they|it) (?:did|does|is|would)\b", r"\bi'm sure\b.*\b(?:will|would)\b",
)

# -- insults, profanity, targets --------------------------------------------------------------
INSULTS = (
    r"idiots?", r"idiotic", r"morons?", r"moronic", r"stupid", r"stupidity", r"dumb", r"dumbass(?:es)?",
    r"retard(?:s|ed)?", r"imbeciles?", r"cretins?", r"losers?", r"clowns?", r"trolls?", r"shills?",
    r"assholes?", r"arseholes?", r"jackass(?:es)?", r"dipshits?", r"dickheads?", r"douche(?:bag)?s?",
    r"fools?", r"foolish", r"pathetic", r"ignorant", r"ignoramus", r"snowflakes?", r"bootlickers?",
    r"scum(?:bag)?s?", r"trash", r"garbage", r"pieces? of shit", r"liars?", r"hypocrites?", r"delusional",
    r"brainwashed", r"sheeple", r"cucks?", r"libtards?", r"incels?", r"cowards?", r"covidiots?",
    r"numpt(?:y|ies)", r"twats?", r"wankers?", r"pricks?", r"bitch(?:es)?", r"cunts?", r"bastards?",
    r"halfwits?", r"nitwits?", r"dimwits?", r"dunce", r"buffoons?", r"clueless", r"braindead",
    r"brain dead", r"mouth ?breathers?", r"neckbeards?", r"degenerates?", r"lowlifes?", r"vermin",
    r"creeps?", r"freaks?", r"psychos?", r"lunatics?", r"nutjobs?", r"nutcases?", r"crazy", r"insane",
    r"ugly", r"fat", r"disgusting", r"sick fuck", r"pos", r"shithead", r"fuckwit", r"fuckface", r"nazis?",
    r"fascists?", r"bigots?", r"racists?", r"sexists?", r"idiocy", r"ignorance", r"hacks?", r"grifters?",
    r"psychotic", r"cancer", r"dogshit", r"meatheads?", r"parasites?", r"leeches?", r"rats?", r"pigs?", r"animals",
)
PROFANITY = (
    r"fuck\w*", r"f\*+k\w*", r"f\*+\w*", r"shit\w*", r"sh\*t\w*", r"damn\w*", r"crap\w*", r"bitch\w*",
    r"bastard\w*", r"piss\w*", r"cunt\w*", r"dick\w*", r"cock\w*", r"wtf", r"stfu", r"gtfo", r"hell",
    r"ass", r"asses", r"arse", r"bullshit", r"bs", r"goddamn\w*", r"bloody", r"motherf\w*", r"jesus christ",
)
# an attack aimed at the person replied to (second person), not at a third party or a group
ATTACKS = (
    r"\b(?:fuck|screw|f|fk) (?:you|u|off|yourself)\b", r"\bgo fuck\b", r"\bshut (?:up|the fuck up)\b",
    r"\bstfu\b", r"\bgtfo\b", r"\bkys\b", r"\bkill yourself\b", r"\bgo away\b", r"\bget lost\b",
    r"\bget a life\b", r"\bgrow up\b", r"\btouch grass\b", r"\blearn to read\b", r"\breading comprehension\b",
    r"\bcan you (?:even )?read\b", r"\bdo you even\b", r"\bok boomer\b", r"\bnobody asked\b",
    r"\bwho asked\b", r"\bcry (?:more|harder|about it)\b", r"\bcope\b", r"\bseethe\b", r"\bmalding\b",
    r"\bare you (?:stupid|dumb|retarded|high|drunk|insane|blind|an idiot|a moron|an idiot|serious|kidding me|daft|thick)\b",
    r"\byou sound (?:like )?(?:an? )?(?:\w+ )?(?:idiot|moron|stupid|dumb|retarded|insane|crazy|ignorant|delusional|child|unhinged)\b",
    r"\bgo back to\b", r"\bbite me\b", r"\bsuck (?:it|my)\b", r"\byour mom\b", r"\byo mama\b",
    r"\bpiss off\b", r"\bbugger off\b", r"\bsod off\b", r"\bhow dumb are you\b", r"\bhow stupid are you\b",
)
SECOND_PERSON = r"\b(?:you|your|you're|youre|yours|yourself|u|ur|ya)\b"
SHOUT = r"\b[A-Z]{3,}\b"  # run on the raw text, before lower-casing
GROUP_TARGETS = (
    r"\b(?:these|those|all|typical|fucking|stupid|dumb) (?:people|liberals|conservatives|leftists|"
    r"republicans|democrats|women|men|feminists|christians|muslims|atheists|boomers|kids|americans|"
    r"immigrants|libs|cons|trumpers|antivaxxers|anti-vaxxers|maskers|anti-maskers|idiots|morons)\b"
)

# offensive whatever the target: sexual content, slurs, violence, mentions of identity groups
SEXUAL = (r"sex\w*", r"porn\w*", r"pussy", r"puss(?:ies)", r"tits", r"titties", r"boobs?", r"cum\w*", r"horny",
          r"nudes?", r"naked", r"rap(?:e|ed|ist|ing)", r"sluts?", r"slutty", r"whores?", r"hookers?", r"thots?",
          r"dildos?", r"blowjobs?", r"anal", r"penis\w*", r"vagina\w*", r"masturbat\w*", r"orgasm\w*",
          r"erections?", r"genitals?", r"balls", r"nipples?", r"butt", r"booty", r"milf", r"onlyfans", r"kinky")
SLURS = (r"fag\w*", r"retard\w*", r"trann(?:y|ies)", r"dykes?", r"chinks?", r"spics?", r"kikes?", r"wetbacks?",
         r"n[i1]gg\w*", r"negro\w*", r"coons?", r"gyps(?:y|ies)", r"towelheads?", r"sand ?n\w*", r"beaners?",
         r"gooks?", r"paki\w*", r"shemales?", r"homos?", r"queers?", r"sodomites?", r"savages?", r"subhuman")
VIOLENCE = (r"kill\w*", r"die", r"dies", r"dead", r"murder\w*", r"shoot\w*", r"shot", r"hang(?:ed)?", r"lynch\w*",
            r"beat (?:the|your|his|her|their)", r"punch\w*", r"stab\w*", r"gas (?:the|them)", r"burn (?:them|it|in)",
            r"behead\w*", r"execut\w*", r"bomb\w*", r"hurt", r"slap\w*", r"choke\w*", r"strangl\w*")
IDENTITY = (r"women", r"woman", r"girls?", r"females?", r"men", r"males?", r"gays?", r"lesbians?", r"trans\w*",
            r"black (?:people|folks|men|women|guys)", r"blacks", r"white (?:people|folks|men|women|guys)", r"jews?",
            r"jewish", r"muslims?", r"islam\w*", r"christian\w*", r"religio\w*", r"atheis\w*", r"feminis\w*",
            r"immigrants?", r"mexicans?", r"asians?", r"indians?", r"chinese", r"arabs?", r"lgbt\w*", r"wives",
            r"wife", r"girlfriends?", r"bitches", r"hoes?", r"chicks?", r"ladies", r"boys", r"god", r"jesus",
            r"leftists?", r"liberals?", r"libs", r"democrats?", r"republicans?", r"conservatives?", r"the left",
            r"the right", r"mgtow", r"incels?", r"nationalists?", r"supremacists?", r"cuck\w*", r"mormon\w*",
            r"catholic\w*", r"scientolog\w*", r"holocaust", r"genocide", r"nazis?", r"hitler", r"race", r"racial")

CUES: dict[str, str] = {
    "agree_open": r"^\W*" + alternation(AGREE_OPENERS),
    "agree_explicit": alternation(AGREE_EXPLICIT),
    "agree_any": alternation(AGREE_ANYWHERE),
    "disagree_open": r"^\W*" + alternation(DISAGREE_OPENERS),
    "disagree_explicit": alternation(DISAGREE_EXPLICIT),
    "disagree_any": alternation(DISAGREE_ANYWHERE),
    "negated_agree": NEGATED_AGREEMENT,
    "negator": alternation(NEGATORS),
    "question_open": r"^\W*" + QUESTION_OPENERS,
    "sarcasm": alternation(SARCASM),
    "insult": r"\b" + alternation(INSULTS) + r"\b",
    "profanity": r"\b" + alternation(PROFANITY) + r"\b",
    "attack": alternation(ATTACKS),
    # "you idiot", "you're a fucking moron", "your stupid argument", "idiot." as a whole opener
    "insult_2p": (
        r"\b(?:you|u|ya)(?:'re| are| r|re)?\s+(?:such\s+|so\s+|just\s+|really\s+|truly\s+|being\s+)?"
        r"(?:an?\s+)?(?:\w+\s+)?(?:\w+\s+)?\b" + alternation(INSULTS) + r"\b"
        r"|\byour\s+(?:\w+\s+)?" + alternation(INSULTS) + r"\b"
        r"|^\W*" + alternation(INSULTS) + r"\W*$"
        r"|\b" + alternation(INSULTS) + r"\s+(?:like )?(?:you|yourself)\b"
    ),
    "group_target": GROUP_TARGETS,
    "sexual": r"\b" + alternation(SEXUAL) + r"\b",
    "slur": r"\b" + alternation(SLURS) + r"\b",
    "violence": r"\b" + alternation(VIOLENCE) + r"\b",
    "identity": r"\b" + alternation(IDENTITY) + r"\b",
    "second_person": SECOND_PERSON,
    "thanks": r"\bthank(?:s| you)\b|\bthx\b|\bty\b",
    "hedge": r"\b(?:i think|i guess|maybe|perhaps|probably|imo|imho|i believe|not sure)\b",
}


@functools.cache
def vader_lexicon() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The VADER lexicon (word, mean valence in [-4, 4]) read from the installed vaderSentiment package.

    Only single words of letters and apostrophes are kept (emoticons are dropped: the tokeniser of
    the default scorer splits on everything else).
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
