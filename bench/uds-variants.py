#!/usr/bin/env python3
# uds-variants.py - the variants a spammer makes of each spam message
#
#   bench/uds-variants.py [-s SEED] [-r RATE] [-f FAMILIES] SPAMDIR OUTDIR
#
# For every message below SPAMDIR, writes OUTDIR/<family>/<name> for each
# family (deterministic: the random choices depend on SEED, the file name
# and the family only):
#
#   synonyms   RATE (default 0.10) of the words replaced: by a synonym when
#              the built-in table has one, else by a misspelling (two
#              letters swapped, a letter doubled or dropped, a digit for a
#              letter)
#   reorder    the paragraphs (HTML: the blocks) shuffled
#   append     random words from the ham vocabulary appended, 25-50 % of
#              the text's length (a "hash buster")
#   prepend    the same in front
#   render     text/plain sent as HTML, HTML sent as text/plain
#   links      every link's path and query changed, its host kept
#   combined   synonyms at RATE/2, reorder, 10-20 % appended, links
#
# A variant keeps the original's headers but Message-ID and Date, and has
# one body part (the original's main text or HTML part, decoded); the
# bench compares what UDS makes of it with what it made of the original.
import argparse
import email
import email.policy
import hashlib
import html
import html.parser
import os
import random
import re
import sys

FAMILIES = ["synonyms", "reorder", "append", "prepend", "render", "links",
            "combined"]

SYNONYMS = {
    "free": "complimentary", "money": "cash", "offer": "deal",
    "buy": "purchase", "cheap": "affordable", "now": "today",
    "click": "tap", "here": "below", "order": "request", "save": "keep",
    "best": "top", "price": "cost", "prices": "costs",
    "guaranteed": "assured", "guarantee": "promise", "earn": "make",
    "income": "earnings", "home": "house", "business": "company",
    "online": "internet", "credit": "loan", "debt": "bills",
    "email": "message", "special": "exclusive", "discount": "reduction",
    "limited": "restricted", "time": "period", "receive": "get",
    "remove": "unsubscribe", "information": "details", "info": "details",
    "fast": "quick", "quickly": "rapidly", "easy": "simple",
    "amazing": "incredible", "great": "excellent", "new": "fresh",
    "call": "phone", "today": "now", "million": "billion",
    "dollars": "bucks", "opportunity": "chance", "products": "goods",
    "product": "item", "service": "offering", "company": "firm",
    "people": "folks", "want": "wish", "need": "require", "help": "assist",
    "start": "begin", "get": "obtain", "make": "create", "work": "labor",
    "week": "weekly", "month": "monthly", "year": "yearly",
    "rates": "fees", "rate": "fee", "mortgage": "home loan",
    "insurance": "coverage", "life": "lifetime", "health": "wellness",
    "weight": "pounds", "lose": "drop", "results": "outcomes",
    "website": "site", "visit": "see", "list": "roster",
    "address": "contact", "send": "mail", "reply": "respond",
    "thousands": "many", "instantly": "immediately", "secret": "hidden",
    "proven": "tested", "risk": "danger", "win": "gain", "winner": "champ",
    "prize": "award", "bonus": "extra", "order now": "buy today",
    "customer": "client", "customers": "clients", "friend": "pal",
    "friends": "pals", "unsubscribe": "opt-out", "legal": "lawful",
    "financial": "monetary", "investment": "stake", "profit": "gain",
    "profits": "gains", "cost": "price", "low": "reduced",
    "lowest": "cheapest", "high": "elevated", "quality": "grade",
    "approved": "accepted", "approval": "acceptance", "apply": "enroll",
    "system": "method", "program": "plan", "software": "program",
    "computer": "PC", "internet": "web", "market": "marketplace",
    "marketing": "promotion", "advertising": "ads", "sales": "selling",
}

WORD_RE = re.compile(r"[A-Za-z][A-Za-z']+")
URL_RE = re.compile(r"(?i)\b((?:https?|ftp)://[^\s<>\"')]+|www\.[^\s<>\"')]+)")
HREF_RE = re.compile(r"(?i)(href\s*=\s*[\"']?)([^\"'\s>]+)")
TAG_RE = re.compile(r"(<[^>]*>)")
BLOCK_RE = re.compile(r"(?i)(?=<(?:p|br|div|tr|table|li|h[1-6]|center)\b)")


