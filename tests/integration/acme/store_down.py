"""ACME while the store cannot be reached or written (tests/integration/
acme_store_down.sh): design section 12's 503 for ACME.
argv: phase directory-url ca.pem state-file [kid hmac]
  setup  an account (EAB kid/hmac) and one order; keeps the key, the
         account URL and an unspent nonce in state-file
  down   (the store is down) newOrder with that nonce, GET and HEAD
         newNonce: 503 serverInternal saying the store is unreachable,
         with Retry-After
  up     (the store is back) the same newOrder succeeds, in a few seconds
Prints "ok   ..." / "FAIL ..." lines for the shell's report helper."""
import json
import os
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from client import Client, Key  # noqa: E402

phase, dirurl, cafile, state_file = sys.argv[1:5]
URN = "urn:ietf:params:acme:error:"
NAMES = ["www.down.test"]


WHAT = os.environ.get("WHAT", "store")


def check(what, cond, info=""):
    what = WHAT + ": " + what
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else " -- " + str(info)[:400]))
    sys.stdout.flush()


def unreachable(what, r):
    """r is a 503 serverInternal problem that says the store is unreachable."""
    try:
        d = r.json()
    except Exception:
        d = {}
    check("%s: 503" % what, r.status == 503, "%d %s" % (r.status, r.body[:300]))
    check("%s: serverInternal problem" % what,
          d.get("type") == URN + "serverInternal" and d.get("status") == 503 and
          (r.h("Content-Type") or "").startswith("application/problem+json"), r.body[:300])
    check("%s: the detail says the store is unreachable" % what,
          "store is unreachable" in d.get("detail", ""), d.get("detail"))
    check("%s: Retry-After" % what, (r.h("Retry-After") or "").isdigit(), r.h("Retry-After"))
    check("%s: Cache-Control no-store" % what, r.h("Cache-Control") == "no-store")


if phase == "setup":
    kid, hmac_key = sys.argv[5:7]
    c = Client(dirurl, cafile)
    r = c.register(eab=c.eab(kid, hmac_key))
    check("setup: account created", r.status == 201, "%d %s" % (r.status, r.body[:300]))
    r = c.order(NAMES)
    check("setup: newOrder 201 while the store is up", r.status == 201,
          "%d %s" % (r.status, r.body[:300]))
    check("setup: an unspent nonce in hand", bool(c.nonce))
    json.dump({"key": c.key.pem().decode(), "kid": c.kid, "nonce": c.nonce},
              open(state_file, "w"))
    sys.exit(0)

st = json.load(open(state_file))
c = Client(dirurl, cafile, key=Key(st["key"].encode()))
c.kid = st["kid"]
c.nonce = st["nonce"]

if phase == "down":
    t0 = time.time()
    r = c.order(NAMES)
    took = time.time() - t0
    unreachable("store down: newOrder", r)
    check("store down: answered within a few seconds (%.1f s)" % took, took < 10)
    r = c.get(c.dir["newNonce"])
    unreachable("store down: GET newNonce", r)
    check("store down: no Replay-Nonce it could not store", not r.h("Replay-Nonce"))
    r = c.raw("HEAD", c.dir["newNonce"])
    check("store down: HEAD newNonce 503", r.status == 503, r.status)
    sys.exit(0)

if phase == "up":
    r = None
    for _ in range(100):
        c.nonce = None
        r = c.order(NAMES)
        if r.status == 201:
            break
        time.sleep(0.1)
    check("store back: the same newOrder 201 without a restart", r.status == 201,
          "%d %s" % (r.status, r.body[:300]))
    d = r.json() if r.status == 201 else {}
    check("store back: the order is pending with its authorization",
          d.get("status") == "pending" and len(d.get("authorizations", [])) == 1, d)
    sys.exit(0)
