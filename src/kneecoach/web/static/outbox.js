// The outbox: finished sessions wait here (in localStorage) until the server has them.
// Sending is idempotent on client_id, so a retry or a second tab never makes a duplicate.
(function () {
  "use strict";
  var KEY = "kneecoach.outbox.v1";
  var REJECTED = "kneecoach.rejected.v1";
  var API = "/api/v1/sessions";
  var sending = false;
  var retryTimer = null;
  var delay = 1000;
  var MAX_DELAY = 60000;

  function read(key) {
    try {
      var value = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function write(key, list) {
    localStorage.setItem(key, JSON.stringify(list));
  }

  function pending() {
    return read(KEY);
  }

  function announce(state, detail) {
    var box = document.getElementById("outbox-status");
    var count = pending().length;
    if (box) {
      if (state === "offline" && count) {
        box.textContent = "We cannot reach kneecoach right now. " +
          (count === 1 ? "Your session is" : count + " sessions are") +
          " kept safe on this device and will be sent when the connection is back.";
        box.hidden = false;
      } else if (state === "rejected") {
        box.textContent = "A session could not be saved: " + (detail || "it was refused") +
          ". It is kept on this device.";
        box.hidden = false;
      } else {
        box.hidden = true;
        box.textContent = "";
      }
    }
    document.dispatchEvent(new CustomEvent("kneecoach:outbox", {
      detail: { state: state, pending: count, message: detail || "" }
    }));
  }

  function enqueue(log) {
    var list = pending().filter(function (item) { return item.client_id !== log.client_id; });
    list.push(log);
    write(KEY, list);
  }

  function remove(clientId) {
    write(KEY, pending().filter(function (item) { return item.client_id !== clientId; }));
  }

  function schedule() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flush();
    }, delay);
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function problem(body) {
    if (body && Array.isArray(body.detail) && body.detail[0]) {
      return (body.field ? body.field + ": " : "") + body.detail[0].msg;
    }
    return body && body.detail ? String(body.detail) : "the server refused it";
  }

  async function sendOne(log) {
    var response = await fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(log),
      credentials: "same-origin",
      cache: "no-store"
    });
    if (response.status === 200 || response.status === 201) {
      remove(log.client_id);
      return { ok: true };
    }
    if (response.status >= 400 && response.status < 500 &&
        response.status !== 408 && response.status !== 429) {
      var body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      remove(log.client_id);
      var rejected = read(REJECTED);
      rejected.push({ log: log, status: response.status, body: body });
      write(REJECTED, rejected);
      return { ok: false, rejected: true, message: problem(body) };
    }
    throw new Error("server answered " + response.status);
  }

  async function flush() {
    if (sending) return;
    var list = pending();
    if (!list.length) return;
    sending = true;
    try {
      for (var i = 0; i < list.length; i++) {
        var result = await sendOne(list[i]);
        if (result.rejected) announce("rejected", result.message);
      }
      delay = 1000;
      announce("sent");
    } catch (e) {
      announce("offline");
      schedule();
    } finally {
      sending = false;
    }
    if (pending().length && !retryTimer) schedule();
  }

  function clearAll() {
    Object.keys(localStorage)
      .filter(function (key) { return key.indexOf("kneecoach.") === 0; })
      .forEach(function (key) { localStorage.removeItem(key); });
  }

  window.kneecoachOutbox = { enqueue: enqueue, flush: flush, pending: pending };

  window.addEventListener("online", function () {
    delay = 1000;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    flush();
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.clearStorage === "1") clearAll();
    flush();
  });
})();
