// The nurse's board: the calls in progress, pushed by the server (server-sent events: on each
// change the board fetches its state once; slow polling while the stream is broken), and the
// browser phone (Voice SDK).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("console-config").textContent);
  const labels = config.labels;
  const tbody = document.querySelector("#calls tbody");
  const updated = document.getElementById("updated");
  let receivedAt = 0; // when the state shown was received (the waiting times run on from it)
  let polling = null; // the slow polling's timer, while the stream is broken
  let currentCall = null;
  let lastRequestId = null;

  function minutes(seconds) {
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  // What changed since the last poll, said once in the live region (never the whole table,
  // which is redrawn every second, and never by moving the focus).
  const news = document.getElementById("board-news");
  let known = null; // request id -> {caller, state}; null until the first poll

  function announce(calls) {
    const now = new Map(calls.map((call) => [call.request_id, { caller: call.caller, state: call.state_label }]));
    if (known) {
      const lines = [];
      for (const [id, call] of now) {
        const before = known.get(id);
        if (!before) lines.push(labels.newCall + " " + call.caller + " — " + call.state);
        else if (before.state !== call.state) lines.push(call.caller + " — " + call.state);
      }
      for (const [id, call] of known) if (!now.has(id)) lines.push(labels.callEnded + " " + call.caller);
      if (lines.length) news.textContent = lines.join(". ");
    }
    known = now;
  }

  function render(state) {
    announce(state.calls);
    tbody.replaceChildren();
    if (!state.calls.length) {
      const tr = document.createElement("tr");
      tr.appendChild(cell(labels.none, "muted")).colSpan = 6;
      tbody.appendChild(tr);
    }
    for (const call of state.calls) {
      const tr = document.createElement("tr");
      tr.dataset.requestId = call.request_id;
      tr.dataset.state = call.state;
      const reference = cell(call.reference);
      if (state.several_helplines && call.helpline) {
        // The reader sees several helplines: each call says its own.
        const line = document.createElement("div");
        line.className = "muted helpline";
        line.textContent = call.helpline;
        reference.appendChild(line);
      }
      tr.appendChild(reference);
      const who = cell(call.caller);
      if (call.profession) {
        const small = document.createElement("div");
        small.className = "muted";
        small.textContent = call.profession;
        who.appendChild(small);
      }
      tr.appendChild(who);
      tr.appendChild(cell(call.number));
      // The waiting time runs on in the browser between states: not read out each second.
      const waiting = cell(minutes(call.waiting_s), "num waiting");
      waiting.dataset.waitingS = call.waiting_s;
      waiting.setAttribute("aria-live", "off");
      tr.appendChild(waiting);
      const stateCell = cell(call.state_label);
      if (call.ringing_me) {
        const tag = document.createElement("span");
        tag.className = "tag warn";
        tag.textContent = " " + labels.ringingMe;
        stateCell.appendChild(tag);
      }
      tr.appendChild(stateCell);
      const link = document.createElement("a");
      link.href = config.requestUrl.replace(/0$/, String(call.request_id));
      link.textContent = labels.open;
      const td = document.createElement("td");
      td.appendChild(link);
      tr.appendChild(td);
      tbody.appendChild(tr);
      if (call.ringing_me || call.held_by_me) lastRequestId = call.request_id;
    }
    // The helpline's clock, as the server read it: never the browser's own clock.
    updated.textContent = labels.updated + " " + state.at_local + (polling ? " — " + labels.slow : "");
    receivedAt = Date.now();
    for (const item of state.summary || []) {
      const count = document.querySelector('[data-summary="' + item.key + '"] .count');
      if (count) count.textContent = String(item.count);
    }
  }

  setInterval(() => {
    const elapsed = Math.floor((Date.now() - receivedAt) / 1000);
    for (const td of tbody.querySelectorAll("td.waiting")) {
      td.textContent = minutes(Number(td.dataset.waitingS) + elapsed);
    }
  }, 1000);

  // One fetch at a time; a change told meanwhile fetches once more after it.
  let fetching = false, again = false;
  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      do {
        again = false;
        // Not redirected: a session that ended must not load the sign-in page (and its flashes).
        const response = await fetch(config.boardUrl, { credentials: "same-origin", redirect: "error" });
        if (response.ok) render(await response.json());
      } while (again);
    } catch (error) {
      updated.textContent = String(error);
    } finally {
      fetching = false;
    }
  }

  let leaving = false; // the page is being left: a stream cut by it is no break
  function slowPolling(on) {
    if (on && leaving) return;
    if (on && polling === null) {
      polling = setInterval(refresh, config.fallbackMs);
      refresh();
    } else if (!on && polling !== null) {
      clearInterval(polling);
      polling = null;
    }
  }

  let stream = null;
  function listen() {
    if (!window.EventSource) { slowPolling(true); return; }
    const opened = new EventSource(config.streamUrl);
    stream = opened;
    opened.addEventListener("open", () => slowPolling(false));
    opened.addEventListener("changed", refresh);
    opened.addEventListener("error", () => {
      if (leaving || opened !== stream) return;
      slowPolling(true); // the browser reopens the stream itself, unless it was refused
      if (opened.readyState === EventSource.CLOSED) setTimeout(listen, config.reopenMs);
    });
  }
  window.addEventListener("beforeunload", () => { leaving = true; if (stream) stream.close(); });
  // Back from the browser's cache: the page lives again, with a stream of its own.
  window.addEventListener("pageshow", (shown) => { if (shown.persisted) { leaving = false; listen(); } });
  listen();

  // --- the browser phone ------------------------------------------------------------------
  const phoneState = document.getElementById("phone-state");
  if (!phoneState) return; // a reader who is not a nurse: the board only, no phone
  const incoming = document.getElementById("incoming");
  const inCall = document.getElementById("in-call");
  const muteButton = document.getElementById("mute");

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error", // a session that ended: never load the sign-in page (it takes the flashes)
      headers: { "Content-Type": "application/json", "X-CSRF-Token": config.csrf },
      body: JSON.stringify(body),
    });
  }

  async function token() {
    const response = await fetch(config.tokenUrl, { credentials: "same-origin", redirect: "error" });
    if (!response.ok) throw new Error("token " + response.status);
    return (await response.json()).token;
  }

  function showIdle() {
    incoming.hidden = true;
    inCall.hidden = true;
    currentCall = null;
  }

  // The app rings the browser from the helpline's number; who calls, and about which request,
  // come as the call's custom parameters (the Voice SDK's Call.customParameters, a Map).
  function whoCalls(call) {
    const custom = call.customParameters;
    const get = (name) => (custom && typeof custom.get === "function" ? custom.get(name) : "");
    const caller = get("caller") || (call.parameters && call.parameters.From) || "";
    const reference = get("reference");
    return reference ? caller + " (" + labels.request + " " + reference + ")" : caller;
  }

  function wire(call) {
    currentCall = call;
    incoming.hidden = false;
    document.getElementById("incoming-from").textContent = labels.incoming + " — " + whoCalls(call);
    call.on("accept", () => {
      incoming.hidden = true;
      inCall.hidden = false;
      const link = document.getElementById("in-call-request");
      if (lastRequestId) link.href = config.requestUrl.replace(/0$/, String(lastRequestId));
    });
    for (const event of ["disconnect", "cancel", "reject"]) call.on(event, showIdle);
  }

  document.getElementById("accept").addEventListener("click", () => currentCall && currentCall.accept());
  document.getElementById("reject").addEventListener("click", () => { if (currentCall) currentCall.reject(); showIdle(); });
  document.getElementById("hangup").addEventListener("click", () => currentCall && currentCall.disconnect());
  muteButton.addEventListener("click", () => {
    if (!currentCall) return;
    const muted = !currentCall.isMuted();
    currentCall.mute(muted);
    muteButton.textContent = muted ? labels.unmute : labels.mute;
  });

  async function startPhone() {
    if (!config.phoneReady) return;
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = config.sdkUrl;
      script.onload = resolve;
      script.onerror = () => reject(new Error("Voice SDK not loaded"));
      document.head.appendChild(script);
    });
    const device = new window.Twilio.Device(await token(), { closeProtection: true });
    // A registration that completes while the page is being left must not say she is here.
    device.on("registered", () => { phoneState.textContent = labels.ready; if (!leaving) post(config.presenceUrl, { registered: true }); });
    device.on("unregistered", () => { phoneState.textContent = labels.offline; post(config.presenceUrl, { registered: false }); });
    device.on("error", (error) => { phoneState.textContent = String(error && error.message || error); });
    device.on("incoming", wire);
    device.on("tokenWillExpire", async () => device.updateToken(await token()));
    window.addEventListener("beforeunload", () => post(config.presenceUrl, { registered: false }));
    await device.register();
  }
  startPhone().catch((error) => { phoneState.textContent = labels.offline + " " + error.message; });
})();
