// Wallet actions of the governance pages: sign in (EIP-4361 via personal_sign), vote, delegate
// and the guardian's cancel (EIP-712 via eth_signTypedData_v4). The server builds every
// message; the wallet only signs.
(function () {
  "use strict";
  var API = "/api/v1/governance/";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  // A button names its own status line (data-status) when the page has more than one.
  function say(text, isError, button) {
    var el = document.getElementById((button && button.dataset.status) || "wallet-status");
    if (el) {
      el.textContent = text;
      el.className = isError ? "error" : "muted";
    }
  }

  async function call(method, url, body) {
    var response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      throw new Error(data.message || response.statusText);
    }
    return data;
  }

  function provider() {
    if (!window.ethereum) {
      throw new Error("No browser wallet found: install one that provides window.ethereum.");
    }
    return window.ethereum;
  }

  function signTyped(address, typed) {
    return provider().request({
      method: "eth_signTypedData_v4",
      params: [address, JSON.stringify(typed)],
    });
  }

  async function account() {
    var accounts = await provider().request({ method: "eth_requestAccounts" });
    if (!accounts || !accounts.length) {
      throw new Error("The wallet shared no account.");
    }
    return accounts[0];
  }

  function utf8Hex(text) {
    var bytes = new TextEncoder().encode(text);
    return "0x" + Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function signIn(button) {
    var address = await account();
    say("Asking the server for a sign-in message…");
    var issued = await call("POST", API + "signin/message/", { address: address });
    say("Please sign the message in your wallet.");
    var signature = await provider().request({
      method: "personal_sign",
      params: [utf8Hex(issued.message), address],
    });
    await call("POST", API + "signin/verify/", { message: issued.message, signature: signature });
    window.location.assign(button.dataset.next || "/governance/");
  }

  async function vote(button) {
    var voter = await account();
    var pid = button.dataset.proposal;
    var support = Number(button.dataset.support);
    var reasonInput = document.getElementById("vote-reason");
    var reason = reasonInput ? reasonInput.value : "";
    var query = new URLSearchParams({ voter: voter, support: String(support), reason: reason });
    var typed = await call("GET", API + "proposals/" + pid + "/ballot-typed-data/?" + query);
    say("Please sign your ballot in your wallet.");
    var signature = await signTyped(voter, typed);
    await call("POST", API + "proposals/" + pid + "/ballots/", {
      voter: voter,
      support: support,
      reason: reason,
      nonce: Number(typed.message.nonce),
      chain_id: typed.domain.chainId,
      signature: signature,
    });
    say("Your vote was counted.");
    if (window.htmx) {
      window.htmx.trigger("#tally", "refresh");
    }
  }

  async function delegate(button) {
    var delegator = await account();
    var delegatee = document.getElementById("delegatee").value.trim() || delegator;
    var query = new URLSearchParams({ delegator: delegator, delegatee: delegatee });
    var typed = await call("GET", API + "delegations/typed-data/?" + query);
    say("Please sign the delegation in your wallet.");
    var signature = await signTyped(delegator, typed);
    await call("POST", API + "delegations/", {
      delegator: delegator,
      delegatee: typed.message.delegatee,
      nonce: Number(typed.message.nonce),
      expiry: Number(typed.message.expiry),
      chain_id: typed.domain.chainId,
      signature: signature,
    });
    window.location.reload();
  }

  async function guardianCancel(button) {
    var signer = await account();
    var guardian = button.dataset.guardian;
    if (signer.toLowerCase() !== guardian.toLowerCase()) {
      throw new Error("The wallet's account is " + signer + ", not the guardian Safe " +
        guardian + ": connect the Safe itself so that its owners sign together.");
    }
    var pid = button.dataset.proposal;
    var typed = await call("GET", API + "proposals/" + pid + "/cancel-typed-data/");
    say("Please have the guardian Safe sign the cancel.", false, button);
    var signature = await signTyped(signer, typed);
    say("Checking the Safe's signature on chain…", false, button);
    var proposal = await call("POST", API + "proposals/" + pid + "/cancel/", {
      signature: signature,
    });
    say("The guardian canceled this proposal.", false, button);
    var badge = document.getElementById("state");
    if (badge) {
      badge.textContent = "Canceled";
      badge.className = "badge state-" + proposal.state;
    }
    button.hidden = true;
  }

  function guard(action) {
    return function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      action(button).catch(function (error) {
        say(error.message || String(error), true, button);
      }).finally(function () {
        button.disabled = false;
      });
    };
  }

  document.querySelectorAll("[data-wallet-signin]").forEach(function (button) {
    button.addEventListener("click", guard(signIn));
  });
  document.querySelectorAll("[data-wallet-vote]").forEach(function (button) {
    button.addEventListener("click", guard(vote));
  });
  document.querySelectorAll("[data-wallet-delegate]").forEach(function (button) {
    button.addEventListener("click", guard(delegate));
  });
  document.querySelectorAll("[data-wallet-guardian-cancel]").forEach(function (button) {
    button.addEventListener("click", guard(guardianCancel));
  });
})();
