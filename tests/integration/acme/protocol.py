"""ACME protocol cases against a running privca (tests/integration/acme_protocol.sh).
argv: phase directory-url ca.pem state-file http-port kid-a hmac-a kid-b hmac-b
Prints "ok   ..." / "FAIL ..." lines for the shell's report helper."""
import http.server
import json
import sys
import threading
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from client import Client, Key, b64u, csr_der  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

phase, dirurl, cafile, state_file, http_port = sys.argv[1:6]
KID_A, HMAC_A, KID_B, HMAC_B = (sys.argv[6:10] + [""] * 4)[:4]
URN = "urn:ietf:params:acme:error:"


def check(what, cond, info=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else " -- " + str(info)[:400]))
    sys.stdout.flush()


def problem(what, r, status, typ):
    try:
        d = r.json()
    except Exception:
        d = {}
    good = (r.status == status and d.get("type") == URN + typ and
            (r.h("Content-Type") or "").startswith("application/problem+json") and
            r.h("Replay-Nonce") and r.h("Cache-Control") == "no-store")
    check("%s (%d %s)" % (what, status, typ), good, "%d %s" % (r.status, r.body[:300]))
    return d


KEYAUTH = {}
SLOW = set()  # tokens answered after 4 s: their challenges stay processing


class Responder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        tok = self.path.rsplit("/", 1)[-1]
        if tok in SLOW:
            time.sleep(4)
        body = KEYAUTH.get(tok, "").encode()
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def serve_http01():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(http_port)), Responder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_status(c, url, want, tries=100):
    for _ in range(tries):
        d = c.post(url, None).json()
        if d.get("status") in want:
            return d
        time.sleep(0.1)
    return d


