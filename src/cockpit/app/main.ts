import { MAX_THRUSTERS, type Message, type MessageOf, type Mode } from "../../protocol/index.ts";
import { LinkMonitor } from "../core/link-monitor.ts";
import { type GamepadSnapshot, InputState } from "../input/input-state.ts";
import { DEFAULT_MAPPING, PILOT_AXES } from "../input/mapping.ts";
import { Alarms } from "./alarms.ts";
import { HubConnection, hubSocketUrl } from "./connection.ts";
import { $, fmt, setBars, setText } from "./dom.ts";
import { gamepadSupport } from "./gamepad-support.ts";
import { drawHorizon } from "./instruments/horizon.ts";
import { drawDepthTape, drawHeadingTape } from "./instruments/tapes.ts";
import { type PlotName, Plots } from "./plots.ts";
import { loadMapping, renderAxisSettings, renderButtonSettings, saveMapping } from "./settings.ts";

/**
 * The cockpit: sign in, pick a role on a vehicle, fly. Everything the pilot sees comes from
 * the hub's frames; everything the pilot does goes out as schema messages. Pilot input is sent
 * at 25 Hz while the session holds the pilot role (latest value: the hub and vehicle keep only
 * the newest), and never otherwise.
 */
const PILOT_PERIOD_MS = 40;

const state = {
  session: 0,
  access: "none" as "none" | "observer" | "pilot",
  vehicle: "",
  role: "none" as "none" | "observer" | "pilot",
  telemetry: undefined as MessageOf<"telemetry"> | undefined,
  vehicles: [] as MessageOf<"vehicles">["vehicles"],
  gain: 0.5,
  lights: 0,
  tilt: 0,
  lastPilotSent: 0,
  sentCount: 0,
  telemetryCount: 0,
};

const link = new LinkMonitor(1000);
const alarms = new Alarms($("alarms"));
const plots = new Plots($("plot"));
let mapping = loadMapping();
const input = new InputState(mapping);
/** Keys held for axes and hold-to-arm (sampled each frame). */
const keys = new Set<string>();
const held = new Set<string>();
let uiArmHeld = false;
let authRefused = false;

const conn = new HubConnection(hubSocketUrl(location), {
  open: () => {
    link.socket(true);
    const secret = ($("signin-secret") as HTMLInputElement).value;
    const name = ($("signin-name") as HTMLInputElement).value.slice(0, 32) || "pilot";
    conn.send({ type: "auth", secret, name });
  },
  close: (reason) => {
    link.socket(false);
    state.role = "none";
    renderRole();
    // Keep a refusal message on screen; otherwise say why the connection went away.
    if (state.session === 0 && !authRefused) $("signin-error").textContent = `Cannot reach the hub: ${reason}`;
  },
  message: onMessage,
  bad: () => {},
});

function onMessage(m: Message): void {
  switch (m.type) {
    case "auth-result":
      if (!m.ok) {
        authRefused = true;
        $("signin-error").textContent =
          `Sign-in refused (${m.code})${m.retryAfterMs > 0 ? `; retry in ${Math.ceil(m.retryAfterMs / 1000)} s` : ""}`;
        conn.close();
        state.session = 0;
        return;
      }
      state.session = m.session;
      state.access = m.access;
      $("signin").hidden = true;
      $("cockpit").hidden = false;
      $("signout").hidden = false;
      renderRole();
      return;
    case "vehicles": {
      state.vehicles = m.vehicles;
      const mine = m.vehicles.find((v) => v.id === state.vehicle) ?? m.vehicles[0];
      if (mine && state.role === "none" && state.vehicle === "") {
        state.vehicle = mine.id;
        conn.send({ type: "role-request", vehicle: mine.id, role: "observer", takeover: false });
      }
      link.vehicle(Boolean(m.vehicles.find((v) => v.id === state.vehicle)?.connected));
      renderVehicles();
      return;
    }
    case "role":
      if (m.vehicle === state.vehicle || state.vehicle === "") {
        const was = state.role;
        state.vehicle = m.vehicle;
        state.role = m.role;
        if (was === "pilot" && m.role !== "pilot") {
          alarms.add({
            type: "event",
            severity: "warning",
            code: `ROLE_${m.reason.toUpperCase().replace("-", "_")}`,
            text: `you are no longer the pilot (${m.reason} by session ${m.by})`,
          });
        }
        renderRole();
      }
      return;
    case "sessions":
      renderHandover(m);
      return;
    case "telemetry":
      state.telemetry = m;
      state.telemetryCount++;
      link.telemetry(performance.now(), m.link.rttMs, m.link.lossPercent);
      plots.push(performance.now(), m);
      renderTelemetry(m);
      return;
    case "alarm":
    case "event":
      alarms.add(m);
      return;
    case "error":
      alarms.add({ type: "event", severity: "warning", code: m.code, text: m.text });
      return;
    default:
      return;
  }
}

