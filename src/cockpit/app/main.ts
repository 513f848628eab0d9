import type { Message, SessionRole } from "../../protocol/index.ts";
import { LinkMonitor } from "../core/link-monitor.ts";
import { INITIAL_PILOT_SCHEDULE, PILOT_PERIOD_MS, pilotFrame } from "../core/pilot-scheduler.ts";
import { type Control, INITIAL_SESSION, reduceSession, type SessionEvent, type SessionState } from "../core/session.ts";
import { guideHtml, roleView, vehicleLines } from "../core/session-view.ts";
import { type Action, PILOT_AXES } from "../input/mapping.ts";
import { Alarms } from "./alarms.ts";
import { ChecksPanel } from "./checks-panel.ts";
import { HubConnection, hubSocketUrl } from "./connection.ts";
import { $, setBars, setText } from "./dom.ts";
import { drawHorizon } from "./instruments/horizon.ts";
import { drawDepthTape, drawHeadingTape } from "./instruments/tapes.ts";
import { LinkStatus } from "./link-status.ts";
import { PilotInput } from "./pilot-input.ts";
import { type PlotName, Plots } from "./plots.ts";
import { ReplayPanel } from "./replay-panel.ts";
import { loadMapping, saveMapping, wireSettingsDialog } from "./settings.ts";
import { SignIn } from "./signin.ts";
import { TelemetryPanel } from "./telemetry-panel.ts";
import { VideoView } from "./video-view.ts";

/**
 * The cockpit: sign in, pick a role on a vehicle, fly. Everything the pilot sees comes from
 * the hub's frames; everything the pilot does goes out as schema messages. This file wires the
 * page: the session state is core/session.ts's reducer (applied by `dispatch`), what the page
 * shows of it core/session-view.ts, and pilot input goes out when core/pilot-scheduler.ts says
 * (25 Hz on average while the session holds the pilot role, latest value, never otherwise).
 * The pieces it wires: signin.ts (sign-in form, one-time link, refusals, sign-out),
 * pilot-input.ts (keyboard, gamepad, Hold to arm), checks-panel.ts (the Checks dialog),
 * settings.ts (the Input settings dialog), video-view.ts (the camera), and the panels.
 */
let session: SessionState = INITIAL_SESSION;
let schedule = INITIAL_PILOT_SCHEDULE;
let sentCount = 0;

const link = new LinkMonitor(1000);
const alarms = new Alarms($("alarms"), $("events"));
const linkStatus = new LinkStatus(link, alarms);
const plots = new Plots($("plot"));
const telemetryPanel = new TelemetryPanel();
/** Shown only when the hub is `tethys replay` (docs/dive-log.md). */
const replay = new ReplayPanel($("replay"));
const input = new PilotInput(loadMapping(), act);
const checks = new ChecksPanel(() => session, dispatch, alarms);
const signIn = new SignIn(
  () => {
    dispatch({ kind: "sign-in" });
    conn.connect();
  },
  () => {
    conn.close();
    linkStatus.reset();
    dispatch({ kind: "sign-out" });
  },
);

// The camera (video-view.ts): its own panel, fed video messages from the socket.
/** The vehicle has a camera on a tilt servo (its camera list says so): the tilt control works. */
let tiltServo = false;
const video = new VideoView($("video-panel"), {
  send: (b) => conn.sendRaw(b),
  now: () => performance.now(),
  tiltServo: (present) => {
    if (present === tiltServo) return;
    tiltServo = present;
    renderRole();
  },
});

const conn = new HubConnection(hubSocketUrl(location), {
  open: () => {
    link.socket(true);
    conn.send({ type: "auth", ...signIn.credentials() });
  },
  close: (reason) => {
    link.socket(false);
    video.disconnected();
    dispatch({ kind: "socket-closed" });
    renderVehicles(); // (renders the role too)
    // Keep a refusal message on screen; otherwise say why the connection went away.
    if (session.session === 0 && !session.authRefused) signIn.unreachable(reason);
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
        signIn.refused(m.code, (m as { retryAfterMs?: number }).retryAfterMs, performance.now());
        conn.close();
        return;
      }
      signIn.accepted();
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
      checks.status(m);
      return;
    case "telemetry":
      link.telemetry(performance.now(), m.link.rttMs, m.link.lossPercent);
      plots.push(performance.now(), m);
      telemetryPanel.show(m);
      checks.telemetry(m);
      return;
    case "alarm":
    case "event":
      alarms.add(m);
      if (m.type === "event") checks.event(m.code);
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
  if (!tiltServo) ($("tilt") as HTMLInputElement).disabled = true;
  $("tilt").title = tiltServo ? "" : "this vehicle reports no camera on a tilt servo";
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
  const html = guideHtml(session, input.mapping);
  // Called every frame: rebuild the DOM only when the text changes (no per-frame garbage).
  if (html === guideShown) return;
  guideShown = html;
  $("guide").innerHTML = html;
}

// ---- actions and sending ----------------------------------------------------------------------

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
  const pad = input.gamepad();
  const r = input.sample(pad, now);
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
  setText($("gamepad-status"), input.padText(pad));
  signIn.tick(now);
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

// ---- wiring ----------------------------------------------------------------------------------

function wire(): void {
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
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-plot]")) {
    b.addEventListener("click", () => {
      for (const o of document.querySelectorAll("[data-plot]")) o.classList.toggle("active", o === b);
      plots.show(b.dataset.plot as PlotName);
    });
  }
  wireSettingsDialog(
    () => input.mapping,
    (m) => {
      input.setMapping(m);
      saveMapping(m);
    },
  );
  renderControls(session, "gain");
  renderRole();
  signIn.fromLink();
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
