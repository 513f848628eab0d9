import type { Message, SessionRole } from "../../protocol/index.ts";
import { depthZeroLine, imuCalibrationView } from "../core/checks-view.ts";
import { LinkMonitor } from "../core/link-monitor.ts";
import { loginCodeFrom, loginLinkRefusal } from "../core/login-link.ts";
import {
  IDLE,
  MOTOR_TEST_ENDERS,
  type MotorTestEvent,
  motorTestPrompt,
  reduceMotorTest,
} from "../core/motor-test-flow.ts";
import { countdownRunning, signInRefusal } from "../core/notices.ts";
import { INITIAL_PILOT_SCHEDULE, PILOT_PERIOD_MS, pilotFrame } from "../core/pilot-scheduler.ts";
import { type Control, INITIAL_SESSION, reduceSession, type SessionEvent, type SessionState } from "../core/session.ts";
import { guideHtml, roleView, vehicleLines } from "../core/session-view.ts";
import { type GamepadSnapshot, InputState } from "../input/input-state.ts";
import { type Action, DEFAULT_MAPPING, keyRampMs, PILOT_AXES } from "../input/mapping.ts";
import { isTextEntry } from "../input/text-entry.ts";
import { Alarms } from "./alarms.ts";
import { HubConnection, hubSocketUrl } from "./connection.ts";
import { $, setBars, setText } from "./dom.ts";
import { gamepadSupport } from "./gamepad-support.ts";
import { drawHorizon } from "./instruments/horizon.ts";
import { drawDepthTape, drawHeadingTape } from "./instruments/tapes.ts";
import { LinkStatus } from "./link-status.ts";
import { type PlotName, Plots } from "./plots.ts";
import { ReplayPanel } from "./replay-panel.ts";
import { loadMapping, renderAxisSettings, renderButtonSettings, saveMapping } from "./settings.ts";
import { TelemetryPanel } from "./telemetry-panel.ts";
import { VideoView } from "./video-view.ts";

/**
 * The cockpit: sign in, pick a role on a vehicle, fly. Everything the pilot sees comes from
 * the hub's frames; everything the pilot does goes out as schema messages. This file wires the
 * page: the session state is core/session.ts's reducer (applied by `dispatch`), what the page
 * shows of it core/session-view.ts, and pilot input goes out when core/pilot-scheduler.ts says
 * (25 Hz on average while the session holds the pilot role, latest value, never otherwise).
 */
let session: SessionState = INITIAL_SESSION;
let motorFlow = IDLE;
let schedule = INITIAL_PILOT_SCHEDULE;
let sentCount = 0;

const link = new LinkMonitor(1000);
const alarms = new Alarms($("alarms"), $("events"));
const linkStatus = new LinkStatus(link, alarms);
/** The last sign-in refusal, counted down live on the sign-in form while the hub asks to wait. */
let refusal: { code: string; retryAfterMs: number | undefined; at: number } | undefined;
const plots = new Plots($("plot"));
const telemetryPanel = new TelemetryPanel();
/** Shown only when the hub is `tethys replay` (docs/dive-log.md). */
const replay = new ReplayPanel($("replay"));
let mapping = loadMapping();
const input = new InputState(mapping);
/** Keys held for axes and hold-to-arm (sampled each frame). */
const keys = new Set<string>();
const held = new Set<string>();
let uiArmHeld = false;

// The camera (video-view.ts): its own panel, fed video messages from the socket.
const video = new VideoView($("video-panel"), { send: (b) => conn.sendRaw(b), now: () => performance.now() });

const conn = new HubConnection(hubSocketUrl(location), {
  open: () => {
    link.socket(true);
    const secret = ($("signin-secret") as HTMLInputElement).value;
    const name = ($("signin-name") as HTMLInputElement).value.slice(0, 32) || "pilot";
    conn.send({ type: "auth", secret, name });
  },
  close: (reason) => {
    link.socket(false);
    video.disconnected();
    dispatch({ kind: "socket-closed" });
    renderVehicles(); // (renders the role too)
    // Keep a refusal message on screen; otherwise say why the connection went away.
    if (session.session === 0 && !session.authRefused)
      $("signin-error").textContent = `Cannot reach the hub: ${reason}`;
  },
  message: (m, _seq, timestamp) => {
    replay.frame(m, timestamp);
    onMessage(m);
  },
  bad: () => {},
  video: (bytes) => video.receive(bytes),
});

