"""A small ACME client of the tests' own (RFC 8555 JWS by hand over
cryptography), so that the tests can send what real clients never do: stale
nonces, bad signatures, wrong urls, another account's kid, bad EAB."""
import base64
import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID
from cryptography import x509


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Key:
    def __init__(self, pem=None):
        if pem:
            self.k = serialization.load_pem_private_key(pem, None)
        else:
            self.k = ec.generate_private_key(ec.SECP256R1())

    def pem(self):
        return self.k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())

    def jwk(self):
        n = self.k.public_key().public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")),
                "y": b64u(n.y.to_bytes(32, "big"))}

    def thumbprint(self):
        j = self.jwk()
        s = json.dumps({"crv": j["crv"], "kty": "EC", "x": j["x"], "y": j["y"]},
                       separators=(",", ":"), sort_keys=True)
        return b64u(hashlib.sha256(s.encode()).digest())

    def sign(self, data):
        der = self.k.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def jws(key, protected, payload, eab_key=None):
    p = b64u(json.dumps(protected).encode())
    pl = "" if payload is None else b64u(json.dumps(payload).encode())
    si = (p + "." + pl).encode()
    sig = hmac.new(eab_key, si, hashlib.sha256).digest() if eab_key else key.sign(si)
    return {"protected": p, "payload": pl, "signature": b64u(sig)}


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def h(self, name):
        return self.headers.get(name)

    def links(self):
        return self.headers.get_all("Link") or []


class Client:
    def __init__(self, dirurl, cafile, key=None):
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.dirurl = dirurl
        self.key = key or Key()
        self.kid = None
        self.nonce = None
        self.dir = self.get(dirurl).json()

    def raw(self, method, url, body=None, ctype="application/jose+json"):
        req = urllib.request.Request(url, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                resp = Resp(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            resp = Resp(e.code, e.headers, e.read())
        if resp.h("Replay-Nonce"):
            self.nonce = resp.h("Replay-Nonce")
        return resp

    def get(self, url):
        return self.raw("GET", url)

    def new_nonce(self):
        self.raw("HEAD", self.dir["newNonce"])
        return self.nonce

    def post(self, url, payload, key=None, kid=None, use_jwk=False, nonce=None,
             hdr_url=None, tamper=False, extra=None):
        key = key or self.key
        prot = {"alg": "ES256", "nonce": nonce or self.nonce or self.new_nonce(),
                "url": hdr_url or url}
        if use_jwk:
            prot["jwk"] = key.jwk()
        else:
            prot["kid"] = kid or self.kid
        if extra:
            prot.update(extra)
        body = jws(key, prot, payload)
        if tamper:
            sig = bytearray(unb64u(body["signature"]))
            sig[5] ^= 1
            body["signature"] = b64u(bytes(sig))
        self.nonce = None
        return self.raw("POST", url, json.dumps(body).encode())

    def eab(self, kid, hmac_b64u, url=None, key=None):
        key = key or self.key
        prot = {"alg": "HS256", "kid": kid, "url": url or self.dir["newAccount"]}
        return jws(None, prot, key.jwk(), eab_key=unb64u(hmac_b64u))

    def register(self, eab=None, key=None, **kw):
        payload = {"termsOfServiceAgreed": True, "contact": ["mailto:ops@example.test"]}
        if eab is not None:
            payload["externalAccountBinding"] = eab
        r = self.post(self.dir["newAccount"], payload, key=key, use_jwk=True, **kw)
        if r.status in (200, 201) and key is None:
            self.kid = r.h("Location")
        return r

    def order(self, names, **kw):
        ids = [{"type": "dns", "value": n} for n in names]
        return self.post(self.dir["newOrder"], {"identifiers": ids}, **kw)


def csr_der(names, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
    b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                        critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