class Text(html.parser.HTMLParser):
    """The visible text of HTML, with block tags as line breaks."""

    BLOCKS = {"p", "br", "div", "tr", "li", "table", "h1", "h2", "h3",
              "h4", "h5", "h6", "center", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.out.append("\n\n" if tag == "p" else "\n")
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v and re.match(r"(?i)(https?|ftp)://", v):
                    self.out.append(" " + v + " ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def render_text(h):
    p = Text()
    try:
        p.feed(h)
        p.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", h)
    return "".join(p.out)


def main_part(msg):
    """(subtype, text, charset) of the message's main text part, or None;
    charset None when the part did not declare one (read as latin-1, so
    its bytes go back out unchanged)."""
    cands = []
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        sub = part.get_content_subtype()
        if sub not in ("plain", "html"):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            continue
        cs = part.get_content_charset()
        try:
            text = payload.decode(cs or "latin-1", errors="replace")
        except LookupError:
            cs = None
            text = payload.decode("latin-1", errors="replace")
        cands.append((sub, text, cs, len((render_text(text) if sub ==
                                          "html" else text).split())))
    if not cands:
        return None
    most = max(c[3] for c in cands)
    # the part with the most words; a text/plain one with 70 % of that
    # (the plain half of an alternative) is preferred
    for c in cands:
        if c[0] == "plain" and c[3] >= 0.7 * most:
            return c[:3]
    return [c for c in cands if c[3] == most][0][:3]


def misspell(w, rng):
    if len(w) < 4:
        return w
    k = rng.randrange(4)
    i = rng.randrange(1, len(w) - 1)
    if k == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if k == 1:
        return w[:i] + w[i] + w[i:]
    if k == 2:
        return w[:i] + w[i + 1:]
    leet = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5"}
    cands = [j for j, c in enumerate(w) if c.lower() in leet]
    if not cands:
        return w[:i] + w[i] + w[i:]
    j = rng.choice(cands)
    return w[:j] + leet[w[j].lower()] + w[j + 1:]


def replace_words(text, rate, rng):
    def one(m):
        w = m.group(0)
        if rng.random() >= rate:
            return w
        s = SYNONYMS.get(w.lower())
        if s is not None:
            return s.capitalize() if w[0].isupper() else s
        return misspell(w, rng)
    return WORD_RE.sub(one, text)


def on_text_nodes(h, fn):
    """Apply fn to the text between tags of HTML."""
    parts = TAG_RE.split(h)
    return "".join(p if p.startswith("<") else fn(p) for p in parts)


def shuffle_blocks(sub, text, rng):
    if sub == "html":
        m = re.search(r"(?is)<body[^>]*>", text)
        start = m.end() if m else 0
        e = re.search(r"(?is)</body>", text)
        end = e.start() if e else len(text)
        blocks = [b for b in BLOCK_RE.split(text[start:end]) if b]
        rng.shuffle(blocks)
        return text[:start] + "".join(blocks) + text[end:]
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paras) < 3:
        paras = [p for p in text.split("\n") if p.strip()]
    rng.shuffle(paras)
    return "\n\n".join(paras) + "\n"


def random_words(vocab, n, rng):
    words = [rng.choice(vocab) for _ in range(n)]
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    return "\n".join(lines)


def add_noise(sub, text, vocab, lo, hi, rng, front):
    n = max(10, int(len(render_text(text).split() if sub == "html" else
                        text.split()) * rng.uniform(lo, hi)))
    noise = random_words(vocab, n, rng)
    if sub == "html":
        noise = "<p>" + html.escape(noise) + "</p>"
        m = re.search(r"(?is)<body[^>]*>", text)
        e = re.search(r"(?is)</body>", text)
        if front:
            at = m.end() if m else 0
        else:
            at = e.start() if e else len(text)
        return text[:at] + noise + text[at:]
    return noise + "\n\n" + text if front else text + "\n\n" + noise + "\n"


def new_link(url, rng):
    m = re.match(r"(?i)((?:https?|ftp)://)?([^/?#\s]+)", url)
    if not m:
        return url
    scheme = m.group(1) or ""
    path = "/" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                         for _ in range(rng.randrange(4, 12)))
    return "%s%s%s?id=%d" % (scheme, m.group(2), path,
                             rng.randrange(10 ** 6, 10 ** 9))


def change_links(sub, text, rng):
    text = URL_RE.sub(lambda m: new_link(m.group(1), rng), text)
    if sub == "html":
        text = HREF_RE.sub(lambda m: m.group(1) + new_link(m.group(2), rng)
                           if re.match(r"(?i)(https?|ftp)://", m.group(2))
                           else m.group(0), text)
    return text