def phase1():
    c = Client(dirurl, cafile)
    d = c.dir
    check("directory lists every resource",
          all(k in d for k in ("newNonce", "newAccount", "newOrder", "revokeCert",
                               "keyChange", "renewalInfo")) and
          d["meta"]["externalAccountRequired"] is True and d["meta"]["website"].startswith("https://"),
          d)
    r = c.raw("HEAD", d["newNonce"])
    check("HEAD newNonce: 200, Replay-Nonce, no-store",
          r.status == 200 and r.h("Replay-Nonce") and r.h("Cache-Control") == "no-store")
    r = c.get(d["newNonce"])
    check("GET newNonce: 204", r.status == 204, r.status)

    # No EAB while the CA requires it.
    problem("newAccount without EAB", c.register(), 400, "externalAccountRequired")
    # A wrong MAC is refused and does not spend the key.
    bad = c.eab(KID_A, b64u(b"\x01" * 32))
    problem("newAccount with a wrong EAB MAC", c.register(eab=bad), 403, "unauthorized")
    # An EAB binding another key than the outer JWS's.
    other = Key()
    problem("EAB binding another key", c.register(eab=c.eab(KID_A, HMAC_A, key=other)), 403,
            "unauthorized")
    # An unknown kid.
    problem("EAB with an unknown kid", c.register(eab=c.eab("nosuchkid", HMAC_A)), 403,
            "unauthorized")
    r = c.register(eab=c.eab(KID_A, HMAC_A))
    check("newAccount with EAB: 201 and Location", r.status == 201 and r.h("Location"),
          r.body)
    check("the account is valid", r.json().get("status") == "valid", r.body)
    r2 = c.register(eab=c.eab(KID_A, HMAC_A))
    check("newAccount again with the same key: 200, same account",
          r2.status == 200 and r2.h("Location") == c.kid, r2.status)
    c2 = Client(dirurl, cafile)
    problem("a spent EAB key binds no second account", c2.register(eab=c2.eab(KID_A, HMAC_A)),
            403, "unauthorized")
    r = c2.post(c2.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    problem("onlyReturnExisting for an unknown key", r, 400, "accountDoesNotExist")

    # badNonce, then a retry with the nonce the refusal gave.
    r = c.order(["x.p.test"], nonce="AAAAAAAAAAAAAAAAAAAAAA")
    problem("a stale nonce", r, 400, "badNonce")
    fresh = r.h("Replay-Nonce")
    r = c.order(["x.p.test"], nonce=fresh)
    check("the retry with the answer's Replay-Nonce works", r.status == 201, r.body)
    problem("a nonce used twice", c.order(["x.p.test"], nonce=fresh), 400, "badNonce")

    problem("a JWS whose signature does not verify", c.order(["x.p.test"], tamper=True), 400,
            "malformed")
    problem("a url that does not match", c.order(["x.p.test"], hdr_url=d["newOrder"] + "x"), 403,
            "unauthorized")
    r = c.raw("POST", d["newOrder"], b"{not json")
    problem("a body that is not JSON", r, 400, "malformed")
    r = c.raw("POST", d["newOrder"], b"{}", ctype="application/json")
    check("a body that is not application/jose+json: 415", r.status == 415, r.status)

    # Policy at newOrder.
    before = len(c.post(c.kid + "/orders", None).json()["orders"])
    r = c.order(["db.other.test"])
    pd = problem("a name outside the team's policy", r, 403, "rejectedIdentifier")
    check("the refusal names the identifier", "db.other.test" in pd.get("detail", ""), pd)
    r = c.order(["ok.p.test", "db.other.test", "two.other.test"])
    pd = problem("two names outside policy", r, 403, "rejectedIdentifier")
    subs = pd.get("subproblems", [])
    check("subproblems per refused identifier",
          sorted(s["identifier"]["value"] for s in subs) == ["db.other.test", "two.other.test"],
          subs)
    problem("a wildcard for a team without wildcards", c.order(["*.p.test"]), 403,
            "rejectedIdentifier")
    after = len(c.post(c.kid + "/orders", None).json()["orders"])
    check("nothing was ordered by the refusals", after == before, (before, after))

    # Another account (team B) may not use A's kid or A's orders.
    b = Client(dirurl, cafile)
    check("team B's account", b.register(eab=b.eab(KID_B, HMAC_B)).status == 201)
    r = c.order(["ord.p.test"])
    order_url = r.h("Location")
    problem("B's key with A's kid", b.order(["y.p.test"], kid=c.kid), 400, "malformed")
    problem("B reads A's order", b.post(order_url, None), 403, "unauthorized")

    # An order to ready over http-01, then finalize with the wrong names.
    srv = serve_http01()
    o = c.order(["fin.p.test"])
    od = o.json()
    az = c.post(od["authorizations"][0], None)
    check("authorization: Link rel=up to its order",
          any('rel="up"' in l and "/acme/order/" in l for l in az.links()), az.links())
    ch = [x for x in az.json()["challenges"] if x["type"] == "http-01"][0]
    KEYAUTH[ch["token"]] = ch["token"] + "." + c.key.thumbprint()
    r = c.post(ch["url"], {})
    check("challenge POST answers at once", r.status == 200 and r.json()["status"] in
          ("processing", "pending", "valid"), r.body)
    od = wait_status(c, o.h("Location"), ("ready", "invalid"))
    check("the order becomes ready", od.get("status") == "ready", od)
    r = c.post(od["finalize"], {"csr": b64u(csr_der(["other.p.test"]))})
    problem("finalize with a CSR naming other names", r, 400, "badCSR")
    r = c.post(od["finalize"], {"csr": b64u(csr_der(["fin.p.test", "more.p.test"]))})
    problem("finalize with a CSR naming more names", r, 400, "badCSR")
    r = c.post(od["finalize"], {"csr": b64u(csr_der(["fin.p.test"]))})
    check("finalize with the right CSR: valid", r.status == 200 and r.json()["status"] == "valid",
          r.body)
    cert = c.post(r.json()["certificate"], None)
    check("certificate: pem-certificate-chain, leaf then CA",
          cert.h("Content-Type") == "application/pem-certificate-chain" and
          cert.body.count(b"BEGIN CERTIFICATE") == 2, cert.h("Content-Type"))
    problem("finalize again", c.post(od["finalize"], {"csr": b64u(csr_der(["fin.p.test"]))}),
            403, "orderNotReady")

    # A challenge answered wrongly: invalid, with what the CA saw.
    o = c.order(["wrong.p.test"])
    az = c.post(o.json()["authorizations"][0], None).json()
    ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
    KEYAUTH[ch["token"]] = "not-the-key-authorization"
    c.post(ch["url"], {})
    od = wait_status(c, o.h("Location"), ("invalid", "ready"))
    check("a wrong http-01 answer makes the order invalid", od.get("status") == "invalid", od)
    azd = c.post(o.json()["authorizations"][0], None).json()
    err = [x for x in azd["challenges"] if x["type"] == "http-01"][0].get("error", {})
    check("the challenge error says what the CA saw",
          err.get("type", "").startswith(URN) and "not-the-key" in err.get("detail", ""), err)
    srv.shutdown()

    # keyChange: the new key signs from now on, the old one no longer.
    old = c.key
    new = Key()
    inner = {"protected": None}
    prot = {"alg": "ES256", "jwk": new.jwk(), "url": c.dir["keyChange"]}
    from client import jws
    inner = jws(new, prot, {"account": c.kid, "oldKey": old.jwk()})
    r = c.post(c.dir["keyChange"], inner)
    check("keyChange: 200", r.status == 200, r.body)
    c.key = new
    check("the new key signs for the account", c.post(c.kid, None).status == 200)
    problem("the old key no longer does", c.post(c.kid, None, key=old), 400, "malformed")

    # A pending order and the account, for after the restart.
    r = c.order(["keep.p.test"])
    json.dump({"kid": c.kid, "key": c.key.pem().decode(), "order": r.h("Location")},
              open(state_file, "w"))

    # Deactivation (of B): nothing works for it afterwards.
    r = b.post(b.kid, {"status": "deactivated"})
    check("deactivate: 200, status deactivated",
          r.status == 200 and r.json()["status"] == "deactivated", r.body)
    problem("a deactivated account orders nothing", b.order(["z.p.test"]), 403, "unauthorized")


def phase2():
    st = json.load(open(state_file))
    c = Client(dirurl, cafile, key=Key(st["key"].encode()))
    base = dirurl.rsplit("/acme/", 1)[0]
    c.kid = base + "/acme/acct/" + st["kid"].rsplit("/", 1)[1]
    r = c.post(c.kid, None)
    check("after a restart the account is there", r.status == 200 and r.json()["status"] == "valid",
          r.body)
    url = base + "/acme/order/" + st["order"].rsplit("/", 1)[1]
    r = c.post(url, None)
    check("after a restart the pending order is there",
          r.status == 200 and r.json()["status"] == "pending" and
          r.json()["identifiers"] == [{"type": "dns", "value": "keep.p.test"}], r.body)


def phase_open():
    c = Client(dirurl, cafile)
    check("with an open team, externalAccountRequired is false",
          c.dir["meta"]["externalAccountRequired"] is False, c.dir)
    r = c.register()
    check("an account without EAB joins the open team", r.status == 201, r.body)
    problem("the open team's policy applies", c.order(["x.p.test"]), 403, "rejectedIdentifier")
    check("the open team's names may be ordered", c.order(["a.open.test"]).status == 201)


def solve_http01(c, order_url, od):
    """Answer every authorization of the order over http-01; the order's end state."""
    for az_url in od["authorizations"]:
        az = c.post(az_url, None).json()
        if az["status"] == "valid":
            continue
        ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
        KEYAUTH[ch["token"]] = ch["token"] + "." + c.key.thumbprint()
        c.post(ch["url"], {})
    return wait_status(c, order_url, ("ready", "invalid"))


def raw_spki(cert_der):
    """The SubjectPublicKeyInfo bytes exactly as the certificate has them."""
    def tlv(b, i):
        n, j = b[i + 1], i + 2
        if n & 0x80:
            k = n & 0x7f
            n, j = int.from_bytes(b[j:j + k], "big"), j + k
        return j, j + n
    _, end = tlv(cert_der, 0)
    s, _ = tlv(cert_der, 0)
    s, e = tlv(cert_der, s)           # tbsCertificate contents
    i = s
    if cert_der[i] == 0xa0:            # version
        i = tlv(cert_der, i)[1]
    for _ in range(5):                 # serial, signature, issuer, validity, subject
        i = tlv(cert_der, i)[1]
    return cert_der[i:tlv(cert_der, i)[1]]


def compressed_csr(name, workdir):
    """A CSR (DER) whose EC point is compressed (openssl), and its key (PEM)."""
    import subprocess
    key, csr = workdir + "/cmp.key", workdir + "/cmp.csr"
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                    "-conv_form", "compressed", "-out", key], check=True)
    subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:" + name, "-outform", "DER", "-out", csr],
                   check=True)
    return open(csr, "rb").read(), open(key, "rb").read()


