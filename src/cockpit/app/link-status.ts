import type { LinkMonitor, LinkView } from "../core/link-monitor.ts";
import type { Alarms } from "./alarms.ts";
import { $, setText } from "./dom.ts";

const LOST = "COCKPIT_TELEMETRY_LOST";

/**
 * Renders what core/link-monitor.ts says, every frame: the link badge, and once telemetry has
 * stopped being live however it failed (hub gone, vehicle gone, telemetry stopped), everything
 * derived from telemetry dimmed with the age of the newest frame (`#cockpit[data-telemetry=stale]`
 * and `#telemetry-age`), and the `COCKPIT_TELEMETRY_LOST` alarm raised (with sound) until
 * telemetry is live again.
 */
export class LinkStatus {
  private readonly link: LinkMonitor;
  private readonly alarms: Alarms;
  private lostShown = false;

  constructor(link: LinkMonitor, alarms: Alarms) {
    this.link = link;
    this.alarms = alarms;
  }

  render(now: number): LinkView {
    const view = this.link.view(now);
    const badge = $("link");
    setText(badge, view.text);
    if (badge.dataset.state !== view.state) badge.dataset.state = view.state;
    const lost = String(view.lost);
    if (badge.dataset.lost !== lost) badge.dataset.lost = lost;
    const cockpit = $("cockpit");
    const telemetry = view.lost ? "stale" : "live";
    if (cockpit.dataset.telemetry !== telemetry) cockpit.dataset.telemetry = telemetry;
    const age = $("telemetry-age");
    if (age.hidden === view.lost) age.hidden = !view.lost;
    if (view.lost) setText(age, `Not live — last known values, ${ageText(view.ageMs)} old (${reason(view)})`);
    if (view.lost !== this.lostShown) {
      this.lostShown = view.lost;
      this.alarms.add({
        type: "alarm",
        severity: view.lost ? "alarm" : "info",
        code: LOST,
        active: view.lost,
        text: view.lost ? reason(view) : "telemetry is live again",
      });
    }
    return view;
  }

  /** Signed out: forget the telemetry and end the alarm without claiming telemetry came back. */
  reset(): void {
    this.link.socket(false);
    this.link.reset();
    this.lostShown = false;
    this.alarms.resolve(LOST);
  }
}

function reason(view: LinkView): string {
  if (view.state === "offline") return "the hub is offline";
  if (view.state === "no-vehicle") return "the vehicle is not connected to the hub";
  return "telemetry stopped";
}

function ageText(ms: number | null): string {
  if (ms === null) return "?";
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
