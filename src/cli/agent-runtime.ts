/**
 * Node and V8 options the vehicle agent runs with, wherever it is started: `tethys sim` puts them
 * on the agent's command line (sim-wiring.ts), the board's systemd unit in NODE_OPTIONS
 * (deploy/systemd/tethys-vehicle.service; a test keeps the two the same).
 *
 * `--max-semi-space-size=2`: V8's young generation starts at 1 MiB of new space and doubles,
 * up to 64 MiB on a 64-bit Node 24, whenever enough objects survive its scavenges — the burst of
 * a reconnection after a tether cut is such a moment — and gives the space back only when the
 * allocation rate falls, which a 50 Hz control loop never lets happen. So a long dive's agent grew
 * in steps of 12–32 MiB at some tether cuts while the heap in use stayed flat (docs/soak.md). Two
 * semi-spaces of 2 MiB bound the new space to 4 MiB; the agent's live data is a few MiB and
 * its scavenges stay sub-millisecond, a few a second.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];