// ---- rendering -------------------------------------------------------------------------------

const THRUSTER_LABELS = Array.from({ length: MAX_THRUSTERS }, (_, i) => `T${i + 1}`);
let shownMode = "";
let shownFailsafes: string | undefined;

/** Runs for every telemetry frame (up to 50 Hz): touches the DOM only where something changed. */
function renderTelemetry(t: MessageOf<"telemetry">): void {
  const armed = $("armed");
  setText(armed, t.armed ? "ARMED" : "DISARMED");
  const armedClass = `armed ${t.armed ? "is-armed" : "disarmed"}`;
  if (armed.className !== armedClass) armed.className = armedClass;
  if (t.mode !== shownMode) {
    shownMode = t.mode;
    setText($("mode"), t.mode);
    for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]"))
      b.classList.toggle("active", b.dataset.mode === t.mode);
  }
  setText(
    $("battery"),
    `${fmt(t.battery.voltage, 2, "V")} · ${fmt(t.battery.current, 1, "A")} · ${fmt(t.battery.consumedWh, 1, "Wh")}`,
  );
  setText($("temps"), `${fmt(t.waterTemperature, 1, "°C")} / ${fmt(t.internalTemperature, 1, "°C")}`);
  const leak = $("leak");
  setText(leak, t.leak ? "LEAK!" : "dry");
  if (leak.style.color !== (t.leak ? "var(--bad)" : "")) leak.style.color = t.leak ? "var(--bad)" : "";
  setText($("cpu"), `${fmt(t.cpu.loadPercent, 0, "%")} · ${fmt(t.cpu.temperature, 0, "°C")}`);
  setBars($("thrusters"), THRUSTER_LABELS.slice(0, t.thrusters.length), t.thrusters);
  const failsafes = t.failsafe.join("\n");
  if (failsafes !== shownFailsafes) {
    shownFailsafes = failsafes;
    $("failsafes").replaceChildren(
      ...(t.failsafe.length
        ? t.failsafe.map((f) => Object.assign(document.createElement("li"), { textContent: f }))
        : [Object.assign(document.createElement("li"), { textContent: "none", className: "muted" })]),
    );
  }
}

function renderRole(): void {
  const badge = $("role");
  badge.textContent =
    state.session === 0 ? "signed out" : state.role === "none" ? `signed in (${state.access})` : state.role;
  badge.className = `badge ${state.role}`;
  $("vehicle-name").textContent = state.vehicle || "no vehicle";
  const v = state.vehicles.find((x) => x.id === state.vehicle);
  const otherPilot = v !== undefined && v.pilot !== 0 && v.pilot !== state.session;
  ($("take-pilot") as HTMLButtonElement).hidden = state.role === "pilot" || otherPilot || state.access !== "pilot";
  ($("take-over") as HTMLButtonElement).hidden = state.role === "pilot" || !otherPilot || state.access !== "pilot";
  ($("observe") as HTMLButtonElement).hidden = state.role === "observer";
  ($("hand-over") as HTMLButtonElement).hidden = state.role !== "pilot";
  ($("handover-to") as HTMLSelectElement).hidden = state.role !== "pilot";
  for (const id of ["arm", "disarm", "gain", "lights", "tilt"])
    ($(id) as HTMLInputElement).disabled = state.role !== "pilot";
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]")) b.disabled = state.role !== "pilot";
  renderGuide();
}

function renderVehicles(): void {
  const host = $("vehicles");
  host.replaceChildren(
    ...state.vehicles.map((v) => {
      const d = document.createElement("div");
      d.className = "row";
      d.textContent = `${v.id} — ${v.connected ? "connected" : "not connected"} · pilot ${v.pilot === 0 ? "none" : v.pilot === state.session ? "you" : `session ${v.pilot}`} · ${v.observers} observing`;
      return d;
    }),
  );
  if (state.vehicles.length === 0) host.textContent = "No vehicle has connected to the hub yet.";
  renderRole();
}

function renderHandover(m: MessageOf<"sessions">): void {
  const sel = $("handover-to") as HTMLSelectElement;
  sel.replaceChildren(
    ...m.sessions
      .filter((s) => s.session !== state.session)
      .map((s) =>
        Object.assign(document.createElement("option"), {
          value: String(s.session),
          textContent: `${s.name} (${s.session})`,
        }),
      ),
  );
}