/** Applies an event to the session state: sends what it says, tells the pilot; returns the previous state. */
function dispatch(ev: SessionEvent): SessionState {
  const prev = session;
  const out = reduceSession(session, ev);
  session = out.state;
  for (const m of out.send) conn.send(m);
  for (const n of out.notices) alarms.add(n);
  return prev;
}

function onMessage(m: Message): void {
  const prev = dispatch({ kind: "received", message: m });
  switch (m.type) {
    case "auth-result":
      if (!m.ok) {
        // `retryAfterMs` is optional to the page: a refusal without it has no countdown.
        refusal = { code: m.code, retryAfterMs: (m as { retryAfterMs?: number }).retryAfterMs, at: performance.now() };
        $("signin-error").textContent = signInRefusal(m.code, refusal.retryAfterMs, 0);
        conn.close();
        return;
      }
      $("signin").hidden = true;
      $("cockpit").hidden = false;
      $("signout").hidden = false;
      renderRole();
      return;
    case "vehicles":
      link.vehicle(Boolean(session.vehicles.find((v) => v.id === session.vehicle)?.connected));
      renderVehicles();
      return;
    case "role":
      if (session !== prev) renderRole();
      return;
    case "sessions":
      renderHandover();
      renderRole();
      return;
    case "vehicle-status":
      motor({ kind: "status", status: m });
      renderChecks();
      return;
    case "telemetry":
      if (m.armed && motorFlow.phase !== "idle") motor({ kind: "armed" });
      link.telemetry(performance.now(), m.link.rttMs, m.link.lossPercent);
      plots.push(performance.now(), m);
      telemetryPanel.show(m);
      setText($("checks-energy"), m.battery.consumedWh === null ? "—" : `${m.battery.consumedWh.toFixed(1)} Wh`);
      return;
    case "alarm":
    case "event":
      alarms.add(m);
      if (m.type === "event" && MOTOR_TEST_ENDERS.has(m.code) && motorFlow.phase !== "idle")
        motor({ kind: "refused", code: m.code });
      return;
    case "error":
      alarms.add({ type: "event", severity: "warning", code: m.code, text: m.text });
      return;
    default:
      return;
  }
}

// ---- rendering -------------------------------------------------------------------------------

function renderRole(): void {
  const view = roleView(session);
  const badge = $("role");
  badge.textContent = view.badge;
  badge.className = `badge ${session.role}`;
  $("vehicle-name").textContent = session.vehicle || "no vehicle";
  $("take-pilot").hidden = !view.takePilot;
  $("take-over").hidden = !view.takeOver;
  $("observe").hidden = !view.observe;
  $("hand-over").hidden = !view.handOver;
  $("handover-to").hidden = !view.handOver;
  for (const id of ["arm", "disarm", "gain", "lights", "tilt", "reset-energy", "depth-zero", "motor-start"])
    ($(id) as HTMLInputElement).disabled = !view.controls;
  for (const b of document.querySelectorAll<HTMLButtonElement>(".target button")) b.disabled = !view.controls;
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]")) b.disabled = !view.controls;
  renderGuide();
}

function renderVehicles(): void {
  const host = $("vehicles");
  host.replaceChildren(
    ...vehicleLines(session).map((line) =>
      Object.assign(document.createElement("div"), { className: "row", textContent: line }),
    ),
  );
  if (session.vehicles.length === 0) host.textContent = "No vehicle has connected to the hub yet.";
  renderRole();
}

function renderHandover(): void {
  const sel = $("handover-to") as HTMLSelectElement;
  sel.replaceChildren(
    ...session.others.map((s) =>
      Object.assign(document.createElement("option"), {
        value: String(s.session),
        textContent: `${s.name} (${s.session})`,
      }),
    ),
  );
}

