// Checks a staker's sum-tree inclusion proof in the browser, independently of the server.
// Same rules as backstop_verify/sumtree.py: leaf = sha256(0x00 || sha256(id) || amount32),
// node = sha256(0x01 || lh || ls32 || rh || rs32); the path is walked as in RFC 9162 2.1.3.2.
(function () {
  "use strict";
  const data = document.getElementById("staker-proof");
  const out = document.getElementById("browser-check");
  if (!data || !out) return;
  if (!(window.crypto && window.crypto.subtle)) {
    out.textContent = "not available (the browser allows WebCrypto on HTTPS only)";
    return;
  }
  const proof = JSON.parse(data.textContent);
  const sha = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromHex = (text) => new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));
  const u256 = (value) => fromHex(BigInt(value).toString(16).padStart(64, "0"));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const node = async (l, r) => ({
    hash: await sha(concat([1], l.hash, u256(l.sum), r.hash, u256(r.sum))),
    sum: l.sum + r.sum,
  });
  async function check() {
    const idHash = await sha(new TextEncoder().encode(proof.id));
    let r = { hash: await sha(concat([0], idHash, u256(proof.amount))), sum: BigInt(proof.amount) };
    let fn = proof.index, sn = proof.size - 1;
    for (const item of proof.path) {
      if (sn === 0) return false;
      const p = { hash: fromHex(item.hash), sum: BigInt(item.sum) };
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && hex(r.hash) === proof.root && r.sum === BigInt(proof.total);
  }
  check().then((ok) => {
    out.textContent = ok ? "the proof leads to the signed root." : "the proof does NOT lead to the root!";
    out.className = ok ? "ok" : "error";
  });
})();
