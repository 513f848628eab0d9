import type { MessageOf } from "../../protocol/index.ts";

/**
 * Alarm list and sound. Active alarms beep (WebAudio, two tones every 2 s) until silenced;
 * a new alarm sounds again. The list is bounded (newest 50).
 */
export class Alarms {
  private readonly list: HTMLElement;
  private audio: AudioContext | undefined;
  private sounding = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly active = new Set<string>();

  constructor(list: HTMLElement) {
    this.list = list;
  }

  add(alarm: MessageOf<"alarm"> | MessageOf<"event">): void {
    const li = document.createElement("li");
    const time = new Date().toLocaleTimeString();
    if (alarm.type === "alarm") {
      li.className = alarm.active ? "active" : "cleared";
      li.textContent = `${time} ${alarm.active ? "▲" : "▽"} ${alarm.code}: ${alarm.text}`;
      if (alarm.active) {
        this.active.add(alarm.code);
        this.sound();
      } else {
        this.active.delete(alarm.code);
        if (this.active.size === 0) this.silence();
      }
    } else {
      li.className = alarm.severity === "info" ? "cleared" : "active";
      li.textContent = `${time} ${alarm.code}: ${alarm.text}`;
    }
    this.list.prepend(li);
    while (this.list.children.length > 50) this.list.lastElementChild?.remove();
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