let guideShown = "";
function renderGuide(): void {
  const armed = state.telemetry?.armed ?? false;
  let html: string;
  if (state.role !== "pilot") {
    html =
      state.access === "pilot"
        ? "You are observing. Press <strong>Take pilot</strong> to fly."
        : "You are observing: this token cannot pilot.";
  } else if (!armed) {
    html =
      "You are the pilot. <strong>Hold <kbd>Enter</kbd></strong> (or the Arm button, or gamepad Start) for 1 s to arm.";
  } else {
    html =
      "Armed. <kbd>W</kbd>/<kbd>S</kbd> forward/back · <kbd>A</kbd>/<kbd>D</kbd> turn · <kbd>Q</kbd>/<kbd>E</kbd> sideways · <kbd>R</kbd>/<kbd>F</kbd> up/down · <kbd>Space</kbd> disarm · gamepad sticks work too.";
  }
  // Called every frame: rebuild the DOM only when the text changes (no per-frame garbage).
  if (html === guideShown) return;
  guideShown = html;
  $("guide").innerHTML = html;
}

// ---- input and sending ----------------------------------------------------------------------

const padSupport = gamepadSupport(navigator, window.isSecureContext, location.hostname);

function gamepad(): GamepadSnapshot | null {
  if (!padSupport.ok) return null;
  try {
    for (const p of navigator.getGamepads()) {
      if (p?.connected) return p;
    }
  } catch {
    // Never let the gamepad stop the frame loop (instruments and link indicator live there).
  }
  return null;
}

function act(action: string): void {
  if (state.role !== "pilot") return;
  const modes: Record<string, Mode> = {
    "mode-manual": "manual",
    "mode-stabilize": "stabilize",
    "mode-depth-hold": "depth-hold",
    "mode-heading-hold": "heading-hold",
  };
  if (action === "arm") conn.send({ type: "arm" });
  else if (action === "disarm") conn.send({ type: "disarm" });
  else if (modes[action]) conn.send({ type: "mode", mode: modes[action] });
  else if (action === "gain-up" || action === "gain-down") setGain(state.gain + (action === "gain-up" ? 0.1 : -0.1));
  else if (action === "lights-up" || action === "lights-down")
    setLights(state.lights + (action === "lights-up" ? 0.1 : -0.1));
  else if (action === "tilt-up" || action === "tilt-down") setTilt(state.tilt + (action === "tilt-up" ? 0.1 : -0.1));
  else if (action === "tilt-center") setTilt(0);
}

const round1 = (v: number, lo: number, hi: number): number => Math.round(Math.max(lo, Math.min(hi, v)) * 10) / 10;
function setGain(v: number): void {
  state.gain = round1(v, 0.1, 1);
  ($("gain") as HTMLInputElement).value = String(state.gain);
  $("gain-value").textContent = `${Math.round(state.gain * 100)} %`;
}
function setLights(v: number): void {
  state.lights = round1(v, 0, 1);
  ($("lights") as HTMLInputElement).value = String(state.lights);
  conn.send({ type: "lights", level: state.lights });
}
function setTilt(v: number): void {
  state.tilt = round1(v, -1, 1);
  ($("tilt") as HTMLInputElement).value = String(state.tilt);
  conn.send({ type: "camera-tilt", tilt: state.tilt });
}

function frame(): void {
  const now = performance.now();
  const pad = gamepad();
  held.clear();
  for (const k of keys) held.add(k);
  if (uiArmHeld) held.add("Enter");
  const r = input.update(pad, held, now);
  for (const a of r.actions) act(a);
  ($("arm-progress").firstElementChild as HTMLElement).style.width = `${r.armProgress * 100}%`;
  const pilot = { type: "pilot" as const, ...r.axes, gain: state.gain };
  setBars(
    $("input-monitor"),
    PILOT_AXES,
    PILOT_AXES.map((a) => pilot[a] * pilot.gain),
  );
  setText($("input-source"), r.source === "none" ? "(no input)" : `(${r.source})`);
  // Due times advance by the period (not to `now`), so 25 Hz holds on average whatever the frame
  // rate (at 60 fps, "40 ms since the last send" would send every third frame: 20 Hz).
  if (state.role === "pilot" && now >= state.lastPilotSent + PILOT_PERIOD_MS) {
    if (conn.send(pilot)) state.sentCount++;
    state.lastPilotSent = now - state.lastPilotSent > 2 * PILOT_PERIOD_MS ? now : state.lastPilotSent + PILOT_PERIOD_MS;
  }
  setText(
    $("input-sent"),
    state.role === "pilot"
      ? `sending to ${state.vehicle} at 25 Hz · ${state.sentCount} sent`
      : "not sending: you are not the pilot",
  );
  setText(
    $("gamepad-status"),
    pad
      ? `Gamepad: ${(pad as Gamepad).id?.slice(0, 40) ?? "connected"}${(pad as Gamepad).mapping === "standard" ? "" : " (non-standard mapping: check Input settings)"}`
      : padSupport.ok
        ? "No gamepad (press a button to wake it)"
        : "Gamepad unavailable (see the banner)",
  );

  const view = link.view(now);
  const el = $("link");
  setText(el, view.text);
  if (el.dataset.state !== view.state) el.dataset.state = view.state;
  const stale = view.state !== "live";
  const t = state.telemetry;
  drawHorizon($("horizon") as HTMLCanvasElement, t?.roll ?? null, t?.pitch ?? null, stale);
  drawHeadingTape($("heading") as HTMLCanvasElement, t?.heading ?? null, stale);
  drawDepthTape($("depth") as HTMLCanvasElement, t?.depth ?? null, t?.verticalSpeed ?? null, stale);
  renderGuide();
  requestAnimationFrame(frame);
}

