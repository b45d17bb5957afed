#!/usr/bin/python3
"""A tiny SMTP/LMTP server on stdin/stdout for winnowd's exec: forward.

    exec_responder.py --out DIR [--lmtp] [--rcpt-reply ADDR=REPLY]...
                      [--dot-reply REPLY] [--greeting TEXT] [--die-after VERB]
                      [--linger SECONDS]

In replies, "_" stands for a space (exec: splits at white space).
Each completed transaction is written to DIR as N.eml (the unstuffed
message) and N.env (one line each: HELO, MAIL, RCPT..., XFORWARD...),
renamed into place only after the final dot, so a file never holds half a
message.  --die-after VERB exits 3 without a reply after that command
("DATA-BODY" exits in the middle of the body), saying so on stderr.  --linger SECONDS stays
after QUIT (and after the end of its input) that long before it exits.
"""

import argparse
import os
import sys
import time


def die(where):
    """Exit 3 with a complaint on stderr, as an MTA would."""
    os.write(2, b"exec_responder: giving up\n\tafter %s\n"
             % where.encode())
    os._exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--lmtp", action="store_true")
    ap.add_argument("--rcpt-reply", action="append", default=[])
    ap.add_argument("--dot-reply")
    ap.add_argument("--greeting", default="220 exec-responder ESMTP")
    ap.add_argument("--die-after")
    ap.add_argument("--linger", type=float, default=0)
    a = ap.parse_args()
    # exec: splits its command at white space: "_" stands for a space
    rcpt_replies = {k: v.replace("_", " ") for k, v in
                    (x.split("=", 1) for x in a.rcpt_reply)}
    a.greeting = a.greeting.replace("_", " ")
    if a.dot_reply:
        a.dot_reply = a.dot_reply.replace("_", " ")
    rin = sys.stdin.buffer
    out = sys.stdout.buffer

    def send(text):
        out.write(text.encode() + b"\r\n")
        out.flush()

    def line():
        l = rin.readline()
        if not l:
            sys.exit(0)
        return l.rstrip(b"\r\n").decode("utf-8", "surrogateescape")

    send(a.greeting)
    helo, xf, mail, rcpts = "", [], None, []
    while True:
        cmd = line()
        verb = cmd.split(" ", 1)[0].upper()
        if a.die_after == verb:
            die(verb)
        if verb in ("EHLO", "LHLO"):
            helo = cmd
            send("250-exec-responder\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                 "250-DSN\r\n250 XFORWARD NAME ADDR PROTO HELO IDENT")
        elif verb == "HELO":
            helo = cmd
            send("250 exec-responder")
        elif verb == "XFORWARD":
            xf.append(cmd)
            send("250 2.0.0 Ok")
        elif verb == "MAIL":
            mail, rcpts = cmd, []
            send("250 2.1.0 Ok")
        elif verb == "RCPT":
            addr = cmd.split("<", 1)[-1].split(">", 1)[0]
            r = rcpt_replies.get(addr, "250 2.1.5 Ok")
            if r.startswith("2"):
                rcpts.append(cmd)
            send(r)
        elif verb == "DATA":
            send("354 go ahead")
            body = []
            while True:
                l = rin.readline()
                if not l:
                    sys.exit(0)
                if a.die_after == "DATA-BODY" and len(body) > 3:
                    die("DATA-BODY")
                if l == b".\r\n":
                    break
                body.append(l[1:] if l.startswith(b".") else l)
            n = len([f for f in os.listdir(a.out) if f.endswith(".eml")])
            base = os.path.join(a.out, "%04d-%d" % (n, os.getpid()))
            with open(base + ".env.tmp", "w") as f:
                f.write("\n".join([helo, mail] + rcpts + xf) + "\n")
            with open(base + ".eml.tmp", "wb") as f:
                f.write(b"".join(body))
            os.rename(base + ".env.tmp", base + ".env")
            os.rename(base + ".eml.tmp", base + ".eml")
            reply = a.dot_reply or "250 2.0.0 Ok: stored"
            for _ in (rcpts if a.lmtp else [None]):
                send(reply)
            mail, rcpts, xf = None, [], []
        elif verb == "RSET":
            mail, rcpts, xf = None, [], []
            send("250 2.0.0 Ok")
        elif verb == "QUIT":
            send("221 2.0.0 Bye")
            if a.linger:
                while rin.read(65536):
                    pass
                time.sleep(a.linger)
            return
        else:
            send("502 5.5.2 Error: command not recognized")


if __name__ == "__main__":
    main()