def to_html(text):
    out = []
    for p in re.split(r"\n\s*\n", text):
        if not p.strip():
            continue
        esc = html.escape(p)
        esc = URL_RE.sub(lambda m: '<a href="%s">%s</a>' %
                         (m.group(1) if "://" in m.group(1)
                          else "http://" + m.group(1), m.group(1)), esc)
        out.append("<p>" + esc.replace("\n", "<br>\n") + "</p>")
    return ("<html><head><title></title></head><body>\n" +
            "\n".join(out) + "\n</body></html>\n")


def variant(family, sub, text, vocab, rate, rng):
    if family == "synonyms":
        fn = lambda t: replace_words(t, rate, rng)
        return sub, on_text_nodes(text, fn) if sub == "html" else fn(text)
    if family == "reorder":
        return sub, shuffle_blocks(sub, text, rng)
    if family in ("append", "prepend"):
        return sub, add_noise(sub, text, vocab, 0.25, 0.50, rng,
                              family == "prepend")
    if family == "render":
        if sub == "html":
            return "plain", render_text(text)
        return "html", to_html(text)
    if family == "links":
        return sub, change_links(sub, text, rng)
    if family == "combined":
        fn = lambda t: replace_words(t, rate / 2, rng)
        text = on_text_nodes(text, fn) if sub == "html" else fn(text)
        text = shuffle_blocks(sub, text, rng)
        text = add_noise(sub, text, vocab, 0.10, 0.20, rng, False)
        return sub, change_links(sub, text, rng)
    raise ValueError(family)


def write_variant(msg, sub, text, cs, path, rng):
    out = []
    for k, v in msg.items():
        kl = k.lower()
        if kl in ("message-id", "date", "content-type",
                  "content-transfer-encoding", "mime-version") or \
           kl.startswith("content-"):
            continue
        out.append("%s: %s" % (k, str(v).replace("\n", "\n ")))
    out.append("Message-ID: <%x@variant.test>" % rng.getrandbits(64))
    out.append("Date: Mon, 02 Mar 2026 10:00:00 +0000")
    out.append("MIME-Version: 1.0")
    if cs:
        out.append("Content-Type: text/%s; charset=%s" % (sub, cs))
    else:
        out.append("Content-Type: text/%s" % sub)
    out.append("Content-Transfer-Encoding: 8bit")
    body = text.replace("\r\n", "\n")
    head = ("\n".join(out) + "\n\n").encode("utf-8", "replace")
    try:
        data = head + body.encode(cs or "latin-1", "replace")
    except LookupError:
        data = head + body.encode("latin-1", "replace")
    with open(path, "wb") as f:
        f.write(data)


def vocabulary(hamdir, limit=400):
    seen = {}
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(hamdir)
                   for f in fs)[:limit]
    for p in files:
        with open(p, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.compat32)
        mp = main_part(msg)
        if mp is None:
            continue
        t = render_text(mp[1]) if mp[0] == "html" else mp[1]
        for w in WORD_RE.findall(t):
            if 3 <= len(w) <= 12:
                seen[w.lower()] = 1
    return sorted(seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--seed", type=int, default=20260301)
    ap.add_argument("-r", "--rate", type=float, default=0.10)
    ap.add_argument("-f", "--families", default=",".join(FAMILIES))
    ap.add_argument("--ham", default=None,
                    help="ham directory for the random words")
    ap.add_argument("spamdir")
    ap.add_argument("outdir")
    a = ap.parse_args()
    fams = a.families.split(",")
    hamdir = a.ham or os.path.join(os.path.dirname(a.spamdir.rstrip("/")),
                                   "ham")
    vocab = vocabulary(hamdir)
    if len(vocab) < 100:
        sys.exit("uds-variants: too few words from %s" % hamdir)
    for fam in fams:
        os.makedirs(os.path.join(a.outdir, fam), exist_ok=True)
    n = skipped = 0
    for d, _, fs in sorted(os.walk(a.spamdir)):
        for name in sorted(fs):
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(
                    f, policy=email.policy.compat32)
            mp = main_part(msg)
            if mp is None:
                skipped += 1
                continue
            for fam in fams:
                seed = int(hashlib.sha256(("%d/%s/%s" % (a.seed, name, fam))
                                          .encode()).hexdigest()[:16], 16)
                rng = random.Random(seed)
                sub, text = variant(fam, mp[0], mp[1], vocab, a.rate, rng)
                write_variant(msg, sub, text, mp[2],
                              os.path.join(a.outdir, fam, name), rng)
            n += 1
    print("uds-variants: %d messages x %d families into %s (%d without a "
          "text part)" % (n, len(fams), a.outdir, skipped))


if __name__ == "__main__":
    main()