// ---- wiring ----------------------------------------------------------------------------------

function wire(): void {
  if (!padSupport.ok) {
    const w = $("secure-warning");
    w.hidden = false;
    w.dataset.reason = padSupport.reason;
    w.textContent = padSupport.text;
  }
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    $("signin-error").textContent = "Connecting…";
    authRefused = false;
    conn.connect();
  });
  $("signout").addEventListener("click", () => {
    conn.close();
    state.session = 0;
    state.vehicle = "";
    $("cockpit").hidden = true;
    $("signin").hidden = false;
    $("signout").hidden = true;
  });
  const editable = (el: EventTarget | null): boolean =>
    el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement;
  window.addEventListener("keydown", (ev) => {
    if (editable(ev.target) || $("cockpit").hidden) return;
    const action = mapping.keyActions[ev.code];
    if (mapping.keyAxes[ev.code] || action) ev.preventDefault();
    // One-shot actions fire on the key event itself, so quick taps (several per frame) all count;
    // only hold-to-arm and the axes are sampled by the frame loop.
    if (action !== undefined && action !== "arm") {
      if (!ev.repeat) act(action);
      return;
    }
    keys.add(ev.code);
  });
  window.addEventListener("keyup", (ev) => keys.delete(ev.code));
  window.addEventListener("blur", () => keys.clear());
  const arm = $("arm");
  arm.addEventListener("pointerdown", () => (uiArmHeld = true));
  for (const e of ["pointerup", "pointerleave", "pointercancel"]) arm.addEventListener(e, () => (uiArmHeld = false));
  $("disarm").addEventListener("click", () => act("disarm"));
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]"))
    b.addEventListener("click", () => act(`mode-${b.dataset.mode}`));
  $("gain").addEventListener("input", (ev) => setGain(Number((ev.target as HTMLInputElement).value)));
  $("lights").addEventListener("change", (ev) => setLights(Number((ev.target as HTMLInputElement).value)));
  $("tilt").addEventListener("change", (ev) => setTilt(Number((ev.target as HTMLInputElement).value)));
  $("take-pilot").addEventListener("click", () =>
    conn.send({ type: "role-request", vehicle: state.vehicle, role: "pilot", takeover: false }),
  );
  $("take-over").addEventListener("click", () =>
    conn.send({ type: "role-request", vehicle: state.vehicle, role: "pilot", takeover: true }),
  );
  $("observe").addEventListener("click", () =>
    conn.send({ type: "role-request", vehicle: state.vehicle, role: "observer", takeover: false }),
  );
  $("hand-over").addEventListener("click", () => {
    const to = Number(($("handover-to") as HTMLSelectElement).value);
    if (to > 0) conn.send({ type: "handover", vehicle: state.vehicle, to });
  });
  $("alarm-ack").addEventListener("click", () => alarms.silence());
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-plot]")) {
    b.addEventListener("click", () => {
      for (const o of document.querySelectorAll("[data-plot]")) o.classList.toggle("active", o === b);
      plots.show(b.dataset.plot as PlotName);
    });
  }
  const dialog = $("settings") as HTMLDialogElement;
  const changed = (m: typeof mapping): void => {
    mapping = m;
    input.setMapping(m);
    saveMapping(m);
  };
  const redraw = (): void => {
    renderAxisSettings($("settings-axes"), mapping, changed);
    renderButtonSettings($("settings-buttons"), mapping, changed);
  };
  $("settings-open").addEventListener("click", () => {
    redraw();
    dialog.showModal();
  });
  $("settings-reset").addEventListener("click", () => {
    mapping = structuredClone(DEFAULT_MAPPING);
    input.setMapping(mapping);
    saveMapping(mapping);
    redraw();
  });
  setGain(state.gain);
  renderRole();
  requestAnimationFrame(frame);
  // Expose a read-only view for browser tests and debugging.
  // `send` lets a test prove the hub refuses what this UI would not send (the hub is the authority).
  (window as unknown as { tethys: unknown }).tethys = {
    state,
    link: () => link.view(performance.now()),
    badFrames: () => conn.badFrames,
    send: (m: Message) => conn.send(m),
  };
}

wire();