def phase_more():
    """What cert-manager and win-acme rely on, which cannot run here:
    orders with several identifiers, authorization reuse, revokeCert signed
    by a certificate key given as a compressed point, the orders list in
    pages behind Link rel="next", POST-as-GET of the certificate."""
    import os
    srv = serve_http01()
    c = Client(dirurl, cafile)
    check("account with EAB (HS256)", c.register(eab=c.eab(KID_A, HMAC_A)).status == 201)
    names = ["m1.p.test", "m2.p.test", "m3.p.test"]
    o = c.order(names)
    od = o.json()
    check("an order with three identifiers: three authorizations",
          o.status == 201 and len(od["authorizations"]) == 3 and
          sorted(i["value"] for i in od["identifiers"]) == names, o.body)
    od = solve_http01(c, o.h("Location"), od)
    check("all three validated: ready", od.get("status") == "ready", od)
    r = c.post(od["finalize"], {"csr": b64u(csr_der(names))})
    check("finalize: valid", r.status == 200 and r.json()["status"] == "valid", r.body)
    cert = c.post(r.json()["certificate"], None)
    check("POST-as-GET of the certificate: the chain, Link rel=up to the CA certificate",
          cert.status == 200 and cert.body.count(b"BEGIN CERTIFICATE") == 2 and
          any('rel="index"' in l for l in cert.links()), (cert.status, cert.links()))
    g = c.get(r.json()["certificate"])
    check("GET of the certificate is refused (POST-as-GET only)",
          g.status == 404 and b"BEGIN CERTIFICATE" not in g.body, (g.status, g.body))

    # Reuse (RFC 8555 7.1.4): the same account, a subset of the names, again.
    o2 = c.order(["m2.p.test", "m1.p.test"])
    od2 = o2.json()
    check("an order for names this account proved: ready at once",
          o2.status == 201 and od2["status"] == "ready", o2.body)
    azs = [c.post(u, None).json() for u in od2["authorizations"]]
    check("its authorizations are valid, with the challenge that proved them",
          all(a["status"] == "valid" and
              [x["status"] for x in a["challenges"]] == ["valid"] for a in azs), azs)
    r = c.post(od2["finalize"], {"csr": b64u(csr_der(["m1.p.test", "m2.p.test"]))})
    check("and it finalizes", r.status == 200 and r.json()["status"] == "valid", r.body)
    other = Client(dirurl, cafile)
    check("another account (team p)", other.register(eab=other.eab(KID_B, HMAC_B)).status == 201)
    o3 = other.order(["m1.p.test"])
    check("another account's order asks again: pending",
          o3.status == 201 and o3.json()["status"] == "pending", o3.body)

    # revokeCert signed by the certificate's key, a compressed point in the cert.
    o = c.order(["cmp.p.test"])
    od = solve_http01(c, o.h("Location"), o.json())
    csr, keypem = compressed_csr("cmp.p.test", os.path.dirname(state_file))
    r = c.post(od["finalize"], {"csr": b64u(csr)})
    check("finalize with a compressed-point CSR: valid",
          r.status == 200 and r.json()["status"] == "valid", r.body)
    pem = c.post(r.json()["certificate"], None).body.split(b"-----END CERTIFICATE-----")[0]
    from cryptography import x509 as cx509
    leaf = cx509.load_pem_x509_certificate(pem + b"-----END CERTIFICATE-----\n")
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    der = leaf.public_bytes(serialization.Encoding.DER)
    check("privca writes the compressed point of the CSR uncompressed (91 bytes, 0x04)",
          spki == raw_spki(der) and len(spki) == 91 and spki[-65] == 4, raw_spki(der).hex())
    stranger = Key()
    r = c.post(c.dir["revokeCert"], {"certificate": b64u(der)}, key=stranger, use_jwk=True)
    problem("revokeCert signed by a key that is not the certificate's", r, 403, "unauthorized")
    ck = Key(keypem)
    r = c.post(c.dir["revokeCert"], {"certificate": b64u(der), "reason": 1}, key=ck,
               use_jwk=True)
    check("revokeCert signed by the certificate's key: 200",
          r.status == 200, (r.status, r.body, b64u(spki)))
    problem("and again: alreadyRevoked",
            c.post(c.dir["revokeCert"], {"certificate": b64u(der)}, key=ck, use_jwk=True),
            400, "alreadyRevoked")

    # The orders list in pages (RFC 8555 7.1.2.1).
    for i in range(55):
        c.order(["page%d.p.test" % i])
    seen, url, pages = [], c.kid + "/orders", 0
    while url and pages < 10:
        r = c.post(url, None)
        pages += 1
        got = r.json().get("orders", [])
        if r.status != 200:
            check("orders page %d" % pages, False, (url, r.status, r.body))
        seen += got
        nxt = [l.split(";")[0].strip("<> ") for l in r.links() if 'rel="next"' in l]
        if pages == 1:
            check("the first page holds 50 orders and links to the next",
                  r.status == 200 and len(got) == 50 and len(nxt) == 1, (len(got), r.links()))
        url = nxt[0] if nxt else None
    check("the pages hold every order once: 55 + 3", len(seen) == 58 and len(set(seen)) == 58,
          (len(seen), len(set(seen)), pages))
    problem("a cursor that is no order of the account",
            c.post(c.kid + "/orders/" + o3.h("Location").rsplit("/", 1)[1], None), 400,
            "malformed")
    problem("a cursor that is no order at all", c.post(c.kid + "/orders/nosuchorder", None),
            400, "malformed")
    problem("a cursor longer than any order id", c.post(c.kid + "/orders/" + "A" * 300, None),
            400, "malformed")
    problem("a path below a cursor", c.post(c.kid + "/orders/%s/x" % seen[0].rsplit("/", 1)[1],
                                             None), 404, "malformed")
    polls_wait(c)
    srv.shutdown()


