// A stand-in for Twilio's Voice JavaScript SDK (Twilio.Device / Call), served by the sandbox.
// It offers what the console uses: new Device(token), register(), on(event), updateToken(),
// destroy(); Call.parameters, Call.customParameters, accept(), reject(), disconnect(), mute(), isMuted(), on(event).
// The identity is read from the access token; the simulated phone `client:<identity>` is
// driven through the sandbox's control API (same actions as the simulator page).
(function () {
  "use strict";
  const script = document.currentScript;
  const base = new URL(script.src).origin;

  function identityOf(token) {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(payload + "===".slice((payload.length + 3) % 4)));
    return claims.grants && claims.grants.identity;
  }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
  }

  class Emitter {
    constructor() { this._handlers = {}; }
    on(event, handler) { (this._handlers[event] = this._handlers[event] || []).push(handler); return this; }
    emit(event, ...args) { for (const handler of this._handlers[event] || []) handler(...args); }
  }

  class Call extends Emitter {
    constructor(leg) {
      super();
      this.sid = leg.sid;
      this.parameters = { CallSid: leg.sid, From: leg.from, To: leg.to };
      // The SDK's Call.customParameters: a Map of the parameters the call carries.
      this.customParameters = new Map(Object.entries(leg.custom_parameters || {}));
      this._muted = false;
      this._status = "pending";
    }
    status() { return this._status; }
    accept() { post("/sandbox/calls/" + this.sid + "/answer"); }
    reject() { post("/sandbox/calls/" + this.sid + "/decline"); this._end("reject"); }
    disconnect() { post("/sandbox/calls/" + this.sid + "/hangup"); }
    mute(muted) { this._muted = muted === undefined ? true : Boolean(muted); this.emit("mute", this._muted, this); }
    isMuted() { return this._muted; }
    _update(leg) {
      if (leg.status === "in-progress" && this._status !== "open") { this._status = "open"; this.emit("accept", this); }
      if (["completed", "busy", "failed", "no-answer", "canceled"].includes(leg.status) && this._status !== "closed") {
        this._end(this._status === "open" ? "disconnect" : "cancel");
      }
    }
    _end(event) { this._status = "closed"; this.emit(event, this); }
  }

  class Device extends Emitter {
    constructor(token, options) {
      super();
      this.token = token;
      this.options = options || {};
      this.identity = identityOf(token);
      this.state = "unregistered";
      this._calls = {};
      this._timer = null;
    }
    async register() {
      const response = await post("/sandbox/devices", { identity: this.identity });
      if (!response.ok) { this.emit("error", new Error("sandbox refused the device")); return; }
      this.state = "registered";
      this.emit("registered");
      this._timer = setInterval(() => this._poll(), 250);
    }
    async unregister() { this.destroy(); }
    updateToken(token) { this.token = token; }
    destroy() {
      if (this._timer) clearInterval(this._timer);
      this._timer = null;
      this.state = "destroyed";
      this.emit("unregistered");
    }
    async _poll() {
      let data;
      try {
        data = await (await fetch(base + "/sandbox/devices/" + encodeURIComponent(this.identity))).json();
      } catch (error) { this.emit("error", error); return; }
      for (const leg of data.calls) {
        let call = this._calls[leg.sid];
        if (!call) {
          if (leg.status !== "ringing") continue;
          call = this._calls[leg.sid] = new Call(leg);
          this.emit("incoming", call);
        }
        call._update(leg);
      }
    }
  }

  window.Twilio = window.Twilio || {};
  window.Twilio.Device = Device;
  window.Twilio.Call = Call;
  window.Twilio.isSandbox = true;
})();