let guideShown = "";
function renderGuide(): void {
  const html = guideHtml(session, mapping);
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

function act(action: Action): void {
  renderControls(dispatch({ kind: "action", action }));
}

function setControl(control: Control, value: number): void {
  renderControls(dispatch({ kind: "control", control, value }), control);
}

/** Shows the controls that changed since `prev` (and the one just set, which the reducer may have rounded). */
function renderControls(prev: SessionState, set?: Control): void {
  for (const c of ["gain", "lights", "tilt"] as const) {
    if (session[c] === prev[c] && c !== set) continue;
    ($(c) as HTMLInputElement).value = String(session[c]);
    if (c === "gain") $("gain-value").textContent = `${Math.round(session.gain * 100)} %`;
  }
}

function requestRole(role: SessionRole, takeover: boolean): void {
  conn.send({ type: "role-request", vehicle: session.vehicle, role, takeover });
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
  const pilot = { type: "pilot" as const, ...r.axes, gain: session.gain };
  setBars(
    $("input-monitor"),
    PILOT_AXES,
    PILOT_AXES.map((a) => pilot[a] * pilot.gain),
  );
  setText($("input-source"), r.source === "none" ? "(no input)" : `(${r.source})`);
  const due = pilotFrame(schedule, now, session.role === "pilot", pilot);
  schedule = due.schedule;
  if (due.send && conn.send(due.send)) sentCount++;
  setText(
    $("input-sent"),
    session.role === "pilot"
      ? `sending to ${session.vehicle} at ${1000 / PILOT_PERIOD_MS} Hz · ${sentCount} sent`
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

  if (refusal) {
    setText($("signin-error"), signInRefusal(refusal.code, refusal.retryAfterMs, now - refusal.at));
    if (!countdownRunning(refusal.retryAfterMs, now - refusal.at)) refusal = undefined;
  }
  const view = linkStatus.render(now);
  const stale = view.state !== "live";
  const t = session.telemetry;
  drawHorizon($("horizon") as HTMLCanvasElement, t?.roll ?? null, t?.pitch ?? null, stale);
  drawHeadingTape($("heading") as HTMLCanvasElement, t?.heading ?? null, stale);
  drawDepthTape($("depth") as HTMLCanvasElement, t?.depth ?? null, t?.verticalSpeed ?? null, stale);
  video.frame(session.vehicle, session.role, t ?? undefined, stale);
  renderGuide();
  requestAnimationFrame(frame);
}

// ---- checks and calibration (the Checks dialog) -----------------------------------------------

/** Feeds the guided motor test; what it says to send goes through the session (pilot only). */
function motor(ev: MotorTestEvent): void {
  const reversed = session.status?.thrusters.map((t) => t.reversed) ?? [];
  const o = reduceMotorTest(motorFlow, ev, reversed);
  motorFlow = o.flow;
  for (const m of o.send) dispatch({ kind: "command", message: m });
  renderChecks();
}

function renderChecks(): void {
  const st = session.status;
  setText($("checks-depth"), depthZeroLine(st, session.telemetry?.depth));
  const imu = imuCalibrationView(st);
  $("checks-imu").replaceChildren(
    ...imu.parts.map((p) =>
      Object.assign(document.createElement("li"), {
        className: p.level === 3 ? "done" : "",
        textContent: `${p.name} ${p.level === null ? "?" : p.level}/3 — ${p.todo}`,
      }),
    ),
  );
  setText($("motor-prompt"), motorTestPrompt(motorFlow));
  $("motor-confirm").hidden = motorFlow.phase !== "confirm";
  $("motor-yes").hidden = $("motor-no").hidden = motorFlow.phase !== "ask";
  renderThrusterSettings();
}

let thrustersShown = "";
function renderThrusterSettings(): void {
  const list = session.status?.thrusters ?? [];
  const key = JSON.stringify(list);
  if (key === thrustersShown) return; // keep what the pilot is typing until the vehicle changes it
  thrustersShown = key;
  const host = $("checks-thrusters");
  host.replaceChildren();
  list.forEach((t, i) => {
    const cells = [
      Object.assign(document.createElement("span"), { textContent: `T${i + 1}` }),
      Object.assign(document.createElement("label"), {
        innerHTML: `<input type="checkbox" data-k="reversed" ${t.reversed ? "checked" : ""}> reversed`,
      }),
      ...(["minUs", "neutralUs", "maxUs"] as const).map((k) =>
        Object.assign(document.createElement("input"), {
          type: "number",
          min: "800",
          max: "2200",
          step: "1",
          placeholder: "board",
          value: t[k] === 0 ? "" : String(t[k]),
          title: k,
        }),
      ),
      Object.assign(document.createElement("button"), { type: "button", textContent: "Save" }),
    ];
    for (const c of cells) c.dataset.thruster = String(i);
    host.append(...cells);
  });
}

function saveThruster(i: number): void {
  const cells = [...$("checks-thrusters").querySelectorAll<HTMLElement>(`[data-thruster="${i}"]`)];
  const reversed = (cells[1]?.querySelector("input") as HTMLInputElement | null)?.checked ?? false;
  const nums = cells.slice(2, 5).map((c) => (c as HTMLInputElement).value.trim());
  const range = nums.every((v) => v === "")
    ? undefined
    : { minUs: Number(nums[0]), neutralUs: Number(nums[1]), maxUs: Number(nums[2]) };
  if (
    range &&
    !(range.minUs >= 800 && range.minUs < range.neutralUs && range.neutralUs < range.maxUs && range.maxUs <= 2200)
  ) {
    alarms.add({
      type: "event",
      severity: "warning",
      code: "COCKPIT_BAD_RANGE",
      text: "ESC range: 800 ≤ min < neutral < max ≤ 2200 µs, or all empty for the board's",
    });
    return;
  }
  if (
    !confirm(
      `Save thruster ${i + 1}: ${reversed ? "reversed" : "normal"}, ${range ? `${range.minUs}–${range.neutralUs}–${range.maxUs} µs` : "the board's ESC range"}?`,
    )
  )
    return;
  dispatch({
    kind: "command",
    message: { type: "thruster-config", thruster: i, reversed, ...(range ? { range } : {}) },
  });
}

// ---- the one-time sign-in link -----------------------------------------------------------------

/** This tab's pilot secret from a redeemed sign-in link (survives a reload, not the tab). */
const LINK_SECRET = "tethys.link-secret";

function signIn(secret: string): void {
  ($("signin-secret") as HTMLInputElement).value = secret;
  ($("signin-form") as HTMLFormElement).requestSubmit();
}

/** `#login=<code>`: taken out of the address bar at once, redeemed at the hub, then signed in. */
function signInFromLink(): void {
  const code = loginCodeFrom(location.hash);
  if (code === undefined) {
    const kept = sessionStorage.getItem(LINK_SECRET);
    if (kept) signIn(kept);
    return;
  }
  history.replaceState(null, "", location.pathname + location.search);
  $("signin-error").textContent = "Signing in with the link…";
  fetch("login", { method: "POST", body: code, cache: "no-store" })
    .then(async (r) => {
      if (!r.ok) throw new Error(loginLinkRefusal(r.status));
      const { secret } = (await r.json()) as { secret?: unknown };
      if (typeof secret !== "string") throw new Error(loginLinkRefusal(r.status));
      sessionStorage.setItem(LINK_SECRET, secret);
      signIn(secret);
    })
    .catch((err: unknown) => {
      $("signin-error").textContent = err instanceof Error ? err.message : String(err);
    });
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
    refusal = undefined;
    $("signin-error").textContent = "Connecting…";
    dispatch({ kind: "sign-in" });
    conn.connect();
  });
  $("signout").addEventListener("click", () => {
    sessionStorage.removeItem(LINK_SECRET);
    conn.close();
    linkStatus.reset();
    dispatch({ kind: "sign-out" });
    $("cockpit").hidden = true;
    $("signin").hidden = false;
    $("signout").hidden = true;
  });
  // Flight keys and Space (disarm) work whatever has focus, except a field taking typed text:
  // a slider or button the pilot just touched must not swallow them (nor Space scroll the page).
  const typing = (el: EventTarget | null): boolean =>
    el instanceof HTMLElement && isTextEntry(el.tagName, el.getAttribute("type"), el.isContentEditable);
  const flightKey = (code: string): boolean => Boolean(mapping.keyAxes[code] || mapping.keyActions[code]);
  window.addEventListener("keydown", (ev) => {
    if (typing(ev.target) || $("cockpit").hidden) return;
    const action = mapping.keyActions[ev.code];
    if (flightKey(ev.code)) ev.preventDefault();
    // One-shot actions fire on the key event itself, so quick taps (several per frame) all count;
    // only hold-to-arm and the axes are sampled by the frame loop.
    if (action !== undefined && action !== "arm") {
      if (!ev.repeat) act(action);
      return;
    }
    keys.add(ev.code);
  });
  window.addEventListener("keyup", (ev) => {
    keys.delete(ev.code);
    // A focused button would otherwise take Space or Enter as a click on release.
    if (!typing(ev.target) && !$("cockpit").hidden && flightKey(ev.code)) ev.preventDefault();
  });
  window.addEventListener("blur", () => keys.clear());
  const arm = $("arm");
  arm.addEventListener("pointerdown", () => (uiArmHeld = true));
  for (const e of ["pointerup", "pointerleave", "pointercancel"]) arm.addEventListener(e, () => (uiArmHeld = false));
  $("disarm").addEventListener("click", () => act("disarm"));
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]"))
    b.addEventListener("click", () => act(`mode-${b.dataset.mode}` as Action));
  $("gain").addEventListener("input", (ev) => setControl("gain", Number((ev.target as HTMLInputElement).value)));
  $("lights").addEventListener("change", (ev) => setControl("lights", Number((ev.target as HTMLInputElement).value)));
  $("tilt").addEventListener("change", (ev) => setControl("tilt", Number((ev.target as HTMLInputElement).value)));
  $("take-pilot").addEventListener("click", () => requestRole("pilot", false));
  $("take-over").addEventListener("click", () => requestRole("pilot", true));
  $("observe").addEventListener("click", () => requestRole("observer", false));
  $("hand-over").addEventListener("click", () => {
    const to = Number(($("handover-to") as HTMLSelectElement).value);
    if (to > 0) conn.send({ type: "handover", vehicle: session.vehicle, to });
  });
  $("alarm-ack").addEventListener("click", () => alarms.silence());
  const typed = (id: string): number | undefined => {
    const raw = ($(id) as HTMLInputElement).value.trim();
    return raw === "" ? undefined : Number(raw);
  };
  $("target-depth-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const depth = typed("target-depth");
    if (depth !== undefined) dispatch({ kind: "target", depth });
  });
  $("target-heading-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const heading = typed("target-heading");
    if (heading !== undefined) dispatch({ kind: "target", heading });
  });
  const checks = $("checks") as HTMLDialogElement;
  $("checks-open").addEventListener("click", () => checks.showModal());
  $("checks-open").addEventListener("click", renderChecks);
  $("depth-zero").addEventListener("click", () => {
    const water = ($("checks-water") as HTMLSelectElement).value === "salt" ? "salt" : "fresh";
    if (
      confirm(`Take the pressure now as the surface (depth 0), ${water} water? Only with the vehicle at the surface.`)
    )
      dispatch({ kind: "command", message: { type: "depth-zero", water } });
  });
  $("motor-start").addEventListener("click", () =>
    motor({ kind: "start", count: session.status?.thrusters.length ?? session.telemetry?.thrusters.length ?? 0 }),
  );
  $("motor-confirm").addEventListener("click", () => motor({ kind: "confirm" }));
  $("motor-yes").addEventListener("click", () => motor({ kind: "answer", ok: true }));
  $("motor-no").addEventListener("click", () => motor({ kind: "answer", ok: false }));
  $("motor-stop").addEventListener("click", () => motor({ kind: "abort" }));
  $("checks-thrusters").addEventListener("click", (ev) => {
    const b = ev.target as HTMLElement;
    if (b.tagName === "BUTTON" && b.dataset.thruster !== undefined) saveThruster(Number(b.dataset.thruster));
  });
  $("reset-energy").addEventListener("click", () => {
    if (confirm("Reset the consumed-energy counter to 0? Do this only after fitting a fully charged battery."))
      dispatch({ kind: "command", message: { type: "reset-energy" } });
  });
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
  const ramp = $("settings-key-ramp") as HTMLInputElement;
  ramp.addEventListener("change", () => {
    const v = Number(ramp.value);
    if (ramp.value.trim() !== "" && Number.isFinite(v) && v >= 0 && v <= 5000) changed({ ...mapping, keyRampMs: v });
    else ramp.value = String(keyRampMs(mapping));
  });
  const redraw = (): void => {
    ramp.value = String(keyRampMs(mapping));
    renderAxisSettings($("settings-axes"), mapping, changed);
    renderButtonSettings($("settings-buttons"), mapping, changed);
  };
  $("settings-open").addEventListener("click", () => {
    redraw();
    dialog.showModal();
  });
  $("settings-reset").addEventListener("click", () => {
    changed(structuredClone(DEFAULT_MAPPING));
    redraw();
  });
  renderControls(session, "gain");
  renderRole();
  signInFromLink();
  void replay.start();
  requestAnimationFrame(frame);
  // Expose a read-only view for browser tests and debugging.
  // `send` lets a test prove the hub refuses what this UI would not send (the hub is the authority).
  (window as unknown as { tethys: unknown }).tethys = {
    get state() {
      return { ...session, lastPilotSent: schedule.lastDueMs, sentCount };
    },
    link: () => link.view(performance.now()),
    alarmSounding: () => alarms.isSounding,
    badFrames: () => conn.badFrames,
    send: (m: Message) => conn.send(m),
    video: {
      stats: () => video.stats.view(),
      samples: () => video.stats.samples(),
      snapshot: () => video.snapshot(),
      available: video.available,
    },
  };
}

wire();
