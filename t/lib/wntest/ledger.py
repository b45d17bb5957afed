"""The exactly-once ledger: what was handed to the upstream (token and
recipients, each token unique: X-Test-Seq / Message-ID) against what the
downstream captured.  Every (token, recipient) must arrive exactly once;
duplicates are tolerated only for tokens a test names (the window between
a final dot and its reply), and no unknown or truncated copy may appear."""

from .smtp import seq_of


class Ledger:
    def __init__(self):
        self.sent = {}                  # token -> (bytes, [rcpts])

    def add(self, token, msg, rcpts):
        assert token not in self.sent
        self.sent[token] = (msg, list(rcpts))

    def expected(self):
        return sum(len(r) for _, r in self.sent.values())

    def reconcile(self, txns, may_duplicate=(), ignore_null_sender=True):
        """txns: PySink Txn objects.  Returns (counts, problems)."""
        counts = {}
        problems = []
        for t in txns:
            data, complete, sender = t.data, t.complete, t.mail_addr
            delivered = t.delivered_to()
            if ignore_null_sender and sender == "":
                continue                # DSNs are checked by their tests
            if not complete:
                continue                # an aborted transaction delivers
            tok = seq_of(data)          # nothing
            if tok not in self.sent:
                problems.append("unknown message at the sink: %r"
                                % data[:200])
                continue
            msg, _ = self.sent[tok]
            if not data.endswith(msg):
                problems.append("%s: the copy downstream is not the whole "
                                "message" % tok)
            for r in delivered:
                counts[(tok, r)] = counts.get((tok, r), 0) + 1
        for tok, (_, rcpts) in self.sent.items():
            for r in rcpts:
                n = counts.get((tok, r), 0)
                if n == 0:
                    problems.append("%s -> %s: lost" % (tok, r))
                elif n > 1 and not (tok in may_duplicate and n == 2):
                    problems.append("%s -> %s: delivered %d times"
                                    % (tok, r, n))
        return counts, problems

    def assert_exactly_once(self, txns, may_duplicate=()):
        counts, problems = self.reconcile(txns, may_duplicate)
        assert not problems, "\n".join(problems)
        return counts
