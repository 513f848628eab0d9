import { type Notice, noticeLine, noticeList } from "../core/notices.ts";

/**
 * The alarm list with its sound, and the event log beside it (which list a notice goes to, and
 * its words: core/notices.ts). Active alarms beep (WebAudio, two tones every 2 s) until
 * silenced; a new alarm sounds again. Routine events never sound. Each list keeps its newest 50.
 */
const KEEP = 50;

export class Alarms {
  private readonly alarms: HTMLElement;
  private readonly events: HTMLElement;
  private audio: AudioContext | undefined;
  private sounding = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly active = new Set<string>();

  constructor(alarms: HTMLElement, events: HTMLElement) {
    this.alarms = alarms;
    this.events = events;
  }

  /** Whether the alarm sound is on (for tests and the debug view). */
  get isSounding(): boolean {
    return this.sounding;
  }

  add(n: Notice): void {
    const li = document.createElement("li");
    const time = new Date().toLocaleTimeString();
    if (n.type === "alarm") {
      li.className = n.active ? "active" : "cleared";
      li.textContent = `${time} ${n.active ? "▲" : "▽"} ${noticeLine(n)}`;
      if (n.active) {
        this.active.add(n.code);
        this.sound();
      } else this.resolve(n.code);
    } else {
      li.className = n.severity === "info" ? "cleared" : "active";
      li.textContent = `${time} ${noticeLine(n)}`;
    }
    const list = noticeList(n) === "alarms" ? this.alarms : this.events;
    list.prepend(li);
    while (list.children.length > KEEP) list.lastElementChild?.remove();
  }

  /** An alarm no longer applies, without a line in the list (e.g. the pilot signed out). */
  resolve(code: string): void {
    this.active.delete(code);
    if (this.active.size === 0) this.silence();
  }

  silence(): void {
    this.sounding = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sound(): void {
    if (this.sounding) return;
    this.sounding = true;
    const beep = (): void => {
      try {
        this.audio ??= new AudioContext();
        const ctx = this.audio;
        for (const [i, f] of [880, 660].entries()) {
          const osc = ctx.createOscillator();
          const gain = ctx.createGain();
          osc.frequency.value = f;
          gain.gain.value = 0.08;
          osc.connect(gain).connect(ctx.destination);
          osc.start(ctx.currentTime + i * 0.18);
          osc.stop(ctx.currentTime + i * 0.18 + 0.15);
        }
      } catch {
        // No audio (autoplay policy before a user gesture): the visual alarm still shows.
      }
    };
    beep();
    this.timer = setInterval(beep, 2000);
  }
}
