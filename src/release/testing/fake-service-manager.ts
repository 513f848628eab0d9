import type { Health, ServiceManager } from "../health-gate.ts";

/**
 * A stand-in for systemd that behaves like its start/stop/is-active/restart for one board: a
 * restart starts the unit on whatever release `current` names at that moment, and the agent
 * it starts is healthy or not as the test decides for that release.
 */
export class FakeServiceManager implements ServiceManager {
  readonly calls: string[] = [];
  private running: string | undefined;
  private readonly current: () => Promise<string | undefined>;
  private readonly healthyReleases: Set<string>;
  armed = false;

  constructor(current: () => Promise<string | undefined>, healthyReleases: Iterable<string>) {
    this.current = current;
    this.healthyReleases = new Set(healthyReleases);
  }

  async restart(unit: string): Promise<void> {
    this.calls.push(`restart ${unit}`);
    this.running = await this.current();
  }

  async isActive(unit: string): Promise<boolean> {
    this.calls.push(`is-active ${unit}`);
    return this.running !== undefined;
  }

  /** What the running agent's /health answers. */
  health = async (): Promise<Health> => {
    if (this.running === undefined) return { ok: false, error: "connection refused" };
    return { ok: this.healthyReleases.has(this.running), armed: this.armed, release: this.running };
  };

  get runningRelease(): string | undefined {
    return this.running;
  }
}
