// Passkeys (WebAuthn): adding one on the account page, signing in with one. Without
// WebAuthn in the browser (or without script) the controls stay hidden. The texts shown
// come from the page (data- attributes) and from the API's messages.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()},
      body: JSON.stringify(body || {}),
    });
    var answer = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      throw new Error((answer.error && answer.error.message) || String(response.status));
    }
    return answer;
  }

  function report(box, error) {
    var status = box.querySelector("[data-passkey-status]");
    status.textContent = box.getAttribute("data-failed") + " " + error.message;
    status.hidden = false;
  }

  async function addPasskey(form) {
    var options = await post("/api/v1/auth/passkeys/registration-options");
    var credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey),
    });
    await post("/api/v1/auth/passkeys", {
      name: form.elements.passkey_name.value,
      credential: credential.toJSON(),
    });
    window.location.reload();
  }

  async function signIn(box) {
    var options = await post("/api/v1/auth/sign-in/passkey/options");
    var credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey),
    });
    await post("/api/v1/auth/sign-in/passkey", {credential: credential.toJSON()});
    window.location.assign(box.getAttribute("data-next") || "/");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) return;
    document.querySelectorAll("[data-passkey-register]").forEach(function (form) {
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        addPasskey(form).catch(function (error) { report(form, error); });
      });
    });
    document.querySelectorAll("[data-passkey-sign-in]").forEach(function (box) {
      box.hidden = false;
      box.querySelector("button").addEventListener("click", function () {
        signIn(box).catch(function (error) { report(box, error); });
      });
    });
  });
})();
