import type { Message } from "../../protocol/index.ts";

/** What `GET /replay/state` answers (docs/dive-log.md). */
interface ReplayState {
  vehicle: string;
  start: number;
  end: number;
  position: number;
  playing: boolean;
  speed: number;
  timeline?: { time: number; kind: "alarm" | "mode" | "link"; code: string; text: string }[];
}

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];

/**
 * The replay panel: shown only when the page's hub is `tethys replay` (it answers
 * `/replay/state`). Play/pause, speed, a seek slider, the dive time and recorded depth of the
 * frame on screen, and a timeline of alarms, mode and arming changes and link changes (click a
 * mark to go there). Position comes from the frames themselves (their recorded timestamps), so
 * nothing is polled; controls go to `POST /replay/control`.
 */
export class ReplayPanel {
  private readonly host: HTMLElement;
  private state: ReplayState | undefined;
  private dragging = false;
  private readonly el: {
    play: HTMLButtonElement;
    speed: HTMLSelectElement;
    seek: HTMLInputElement;
    time: HTMLElement;
    depth: HTMLElement;
    timeline: HTMLElement;
    error: HTMLElement;
  };

  constructor(host: HTMLElement) {
    this.host = host;
    host.innerHTML =
      '<button id="replay-play" type="button">Play</button>' +
      '<label>Speed <select id="replay-speed"></select></label>' +
      '<div class="replay-track"><input id="replay-seek" type="range" min="0" max="0" step="0.1" value="0">' +
      '<div id="replay-timeline" class="replay-timeline"></div></div>' +
      '<span id="replay-time" class="replay-time">—</span>' +
      '<span id="replay-depth" class="replay-depth">—</span>' +
      '<span id="replay-error" class="error"></span>';
    const q = <T extends HTMLElement>(id: string) => host.querySelector(`#${id}`) as T;
    this.el = {
      play: q("replay-play"),
      speed: q("replay-speed"),
      seek: q("replay-seek"),
      time: q("replay-time"),
      depth: q("replay-depth"),
      timeline: q("replay-timeline"),
      error: q("replay-error"),
    };
    for (const s of SPEEDS)
      this.el.speed.append(Object.assign(document.createElement("option"), { value: String(s), textContent: `${s}×` }));
    this.el.speed.value = "1";
    this.el.play.addEventListener("click", () => void this.control({ action: this.state?.playing ? "pause" : "play" }));
    this.el.speed.addEventListener(
      "change",
      () => void this.control({ action: "speed", speed: Number(this.el.speed.value) }),
    );
    this.el.seek.addEventListener("input", () => {
      this.dragging = true;
      this.showTime(this.origin() + Math.round(Number(this.el.seek.value) * 1e6));
    });
    this.el.seek.addEventListener("change", () => {
      this.dragging = false;
      void this.control({ action: "seek", time: this.origin() + Math.round(Number(this.el.seek.value) * 1e6) });
    });
  }

  /** Asks the hub whether it is a replay; shows the panel if so. */
  async start(): Promise<void> {
    let state: ReplayState;
    try {
      const r = await fetch("replay/state", { cache: "no-store" });
      if (!r.ok) return;
      state = (await r.json()) as ReplayState;
    } catch {
      return; // a live hub, or none
    }
    this.apply(state);
    this.renderTimeline(state.timeline ?? []);
    this.host.hidden = false;
  }

  /** Every frame from the hub: telemetry moves the position and shows its depth. */
  frame(m: Message, timestampUs: number): void {
    if (this.state === undefined || m.type !== "telemetry") return;
    this.state.position = timestampUs;
    this.el.depth.textContent = m.depth === null ? "depth —" : `depth ${m.depth.toFixed(2)} m`;
    if (!this.dragging) {
      this.el.seek.value = String((timestampUs - this.state.start) / 1e6);
      this.showTime(timestampUs);
    }
  }

  private origin(): number {
    return this.state?.start ?? 0;
  }

  private async control(body: Record<string, unknown>): Promise<void> {
    try {
      const r = await fetch("replay/control", { method: "POST", body: JSON.stringify(body) });
      const answer = (await r.json()) as ReplayState & { code?: string; text?: string };
      if (!r.ok) {
        this.el.error.textContent = `${answer.code}: ${answer.text}`;
        return;
      }
      this.el.error.textContent = "";
      this.apply(answer);
    } catch (err) {
      this.el.error.textContent = `replay control failed: ${String(err)}`;
    }
  }

  private apply(s: ReplayState): void {
    this.state = { ...s };
    this.el.play.textContent = s.playing ? "Pause" : "Play";
    this.el.speed.value = String(s.speed);
    this.el.seek.max = String((s.end - s.start) / 1e6);
    if (!this.dragging) {
      this.el.seek.value = String((s.position - s.start) / 1e6);
      this.showTime(s.position);
    }
  }

  private showTime(us: number): void {
    const s = this.state;
    if (s === undefined) return;
    this.el.time.textContent = `${((us - s.start) / 1e6).toFixed(1)} s / ${((s.end - s.start) / 1e6).toFixed(1)} s`;
  }

  private renderTimeline(marks: NonNullable<ReplayState["timeline"]>): void {
    const s = this.state;
    if (s === undefined) return;
    const span = Math.max(1, s.end - s.start);
    this.el.timeline.replaceChildren(
      ...marks.map((m) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `replay-mark ${m.kind}`;
        b.style.left = `${((m.time - s.start) / span) * 100}%`;
        b.title = `${((m.time - s.start) / 1e6).toFixed(1)} s  ${m.code}  ${m.text}`;
        b.dataset.code = m.code;
        b.addEventListener("click", () => void this.control({ action: "seek", time: m.time }));
        return b;
      }),
    );
  }
}
