"""A client of winnowd's control API (issue 13) for the tests: bearer
token or a dashboard session (cookie + CSRF token), raw answers."""

import http.client
import json
import socket


class Api:
    def __init__(self, port=None, token=None, unix=None, host=None):
        self.port = port
        self.unix = unix
        self.token = token
        self.host = host
        self.cookie = None
        self.csrf = None

    def _conn(self):
        if self.unix:
            c = http.client.HTTPConnection("localhost", timeout=60)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(60)
            s.connect(self.unix)
            c.sock = s
            return c
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method, path, body=None, headers=None, raw=None,
             token=True):
        """(status, headers dict, parsed JSON or text)"""
        h = {}
        if self.host:
            h["Host"] = self.host
        if token and self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.cookie:
            h["Cookie"] = self.cookie
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if method == "POST" and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        if method == "POST" and data is None:
            data = b"{}"
            h.setdefault("Content-Type", "application/json")
        h.update(headers or {})
        c = self._conn()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            text = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()
        try:
            out = json.loads(text)
        except ValueError:
            out = text.decode("utf-8", "replace")
        return r.status, hdrs, out

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body if body is not None
                         else {}, **kw)

    def generation(self):
        """The configuration generation the control process serves, or 0
        while it is away: a reload restarts the control process, and a
        poll may meet the listener closed or a connection reset."""
        try:
            st, _, j = self.get("/api/v1/config")
        except (OSError, http.client.HTTPException):
            return 0
        return j.get("generation", 0) if st == 200 and isinstance(j, dict) \
            else 0

    def login(self, secret):
        st, h, j = self.call("POST", "/api/v1/login", {"secret": secret},
                             token=False)
        if st == 200:
            self.cookie = h["set-cookie"].split(";")[0]
            self.csrf = j["csrf"]
        return st, h, j
