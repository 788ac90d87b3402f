#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/fuzz_jws.c into DIR (default
tests/fuzz/jws_corpus): request bodies as the ACME clients send them
(newAccount with jwk and EAB, newOrder and POST-as-GET with kid,
keyChange's nested JWS, RSA and Ed25519 keys), signed by the tests' own
client (tests/integration/acme/client.py)."""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration", "acme"))
from client import Key, b64u, jws  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "jws_corpus")
os.makedirs(out, exist_ok=True)
k, k2 = Key(), Key()
u = "https://127.0.0.1:8443/acme/"
kid = u + "acct/AAAAAAAAAAAAAAAAAAAAAA"
n = "BBBBBBBBBBBBBBBBBBBBBB"
eab = jws(None, {"alg": "HS256", "kid": "kid", "url": u + "new-account"}, k.jwk(), eab_key=b"k" * 32)
seeds = {
    "new-account": jws(k, {"alg": "ES256", "nonce": n, "url": u + "new-account", "jwk": k.jwk()},
                       {"termsOfServiceAgreed": True, "contact": ["mailto:a@b.test"]}),
    "new-account-eab": jws(k, {"alg": "ES256", "nonce": n, "url": u + "new-account", "jwk": k.jwk()},
                           {"termsOfServiceAgreed": True, "externalAccountBinding": eab}),
    "new-order": jws(k, {"alg": "ES256", "nonce": n, "url": u + "new-order", "kid": kid},
                     {"identifiers": [{"type": "dns", "value": "a.test"}, {"type": "ip", "value": "10.0.0.1"}]}),
    "post-as-get": jws(k, {"alg": "ES256", "nonce": n, "url": u + "order/x", "kid": kid}, None),
    "key-change": jws(k, {"alg": "ES256", "nonce": n, "url": u + "key-change", "kid": kid},
                      jws(k2, {"alg": "ES256", "url": u + "key-change", "jwk": k2.jwk()},
                          {"account": kid, "oldKey": k.jwk()})),
}
rsa = {"kty": "RSA", "e": "AQAB", "n": b64u(b"\xc1" + b"\x55" * 255)}
ed = {"kty": "OKP", "crv": "Ed25519", "x": b64u(b"\x11" * 32)}
for name, key in (("rsa-jwk", rsa), ("ed25519-jwk", ed)):
    p = b64u(json.dumps({"alg": "RS256" if name[0] == "r" else "EdDSA", "nonce": n,
                         "url": u + "new-account", "jwk": key}).encode())
    seeds[name] = {"protected": p, "payload": "", "signature": b64u(b"\0" * 64)}
for name, body in seeds.items():
    with open(os.path.join(out, name), "w") as f:
        json.dump(body, f)