def polls_wait(c):
    """An authorization's poll while its challenge is processing waits for
    the result (up to the 1 s the challenge's Retry-After gave), and the
    waiting polls hold no worker thread: the service answers others."""
    o = c.order(["poll.p.test"])
    az_url = o.json()["authorizations"][0]
    az = c.post(az_url, None).json()
    ch = [x for x in az["challenges"] if x["type"] == "http-01"][0]
    KEYAUTH[ch["token"]] = ch["token"] + "." + c.key.thumbprint()
    r = c.post(ch["url"], {})
    check("the challenge POST answers at once: processing",
          r.status == 200 and r.json()["status"] == "processing", r.body)
    t0 = time.monotonic()
    r = c.post(az_url, None)
    took = time.monotonic() - t0
    st = r.json().get("status")
    check("a poll at once gets the result when it is recorded, not a second later",
          r.status == 200 and (st == "valid" or (st == "pending" and took >= 0.9)),
          (st, took))

    # Ten challenges whose targets answer after 4 s, four polls of each.
    names = ["slow%d.p.test" % i for i in range(10)]
    od = c.order(names).json()
    azs = od["authorizations"]
    for u in azs:
        ch = [x for x in c.post(u, None).json()["challenges"] if x["type"] == "http-01"][0]
        SLOW.add(ch["token"])
        KEYAUTH[ch["token"]] = ch["token"] + "." + c.key.thumbprint()
        c.post(ch["url"], {})
    res = []

    def poll(u):
        p = Client(dirurl, cafile, key=c.key)
        p.kid = c.kid
        t = time.monotonic()
        r = p.post(u, None)
        res.append((r.status, r.json().get("status"), r.h("Retry-After"),
                    time.monotonic() - t))
    th = [threading.Thread(target=poll, args=(u,)) for u in azs * 4]
    for t in th:
        t.start()
    time.sleep(0.4)
    t0 = time.monotonic()
    d = c.get(dirurl)
    took = time.monotonic() - t0
    for t in th:
        t.join()
    check("40 polls wait and the directory is still answered at once",
          d.status == 200 and took < 0.5, took)
    check("a poll waits at most about the Retry-After, then answers pending with it",
          len(res) == 40 and all(x[0] == 200 and x[1] == "pending" and x[2] == "1" and
                                 0.8 <= x[3] < 3.5 for x in res),
          sorted(res, key=lambda x: x[3])[:3] + sorted(res, key=lambda x: x[3])[-3:])


{"1": phase1, "2": phase2, "open": phase_open, "more": phase_more}[phase]()
